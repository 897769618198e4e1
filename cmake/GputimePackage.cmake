# SPDX-License-Identifier: MIT
# GputimePackage.cmake - the gputime package: install rules (top level or GPUTIME_INSTALL) and
# the build-tree export (find_package(gputime) with gputime_DIR=<build dir>).
#
# Installed: the headers, the CMake package (gputime::gputime; gputimeConfig.cmake makes
# gputime::cuda from the consumer's CUDA toolkit) and pkg-config files (gputime.pc, and
# gputime-cuda.pc when the toolkit was found). Nothing is built: `cmake -S . -B b` then
# `cmake --install b` installs the library (the tool gputime-compare only when it was built).
include(CMakePackageConfigHelpers)

set(GPUTIME_CMAKE_INSTALL_DIR "${CMAKE_INSTALL_DATADIR}/cmake/gputime" CACHE STRING
    "Where the gputime CMake package goes, relative to the install prefix")
mark_as_advanced(GPUTIME_CMAKE_INSTALL_DIR)

set(_gputime_package_dir "${PROJECT_BINARY_DIR}")
configure_package_config_file(
    "${PROJECT_SOURCE_DIR}/cmake/gputimeConfig.cmake.in"
    "${_gputime_package_dir}/gputimeConfig.cmake"
    INSTALL_DESTINATION "${GPUTIME_CMAKE_INSTALL_DIR}")
# Header-only: the same package fits any architecture (no CMAKE_SIZEOF_VOID_P check).
# Versions 0.x: a new minor version may break (CHANGELOG.md), so find_package(gputime 0.3)
# accepts 0.3.x only; from 1.0 on, the same major version.
if(PROJECT_VERSION_MAJOR EQUAL 0)
    set(_gputime_compatibility SameMinorVersion)
else()
    set(_gputime_compatibility SameMajorVersion)
endif()
write_basic_package_version_file(
    "${_gputime_package_dir}/gputimeConfigVersion.cmake"
    VERSION ${PROJECT_VERSION}
    COMPATIBILITY ${_gputime_compatibility}
    ARCH_INDEPENDENT)
configure_file("${PROJECT_SOURCE_DIR}/cmake/GputimeNvtx.cmake"
    "${_gputime_package_dir}/GputimeNvtx.cmake" COPYONLY)

# Build tree: find_package(gputime) with gputime_DIR=<build dir>.
export(TARGETS gputime NAMESPACE gputime:: FILE "${_gputime_package_dir}/gputimeTargets.cmake")

# pkg-config: relocatable (paths relative to the .pc file's own directory).
set(GPUTIME_PKGCONFIG_INSTALL_DIR "${CMAKE_INSTALL_DATADIR}/pkgconfig" CACHE STRING
    "Where gputime.pc goes, relative to the install prefix")
mark_as_advanced(GPUTIME_PKGCONFIG_INSTALL_DIR)
file(RELATIVE_PATH GPUTIME_PC_TO_PREFIX "/prefix/${GPUTIME_PKGCONFIG_INSTALL_DIR}" "/prefix")
string(REGEX REPLACE "/$" "" GPUTIME_PC_TO_PREFIX "${GPUTIME_PC_TO_PREFIX}")
set(GPUTIME_PC_LIBS "")
foreach(_gputime_lib IN LISTS CMAKE_DL_LIBS)
    string(APPEND GPUTIME_PC_LIBS " -l${_gputime_lib}")
endforeach()
string(STRIP "${GPUTIME_PC_LIBS}" GPUTIME_PC_LIBS)
configure_file("${PROJECT_SOURCE_DIR}/cmake/gputime.pc.in" "${_gputime_package_dir}/pkgconfig/gputime.pc" @ONLY)
set(_gputime_pc_files "${_gputime_package_dir}/pkgconfig/gputime.pc")
if(GPUTIME_WITH_CUDA)
    set(GPUTIME_PC_CUDA_CFLAGS "")
    foreach(_gputime_dir IN LISTS CUDAToolkit_INCLUDE_DIRS)
        string(APPEND GPUTIME_PC_CUDA_CFLAGS " -I${_gputime_dir}")
    endforeach()
    if(GPUTIME_WITH_NVTX)
        string(APPEND GPUTIME_PC_CUDA_CFLAGS " -DGPUTIME_HAS_NVTX=1")
    endif()
    string(STRIP "${GPUTIME_PC_CUDA_CFLAGS}" GPUTIME_PC_CUDA_CFLAGS)
    set(GPUTIME_PC_CUDA_LIBS "-L${CUDAToolkit_LIBRARY_DIR} -lcudart")
    configure_file("${PROJECT_SOURCE_DIR}/cmake/gputime-cuda.pc.in" "${_gputime_package_dir}/pkgconfig/gputime-cuda.pc" @ONLY)
    list(APPEND _gputime_pc_files "${_gputime_package_dir}/pkgconfig/gputime-cuda.pc")
endif()

if(GPUTIME_INSTALL)
    install(FILES ${_gputime_pc_files} DESTINATION "${GPUTIME_PKGCONFIG_INSTALL_DIR}")
    install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/gputime"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
        FILES_MATCHING PATTERN "*.hpp" PATTERN "*.cuh" PATTERN "*.h")
    install(TARGETS gputime EXPORT gputimeTargets)
    install(EXPORT gputimeTargets
        NAMESPACE gputime::
        DESTINATION "${GPUTIME_CMAKE_INSTALL_DIR}")
    install(FILES
        "${_gputime_package_dir}/gputimeConfig.cmake"
        "${_gputime_package_dir}/gputimeConfigVersion.cmake"
        "${_gputime_package_dir}/GputimeNvtx.cmake"
        DESTINATION "${GPUTIME_CMAKE_INSTALL_DIR}")
    if(EXISTS "${PROJECT_SOURCE_DIR}/LICENSE")
        install(FILES "${PROJECT_SOURCE_DIR}/LICENSE" DESTINATION "${CMAKE_INSTALL_DATADIR}/doc/gputime")
    endif()
endif()
