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

set(_gputime_sanitize_flags -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
# nvcc splits -Xcompiler arguments at commas ("-fsanitize=address,undefined" would pass
# "undefined" as a file name): one -Xcompiler per sanitizer.
set(_gputime_cuda_sanitize_flags -Xcompiler=-fsanitize=address -Xcompiler=-fsanitize=undefined
    -Xcompiler=-fno-sanitize-recover=all -Xcompiler=-fno-omit-frame-pointer)
if(GPUTIME_SANITIZE AND NOT CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    message(FATAL_ERROR "GPUTIME_SANITIZE needs g++ or clang++ (found ${CMAKE_CXX_COMPILER_ID})")
endif()

# gputime_apply_build_settings(<target>...)
# Warnings (as errors with GPUTIME_WARNINGS_AS_ERRORS), sanitizers (GPUTIME_SANITIZE), no
# compiler extensions, and C++17 for CUDA sources too (architectures: CMAKE_CUDA_ARCHITECTURES).
function(gputime_apply_build_settings)
    foreach(target IN LISTS ARGN)
        target_compile_options(${target} PRIVATE
            "$<$<COMPILE_LANGUAGE:CXX>:${_gputime_cxx_warnings}>"
            "$<$<COMPILE_LANGUAGE:CUDA>:${_gputime_cuda_warnings}>")
        if(GPUTIME_WITH_NVCC)
            # cxx_std_17 (from gputime) covers only CXX sources; .cu files need their own.
            set_target_properties(${target} PROPERTIES CUDA_STANDARD 17 CUDA_STANDARD_REQUIRED ON
                CUDA_EXTENSIONS OFF)
        endif()
        set_target_properties(${target} PROPERTIES CXX_EXTENSIONS OFF)
        if(GPUTIME_SANITIZE)
            target_compile_options(${target} PRIVATE
                "$<$<COMPILE_LANGUAGE:CXX>:${_gputime_sanitize_flags}>"
                "$<$<COMPILE_LANGUAGE:CUDA>:${_gputime_cuda_sanitize_flags}>")
            get_target_property(type ${target} TYPE)
            if(NOT type STREQUAL "OBJECT_LIBRARY")
                target_link_options(${target} PRIVATE -fsanitize=address,undefined)
            endif()
        endif()
    endforeach()
endfunction()

# Environment for running our executables under the sanitizers (ctest ENVIRONMENT property):
# protect_shadow_gap=0 lets the CUDA driver map the memory it needs on a real GPU (the usual
# CUDA + ASan requirement); leaks are reported (the default on Linux). ONE entry on purpose: a
# list would be split apart on its way through catch_discover_tests/doctest_discover_tests'
# PROPERTIES. (-fno-sanitize-recover=all already stops at the first UBSan error;
# scripts/test.sh exports UBSAN_OPTIONS=print_stacktrace=1 for the stack.)
set(GPUTIME_TEST_ENVIRONMENT "")
if(GPUTIME_SANITIZE)
    set(GPUTIME_TEST_ENVIRONMENT "ASAN_OPTIONS=protect_shadow_gap=0:detect_leaks=1")
endif()
