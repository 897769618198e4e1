// SPDX-License-Identifier: MIT
// gputime/core/detail/sample_checks.hpp - the bad-input policy every accumulator shares (Stats,
// BoundedStats): a duration must be finite and >= 0 (a -0 is a 0), a percent in [0, 100];
// anything else is a gputime::InvalidArgument naming "duration" or "p", thrown before the
// accumulator changes.
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/core/error.hpp>

#include <clocale>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>

// GPUTIME_NOINLINE_COLD: keeps a rare path (a throw, a first call) out of the caller's hot loop.
#if defined(__GNUC__) || defined(__clang__)
#define GPUTIME_NOINLINE_COLD __attribute__((noinline, cold))
#else
#define GPUTIME_NOINLINE_COLD
#endif

namespace gputime {
namespace detail {

/// False for NaN, negatives and +infinity; true for -0 (stored as +0 by the caller).
inline bool valid_duration(double x) noexcept { return x >= 0.0 && x < std::numeric_limits<double>::infinity(); }

/// A double as error-message text: "nan", "inf", "-inf", an integer below 1e15 in full, else the
/// shortest %g that reads back as the same double; '.' as the decimal point in any locale.
/// (std::to_chars would do, but <charconv> would then come with every accumulator.)
inline std::string describe_number(double value) {
    if (std::isnan(value)) return "nan";
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    char buffer[64];
    if (value == std::floor(value) && std::fabs(value) < 1e15) {
        std::snprintf(buffer, sizeof buffer, "%.0f", value == 0.0 ? 0.0 : value);
    } else {
        for (int precision = 1; precision <= 17; ++precision) {
            std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
            if (std::strtod(buffer, nullptr) == value) break;
        }
    }
    std::string text(buffer);
    const char point = *std::localeconv()->decimal_point;
    for (char& c : text)
        if (c == point) c = '.';
    return text;
}

[[noreturn]] GPUTIME_NOINLINE_COLD inline void throw_invalid_duration(const char* where, double value) {
    throw InvalidArgument(where, "duration", "must be finite and >= 0 ns, got " + describe_number(value));
}

inline void check_percent(const char* where, double p) {
    if (!(p >= 0.0 && p <= 100.0)) throw InvalidArgument(where, "p", "must be in [0, 100], got " + describe_number(p));
}

}  // namespace detail
}  // namespace gputime
