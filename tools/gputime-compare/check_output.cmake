# SPDX-License-Identifier: MIT
# check_output.cmake - runs gputime-compare once and checks its exit status and its output against
# an approved golden file (tests/golden/compare/), as the library's golden tests do.
#   cmake -DTOOL=<gputime-compare> -DARGS=<a|b|...> -DEXPECT_EXIT=<n> -DGOLDEN=<file>
#         -DWORKDIR=<dir> -P check_output.cmake
# The golden file holds stdout, then "--- stderr ---" and stderr when there is any. With the
# environment variable GPUTIME_APPROVE set (and not 0) the golden file is rewritten instead.
foreach(var TOOL EXPECT_EXIT GOLDEN WORKDIR)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "check_output.cmake needs -D${var}=...")
    endif()
endforeach()
string(REPLACE "|" ";" ARGS "${ARGS}")
execute_process(COMMAND "${TOOL}" ${ARGS}
    WORKING_DIRECTORY "${WORKDIR}"
    OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE status)
set(actual "${out}")
if(NOT err STREQUAL "")
    string(APPEND actual "--- stderr ---\n${err}")
endif()
if(NOT status STREQUAL "${EXPECT_EXIT}")
    message(FATAL_ERROR "gputime-compare ${ARGS}: exit status ${status}, expected ${EXPECT_EXIT}\n${actual}")
endif()
if(DEFINED ENV{GPUTIME_APPROVE} AND NOT "$ENV{GPUTIME_APPROVE}" STREQUAL "" AND NOT "$ENV{GPUTIME_APPROVE}" STREQUAL "0")
    file(WRITE "${GOLDEN}" "${actual}")
    message(STATUS "approved ${GOLDEN}")
    return()
endif()
if(NOT EXISTS "${GOLDEN}")
    message(FATAL_ERROR "no golden file ${GOLDEN} yet: run with GPUTIME_APPROVE=1 to create it\n${actual}")
endif()
# Compared as files, byte for byte (CMake strings would treat ';' as a list separator).
get_filename_component(name "${GOLDEN}" NAME)
set(actual_file "${CMAKE_CURRENT_BINARY_DIR}/gputime_compare_actual/${name}")
file(WRITE "${actual_file}" "${actual}")
execute_process(COMMAND "${CMAKE_COMMAND}" -E compare_files "${GOLDEN}" "${actual_file}" RESULT_VARIABLE differs)
if(differs)
    message(FATAL_ERROR "gputime-compare ${ARGS}: output differs from ${GOLDEN} (it is in ${actual_file}; "
        "GPUTIME_APPROVE=1 approves it)")
endif()
