// SPDX-License-Identifier: MIT
// Bad input, across the public API: every entry point given a value it cannot use throws
// gputime::InvalidArgument naming that parameter (and what() says so), before anything
// changes: the object that refused the value measures exactly as it did before. Entry points
// whose bad input has a documented, well-defined result instead are checked at the end.
// docs/bad_input.md is this file as a table.
#include "support/manual_clock.hpp"
#include "support/scripted_clock.hpp"
#include "support/test_framework.hpp"
#include "support/test_helpers.hpp"

#include <gputime/core/detail/sample_checks.hpp>
#include <gputime/core/duration.hpp>
#include <gputime/core/error.hpp>
#include <gputime/core/scoped_timer.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/cuda/stream_join.hpp>
#include <gputime/integrations/testing.hpp>
#include <gputime/measure/idle_gap_sweep.hpp>
#include <gputime/measure/layer_profile.hpp>
#include <gputime/measure/layer_profiler.hpp>
#include <gputime/measure/run_result.hpp>
#include <gputime/measure/warmup_runner.hpp>
#include <gputime/report/chrome_trace.hpp>
#include <gputime/report/idle_gap_text.hpp>
#include <gputime/report/layer_table.hpp>
#include <gputime/report/text.hpp>
#include <gputime/sim/runtime.hpp>
#include <gputime/stats/percentile_interval.hpp>
#include <gputime/stats/stats.hpp>

#include <chrono>
#include <clocale>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using gputime::Duration;
using gputime::Stats;
using gputime_test::ManualClock;
using gputime_test::ScriptedClock;
using SimClock = gputime::CudaEventClock<gputime::sim::Runtime>;

namespace {

const double nan_value = std::numeric_limits<double>::quiet_NaN();
const double inf_value = std::numeric_limits<double>::infinity();

using gputime_test::contains;

// Calls `f`, which must throw gputime::InvalidArgument from `where` naming `parameter`, with a
// what() that names the parameter too. Returns what() ("" when the check failed).
template <class F>
std::string refused(const std::string& where, const std::string& parameter, F&& f) {
    try {
        f();
    } catch (const gputime::InvalidArgument& e) {
        INFO("what(): " << e.what());
        CHECK(e.parameter() == parameter);
        CHECK(e.where() == where);
        CHECK(contains(e.what(), parameter));
        CHECK(contains(e.what(), "gputime::" + where));
        return e.what();
    } catch (const std::exception& e) {
        INFO("expected gputime::InvalidArgument(" << where << ", " << parameter << "), got: " << e.what());
        CHECK(false);
        return "";
    }
    INFO("expected gputime::InvalidArgument(" << where << ", " << parameter << "), nothing was thrown");
    CHECK(false);
    return "";
}

std::vector<double> values(const Stats& s) {
    std::vector<double> out;
    for (const Duration d : s.samples()) out.push_back(d.count());
    return out;
}

}  // namespace

// ---- Stats -------------------------------------------------------------------------------------

TEST_CASE("bad input: Stats refuses NaN, infinite and negative durations, and percentiles outside 0..100") {
    Stats s;
    s.add(Duration{500.0});  // the first call
    for (const double x : {30.0, 10.0, 20.0}) s.add(Duration{x});

    for (const double bad : {nan_value, inf_value, -inf_value, -1.0, -1e-300}) {
        INFO("duration " << bad);
        refused("Stats::add", "duration", [&] { s.add(Duration{bad}); });
        refused("Stats::add_steady", "duration", [&] { s.add_steady(Duration{bad}); });
        Stats empty;
        refused("Stats::set_first_call", "duration", [&] { empty.set_first_call(Duration{bad}); });
        refused("Stats::add", "duration", [&] { empty.add(Duration{bad}); });
        CHECK(empty.calls() == 0);
        CHECK_FALSE(empty.has_first_call());
    }
    for (const double p : {nan_value, -0.5, 100.5, inf_value, -inf_value}) {
        INFO("p " << p);
        refused("Stats::percentile", "p", [&] { (void)s.percentile(p); });
        refused("Stats::nearest_rank_index", "p", [&] { (void)Stats::nearest_rank_index(p, 10); });
    }
    // Unchanged: the same first call, samples and statistics.
    CHECK(s.calls() == 4);
    CHECK(s.first_call().count() == 500.0);
    CHECK(values(s) == std::vector<double>{30.0, 10.0, 20.0});
    CHECK(s.p50().count() == 20.0);
    CHECK(s.mean().count() == 20.0);
}

