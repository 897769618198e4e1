# SPDX-License-Identifier: MIT
# tests/consumer/consumer_tests.cmake - downstream projects that use gputime, one ctest test each
# (included from tests/CMakeLists.txt). Each project lives next to this file, is configured,
# built and run by `ctest --build-and-test` with this build's generator and compilers, and
# compiles with -Wall -Wextra -Wpedantic -Werror, so a warning in a public header fails it.
# Every host program links only gputime::gputime and is checked with ldd to have no libcudart;
# with the CUDA toolkit, the same program linking gputime::cuda must have it.
#   consumer.add_subdirectory         add_subdirectory(<gputime source>)
#   consumer.find_package_build_tree  find_package(gputime) with gputime_DIR = this build tree
#   consumer.install                  fixture: install this build into <build>/consumer-install
#   consumer.find_package_install     find_package(gputime) from that prefix
#   consumer.fetch_content            FetchContent_Declare(gputime SOURCE_DIR <gputime source>)
#   consumer.nvcc                     a .cu including <gputime/gputime.hpp>, compiled by nvcc
#   consumer.install_without_build    a fresh configure, then `cmake --install` (nothing built)
#   consumer.pkg_config               programs built with `pkg-config --cflags --libs gputime`
#                                     (and gputime-cuda) against that install
#   consumer.oldest_cmake             CMake 3.18 (PyPI, in a venv): configure + install, then
#                                     find_package, add_subdirectory and FetchContent consumers
#   consumer.conan                    `conan create` of conanfile.py + test_package, offline
#                                     (Conan from PyPI in a venv)
#   consumer.cxx14                    -std=c++14 stops at one clear #error
#   consumer.strict_flags.<compiler>  every public header under -Wconversion -Wshadow ... -Werror,
#   consumer.cxx20.<compiler>         and the same as C++20
#                                     (registered by cmake/GputimeHeaderCheck.cmake)
# Tests that need PyPI (oldest_cmake, conan) are skipped, saying why, when pip cannot install.
set(_consumer_src "${CMAKE_CURRENT_LIST_DIR}")
set(_consumer_bin "${PROJECT_BINARY_DIR}/consumer")
set(_consumer_prefix "${PROJECT_BINARY_DIR}/consumer-install")

set(_consumer_generator_args --build-generator "${CMAKE_GENERATOR}")
if(CMAKE_GENERATOR_PLATFORM)
    list(APPEND _consumer_generator_args --build-generator-platform "${CMAKE_GENERATOR_PLATFORM}")
endif()
if(CMAKE_GENERATOR_TOOLSET)
    list(APPEND _consumer_generator_args --build-generator-toolset "${CMAKE_GENERATOR_TOOLSET}")
endif()
if(CMAKE_MAKE_PROGRAM)
    list(APPEND _consumer_generator_args --build-makeprogram "${CMAKE_MAKE_PROGRAM}")
endif()
get_property(_consumer_multi_config GLOBAL PROPERTY GENERATOR_IS_MULTI_CONFIG)
if(_consumer_multi_config)
    list(APPEND _consumer_generator_args --build-config "$<CONFIG>")
endif()

# What every consumer is told: our compiler, and what to expect from the package.
set(_consumer_build_type "${CMAKE_BUILD_TYPE}")
if(NOT _consumer_build_type)
    set(_consumer_build_type Debug)
endif()
set(_consumer_options
    "-DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER}"
    "-DCMAKE_BUILD_TYPE=${_consumer_build_type}"
    "-DGPUTIME_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
    "-DGPUTIME_CONSUMER_EXPECT_CUDA=${GPUTIME_WITH_CUDA}"
    "-DGPUTIME_CONSUMER_VERSION=${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}"
    "-DGPUTIME_CUDA=${GPUTIME_CUDA}")
if(GPUTIME_WITH_CUDA)
    get_filename_component(_consumer_cuda_root "${CUDAToolkit_BIN_DIR}" DIRECTORY)
    list(APPEND _consumer_options "-DCUDAToolkit_ROOT=${_consumer_cuda_root}")
endif()

# gputime_add_consumer_test(<name> <project dir> [OPTIONS ...] [FIXTURES_REQUIRED ...])
function(gputime_add_consumer_test name project)
    cmake_parse_arguments(arg "" "" "OPTIONS;FIXTURES_REQUIRED" ${ARGN})
    add_test(NAME consumer.${name}
        COMMAND "${CMAKE_CTEST_COMMAND}"
            --build-and-test "${_consumer_src}/${project}" "${_consumer_bin}/${name}"
            ${_consumer_generator_args}
            --build-project gputime_consumer
            --build-options ${_consumer_options} ${arg_OPTIONS}
            --test-command "${CMAKE_CTEST_COMMAND}" --output-on-failure)
    set_tests_properties(consumer.${name} PROPERTIES LABELS consumer TIMEOUT 300)
    if(arg_FIXTURES_REQUIRED)
        set_tests_properties(consumer.${name} PROPERTIES FIXTURES_REQUIRED "${arg_FIXTURES_REQUIRED}")
    endif()
endfunction()

gputime_add_consumer_test(add_subdirectory add_subdirectory)
gputime_add_consumer_test(find_package_build_tree find_package
    OPTIONS "-Dgputime_DIR=${PROJECT_BINARY_DIR}" "-DGPUTIME_CONSUMER_EXPECT_DIR=${PROJECT_BINARY_DIR}")
