# SPDX-License-Identifier: MIT
# GputimeRunDoxygen.cmake - cmake -P script of the ctest api_reference: runs doxygen, prints
# its warnings and fails when there is any.
file(REMOVE_RECURSE "${OUTPUT}")
file(MAKE_DIRECTORY "${OUTPUT}")
execute_process(COMMAND "${DOXYGEN}" "${DOXYFILE}" RESULT_VARIABLE status)
if(NOT status EQUAL 0)
    message(FATAL_ERROR "doxygen failed (${status})")
endif()
file(READ "${WARNINGS}" warnings)
string(STRIP "${warnings}" warnings)
if(warnings)
    string(REGEX MATCHALL "\n" lines "\n${warnings}")
    list(LENGTH lines count)
    message("${warnings}")
    message(FATAL_ERROR "api_reference: ${count} doxygen warning(s); document every public name")
endif()
message(STATUS "api_reference: 0 warnings; ${OUTPUT}/html/index.html")
