# SPDX-License-Identifier: MIT
# tests/consumer/readme/readme_tests.cmake - README.md, checked (included at the end of
# examples/CMakeLists.txt, where the examples and their dependencies are known):
#   readme.blocks            every ```cpp block of README.md compiles (readme_check.py blocks: a
#                            whole program as it is, a fragment with the stand-ins of preludes/),
#                            each against what it needs: gputime::gputime, gputime::cuda, oneDNN,
#                            cuDNN + cuBLAS, LibTorch, Catch2; a block whose dependency is not
#                            found here is listed as not compiled
#   readme.output            every output block matches what its program prints, numbers masked
#                            (GPUTIME_README_UPDATE=1 ctest -R readme.output rewrites them)
# The blocks are extracted when CMake runs, and CMake runs again when README.md changes.
find_package(Python3 COMPONENTS Interpreter QUIET)
if(NOT Python3_Interpreter_FOUND)
    message(STATUS "gputime: no Python 3; the README checks (readme.*) are not registered")
    return()
endif()
set(_readme "${PROJECT_SOURCE_DIR}/README.md")
set(_readme_check "${CMAKE_CURRENT_LIST_DIR}/readme_check.py")
set(_readme_dir "${PROJECT_BINARY_DIR}/readme_blocks")
set_property(DIRECTORY "${PROJECT_SOURCE_DIR}" APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_readme}" "${_readme_check}")
file(GLOB _readme_preludes CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/preludes/*.hpp")
execute_process(COMMAND "${Python3_EXECUTABLE}" "${_readme_check}" blocks "${_readme}" "${_readme_dir}"
    RESULT_VARIABLE _readme_rc ERROR_VARIABLE _readme_err)
if(NOT _readme_rc EQUAL 0)
    message(WARNING "gputime: the README's C++ blocks cannot be extracted: ${_readme_err}")
    return()
endif()

# What each prelude needs; a block whose needs are not all here is not compiled (and said so).
find_package(Catch2 2 QUIET CONFIG)
set(_readme_links_host gputime::gputime)
set(_readme_links_sim gputime::gputime)
set(_readme_links_gpu gputime::cuda)
set(_readme_links_test gputime::gputime Catch2::Catch2)
set(_readme_links_onednn gputime::gputime DNNL::dnnl)
set(_readme_links_cudnn gputime::cuda gputime_cudnn CUDA::cublas)
set(_readme_links_torch gputime::gputime ${GPUTIME_TORCH_LIBRARIES})
if(NOT GPUTIME_WITH_TORCH)
    set(_readme_links_torch LibTorch)  # not found, or GPUTIME_TORCH=OFF
endif()

file(STRINGS "${_readme_dir}/manifest.txt" _readme_blocks)
set(_readme_targets "")
set(_readme_skipped "")
foreach(_entry IN LISTS _readme_blocks)
    string(REPLACE "|" ";" _entry "${_entry}")
    list(GET _entry 0 _need)
    list(GET _entry 1 _file)
    list(GET _entry 2 _line)
    set(_missing "")
    foreach(_link IN LISTS _readme_links_${_need})
        # Targets are checked; LibTorch's list may also hold library paths.
        if((_link MATCHES "::|^gputime_cudnn$|^LibTorch$") AND NOT TARGET ${_link})
            list(APPEND _missing ${_link})
        endif()
    endforeach()
    if(_missing)
        list(APPEND _readme_skipped "line ${_line} (${_need}: no ${_missing})")
        continue()
    endif()
    set(_target gputime_readme_line_${_line})
    add_library(${_target} OBJECT EXCLUDE_FROM_ALL "${_file}")
    target_link_libraries(${_target} PRIVATE ${_readme_links_${_need}})
    target_include_directories(${_target} PRIVATE "${CMAKE_CURRENT_LIST_DIR}/preludes")
    list(APPEND _readme_targets ${_target})
endforeach()
if(_readme_skipped)
    string(REPLACE ";" ", " _readme_skipped_text "${_readme_skipped}")
    message(STATUS "gputime: README blocks not compiled here: ${_readme_skipped_text}")
endif()
add_custom_target(gputime_readme_blocks DEPENDS ${_readme_targets})
add_test(NAME readme.blocks
    COMMAND "${CMAKE_COMMAND}" --build "${PROJECT_BINARY_DIR}" --target gputime_readme_blocks)
set_tests_properties(readme.blocks PROPERTIES LABELS readme TIMEOUT 900)

# Output blocks against the programs built here.
set(_readme_programs "")
foreach(_program demo layer_by_layer libtorch_torchscript gbench_gpu ab_compare html_report)
    if(TARGET ${_program})
        list(APPEND _readme_programs "${_program}=$<TARGET_FILE:${_program}>")
    endif()
endforeach()
add_test(NAME readme.output COMMAND "${Python3_EXECUTABLE}" "${_readme_check}" outputs "${_readme}" ${_readme_programs})
set_tests_properties(readme.output PROPERTIES LABELS readme TIMEOUT 900)
