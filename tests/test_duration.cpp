// format_duration: scaled units, four significant digits.
#include "support/test_framework.hpp"

#include <gputime/duration.hpp>

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
