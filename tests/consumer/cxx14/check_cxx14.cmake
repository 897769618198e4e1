# SPDX-License-Identifier: MIT
# check_cxx14.cmake - gputime compiled as C++14 stops at one clear #error, not hundreds of errors.
#   cmake -DCXX_COMPILER=<c++> -DINCLUDE_DIR=<gputime>/include -P check_cxx14.cmake
# For the umbrella header and the base every other header includes (core/duration.hpp), the
# compiler's output must name C++17 in gputime's #error, and that #error must be the only error
# besides the fatal stop right after it.
cmake_minimum_required(VERSION 3.18...3.31)  # new policies in script mode too (CMP0054)
foreach(header gputime/gputime.hpp gputime/core/duration.hpp gputime/stats/stats.hpp gputime/integrations/testing.hpp)
    set(tu "${CMAKE_CURRENT_BINARY_DIR}/cxx14_check.cpp")
    file(WRITE "${tu}" "#include <${header}>\nint main() { return 0; }\n")
    execute_process(COMMAND "${CXX_COMPILER}" -std=c++14 -fsyntax-only "-I${INCLUDE_DIR}" "${tu}"
        RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(rc EQUAL 0)
        message(FATAL_ERROR "<${header}> compiled as C++14: the C++17 check is missing")
    endif()
    # Diagnostics are "file:line:col: error: ..." or "... fatal error: ..."; ';' would split the list.
    string(REPLACE ";" "," out "${out}")
    string(REGEX MATCHALL "[0-9]+:[0-9]+: (fatal )?error:[^\n]*" errors "${out}")
    list(LENGTH errors n)
    list(GET errors 0 first)
    if(NOT first MATCHES "gputime needs C\\+\\+17 or newer: compile with -std=c\\+\\+17")
        message(FATAL_ERROR "<${header}> as C++14: the first error is not gputime's #error:\n${out}")
    endif()
    if(NOT n EQUAL 2)
        message(FATAL_ERROR "<${header}> as C++14: ${n} errors, expected the #error and the stop after it:\n${out}")
    endif()
    message(STATUS "<${header}> as C++14: ${first}")
endforeach()
