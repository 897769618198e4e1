# SPDX-License-Identifier: MIT
# GputimeCheckCommand.cmake - run a program and check its exit status and output (a ctest step).
#   cmake "-DCOMMAND=<program>|<arg>|..." -DEXPECT_EXIT=<n> [-DSTDOUT_MATCHES=<regex>]
#         [-DSTDERR_MATCHES=<regex>] [-DSTDOUT_EMPTY=ON] [-DSTDOUT_NOT_MATCHES=<regex>]
#         -P GputimeCheckCommand.cmake
# '|' separates the arguments (a CMake list would be split on its way through add_test). Used by
# the examples' command-line tests: `demo --help` exits 0 with the options on stdout, `demo
# --bogus` exits 2 naming the option on stderr and measures nothing.
cmake_minimum_required(VERSION 3.18...3.31)
string(REPLACE "|" ";" command "${COMMAND}")
execute_process(COMMAND ${command} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(REPLACE ";" " " shown "${command}")
set(report "`${shown}` exited with ${rc}\n--- stdout:\n${out}\n--- stderr:\n${err}")
if(NOT rc STREQUAL EXPECT_EXIT)
    message(FATAL_ERROR "expected exit status ${EXPECT_EXIT}: ${report}")
endif()
if(DEFINED STDOUT_MATCHES AND NOT out MATCHES "${STDOUT_MATCHES}")
    message(FATAL_ERROR "stdout does not match '${STDOUT_MATCHES}': ${report}")
endif()
if(DEFINED STDERR_MATCHES AND NOT err MATCHES "${STDERR_MATCHES}")
    message(FATAL_ERROR "stderr does not match '${STDERR_MATCHES}': ${report}")
endif()
if(STDOUT_EMPTY AND NOT out STREQUAL "")
    message(FATAL_ERROR "stdout should be empty: ${report}")
endif()
if(DEFINED STDOUT_NOT_MATCHES AND out MATCHES "${STDOUT_NOT_MATCHES}")
    message(FATAL_ERROR "stdout matches '${STDOUT_NOT_MATCHES}', which it must not: ${report}")
endif()
message(STATUS "${report}")
