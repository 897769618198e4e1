# SPDX-License-Identifier: MIT
# GputimeTorch.cmake - LibTorch (PyTorch's C++ library) for the examples libtorch_eager and
# libtorch_torchscript. Included by examples/CMakeLists.txt; nothing else depends on it.
#
# gputime_find_torch() sets, in the caller's scope:
#   GPUTIME_WITH_TORCH       ON when LibTorch's CMake package (Torch) is found AND loads
#   GPUTIME_TORCH_LIBRARIES  what to link (TORCH_LIBRARIES: imported targets, so its headers
#                            come in as SYSTEM includes and -Werror never sees their warnings)
#   GPUTIME_TORCH_VERSION    LibTorch's version (Debian 12: 1.13.0)
#   GPUTIME_TORCH_CUDA       ON for a CUDA build of LibTorch (targets torch_cuda / c10_cuda)
#   GPUTIME_TORCH_SCRIPTING  ON when GPUTIME_TORCH_PYTHON (cache) is a Python interpreter that
#                            imports torch of a version LibTorch can load: it scripts the
#                            TorchScript model at build time
#
# It never fails the configure step (unless GPUTIME_TORCH=ON). Debian 12's package (libtorch-dev)
# is a good example of why: TorchConfig.cmake calls find_package(Caffe2 REQUIRED), and
# Caffe2Config.cmake stops with FATAL_ERROR when gflags, glog or protobuf's CMake files are
# missing; a CUDA LibTorch needs a matching CUDA toolkit to load. So the package is first loaded
# in a throw-away child configure (a probe, a few seconds, once per package location, cached);
# only when that succeeds is it loaded here. What is missing is reported with the Debian
# packages that provide it.
#
# GPUTIME_TORCH (AUTO | ON | OFF): look for LibTorch when AUTO (the default), require it when ON,
# skip the search when OFF. Where: Torch_DIR or CMAKE_PREFIX_PATH (an unpacked libtorch zip, or
# `python3 -c 'import torch; print(torch.utils.cmake_prefix_path)'`), or the system (Debian).
# GPUTIME_TORCH_PYTHON: the interpreter that scripts the model (default: the first of
# Python3_EXECUTABLE, python3 on PATH and /usr/bin/python3 that imports torch).

set(_gputime_torch_packages "libtorch-dev python3-torch")

# The child configure that loads the Torch package: "<dir>;<version>;<cuda>" on success.
function(_gputime_torch_probe config_file out_ok out_result out_log)
    get_filename_component(dir "${config_file}" DIRECTORY)
    set(probe "${CMAKE_BINARY_DIR}/gputime_torch_probe")
    file(MAKE_DIRECTORY "${probe}/src")
    file(WRITE "${probe}/src/CMakeLists.txt" [=[
cmake_minimum_required(VERSION 3.24)
project(gputime_torch_probe LANGUAGES CXX)
find_package(Torch CONFIG REQUIRED NO_DEFAULT_PATH PATHS "${GPUTIME_TORCH_DIR}")
set(cuda OFF)
if(TARGET torch_cuda OR TARGET c10_cuda OR TORCH_LIBRARIES MATCHES "torch_cuda|c10_cuda")
    set(cuda ON)
endif()
file(WRITE "${CMAKE_BINARY_DIR}/result.txt" "${Torch_DIR};${Torch_VERSION};${cuda}")
]=])
    file(REMOVE_RECURSE "${probe}/build")
    set(args -S "${probe}/src" -B "${probe}/build" -G "${CMAKE_GENERATOR}"
        "-DGPUTIME_TORCH_DIR=${dir}" "-DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER}")
    if(CMAKE_MAKE_PROGRAM)
        list(APPEND args "-DCMAKE_MAKE_PROGRAM=${CMAKE_MAKE_PROGRAM}")
    endif()
    if(CMAKE_PREFIX_PATH)
        list(JOIN CMAKE_PREFIX_PATH "\\;" prefixes)  # one argument, a list inside
        list(APPEND args "-DCMAKE_PREFIX_PATH=${prefixes}")
    endif()
    if(CMAKE_CUDA_COMPILER)
        list(APPEND args "-DCMAKE_CUDA_COMPILER=${CMAKE_CUDA_COMPILER}")
    endif()
    # TorchConfig.cmake finds Caffe2 with PATHS, which CMake searches after the system: with two
    # LibTorch installs (Debian's and an unpacked one), -DCaffe2_DIR=<libtorch>/share/cmake/Caffe2
    # keeps them apart.
    foreach(var IN ITEMS Caffe2_DIR CUDAToolkit_ROOT CUDA_TOOLKIT_ROOT_DIR)
        if(${var})
            list(APPEND args "-D${var}=${${var}}")
        endif()
    endforeach()
    execute_process(COMMAND "${CMAKE_COMMAND}" ${args}
        RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 300)
    if(rc EQUAL 0 AND EXISTS "${probe}/build/result.txt")
        file(READ "${probe}/build/result.txt" result)
        set(${out_ok} ON PARENT_SCOPE)
        set(${out_result} "${result}" PARENT_SCOPE)
    else()
        # The first error's text is the useful part ("Your installed Caffe2 version uses gflags ..."),
        # without CMake's "CMake Error at <file>:<line>" heading (a ctest checks the configure
        # output for that heading).
        string(REGEX MATCH "CMake Error[^\n]*\n(\n?  [^\n]*\n)+" first "${err}")
        string(REGEX REPLACE "^CMake Error[^\n]*\n" "" first "${first}")
        if(NOT first)
            string(REGEX REPLACE "CMake Error" "error" first "${err}")
        endif()
        string(REGEX REPLACE "[ \n]+" " " first "${first}")
        string(STRIP "${first}" first)
        set(${out_ok} OFF PARENT_SCOPE)
        set(${out_log} "${first}" PARENT_SCOPE)
    endif()
