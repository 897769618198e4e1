// SPDX-License-Identifier: MIT
// bench_ab_power - what gputime::compare's verdict is worth, on the simulated GPU, and what its
// statistics cost.
//
// Part 1 (Google Benchmark): the rank statistics on n samples per variant against brute force:
// the two-sample Hodges-Lehmann interval (all n^2 differences, nth_element) and the paired one
// compare() uses (all n(n+1)/2 Walsh averages), and one whole simulated comparison.
// Part 2: the verdict over many noise seeds (default 1000; --seeds=N) at the default settings (a
// first look after CompareOptions{}.samples blocks, doubling up to max_samples or max_time, 2%
// minimum effect, 95% confidence). Each run: two fixed kernels measuring 1 ms (995 us + the 5 us
// launch), 5% relative jitter (normal), 1% outliers at 3x, 2 ms lazy load on each kernel's first
// launch, CUDA events at 0.5 us resolution.
//   power_3pct            the candidate measures 3% longer: the fraction of runs that say SLOWER
//   false_alarm           the two are identical: the fraction that claim any difference
//   drift_false_alarm     identical, and every kernel is stretched by 1 + 0.10 * (its position in
//                         the run) / (calls of the first look - 1): the device keeps slowing down
//   below_effect_verdicts the candidate measures 1% longer or shorter (within the minimum
//                         effect): the fraction of runs that say FASTER or SLOWER
// Part 3: the table per noise shape (--shape-seeds=N, default 400; 0 skips it): five noise shapes
// (tests/support/noise_shapes.hpp: lognormal sigma 0.1, bimodal, Pareto tail, sinusoidal drift,
// step) applied to the kernels, true ratios 1, 1.01, 0.99, 1.03 and 0.97; per case the verdicts,
// false claims, FASTER/SLOWER within the minimum effect, power, blocks measured and limits hit.
// The last line is machine-readable:
//   ab_power power_3pct <f> false_alarm <f> drift_false_alarm <f> below_effect_verdicts <f>
//            samples <first look> mean_blocks_3pct <n>
#include "../tests/support/noise_shapes.hpp"
#include "ratio_reporter.hpp"

#include <gputime/cuda/event_clock.hpp>
#include <gputime/measure/ab_compare.hpp>
#include <gputime/measure/verdict.hpp>
#include <gputime/sim/runtime.hpp>
#include <gputime/stats/mann_whitney.hpp>
#include <gputime/stats/signed_rank.hpp>

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

gputime::Comparison run_scenario(std::uint64_t seed, double difference, double drift) {
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
    return gputime::compare(
        clock, [&] { rt.launch(sim::Stream{}, kernel("a", baseline_ns)); },
        [&] { rt.launch(sim::Stream{}, kernel("b", candidate_ns)); }, options);
}

// The same kernels under one of the noise shapes: each kernel's duration is drawn for its
// position in the run; the simulator adds no noise of its own.
gputime::Comparison run_noise_shape(gputime_test::NoiseShape shape, std::uint64_t seed, double ratio) {
    sim::Config config;
    config.poll_cost = 100us;
    sim::Runtime rt(config);
    SimClock clock(rt);
    gputime_test::NoisyCalls calls(shape, seed);
    gputime::CompareOptions options;
    options.seed = seed;
    auto launch = [&](const char* name, double ns) {
        rt.launch(sim::Stream{}, sim::Kernel::fixed(name, std::chrono::nanoseconds(std::llround(calls.next(ns)))));
    };
    return gputime::compare(
        clock, [&] { launch("a", 995e3); }, [&] { launch("b", 1e6 * ratio - 5e3); }, options);
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

// The paired estimate compare() makes at every look: the Walsh averages of n log ratios.
void walsh_hodges_lehmann(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const std::vector<double> x = log_durations(n, 1, 1.03), y = log_durations(n, 2, 1.0);
    std::vector<double> d(n);
    for (std::size_t i = 0; i < n; ++i) d[i] = x[i] - y[(i * 7919) % n];
    std::sort(d.begin(), d.end());
    for (auto _ : state) benchmark::DoNotOptimize(gputime::detail::walsh_hodges_lehmann_sorted(d, 0.99, false).lower);
}
BENCHMARK(walsh_hodges_lehmann)->Arg(300)->Arg(2000)->Arg(19200);

// Baseline: every Walsh average in an array, then the order statistics by nth_element.
void walsh_brute_force(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const std::vector<double> x = log_durations(n, 1, 1.03), y = log_durations(n, 2, 1.0);
    std::vector<double> d(n);
    for (std::size_t i = 0; i < n; ++i) d[i] = x[i] - y[(i * 7919) % n];
    std::vector<double> w(n * (n + 1) / 2);
    for (auto _ : state) {
        std::size_t at = 0;
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = i; j < n; ++j) w[at++] = (d[i] + d[j]) / 2.0;
        for (const std::size_t k : {w.size() / 200, w.size() / 2, w.size() - w.size() / 200}) {
            std::nth_element(w.begin(), w.begin() + static_cast<std::ptrdiff_t>(k), w.end());
            benchmark::DoNotOptimize(w[k]);
        }
    }
}
BENCHMARK(walsh_brute_force)->Arg(300)->Arg(2000);

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
    for (auto _ : state) benchmark::DoNotOptimize(run_scenario(seed++, 0.03, 0.0).contrasts[0].p_value);
}
BENCHMARK(compare_simulated)->Unit(benchmark::kMillisecond);