TEST_CASE("bad input: order statistics and percentile confidence intervals") {
    Stats s;
    s.add(Duration{500.0});
    for (int i = 1; i <= 10; ++i) s.add(Duration{static_cast<double>(i)});
    refused("Stats::order_statistic", "rank", [&] { (void)s.order_statistic(0); });
    refused("Stats::order_statistic", "rank", [&] { (void)s.order_statistic(11); });
    CHECK(s.order_statistic(10).count() == 10.0);

    for (const double p : {nan_value, -1.0, 101.0}) {
        INFO("p " << p);
        refused("Stats::percentile_interval", "p", [&] { (void)s.percentile_interval(p, 0.95); });
        refused("percentile_ranks", "p", [&] { (void)gputime::percentile_ranks(100, p); });
        refused("samples_needed", "p", [&] { (void)gputime::samples_needed(p); });
    }
    for (const double confidence : {nan_value, 0.0, 1.0, -0.5, 95.0, inf_value}) {
        INFO("confidence " << confidence);
        refused("Stats::percentile_interval", "confidence", [&] { (void)s.percentile_interval(50.0, confidence); });
        refused("samples_needed", "confidence", [&] { (void)gputime::samples_needed(99.0, confidence); });
    }
    refused("samples_needed", "p", [] { (void)gputime::samples_needed(0.0); });
    refused("samples_needed", "p", [] { (void)gputime::samples_needed(100.0); });
    CHECK(gputime::samples_needed(99.0, 0.95) == 368);
    CHECK(s.count() == 10);
}

// ---- WarmupRunner ------------------------------------------------------------------------------

TEST_CASE("bad input: WarmupRunner setters refuse what cannot run, and the runner runs as before") {
    // Every call lasts 1 us.
    ScriptedClock clock(std::vector<double>(1000, 1000.0));
    gputime::WarmupRunner<ScriptedClock> runner(clock);
    runner.warmup(2).iterations(3);

    refused("WarmupRunner::iterations", "calls", [&] { runner.iterations(0); });
    refused("WarmupRunner::idle_gap", "gap", [&] { runner.idle_gap(-1ns); });
    refused("WarmupRunner::idle_gap", "gap", [&] { runner.idle_gap(std::chrono::nanoseconds::min()); });
    refused("WarmupRunner::warmup_until_stable", "window", [&] { runner.warmup_until_stable(50, 0, 0.05); });
    // max_calls must leave room for two windows and one first call: 2 * window + 1.
    refused("WarmupRunner::warmup_until_stable", "max_calls", [&] { runner.warmup_until_stable(6, 3, 0.05); });
    refused("WarmupRunner::warmup_until_stable", "max_calls", [&] { runner.warmup_until_stable(0, 1, 0.05); });
    // 2 * window + 1 wraps around to 1 here: it must not pass as "enough".
    const std::size_t huge_window = std::numeric_limits<std::size_t>::max() / 2 + 1;
    refused("WarmupRunner::warmup_until_stable", "max_calls",
            [&] { runner.warmup_until_stable(std::numeric_limits<std::size_t>::max(), huge_window, 0.05); });
    for (const double tolerance : {nan_value, 0.0, -0.05, inf_value, -inf_value}) {
        INFO("tolerance " << tolerance);
        refused("WarmupRunner::warmup_until_stable", "tolerance",
                [&] { runner.warmup_until_stable(50, 3, tolerance); });
    }

    std::size_t calls = 0;
    const gputime::RunResult r = runner.run([&] { ++calls; });
    CHECK(calls == 5);            // warm-up 2 + iterations 3, as set before the refusals
    CHECK(r.warmup.size() == 2);  // no stable-window warm-up was switched on
    CHECK_FALSE(r.warmup_settled);
    CHECK(r.latency.count() == 3);
    CHECK(r.latency.p50().count() == 1000.0);
    CHECK(clock.idled() == 0ns);  // no idle gap was set
}

