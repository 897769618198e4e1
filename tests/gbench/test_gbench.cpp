// SPDX-License-Identifier: MIT
// gputime/integrations/gbench.hpp: Google Benchmark really runs the benchmarks here, on the simulated GPU, and
// a reporter captures what it reports: the iteration time is the kernels' device time exactly,
// and the counters are the p50, p99 and first call of those times.
//
// The simulator is set up so that an event pair brackets exactly the kernel between them: API
// calls and launches cost the (virtual) host nothing and timestamps are exact (no 0.5 us
// flooring), so each iteration's device time is the kernel's duration, plus the lazy module load
// on the first launch (the host is blocked in that launch: the GPU sits idle between the events).
#include "support/test_framework.hpp"

#include <gputime/core/error.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/integrations/gbench.hpp>
#include <gputime/sim/runtime.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
namespace sim = gputime::sim;
using SimClock = gputime::CudaEventClock<sim::Runtime>;

sim::Config exact_timing() {
    sim::Config config;
    config.launch_cost = 0ns;
    config.api_cost = 0ns;
    config.event_resolution = 0ns;
    config.lazy_load_cost = 0ns;
    return config;
}

// Keeps every run Google Benchmark reports; prints nothing.
class CapturingReporter : public benchmark::BenchmarkReporter {
public:
    bool ReportContext(const Context&) override { return true; }
    void ReportRuns(const std::vector<Run>& reported) override {
        runs.insert(runs.end(), reported.begin(), reported.end());
    }
    std::vector<Run> runs;
};

// The error text of a run, in Google Benchmark before 1.8 (error_message) and after (skip_message).
template <class R>
auto error_of(const R& run, int) -> decltype(std::string(run.error_message)) {
    return run.error_message;
}
template <class R>
auto error_of(const R& run, long) -> decltype(std::string(run.skip_message)) {
    return run.skip_message;
}

double counter(const benchmark::BenchmarkReporter::Run& run, const char* name) {
    const auto it = run.counters.find(name);
    return it == run.counters.end() ? std::numeric_limits<double>::quiet_NaN() : it->second.value;
}

// Runs the benchmarks registered under `name` (a fresh registry each time) and returns the runs.
std::vector<benchmark::BenchmarkReporter::Run> run_registered(const std::string& name) {
    CapturingReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter, "^" + name + "(/|$)");
    benchmark::ClearRegisteredBenchmarks();
    return reporter.runs;
}

// Nearest-rank percentile of `values` (sorted copy), as Stats defines it.
double nearest_rank(std::vector<double> values, double p) {
    std::sort(values.begin(), values.end());
    const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
    return values[rank == 0 ? 0 : rank - 1];
}

}  // namespace

