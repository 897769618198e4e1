// SPDX-License-Identifier: MIT
// bench_stats - the cost of gputime::Stats against the plain containers it is built on.
//
//   bench_stats [google benchmark flags]
//
// Each benchmark runs 9 repetitions in random order (bench/median_ratios.hpp); the ratios
// printed at the end are medians over them:
//   stats_add / vector_push_back         4096 add() against 4096 push_back(), fresh each time
//                                        (growth included in both); target <= 1.2
//   shared_stats_add / stats_add         the same through SharedStats (one thread: its shard's
//                                        uncontended lock)
//   bounded_stats_add / vector_push_back BoundedStats::add (bucket, min/max, sums)
//   stats_summary / sort_samples         mean, stddev, min, max, p50, p90, p99, p99.9 and mdape
//                                        of a fresh copy against std::sort of a copy
// bench_stats_scale does the same summary at 10M samples, with its peak memory.
#include "median_ratios.hpp"

#include <gputime/stats/bounded_stats.hpp>
#include <gputime/stats/shared_stats.hpp>
#include <gputime/stats/stats.hpp>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace {

std::vector<double> synthetic(std::size_t n) {
    std::vector<double> v(n);
    std::uint64_t x = 88172645463325252ull;
    for (double& d : v) {  // xorshift: cheap, deterministic durations around 1 ms
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        d = 1e6 + static_cast<double>(x % 100000);
    }
    return v;
}

// Baseline: what adding a sample must cost at least (store it).
void vector_push_back(benchmark::State& state) {
    const std::vector<double> input = synthetic(4096);
    for (auto _ : state) {
        std::vector<double> v;
        for (const double d : input) v.push_back(d);
        benchmark::DoNotOptimize(v.data());
    }
}
BENCHMARK(vector_push_back);

// Stats::add: the bad-input check and the first-call rule (one compare together), then the
// push_back. Statistics are computed when read, not here.
void stats_add(benchmark::State& state) {
    const std::vector<double> input = synthetic(4096);
    for (auto _ : state) {
        gputime::Stats s;
        for (const double d : input) s.add(gputime::Duration{d});
        benchmark::DoNotOptimize(&s);
    }
}
BENCHMARK(stats_add);

// SharedStats::add from one thread: Stats::add under the thread's own (uncontended) shard lock.
void shared_stats_add(benchmark::State& state) {
    const std::vector<double> input = synthetic(4096);
    for (auto _ : state) {
        gputime::SharedStats s;
        for (const double d : input) s.add(gputime::Duration{d});
        benchmark::DoNotOptimize(&s);
    }
}
BENCHMARK(shared_stats_add);

// BoundedStats::add: a bucket increment, min/max, a compensated sum and Welford's update.
void bounded_stats_add(benchmark::State& state) {
    const std::vector<double> input = synthetic(4096);
    gputime::BoundedStats s;
    for (auto _ : state) {
        for (const double d : input) s.add(gputime::Duration{d});
        benchmark::DoNotOptimize(&s);
    }
}
BENCHMARK(bounded_stats_add);

// Baseline: sorting the samples, which any exact percentile by sorting needs.
void sort_samples(benchmark::State& state) {
    const std::vector<double> input = synthetic(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) {
        std::vector<double> v = input;
        std::sort(v.begin(), v.end());
        benchmark::DoNotOptimize(v.data());
    }
}
BENCHMARK(sort_samples)->Arg(10000);

// A full summary from fresh samples (the copy drops every cache).
void stats_summary(benchmark::State& state) {
    const std::vector<double> input = synthetic(static_cast<std::size_t>(state.range(0)));
    gputime::Stats s;
    for (const double d : input) s.add(gputime::Duration{d});
    for (auto _ : state) {
        gputime::Stats copy = s;
        benchmark::DoNotOptimize(copy.mean());
        benchmark::DoNotOptimize(copy.stddev());
        benchmark::DoNotOptimize(copy.min());
        benchmark::DoNotOptimize(copy.max());
        benchmark::DoNotOptimize(copy.p50());
        benchmark::DoNotOptimize(copy.p90());
        benchmark::DoNotOptimize(copy.p99());
        benchmark::DoNotOptimize(copy.p999());
        benchmark::DoNotOptimize(copy.mdape());
    }
}
BENCHMARK(stats_summary)->Arg(10000);

}  // namespace

int main(int argc, char** argv) {
    return gputime_bench::run_with_median_ratios(argc, argv,
                                                 {{"stats_add", "vector_push_back", 1.2},
                                                  {"shared_stats_add", "stats_add"},
                                                  {"bounded_stats_add", "vector_push_back"},
                                                  {"stats_summary/10000", "sort_samples/10000", 1.2}});
}