TEST_CASE("bad input: a refused warmup_until_stable keeps the stable warm-up set before it") {
    // Each call twice as long as the one before: the timings never settle, so the warm-up runs
    // to its max_calls (20), whatever the window.
    std::vector<double> doubling;
    double d = 1000.0;
    for (int i = 0; i < 200; ++i, d *= 2.0) doubling.push_back(d);
    ScriptedClock clock(doubling);
    gputime::WarmupRunner<ScriptedClock> runner(clock);
    runner.warmup_until_stable(20, 2, 0.5).iterations(1);

    refused("WarmupRunner::warmup_until_stable", "tolerance", [&] { runner.warmup_until_stable(50, 3, nan_value); });
    refused("WarmupRunner::warmup_until_stable", "max_calls", [&] { runner.warmup_until_stable(4, 2, 0.5); });
    refused("WarmupRunner::warmup_until_stable", "window", [&] { runner.warmup_until_stable(50, 0, 0.5); });

    const gputime::RunResult r = runner.run([] {});
    CHECK(r.warmup.size() == 20);  // max_calls 20 still in force, not 50 or 4
    CHECK_FALSE(r.warmup_settled);
    CHECK(r.latency.count() == 1);
    CHECK(r.latency.samples().front().count() == 1000.0 * std::pow(2.0, 20));
}

// ---- CudaEventClock (on the simulated runtime) -------------------------------------------------

TEST_CASE("bad input: CudaEventClock::resolve_timeout refuses a timeout <= 0 and keeps the one it had") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    clock.resolve_timeout(2ms);
    refused("CudaEventClock::resolve_timeout", "timeout", [&] { clock.resolve_timeout(0ns); });
    refused("CudaEventClock::resolve_timeout", "timeout", [&] { clock.resolve_timeout(-1ms); });
    refused("CudaEventClock::resolve_timeout", "timeout",
            [&] { clock.resolve_timeout(std::chrono::nanoseconds::min()); });

    // Observed through behaviour: a mark the device never reaches times out after 2 ms, not
    // at once (a timeout of 0 or less) and not after the default 60 s.
    Stats stats;
    rt.inject(gputime::sim::Fault::event_never_completes);
    { gputime::ScopedGpuTimer timer(stats, clock); }
    const auto waited_from = rt.host_now();
    CHECK_THROWS_AS(stats.count(), gputime::TimeoutError);
    CHECK(rt.host_now() - waited_from >= 2ms);
    CHECK(rt.host_now() - waited_from < 3ms);
}

TEST_CASE("bad input: CudaEventClock::max_pending refuses 0 pairs and keeps the bound it had") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    clock.max_pending(4);
    refused("CudaEventClock::max_pending", "pairs", [&] { clock.max_pending(0); });
    CHECK(clock.max_pending() == 4);
    Stats stats;
    for (int i = 0; i < 10; ++i) {
        {
            gputime::ScopedGpuTimer timer(stats, clock);
            rt.launch(gputime::sim::Stream{}, gputime::sim::Kernel::fixed("k", 10us));
        }
        CHECK(clock.pending_count() <= 4);
        rt.host_work(100us);  // the stream drains: every call starts on an idle stream
    }
    CHECK(stats.calls() == 10);
    CHECK(stats.min().count() == 15000.0);  // 5 us launch latency + 10 us, every time
    CHECK(stats.max().count() == 15000.0);
}

// ---- the simulated runtime ---------------------------------------------------------------------

