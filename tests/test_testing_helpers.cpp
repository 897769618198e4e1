// SPDX-License-Identifier: MIT
// gputime/integrations/testing.hpp: the verdicts (framework-agnostic core) on synthetic durations, and the
// GPUTIME_CHECK_* macros on a run of the simulated GPU. Failing checks are tested through their
// Verdict objects, so the suite itself stays green.
#include "support/test_framework.hpp"
#include "support/test_helpers.hpp"

#include <gputime/core/error.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/integrations/testing.hpp>
#include <gputime/measure/warmup_runner.hpp>
#include <gputime/report/text.hpp>
#include <gputime/sim/runtime.hpp>

#include <chrono>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>

using namespace std::chrono_literals;
using gputime::Duration;
using gputime::Stats;
using gputime::testing::Verdict;
namespace gt = gputime::testing;

namespace {

// A first call of 5 ms, then 5 steady samples: sorted 99, 100, 100, 101, 104 us.
// p50 (nearest rank 3 of 5) = 100 us; p99 = max = 104 us; mean = 100.8 us;
// first-call overhead = 5000 - 100 = 4900 us.
Stats sample_stats() {
    Stats s;
    for (const double x : {5000.0, 100.0, 104.0, 99.0, 101.0, 100.0}) s.add(Duration{x * 1000.0});
    return s;
}

std::string summary(const Stats& s) {
    std::ostringstream out;
    out << s;
    return out.str();
}

using gputime_test::contains;

}  // namespace

TEST_CASE("median_within: inclusive band around the expected duration, one-line message when it passes") {
    const Stats s = sample_stats();
    const Verdict v = gt::median_within(s, 100us, 0.02);
    CHECK(v.passed);
    CHECK(static_cast<bool>(v));
    CHECK(v.message ==
          "gputime: p50 within 2.00% of 100.0 us: passed: p50 is 100.0 us, 0.00% off "
          "(allowed 98.00 us to 102.0 us)");
    // Exactly on the edge passes: 0.5 is exact in binary, so 200 us +- 50% is exactly 100..300 us.
    CHECK(gt::median_within(s, 200us, 0.5).passed);
    CHECK(gt::median_within(s, 66us + 667ns, 0.5).passed);        // 100.0005 us is the top
    CHECK_FALSE(gt::median_within(s, 66us + 666ns, 0.5).passed);  // top 99.999 us
}

TEST_CASE("a failing verdict prints the whole Stats summary") {
    const Stats s = sample_stats();
    const Verdict v = gt::median_within(s, 90us, 0.02);
    CHECK_FALSE(v.passed);
    CHECK_FALSE(static_cast<bool>(v));
    const std::string head =
        "gputime: p50 within 2.00% of 90.00 us: FAILED: p50 is 100.0 us, 11.11% off (allowed 88.20 us to 91.80 us)";
    CHECK(v.message == head + "\n" + summary(s));
    // The summary is report.hpp's text: first call, steady statistics, percentiles.
    CHECK(contains(v.message, "first call   5.000 ms   overhead 4.900 ms over steady p50"));
    CHECK(contains(v.message, "steady       5 samples   mean 100.8 us"));
    CHECK(contains(v.message, "p50 100.0 us"));
    CHECK(contains(v.message, "max 104.0 us"));
    std::ostringstream printed;
    printed << v;  // what CHECK(verdict) shows in a framework that stringifies
    CHECK(printed.str() == v.message);
}

TEST_CASE("mean_within") {
    const Stats s = sample_stats();  // mean 100.8 us
    CHECK(gt::mean_within(s, 100us, 0.01).passed);
    const Verdict v = gt::mean_within(s, 100us, 0.005);
    CHECK_FALSE(v.passed);
    CHECK(contains(v.message, "mean within 0.50% of 100.0 us: FAILED: mean is 100.8 us, 0.80% off"));
    CHECK(contains(v.message, summary(s)));
}

TEST_CASE("p99_below and percentile_below are strict") {
    const Stats s = sample_stats();  // p99 = max = 104 us
    CHECK(gt::p99_below(s, 105us).passed);
    CHECK(gt::p99_below(s, 105us).message == "gputime: p99 below 105.0 us: passed: p99 is 104.0 us (of 5 samples)");
    const Verdict at = gt::p99_below(s, 104us);
    CHECK_FALSE(at.passed);
    CHECK(contains(at.message, "gputime: p99 below 104.0 us: FAILED: p99 is 104.0 us (of 5 samples)\n"));
    CHECK(contains(at.message, summary(s)));
    CHECK(gt::percentile_below(s, 50, 101us).passed);
    CHECK_FALSE(gt::percentile_below(s, 50, 100us).passed);
    CHECK(contains(gt::percentile_below(s, 99.9, 1ms).message, "p99.9 below 1.000 ms: passed"));
}

TEST_CASE("first_call_overhead_above") {
    const Stats s = sample_stats();  // 4.9 ms
    const Verdict v = gt::first_call_overhead_above(s, 4ms);
    CHECK(v.passed);
    CHECK(v.message ==
          "gputime: first-call overhead above 4.000 ms: passed: overhead is 4.900 ms "
          "(first call 5.000 ms, steady p50 100.0 us)");
    CHECK_FALSE(gt::first_call_overhead_above(s, 4900us).passed);  // strict
    CHECK(contains(gt::first_call_overhead_above(s, 5ms).message, "FAILED: overhead is 4.900 ms"));
}

