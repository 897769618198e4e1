// SPDX-License-Identifier: MIT
// bench/bench_layer_overhead.cpp - what LayerProfiler costs: end to end on a real network, and
// per scope against the floor of two clock reads.
//
//   bench_layer_overhead [google benchmark flags]
//
// * forward_interleaved: the oneDNN VGG at batch 1 (its smallest forward, ~1.7 ms, where a
//   fixed per-scope cost weighs most), run bare and with one HostClock scope per layer, in
//   pairs whose order alternates (AB, BA, ...) so that neither variant always runs in the
//   other's wake (caches, OpenMP threads spinning down, other work on the machine). Each
//   forward is timed with steady_clock from outside; the profiled one includes its
//   end_iteration() (resolving the marks, adding the samples). Reported: the two medians and
//   their ratio (target <= 1.01).
// * scope_*: iterations of 16 empty scopes (literal names, runtime std::string names), the
//   per-scope host cost including its share of end_iteration(); two_now: two bare
//   steady_clock::now() reads, the cost no scope can avoid (it takes two marks).
// After Google Benchmark's output it prints a summary; the LAST line is
//   overhead_ratio <median forward with profiler / median forward without>
// Runs in about 15 s (the forward pairs stop after 10 s).
#include "common/vgg_onednn.hpp"

#include <gputime/core/host_clock.hpp>
#include <gputime/measure/layer_profiler.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include <time.h>  // clock_gettime(CLOCK_THREAD_CPUTIME_ID): POSIX

namespace {

using steady = std::chrono::steady_clock;

constexpr std::size_t kScopesPerIteration = 16;
constexpr std::size_t kMinPairs = 200;
constexpr std::size_t kMaxPairs = 3000;
constexpr double kForwardBudgetNs = 10e9;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Results {
    double bare_median_ns = kNaN;
    double profiled_median_ns = kNaN;
    double paired_ratio_median = kNaN;
    // per repetition: {wall ns, thread CPU ns}
    std::vector<double> scope_literal_ns, scope_literal_cpu_ns;
    std::vector<double> scope_runtime_ns, scope_runtime_cpu_ns;
    std::vector<double> two_now_ns, two_now_cpu_ns;
} results;

double median(std::vector<double> v) {
    if (v.empty()) return kNaN;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double ns_since(steady::time_point t0) { return std::chrono::duration<double, std::nano>(steady::now() - t0).count(); }

// CPU time of this thread: on a machine shared with other work, wall time per scope also counts
// the time the thread was not running at all.
double thread_cpu_ns() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1e9 + static_cast<double>(t.tv_nsec);
}

void forward_interleaved(benchmark::State& state) {
    vgg::OneDnnVgg net(1);
    for (int warm = 0; warm < 20; ++warm) net.forward();  // primitives, JIT, page faults: out of the way
    gputime::HostClock clock;
    gputime::LayerProfiler prof(clock);
    prof.reserve(net.layer_count());

    std::vector<double> bare, profiled, ratios;
    std::size_t pair = 0;
    const auto started = steady::now();
    // Bounded by count and by time: on a loaded machine a forward can take several times longer.
    const auto more_pairs = [&] {
        return pair < kMinPairs || (pair < kMaxPairs && ns_since(started) < kForwardBudgetNs);
    };
    const auto run_bare = [&] {
        const auto t0 = steady::now();
        net.forward();
        bare.push_back(ns_since(t0));
    };
    const auto run_profiled = [&] {
        const auto t0 = steady::now();
        {
            auto iteration = prof.iteration();
            for (std::size_t l = 0; l < net.layer_count(); ++l) prof.time(net.layer_name(l), [&] { net.run_layer(l); });
        }
        profiled.push_back(ns_since(t0));
    };
    for (auto _ : state) {
        while (more_pairs()) {
            net.set_input(pair);
            if (pair % 2 == 0) {
                run_bare();
                run_profiled();
            } else {
                run_profiled();
                run_bare();
            }
            ratios.push_back(profiled.back() / bare.back());
            ++pair;
        }
    }
    results.bare_median_ns = median(bare);
    results.profiled_median_ns = median(profiled);
    results.paired_ratio_median = median(ratios);
    state.counters["bare_ms"] = results.bare_median_ns / 1e6;
    state.counters["profiled_ms"] = results.profiled_median_ns / 1e6;
    state.counters["ratio"] = results.profiled_median_ns / results.bare_median_ns;
    state.counters["pairs"] = static_cast<double>(pair);
}
BENCHMARK(forward_interleaved)->Iterations(1)->Unit(benchmark::kMillisecond);

template <class Names>
void run_scopes(benchmark::State& state, const Names& names, std::vector<double>& per_scope,
                std::vector<double>& per_scope_cpu) {
    gputime::HostClock clock;
    gputime::LayerProfiler prof(clock);
    prof.trace_iterations(0).reserve(kScopesPerIteration);
    const auto t0 = steady::now();
    const double cpu0 = thread_cpu_ns();
    for (auto _ : state) {
        auto iteration = prof.iteration();
        for (const auto& name : names) {
            auto scope = prof.scope(name);
            benchmark::ClobberMemory();  // an empty body the compiler may not remove
        }
    }
    const double total = ns_since(t0);
    const double cpu = thread_cpu_ns() - cpu0;
    const double scopes = static_cast<double>(state.iterations() * kScopesPerIteration);
    per_scope.push_back(total / scopes);
    per_scope_cpu.push_back(cpu / scopes);
    state.counters["ns_per_scope"] = total / scopes;
    state.counters["cpu_ns_per_scope"] = cpu / scopes;
}

void scope_literal(benchmark::State& state) {
    static const char* const names[kScopesPerIteration] = {
        "block1_conv1", "block1_conv2", "block1_pool", "block2_conv1", "block2_conv2", "block2_pool",
        "block3_conv1", "block3_conv2", "block3_pool", "block4_conv1", "block4_conv2", "block4_pool",
        "flatten",      "fc1",          "fc2",         "predictions"};
    run_scopes(state, names, results.scope_literal_ns, results.scope_literal_cpu_ns);
}
// 100 000 iterations x 16 scopes: 1.6 M samples kept by the Stats (they keep every sample).
BENCHMARK(scope_literal)->Iterations(100000)->Repetitions(5)->ReportAggregatesOnly(true);

void scope_runtime_name(benchmark::State& state) {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < kScopesPerIteration; ++i)
        names.push_back("model/encoder/layer_" + std::to_string(i) + "/self_attention");  // heap strings
    run_scopes(state, names, results.scope_runtime_ns, results.scope_runtime_cpu_ns);
}
BENCHMARK(scope_runtime_name)->Iterations(100000)->Repetitions(5)->ReportAggregatesOnly(true);

