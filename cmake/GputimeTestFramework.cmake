# SPDX-License-Identifier: MIT
# GputimeTestFramework.cmake - the test framework selected by GPUTIME_TEST_FRAMEWORK.
#
# Provides
#   gputime_test_framework          INTERFACE target: the framework + GPUTIME_TEST_WITH_DOCTEST
#                                   when doctest is selected (tests/support/test_framework.hpp
#                                   and tests/support/main.cpp switch on it), and tests/ on the
#                                   include path ("support/test_framework.hpp")
#   gputime_test_main               static library: tests/support/main.cpp, compiled once for
#                                   every test executable
#   GPUTIME_TEST_FRAMEWORK_FOUND    whether the framework was found
#   gputime_discover_tests(<target> [TEST_PREFIX p] [PROPERTIES k v ...])
#                                   registers each test case of <target> with ctest
#
# Tests are asked for explicitly or by default at the top level, so a missing framework is an
# error there; for the examples alone (mock_kernel_test) it is only a skipped example.

set(GPUTIME_TEST_FRAMEWORK_FOUND OFF)
if(GPUTIME_TEST_FRAMEWORK STREQUAL "Catch2")
    # catch2/catch.hpp is Catch2 v2's single header (v3 has none).
    find_package(Catch2 2 QUIET CONFIG)
    if(Catch2_FOUND)
        set(GPUTIME_TEST_FRAMEWORK_FOUND ON)
        include("${Catch2_DIR}/Catch.cmake")  # catch_discover_tests (v2 ships it next to its config)
    endif()
else()
    find_package(doctest QUIET CONFIG)
    if(doctest_FOUND)
        set(GPUTIME_TEST_FRAMEWORK_FOUND ON)
        include("${doctest_DIR}/doctest.cmake")  # doctest_discover_tests
    endif()
endif()

if(NOT GPUTIME_TEST_FRAMEWORK_FOUND)
    set(_gputime_hint "install it (Debian: apt-get install catch2 / doctest-dev), choose the other one "
        "with -DGPUTIME_TEST_FRAMEWORK=Catch2|doctest, or configure with -DGPUTIME_BUILD_TESTS=OFF")
    if(GPUTIME_BUILD_TESTS)
        message(FATAL_ERROR "gputime: the test framework ${GPUTIME_TEST_FRAMEWORK} was not found: ${_gputime_hint}")
    endif()
    message(STATUS "gputime: ${GPUTIME_TEST_FRAMEWORK} not found; examples that need it are skipped")
    return()
endif()

add_library(gputime_test_framework INTERFACE)
if(GPUTIME_TEST_FRAMEWORK STREQUAL "Catch2")
    target_link_libraries(gputime_test_framework INTERFACE Catch2::Catch2)
else()
    target_link_libraries(gputime_test_framework INTERFACE doctest::doctest)
    target_compile_definitions(gputime_test_framework INTERFACE GPUTIME_TEST_WITH_DOCTEST)
endif()
target_include_directories(gputime_test_framework INTERFACE "${PROJECT_SOURCE_DIR}/tests")

# The framework's runner, compiled once (Catch2 v2's main takes ~17 s at -O0 and ~35 s at -O3
# with g++ 12): at -O0 whatever the build type, since the runner's speed is not measured.
add_library(gputime_test_main STATIC "${PROJECT_SOURCE_DIR}/tests/support/main.cpp")
target_link_libraries(gputime_test_main PUBLIC gputime_test_framework)
gputime_apply_build_settings(gputime_test_main)
target_compile_options(gputime_test_main PRIVATE $<$<CXX_COMPILER_ID:GNU,Clang>:-O0>)

# gputime_discover_tests(<target> [TEST_PREFIX <prefix>] [PROPERTIES <name> <value>...])
# Each TEST_CASE becomes one ctest test (listed after the build, by running the executable).
function(gputime_discover_tests target)
    cmake_parse_arguments(arg "" "TEST_PREFIX" "PROPERTIES" ${ARGN})
    if(GPUTIME_TEST_FRAMEWORK STREQUAL "Catch2")
        catch_discover_tests(${target} TEST_PREFIX "${arg_TEST_PREFIX}" PROPERTIES ${arg_PROPERTIES})
    else()
        doctest_discover_tests(${target} TEST_PREFIX "${arg_TEST_PREFIX}" PROPERTIES ${arg_PROPERTIES})
    endif()
endfunction()
