// SPDX-License-Identifier: MIT
// WarmupRunner's adaptive rules against scripted durations (exact host time, no device):
// warm-up by time budget, automatic warm-up by MSER-5 on transients of several shapes (and the
// window-median rule stopping too early on a slow decay), measuring to a precision target with
// each stop reason, the settings kept in the result, and typed refusals.
#include "support/scripted_clock.hpp"
#include "support/test_framework.hpp"

#include <gputime/core/error.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/measure/progress.hpp>
#include <gputime/measure/warmup_runner.hpp>
#include <gputime/sim/detail/random.hpp>
#include <gputime/sim/runtime.hpp>
#include <gputime/stats/percentile_interval.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using gputime::WarmupRunner;
using gputime_test::ScriptedClock;

namespace {

constexpr double kSteady = 1e6;  // 1 ms per steady call

// shape(i) * (1 + N(0, relative_sd)), for `count` calls, seeded: the same script everywhere.
std::vector<double> script(std::size_t count, const std::function<double(std::size_t)>& shape,
                           double relative_sd = 0.02, std::uint64_t seed = 11) {
    gputime::sim::detail::Xoshiro256StarStar rng(seed);
    std::vector<double> s;
    for (std::size_t i = 0; i < count; ++i)
        s.push_back(std::round(shape(i) * (1.0 + relative_sd * rng.standard_normal())));
    return s;
}

double decay(std::size_t i) { return kSteady * (1.0 + 7.0 * std::pow(0.99, static_cast<double>(i))); }

template <class F>
std::string rejected_parameter(F&& f) {
    try {
        f();
    } catch (const gputime::InvalidArgument& e) {
        return e.parameter();
    }
    return "(accepted)";
}

}  // namespace

TEST_CASE("warmup_for: warm-up calls until the host-time budget is spent") {
    ScriptedClock clock(std::vector<double>(100, 300e3));  // 300 us per call
    const gputime::RunResult r = WarmupRunner<ScriptedClock>(clock).warmup_for(1ms).iterations(5).run([] {});
    CHECK(r.warmup.size() == 4);  // 0.9 ms after 3 calls, 1.2 ms after 4
    CHECK(r.settings.warmup_rule == gputime::WarmupRule::time_budget);
    CHECK(r.settings.warmup_time == 1ms);
    CHECK(r.latency.count() == 5);
}

TEST_CASE("warmup_auto on a slow decay: the window-median rule stops at 7x, MSER-5 after the transient") {
    // 1% per call from 8x: each window of 5 is ~4.5% faster than the one before, within the
    // window rule's 5% tolerance, long before the latency comes down.
    const std::vector<double> calls = script(3000, decay);
    {
        ScriptedClock clock(calls);
        const gputime::RunResult r =
            WarmupRunner<ScriptedClock>(clock).warmup_until_stable(2000, 5, 0.05).iterations(200).run([] {});
        CHECK(r.warmup_settled);
        CHECK(r.warmup.size() <= 20);
        CHECK(decay(r.warmup.size() - 1) > 6.0 * kSteady);       // still ~7x when it stopped
        CHECK(r.latency.p50().count() > 2.0 * kSteady);          // and the steady numbers are wrong
        CHECK_FALSE(r.transient.steady_from < r.warmup.size());  // MSER-5 over the run says so
    }
    {
        ScriptedClock clock(calls);
        const gputime::RunResult r = WarmupRunner<ScriptedClock>(clock).warmup_auto(2000).iterations(200).run([] {});
        CHECK(r.warmup_settled);
        CHECK(r.settings.warmup_rule == gputime::WarmupRule::mser5);
        CHECK(r.warmup.size() % 5 == 0);
        CHECK(decay(r.warmup.size() - 1) < 1.05 * kSteady);  // the transient is over
        CHECK(r.warmup.size() < 1500);                       // and not much later
        CHECK(std::fabs(r.latency.p50().count() / kSteady - 1.0) < 0.02);
        CHECK(r.transient.conclusive);
        CHECK(r.transient.steady_from <= r.warmup.size());
    }
}