TEST_CASE("gbench: each iteration's manual time is the kernel's device time, the counters its p50, p99, first call") {
    sim::Runtime gpu(exact_timing());
    SimClock clock(gpu);
    // Eight iterations, each launching a kernel of its own length; the first launch of the
    // kernel's name loads its module for 300 us.
    const std::vector<double> kernel_ns = {40000, 10000, 13000, 11000, 17000, 12000, 10000, 15000};
    std::size_t launched = 0;
    gputime::gbench::Timings timings;
    benchmark::RegisterBenchmark(
        "gputime_exact",
        [&](benchmark::State& state) {
            gputime::gbench::time_iterations(state, clock, timings, [&] {
                sim::Kernel k =
                    sim::Kernel::fixed("conv", std::chrono::nanoseconds(static_cast<long long>(kernel_ns[launched])));
                gpu.launch(sim::Stream{}, k.with_lazy_load_cost(300us));
                ++launched;
            });
        })
        ->UseManualTime()
        ->Iterations(8);
    const auto runs = run_registered("gputime_exact");

    REQUIRE(runs.size() == 1);
    const auto& run = runs.front();
    INFO(error_of(run, 0));
    CHECK(error_of(run, 0).empty());
    CHECK(run.iterations == 8);
    CHECK(launched == 8);
    // What each iteration reported: the first call is the lazy load + its kernel.
    std::vector<double> device_ns = kernel_ns;
    device_ns[0] += 300000.0;
    // Google Benchmark sums the seconds each SetIterationTime gave it, in order: the same sum.
    double seconds = 0.0;
    for (const double ns : device_ns) seconds += ns / 1e9;
    CHECK(run.real_accumulated_time == seconds);
    CHECK(run.GetAdjustedRealTime() == gputime_test::Approx(seconds * 1e9 / 8.0).epsilon(1e-12));  // ns per iteration

    // The counters: the first call alone, and the percentiles of the seven after it.
    const std::vector<double> steady(device_ns.begin() + 1, device_ns.end());
    CHECK(counter(run, "first_call_ns") == 340000.0);
    CHECK(counter(run, "p50_ns") == nearest_rank(steady, 50.0));  // 12 us: the 4th of 7
    CHECK(counter(run, "p50_ns") == 12000.0);
    CHECK(counter(run, "p99_ns") == 17000.0);
    CHECK(timings.runs() == 1);
    CHECK(timings.latest_run().samples() == std::vector<gputime::Duration>(steady.begin(), steady.end()));
    // Manual time means each iteration is resolved before the next: 2 events per iteration,
    // recorded from a pool (no event created after the first iteration).
    CHECK(gpu.counters().event_records == 16);
    CHECK(gpu.counters().event_creates == 2);
    CHECK(clock.pending_count() == 0);
}

TEST_CASE("gbench: a Timings kept across Google Benchmark's runs reports the cold first call") {
    sim::Runtime gpu(exact_timing());
    SimClock clock(gpu);
    const auto kernel = sim::Kernel::fixed("gemm", 50us).with_lazy_load_cost(2ms);
    static gputime::gbench::Timings kept;  // as a benchmark function would hold it
    kept.reset();
    gputime::gbench::Timings last_run_only;
    benchmark::RegisterBenchmark("gputime_kept",
                                 [&](benchmark::State& state) {
                                     gputime::gbench::time_iterations(state, clock, kept,
                                                                      [&] { gpu.launch(sim::Stream{}, kernel); });
                                 })
        ->UseManualTime()
        ->MinTime(0.01);
    benchmark::RegisterBenchmark("gputime_fresh",
                                 [&](benchmark::State& state) {
                                     last_run_only = gputime::gbench::time_iterations(
                                         state, clock, [&] { gpu.launch(sim::Stream{}, kernel); });
                                 })
        ->UseManualTime()
        ->MinTime(0.01);
    const auto runs = run_registered("gputime_(kept|fresh)");

    REQUIRE(runs.size() == 2);
    // Google Benchmark grew the iteration count over several runs; only the last is reported.
    CHECK(kept.runs() > 1);
    const auto& kept_run = runs[0];
    CHECK(kept_run.iterations >= 200);                       // at least 10 ms of 50 us iterations
    CHECK(counter(kept_run, "first_call_ns") == 2050000.0);  // the lazy load, seen once in the process
    CHECK(counter(kept_run, "p50_ns") == 50000.0);
    CHECK(counter(kept_run, "p99_ns") == 50000.0);
    // The reported run came after the cold call: every iteration in it took the kernel's 50 us.
    CHECK(kept_run.GetAdjustedRealTime() == gputime_test::Approx(50000.0).epsilon(1e-9));

    // Without a Timings across runs, "first call" is the first iteration of the reported run:
    // the module is long loaded by then (the kernel's name was launched above).
    const auto& fresh_run = runs[1];
    CHECK(counter(fresh_run, "first_call_ns") == 50000.0);
    CHECK(last_run_only.first_call() == gputime::Duration{50000.0});
    CHECK(last_run_only.latest_run().count() == static_cast<std::size_t>(fresh_run.iterations) - 1);
}

