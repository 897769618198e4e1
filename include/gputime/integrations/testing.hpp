// SPDX-License-Identifier: MIT
// gputime/integrations/testing.hpp - assertions about measured times, for unit tests ("p50 within 2% of 100 us").
//
//   #include <gputime/integrations/testing.hpp>
//   GPUTIME_CHECK_MEDIAN_WITHIN(result, 100us, 0.02);        // in a Catch2 or doctest test case
//   GPUTIME_CHECK_P99_BELOW(stats, 150us);
//   GPUTIME_CHECK_FIRST_CALL_OVERHEAD_ABOVE(result, 1ms);
//
// docs/testing.md, "<gputime/integrations/testing.hpp>".
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/core/error.hpp>
#include <gputime/measure/run_result.hpp>
#include <gputime/report/text.hpp>
#include <gputime/stats/stats.hpp>

#include <cmath>
#include <cstdio>
#include <limits>
#include <ostream>
#include <sstream>
#include <string>

namespace gputime {
/// Assertions on measured times for test frameworks: each returns a Verdict that says what it
/// measured.
namespace testing {

/// The outcome of one check. The message says what was checked and what was measured; when
/// the check failed it also holds the whole summary of the Stats (or RunResult).
struct Verdict {
    bool passed = false;  ///< The check held.
    std::string message;  ///< What was checked and measured (and the summary on failure).