void two_now(benchmark::State& state) {
    const auto t0 = steady::now();
    const double cpu0 = thread_cpu_ns();
    for (auto _ : state) {
        benchmark::DoNotOptimize(steady::now());
        benchmark::DoNotOptimize(steady::now());
    }
    const double n = static_cast<double>(state.iterations());
    const double per_pair = ns_since(t0) / n;
    const double per_pair_cpu = (thread_cpu_ns() - cpu0) / n;
    results.two_now_ns.push_back(per_pair);
    results.two_now_cpu_ns.push_back(per_pair_cpu);
    state.counters["ns_per_pair"] = per_pair;
    state.counters["cpu_ns_per_pair"] = per_pair_cpu;
}
BENCHMARK(two_now)->Iterations(3000000)->Repetitions(5)->ReportAggregatesOnly(true);

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();

    const double ratio = results.profiled_median_ns / results.bare_median_ns;
    const double floor = median(results.two_now_ns);
    const double floor_cpu = median(results.two_now_cpu_ns);
    std::printf("\nLayerProfiler overhead (HostClock), medians over repetitions\n");
    std::printf("  VGG batch 1 forward, interleaved pairs: %.1f us bare, %.1f us profiled (11 scopes)\n",
                results.bare_median_ns / 1e3, results.profiled_median_ns / 1e3);
    std::printf("  ratio of medians %.4f (target <= 1.01); median of paired ratios %.4f\n", ratio,
                results.paired_ratio_median);
    std::printf("  two bare steady_clock::now() reads:     %6.1f ns wall  %6.1f ns thread CPU\n", floor, floor_cpu);
    const auto scope_line = [&](const char* what, const std::vector<double>& wall, const std::vector<double>& cpu) {
        std::printf(
            "  per scope, %-28s %6.1f ns wall  %6.1f ns thread CPU  (bookkeeping over the two reads: %.1f ns CPU)\n",
            what, median(wall), median(cpu), median(cpu) - floor_cpu);
    };
    scope_line("literal names:", results.scope_literal_ns, results.scope_literal_cpu_ns);
    scope_line("runtime std::string names:", results.scope_runtime_ns, results.scope_runtime_cpu_ns);
    std::printf("  (per scope = open + close + its share of end_iteration: resolving marks, adding samples)\n");
#if defined(__GNUC__) && !defined(__OPTIMIZE__)
    // An unset CMAKE_BUILD_TYPE compiles with no -O at all: the numbers above are then 3-4x too high.
    std::printf("  WARNING: built without optimisation; per-scope costs are meaningless (use -O2 / Release)\n");
#endif
    std::printf("overhead_ratio %.4f\n", ratio);
    return 0;
}
