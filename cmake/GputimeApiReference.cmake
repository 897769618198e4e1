# SPDX-License-Identifier: MIT
# GputimeApiReference.cmake - the API reference (Doxygen) and the ctest that keeps it complete.
#
#   cmake --build <dir> --target gputime_api_reference   -> <dir>/api_reference/html/index.html
# The ctest api_reference runs doxygen and fails on any warning (an undocumented public name, a
# broken doc command); without doxygen it is skipped, saying why.
set(GPUTIME_DOXYGEN_OUTPUT "${PROJECT_BINARY_DIR}/api_reference")
set(GPUTIME_DOXYGEN_WARNINGS "${GPUTIME_DOXYGEN_OUTPUT}/warnings.txt")
configure_file("${PROJECT_SOURCE_DIR}/docs/Doxyfile.in" "${PROJECT_BINARY_DIR}/Doxyfile" @ONLY)
find_program(GPUTIME_DOXYGEN doxygen)
if(GPUTIME_DOXYGEN)
    add_custom_target(gputime_api_reference
        COMMAND "${CMAKE_COMMAND}" -E make_directory "${GPUTIME_DOXYGEN_OUTPUT}"
        COMMAND "${GPUTIME_DOXYGEN}" "${PROJECT_BINARY_DIR}/Doxyfile"
        COMMENT "gputime: API reference in ${GPUTIME_DOXYGEN_OUTPUT}/html" VERBATIM)
    add_test(NAME api_reference COMMAND "${CMAKE_COMMAND}"
        -DDOXYGEN=${GPUTIME_DOXYGEN} -DDOXYFILE=${PROJECT_BINARY_DIR}/Doxyfile
        -DOUTPUT=${GPUTIME_DOXYGEN_OUTPUT} -DWARNINGS=${GPUTIME_DOXYGEN_WARNINGS}
        -P "${PROJECT_SOURCE_DIR}/cmake/GputimeRunDoxygen.cmake")
else()
    add_test(NAME api_reference COMMAND "${CMAKE_COMMAND}" -E echo
        "GPUTIME_TEST_SKIPPED: doxygen not found (Debian: apt-get install doxygen)")
    set_tests_properties(api_reference PROPERTIES SKIP_REGULAR_EXPRESSION "GPUTIME_TEST_SKIPPED")
endif()
set_tests_properties(api_reference PROPERTIES LABELS api_reference)
