# SPDX-License-Identifier: MIT
# cmake -DREADME=<README.md> -DEXAMPLE=<readme_example.cpp> -P GputimeCheckReadmeExample.cmake
# Fails when the C++ block after README's "readme-example" marker differs from the example file,
# so the usage shown to newcomers is exactly the program ctest compiles and runs. The example's
# licence line (its first line) is not part of the usage and is not compared.
file(READ "${README}" readme)
string(FIND "${readme}" "<!-- readme-example" marker)
if(marker EQUAL -1)
    message(FATAL_ERROR "${README}: no <!-- readme-example --> marker")
endif()
string(SUBSTRING "${readme}" ${marker} -1 rest)
string(FIND "${rest}" "```cpp\n" open)
if(open EQUAL -1)
    message(FATAL_ERROR "${README}: no ```cpp block after the readme-example marker")
endif()
math(EXPR begin "${open} + 7")
string(SUBSTRING "${rest}" ${begin} -1 rest)
string(FIND "${rest}" "```" close)
string(SUBSTRING "${rest}" 0 ${close} block)
file(READ "${EXAMPLE}" example)
string(REGEX REPLACE "^// SPDX-License-Identifier: [^\n]*\n" "" example "${example}")
if(NOT block STREQUAL example)
    message(FATAL_ERROR "README.md's usage example differs from ${EXAMPLE}: keep them identical")
endif()
message(STATUS "README.md's usage example is ${EXAMPLE}")
