# SPDX-License-Identifier: MIT
# GputimeBuildSettings.cmake - warnings, sanitizers and CUDA settings for gputime's OWN targets
# (tests, examples, benches, header check). Never applied to the gputime library target itself:
# a consumer's flags are the consumer's business.

# Host compiler (g++, clang++): the full set.
set(_gputime_cxx_warnings "")
if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    set(_gputime_cxx_warnings -Wall -Wextra -Wpedantic)
    if(GPUTIME_WARNINGS_AS_ERRORS)
        list(APPEND _gputime_cxx_warnings -Werror)
    endif()
elseif(MSVC)
    set(_gputime_cxx_warnings /W4 /permissive-)
    if(GPUTIME_WARNINGS_AS_ERRORS)
        list(APPEND _gputime_cxx_warnings /WX)
    endif()
endif()

# nvcc: -Wall -Wextra for the host compiler (-Xcompiler), and nvcc's own front-end warnings
# (e.g. #177-D "declared but never referenced") as errors. NOT -Wpedantic: the host compiler
# compiles nvcc's generated .cudafe1.cpp, whose `# 123 "file.cu"` line markers are a GCC
# extension that -Wpedantic reports on every line ("style of line directive is a GCC
# extension", no -Wno- flag turns it off). Host-only -Wpedantic coverage of every header comes
# from the g++/clang++ header check instead.
set(_gputime_cuda_warnings "")
if(CMAKE_CUDA_COMPILER_ID STREQUAL "NVIDIA")
    set(_gputime_cuda_host_warnings -Wall,-Wextra)
    if(GPUTIME_WARNINGS_AS_ERRORS)
        string(APPEND _gputime_cuda_host_warnings ",-Werror")
        set(_gputime_cuda_warnings -Xcompiler=${_gputime_cuda_host_warnings} --Werror=all-warnings)
    else()
        set(_gputime_cuda_warnings -Xcompiler=${_gputime_cuda_host_warnings})
    endif()
endif()

# GPUTIME_SANITIZE: OFF, or the sanitizers to build with: address, thread, undefined, or a
# comma/semicolon list of them (address,undefined). ON (the old BOOL) means address,undefined.
# ThreadSanitizer cannot be combined with AddressSanitizer.
string(TOLOWER "${GPUTIME_SANITIZE}" _gputime_sanitize_value)
string(REPLACE "," ";" _gputime_sanitize_value "${_gputime_sanitize_value}")
set(GPUTIME_SANITIZERS "")
foreach(_s IN LISTS _gputime_sanitize_value)
    string(STRIP "${_s}" _s)
    if(_s MATCHES "^(on|yes|y|true|1)$")
        list(APPEND GPUTIME_SANITIZERS address undefined)
    elseif(_s MATCHES "^(address|thread|undefined)$")
        list(APPEND GPUTIME_SANITIZERS ${_s})
    elseif(NOT _s MATCHES "^(off|no|n|false|0|)$")
        message(FATAL_ERROR "GPUTIME_SANITIZE must be OFF, ON, address, thread, undefined or a list "
            "of them (address,undefined), not '${GPUTIME_SANITIZE}'")
    endif()
endforeach()
list(REMOVE_DUPLICATES GPUTIME_SANITIZERS)
if("address" IN_LIST GPUTIME_SANITIZERS AND "thread" IN_LIST GPUTIME_SANITIZERS)
    message(FATAL_ERROR "GPUTIME_SANITIZE='${GPUTIME_SANITIZE}': address and thread cannot be combined")