TEST_CASE("bad input: the simulated runtime refuses a nonsensical configuration and negative host work") {
    gputime::sim::Config config;
    config.api_cost = -1us;
    refused("sim::Runtime", "config.api_cost", [&] { gputime::sim::Runtime rt(config); });
    config = gputime::sim::Config{};
    config.device_count = 0;
    refused("sim::Runtime", "config.device_count", [&] { gputime::sim::Runtime rt(config); });
    config = gputime::sim::Config{};
    config.clock.max_clock_mhz = nan_value;
    refused("sim::Runtime", "config.clock.max_clock_mhz", [&] { gputime::sim::Runtime rt(config); });

    gputime::sim::Runtime rt;
    rt.host_work(3us);
    refused("sim::Runtime::host_work", "duration", [&] { rt.host_work(-1ns); });
    CHECK(rt.host_now() == 3us);  // the clock did not move

    gputime::sim::CallFault no_failure;
    no_failure.call = gputime::sim::Call::launch;
    no_failure.status = 0;
    refused("sim::Runtime::inject", "fault.status", [&] { rt.inject(no_failure); });
    gputime::sim::CallFault never;
    never.call = gputime::sim::Call::launch;
    never.times = 0;
    refused("sim::Runtime::inject", "fault.times", [&] { rt.inject(never); });
    // Nothing was armed: the next launch succeeds.
    CHECK(rt.launch(gputime::sim::Stream{}, gputime::sim::Kernel::fixed("k", 1us)) == 0);
}

// ---- idle-gap sweeps ---------------------------------------------------------------------------

TEST_CASE("bad input: sweep_idle_gaps checks every gap before measuring anything") {
    ScriptedClock clock(std::vector<double>(100, 1000.0));
    const auto runner = gputime::WarmupRunner(clock).warmup(1).iterations(2);
    std::size_t calls = 0;
    refused("sweep_idle_gaps", "gaps", [&] { gputime::sweep_idle_gaps(runner, {}, [&] { ++calls; }); });
    const std::string what = refused("sweep_idle_gaps", "gaps", [&] {
        gputime::sweep_idle_gaps(runner, {0ms, 10ms, -1ms}, [&] { ++calls; });
    });
    CHECK(contains(what, "index 2"));
    CHECK(contains(what, "-1000000 ns"));
    CHECK(calls == 0);
    CHECK(clock.marks() == 0);
    refused("to_text", "points", [] { gputime::to_text(std::vector<gputime::IdleGapPoint>{}); });
}

// ---- layer profiling ---------------------------------------------------------------------------

TEST_CASE("bad input: LayerProfiler refuses an empty layer name without taking a mark") {
    ManualClock clock;
    gputime::LayerProfiler prof(clock);
    {
        auto it = prof.iteration();
        prof.time("conv", [&] { clock.advance(40); });
    }
    prof.begin_iteration();
    auto open = prof.scope("block");
    clock.advance(3);
    const std::size_t marks = clock.marks();
    refused("LayerProfiler::scope", "name", [&] { auto s = prof.scope(""); });
    refused("LayerProfiler::enter", "name", [&] { prof.enter(""); });
    bool ran = false;
    refused("LayerProfiler::time", "name", [&] { prof.time("", [&] { ran = true; }); });
    CHECK_FALSE(ran);
    CHECK(clock.marks() == marks);
    CHECK(prof.open_scopes() == 1);
    open.close();
    prof.end_iteration();

    const gputime::LayerProfile& p = prof.profile();
    CHECK(p.iterations() == 2);
    CHECK(p.abandoned_iterations() == 0);
    REQUIRE(p.layers().size() == 2);
    CHECK(p.find("conv")->time.calls() == 1);
    CHECK(p.find("block")->time.first_call().count() == 3.0);
    CHECK(p.find("") == nullptr);
    CHECK(clock.held() == 0);
}

TEST_CASE("bad input: profiles on different time bases do not merge") {
    ManualClock host_clock;
    gputime::LayerProfiler host(host_clock);
    host.time("conv", [&] { host_clock.advance(7); });
    const gputime::LayerProfile host_times = host.profile();

    gputime::sim::Runtime rt;
    SimClock gpu_clock(rt);
    gputime::LayerProfiler gpu(gpu_clock);
    {
        auto s = gpu.scope("conv");
        rt.launch(gputime::sim::Stream{}, gputime::sim::Kernel::fixed("conv", 10us));
    }
    const gputime::LayerProfile device_times = gpu.profile();

    gputime::LayerProfile pooled = device_times;
    refused("LayerProfile::merge", "other", [&] { pooled.merge(host_times); });
    refused("LayerProfiler::merge", "other", [&] { gpu.merge(host_times); });
    refused("LayerProfiler::merge", "other", [&] { host.merge(device_times); });
    CHECK(pooled.iterations() == 1);
    CHECK(pooled.find("conv")->time.first_call().count() == 15000.0);
    CHECK(gpu.profile().iterations() == 1);
    CHECK(host.profile().find("conv")->time.calls() == 1);
}