endfunction()

# The interpreter that scripts the model: imports torch, of a version LibTorch can load
# (a TorchScript archive from a newer PyTorch may not load in an older LibTorch).
function(_gputime_torch_python libtorch_version out)
    set(candidates "")
    if(GPUTIME_TORCH_PYTHON)
        list(APPEND candidates "${GPUTIME_TORCH_PYTHON}")
    else()
        if(Python3_EXECUTABLE)
            list(APPEND candidates "${Python3_EXECUTABLE}")
        endif()
        find_program(_gputime_python3_on_path NAMES python3 NO_CACHE)
        if(_gputime_python3_on_path)
            list(APPEND candidates "${_gputime_python3_on_path}")
        endif()
        list(APPEND candidates /usr/bin/python3)
    endif()
    list(REMOVE_DUPLICATES candidates)
    string(REGEX MATCH "^[0-9]+\\.[0-9]+" libtorch_mm "${libtorch_version}")
    set(tried "")
    foreach(python IN LISTS candidates)
        if(NOT EXISTS "${python}")
            continue()
        endif()
        execute_process(COMMAND "${python}" -c "import sys, torch; sys.stdout.write(torch.__version__)"
            RESULT_VARIABLE rc OUTPUT_VARIABLE version ERROR_QUIET TIMEOUT 120)
        if(NOT rc EQUAL 0)
            list(APPEND tried "${python} (no torch module)")
            continue()
        endif()
        string(REGEX MATCH "^[0-9]+\\.[0-9]+" python_mm "${version}")
        if(libtorch_mm AND python_mm VERSION_GREATER libtorch_mm)
            list(APPEND tried "${python} (torch ${version}, newer than LibTorch ${libtorch_version})")
            continue()
        endif()
        set(${out} "${python}" PARENT_SCOPE)
        set(GPUTIME_TORCH_PYTHON_VERSION "${version}" PARENT_SCOPE)
        return()
    endforeach()
    list(JOIN tried ", " tried)
    set(${out} "" PARENT_SCOPE)
    set(GPUTIME_TORCH_PYTHON_TRIED "${tried}" PARENT_SCOPE)
endfunction()

