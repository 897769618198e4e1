# SPDX-License-Identifier: MIT
# GputimeHeaderCheck.cmake - every public header must compile on its own.
#
# gputime_add_header_check(<target>)
# Generates one translation unit per header under include/gputime/ (detail/ included) that
# includes only that header (twice: the second include checks the include guard), and compiles
# them all into the object library <target> with our warnings (-Wpedantic -Werror included).
#   *.hpp  -> .cpp, compiled by the host compiler. A header that needs CUDA (it includes
#             <cuda_runtime_api.h>, <cuda_runtime.h> or <nvtx3/...> outside any #if, directly or
#             through another gputime header) is checked only when CUDA was found (NVTX: when
#             NVTX was found).
#   *.cuh  -> .cu, compiled by nvcc, when nvcc is available.
#   With nvcc, one more .cu includes every checked .hpp: the whole library compiles under nvcc's
#   front end too (as in a user's .cu file), with nvcc's warnings as errors.
# New headers are picked up at build time (CONFIGURE_DEPENDS).
function(gputime_add_header_check target)
    set(include_root "${PROJECT_SOURCE_DIR}/include")
    file(GLOB_RECURSE headers CONFIGURE_DEPENDS RELATIVE "${include_root}"
        "${include_root}/gputime/*.hpp" "${include_root}/gputime/*.cuh")
    list(SORT headers)
    if(NOT headers)
        message(STATUS "gputime header check: no headers yet")
        return()
    endif()

    # What each header includes unconditionally: toolkit headers, and other gputime headers.
    # An include inside #if/#ifdef (other than an include guard) is optional by design, e.g.
    # `#if defined(GPUTIME_HAS_CUDA)  #include <gputime/cuda/gpu_clock.hpp>`, so it does not make
    # the header need CUDA.
    foreach(header IN LISTS headers)
        string(MAKE_C_IDENTIFIER "${header}" id)
        set(needs_cuda_${id} OFF)
        set(needs_nvtx_${id} OFF)
        set(needs_protobuf_${id} OFF)
        set(deps_${id} "")
        file(STRINGS "${include_root}/${header}" lines
            REGEX "^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|else|endif|define|include)([ \t<\"(!]|$)")
        get_filename_component(header_dir "${header}" DIRECTORY)
        set(depth 0)
        set(base 0)          # 1 inside a classic include guard
        set(guard "")
        set(index 0)
        foreach(line IN LISTS lines)
            math(EXPR index "${index} + 1")
            if(line MATCHES "^[ \t]*#[ \t]*ifndef[ \t]+([A-Za-z0-9_]+)")
                if(index EQUAL 1)
                    set(guard "${CMAKE_MATCH_1}")
                endif()
                math(EXPR depth "${depth} + 1")
            elseif(line MATCHES "^[ \t]*#[ \t]*if")
                math(EXPR depth "${depth} + 1")
            elseif(line MATCHES "^[ \t]*#[ \t]*endif")
                math(EXPR depth "${depth} - 1")
            elseif(line MATCHES "^[ \t]*#[ \t]*define[ \t]+([A-Za-z0-9_]+)")
                if(index EQUAL 2 AND guard AND CMAKE_MATCH_1 STREQUAL guard)
                    set(base 1)
                endif()
            elseif(line MATCHES "^[ \t]*#[ \t]*include" AND depth LESS_EQUAL base)
                if(line MATCHES "[<\"](cuda_runtime_api\\.h|cuda_runtime\\.h)[>\"]")
                    set(needs_cuda_${id} ON)
                elseif(line MATCHES "[<\"]nvtx3/")
                    set(needs_cuda_${id} ON)
                    set(needs_nvtx_${id} ON)
                elseif(line MATCHES "[<\"]io/prometheus/client/metrics\\.pb\\.h[>\"]")
                    set(needs_protobuf_${id} ON)  # protoc's classes: gputime::prometheus_protobuf
                elseif(line MATCHES "<(gputime/[^>]+)>")
                    list(APPEND deps_${id} "${CMAKE_MATCH_1}")
                elseif(line MATCHES "\"([^\"]+)\"")
                    # "detail/x.hpp" relative to the including header, else to include/
                    if(EXISTS "${include_root}/${header_dir}/${CMAKE_MATCH_1}")
                        cmake_path(SET dep NORMALIZE "${header_dir}/${CMAKE_MATCH_1}")
                    else()
                        cmake_path(SET dep NORMALIZE "${CMAKE_MATCH_1}")
                    endif()
                    list(APPEND deps_${id} "${dep}")
                endif()
            endif()
        endforeach()
    endforeach()

    # Propagate the needs through gputime includes until nothing changes.
    set(changed ON)
    while(changed)
        set(changed OFF)
        foreach(header IN LISTS headers)
            string(MAKE_C_IDENTIFIER "${header}" id)
            foreach(dep IN LISTS deps_${id})
                string(MAKE_C_IDENTIFIER "${dep}" dep_id)
                foreach(need cuda nvtx protobuf)
                    if(needs_${need}_${dep_id} AND NOT needs_${need}_${id})
                        set(needs_${need}_${id} ON)
                        set(changed ON)
                    endif()
                endforeach()
            endforeach()
        endforeach()
    endwhile()

    set(out_dir "${CMAKE_CURRENT_BINARY_DIR}/header_check")
    set(sources "")
    set(nvcc_all "")
    set(skipped "")
    foreach(header IN LISTS headers)
        string(MAKE_C_IDENTIFIER "${header}" id)
        if(needs_cuda_${id} AND NOT GPUTIME_WITH_CUDA)
            list(APPEND skipped "${header} (needs CUDA)")
            continue()
        endif()
        if(needs_nvtx_${id} AND NOT GPUTIME_WITH_NVTX)
            list(APPEND skipped "${header} (needs NVTX)")
            continue()
        endif()
        if(needs_protobuf_${id})
            # Checked on its own, with the classes protoc generates (cmake/GputimePrometheusProtobuf.cmake).
            if(TARGET gputime::prometheus_protobuf)
                set(tu "${out_dir}/${id}.cpp")
                file(CONFIGURE OUTPUT "${tu}" CONTENT
                    "// Generated by gputime's build (cmake/GputimeHeaderCheck.cmake): <${header}> alone.\n#include <${header}>\n#include <${header}>\n"
                    @ONLY)
                list(APPEND protobuf_sources "${tu}")
            else()
                list(APPEND skipped "${header} (needs gputime::prometheus_protobuf)")
            endif()
            continue()
        endif()
        if(header MATCHES "\\.cuh$")
            if(NOT GPUTIME_WITH_NVCC)
                list(APPEND skipped "${header} (needs nvcc)")
                continue()
            endif()
            set(tu "${out_dir}/${id}.cu")
        else()
            set(tu "${out_dir}/${id}.cpp")
            string(APPEND nvcc_all "#include <${header}>\n")
        endif()
        file(CONFIGURE OUTPUT "${tu}" CONTENT
            "// Generated by gputime's build (cmake/GputimeHeaderCheck.cmake): <${header}> alone.\n#include <${header}>\n#include <${header}>\n"
            @ONLY)
        list(APPEND sources "${tu}")
    endforeach()
    if(GPUTIME_WITH_NVCC AND nvcc_all)
        set(tu "${out_dir}/all_headers_nvcc.cu")
        file(CONFIGURE OUTPUT "${tu}" CONTENT
            "// Generated by gputime's build: every public header through nvcc.\n${nvcc_all}"
            @ONLY)
        list(APPEND sources "${tu}")
    endif()
    foreach(s IN LISTS skipped)
        message(STATUS "gputime header check: skipping ${s}")
    endforeach()
    if(NOT sources)
        return()
    endif()

    list(LENGTH sources n)
    message(STATUS "gputime header check: ${n} translation units")
    add_library(${target} OBJECT ${sources})
    target_link_libraries(${target} PRIVATE gputime::gputime)
    gputime_apply_build_settings(${target})
    if(protobuf_sources)
        add_library(${target}_protobuf OBJECT ${protobuf_sources})
        target_link_libraries(${target}_protobuf PRIVATE gputime::prometheus_protobuf)
        gputime_apply_build_settings(${target}_protobuf)
    endif()
    _gputime_add_strict_flags_tests("${nvcc_all}" "${out_dir}")
