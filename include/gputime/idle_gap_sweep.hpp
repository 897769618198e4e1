// gputime/idle_gap_sweep.hpp - latency as a function of the idle gap between calls.
//
// A GPU lowers its clock when work arrives with idle gaps, so the same model answers a tight
// benchmark loop up to ~2x faster than a service whose requests arrive spaced out. One number
// measured back to back therefore describes neither. sweep_idle_gaps() runs the same
// measurement once per gap (the host idles that long before every call, outside the timed
// region) and idle_gap_table() shows how latency moves with the gap:
//
//   auto runner = gputime::WarmupRunner(clock).warmup(20).iterations(200);
//   auto points = gputime::sweep_idle_gaps(runner, {0ms, 1ms, 10ms, 100ms}, [&] { model.forward(); });
//   std::cout << gputime::idle_gap_table(points);
#pragma once

#include <gputime/duration.hpp>
#include <gputime/run_result.hpp>
#include <gputime/warmup_runner.hpp>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace gputime {

struct IdleGapPoint {
    std::chrono::nanoseconds gap{0};
    RunResult result;
};

/// Runs `fn` with `runner`'s settings once per gap, in the order given. The runner is taken by
/// value: its own idle_gap setting is left as it was.
template <class Clock, class F>
std::vector<IdleGapPoint> sweep_idle_gaps(WarmupRunner<Clock> runner, const std::vector<std::chrono::nanoseconds>& gaps,
                                          F&& fn) {
    if (gaps.empty()) throw std::invalid_argument("gputime::sweep_idle_gaps: no gaps given");
    std::vector<IdleGapPoint> points;
    points.reserve(gaps.size());
    for (const std::chrono::nanoseconds gap : gaps) {
        runner.idle_gap(gap);
        points.push_back(IdleGapPoint{gap, runner.run(fn)});
    }
    return points;
}

/// gap | p50 | p99 | mean | p50 relative to the first gap, plus a hint when latency rises with
/// the gap by 20% or more (then the device clock, not the model, is what moved).
inline std::string idle_gap_table(const std::vector<IdleGapPoint>& points) {
    if (points.empty()) throw std::invalid_argument("gputime::idle_gap_table: no points");
    std::string out;
    char line[160];
    std::snprintf(line, sizeof line, "%12s  %12s  %12s  %12s  %10s\n", "idle gap", "p50", "p99", "mean",
                  "p50 ratio");
    out += line;
    const double reference = points.front().result.latency.p50().count();
    double worst = 1.0;
    for (const IdleGapPoint& p : points) {
        const Stats& s = p.result.latency;
        const double ratio = reference > 0.0 ? s.p50().count() / reference : 0.0;
        if (ratio > worst) worst = ratio;
        std::snprintf(line, sizeof line, "%12s  %12s  %12s  %12s  %9.2fx\n",
                      format_duration(Duration(p.gap)).c_str(), format_duration(s.p50()).c_str(),
                      format_duration(s.p99()).c_str(), format_duration(s.mean()).c_str(), ratio);
        out += line;
    }
    if (worst >= 1.2) {
        std::snprintf(line, sizeof line, "%.2fx", worst);
        out += "hint: latency grows with the idle gap (up to " + std::string(line) +
               "): the device likely lowers its clock between calls; report latency at the gaps your "
               "service sees, not only back to back\n";
    }
    return out;
}

}  // namespace gputime
