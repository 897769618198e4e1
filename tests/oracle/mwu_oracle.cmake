# SPDX-License-Identifier: MIT
# tests/oracle/mwu_oracle.cmake - the rank statistics behind gputime::compare (Mann-Whitney U,
# Hodges-Lehmann; gputime/stats/mann_whitney.hpp) against scipy and numpy. Included from
# tests/oracle/CMakeLists.txt:
#   mwu_oracle.generate   generate_mwu_oracle.py writes samples + scipy's U and p-values and numpy's
#                         brute-force Hodges-Lehmann estimates
#   mwu_oracle.check      gputime_mwu_oracle recomputes and compares them (needs
#                         mwu_oracle.generate: a ctest fixture)
# The generator needs Python 3 with numpy and scipy (Debian: python3-numpy python3-scipy). Without
# them configuring still succeeds, but mwu_oracle.generate fails saying what is missing, and
# mwu_oracle.check is not run (ctest counts that as a failure).

# The interpreter: GPUTIME_ORACLE_PYTHON, else Debian's /usr/bin/python3, else the python3 found
# (as the Stats oracle picks it; repeated here so that this file works wherever it is included).
set(_gputime_mwu_python "${GPUTIME_ORACLE_PYTHON}")
if(NOT _gputime_mwu_python AND EXISTS /usr/bin/python3)
    set(_gputime_mwu_python /usr/bin/python3)
endif()
if(NOT _gputime_mwu_python)
    find_package(Python3 COMPONENTS Interpreter QUIET)
    if(Python3_Interpreter_FOUND)
        set(_gputime_mwu_python "${Python3_EXECUTABLE}")
    endif()
endif()

set(_gputime_mwu_data "${CMAKE_CURRENT_BINARY_DIR}/mwu_oracle_data")
if(_gputime_mwu_python)
    execute_process(COMMAND "${_gputime_mwu_python}" -c "import numpy, scipy.stats"
        RESULT_VARIABLE _gputime_scipy_missing OUTPUT_QUIET ERROR_QUIET)
    if(_gputime_scipy_missing)
        message(STATUS "gputime: ${_gputime_mwu_python} has no numpy/scipy; the test mwu_oracle.generate "
            "will fail until it does (Debian: apt-get install python3-numpy python3-scipy)")
    endif()
    add_test(NAME mwu_oracle.generate
        COMMAND "${_gputime_mwu_python}" "${CMAKE_CURRENT_LIST_DIR}/generate_mwu_oracle.py" "${_gputime_mwu_data}")
else()
    message(STATUS "gputime: no Python 3 found; the test mwu_oracle.generate will fail "
        "(Debian: apt-get install python3 python3-numpy python3-scipy, or set GPUTIME_ORACLE_PYTHON)")
    add_test(NAME mwu_oracle.generate
        COMMAND "${CMAKE_COMMAND}" "-DMESSAGE=no Python 3 was found when configuring: install python3, python3-numpy and python3-scipy (or set GPUTIME_ORACLE_PYTHON) and configure again"
                -P "${CMAKE_CURRENT_LIST_DIR}/fail.cmake")
endif()

add_executable(gputime_mwu_oracle "${CMAKE_CURRENT_LIST_DIR}/mwu_oracle.cpp")
target_link_libraries(gputime_mwu_oracle PRIVATE gputime::gputime)
gputime_apply_build_settings(gputime_mwu_oracle)

add_test(NAME mwu_oracle.check COMMAND gputime_mwu_oracle "${_gputime_mwu_data}/expected.txt")
set_tests_properties(mwu_oracle.generate PROPERTIES FIXTURES_SETUP gputime_mwu_oracle_data)
set_tests_properties(mwu_oracle.check PROPERTIES FIXTURES_REQUIRED gputime_mwu_oracle_data)
set_tests_properties(mwu_oracle.generate mwu_oracle.check PROPERTIES
    TIMEOUT ${GPUTIME_TEST_TIMEOUT} LABELS gputime_mwu_oracle)
if(GPUTIME_TEST_ENVIRONMENT)
    set_tests_properties(mwu_oracle.check PROPERTIES ENVIRONMENT "${GPUTIME_TEST_ENVIRONMENT}")
endif()
