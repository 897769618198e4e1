// SPDX-License-Identifier: MIT
// bench_clock_overhead - what one timed scope costs the host, against the calls it must make.
//
// HostClock: a ScopedTimer against two bare steady_clock::now() reads plus the push_back that
// keeps their difference (the least any timer that keeps its samples does; target <= 1.10), and
// against the two reads alone. Ratios are medians over 9 repetitions run in random order
// (bench/median_ratios.hpp).
// GPU clock: a ScopedGpuTimer on the simulated runtime against two bare event records on the
// same runtime; the simulator's calls are cheap, so the difference is gputime's own work
// (event pool, pending queue, the Stats link).
#include "median_ratios.hpp"

#include <gputime/core/host_clock.hpp>
#include <gputime/core/scoped_timer.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/sim/runtime.hpp>
#include <gputime/stats/stats.hpp>

#include <chrono>
#include <vector>

namespace {

void two_steady_clock_reads(benchmark::State& state) {
    for (auto _ : state) {
        auto a = std::chrono::steady_clock::now();
        auto b = std::chrono::steady_clock::now();
        benchmark::DoNotOptimize(a);
        benchmark::DoNotOptimize(b);
    }
}
BENCHMARK(two_steady_clock_reads);

// The floor of a timer that keeps its samples: two reads, their difference as a double
// nanosecond count (what a Duration is), one push_back. The vector grows as a Stats does.
void two_steady_clock_reads_and_push_back(benchmark::State& state) {
    std::vector<gputime::Duration> samples;
    for (auto _ : state) {
        const auto a = std::chrono::steady_clock::now();
        const auto b = std::chrono::steady_clock::now();
        samples.push_back(gputime::Duration{b - a});
    }
    benchmark::DoNotOptimize(samples.data());
}
BENCHMARK(two_steady_clock_reads_and_push_back);

void host_scoped_timer(benchmark::State& state) {
    gputime::HostClock clock;
    gputime::Stats stats;
    for (auto _ : state) {
        gputime::ScopedTimer timer(stats, clock);
    }
    benchmark::DoNotOptimize(stats.calls());
}
BENCHMARK(host_scoped_timer);

void two_sim_event_records(benchmark::State& state) {
    gputime::sim::Runtime rt;
    gputime::sim::Event a;
    gputime::sim::Event b;
    rt.event_create(&a);
    rt.event_create(&b);
    for (auto _ : state) {
        rt.event_record(a, gputime::sim::Stream{});
        rt.event_record(b, gputime::sim::Stream{});
    }
}
BENCHMARK(two_sim_event_records);

void sim_scoped_gpu_timer(benchmark::State& state) {
    gputime::sim::Runtime rt;
    gputime::CudaEventClock<gputime::sim::Runtime> clock(rt);
    gputime::Stats stats;
    std::size_t scopes = 0;
    for (auto _ : state) {
        gputime::ScopedGpuTimer timer(stats, clock);
        if (++scopes % 1024 == 0) {  // resolve in bulk, as a reader would, outside the scope
            state.PauseTiming();
            clock.synchronize();
            state.ResumeTiming();
        }
    }
    clock.synchronize();
}
BENCHMARK(sim_scoped_gpu_timer);

}  // namespace

int main(int argc, char** argv) {
    return gputime_bench::run_with_median_ratios(argc, argv,
                                                 {{"host_scoped_timer", "two_steady_clock_reads_and_push_back", 1.10},
                                                  {"host_scoped_timer", "two_steady_clock_reads"},
                                                  {"sim_scoped_gpu_timer", "two_sim_event_records"}});
}
