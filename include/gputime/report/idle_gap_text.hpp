// SPDX-License-Identifier: MIT
// gputime/report/idle_gap_text.hpp - an idle-gap sweep (gputime::sweep_idle_gaps) as a text table:
// latency against the idle gap, with a hint saying whether the device or the host slowed down.
//
//   std::cout << gputime::to_text(points);          // or std::cout << points;
//   std::cout << gputime::to_text(points, gputime::read_host_context());   // + the host's hints
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/core/error.hpp>
#include <gputime/core/host_context.hpp>
#include <gputime/measure/idle_gap_point.hpp>
#include <gputime/report/detail/number_text.hpp>
#include <gputime/stats/stats.hpp>

#include <cstdio>
#include <iosfwd>
#include <string>
#include <type_traits>
#include <vector>

namespace gputime {

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
inline std::string to_text(const std::vector<IdleGapPoint>& points) {
    if (points.empty()) throw InvalidArgument("to_text", "points", "is empty: nothing to tabulate");
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
        std::string ratio_cell = "-";
        if (measured && reference > 0.0) {
            const double ratio = s.p50().count() / reference;
            if (ratio > worst) {
                worst = ratio;
                worst_point = &p;
            }
            ratio_cell = detail::ratio_text(ratio, 2) + "x";
        }
        std::snprintf(line, sizeof line, "%12s  %12s  %12s  %12s  %10s", format_duration(Duration(p.gap)).c_str(),
                      cell(measured ? s.p50() : Duration{}).c_str(), cell(measured ? s.p99() : Duration{}).c_str(),
                      cell(measured ? s.mean() : Duration{}).c_str(), ratio_cell.c_str());
        out += line;
        if (with_enqueue) {
            const Stats& e = p.result.enqueue;
            std::snprintf(line, sizeof line, "  %12s", e.count() > 0 ? format_duration(e.p50()).c_str() : "-");
            out += line;
        }
        out += "\n";
    }
    if (worst >= 1.2) {
        const std::string up_to = detail::ratio_text(worst, 2) + "x";
        // How much of the rise the host's own time inside the call accounts for.
        const Stats& first_enqueue = points.front().result.enqueue;
        const Stats& worst_enqueue = worst_point->result.enqueue;
        const bool enqueue_known = first_enqueue.count() > 0 && worst_enqueue.count() > 0;
        const double latency_rise = worst_point->result.latency.p50().count() - reference;
        const double enqueue_rise = enqueue_known ? worst_enqueue.p50().count() - first_enqueue.p50().count() : 0.0;
        const std::string enqueue_change = enqueue_known ? "(p50 " + format_duration(first_enqueue.p50()) + " at " +
                                                               format_duration(Duration(points.front().gap)) + ", " +
                                                               format_duration(worst_enqueue.p50()) + " at " +
                                                               format_duration(Duration(worst_point->gap)) + ")"
                                                         : std::string();
        if (enqueue_known && enqueue_rise >= 0.5 * latency_rise) {
            out += "hint: latency grows with the idle gap (up to " + up_to + "), and so does the host's enqueue time " +
                   enqueue_change +
                   ": the host is slower after idling (CPU frequency scaling, deep idle states), so the rise is "
                   "host-side, not the GPU clock; keep the CPU busy or pinned at a fixed frequency between calls\n";
        } else {
            out += "hint: latency grows with the idle gap (up to " + up_to +
                   "): the device likely lowers its clock between calls; report latency at the gaps your "
                   "service sees, not only back to back";
            if (enqueue_known && enqueue_rise >= 0.1 * latency_rise)
                out += " (the host's enqueue time rises too, by " + format_duration(Duration(enqueue_rise)) +
                       " of the " + format_duration(Duration(latency_rise)) + ")";
            out += "\n";
        }
    }
    return out;
}

/// The same table; when its hint finds the rise host-side, the host's own hints follow
/// (host_hints(): a CPU frequency governor other than "performance", turbo, a debug build),
/// which name the usual causes.
inline std::string to_text(const std::vector<IdleGapPoint>& points, const HostContext& host) {
    std::string out = to_text(points);
    if (out.find("so the rise is host-side") == std::string::npos) return out;
    for (const std::string& h : host_hints(host)) out += "hint: " + h + "\n";
    return out;
}

/// to_text(points).
template <class Ostream, class = std::enable_if_t<std::is_base_of<std::ostream, Ostream>::value>>
Ostream& operator<<(Ostream& os, const std::vector<IdleGapPoint>& points) {
    os << to_text(points);
    return os;
}

}  // namespace gputime
