# SPDX-License-Identifier: MIT
# GputimeNvtx.cmake - the header-only NVTX3 of the CUDA toolkit as the target CUDA::nvtx3.
#
# FindCUDAToolkit creates CUDA::nvtx3 since CMake 3.25 (and does not check that the headers are
# there); with CMake 3.24 we create the same target. Used by gputime's own build and by the
# installed gputimeConfig.cmake, so a consumer gets the same target either way.

# gputime_ensure_nvtx3_target(<out-var>)
# Needs find_package(CUDAToolkit) first. Sets <out-var> to ON when <nvtx3/nvToolsExt.h> exists
# in the toolkit and CUDA::nvtx3 is available, OFF otherwise.
function(gputime_ensure_nvtx3_target out)
    set(${out} OFF PARENT_SCOPE)
    if(NOT CUDAToolkit_FOUND)
        return()
    endif()
    find_path(GPUTIME_NVTX3_INCLUDE_DIR nvtx3/nvToolsExt.h
        HINTS ${CUDAToolkit_INCLUDE_DIRS}
        NO_DEFAULT_PATH)
    mark_as_advanced(GPUTIME_NVTX3_INCLUDE_DIR)
    if(NOT GPUTIME_NVTX3_INCLUDE_DIR)
        return()
    endif()
    if(NOT TARGET CUDA::nvtx3)
        add_library(CUDA::nvtx3 INTERFACE IMPORTED)
        target_include_directories(CUDA::nvtx3 SYSTEM INTERFACE "${GPUTIME_NVTX3_INCLUDE_DIR}")
        target_link_libraries(CUDA::nvtx3 INTERFACE ${CMAKE_DL_LIBS})
    endif()
    set(${out} ON PARENT_SCOPE)
endfunction()