endfunction()

# Every checked .hpp in one translation unit, compiled (syntax only) by g++ and by clang++ with
# the strict flags a consumer may use (-Wconversion -Wsign-conversion -Wshadow ... -Werror): a
# warning in a public header would stop such a consumer's build. ctest: consumer.strict_flags.<c>,
# and consumer.cxx20.<c> with -std=c++20.
set(GPUTIME_STRICT_FLAGS -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow -Werror
    CACHE STRING "The flags every public header must compile cleanly with (consumer.strict_flags.*)")
mark_as_advanced(GPUTIME_STRICT_FLAGS)
function(_gputime_add_strict_flags_tests includes out_dir)
    if(NOT includes)
        return()
    endif()
    set(tu "${out_dir}/all_headers_strict.cpp")
    file(CONFIGURE OUTPUT "${tu}" CONTENT
        "// Generated by gputime's build (cmake/GputimeHeaderCheck.cmake): every public header under strict flags.\n${includes}"
        @ONLY)
    set(flags -std=c++17 -fsyntax-only ${GPUTIME_STRICT_FLAGS} "-I${PROJECT_SOURCE_DIR}/include")
    if(GPUTIME_WITH_CUDA)
        list(APPEND flags -DGPUTIME_HAS_CUDA=1)
        foreach(dir IN LISTS CUDAToolkit_INCLUDE_DIRS)
            list(APPEND flags -isystem "${dir}")
        endforeach()
    endif()
    if(GPUTIME_WITH_NVTX)
        list(APPEND flags -DGPUTIME_HAS_NVTX=1)
    endif()
    foreach(compiler g++ clang++)
        string(MAKE_C_IDENTIFIER "${compiler}" var)
        find_program(GPUTIME_STRICT_${var} NAMES ${compiler})
        mark_as_advanced(GPUTIME_STRICT_${var})
        if(compiler STREQUAL "g++")
            set(name gcc)
        else()
            set(name clang)
        endif()
        if(GPUTIME_STRICT_${var})
            add_test(NAME consumer.strict_flags.${name} COMMAND "${GPUTIME_STRICT_${var}}" ${flags} "${tu}")
            # The same under C++20 (a later -std= wins): what changed (comparisons, char8_t...) warns there.
            add_test(NAME consumer.cxx20.${name} COMMAND "${GPUTIME_STRICT_${var}}" ${flags} -std=c++20 "${tu}")
            # A consumer's use of the main templates, compiled (not only parsed): warnings that
            # only an instantiation shows (tests/consumer/strict/instantiate.cpp).
            list(REMOVE_ITEM flags -fsyntax-only)
            add_test(NAME consumer.strict_flags.${name}.instantiated COMMAND "${GPUTIME_STRICT_${var}}" ${flags}
                -c -o "${out_dir}/strict_instantiated_${name}.o" "${PROJECT_SOURCE_DIR}/tests/consumer/strict/instantiate.cpp")
            list(APPEND flags -fsyntax-only)
            set_tests_properties(consumer.strict_flags.${name} consumer.cxx20.${name}
                consumer.strict_flags.${name}.instantiated PROPERTIES LABELS consumer TIMEOUT 300)
        else()
            message(STATUS "gputime header check: no ${compiler}; consumer.strict_flags.${name} is not registered")
        endif()
    endforeach()
endfunction()
