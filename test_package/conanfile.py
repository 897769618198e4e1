# SPDX-License-Identifier: MIT
# test_package/conanfile.py - `conan create` builds and runs this against the new package:
# find_package(gputime <major.minor>) and gputime::gputime, as a consumer would.
import os

from conan import ConanFile
from conan.tools.build import can_run
from conan.tools.cmake import CMake, cmake_layout


class GputimeTestPackage(ConanFile):
    settings = "os", "arch", "compiler", "build_type"
    generators = "CMakeToolchain", "CMakeDeps"

    def requirements(self):
        self.requires(self.tested_reference_str)

    def layout(self):
        cmake_layout(self)

    def build(self):
        cmake = CMake(self)
        major, minor = str(self.dependencies["gputime"].ref.version).split(".")[:2]
        cmake.configure(variables={"GPUTIME_PIN": f"{major}.{minor}"})
        cmake.build()

    def test(self):
        if can_run(self):
            self.run(os.path.join(self.cpp.build.bindir, "gputime_test_package"), env="conanrun")