// ---- Part 2 --------------------------------------------------------------------------------
struct Tally {
    std::size_t verdicts[8] = {};
    std::size_t runs = 0, blocks = 0, most_blocks = 0, limited = 0;
    void add(const gputime::Comparison& c) {
        ++verdicts[static_cast<int>(c.contrasts[0].verdict)];
        ++runs;
        blocks += c.samples;
        most_blocks = std::max(most_blocks, c.samples);
        limited += c.stop != gputime::CompareStop::decided ? 1 : 0;
    }
    std::size_t count(gputime::Verdict v) const { return verdicts[static_cast<int>(v)]; }
    std::size_t decisive() const { return count(gputime::Verdict::slower) + count(gputime::Verdict::faster); }
    std::size_t claims() const { return runs - count(gputime::Verdict::same) - count(gputime::Verdict::inconclusive); }
    double fraction(std::size_t k) const { return runs ? static_cast<double>(k) / static_cast<double>(runs) : 0.0; }
    double mean_blocks() const { return runs ? static_cast<double>(blocks) / static_cast<double>(runs) : 0.0; }
};

}  // namespace

int main(int argc, char** argv) {
    // --seeds=N and --shape-seeds=N are ours; everything else goes to Google Benchmark.
    std::size_t seeds = 1000, shape_seeds = 400;
    std::vector<char*> args;
    for (int i = 0; i < argc; ++i) {
        if (std::strncmp(argv[i], "--seeds=", 8) == 0) {
            seeds = static_cast<std::size_t>(std::strtoull(argv[i] + 8, nullptr, 10));
        } else if (std::strncmp(argv[i], "--shape-seeds=", 14) == 0) {
            shape_seeds = static_cast<std::size_t>(std::strtoull(argv[i] + 14, nullptr, 10));
        } else {
            args.push_back(argv[i]);
        }
    }
    const int bench_argc = static_cast<int>(args.size());
    args.push_back(nullptr);  // argv[argc] is null, as for main()
    const int status = gputime_bench::run_with_ratios(bench_argc, args.data(),
                                                      {{"hodges_lehmann/300", "hodges_lehmann_brute_force/300"},
                                                       {"hodges_lehmann/2000", "hodges_lehmann_brute_force/2000"},
                                                       {"walsh_hodges_lehmann/300", "walsh_brute_force/300"},
                                                       {"walsh_hodges_lehmann/2000", "walsh_brute_force/2000"}});
    if (status != 0) return status;

    using gputime::Verdict;
    const std::size_t first_look = gputime::CompareOptions{}.samples;
    if (shape_seeds > 0) {
        const auto started = std::chrono::steady_clock::now();
        std::printf(
            "\nA/B verdicts per noise shape on the simulated GPU: %zu runs per case, each with its own noise, defaults "
            "(first look "
            "after %zu blocks, up to %zu blocks or %.0f s), min effect 2%%, 95%% confidence\n",
            shape_seeds, first_look, gputime::CompareOptions{}.max_samples,
            std::chrono::duration<double>(gputime::CompareOptions{}.max_time).count());
        std::printf("  %-50s %5s | %6s %6s %6s %6s %6s %6s | %7s %7s %7s | %6s %6s %5s\n", "noise, true ratio", "runs",
                    "SAME", "FASTER", "SLOWER", "<e", "unsure", "incon.", "claims", "F/S", "right", "blocks", "most",
                    "limit");
        for (const gputime_test::NoiseShape shape : gputime_test::all_noise_shapes) {
            for (const double ratio : {1.0, 1.01, 0.99, 1.03, 0.97}) {
                Tally t;
                for (std::uint64_t seed = 1; seed <= shape_seeds; ++seed) t.add(run_noise_shape(shape, seed, ratio));
                const std::size_t within =
                    t.count(Verdict::faster_within_effect) + t.count(Verdict::slower_within_effect);
                const std::size_t unsure =
                    t.count(Verdict::faster_effect_unclear) + t.count(Verdict::slower_effect_unclear);
                const std::size_t right = ratio > 1.02   ? t.count(Verdict::slower)
                                          : ratio < 0.98 ? t.count(Verdict::faster)
                                                         : 0;
                char label[96];
                std::snprintf(label, sizeof label, "%s, %.2f", gputime_test::to_string(shape), ratio);
                std::printf("  %-50s %5zu | %6zu %6zu %6zu %6zu %6zu %6zu | %7.3f %7.3f %7.3f | %6.0f %6zu %5zu\n",
                            label, t.runs, t.count(Verdict::same), t.count(Verdict::faster), t.count(Verdict::slower),
                            within, unsure, t.count(Verdict::inconclusive), ratio == 1.0 ? t.fraction(t.claims()) : 0.0,
                            ratio > 0.98 && ratio < 1.02 ? t.fraction(t.decisive()) : 0.0, t.fraction(right),
                            t.mean_blocks(), t.most_blocks, t.limited);
            }
        }
        std::printf(
            "  claims: any difference claimed without one (true ratio 1); F/S: FASTER or SLOWER with the true\n"
            "  ratio within the minimum effect; right: FASTER/SLOWER in the right direction at 3%%; blocks:\n"
            "  mean and most blocks measured; limit: runs a time or sample limit ended (%.1f s)\n",
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
    if (seeds == 0) return 0;

    const auto started = std::chrono::steady_clock::now();
    Tally power, identical, drift, below;
    for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
        power.add(run_scenario(seed, 0.03, 0.0));
        identical.add(run_scenario(seed, 0.0, 0.0));
        drift.add(run_scenario(seed, 0.0, 0.10));
        below.add(run_scenario(seed, seed % 2 ? 0.01 : -0.01, 0.0));
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf(
        "\nA/B verdicts on the simulated GPU: %zu runs per scenario, first look after %zu blocks, "
        "5%% jitter + 1%% outliers at 3x, min effect 2%%, 95%% confidence (%.1f s)\n",
        seeds, first_look, seconds);
    const char* format = "  %-26s SLOWER %4zu  FASTER %4zu  SAME %4zu  other %4zu   mean blocks %6.0f\n";
    auto row = [&](const char* name, const Tally& t) {
        std::printf(format, name, t.count(Verdict::slower), t.count(Verdict::faster), t.count(Verdict::same),
                    t.runs - t.count(Verdict::slower) - t.count(Verdict::faster) - t.count(Verdict::same),
                    t.mean_blocks());
    };
    row("3% slower candidate", power);
    row("identical variants", identical);
    row("identical + drift", drift);
    row("1% slower or faster", below);
    std::printf(
        "ab_power power_3pct %.3f false_alarm %.3f drift_false_alarm %.3f below_effect_verdicts %.3f samples %zu "
        "mean_blocks_3pct %.0f\n",
        power.fraction(power.count(Verdict::slower)), identical.fraction(identical.claims()),
        drift.fraction(drift.claims()), below.fraction(below.decisive()), first_look, power.mean_blocks());
    return 0;
}