gputime_add_consumer_test(fetch_content fetch_content)

if(GPUTIME_INSTALL)
    add_test(NAME consumer.install
        COMMAND "${CMAKE_COMMAND}" "-DGPUTIME_BUILD_DIR=${PROJECT_BINARY_DIR}"
            "-DGPUTIME_PREFIX=${_consumer_prefix}" "-DGPUTIME_CONFIG=$<CONFIG>"
            -P "${_consumer_src}/install_to_prefix.cmake")
    set_tests_properties(consumer.install PROPERTIES LABELS consumer FIXTURES_SETUP gputime_installed)
    gputime_add_consumer_test(find_package_install find_package
        OPTIONS "-DCMAKE_PREFIX_PATH=${_consumer_prefix}"
            "-DGPUTIME_CONSUMER_EXPECT_DIR=${_consumer_prefix}/${GPUTIME_CMAKE_INSTALL_DIR}"
        FIXTURES_REQUIRED gputime_installed)
else()
    message(STATUS "gputime: GPUTIME_INSTALL is OFF; consumer.find_package_install is not registered")
endif()

if(GPUTIME_WITH_NVCC)
    gputime_add_consumer_test(nvcc nvcc
        OPTIONS "-Dgputime_DIR=${PROJECT_BINARY_DIR}"
            "-DCMAKE_CUDA_COMPILER=${CMAKE_CUDA_COMPILER}"
            "-DCMAKE_CUDA_ARCHITECTURES=${CMAKE_CUDA_ARCHITECTURES}")
endif()

# --- a configure followed by an install, nothing built; pkg-config consumers of that install ---
set(_consumer_script_options
    "-DGPUTIME_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
    "-DWORK_DIR=${_consumer_bin}"
    "-DCMAKE_GENERATOR=${CMAKE_GENERATOR}"
    "-DCMAKE_MAKE_PROGRAM=${CMAKE_MAKE_PROGRAM}"
    "-DCXX_COMPILER=${CMAKE_CXX_COMPILER}"
    "-DGPUTIME_VERSION=${PROJECT_VERSION}"
    "-DEXPECT_CUDA=${GPUTIME_WITH_CUDA}"
    "-DGPUTIME_CUDA=${GPUTIME_CUDA}")
if(GPUTIME_WITH_CUDA)
    list(APPEND _consumer_script_options "-DCUDA_ROOT=${_consumer_cuda_root}")
endif()
add_test(NAME consumer.install_without_build
    COMMAND "${CMAKE_COMMAND}" ${_consumer_script_options} -P "${_consumer_src}/install_without_build.cmake")
set_tests_properties(consumer.install_without_build PROPERTIES LABELS consumer TIMEOUT 300
    FIXTURES_SETUP gputime_installed_unbuilt)
find_program(GPUTIME_PKG_CONFIG NAMES pkg-config pkgconf)
mark_as_advanced(GPUTIME_PKG_CONFIG)
add_test(NAME consumer.pkg_config
    COMMAND "${CMAKE_COMMAND}" ${_consumer_script_options} "-DPKG_CONFIG=${GPUTIME_PKG_CONFIG}"
        -P "${_consumer_src}/pkg_config/check_pkg_config.cmake")
set_tests_properties(consumer.pkg_config PROPERTIES LABELS consumer TIMEOUT 300
    FIXTURES_REQUIRED gputime_installed_unbuilt SKIP_REGULAR_EXPRESSION "GPUTIME_TEST_SKIPPED")

# --- the oldest CMake the library supports, from PyPI ----------------------------------------
set(GPUTIME_OLDEST_CMAKE 3.18 CACHE STRING "The oldest CMake consumer.oldest_cmake proves (pip install cmake==<this>.*)")
mark_as_advanced(GPUTIME_OLDEST_CMAKE)
find_package(Python3 COMPONENTS Interpreter QUIET)
add_test(NAME consumer.oldest_cmake
    COMMAND "${CMAKE_COMMAND}" ${_consumer_script_options} "-DPYTHON=${Python3_EXECUTABLE}"
        "-DOLDEST_CMAKE=${GPUTIME_OLDEST_CMAKE}" -P "${_consumer_src}/oldest_cmake.cmake")
set_tests_properties(consumer.oldest_cmake PROPERTIES LABELS consumer TIMEOUT 900
    SKIP_REGULAR_EXPRESSION "GPUTIME_TEST_SKIPPED")

# --- the Conan 2 recipe, offline ----------------------------------------------------------------
add_test(NAME consumer.conan
    COMMAND "${CMAKE_COMMAND}" ${_consumer_script_options} "-DPYTHON=${Python3_EXECUTABLE}"
        -P "${_consumer_src}/conan_create.cmake")
set_tests_properties(consumer.conan PROPERTIES LABELS consumer TIMEOUT 900
    SKIP_REGULAR_EXPRESSION "GPUTIME_TEST_SKIPPED")

# --- C++14: one clear error ----------------------------------------------------------------------
add_test(NAME consumer.cxx14
    COMMAND "${CMAKE_COMMAND}" "-DCXX_COMPILER=${CMAKE_CXX_COMPILER}" "-DINCLUDE_DIR=${PROJECT_SOURCE_DIR}/include"
        -P "${_consumer_src}/cxx14/check_cxx14.cmake")
set_tests_properties(consumer.cxx14 PROPERTIES LABELS consumer TIMEOUT 120)
