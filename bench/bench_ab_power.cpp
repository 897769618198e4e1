// SPDX-License-Identifier: MIT
// bench_ab_power - what gputime::compare's verdict is worth, on the simulated GPU, and what its
// statistics cost.
//
// Part 1 (Google Benchmark): the Mann-Whitney test and the Hodges-Lehmann interval on n samples
// per variant, against the brute-force baseline (all n^2 pairwise differences, nth_element),
// and one whole simulated comparison at the default budget.
// Part 2: the verdict over many noise seeds (default 1000; --seeds=N) at the default budget
// (CompareOptions{}.samples per variant, 2% minimum effect, 95% confidence). Each run: two fixed
// kernels measuring 1 ms (995 us + the 5 us launch), 5% relative jitter (normal), 1% outliers at
// 3x, 2 ms lazy load on each kernel's first launch, CUDA events at 0.5 us resolution.
//   power_3pct         the candidate measures 3% longer: the fraction of runs that say SLOWER
//   false_alarm        the two are identical: the fraction that say anything but SAME
//   drift_false_alarm  identical, and every kernel is stretched by 1 + 0.10 * (its position in
//                      the run) / (calls - 1): the device slows by 10% across the run
// The last line is machine-readable:
//   ab_power power_3pct <f> false_alarm <f> drift_false_alarm <f> samples <per variant>
#include "ratio_reporter.hpp"

#include <gputime/measure/ab_compare.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/stats/mann_whitney.hpp>
#include <gputime/sim/runtime.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

namespace sim = gputime::sim;
using SimClock = gputime::CudaEventClock<sim::Runtime>;
using namespace std::chrono_literals;

// ---- the simulated scenarios (the same as tests/test_compare.cpp) ----------------------------
sim::Config scenario_config(std::uint64_t seed) {
    sim::Config config;
    config.noise.seed = seed;
    config.noise.relative_stddev = 0.05;
    config.noise.outlier_probability = 0.01;
    config.noise.outlier_factor = 3.0;
    config.lazy_load_cost = 2ms;
    config.poll_cost = 100us;  // the clock's wait polls in 100 us steps: host time only
    return config;
}

gputime::Contrast run_scenario(std::uint64_t seed, double difference, double drift) {
    sim::Runtime rt(scenario_config(seed));
    SimClock clock(rt);
    gputime::CompareOptions options;
    options.seed = seed;
    const double calls = 2.0 * static_cast<double>(options.warmup + options.samples);
    std::size_t position = 0;
    auto kernel = [&](const char* name, double ns) {
        const double stretch = 1.0 + drift * static_cast<double>(position++) / (calls - 1.0);
        return sim::Kernel::fixed(name, std::chrono::nanoseconds(std::llround(ns * stretch)));
    };
    const double baseline_ns = 995e3, candidate_ns = 1e6 * (1.0 + difference) - 5e3;
    const gputime::Comparison c = gputime::compare(
        clock, [&] { rt.launch(sim::Stream{}, kernel("a", baseline_ns)); },
        [&] { rt.launch(sim::Stream{}, kernel("b", candidate_ns)); }, options);
    return c.contrasts[0];
}

// ---- Part 1 --------------------------------------------------------------------------------
std::vector<double> log_durations(std::size_t n, std::uint64_t seed, double scale) {
    std::vector<double> v(n);
    std::uint64_t s = seed;
    for (double& x : v) {  // splitmix64 -> durations around 1 ms, whole nanoseconds (ties possible)
        std::uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        z ^= z >> 31;
        x = std::log(std::floor(scale * (1e6 + static_cast<double>(z % 100000))));
    }
    std::sort(v.begin(), v.end());
    return v;
}

void mann_whitney(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const std::vector<double> x = log_durations(n, 1, 1.03), y = log_durations(n, 2, 1.0);
    for (auto _ : state) benchmark::DoNotOptimize(gputime::detail::mann_whitney_sorted(x, y).p_value);
}
BENCHMARK(mann_whitney)->Arg(300)->Arg(10000);

// The estimate and its 95% interval: four order statistics, selected.
void hodges_lehmann(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const std::vector<double> x = log_durations(n, 1, 1.03), y = log_durations(n, 2, 1.0);
    for (auto _ : state) benchmark::DoNotOptimize(gputime::detail::hodges_lehmann_sorted(x, y, 0.95, false).lower);
}
BENCHMARK(hodges_lehmann)->Arg(300)->Arg(2000)->Arg(10000);