TEST_CASE("nothing to check is a failed verdict that says so") {
    Stats empty;
    const Verdict v = gt::median_within(empty, 100us, 0.02);
    CHECK_FALSE(v.passed);
    CHECK(contains(v.message, "FAILED: no steady samples to check (0 calls recorded)"));
    CHECK(contains(v.message, "steady       no samples"));

    Stats only_first;
    only_first.add(1ms);
    CHECK(contains(gt::p99_below(only_first, 1s).message, "no steady samples to check (1 calls recorded)"));

    Stats no_first;
    no_first.add_steady(1ms);
    CHECK(contains(gt::first_call_overhead_above(no_first, 0ns).message, "FAILED: no first call recorded"));
}

TEST_CASE("arguments that make no sense throw gputime::InvalidArgument, a std::invalid_argument") {
    const Stats s = sample_stats();
    const double nan = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_AS(gt::median_within(s, 100us, -0.01), std::invalid_argument);
    CHECK_THROWS_AS(gt::median_within(s, 100us, nan), std::invalid_argument);
    CHECK_THROWS_AS(gt::mean_within(s, -1us, 0.1), std::invalid_argument);
    CHECK_THROWS_AS(gt::median_within(s, Duration{nan}, 0.1), std::invalid_argument);
    CHECK_THROWS_AS(gt::p99_below(s, Duration{std::numeric_limits<double>::infinity()}), std::invalid_argument);
    CHECK_THROWS_AS(gt::percentile_below(s, 101, 1ms), std::invalid_argument);
    CHECK_THROWS_AS(gt::first_call_overhead_above(s, -1ns), std::invalid_argument);

    const auto parameter_of = [](auto&& f) -> std::string {
        try {
            f();
        } catch (const gputime::InvalidArgument& e) {
            INFO(e.what());
            CHECK(contains(e.what(), e.parameter()));
            return e.where() + " " + e.parameter();
        }
        return "(nothing thrown)";
    };
    CHECK(parameter_of([&] { gt::median_within(s, 100us, -0.01); }) == "testing::median_within fraction");
    CHECK(parameter_of([&] { gt::mean_within(s, 100us, std::numeric_limits<double>::infinity()); }) ==
          "testing::mean_within fraction");
    CHECK(parameter_of([&] { gt::median_within(s, Duration{nan}, 0.1); }) == "testing::median_within expected");
    CHECK(parameter_of([&] { gt::p99_below(s, -1ns); }) == "testing::percentile_below bound");
    CHECK(parameter_of([&] { gt::percentile_below(s, nan, 1ms); }) == "testing::percentile_below p");
    CHECK(parameter_of([&] { gt::percentile_below(s, -0.5, 1ms); }) == "testing::percentile_below p");
    CHECK(parameter_of([&] { gt::first_call_overhead_above(s, Duration{nan}); }) ==
          "testing::first_call_overhead_above bound");
    // The same checks on a RunResult.
    gputime::RunResult r;
    r.latency = s;
    CHECK(parameter_of([&] { gt::median_within(r, 100us, nan); }) == "testing::median_within fraction");
    CHECK(parameter_of([&] { gt::percentile_below(r, 100.5, 1ms); }) == "testing::percentile_below p");
    CHECK(parameter_of([&] { gt::first_call_overhead_above(r, -1ns); }) == "testing::first_call_overhead_above bound");
}

TEST_CASE("the macros on a simulated run, and a failing RunResult verdict prints the run report") {
    gputime::sim::Config config;
    config.lazy_load_cost = 2ms;
    gputime::sim::Runtime rt(config);
    gputime::CudaEventClock<gputime::sim::Runtime> clock(rt);
    const gputime::RunResult r = gputime::WarmupRunner(clock).warmup(2).iterations(20).run(
        [&] { rt.launch(gputime::sim::Stream{}, gputime::sim::Kernel::fixed("k", 100us)); });
    // Every call: 5 us launch latency + 100 us; the first also loads the module (2 ms).
    GPUTIME_CHECK_MEDIAN_WITHIN(r, 105us, 0.0);
    GPUTIME_REQUIRE_MEDIAN_WITHIN(r.latency, 105us, 0.0);
    GPUTIME_CHECK_MEAN_WITHIN(r, 105us, 0.0);
    GPUTIME_REQUIRE_MEAN_WITHIN(r, 105us, 0.0);
    GPUTIME_CHECK_P99_BELOW(r, 106us);
    GPUTIME_REQUIRE_P99_BELOW(r.latency, 106us);
    GPUTIME_CHECK_PERCENTILE_BELOW(r, 90, 106us);
    GPUTIME_REQUIRE_PERCENTILE_BELOW(r, 90, 106us);
    GPUTIME_CHECK_FIRST_CALL_OVERHEAD_ABOVE(r, 1ms);
    GPUTIME_REQUIRE_FIRST_CALL_OVERHEAD_ABOVE(r.latency, 1999us);
    GPUTIME_CHECK_VERDICT(gt::percentile_below(r, 50, 1ms));
    GPUTIME_REQUIRE_VERDICT(gt::p99_below(r, 1ms));
    CHECK(gt::median_within(r, 105us, 0.0));  // a Verdict converts to bool (explicitly)

    const Verdict v = gt::p99_below(r, 100us);
    CHECK_FALSE(v.passed);
    std::ostringstream report;
    report << r;
    CHECK(v.message == "gputime: p99 below 100.0 us: FAILED: p99 is 105.0 us (of 20 samples)\n" + report.str());
    CHECK(contains(v.message, "gputime: run  (device time"));
    CHECK(contains(v.message, "first call   2.105 ms   overhead 2.000 ms over steady p50"));
    CHECK(contains(v.message, "enqueue      p50 7.000 us"));
}