TEST_CASE("warmup_auto on the simulated GPU ends where each transient shape ends") {
    // Each call launches one kernel whose duration follows the shape; the simulator adds 2%
    // seeded jitter, and the events also see the 5 us launch latency of an idle stream.
    struct Shape {
        const char* name;
        std::function<double(std::size_t)> f;
        std::size_t min_calls, max_calls;  // the transient before the midpoint, 40 steady calls after it
    };
    const std::vector<Shape> shapes = {
        {"none", [](std::size_t) { return kSteady; }, 40, 90},
        {"first call only", [](std::size_t i) { return i == 0 ? 20 * kSteady : kSteady; }, 40, 90},
        {"step: 10 calls at 8x", [](std::size_t i) { return i < 10 ? 8 * kSteady : kSteady; }, 50, 100},
        {"linear decay over 200 calls from 3x",
         [](std::size_t i) { return i < 200 ? kSteady * (3.0 - 2.0 * static_cast<double>(i) / 200.0) : kSteady; }, 370,
         480},
        {"exponential decay, 1%/call from 8x", decay, 1000, 1500},
    };
    for (const Shape& shape : shapes) {
        INFO(shape.name);
        gputime::sim::Config config;
        config.noise.relative_stddev = 0.02;
        config.noise.seed = 5;
        gputime::sim::Runtime rt(config);
        gputime::CudaEventClock<gputime::sim::Runtime> clock(rt);
        const gputime::RunResult r =
            WarmupRunner<gputime::CudaEventClock<gputime::sim::Runtime>>(clock).warmup_auto(2000).iterations(100).run(
                [&](std::size_t call) {
                    const auto ns = std::chrono::nanoseconds(static_cast<long long>(shape.f(call)));
                    rt.launch(gputime::sim::Stream{}, gputime::sim::Kernel::fixed("layer", ns));
                });
        INFO("warm-up ended after " << r.warmup.size() << " calls");
        CHECK(r.warmup_settled);
        CHECK(r.warmup.size() >= shape.min_calls);
        CHECK(r.warmup.size() <= shape.max_calls);
        CHECK(std::fabs(r.latency.p50().count() / kSteady - 1.0) < 0.02);
    }
}

TEST_CASE("warmup_auto stops at its call cap or time cap when the transient outlasts them") {
    {
        ScriptedClock clock(script(400, decay));
        const gputime::RunResult r = WarmupRunner<ScriptedClock>(clock).warmup_auto(100).iterations(10).run([] {});
        CHECK_FALSE(r.warmup_settled);
        CHECK(r.warmup.size() == 100);
    }
    {
        std::vector<double> ramp;
        for (std::size_t i = 0; i < 400; ++i) ramp.push_back(kSteady * (10.0 - 0.02 * static_cast<double>(i)));
        ScriptedClock slow(ramp);  // 10 ms falling slowly: 50 ms of budget covers 5 calls
        const gputime::RunResult r =
            WarmupRunner<ScriptedClock>(slow).warmup_auto(1000, 50ms).iterations(10).run([] {});
        CHECK_FALSE(r.warmup_settled);
        CHECK(r.warmup.size() == 6);  // 49.7 ms after 5 calls, 59.6 ms after 6
    }
}

TEST_CASE("until: stops when the median's interval is within the target") {
    const std::vector<double> calls = script(
        20000, [](std::size_t) { return kSteady; }, 0.05, 3);
    ScriptedClock clock(calls);
    gputime::PrecisionTarget target;
    target.relative_half_width = 0.01;
    target.min_time = 0ns;
    const gputime::RunResult r = WarmupRunner<ScriptedClock>(clock).warmup(1).until(target).run([] {});
    REQUIRE(r.stop_reason == gputime::StopReason::precision_reached);
    REQUIRE(r.target_interval.has_value());
    CHECK(r.target_interval->relative_half_width() <= 0.01);
    const std::size_t n = r.latency.count();
    // An independent check of the stop: sort the measured prefix and take scipy-checked ranks.
    auto half_width_of_first = [&](std::size_t count) {
        std::vector<double> v(calls.begin() + 1, calls.begin() + 1 + static_cast<std::ptrdiff_t>(count));
        std::sort(v.begin(), v.end());
        const gputime::PercentileRanks ranks = gputime::percentile_ranks(count, 50.0, 0.95);
        const double median = v[gputime::Stats::nearest_rank_index(50.0, count)];
        if (ranks.lower == 0 || ranks.upper > count) return HUGE_VAL;
        return std::max(v[ranks.upper - 1] - median, median - v[ranks.lower - 1]) / median;
    };
    CHECK(half_width_of_first(n) <= 0.01);
    CHECK(half_width_of_first(n - std::max<std::size_t>(1, (n - 1) / 20) - 1) > 0.01);  // the check before
    // +-1% on the median with 5% noise takes ~ (1.96 * 1.25 * 5 / 1)^2 ~ 150 samples.
    CHECK(n > 100);
    CHECK(n < 300);
}