TEST_CASE("gbench::ManualTimer times one iteration as a scope and fills a Stats") {
    sim::Runtime gpu(exact_timing());
    SimClock clock(gpu);
    gputime::Stats stats;
    std::vector<double> returned;
    benchmark::RegisterBenchmark(
        "gputime_manual_timer",
        [&](benchmark::State& state) {
            std::size_t i = 0;
            for (auto _ : state) {
                gputime::gbench::ManualTimer timer(state, clock, stats);
                gpu.launch(sim::Stream{}, sim::Kernel::fixed("k", std::chrono::microseconds(20 + 5 * (i++ % 3))));
                if (i == 2) returned.push_back(timer.stop().count());  // stop() early: the destructor then does nothing
            }
            gputime::gbench::set_counters(state, stats);
        })
        ->UseManualTime()
        ->Iterations(6);
    const auto runs = run_registered("gputime_manual_timer");

    REQUIRE(runs.size() == 1);
    const auto& run = runs.front();
    // 20, 25, 30, 20, 25, 30 us: the first into Stats' first call, the rest steady.
    CHECK(run.real_accumulated_time == 20e-6 + 25e-6 + 30e-6 + 20e-6 + 25e-6 + 30e-6);
    CHECK(returned == std::vector<double>{25000.0});
    CHECK(stats.first_call() == gputime::Duration{20000.0});
    CHECK(stats.count() == 5);
    CHECK(counter(run, "first_call_ns") == 20000.0);
    CHECK(counter(run, "p50_ns") == 25000.0);  // 20 25 25 30 30: the 3rd
    CHECK(counter(run, "p99_ns") == 30000.0);
}

TEST_CASE("gbench: an exception from the timed call ends the benchmark with Google Benchmark's error") {
    sim::Runtime gpu(exact_timing());
    SimClock clock(gpu);
    std::size_t calls = 0;
    gputime::gbench::Timings timings;
    benchmark::RegisterBenchmark("gputime_throws",
                                 [&](benchmark::State& state) {
                                     gputime::gbench::time_iterations(state, clock, timings, [&] {
                                         if (++calls == 3) throw std::runtime_error("kernel launch failed");
                                         gpu.launch(sim::Stream{}, sim::Kernel::fixed("k", 10us));
                                     });
                                 })
        ->UseManualTime()
        ->Iterations(5);
    const auto runs = run_registered("gputime_throws");

    REQUIRE(runs.size() == 1);
    CHECK(error_of(runs.front(), 0) == "gputime: kernel launch failed");
    CHECK(calls == 3);  // the loop stopped at the failure
    CHECK(timings.first_call() == gputime::Duration{10000.0});
    CHECK(timings.latest_run().count() == 1);
    CHECK(clock.pending_count() == 0);
    // The start mark of the failed call went back to the pool: no event leaked.
    CHECK(gpu.counters().event_creates == 2);
}

TEST_CASE("gbench::Timings refuses a duration no Stats accepts, and reset() forgets the first call") {
    gputime::gbench::Timings t;
    CHECK_FALSE(t.has_first_call());
    CHECK_THROWS_AS(t.first_call(), std::logic_error);
    CHECK_THROWS_AS(t.record(gputime::Duration{-1.0}), gputime::InvalidArgument);
    CHECK_THROWS_AS(t.record(gputime::Duration{std::numeric_limits<double>::quiet_NaN()}), gputime::InvalidArgument);
    CHECK_FALSE(t.has_first_call());
    t.begin_run();
    t.record(gputime::Duration{5.0});
    t.record(gputime::Duration{3.0});
    CHECK(t.first_call() == gputime::Duration{5.0});
    CHECK(t.latest_run().count() == 1);
    t.begin_run();
    CHECK(t.latest_run().count() == 0);
    CHECK(t.runs() == 2);
    t.reset();
    CHECK_FALSE(t.has_first_call());
    CHECK(t.runs() == 0);
}
