// bench_stats - the cost of gputime::Stats against the plain containers it is built on.
#include "ratio_reporter.hpp"

#include <gputime/stats.hpp>

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

// Stats::add also keeps Welford's mean/variance and min/max.
void stats_add(benchmark::State& state) {
    const std::vector<double> input = synthetic(4096);
    for (auto _ : state) {
        gputime::Stats s;
        for (const double d : input) s.add(gputime::Duration{d});
        benchmark::DoNotOptimize(&s);
    }
}
BENCHMARK(stats_add);

// Baseline: sorting the samples, which any exact percentile needs.
void sort_samples(benchmark::State& state) {
    const std::vector<double> input = synthetic(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) {
        std::vector<double> v = input;
        std::sort(v.begin(), v.end());
        benchmark::DoNotOptimize(v.data());
    }
}
BENCHMARK(sort_samples)->Arg(10000);

// A full summary (p50, p90, p99, p99.9, mdape) from fresh samples.
void stats_summary(benchmark::State& state) {
    const std::vector<double> input = synthetic(static_cast<std::size_t>(state.range(0)));
    gputime::Stats s;
    for (const double d : input) s.add(gputime::Duration{d});
    for (auto _ : state) {
        gputime::Stats copy = s;  // fresh: the sorted cache is empty
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
    return gputime_bench::run_with_ratios(argc, argv, {{"stats_add", "vector_push_back"},
                                                       {"stats_summary/10000", "sort_samples/10000"}});
}