TEST_CASE("until: the time limit and the sample limit end an unreachable target") {
    gputime::PrecisionTarget impossible;
    impossible.relative_half_width = 1e-9;
    impossible.min_time = 0ns;
    {
        impossible.max_time = 10ms;
        ScriptedClock clock(script(
            1000, [](std::size_t) { return kSteady; }, 0.0));
        const gputime::RunResult r = WarmupRunner<ScriptedClock>(clock).warmup(0).until(impossible).run([] {});
        CHECK(r.stop_reason == gputime::StopReason::time_limit);
        CHECK(r.latency.calls() == 10);  // 10 calls of 1 ms; the first is kept apart
    }
    {
        impossible.max_time = 15s;
        impossible.max_samples = 50;
        ScriptedClock clock(script(
            1000, [](std::size_t) { return kSteady; }, 0.1));
        const gputime::RunResult r = WarmupRunner<ScriptedClock>(clock).warmup(3).until(impossible).run([] {});
        CHECK(r.stop_reason == gputime::StopReason::sample_limit);
        CHECK(r.latency.count() == 50);
        REQUIRE(r.target_interval.has_value());
        CHECK(r.target_interval->relative_half_width() > 1e-9);
    }
}

TEST_CASE("until: min_samples and min_time hold the run even when the interval is already narrow") {
    gputime::PrecisionTarget t;
    t.relative_half_width = 0.5;
    t.min_samples = 40;
    t.min_time = 100ms;
    ScriptedClock clock(std::vector<double>(1000, kSteady));  // identical calls: width 0 at once
    const gputime::RunResult r = WarmupRunner<ScriptedClock>(clock).warmup(0).until(t).run([] {});
    CHECK(r.stop_reason == gputime::StopReason::precision_reached);
    CHECK(r.latency.calls() == 100);  // 100 ms of 1 ms calls (the first kept apart as the first call)
}

TEST_CASE("until: min_samples 0 or 1 checks nothing before there is a steady sample, with or without warm-up") {
    // The check at n = 0 (min_samples 0), or after the first call of a run without warm-up
    // (min_samples 1), read a percentile interval of no steady sample and threw mid-run.
    for (const std::size_t warmup : {std::size_t{0}, std::size_t{3}}) {
        for (const std::size_t min_samples : {std::size_t{0}, std::size_t{1}}) {
            INFO("warmup " << warmup << ", min_samples " << min_samples);
            gputime::PrecisionTarget t;
            t.relative_half_width = 0.5;
            t.min_samples = min_samples;
            t.min_time = 0ns;
            ScriptedClock clock(std::vector<double>(100, kSteady));
            const gputime::RunResult r = WarmupRunner<ScriptedClock>(clock).warmup(warmup).until(t).run([] {});
            CHECK(r.stop_reason == gputime::StopReason::precision_reached);
            // Identical calls: the interval has width 0 as soon as it exists, at 6 samples (the
            // fewest whose distribution-free 95% interval of the median exists: 2 / 2^6 < 5%).
            CHECK(r.latency.count() == 6);
            REQUIRE(r.target_interval.has_value());
        }
    }
}

