# SPDX-License-Identifier: MIT
# install_to_prefix.cmake - ctest fixture: a fresh install of the gputime build tree
#   cmake -DGPUTIME_BUILD_DIR=<build> -DGPUTIME_PREFIX=<prefix> [-DGPUTIME_CONFIG=<cfg>] -P install_to_prefix.cmake
cmake_minimum_required(VERSION 3.18...3.31)  # new policies in script mode too (CMP0054)
foreach(var GPUTIME_BUILD_DIR GPUTIME_PREFIX)
    if(NOT ${var})
        message(FATAL_ERROR "install_to_prefix.cmake: ${var} is not set")
    endif()
endforeach()
file(REMOVE_RECURSE "${GPUTIME_PREFIX}")
set(config_args "")
if(GPUTIME_CONFIG)
    set(config_args --config "${GPUTIME_CONFIG}")
endif()
execute_process(
    COMMAND "${CMAKE_COMMAND}" --install "${GPUTIME_BUILD_DIR}" --prefix "${GPUTIME_PREFIX}" ${config_args}
    RESULT_VARIABLE result)
if(NOT result EQUAL 0)
    message(FATAL_ERROR "cmake --install failed (${result})")
endif()
foreach(file include/gputime/gputime.hpp)
    if(NOT EXISTS "${GPUTIME_PREFIX}/${file}")
        message(FATAL_ERROR "the install lacks ${file}")
    endif()
endforeach()
file(GLOB_RECURSE config "${GPUTIME_PREFIX}/*/gputimeConfig.cmake")
if(NOT config)
    message(FATAL_ERROR "the install lacks gputimeConfig.cmake")
endif()
