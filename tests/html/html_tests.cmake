# SPDX-License-Identifier: MIT
# tests/html/html_tests.cmake - the HTML report (gputime/report/html.hpp) in a real browser.
# Included from tests/CMakeLists.txt.
#   html.report_in_chromium   runs the html_report example (examples/html_report.cpp) into
#                             <build>/tests/html/, then check_report.py opens the report in
#                             headless Chromium: it checks the rendered DOM (every chart, by kind),
#                             that the browser logged no console message (an SVG attribute it
#                             rejects, a blocked request and a script error all log one), and
#                             writes screenshots: report.png (light) and report-dark.png (dark).
# Chromium missing: the test is reported as skipped, saying so (Debian: apt-get install chromium).
# The example is defined in examples/, which is configured after tests/: the test is added at the
# end of the top-level directory, once it is known whether the example target exists.

# Debian's /usr/bin/python3 first (the checker needs only the standard library), else any Python 3.
set(_gputime_html_python "")
if(EXISTS /usr/bin/python3)
    set(_gputime_html_python /usr/bin/python3)
else()
    find_package(Python3 COMPONENTS Interpreter QUIET)
    if(Python3_Interpreter_FOUND)
        set(_gputime_html_python "${Python3_EXECUTABLE}")
    endif()
endif()
set_property(GLOBAL PROPERTY GPUTIME_HTML_TEST_PYTHON "${_gputime_html_python}")
set_property(GLOBAL PROPERTY GPUTIME_HTML_TEST_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/check_report.py")
set_property(GLOBAL PROPERTY GPUTIME_HTML_TEST_DIR "${CMAKE_CURRENT_BINARY_DIR}/html")

function(gputime_add_html_report_test)
    get_property(python GLOBAL PROPERTY GPUTIME_HTML_TEST_PYTHON)
    get_property(script GLOBAL PROPERTY GPUTIME_HTML_TEST_SCRIPT)
    get_property(dir GLOBAL PROPERTY GPUTIME_HTML_TEST_DIR)
    if(NOT TARGET html_report)
        message(STATUS "gputime tests: the html_report example is not built (GPUTIME_BUILD_EXAMPLES=OFF?); "
            "html.report_in_chromium is not registered")
        return()
    endif()
    if(NOT python)
        message(STATUS "gputime tests: no Python 3 found; html.report_in_chromium is not registered "
            "(Debian: apt-get install python3)")
        return()
    endif()
    add_test(NAME html.report_in_chromium
        COMMAND "${python}" "${script}" --example "$<TARGET_FILE:html_report>" --out-dir "${dir}")
    set_tests_properties(html.report_in_chromium PROPERTIES LABELS html TIMEOUT 300
        SKIP_REGULAR_EXPRESSION "GPUTIME_TEST_SKIPPED")
    if(GPUTIME_TEST_ENVIRONMENT)
        set_tests_properties(html.report_in_chromium PROPERTIES ENVIRONMENT "${GPUTIME_TEST_ENVIRONMENT}")
    endif()
endfunction()
cmake_language(DEFER DIRECTORY "${PROJECT_SOURCE_DIR}" CALL gputime_add_html_report_test)