TEST_CASE("iterations() after until() measures a fixed count again, settings are kept in the result") {
    ScriptedClock clock(std::vector<double>(100, kSteady));
    WarmupRunner<ScriptedClock> runner(clock);
    runner.until_precise(0.02).iterations(7).warmup(2).idle_gap(3us).mode(gputime::RunMode::throughput);
    const gputime::RunResult r = runner.run([] {});
    CHECK(r.stop_reason == gputime::StopReason::iteration_count);
    CHECK(r.latency.count() == 7);
    CHECK_FALSE(r.settings.target.has_value());
    CHECK(r.settings.iterations == 7);
    CHECK(r.settings.warmup_calls == 2);
    CHECK(r.settings.idle_gap == 3us);
    CHECK(r.settings.mode == gputime::RunMode::throughput);
    CHECK(std::string(gputime::to_string(r.stop_reason)) == "iteration count");
    CHECK(std::string(gputime::to_string(gputime::WarmupRule::mser5)) == "MSER-5");
}

TEST_CASE("result.transient shows a fixed warm-up that was too short") {
    ScriptedClock clock(script(
        200, [](std::size_t i) { return i < 30 ? 5 * kSteady : kSteady; }, 0.0));
    const gputime::RunResult r = WarmupRunner<ScriptedClock>(clock).warmup(5).iterations(100).run([] {});
    CHECK(r.transient.conclusive);
    CHECK(r.transient.steady_from == 30);  // 25 slow calls were measured as steady
    CHECK(r.latency.p99().count() == 5 * kSteady);
}

TEST_CASE("adaptive rules refuse bad settings with a typed error, leaving the runner as it was") {
    ScriptedClock clock(std::vector<double>(10, kSteady));
    WarmupRunner<ScriptedClock> runner(clock);
    runner.warmup(2).iterations(3);
    CHECK(rejected_parameter([&] { runner.warmup_for(0ns); }) == "budget");
    CHECK(rejected_parameter([&] { runner.warmup_for(-5ms); }) == "budget");
    CHECK(rejected_parameter([&] { runner.warmup_auto(19); }) == "max_calls");
    CHECK(rejected_parameter([&] { runner.warmup_auto(100, -1ns); }) == "max_time");
    gputime::PrecisionTarget t;
    t.percentile = 101.0;
    CHECK(rejected_parameter([&] { runner.until(t); }) == "target.percentile");
    t = {};
    t.relative_half_width = std::nan("");
    CHECK(rejected_parameter([&] { runner.until(t); }) == "target.relative_half_width");
    t = {};
    t.confidence = 1.0;
    CHECK(rejected_parameter([&] { runner.until(t); }) == "target.confidence");
    t = {};
    t.max_samples = 5;
    CHECK(rejected_parameter([&] { runner.until(t); }) == "target.max_samples");
    t = {};
    t.max_time = 100ms;
    t.min_time = 200ms;
    CHECK(rejected_parameter([&] { runner.until(t); }) == "target.max_time");
    const gputime::RunResult r = runner.run([] {});
    CHECK(r.warmup.size() == 2);
    CHECK(r.latency.count() == 3);
    CHECK(r.settings.warmup_rule == gputime::WarmupRule::fixed_count);
}

TEST_CASE("the runner draws its measured loop on a Progress, and clears it at the end") {
    ScriptedClock clock(std::vector<double>(20, kSteady));
    std::ostringstream terminal;
    long long now_ns = 0;  // the progress line's own clock: 150 ms per call, so every call redraws
    gputime::Progress progress(
        terminal, true, [&] { return std::chrono::nanoseconds(now_ns += 150000000); }, "vgg");
    const gputime::RunResult r =
        WarmupRunner<ScriptedClock>(clock).name("vgg").warmup(2).iterations(5).progress(progress).run([] {});
    CHECK(r.latency.count() == 5);
    const std::string text = terminal.str();
    CHECK(text.find("vgg  1/5 calls") != std::string::npos);
    CHECK(text.find("vgg  5/5 calls") != std::string::npos);
    CHECK(text.find("p50 1.000 ms") != std::string::npos);
    CHECK(text.back() == '\r');  // finish() erased the line and returned to its start
}
