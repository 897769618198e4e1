// SPDX-License-Identifier: MIT
// gputime/report/text.hpp - readable text for Stats and RunResult, and the hints that come with it.
//
//   std::cout << stats;    std::cout << result;    // = gputime::to_text(stats), to_text(result)
// Units are scaled per number (ns/us/ms/s), labels aligned; hints name what makes a number
// untrustworthy, with the threshold other tools use (nanobench, trtexec, MLPerf).
// Any Stats or RunResult prints, including ones built by hand: statistics without a sample are
// left out ("no samples"), the T(N) model needs a first call and a steady sample, and a NaN or
// infinite duration prints as format_duration() writes it ("n/a", "inf"). Nothing here throws
// except what reading a Stats throws (a parked GPU error).
// Statistics are named, and their values printed, as gputime/stats/statistic_catalogue.hpp says, so the
// text report, the tables, JSON and CSV agree on every name and unit; percentages as
// gputime/report/detail/number_text.hpp writes them everywhere.
// The text of the other results: comparison_text.hpp, idle_gap_text.hpp, layer_table.hpp,
// graph_comparison_text.hpp, gated_text.hpp and telemetry_text.hpp, all in this folder.
#pragma once

#include <gputime/core/default_stream.hpp>
#include <gputime/core/duration.hpp>
#include <gputime/measure/run_result.hpp>
#include <gputime/report/detail/number_text.hpp>
#include <gputime/stats/percentile_interval.hpp>
#include <gputime/stats/statistic_catalogue.hpp>
#include <gputime/stats/stats.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <initializer_list>
#include <iosfwd>
#include <string>
#include <type_traits>
#include <vector>