    /// passed, so that `CHECK(verdict)` and `if (verdict)` read naturally.
    explicit operator bool() const noexcept { return passed; }
};

/// Prints the message, so that CHECK(verdict) in a framework that stringifies shows it too.
inline std::ostream& operator<<(std::ostream& os, const Verdict& v) { return os << v.message; }

namespace detail {

inline std::string number_text(double x) {
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%g", x);
    return buffer;
}
inline void require_duration(const char* check, const char* what, Duration d) {
    if (!(d.count() >= 0.0) || std::isinf(d.count()))
        throw InvalidArgument(std::string("testing::") + check, what,
                              "must be a finite duration >= 0, got " + number_text(d.count()) + " ns");
}
inline void require_fraction(const char* check, double fraction) {
    if (!(fraction >= 0.0) || std::isinf(fraction))
        throw InvalidArgument(std::string("testing::") + check, "fraction",
                              "must be finite and >= 0 (0.02 means 2%), got " + number_text(fraction));
}

// The report of what was measured (Stats or RunResult, gputime/report/text.hpp) is appended to a
// failure only: a passing check stays one line.
template <class Measured>
Verdict verdict(bool passed, const std::string& head, const Measured& measured) {
    Verdict v;
    v.passed = passed;
    v.message = "gputime: " + head;
    if (!passed) {
        std::ostringstream summary;
        summary << measured;
        v.message += "\n" + summary.str();
    }
    return v;
}

inline std::string no_samples(const Stats& s) {
    return "FAILED: no steady samples to check (" + std::to_string(s.calls()) + " calls recorded)";
}

template <class Measured>
Verdict within(const char* check, const char* statistic, const Stats& s, const Measured& measured, Duration expected,
               double fraction, Duration (*read)(const Stats&)) {
    require_duration(check, "expected", expected);
    require_fraction(check, fraction);
    const std::string head = std::string(statistic) + " within " + gputime::detail::percent(fraction) + " of " +
                             format_duration(expected) + ": ";
    if (s.count() == 0) return verdict(false, head + no_samples(s), measured);
    const Duration actual = read(s);
    const Duration allowed = expected * fraction;
    const Duration low = expected - allowed;
    const Duration high = expected + allowed;
    const bool passed = actual >= low && actual <= high;
    const double off = expected.count() == 0.0 ? (actual.count() == 0.0 ? 0.0 : std::numeric_limits<double>::infinity())
                                               : std::fabs(actual.count() - expected.count()) / expected.count();
    return verdict(passed,
                   head + (passed ? "passed: " : "FAILED: ") + statistic + " is " + format_duration(actual) + ", " +
                       gputime::detail::percent(off) + " off (allowed " + format_duration(low) + " to " +
                       format_duration(high) + ")",
                   measured);
}

template <class Measured>
Verdict percentile_below(const Stats& s, const Measured& measured, double p, Duration bound) {
    require_duration("percentile_below", "bound", bound);
    if (!(p >= 0.0 && p <= 100.0))
        throw InvalidArgument("testing::percentile_below", "p", "must be in [0, 100], got " + number_text(p));
    char name[32];
    std::snprintf(name, sizeof name, "p%g", p);
    const std::string head = std::string(name) + " below " + format_duration(bound) + ": ";
    if (s.count() == 0) return verdict(false, head + no_samples(s), measured);
    const Duration actual = s.percentile(p);
    const bool passed = actual < bound;
    return verdict(passed,
                   head + (passed ? "passed: " : "FAILED: ") + name + " is " + format_duration(actual) + " (of " +
                       std::to_string(s.count()) + " samples)",
                   measured);
}

template <class Measured>
Verdict first_call_overhead_above(const Stats& s, const Measured& measured, Duration bound) {
    require_duration("first_call_overhead_above", "bound", bound);
    const std::string head = "first-call overhead above " + format_duration(bound) + ": ";
    if (!s.has_first_call()) return verdict(false, head + "FAILED: no first call recorded", measured);
    if (s.count() == 0) return verdict(false, head + no_samples(s), measured);
    const Duration overhead = s.first_call_overhead();
    const bool passed = overhead > bound;
    return verdict(passed,
                   head + (passed ? "passed: " : "FAILED: ") + "overhead is " + format_duration(overhead) +
                       " (first call " + format_duration(s.first_call()) + ", steady p50 " + format_duration(s.p50()) +
                       ")",
                   measured);
}

inline Duration read_p50(const Stats& s) { return s.p50(); }
inline Duration read_mean(const Stats& s) { return s.mean(); }

}  // namespace detail

// ---- on a Stats --------------------------------------------------------------------------

/// p50 within `fraction` (0.02 = 2%) of `expected`, inclusive.
inline Verdict median_within(const Stats& s, Duration expected, double fraction) {
    return detail::within("median_within", "p50", s, s, expected, fraction, &detail::read_p50);
}
/// mean within `fraction` of `expected`, inclusive.
inline Verdict mean_within(const Stats& s, Duration expected, double fraction) {
    return detail::within("mean_within", "mean", s, s, expected, fraction, &detail::read_mean);
}
/// percentile(p) strictly below `bound` (nearest-rank, see gputime/stats/stats.hpp).
inline Verdict percentile_below(const Stats& s, double p, Duration bound) {
    return detail::percentile_below(s, s, p, bound);
}
/// p99 strictly below `bound`. With fewer than 100 samples p99 is the maximum.
inline Verdict p99_below(const Stats& s, Duration bound) { return detail::percentile_below(s, s, 99.0, bound); }
/// first_call() - p50() strictly above `bound`: the first call really cost extra (lazy loading...).
inline Verdict first_call_overhead_above(const Stats& s, Duration bound) {
    return detail::first_call_overhead_above(s, s, bound);
}

// ---- on a RunResult: its latency statistics, with the whole run report on failure ----------

/// As median_within(const Stats&, ...), on r.latency; the message holds the run's report.
inline Verdict median_within(const RunResult& r, Duration expected, double fraction) {
    return detail::within("median_within", "p50", r.latency, r, expected, fraction, &detail::read_p50);
}
/// As mean_within(const Stats&, ...), on r.latency.
inline Verdict mean_within(const RunResult& r, Duration expected, double fraction) {
    return detail::within("mean_within", "mean", r.latency, r, expected, fraction, &detail::read_mean);
}
/// As percentile_below(const Stats&, ...), on r.latency.
inline Verdict percentile_below(const RunResult& r, double p, Duration bound) {
    return detail::percentile_below(r.latency, r, p, bound);
}
/// As p99_below(const Stats&, ...), on r.latency.
inline Verdict p99_below(const RunResult& r, Duration bound) {
    return detail::percentile_below(r.latency, r, 99.0, bound);
}
/// As first_call_overhead_above(const Stats&, ...), on r.latency.
inline Verdict first_call_overhead_above(const RunResult& r, Duration bound) {
    return detail::first_call_overhead_above(r.latency, r, bound);
}

}  // namespace testing
}  // namespace gputime

