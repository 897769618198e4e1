# SPDX-License-Identifier: MIT
# common/consumer.cmake - what every consumer project does once it has gputime: build main.cpp
# (or the given sources) strictly, check the package, register the runs and the ldd checks.
#   gputime_consumer_app(<target> [CUDA] <sources>...)
#     links gputime::gputime (the host target), or gputime::cuda with CUDA. A host app is
#     checked with ldd to have no libcudart; with the toolkit, <target>_cuda (the same sources
#     with gputime::cuda) is built too and checked to have it.
# Options (from consumer_tests.cmake): GPUTIME_CONSUMER_EXPECT_CUDA (the package must offer
# gputime::cuda), GPUTIME_CONSUMER_EXPECT_DIR (find_package must have used this directory).
set(_gputime_consumer_common "${CMAKE_CURRENT_LIST_DIR}")
# Here, in the including directory's scope: inside a function, enable_testing() sets its
# variable in the function's scope only, and no CTestTestfile.cmake (no test) would be written.
enable_testing()

function(_gputime_consumer_strict target)
    set_target_properties(${target} PROPERTIES CXX_EXTENSIONS OFF)
    if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
        target_compile_options(${target} PRIVATE
            $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Werror>)
    endif()
    if(CMAKE_CUDA_COMPILER_ID STREQUAL "NVIDIA")
        # Not -Wpedantic: nvcc's generated host code uses GCC line markers (see cmake/GputimeBuildSettings.cmake).
        target_compile_options(${target} PRIVATE
            $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall,-Wextra,-Werror --Werror=all-warnings>)
    endif()
endfunction()

function(_gputime_consumer_ldd_check target expect)
    if(NOT CMAKE_SYSTEM_NAME STREQUAL "Linux")
        return()
    endif()
    add_test(NAME ${target}.ldd_cudart_${expect}
        COMMAND "${CMAKE_COMMAND}" -DEXE=$<TARGET_FILE:${target}> -DEXPECT=${expect}
                -P "${_gputime_consumer_common}/check_cudart.cmake")
    set_tests_properties(${target}.ldd_cudart_${expect} PROPERTIES SKIP_REGULAR_EXPRESSION "GPUTIME_TEST_SKIPPED")
endfunction()

function(gputime_consumer_app target)
    cmake_parse_arguments(arg "CUDA" "" "" ${ARGN})
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
    # The host target must not bring CUDA; the CUDA target must.
    get_target_property(host_links gputime::gputime INTERFACE_LINK_LIBRARIES)
    if(host_links MATCHES "CUDA::")
        message(FATAL_ERROR "consumer: gputime::gputime links CUDA (${host_links}): host-only programs would need cudart")
    endif()
    if(GPUTIME_CONSUMER_EXPECT_CUDA)
        if(NOT TARGET gputime::cuda)
            message(FATAL_ERROR "consumer: the package was configured with CUDA, but there is no gputime::cuda")
        endif()
        get_target_property(cuda_links gputime::cuda INTERFACE_LINK_LIBRARIES)
        if(NOT "CUDA::cudart" IN_LIST cuda_links)
            message(FATAL_ERROR "consumer: gputime::cuda does not link CUDA::cudart (links: ${cuda_links})")
        endif()
    endif()

    add_executable(${target} ${arg_UNPARSED_ARGUMENTS})
    _gputime_consumer_strict(${target})
    if(arg_CUDA)
        target_link_libraries(${target} PRIVATE gputime::cuda)
        target_compile_definitions(${target} PRIVATE GPUTIME_CONSUMER_EXPECT_CUDA=1)
        add_test(NAME ${target} COMMAND ${target})
        return()
    endif()
    target_link_libraries(${target} PRIVATE gputime::gputime)
    add_test(NAME ${target} COMMAND ${target})
    _gputime_consumer_ldd_check(${target} absent)
    if(GPUTIME_CONSUMER_EXPECT_CUDA)
        add_executable(${target}_cuda ${arg_UNPARSED_ARGUMENTS})
        _gputime_consumer_strict(${target}_cuda)
        target_link_libraries(${target}_cuda PRIVATE gputime::cuda)
        target_compile_definitions(${target}_cuda PRIVATE GPUTIME_CONSUMER_EXPECT_CUDA=1)
        add_test(NAME ${target}_cuda COMMAND ${target}_cuda)
        _gputime_consumer_ldd_check(${target}_cuda present)
    endif()
endfunction()
