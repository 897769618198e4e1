// SPDX-License-Identifier: MIT
// tests/support/test_framework.hpp - the one place that knows which test framework runs.
//
// Test sources include only this header and use: TEST_CASE, SECTION, CHECK, CHECK_FALSE,
// REQUIRE, REQUIRE_FALSE, CHECK_THROWS_AS, REQUIRE_THROWS_AS, CHECK_NOTHROW, INFO, WARN,
// and gputime_test::Approx. Catch2 v2 is the default; -DGPUTIME_TEST_WITH_DOCTEST selects doctest.
#pragma once

#if defined(GPUTIME_TEST_WITH_DOCTEST)
#include <doctest/doctest.h>
#define SECTION(name) SUBCASE(name)
namespace gputime_test {
using Approx = doctest::Approx;
}
#else
#include <catch2/catch.hpp>
namespace gputime_test {
using Approx = Catch::Detail::Approx;
}
#endif