// Baseline: every pairwise difference in an array, then the three order statistics by nth_element.
// n^2 memory: 10000 per variant would need 800 MB, so it stops at 2000.
void hodges_lehmann_brute_force(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const std::vector<double> x = log_durations(n, 1, 1.03), y = log_durations(n, 2, 1.0);
    std::vector<double> d(n * n);
    for (auto _ : state) {
        std::size_t at = 0;
        for (const double a : x)
            for (const double b : y) d[at++] = a - b;
        for (const std::size_t k : {n * n / 40, n * n / 2, n * n - n * n / 40}) {
            std::nth_element(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(k), d.end());
            benchmark::DoNotOptimize(d[k]);
        }
    }
}
BENCHMARK(hodges_lehmann_brute_force)->Arg(300)->Arg(2000);

// One whole comparison on the simulated GPU at the default budget (simulation included).
void compare_simulated(benchmark::State& state) {
    std::uint64_t seed = 1;
    for (auto _ : state) benchmark::DoNotOptimize(run_scenario(seed++, 0.03, 0.0).p_value);
}
BENCHMARK(compare_simulated)->Unit(benchmark::kMillisecond);

// ---- Part 2 --------------------------------------------------------------------------------
struct Tally {
    std::size_t slower = 0, faster = 0, same = 0;
    std::size_t significant = 0;  // p < alpha, whatever the effect
    void add(const gputime::Contrast& c) {
        if (c.verdict == gputime::Verdict::slower) ++slower;
        else if (c.verdict == gputime::Verdict::faster) ++faster;
        else ++same;
        if (c.p_value < 1.0 - c.confidence) ++significant;
    }
    std::size_t not_same() const { return slower + faster; }
};

}  // namespace

int main(int argc, char** argv) {
    // --seeds=N is ours; everything else goes to Google Benchmark.
    std::size_t seeds = 1000;
    std::vector<char*> args;
    for (int i = 0; i < argc; ++i) {
        if (std::strncmp(argv[i], "--seeds=", 8) == 0) {
            seeds = static_cast<std::size_t>(std::strtoull(argv[i] + 8, nullptr, 10));
        } else {
            args.push_back(argv[i]);
        }
    }
    const int bench_argc = static_cast<int>(args.size());
    args.push_back(nullptr);  // argv[argc] is null, as for main()
    const int status = gputime_bench::run_with_ratios(
        bench_argc, args.data(),
        {{"hodges_lehmann/300", "hodges_lehmann_brute_force/300"},
         {"hodges_lehmann/2000", "hodges_lehmann_brute_force/2000"}});
    if (status != 0 || seeds == 0) return status;

    const auto started = std::chrono::steady_clock::now();
    Tally power, identical, drift;
    for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
        power.add(run_scenario(seed, 0.03, 0.0));
        identical.add(run_scenario(seed, 0.0, 0.0));
        drift.add(run_scenario(seed, 0.0, 0.10));
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const double n = static_cast<double>(seeds);
    const std::size_t samples = gputime::CompareOptions{}.samples;
    std::printf("\nA/B verdicts on the simulated GPU: %zu noise seeds per scenario, %zu samples per variant, "
                "5%% jitter + 1%% outliers at 3x, min effect 2%%, 95%% confidence (%.1f s)\n",
                seeds, samples, seconds);
    const char* format = "  %-22s SLOWER %4zu  FASTER %4zu  SAME %4zu   p < 0.05 in %4zu\n";
    std::printf(format, "3% slower candidate", power.slower, power.faster, power.same, power.significant);
    std::printf(format, "identical variants", identical.slower, identical.faster, identical.same,
                identical.significant);
    std::printf(format, "identical + 10% drift", drift.slower, drift.faster, drift.same, drift.significant);
    std::printf("ab_power power_3pct %.3f false_alarm %.3f drift_false_alarm %.3f samples %zu\n",
                static_cast<double>(power.slower) / n, static_cast<double>(identical.not_same()) / n,
                static_cast<double>(drift.not_same()) / n, samples);
    return 0;
}
