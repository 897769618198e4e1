// SPDX-License-Identifier: MIT
// bench/ratio_reporter.hpp - Google Benchmark main() that also prints ratios against baselines.
//
// A benchmark's absolute time on a shared 2-core machine says little; its ratio to a baseline
// measured in the same run, under the same load, says what the library adds. Each ratio is
// (name of the measured benchmark, name of its baseline); both must have run.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace gputime_bench {

class RatioReporter : public benchmark::ConsoleReporter {
public:
    // No colour: the ratio lines follow the table and end up in logs.
    RatioReporter() : ConsoleReporter(OO_Tabular) {}

    void ReportRuns(const std::vector<Run>& runs) override {
        for (const Run& run : runs)
            if (run.run_type == Run::RT_Iteration) ns_per_iteration_[run.benchmark_name()] = run.GetAdjustedRealTime();
        ConsoleReporter::ReportRuns(runs);
    }
    double ns(const std::string& name) const {
        const auto it = ns_per_iteration_.find(name);
        return it == ns_per_iteration_.end() ? -1.0 : it->second;
    }

private:
    std::map<std::string, double> ns_per_iteration_;
};

/// Runs every registered benchmark, then prints "ratio <measured> / <baseline> = x".
inline int run_with_ratios(int argc, char** argv, const std::vector<std::pair<std::string, std::string>>& ratios) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    for (const auto& [measured, baseline] : ratios) {
        const double a = reporter.ns(measured);
        const double b = reporter.ns(baseline);
        if (a < 0 || b <= 0) continue;  // filtered out by --benchmark_filter
        std::printf("ratio %s / %s = %.2f  (%.1f ns vs %.1f ns)\n", measured.c_str(), baseline.c_str(), a / b, a, b);
    }
    benchmark::Shutdown();
    return 0;
}

}  // namespace gputime_bench
