// SPDX-License-Identifier: MIT
// The version macros agree with each other and with the version CMake gave the package.
#include "support/test_framework.hpp"

#include <gputime/core/version.hpp>

#include <string>

TEST_CASE("version: the string, the number and the parts agree") {
    const std::string expected = std::to_string(GPUTIME_VERSION_MAJOR) + "." + std::to_string(GPUTIME_VERSION_MINOR) +
                                 "." + std::to_string(GPUTIME_VERSION_PATCH);
    CHECK(std::string(GPUTIME_VERSION) == expected);
    CHECK(GPUTIME_VERSION_NUMBER ==
          GPUTIME_VERSION_MAJOR * 10000 + GPUTIME_VERSION_MINOR * 100 + GPUTIME_VERSION_PATCH);
#if defined(GPUTIME_TEST_PROJECT_VERSION)
    CHECK(std::string(GPUTIME_VERSION) == GPUTIME_TEST_PROJECT_VERSION);
#endif
}
