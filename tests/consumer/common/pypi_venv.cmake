# SPDX-License-Identifier: MIT
# pypi_venv.cmake - a tool from PyPI in a virtual environment of its own under the build tree.
#   include(pypi_venv.cmake)
#   gputime_pypi_venv(<venv dir> <requirement> <out: bin dir, empty when it could not be made>)
# A requirement already installed (a stamp file names it) is not installed again. When Python,
# venv or pip fails (no network, no python3-venv), prints the reason with GPUTIME_TEST_SKIPPED
# (ctest shows the test as skipped) and returns an empty bin dir.
function(gputime_pypi_venv venv requirement out)
    set(${out} "" PARENT_SCOPE)
    if(NOT PYTHON)
        message("GPUTIME_TEST_SKIPPED: no Python 3 found, so ${requirement} cannot be installed from PyPI")
        return()
    endif()
    set(bin "${venv}/bin")
    set(stamp "${venv}/gputime-installed.txt")
    if(EXISTS "${stamp}")
        file(READ "${stamp}" installed)
        if(installed STREQUAL requirement)
            set(${out} "${bin}" PARENT_SCOPE)
            return()
        endif()
    endif()
    file(REMOVE_RECURSE "${venv}")
    execute_process(COMMAND "${PYTHON}" -m venv "${venv}" RESULT_VARIABLE rc OUTPUT_VARIABLE log ERROR_VARIABLE log)
    if(NOT rc EQUAL 0)
        message("GPUTIME_TEST_SKIPPED: cannot make a Python virtual environment (Debian: apt-get install python3-venv):\n${log}")
        return()
    endif()
    execute_process(COMMAND "${bin}/python" -m pip install --disable-pip-version-check --retries 1 --timeout 30
            "${requirement}"
        RESULT_VARIABLE rc OUTPUT_VARIABLE log ERROR_VARIABLE log)
    if(NOT rc EQUAL 0)
        message("GPUTIME_TEST_SKIPPED: pip cannot install ${requirement} from PyPI (offline?):\n${log}")
        return()
    endif()
    file(WRITE "${stamp}" "${requirement}")
    set(${out} "${bin}" PARENT_SCOPE)
endfunction()
