# SPDX-License-Identifier: MIT
# tests/gbench/gbench_tests.cmake - the Google Benchmark adapter (gputime/integrations/gbench.hpp) under test:
# Google Benchmark really runs benchmarks on the simulated GPU and a reporter checks what it
# reports. Included from tests/CMakeLists.txt (after gputime_add_test_executable is defined).
#   gputime_gbench_tests   tests/gbench/test_*.cpp + Google Benchmark; one ctest test per case,
#                          prefixed "gbench."
# The sources live here, not in tests/, because tests/test_*.cpp all go into gputime_tests,
# which does not link Google Benchmark. Without Google Benchmark this is skipped with a message
# (Debian: apt-get install libbenchmark-dev), like the benches.
find_package(benchmark QUIET CONFIG)
if(benchmark_FOUND)
    file(GLOB _gputime_gbench_test_sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/test_*.cpp")
    gputime_add_test_executable(gputime_gbench_tests SOURCES ${_gputime_gbench_test_sources}
        LIBRARIES benchmark::benchmark TEST_PREFIX "gbench.")
else()
    message(STATUS "gputime tests: Google Benchmark not found; the gbench adapter tests are skipped "
        "(Debian: apt-get install libbenchmark-dev)")
endif()
