# SPDX-License-Identifier: MIT
# common/consumer.cmake - what every consumer project does once it has gputime::gputime:
# build main.cpp (or the given sources) strictly, check the package, register the run.
#   gputime_consumer_app(<target> <sources>...)
# Options (from consumer_tests.cmake): GPUTIME_CONSUMER_EXPECT_CUDA (the package must bring
# CUDA), GPUTIME_CONSUMER_EXPECT_DIR (find_package must have used this directory).
function(gputime_consumer_app target)
    if(NOT TARGET gputime::gputime)
        message(FATAL_ERROR "consumer: no target gputime::gputime")
    endif()
    if(TARGET gputime_tests OR TARGET gputime_header_check)
        message(FATAL_ERROR "consumer: gputime built its tests as a subproject (they must default to OFF)")
    endif()
    if(GPUTIME_CONSUMER_EXPECT_DIR)
        get_filename_component(expected "${GPUTIME_CONSUMER_EXPECT_DIR}" REALPATH)
        get_filename_component(actual "${gputime_DIR}" REALPATH)
        if(NOT actual STREQUAL expected)
            message(FATAL_ERROR "consumer: found gputime in '${gputime_DIR}', expected '${GPUTIME_CONSUMER_EXPECT_DIR}'")
        endif()
        message(STATUS "consumer: gputime ${gputime_VERSION} from ${gputime_DIR}")
    endif()
    get_target_property(links gputime::gputime INTERFACE_LINK_LIBRARIES)
    if(GPUTIME_CONSUMER_EXPECT_CUDA AND NOT "CUDA::cudart" IN_LIST links)
        message(FATAL_ERROR "consumer: gputime::gputime does not link CUDA::cudart (links: ${links})")
    endif()

    add_executable(${target} ${ARGN})
    target_link_libraries(${target} PRIVATE gputime::gputime)
    set_target_properties(${target} PROPERTIES CXX_EXTENSIONS OFF)
    if(GPUTIME_CONSUMER_EXPECT_CUDA)
        target_compile_definitions(${target} PRIVATE GPUTIME_CONSUMER_EXPECT_CUDA=1)
    endif()
    if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
        target_compile_options(${target} PRIVATE
            $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Werror>)
    endif()
    if(CMAKE_CUDA_COMPILER_ID STREQUAL "NVIDIA")
        # Not -Wpedantic: nvcc's generated host code uses GCC line markers (see cmake/GputimeBuildSettings.cmake).
        target_compile_options(${target} PRIVATE
            $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall,-Wextra,-Werror --Werror=all-warnings>)
    endif()
    enable_testing()
    add_test(NAME ${target} COMMAND ${target})
endfunction()
