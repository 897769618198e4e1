# SPDX-License-Identifier: MIT
# GputimePackage.cmake - the gputime package: install rules (top level or GPUTIME_INSTALL) and
# the build-tree export (find_package(gputime) with gputime_DIR=<build dir>).
#
# The package records how it was configured: when the library was configured with CUDA, the
# target links CUDA::cudart (and CUDA::nvtx3) and gputimeConfig.cmake finds the CUDA toolkit
# with find_dependency, so a consumer links cudart without asking.
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
write_basic_package_version_file(
    "${_gputime_package_dir}/gputimeConfigVersion.cmake"
    VERSION ${PROJECT_VERSION}
    COMPATIBILITY SameMajorVersion
    ARCH_INDEPENDENT)
configure_file("${PROJECT_SOURCE_DIR}/cmake/GputimeNvtx.cmake"
    "${_gputime_package_dir}/GputimeNvtx.cmake" COPYONLY)

# Build tree: find_package(gputime) with gputime_DIR=<build dir>.
export(TARGETS gputime NAMESPACE gputime:: FILE "${_gputime_package_dir}/gputimeTargets.cmake")

if(GPUTIME_INSTALL)
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
