// SPDX-License-Identifier: MIT
// bench/median_ratios.hpp - Google Benchmark main() that prints ratios of MEDIANS over
// repetitions, each against a baseline measured in the same run.
//
// Like ratio_reporter.hpp, but robust to a noisy machine (2 shared cores): every benchmark runs
// several repetitions (9 unless --benchmark_repetitions says otherwise), interleaved in random
// order (--benchmark_enable_random_interleaving) so that a burst of load elsewhere hits a
// benchmark and its baseline alike; a ratio is the median wall time of the measured benchmark
// over the median wall time of its baseline. The CPU-time ratio is printed next to it (on a
// shared machine wall time also counts the time the thread was not running).
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace gputime_bench {

struct MedianRatio {
    std::string measured;
    std::string baseline;
    double target = 0.0;  // printed as "target <= x" when > 0
};

class MedianReporter : public benchmark::ConsoleReporter {
public:
    MedianReporter() : ConsoleReporter(OO_Tabular) {}

    void ReportRuns(const std::vector<Run>& runs) override {
        for (const Run& run : runs) {
            if (run.run_type != Run::RT_Iteration || run.error_occurred) continue;
            const double to_ns = 1e9 / benchmark::GetTimeUnitMultiplier(run.time_unit);
            wall_[run.benchmark_name()].push_back(run.GetAdjustedRealTime() * to_ns);
            cpu_[run.benchmark_name()].push_back(run.GetAdjustedCPUTime() * to_ns);
        }
        ConsoleReporter::ReportRuns(runs);
    }
    /// Median wall (or CPU) time per iteration over the repetitions, in ns; < 0 when it did not run.
    double median_wall(const std::string& name) const { return median_of(wall_, name); }
    double median_cpu(const std::string& name) const { return median_of(cpu_, name); }
    std::size_t repetitions(const std::string& name) const {
        const auto it = wall_.find(name);
        return it == wall_.end() ? 0 : it->second.size();
    }

private:
    static double median_of(const std::map<std::string, std::vector<double>>& m, const std::string& name) {
        const auto it = m.find(name);
        if (it == m.end() || it->second.empty()) return -1.0;
        std::vector<double> v = it->second;
        std::sort(v.begin(), v.end());
        const std::size_t n = v.size();
        return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    }
    std::map<std::string, std::vector<double>> wall_, cpu_;
};

/// Initializes Google Benchmark with default repetitions and random interleaving (unless the
/// command line sets them), runs every benchmark, prints
/// "ratio <measured> / <baseline> = x (median of N: a ns vs b ns; CPU y) target <= t".
inline int run_with_median_ratios(int argc, char** argv, const std::vector<MedianRatio>& ratios,
                                  MedianReporter* reporter_out = nullptr, int default_repetitions = 9) {
    std::vector<char*> args(argv, argv + argc);
    const auto given = [&](const char* flag) {
        for (int i = 1; i < argc; ++i)
            if (std::strncmp(argv[i], flag, std::strlen(flag)) == 0) return true;
        return false;
    };
    std::string repetitions = "--benchmark_repetitions=" + std::to_string(default_repetitions);
    std::string interleave = "--benchmark_enable_random_interleaving=true";
    if (!given("--benchmark_repetitions")) args.push_back(repetitions.data());
    if (!given("--benchmark_enable_random_interleaving")) args.push_back(interleave.data());
    int count = static_cast<int>(args.size());
    args.push_back(nullptr);
    benchmark::Initialize(&count, args.data());
    if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 1;
    MedianReporter local;
    MedianReporter& reporter = reporter_out != nullptr ? *reporter_out : local;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    for (const MedianRatio& r : ratios) {
        const double a = reporter.median_wall(r.measured), b = reporter.median_wall(r.baseline);
        if (a < 0 || b <= 0) continue;  // filtered out by --benchmark_filter
        const double cpu_a = reporter.median_cpu(r.measured), cpu_b = reporter.median_cpu(r.baseline);
        const bool ms = b >= 1e6;  // long benchmarks in milliseconds
        std::printf("ratio %s / %s = %.3f  (median of %zu: %.1f %s vs %.1f %s; CPU time %.3f)", r.measured.c_str(),
                    r.baseline.c_str(), a / b, reporter.repetitions(r.measured), ms ? a / 1e6 : a, ms ? "ms" : "ns",
                    ms ? b / 1e6 : b, ms ? "ms" : "ns", cpu_b > 0 ? cpu_a / cpu_b : 0.0);
        if (r.target > 0) std::printf("  target <= %.2f", r.target);
        std::printf("\n");
    }
    benchmark::Shutdown();
    return 0;
}

}  // namespace gputime_bench