namespace gputime {

namespace detail {
inline std::string labelled(const char* label, const std::string& text) {
    char head[24];
    std::snprintf(head, sizeof head, "  %-12s ", label);
    return head + text + "\n";
}
inline std::string per_second(double value) {
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%.1f calls/s", value);
    return buffer;
}
// Two decimals, as the hints write a percentage (also used by gputime/integrations/testing.hpp).
inline std::string percent(double fraction) { return percent_text(fraction, 2); }
// "mean 1.325 ms   stddev 25.06 us   err% 0.00%": each statistic's heading and value, as the
// catalogue names and formats them.
inline std::string statistic_run(const Stats& s, std::initializer_list<Statistic> statistics) {
    std::string out;
    for (const Statistic statistic : statistics) {
        if (!out.empty()) out += "   ";
        out += statistic_info(statistic)->heading;
        out += ' ';
        out += format_statistic(statistic, statistic_value(s, statistic));
    }
    return out;
}
inline std::string interval_text(const PercentileInterval& i);
inline std::string stats_lines(const Stats& s) {
    std::string out;
    if (s.has_first_call()) {
        std::string first = format_statistic(Statistic::first_call, statistic_value(s, Statistic::first_call));
        if (s.first_call_count() > 1) first += " (mean of " + std::to_string(s.first_call_count()) + " first calls)";
        if (s.count() > 0) {
            const Statistic overhead = Statistic::first_call_overhead;
            first += "   overhead " + format_statistic(overhead, statistic_value(s, overhead)) + " over steady p50";
        }
        out += labelled(statistic_info(Statistic::first_call)->heading, first);
    }
    if (s.count() == 0) return out + labelled("steady", "no samples");
    out += labelled("steady", std::to_string(s.count()) + " samples   " +
                                  statistic_run(s, {Statistic::mean, Statistic::stddev, Statistic::mdape}));
    out += labelled("", statistic_run(s, {Statistic::min, Statistic::p50, Statistic::p90, Statistic::p99,
                                          Statistic::p999, Statistic::max}));
    out += labelled("intervals", interval_text(s.percentile_interval(50.0, 0.95)) + "   " +
                                     interval_text(s.percentile_interval(99.0, 0.95)) + "   at 95%");
    return out;
}
// "p99 2.080 ms [2.010, 2.350 ms]"; an open side reads "open": too few samples to bound it.
inline std::string interval_text(const PercentileInterval& i) {
    char p[16];
    std::snprintf(p, sizeof p, "p%g", i.p);
    return std::string(p) + " " + format_duration(i.estimate) + " [" +
           (i.lower_open ? std::string("open") : format_duration(i.lower)) + ", " +
           (i.upper_open ? std::string("open") : format_duration(i.upper)) + "]";
}
// "+-0.83%", or "unbounded" for an open interval.
inline std::string half_width_text(const PercentileInterval& i) {
    if (!i.bounded()) return "unbounded";
    return "+-" + percent(i.relative_half_width());
}
}  // namespace detail

/// Warnings about a result; empty when nothing looks wrong.
inline std::vector<std::string> hints(const RunResult& r) {
    std::vector<std::string> out;
    const Stats& s = r.latency;
    if (s.count() == 0) return out;
    if (s.count() < 100)
        out.push_back("only " + std::to_string(s.count()) +
                      " measured calls: p99 of fewer than 100 samples is simply the maximum");
    if (s.mdape() >= 0.05)  // nanobench warns at err% >= 5%
        out.push_back("unstable: median absolute deviation is " + detail::percent(s.mdape()) +
                      " of the median; close other work, pin clocks, or measure longer");
    if (r.device_timed && r.enqueue.count() > 0 && r.enqueue.p50().count() > 0.8 * s.p50().count()) {
        // Past about a thousand pending launches a launch blocks the host until the device makes
        // room, so in throughput mode enqueue time follows device time once the queue is full.
        // The first calls, issued into the queue the warm-up left empty, show the host's own cost.
        // Their median (as doubles: one std::sort instantiation shared with the warm-up detection).
        const std::vector<Duration>& issued = r.enqueue.samples();
        double first[8] = {};
        const std::size_t n_first = std::min<std::size_t>(8, issued.size());
        for (std::size_t i = 0; i < n_first; ++i) first[i] = issued[i].count();
        std::sort(first, first + n_first);
        const Duration unblocked = n_first == 0 ? r.enqueue.p50() : Duration{first[(n_first - 1) / 2]};
        if (r.mode == RunMode::throughput && unblocked.count() <= 0.8 * s.p50().count())
            out.push_back("launch queue full: the first calls took " + format_duration(unblocked) +
                          " to issue, later ones " + format_duration(r.enqueue.p50()) +
                          ": the host waited inside launches for room in the launch queue, so the device, not the "
                          "host, sets the pace");
        else
            out.push_back("enqueue-bound: the host needs " + format_duration(r.enqueue.p50()) +
                          " to issue a call that runs " + format_duration(s.p50()) +
                          " on the device; host overhead, not the GPU, sets the pace");
    }
    // cudaEventElapsedTime resolves about 0.5 us: under 10 ticks, rounding is up to a tenth of a sample.
    if (r.device_timed && s.p50().count() < 10 * 500.0)
        out.push_back("near the event resolution: a p50 of " + format_duration(s.p50()) +
                      " is under 10 ticks of CUDA events' ~0.5 us resolution, so each sample is rounded by up to 10%; "
                      "time several calls per sample (a loop inside the timed callable) or replay the work as a CUDA "
                      "graph (gputime/cuda/graph_timing.hpp)");
    if (!r.warmup.empty() && r.warmup.size() > 1 && r.warmup.back().count() > 1.2 * s.p50().count())
        out.push_back("warm-up may be too short: its last call took " + format_duration(r.warmup.back()) +
                      " against a steady p50 of " + format_duration(s.p50()));
    // MSER-5 over the whole run sees the transient end after the warm-up did: measured calls
    // still belonged to it. MSER-5 places the end to a batch of 5 calls, hence the slack.
    const std::size_t warm_calls = r.warmup.empty() ? 1 : r.warmup.size();
    if (r.transient.conclusive && r.transient.steady_from > warm_calls + 5)
        out.push_back("the warm-up transient lasted until call " + std::to_string(r.transient.steady_from) +
                      " (MSER-5) but the warm-up ended after " + std::to_string(warm_calls) +
                      "; use warmup_auto() or a longer warm-up");
    // warmup_auto() could not show the calls steady before its limit: a slow decay, an
    // oscillation still going on, or scatter that needs more calls to tell.
    if (r.settings.warmup_rule == WarmupRule::mser5 && !r.warmup_settled && !r.warmup.empty())
        out.push_back("warm-up not settled: warmup_auto() stopped at its limit after " +
                      std::to_string(r.warmup.size()) +
                      " calls without showing the latency steady; the steady numbers may still hold the transient "
                      "(raise max_calls, or look at the warm-up calls)");
    // Over the whole run the rule could not place the end of the transient (runs of 40 calls
    // or fewer are too short for it to tell, and are not flagged).
    const std::size_t run_calls = r.warmup.size() + s.count();
    if (!r.transient.conclusive && r.complete && run_calls > 40)
        out.push_back("transient not settled: over all " + std::to_string(run_calls) +
                      " calls of the run, no point was found after which the latency is shown steady "
                      "(warmup_end_of); a transient or drift may reach into the measured calls");
    const PercentileInterval p99 = s.percentile_interval(99.0, 0.95);
    if (p99.upper_open && s.count() >= 100)
        out.push_back("p99 has no upper bound at 95% confidence: " + std::to_string(samples_needed(99.0, 0.95)) +
                      " samples close it, this run has " + std::to_string(s.count()));
    const PercentileInterval p50 = s.percentile_interval(50.0, 0.95);
    if (p50.bounded() && p50.relative_half_width() > 0.05)
        out.push_back("the median is known only to " + detail::half_width_text(p50) +
                      " at 95% confidence; measure longer (until_precise()) before comparing numbers");
    if (r.legacy_default_stream) out.push_back(legacy_default_stream_hint());
    if (r.stop_reason == StopReason::time_limit || r.stop_reason == StopReason::sample_limit)
        out.push_back(std::string("the precision target was not reached: the run stopped at its ") +
                      to_string(r.stop_reason));
    return out;
}

/// A Stats: the first call, then the steady samples' statistics and the intervals of p50 and p99.
inline std::string to_text(const Stats& s) { return detail::stats_lines(s); }

/// A run: how it was measured, its calls, the statistics, the T(N) model and the hints.
inline std::string to_text(const RunResult& r) {
    std::string out = "gputime: " + (r.name.empty() ? std::string("run") : r.name) + "  (" +
                      (r.device_timed ? "device time" : "host time") + ", " +
                      (r.mode == RunMode::latency ? "latency mode: one synchronisation per call"
                                                  : "throughput mode: calls back to back") +
                      (r.complete ? "" : ", INTERRUPTED: the callable threw") + ")\n";
    // Without warm-up the first measured call is latency's first call; with warm-up that first
    // call is the first warm-up call, not a measured one.
    const std::size_t measured = r.warmup.empty() ? r.latency.calls() : r.latency.count();
    out += detail::labelled("calls",
                            std::to_string(r.warmup.size()) + " warm-up + " + std::to_string(measured) + " measured");
    if (!r.warmup.empty()) {
        std::string rule;
        if (r.settings.warmup_rule == WarmupRule::mser5)
            rule = r.warmup_settled ? ", ended by MSER-5 when the transient was over"
                                    : ", MSER-5 saw no end before its limit";
        else if (r.settings.warmup_rule == WarmupRule::window_median)
            rule =
                r.warmup_settled ? ", ended when the timings settled" : ", the timings did not settle before the limit";
        else if (r.settings.warmup_rule == WarmupRule::time_budget)
            rule = ", a " + format_duration(Duration(r.settings.warmup_time)) + " budget";
        out += detail::labelled("warm-up", std::to_string(r.warmup.size()) + " calls, " +
                                               format_duration(r.warmup_total()) + " in all" + rule);
    }
    if (r.settings.target && r.target_interval) {
        const PrecisionTarget& t = *r.settings.target;
        const std::string target = "+-" + detail::percent_text(t.relative_half_width, 2);
        out += detail::labelled(
            "stopped", std::string(to_string(r.stop_reason)) + ": " + detail::interval_text(*r.target_interval) + ", " +
                           detail::half_width_text(*r.target_interval) + " (target " + target + ") at " +
                           detail::percent(t.confidence) + " after " + format_duration(r.wall));
    }
    out += detail::stats_lines(r.latency);
    if (r.enqueue.count() > 0)
        out += detail::labelled("enqueue", "p50 " + format_duration(r.enqueue.p50()) + "   p99 " +
                                               format_duration(r.enqueue.p99()) + "   (host time inside the call)");
    if (r.latency.count() > 0) {
        out += detail::labelled("throughput", detail::per_second(r.throughput_per_second()) + " at the mean latency");
    }
    if (r.latency.count() > 0 && r.latency.has_first_call()) {  // the model needs both
        const std::size_t n = r.calls_in_order().size();
        out += detail::labelled("model", "T(N) = first + (N-1) * p50: T(" + std::to_string(n) + ") predicted " +
                                             format_duration(r.predicted_total(n)) + ", measured " +
                                             format_duration(r.measured_total(n)));
    }
    for (const std::string& h : hints(r)) out += "  hint: " + h + "\n";
    return out;
}

// Templates on the stream, so that this header needs only <iosfwd>: the body is compiled where
// it is used, with the caller's stream (and its <ostream>).
/// Prints to_text(s).
template <class Ostream, class = std::enable_if_t<std::is_base_of<std::ostream, Ostream>::value>>
Ostream& operator<<(Ostream& os, const Stats& s) {
    os << to_text(s);
    return os;
}
/// Prints to_text(r).
template <class Ostream, class = std::enable_if_t<std::is_base_of<std::ostream, Ostream>::value>>
Ostream& operator<<(Ostream& os, const RunResult& r) {
    os << to_text(r);
    return os;
}

}  // namespace gputime