TEST_CASE("bad input: LayerTable refuses a metric, an order or a sort column that does not exist") {
    ManualClock clock;
    gputime::LayerProfiler prof(clock);
    prof.time("conv", [&] { clock.advance(7); });
    const gputime::LayerProfile& p = prof.profile();
    gputime::LayerTable table;
    table.column(p, gputime::LayerMetric::first_call);
    refused("LayerTable::column", "metric", [&] { table.column(p, static_cast<gputime::LayerMetric>(-1)); });
    refused("LayerTable::order", "how", [&] { table.order(static_cast<gputime::LayerOrder>(2)); });
    const std::string before = table.str();
    CHECK(contains(before, "conv                7 ns\n"));
    table.order(gputime::LayerOrder::cost, 1);  // one column: index 1 does not exist
    refused("LayerTable::order", "by_column", [&] { (void)table.str(); });
    table.order(gputime::LayerOrder::appearance);
    CHECK(table.str() == before);  // still one column, the same table
}

// ---- gputime/integrations/testing.hpp -----------------------------------------------------------------------

TEST_CASE("bad input: the testing checks refuse expectations that make no sense") {
    Stats s;
    for (const double x : {5000.0, 100.0, 104.0, 99.0}) s.add(Duration{x});
    refused("testing::median_within", "expected",
            [&] { gputime::testing::median_within(s, Duration{nan_value}, 0.1); });
    refused("testing::median_within", "expected", [&] { gputime::testing::median_within(s, Duration{-1.0}, 0.1); });
    refused("testing::mean_within", "fraction", [&] { gputime::testing::mean_within(s, Duration{100.0}, -0.01); });
    refused("testing::mean_within", "fraction", [&] { gputime::testing::mean_within(s, Duration{100.0}, inf_value); });
    refused("testing::percentile_below", "p", [&] { gputime::testing::percentile_below(s, nan_value, Duration{1.0}); });
    refused("testing::percentile_below", "bound", [&] { gputime::testing::p99_below(s, Duration{inf_value}); });
    refused("testing::first_call_overhead_above", "bound",
            [&] { gputime::testing::first_call_overhead_above(s, Duration{-5.0}); });
    CHECK(gputime::testing::median_within(s, Duration{100.0}, 0.0).passed);
    CHECK(s.count() == 3);
}

// ---- NaN through a clock -----------------------------------------------------------------------

namespace {
// A clock that meets the contract but reports NaN for every interval once `broken` is set: a
// buggy user clock, or arithmetic gone wrong in one.
class NanClock {
public:
    using Mark = double;
    static constexpr bool measures_device = false;
    bool broken = false;
    std::size_t held = 0;

    Mark mark() {
        ++held;
        now_ += 10.0;
        return now_;
    }
    void stop(const Mark& started, Stats& into) noexcept {
        try {
            into.add(elapsed(started, mark()));
        } catch (...) {
            // A timer's stop() must not throw; the bad sample is dropped.
        }
        held -= 2;
    }
    Duration elapsed(const Mark& from, const Mark& to) const { return Duration{broken ? nan_value : to - from}; }
    void release(const Mark&) noexcept { --held; }
    void synchronize() {}
    std::chrono::nanoseconds host_now() const { return std::chrono::nanoseconds(static_cast<long long>(now_)); }
    void idle_for(std::chrono::nanoseconds) {}

private:
    double now_ = 0.0;
};

// The simulated runtime, except that cudaEventElapsedTime reports NaN once `broken` is set.
class NanRuntime : public gputime::sim::Runtime {
public:
    bool broken = false;
    float reading = std::numeric_limits<float>::quiet_NaN();  // what a broken read reports [ms]
    int event_elapsed_ms(float* ms, event_type start, event_type stop) {
        const int status = gputime::sim::Runtime::event_elapsed_ms(ms, start, stop);
        if (broken && ms != nullptr) *ms = reading;
        return status;
    }
};
}  // namespace

