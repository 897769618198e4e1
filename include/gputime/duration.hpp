// gputime/duration.hpp - the one duration type of the library, and how it is printed.
#pragma once

#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>

namespace gputime {

/// Every measured time in gputime: nanoseconds as a double. A double because statistics
/// (means, interpolations) are fractional, and because nanoseconds in a double stay exact
/// up to 2^53 ns (104 days) for whole-nanosecond samples.
using Duration = std::chrono::duration<double, std::nano>;

/// "1.325 ms", "131.2 us", "812 ns": four significant digits in the largest unit that keeps
/// the number >= 1. ASCII "us" on purpose: reports end up in logs and CI consoles.
inline std::string format_duration(Duration d) {
    const double ns = d.count();
    if (std::isnan(ns)) return "n/a";
    const double magnitude = std::fabs(ns);
    const char* unit = "ns";
    double value = ns;
    if (magnitude >= 1e9) {
        unit = "s";
        value = ns / 1e9;
    } else if (magnitude >= 1e6) {
        unit = "ms";
        value = ns / 1e6;
    } else if (magnitude >= 1e3) {
        unit = "us";
        value = ns / 1e3;
    }
    const double mag = std::fabs(value);
    const int decimals = (unit[0] == 'n' && unit[1] == 's') ? 0 : mag >= 100 ? 1 : mag >= 10 ? 2 : 3;
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%.*f %s", decimals, value, unit);
    return buffer;
}

}  // namespace gputime
