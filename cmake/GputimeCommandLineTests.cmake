# SPDX-License-Identifier: MIT
# GputimeCommandLineTests.cmake - the standard command line (gputime/integrations/run_options.hpp)
# of an example, checked by ctest:
#   gputime_add_command_line_tests(<target> [OUTPUT <option>])
#     example.<target>.help            --help: exit 0, usage and --help on stdout, nothing on stderr
#     example.<target>.unknown_option  --bogus: exit 2 naming it on stderr, nothing measured (stdout empty)
#     example.<target>.bad_value       --iterations 0: exit 2 naming --iterations
#     example.<target>.bad_variable    GPUTIME_ITERATIONS=x: exit 2 naming the variable
#     example.<target>.unwritable_output  <OUTPUT> /nonexistent/x: exit 2 at once, nothing measured
set(_gputime_check_command "${CMAKE_CURRENT_LIST_DIR}/GputimeCheckCommand.cmake")

function(gputime_add_command_line_tests target)
    cmake_parse_arguments(arg "" "OUTPUT" "" ${ARGN})
    if(NOT TARGET ${target})
        return()
    endif()
    set(exe "$<TARGET_FILE:${target}>")
    set(name example.${target})
    add_test(NAME ${name}.help COMMAND "${CMAKE_COMMAND}" "-DCOMMAND=${exe}|--help" -DEXPECT_EXIT=0
        "-DSTDOUT_MATCHES=^usage: ${target} \\[options\\].*--iterations N.*-h, --help" "-DSTDERR_MATCHES=^$"
        -P "${_gputime_check_command}")
    add_test(NAME ${name}.unknown_option COMMAND "${CMAKE_COMMAND}" "-DCOMMAND=${exe}|--bogus" -DEXPECT_EXIT=2
        "-DSTDERR_MATCHES=^${target}: --bogus is not an option of ${target}\n" -DSTDOUT_EMPTY=ON
        -P "${_gputime_check_command}")
    add_test(NAME ${name}.bad_value COMMAND "${CMAKE_COMMAND}" "-DCOMMAND=${exe}|--iterations|0" -DEXPECT_EXIT=2
        "-DSTDERR_MATCHES=^${target}: --iterations needs a whole number >= 1, got '0'" -DSTDOUT_EMPTY=ON
        -P "${_gputime_check_command}")
    add_test(NAME ${name}.bad_variable COMMAND "${CMAKE_COMMAND}" "-DCOMMAND=${exe}" -DEXPECT_EXIT=2
        "-DSTDERR_MATCHES=^${target}: GPUTIME_ITERATIONS needs a whole number >= 1, got 'x'" -DSTDOUT_EMPTY=ON
        -P "${_gputime_check_command}")
    set_tests_properties(${name}.bad_variable PROPERTIES ENVIRONMENT "GPUTIME_ITERATIONS=x")
    set(tests ${name}.help ${name}.unknown_option ${name}.bad_value ${name}.bad_variable)
    if(arg_OUTPUT)
        # Exits at once: the output is checked before anything is measured (TIMEOUT 30 s, and
        # nothing on stdout, where the program prints its results).
        add_test(NAME ${name}.unwritable_output
            COMMAND "${CMAKE_COMMAND}" "-DCOMMAND=${exe}|${arg_OUTPUT}|/nonexistent/gputime/x.out" -DEXPECT_EXIT=2
            "-DSTDERR_MATCHES=^${target}: ${arg_OUTPUT} cannot be written: the directory /nonexistent/gputime does not exist"
            -DSTDOUT_EMPTY=ON -P "${_gputime_check_command}")
        list(APPEND tests ${name}.unwritable_output)
    endif()
    set_tests_properties(${tests} PROPERTIES LABELS example TIMEOUT 30)
endfunction()
