// SPDX-License-Identifier: MIT
// format_duration: scaled units, four significant digits.
#include "support/test_framework.hpp"

#include <gputime/core/duration.hpp>

#include <limits>

using gputime::Duration;
using gputime::format_duration;

TEST_CASE("durations print in the largest unit that keeps the number >= 1") {
    CHECK(format_duration(Duration{812.0}) == "812 ns");
    CHECK(format_duration(Duration{0.0}) == "0 ns");
    CHECK(format_duration(Duration{1500.0}) == "1.500 us");
    CHECK(format_duration(Duration{131200.0}) == "131.2 us");
    CHECK(format_duration(Duration{1325000.0}) == "1.325 ms");
    CHECK(format_duration(Duration{25310000.0}) == "25.31 ms");
    CHECK(format_duration(Duration{2.5e9}) == "2.500 s");
    CHECK(format_duration(Duration{-1500.0}) == "-1.500 us");
    CHECK(format_duration(Duration{std::numeric_limits<double>::quiet_NaN()}) == "n/a");
}

TEST_CASE("format_duration: infinities, negatives and rounding are well defined, it never throws") {
    const double inf = std::numeric_limits<double>::infinity();
    CHECK(format_duration(Duration{inf}) == "inf");
    CHECK(format_duration(Duration{-inf}) == "-inf");
    CHECK(format_duration(Duration{-std::numeric_limits<double>::quiet_NaN()}) == "n/a");
    // A negative duration is a difference (first-call overhead below p50): printed with its sign.
    CHECK(format_duration(Duration{-812.0}) == "-812 ns");
    CHECK(format_duration(Duration{-2.5e9}) == "-2.500 s");
    // Nothing rounds to "-0".
    CHECK(format_duration(Duration{-0.0}) == "0 ns");
    CHECK(format_duration(Duration{-0.4}) == "0 ns");
    CHECK(format_duration(Duration{0.4}) == "0 ns");
    CHECK(format_duration(Duration{0.6}) == "1 ns");
    // Rounding that reaches the next unit or digit moves to it: still four significant digits.
    CHECK(format_duration(Duration{999.6}) == "1.000 us");
    CHECK(format_duration(Duration{999.4}) == "999 ns");
    CHECK(format_duration(Duration{9999.6}) == "10.00 us");
    CHECK(format_duration(Duration{99996.0}) == "100.0 us");
    CHECK(format_duration(Duration{999960.0}) == "1.000 ms");
    CHECK(format_duration(Duration{999'960'000.0}) == "1.000 s");
    CHECK(format_duration(Duration{-999960.0}) == "-1.000 ms");
    // Seconds are the largest unit: whole seconds from 1000 s, an exponent past 1e15 s.
    CHECK(format_duration(Duration{999.96e9}) == "1000 s");
    CHECK(format_duration(Duration{3.6e12}) == "3600 s");
    CHECK(format_duration(Duration{std::numeric_limits<double>::max()}) == "1.798e+299 s");
    CHECK(format_duration(Duration{-std::numeric_limits<double>::max()}) == "-1.798e+299 s");
}
