# SPDX-License-Identifier: MIT
# conan_create.cmake - the Conan 2 recipe (conanfile.py) packages gputime and its test_package
# consumes it: `conan create` offline (no remote is asked: gputime has no dependencies), with
# Conan from PyPI in a venv and a Conan home under the build tree (skipped, saying why, when pip
# cannot install Conan).
cmake_minimum_required(VERSION 3.18...3.31)  # new policies in script mode too (CMP0054)
include("${CMAKE_CURRENT_LIST_DIR}/common/pypi_venv.cmake")
gputime_pypi_venv("${WORK_DIR}/venv-conan" "conan>=2,<3" bin)
if(NOT bin)
    return()
endif()
set(conan "${bin}/conan")
# A copy of the recipe and what it exports: conan writes test_package/build and
# CMakeUserPresets.json next to the recipe, which must not land in the source tree.
set(recipe "${WORK_DIR}/conan-recipe")
file(REMOVE_RECURSE "${recipe}")
file(MAKE_DIRECTORY "${recipe}")
foreach(item conanfile.py test_package CMakeLists.txt cmake include LICENSE)
    if(EXISTS "${GPUTIME_SOURCE_DIR}/${item}")
        file(COPY "${GPUTIME_SOURCE_DIR}/${item}" DESTINATION "${recipe}")
    endif()
endforeach()
file(REMOVE_RECURSE "${recipe}/test_package/build" "${recipe}/test_package/CMakeUserPresets.json")
set(ENV{CONAN_HOME} "${WORK_DIR}/conan-home")
file(REMOVE_RECURSE "$ENV{CONAN_HOME}")
# Conan runs CMake from PATH: this build's CMake first, and its generator.
get_filename_component(cmake_dir "${CMAKE_COMMAND}" DIRECTORY)
set(ENV{PATH} "${cmake_dir}:$ENV{PATH}")
set(ENV{CXX} "${CXX_COMPILER}")
foreach(step detect create)
    if(step STREQUAL "detect")
        set(command "${conan}" profile detect --force)
    else()
        set(command "${conan}" create "${recipe}" --no-remote --build=missing
            -c "tools.cmake.cmaketoolchain:generator=${CMAKE_GENERATOR}")
    endif()
    execute_process(COMMAND ${command} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "conan ${step} failed (${rc}):\n${out}")
    endif()
endforeach()
if(NOT out MATCHES "gputime ${GPUTIME_VERSION} from Conan: first call 900 ns, p50 200 ns")
    message(FATAL_ERROR "conan create passed, but test_package's line is not in its output:\n${out}")
endif()
# The tail: the package and the test_package's run.
string(LENGTH "${out}" length)
if(length GREATER 3000)
    math(EXPR from "${length} - 3000")
    string(SUBSTRING "${out}" ${from} -1 out)
endif()
message(STATUS "conan create (tail):\n${out}")