TEST_CASE("bad input: a clock that reports NaN loses one iteration to an InvalidArgument, not the profile") {
    NanClock clock;
    gputime::LayerProfiler prof(clock);
    {
        auto it = prof.iteration();
        prof.time("conv", [] {});
    }
    clock.broken = true;
    prof.begin_iteration();
    prof.time("conv", [] {});
    refused("LayerProfiler", "duration", [&] { prof.end_iteration(); });
    CHECK_FALSE(prof.in_iteration());
    const gputime::LayerProfile& p = prof.profile();
    CHECK(p.iterations() == 1);  // the good iteration is kept
    CHECK(p.abandoned_iterations() == 1);
    CHECK(p.find("conv")->time.calls() == 1);
    CHECK(p.find("conv")->time.first_call().count() == 10.0);
    CHECK(clock.held == 0);  // every mark of the dropped iteration was released

    clock.broken = false;  // and the profiler goes on
    prof.time("conv", [] {});
    CHECK(prof.profile().iterations() == 2);
}

TEST_CASE("bad input: a runtime that reports a NaN elapsed time: the read says so, earlier samples stay") {
    NanRuntime rt;
    gputime::CudaEventClock<NanRuntime> clock(rt);
    Stats stats;
    const auto time_kernel = [&] {
        gputime::ScopedGpuTimer timer(stats, clock);
        rt.launch(gputime::sim::Stream{}, gputime::sim::Kernel::fixed("k", 10us));
    };
    time_kernel();
    time_kernel();
    REQUIRE(stats.calls() == 2);
    rt.broken = true;
    time_kernel();
    refused("Stats::add", "duration", [&] { (void)stats.count(); });
    CHECK(stats.calls() == 2);  // the two good samples, nothing else
    CHECK(stats.first_call().count() == 15000.0);
    rt.broken = false;
    time_kernel();
    CHECK(stats.calls() == 3);
}

TEST_CASE("bad input: impossible elapsed times from the runtime do not steer the clock's later waits") {
    // The clock predicts when a pair ends from the durations it measured; a NaN, an infinity, a
    // negative or a year-long reading must not become that prediction (it overflowed the wake-up
    // time). Each later scope still waits for its kernel, and no longer than a good one does.
    for (const float reading : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                                -std::numeric_limits<float>::infinity(), -5.0f, 3.2e10f, 0.0f}) {
        INFO("reading " << reading);
        NanRuntime rt;
        rt.reading = reading;
        gputime::CudaEventClock<NanRuntime> clock(rt);
        Stats stats;
        const auto time_kernel = [&] {
            {
                gputime::ScopedGpuTimer timer(stats, clock);
                rt.launch(gputime::sim::Stream{}, gputime::sim::Kernel::fixed("k", 100us));
            }
            try {
                (void)stats.count();  // the read that waits; a refused reading is lost, nothing else
            } catch (const gputime::InvalidArgument&) {
            }
        };
        for (int i = 0; i < 4; ++i) time_kernel();
        const auto good_host = rt.host_now();
        time_kernel();
        const auto one_good_scope = rt.host_now() - good_host;
        const std::size_t before = stats.calls();
        rt.broken = true;
        for (int i = 0; i < 4; ++i) time_kernel();
        rt.broken = false;
        const std::size_t kept = stats.calls() - before;  // finite, non-negative readings are samples
        const auto from = rt.host_now();
        for (int i = 0; i < 8; ++i) time_kernel();
        const auto eight_scopes = rt.host_now() - from;
        CHECK(stats.calls() == before + kept + 8);
        CHECK(stats.max().count() >= 100000.0);
        CHECK(eight_scopes >= 8 * 100us);                 // each scope waited for its kernel...
        CHECK(eight_scopes <= 8 * one_good_scope + 8us);  // ...and no longer than before the bad readings
    }
}

// ---- documented results instead of errors ------------------------------------------------------

