# SPDX-License-Identifier: MIT
# tests/consumer/consumer_tests.cmake - downstream projects that use gputime, one ctest test each
# (included from tests/CMakeLists.txt). Each project lives next to this file, is configured,
# built and run by `ctest --build-and-test` with this build's generator and compilers, and
# compiles with -Wall -Wextra -Wpedantic -Werror, so a warning in a public header fails it.
#   consumer.add_subdirectory         add_subdirectory(<gputime source>)
#   consumer.find_package_build_tree  find_package(gputime) with gputime_DIR = this build tree
#   consumer.install                  fixture: install this build into <build>/consumer-install
#   consumer.find_package_install     find_package(gputime) from that prefix
#   consumer.fetch_content            FetchContent_Declare(gputime SOURCE_DIR <gputime source>)
#   consumer.nvcc                     a .cu including <gputime/gputime.hpp>, compiled by nvcc
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
