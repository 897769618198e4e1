// SPDX-License-Identifier: MIT
// gputime/core/detail/sample_checks.hpp - the bad-input policy every accumulator shares (Stats,
// BoundedStats): a duration must be finite and >= 0 (a -0 is a 0), a percent in [0, 100];
// anything else is a gputime::InvalidArgument naming "duration" or "p", thrown before the
// accumulator changes.
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/core/error.hpp>

#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <system_error>

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

/// A double as error-message text: shortest round trip, "nan", "inf", "-inf".
inline std::string describe_number(double value) {
    if (std::isnan(value)) return "nan";
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    char buffer[64];
    const std::to_chars_result r = std::to_chars(buffer, buffer + sizeof buffer, value);
    return r.ec == std::errc{} ? std::string(buffer, r.ptr) : std::to_string(value);
}

[[noreturn]] GPUTIME_NOINLINE_COLD inline void throw_invalid_duration(const char* where, double value) {
    throw InvalidArgument(where, "duration", "must be finite and >= 0 ns, got " + describe_number(value));
}

inline void check_percent(const char* where, double p) {
    if (!(p >= 0.0 && p <= 100.0)) throw InvalidArgument(where, "p", "must be in [0, 100], got " + describe_number(p));
}

}  // namespace detail
}  // namespace gputime