function(gputime_find_torch)
    set(GPUTIME_WITH_TORCH OFF PARENT_SCOPE)
    set(GPUTIME_TORCH_CUDA OFF PARENT_SCOPE)
    set(GPUTIME_TORCH_LIBRARIES "" PARENT_SCOPE)
    set(GPUTIME_TORCH_VERSION "" PARENT_SCOPE)
    set(GPUTIME_TORCH_SCRIPTING OFF PARENT_SCOPE)
    gputime_tristate_option(GPUTIME_TORCH AUTO "Build the LibTorch examples: AUTO, ON or OFF")
    if(GPUTIME_TORCH_MODE STREQUAL "OFF")
        message(STATUS "gputime examples: GPUTIME_TORCH=OFF; libtorch_eager and libtorch_torchscript are skipped")
        return()
    endif()
    set(fail_type STATUS)
    if(GPUTIME_TORCH_MODE STREQUAL "ON")
        set(fail_type FATAL_ERROR)
    endif()

    # 1. Where is the package? (cheap: no file is loaded yet)
    if(CMAKE_DISABLE_FIND_PACKAGE_Torch)
        message(${fail_type} "gputime examples: CMAKE_DISABLE_FIND_PACKAGE_Torch is set; libtorch_eager and "
            "libtorch_torchscript are skipped")
        return()
    endif()
    find_file(config NAMES TorchConfig.cmake torch-config.cmake
        PATHS ${Torch_DIR} $ENV{Torch_DIR} ${Torch_ROOT} $ENV{Torch_ROOT}
              ${CMAKE_PREFIX_PATH} $ENV{CMAKE_PREFIX_PATH} ${CMAKE_SYSTEM_PREFIX_PATH}
        PATH_SUFFIXES "" share/cmake/Torch lib/${CMAKE_LIBRARY_ARCHITECTURE}/cmake/Torch
                      lib/cmake/Torch lib64/cmake/Torch
        NO_DEFAULT_PATH NO_CACHE)
    if(NOT config)
        message(${fail_type} "gputime examples: LibTorch (CMake package Torch) not found; libtorch_eager and "
            "libtorch_torchscript are skipped (Debian: apt-get install ${_gputime_torch_packages}; "
            "or -DTorch_DIR=<libtorch>/share/cmake/Torch)")
        return()
    endif()

    # 2. Does it load? The probe's verdict is cached per file and modification time.
    file(TIMESTAMP "${config}" stamp "%Y%m%d%H%M%S" UTC)
    set(key "${config}@${stamp}")
    if(NOT _GPUTIME_TORCH_PROBE_KEY STREQUAL key)
        set(ok OFF)
        set(result "")
        set(log "")
        _gputime_torch_probe("${config}" ok result log)
        set(_GPUTIME_TORCH_PROBE_KEY "${key}" CACHE INTERNAL "")
        set(_GPUTIME_TORCH_PROBE_OK "${ok}" CACHE INTERNAL "")
        set(_GPUTIME_TORCH_PROBE_RESULT "${result}" CACHE INTERNAL "")
        set(_GPUTIME_TORCH_PROBE_LOG "${log}" CACHE INTERNAL "")
    endif()
    if(NOT _GPUTIME_TORCH_PROBE_OK)
        message(${fail_type} "gputime examples: LibTorch's CMake package (${config}) fails to load, so "
            "libtorch_eager and libtorch_torchscript are skipped. It said: ${_GPUTIME_TORCH_PROBE_LOG} "
            "(Debian: apt-get install ${_gputime_torch_packages}, which bring libgflags-dev, "
            "libgoogle-glog-dev and libprotobuf-dev)")
        return()
    endif()
    list(GET _GPUTIME_TORCH_PROBE_RESULT 0 dir)
    list(GET _GPUTIME_TORCH_PROBE_RESULT 1 version)
    list(GET _GPUTIME_TORCH_PROBE_RESULT 2 cuda)

    # 3. Load it here. Inside this function: TorchConfig.cmake sets a dozen variables (and even
    # CMAKE_CURRENT_LIST_DIR) that stay out of the caller's scope; its imported targets do not.
    find_package(Torch CONFIG QUIET NO_DEFAULT_PATH PATHS "${dir}")
    if(NOT Torch_FOUND OR NOT TORCH_LIBRARIES)
        message(${fail_type} "gputime examples: LibTorch at ${dir} loaded in a probe but not here; "
            "libtorch_eager and libtorch_torchscript are skipped")
        return()
    endif()
    set(GPUTIME_WITH_TORCH ON PARENT_SCOPE)
    set(GPUTIME_TORCH_LIBRARIES "${TORCH_LIBRARIES}" PARENT_SCOPE)
    set(GPUTIME_TORCH_VERSION "${version}" PARENT_SCOPE)
    set(GPUTIME_TORCH_CUDA "${cuda}" PARENT_SCOPE)

    # 4. The interpreter for the TorchScript model (its check is cached once it passes).
    set(GPUTIME_TORCH_PYTHON "" CACHE FILEPATH
        "Python interpreter with torch, to script the model of libtorch_torchscript")
    if(NOT GPUTIME_TORCH_PYTHON OR NOT _GPUTIME_TORCH_PYTHON_CHECKED STREQUAL GPUTIME_TORCH_PYTHON)
        _gputime_torch_python("${version}" python)
        if(python)
            set(GPUTIME_TORCH_PYTHON "${python}" CACHE FILEPATH
                "Python interpreter with torch, to script the model of libtorch_torchscript" FORCE)
            set(_GPUTIME_TORCH_PYTHON_CHECKED "${python}" CACHE INTERNAL "")
            set(_GPUTIME_TORCH_PYTHON_VERSION "${GPUTIME_TORCH_PYTHON_VERSION}" CACHE INTERNAL "")
        else()
            set(_GPUTIME_TORCH_PYTHON_CHECKED "" CACHE INTERNAL "")
            message(STATUS "gputime examples: no Python interpreter imports torch <= ${version} "
                "(tried: ${GPUTIME_TORCH_PYTHON_TRIED}); libtorch_torchscript is skipped "
                "(Debian: apt-get install python3-torch; or -DGPUTIME_TORCH_PYTHON=<python>)")
        endif()
    endif()
    set(scripting OFF)
    if(_GPUTIME_TORCH_PYTHON_CHECKED)
        set(scripting ON)
    endif()
    set(GPUTIME_TORCH_SCRIPTING "${scripting}" PARENT_SCOPE)
    set(summary "gputime examples: LibTorch ${version} (${dir}), CUDA ${cuda}")
    if(scripting)
        string(APPEND summary "; TorchScript model scripted by ${_GPUTIME_TORCH_PYTHON_CHECKED} "
            "(torch ${_GPUTIME_TORCH_PYTHON_VERSION})")
    endif()
    message(STATUS "${summary}")
endfunction()
