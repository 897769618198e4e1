# SPDX-License-Identifier: MIT
# oldest_cmake.cmake - the library's minimum CMake, proven: CMake <OLDEST_CMAKE> from PyPI in a
# venv under the build tree (skipped, saying why, when pip cannot install it) does what a user
# of that CMake does:
#   1. `cmake -S <gputime> -B build && cmake --install build` (the defaults of a top-level build:
#      with this CMake, tests/examples/benches are off; nothing is built), then
#   2. find_package(gputime) from that prefix, add_subdirectory and FetchContent consumers,
#      each configured, built and run by the same CMake and its ctest (host programs checked
#      with ldd to have no libcudart; with the toolkit, gputime::cuda programs to have it).
cmake_minimum_required(VERSION 3.18...3.31)  # new policies in script mode too (CMP0054)
include("${CMAKE_CURRENT_LIST_DIR}/common/pypi_venv.cmake")
gputime_pypi_venv("${WORK_DIR}/venv-cmake-${OLDEST_CMAKE}" "cmake==${OLDEST_CMAKE}.*" bin)
if(NOT bin)
    return()
endif()
set(cmake "${bin}/cmake")
set(ctest "${bin}/ctest")
execute_process(COMMAND "${cmake}" --version OUTPUT_VARIABLE version OUTPUT_STRIP_TRAILING_WHITESPACE)
string(REGEX MATCH "[0-9]+\\.[0-9]+\\.[0-9]+" version "${version}")
if(NOT version MATCHES "^${OLDEST_CMAKE}\\.")
    message(FATAL_ERROR "the venv's CMake is ${version}, not ${OLDEST_CMAKE}.x")
endif()
message(STATUS "CMake ${version} from PyPI: ${cmake}")

# 1. configure + install, nothing built
set(CMAKE_BIN "${cmake}")
set(NAME "oldest_cmake/install")
include("${CMAKE_CURRENT_LIST_DIR}/install_without_build.cmake")
set(prefix "${WORK_DIR}/oldest_cmake/install/prefix")

# 2. consumers, each with this CMake from configure to ctest
string(REGEX MATCH "^[0-9]+\\.[0-9]+" pin "${GPUTIME_VERSION}")
set(common -G "${CMAKE_GENERATOR}" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" -DCMAKE_BUILD_TYPE=Debug
    "-DGPUTIME_SOURCE_DIR=${GPUTIME_SOURCE_DIR}" "-DGPUTIME_CONSUMER_EXPECT_CUDA=${EXPECT_CUDA}"
    "-DGPUTIME_CONSUMER_VERSION=${pin}" "-DGPUTIME_CUDA=${GPUTIME_CUDA}")
if(CMAKE_MAKE_PROGRAM)
    list(APPEND common "-DCMAKE_MAKE_PROGRAM=${CMAKE_MAKE_PROGRAM}")
endif()
if(CUDA_ROOT)
    list(APPEND common "-DCUDAToolkit_ROOT=${CUDA_ROOT}")
endif()
foreach(consumer find_package add_subdirectory fetch_content)
    set(build "${WORK_DIR}/oldest_cmake/${consumer}")
    file(REMOVE_RECURSE "${build}")
    set(extra "")
    if(consumer STREQUAL "find_package")
        set(extra "-DCMAKE_PREFIX_PATH=${prefix}" "-DGPUTIME_CONSUMER_EXPECT_DIR=${prefix}/share/cmake/gputime")
    endif()
    file(MAKE_DIRECTORY "${build}")
    foreach(step configure build test)
        if(step STREQUAL "configure")
            set(command "${cmake}" -S "${CMAKE_CURRENT_LIST_DIR}/${consumer}" -B "${build}" ${common} ${extra})
        elseif(step STREQUAL "build")
            set(command "${cmake}" --build "${build}")
        else()
            set(command "${ctest}" --output-on-failure)  # in the build dir: --test-dir is 3.20's
        endif()
        execute_process(COMMAND ${command} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out
            WORKING_DIRECTORY "${build}")
        if(NOT rc EQUAL 0)
            message(FATAL_ERROR "CMake ${version}, consumer ${consumer}: ${step} failed (${rc}):\n${out}")
        endif()
    endforeach()
    message(STATUS "CMake ${version}, consumer ${consumer}: configured, built, tests passed\n${out}")
endforeach()
