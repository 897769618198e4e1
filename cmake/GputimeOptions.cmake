# SPDX-License-Identifier: MIT
# GputimeOptions.cmake - option helpers.

# gputime_tristate_option(<name> <default> <doc>)
# A cache option that takes AUTO, ON or OFF (any CMake true/false constant counts as ON/OFF).
# Sets <name>_MODE in the caller to the normalised value: AUTO, ON or OFF.
# AUTO uses the feature when it is found; ON makes a missing feature an error.
function(gputime_tristate_option name default doc)
    set(${name} "${default}" CACHE STRING "${doc}")
    set_property(CACHE ${name} PROPERTY STRINGS AUTO ON OFF)
    string(TOUPPER "${${name}}" value)
    if(value STREQUAL "AUTO" OR value STREQUAL "")
        set(mode AUTO)
    elseif(value MATCHES "^(ON|YES|Y|TRUE|1)$")
        set(mode ON)
    elseif(value MATCHES "^(OFF|NO|N|FALSE|0)$")
        set(mode OFF)
    else()
        message(FATAL_ERROR "${name} must be AUTO, ON or OFF, not '${${name}}'")
    endif()
    set(${name}_MODE ${mode} PARENT_SCOPE)
endfunction()
