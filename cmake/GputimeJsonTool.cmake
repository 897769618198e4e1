# SPDX-License-Identifier: MIT
# GputimeJsonTool.cmake - a command-line tool that reads gputime's JSON results (tools/*).
#
# gputime_add_json_tool(<name> SOURCES <file>...)
# Builds <name> from the sources, host-only, with nlohmann/json (Debian: nlohmann-json3-dev):
# the tools parse JSON with it, the library itself stays free of it. Installed when
# GPUTIME_INSTALL is on (OPTIONAL: a header-only install right after a configure works). When
# nlohmann/json is missing it says so and defines no target: the caller checks TARGET <name>.
function(gputime_add_json_tool name)
    cmake_parse_arguments(arg "" "" "SOURCES" ${ARGN})
    find_package(nlohmann_json 3 QUIET CONFIG)
    if(NOT nlohmann_json_FOUND)
        message(STATUS "gputime tools: nlohmann_json (CMake package, version 3) not found; ${name} is "
            "skipped (Debian: apt-get install nlohmann-json3-dev)")
        return()
    endif()
    add_executable(${name} ${arg_SOURCES})
    # The host target only: the tools need no CUDA (GPUTIME_HOST_ONLY keeps gputime::cuda away).
    target_link_libraries(${name} PRIVATE gputime::gputime nlohmann_json::nlohmann_json)
    set_target_properties(${name} PROPERTIES GPUTIME_HOST_ONLY ON)
    if(COMMAND gputime_apply_build_settings)
        gputime_apply_build_settings(${name})
    endif()
    if(GPUTIME_INSTALL)
        install(TARGETS ${name} RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" OPTIONAL)
    endif()
endfunction()
