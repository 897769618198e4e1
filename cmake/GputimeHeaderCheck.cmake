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
                foreach(need cuda nvtx)
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
endfunction()
