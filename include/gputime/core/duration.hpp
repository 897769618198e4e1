// SPDX-License-Identifier: MIT
// gputime/core/duration.hpp - the one duration type of the library, and how it is printed.
#pragma once

#include <gputime/core/detail/require_cxx17.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace gputime {

/// Every measured time in gputime: nanoseconds as a double. A double because statistics
/// (means, interpolations) are fractional, and because nanoseconds in a double stay exact
/// up to 2^53 ns (104 days) for whole-nanosecond samples.
using Duration = std::chrono::duration<double, std::nano>;

/// "1.325 ms", "131.2 us", "812 ns": four significant digits in the largest unit that keeps
/// the number >= 1 (seconds are the largest unit: whole seconds from 1000 s, an exponent from
/// 1e15 s). ASCII "us" on purpose: reports end up in logs and CI consoles.
/// Every double has a text, so this never throws:
///  * a negative duration (a difference, e.g. a first call faster than the steady p50) keeps its
///    sign: "-1.500 us"; anything that rounds to zero prints "0 ns", never "-0 ns";
///  * NaN prints "n/a" (a statistic with no value), +/-infinity "inf" / "-inf";
///  * rounding that reaches the next unit moves to it: 999.96 us prints "1.000 ms".
inline std::string format_duration(Duration d) {
    const double ns = d.count();
    if (std::isnan(ns)) return "n/a";
    if (std::isinf(ns)) return ns > 0 ? "inf" : "-inf";
    static constexpr double scales[] = {1.0, 1e3, 1e6, 1e9};
    static constexpr const char* units[] = {"ns", "us", "ms", "s"};
    const double magnitude = std::fabs(ns);
    int unit = magnitude >= 1e9 ? 3 : magnitude >= 1e6 ? 2 : magnitude >= 1e3 ? 1 : 0;
    char buffer[48];
    for (;;) {
        const double value = magnitude / scales[unit];
        if (unit == 3 && value >= 1e15) {
            std::snprintf(buffer, sizeof buffer, "%.3e", value);
            break;
        }
        int decimals = unit == 0 || value >= 1000 ? 0 : value >= 100 ? 1 : value >= 10 ? 2 : 3;
        std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
        // What was printed, read back: rounding may have carried into the next unit or digit.
        const double printed = std::strtod(buffer, nullptr);
        if (unit < 3 && printed >= 1000) {
            ++unit;  // 999.96 us -> 0.99996 ms -> "1.000 ms"
            continue;
        }
        if (decimals > 0 && printed >= (decimals == 3 ? 10 : decimals == 2 ? 100 : 1000)) {
            --decimals;  // 99.996 -> "100.00" -> "100.0"
            std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
        }
        break;
    }
    const bool zero = std::strtod(buffer, nullptr) == 0.0;
    return std::string(ns < 0 && !zero ? "-" : "") + buffer + " " + units[unit];
}

}  // namespace gputime