endif()
if(GPUTIME_SANITIZERS AND NOT CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    message(FATAL_ERROR "GPUTIME_SANITIZE needs g++ or clang++ (found ${CMAKE_CXX_COMPILER_ID})")
endif()
list(JOIN GPUTIME_SANITIZERS "," _gputime_sanitize_list)
set(_gputime_sanitize_flags "")
set(_gputime_cuda_sanitize_flags "")
if(GPUTIME_SANITIZERS)
    # -fno-sanitize-recover=all: UBSan stops at the first error (ASan and TSan stop anyway).
    set(_gputime_sanitize_flags -fsanitize=${_gputime_sanitize_list} -fno-sanitize-recover=all
        -fno-omit-frame-pointer)
    # nvcc splits -Xcompiler arguments at commas ("-fsanitize=address,undefined" would pass
    # "undefined" as a file name): one -Xcompiler per sanitizer.
    foreach(_s IN LISTS GPUTIME_SANITIZERS)
        list(APPEND _gputime_cuda_sanitize_flags -Xcompiler=-fsanitize=${_s})
    endforeach()
    list(APPEND _gputime_cuda_sanitize_flags -Xcompiler=-fno-sanitize-recover=all
        -Xcompiler=-fno-omit-frame-pointer)
endif()

# gputime_apply_build_settings(<target>...)
# Warnings (as errors with GPUTIME_WARNINGS_AS_ERRORS), sanitizers (GPUTIME_SANITIZE), no
# compiler extensions, and C++17 for CUDA sources too (architectures: CMAKE_CUDA_ARCHITECTURES).
# With the CUDA toolkit, our own targets link gputime::cuda (GPUTIME_HAS_CUDA, cudart), so that
# the tests and examples cover the GPU code paths; a consumer chooses gputime::gputime or
# gputime::cuda itself (tests/consumer checks that the host target brings no cudart). A target
# with the property GPUTIME_HOST_ONLY set (a tool that must run without CUDA) is left host-only.
function(gputime_apply_build_settings)
    foreach(target IN LISTS ARGN)
        get_target_property(host_only ${target} GPUTIME_HOST_ONLY)
        if(TARGET gputime::cuda AND NOT host_only)
            target_link_libraries(${target} PRIVATE gputime::cuda)
        endif()
        target_compile_options(${target} PRIVATE
            "$<$<COMPILE_LANGUAGE:CXX>:${_gputime_cxx_warnings}>"
            "$<$<COMPILE_LANGUAGE:CUDA>:${_gputime_cuda_warnings}>")
        if(GPUTIME_WITH_NVCC)
            # cxx_std_17 (from gputime) covers only CXX sources; .cu files need their own.
            set_target_properties(${target} PROPERTIES CUDA_STANDARD 17 CUDA_STANDARD_REQUIRED ON
                CUDA_EXTENSIONS OFF)
        endif()
        set_target_properties(${target} PROPERTIES CXX_EXTENSIONS OFF)
        if(GPUTIME_SANITIZERS)
            target_compile_options(${target} PRIVATE
                "$<$<COMPILE_LANGUAGE:CXX>:${_gputime_sanitize_flags}>"
                "$<$<COMPILE_LANGUAGE:CUDA>:${_gputime_cuda_sanitize_flags}>")
            get_target_property(type ${target} TYPE)
            if(NOT type STREQUAL "OBJECT_LIBRARY")
                target_link_options(${target} PRIVATE -fsanitize=${_gputime_sanitize_list})
            endif()
        endif()
    endforeach()
endfunction()

# Environment for running our executables under the sanitizers (ctest ENVIRONMENT property).
# ASan: protect_shadow_gap=0 lets the CUDA driver map the memory it needs on a real GPU (the
# usual CUDA + ASan requirement); leaks are reported (the default on Linux). TSan: stop at the
# first report (halt_on_error=1; a race is a failure, not a warning) and show both stacks of a
# lock-order inversion (second_deadlock_stack=1). ONE entry on purpose: a list would be split
# apart on its way through catch_discover_tests/doctest_discover_tests' PROPERTIES, and ASan and
# TSan never go together. (-fno-sanitize-recover=all already stops at the first UBSan error;
# scripts/test.sh exports UBSAN_OPTIONS=print_stacktrace=1 for the stack.)
set(GPUTIME_TEST_ENVIRONMENT "")
if("address" IN_LIST GPUTIME_SANITIZERS)
    set(GPUTIME_TEST_ENVIRONMENT "ASAN_OPTIONS=protect_shadow_gap=0:detect_leaks=1")
elseif("thread" IN_LIST GPUTIME_SANITIZERS)
    set(GPUTIME_TEST_ENVIRONMENT "TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1")
endif()
