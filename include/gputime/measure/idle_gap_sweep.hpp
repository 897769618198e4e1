// SPDX-License-Identifier: MIT
// gputime/measure/idle_gap_sweep.hpp - latency as a function of the idle gap between calls.
//
// A GPU lowers its clock when work arrives with idle gaps, so the same model answers a tight
// benchmark loop up to ~2x faster than a service whose requests arrive spaced out. One number
// measured back to back therefore describes neither. sweep_idle_gaps() runs the same
// measurement once per gap (the host idles that long before every call, outside the timed
// region) and idle_gap_table() shows how latency moves with the gap, and, for a device clock, how
// the host's enqueue time does (a host slower after sleeping is not the GPU's clock):
//
//   auto runner = gputime::WarmupRunner(clock).warmup(20).iterations(200);
//   auto points = gputime::sweep_idle_gaps(runner, {0ms, 1ms, 10ms, 100ms}, [&] { model.forward(); });
//   std::cout << gputime::idle_gap_table(points);
//
// Bad input is refused before anything is measured: an empty list of gaps, or a negative gap
// anywhere in it, throws gputime::InvalidArgument (parameter() == "gaps", what() names the index
// and the value) before the first call, so no measurement is made and then thrown away.
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/core/error.hpp>
#include <gputime/core/host_context.hpp>
#include <gputime/measure/run_result.hpp>
#include <gputime/measure/warmup_runner.hpp>

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
/// With a device clock, an "enqueue p50" column shows the host time inside each call
/// (RunResult::enqueue) for each gap: a host that is slower after sleeping (CPU frequency
/// scaling, deep idle states) makes the event-measured latency of a call on an idle stream rise
/// too, and must not be blamed on the GPU clock. When the enqueue p50 rises by at least half as
/// much as the latency p50 (worst gap against the first), the hint says the rise is host-side.
/// A point without a steady sample (a run of one call: only its first call) shows "-" in each
/// column, and so does every ratio when the first point has none (or a p50 of 0).
/// Throws InvalidArgument (parameter "points") for an empty list.
inline std::string idle_gap_table(const std::vector<IdleGapPoint>& points) {
    if (points.empty()) throw InvalidArgument("idle_gap_table", "points", "is empty: nothing to tabulate");
    bool with_enqueue = false;
    for (const IdleGapPoint& p : points) with_enqueue = with_enqueue || p.result.enqueue.calls() > 0;
    std::string out;
    char line[200];
    std::snprintf(line, sizeof line, "%12s  %12s  %12s  %12s  %10s", "idle gap", "p50", "p99", "mean", "p50 ratio");
    out += line;
    out += with_enqueue ? "   enqueue p50\n" : "\n";
    const Stats& first = points.front().result.latency;
    const double reference = first.count() > 0 ? first.p50().count() : 0.0;
    double worst = 1.0;
    const IdleGapPoint* worst_point = nullptr;
    for (const IdleGapPoint& p : points) {
        const Stats& s = p.result.latency;
        const bool measured = s.count() > 0;
        const auto cell = [&](Duration d) { return measured ? format_duration(d) : std::string("-"); };
        std::string ratio_text = "-";
        if (measured && reference > 0.0) {
            const double ratio = s.p50().count() / reference;
            if (ratio > worst) {
                worst = ratio;
                worst_point = &p;
            }
            char ratio_buffer[32];
            std::snprintf(ratio_buffer, sizeof ratio_buffer, "%.2fx", ratio);
            ratio_text = ratio_buffer;
        }
        std::snprintf(line, sizeof line, "%12s  %12s  %12s  %12s  %10s", format_duration(Duration(p.gap)).c_str(),
                      cell(measured ? s.p50() : Duration{}).c_str(), cell(measured ? s.p99() : Duration{}).c_str(),
                      cell(measured ? s.mean() : Duration{}).c_str(), ratio_text.c_str());
        out += line;
        if (with_enqueue) {
            const Stats& e = p.result.enqueue;
            std::snprintf(line, sizeof line, "  %12s", e.count() > 0 ? format_duration(e.p50()).c_str() : "-");
            out += line;
        }
        out += "\n";
    }
    if (worst >= 1.2) {
        std::snprintf(line, sizeof line, "%.2fx", worst);
        const std::string up_to = line;
        // How much of the rise the host's own time inside the call accounts for.
        const Stats& first_enqueue = points.front().result.enqueue;
        const Stats& worst_enqueue = worst_point->result.enqueue;
        const bool enqueue_known = first_enqueue.count() > 0 && worst_enqueue.count() > 0;
        const double latency_rise = worst_point->result.latency.p50().count() - reference;
        const double enqueue_rise = enqueue_known ? worst_enqueue.p50().count() - first_enqueue.p50().count() : 0.0;
        const std::string enqueue_change =
            enqueue_known ? "(p50 " + format_duration(first_enqueue.p50()) + " at " +
                                format_duration(Duration(points.front().gap)) + ", " +
                                format_duration(worst_enqueue.p50()) + " at " +
                                format_duration(Duration(worst_point->gap)) + ")"
                          : std::string();
        if (enqueue_known && enqueue_rise >= 0.5 * latency_rise) {
            out += "hint: latency grows with the idle gap (up to " + up_to +
                   "), and so does the host's enqueue time " + enqueue_change +
                   ": the host is slower after idling (CPU frequency scaling, deep idle states), so the rise is "
                   "host-side, not the GPU clock; keep the CPU busy or pinned at a fixed frequency between calls\n";
        } else {
            out += "hint: latency grows with the idle gap (up to " + up_to +
                   "): the device likely lowers its clock between calls; report latency at the gaps your "
                   "service sees, not only back to back";
            if (enqueue_known && enqueue_rise >= 0.1 * latency_rise)
                out += " (the host's enqueue time rises too, by " + format_duration(Duration(enqueue_rise)) + " of the " +
                       format_duration(Duration(latency_rise)) + ")";
            out += "\n";
        }
    }
    return out;
}

/// The same table; when its hint finds the rise host-side, the host's own hints follow
/// (host_hints(): a CPU frequency governor other than "performance", turbo, a debug build),
/// which name the usual causes.
inline std::string idle_gap_table(const std::vector<IdleGapPoint>& points, const HostContext& host) {
    std::string out = idle_gap_table(points);
    if (out.find("so the rise is host-side") == std::string::npos) return out;
    for (const std::string& h : host_hints(host)) out += "hint: " + h + "\n";
    return out;
}

}  // namespace gputime