// ---- test-framework macros ----------------------------------------------------------------

#ifndef GPUTIME_TESTING_INFO
#define GPUTIME_TESTING_INFO(message) INFO(message)
#endif
#ifndef GPUTIME_TESTING_CHECK
#define GPUTIME_TESTING_CHECK(condition) CHECK(condition)
#endif
#ifndef GPUTIME_TESTING_REQUIRE
#define GPUTIME_TESTING_REQUIRE(condition) REQUIRE(condition)
#endif

// Evaluates the verdict once, attaches its message, then asserts it passed.
#define GPUTIME_DETAIL_ASSERT_VERDICT(assertion, ...)                       \
    do {                                                                    \
        const ::gputime::testing::Verdict gputime_verdict_ = (__VA_ARGS__); \
        GPUTIME_TESTING_INFO(gputime_verdict_.message);                     \
        assertion(gputime_verdict_.passed);                                 \
    } while (false)

/// Any Verdict: GPUTIME_CHECK_VERDICT(gputime::testing::percentile_below(stats, 90, 1ms)).
#define GPUTIME_CHECK_VERDICT(...) GPUTIME_DETAIL_ASSERT_VERDICT(GPUTIME_TESTING_CHECK, __VA_ARGS__)
#define GPUTIME_REQUIRE_VERDICT(...) GPUTIME_DETAIL_ASSERT_VERDICT(GPUTIME_TESTING_REQUIRE, __VA_ARGS__)

#define GPUTIME_CHECK_MEDIAN_WITHIN(measured, expected, fraction) \
    GPUTIME_CHECK_VERDICT(::gputime::testing::median_within((measured), (expected), (fraction)))
#define GPUTIME_REQUIRE_MEDIAN_WITHIN(measured, expected, fraction) \
    GPUTIME_REQUIRE_VERDICT(::gputime::testing::median_within((measured), (expected), (fraction)))
#define GPUTIME_CHECK_MEAN_WITHIN(measured, expected, fraction) \
    GPUTIME_CHECK_VERDICT(::gputime::testing::mean_within((measured), (expected), (fraction)))
#define GPUTIME_REQUIRE_MEAN_WITHIN(measured, expected, fraction) \
    GPUTIME_REQUIRE_VERDICT(::gputime::testing::mean_within((measured), (expected), (fraction)))
#define GPUTIME_CHECK_P99_BELOW(measured, bound) \
    GPUTIME_CHECK_VERDICT(::gputime::testing::p99_below((measured), (bound)))
#define GPUTIME_REQUIRE_P99_BELOW(measured, bound) \
    GPUTIME_REQUIRE_VERDICT(::gputime::testing::p99_below((measured), (bound)))
#define GPUTIME_CHECK_PERCENTILE_BELOW(measured, p, bound) \
    GPUTIME_CHECK_VERDICT(::gputime::testing::percentile_below((measured), (p), (bound)))
#define GPUTIME_REQUIRE_PERCENTILE_BELOW(measured, p, bound) \
    GPUTIME_REQUIRE_VERDICT(::gputime::testing::percentile_below((measured), (p), (bound)))
#define GPUTIME_CHECK_FIRST_CALL_OVERHEAD_ABOVE(measured, bound) \
    GPUTIME_CHECK_VERDICT(::gputime::testing::first_call_overhead_above((measured), (bound)))
#define GPUTIME_REQUIRE_FIRST_CALL_OVERHEAD_ABOVE(measured, bound) \
    GPUTIME_REQUIRE_VERDICT(::gputime::testing::first_call_overhead_above((measured), (bound)))
