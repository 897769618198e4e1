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
//
// Bad input is refused before anything is measured: an empty list of gaps, or a negative gap
// anywhere in it, throws gputime::InvalidArgument (parameter() == "gaps", what() names the index
// and the value) before the first call, so no measurement is made and then thrown away.
#pragma once

#include <gputime/duration.hpp>
#include <gputime/error.hpp>
#include <gputime/run_result.hpp>
#include <gputime/warmup_runner.hpp>

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace gputime {

struct IdleGapPoint {
    std::chrono::nanoseconds gap{0};
    RunResult result;
};

/// Runs `fn` with `runner`'s settings once per gap, in the order given. The runner is taken by
/// value: its own idle_gap setting is left as it was. Throws InvalidArgument (parameter "gaps")
/// for an empty list or a negative gap, before anything runs; what `fn` or the clock throws
/// propagates (the points measured until then are lost with the return value).
template <class Clock, class F>
std::vector<IdleGapPoint> sweep_idle_gaps(WarmupRunner<Clock> runner, const std::vector<std::chrono::nanoseconds>& gaps,
                                          F&& fn) {
    if (gaps.empty()) throw InvalidArgument("sweep_idle_gaps", "gaps", "is empty: give at least one idle gap");
    for (std::size_t i = 0; i < gaps.size(); ++i) {
        if (gaps[i].count() < 0)
            throw InvalidArgument("sweep_idle_gaps", "gaps",
                                  "holds a negative gap at index " + std::to_string(i) + ": " +
                                      std::to_string(gaps[i].count()) +
                                      " ns; every gap must be >= 0 (nothing was measured)");
    }
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
/// A point without a steady sample (a run of one call: only its first call) shows "-" in each
/// column, and so does every ratio when the first point has none (or a p50 of 0).
/// Throws InvalidArgument (parameter "points") for an empty list.
inline std::string idle_gap_table(const std::vector<IdleGapPoint>& points) {
    if (points.empty()) throw InvalidArgument("idle_gap_table", "points", "is empty: nothing to tabulate");
    std::string out;
    char line[160];
    std::snprintf(line, sizeof line, "%12s  %12s  %12s  %12s  %10s\n", "idle gap", "p50", "p99", "mean",
                  "p50 ratio");
    out += line;
    const Stats& first = points.front().result.latency;
    const double reference = first.count() > 0 ? first.p50().count() : 0.0;
    double worst = 1.0;
    for (const IdleGapPoint& p : points) {
        const Stats& s = p.result.latency;
        const bool measured = s.count() > 0;
        const auto cell = [&](Duration d) { return measured ? format_duration(d) : std::string("-"); };
        std::string ratio_text = "-";
        if (measured && reference > 0.0) {
            const double ratio = s.p50().count() / reference;
            if (ratio > worst) worst = ratio;
            char ratio_buffer[32];
            std::snprintf(ratio_buffer, sizeof ratio_buffer, "%.2fx", ratio);
            ratio_text = ratio_buffer;
        }
        std::snprintf(line, sizeof line, "%12s  %12s  %12s  %12s  %10s\n", format_duration(Duration(p.gap)).c_str(),
                      cell(measured ? s.p50() : Duration{}).c_str(), cell(measured ? s.p99() : Duration{}).c_str(),
                      cell(measured ? s.mean() : Duration{}).c_str(), ratio_text.c_str());
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
