# SPDX-License-Identifier: MIT
# tests/habits/habits_tests.cmake - the house rules as tests. Included from tests/CMakeLists.txt.
#   format   every tracked C++/CUDA source is formatted as .clang-format says (scripts/format.sh --check)
#   tidy     clang-tidy's checks (.clang-tidy) find nothing in tidy_api.cpp, which includes the
#            whole public API (scripts/tidy.sh, with this build's compile database)
#   spdx     every tracked source starts with its SPDX licence line (tools/checks/check_spdx.py)
# format and tidy are skipped, saying why, when clang-format or clang-tidy is missing (Debian:
# apt-get install clang-format clang-tidy).
find_program(GPUTIME_BASH bash)
mark_as_advanced(GPUTIME_BASH)
if(GPUTIME_BASH)
    add_test(NAME format COMMAND "${GPUTIME_BASH}" "${PROJECT_SOURCE_DIR}/scripts/format.sh" --check)
    set_tests_properties(format PROPERTIES SKIP_RETURN_CODE 77 LABELS habits TIMEOUT 120)

    # The translation unit clang-tidy reads: never linked, only in the compile database.
    add_library(gputime_tidy_api OBJECT EXCLUDE_FROM_ALL "${CMAKE_CURRENT_LIST_DIR}/tidy_api.cpp")
    if(TARGET gputime::cuda)
        target_link_libraries(gputime_tidy_api PRIVATE gputime::cuda)
    else()
        target_link_libraries(gputime_tidy_api PRIVATE gputime::gputime)
    endif()
    find_package(benchmark QUIET CONFIG)
    if(benchmark_FOUND)
        target_link_libraries(gputime_tidy_api PRIVATE benchmark::benchmark)
        target_compile_definitions(gputime_tidy_api PRIVATE GPUTIME_TIDY_GBENCH)
    endif()
    set_target_properties(gputime_tidy_api PROPERTIES CXX_EXTENSIONS OFF EXPORT_COMPILE_COMMANDS ON)
    add_test(NAME tidy COMMAND "${GPUTIME_BASH}" "${PROJECT_SOURCE_DIR}/scripts/tidy.sh" "${CMAKE_BINARY_DIR}")
    set_tests_properties(tidy PROPERTIES SKIP_RETURN_CODE 77 LABELS habits TIMEOUT 300)
else()
    message(STATUS "gputime tests: no bash; the tests format and tidy are not registered")
endif()

find_package(Python3 COMPONENTS Interpreter QUIET)
if(Python3_Interpreter_FOUND)
    add_test(NAME spdx COMMAND "${Python3_EXECUTABLE}" "${PROJECT_SOURCE_DIR}/tools/checks/check_spdx.py"
        "${PROJECT_SOURCE_DIR}")
    set_tests_properties(spdx PROPERTIES LABELS habits)
endif()