TEST_CASE("bad input with a documented result: formatting, lookups, empty profiles and traces") {
    // format_duration never throws.
    CHECK(gputime::format_duration(Duration{nan_value}) == "n/a");
    CHECK(gputime::format_duration(Duration{inf_value}) == "inf");
    CHECK(gputime::format_duration(Duration{-inf_value}) == "-inf");
    CHECK(gputime::format_duration(Duration{-1500.0}) == "-1.500 us");

    // A profile that measured nothing: empty lookups, a table of "-", a trace with no span.
    ManualClock clock;
    gputime::LayerProfiler prof(clock);
    const gputime::LayerProfile& nothing = prof.profile();
    CHECK(nothing.find("") == nullptr);
    CHECK(nothing.find("conv") == nullptr);
    CHECK(nothing.share(gputime::LayerStats{}) == 0.0);
    CHECK(contains(gputime::to_text(nothing), "(0 iterations; host time)"));
    CHECK(contains(gputime::to_text(nothing), "\niteration         0"));
    CHECK(gputime::to_chrome_trace({}) == "{\n  \"traceEvents\": [],\n  \"displayTimeUnit\": \"ns\"\n}\n");
    CHECK(gputime::to_chrome_trace({nullptr}) == gputime::to_chrome_trace({}));
    CHECK_THROWS_AS(gputime::LayerTable{}.str(), std::logic_error);  // no column: nothing to print

    // Misuse of the profiler's protocol is a std::logic_error that changes nothing.
    CHECK_THROWS_AS(prof.leave(), std::logic_error);
    CHECK_THROWS_AS(prof.end_iteration(), std::logic_error);
    CHECK_FALSE(prof.in_iteration());

    // A hand-built RunResult prints without throwing, whatever it holds.
    gputime::RunResult empty;
    std::ostringstream text;
    text << empty;
    CHECK(contains(text.str(), "0 warm-up + 0 measured"));
    CHECK(contains(text.str(), "no samples"));
    gputime::RunResult steady_only;
    steady_only.latency.add_steady(Duration{100.0});
    steady_only.warmup = {Duration{nan_value}};
    std::ostringstream steady_text;
    steady_text << steady_only;
    CHECK(contains(steady_text.str(), "1 warm-up + 1 measured"));
    CHECK_FALSE(contains(steady_text.str(), "T(N)"));  // no first call: no model
    CHECK(contains(steady_text.str(), "n/a in all"));
    CHECK_THROWS_AS(steady_only.measured_total(5), std::out_of_range);
}

TEST_CASE("bad input: JoinStreams refuses more side streams than it can hold, before forking anything") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    std::vector<gputime::sim::Stream> side;
    for (std::size_t i = 0; i <= gputime::JoinStreams<gputime::sim::Runtime>::max_side_streams; ++i)
        side.push_back(rt.create_stream());
    const auto waits = rt.counters().stream_waits;
    const auto records = rt.counters().event_records;
    const std::string what =
        refused("JoinStreams", "side", [&] { gputime::JoinStreams<gputime::sim::Runtime> join(clock, side); });
    CHECK(contains(what, "got 9"));
    CHECK(rt.counters().stream_waits == waits);  // nothing was forked
    CHECK(rt.counters().event_records == records);
    CHECK(clock.pending_count() == 0);
}

TEST_CASE("bad input: numbers in error messages read back as the same double, in any locale") {
    using gputime::detail::describe_number;
    CHECK(describe_number(1500.0) == "1500");
    CHECK(describe_number(-1.0) == "-1");
    CHECK(describe_number(-0.0) == "0");
    CHECK(describe_number(0.1) == "0.1");
    CHECK(describe_number(1e300) == "1e+300");
    CHECK(describe_number(std::numeric_limits<double>::quiet_NaN()) == "nan");
    CHECK(describe_number(-std::numeric_limits<double>::infinity()) == "-inf");
    const double values[] = {1.0 / 3.0, 2.0 / 3.0 * 1e-300, 123456.789, 5e-324, 1.7976931348623157e308, 9.5e14 + 0.5};
    for (const double v : values) {
        INFO(v);
        CHECK(std::strtod(describe_number(v).c_str(), nullptr) == v);
    }
    // A program whose locale writes ',' as the decimal point still gets '.'.
    const std::string before = std::setlocale(LC_NUMERIC, nullptr);
    for (const char* name : {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8"}) {
        if (std::setlocale(LC_NUMERIC, name) == nullptr) continue;
        const std::string text = describe_number(0.25);
        std::setlocale(LC_NUMERIC, before.c_str());
        CHECK(text == "0.25");
        break;
    }
    std::setlocale(LC_NUMERIC, before.c_str());
}
