# SPDX-License-Identifier: MIT
# install_without_build.cmake - a header-only library installs right after a configure, as
# {fmt} and nlohmann/json do: `cmake -S <src> -B <build> && cmake --install <build>` with the
# default options of a top-level build (the tool gputime-compare is configured, not built), only
# tests, examples and benches left out to keep the check short.
#   cmake -DGPUTIME_SOURCE_DIR=... -DWORK_DIR=... -DCMAKE_GENERATOR=... -DGPUTIME_VERSION=...
#         [-DCMAKE_MAKE_PROGRAM=...] [-DCXX_COMPILER=...] [-DCMAKE_BIN=<cmake to use>]
#         [-DNAME=<subdirectory of WORK_DIR>] -P install_without_build.cmake
# Leaves the install in <WORK_DIR>/<NAME>/prefix (default NAME: install_without_build).
cmake_minimum_required(VERSION 3.18...3.31)  # new policies in script mode too (CMP0054)
if(NOT CMAKE_BIN)
    set(CMAKE_BIN "${CMAKE_COMMAND}")
endif()
if(NOT NAME)
    set(NAME install_without_build)
endif()
set(dir "${WORK_DIR}/${NAME}")
file(REMOVE_RECURSE "${dir}")
file(MAKE_DIRECTORY "${dir}")
set(args -S "${GPUTIME_SOURCE_DIR}" -B "${dir}/build" -G "${CMAKE_GENERATOR}"
    -DGPUTIME_BUILD_TESTS=OFF -DGPUTIME_BUILD_EXAMPLES=OFF -DGPUTIME_BUILD_BENCH=OFF)
if(CMAKE_MAKE_PROGRAM)
    list(APPEND args "-DCMAKE_MAKE_PROGRAM=${CMAKE_MAKE_PROGRAM}")
endif()
if(CXX_COMPILER)
    list(APPEND args "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
endif()
if(DEFINED GPUTIME_CUDA)
    list(APPEND args "-DGPUTIME_CUDA=${GPUTIME_CUDA}")
endif()
if(CUDA_ROOT)
    list(APPEND args "-DCUDAToolkit_ROOT=${CUDA_ROOT}")
endif()
foreach(step configure install)
    if(step STREQUAL "configure")
        set(command "${CMAKE_BIN}" ${args})
    else()
        set(command "${CMAKE_BIN}" --install "${dir}/build" --prefix "${dir}/prefix")
    endif()
    string(REPLACE ";" " " shown "${command}")
    message(STATUS "${shown}")
    execute_process(COMMAND ${command} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "${step} failed (${rc}):\n${out}")
    endif()
endforeach()
string(REGEX MATCHALL "Installing: [^\n]*(pkgconfig|cmake/gputime)/[^\n]*" installed "${out}")
string(REPLACE ";" "\n  " installed "${installed}")
message(STATUS "installed without building (headers, and):\n  ${installed}")
foreach(file include/gputime/gputime.hpp include/gputime/core/version.hpp share/pkgconfig/gputime.pc
        share/cmake/gputime/gputimeConfig.cmake share/cmake/gputime/gputimeConfigVersion.cmake
        share/cmake/gputime/gputimeTargets.cmake)
    if(NOT EXISTS "${dir}/prefix/${file}")
        message(FATAL_ERROR "the install lacks ${file}")
    endif()
endforeach()
file(STRINGS "${dir}/prefix/share/pkgconfig/gputime.pc" version_line REGEX "^Version: ")
if(NOT version_line STREQUAL "Version: ${GPUTIME_VERSION}")
    message(FATAL_ERROR "gputime.pc says '${version_line}', the project is ${GPUTIME_VERSION}")
endif()
