// gputime/report.hpp - readable text for Stats and RunResult, and the hints that come with it.
//
//   std::cout << stats;    std::cout << result;
// Units are scaled per number (ns/us/ms/s), labels aligned; hints name what makes a number
// untrustworthy, with the threshold other tools use (nanobench, trtexec, MLPerf).
// Any Stats or RunResult prints, including ones built by hand: statistics without a sample are
// left out ("no samples"), the T(N) model needs a first call and a steady sample, and a NaN or
// infinite duration prints as format_duration() writes it ("n/a", "inf"). Nothing here throws
// except what reading a Stats throws (a parked GPU error).
// Statistics are named, and their values printed, as gputime/statistic_catalogue.hpp says, so the
// text report, the tables, JSON and CSV agree on every name and unit.
#pragma once

#include <gputime/duration.hpp>
#include <gputime/run_result.hpp>
#include <gputime/statistic_catalogue.hpp>
#include <gputime/stats.hpp>

#include <cstddef>
#include <cstdio>
#include <initializer_list>
#include <ostream>
#include <string>
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
inline std::string percent(double fraction) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f%%", fraction * 100.0);
    return buffer;
}
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
    return out;
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
    if (r.device_timed && r.enqueue.count() > 0 && r.enqueue.p50().count() > 0.8 * s.p50().count())
        out.push_back("enqueue-bound: the host needs " + format_duration(r.enqueue.p50()) + " to issue a call that runs " +
                      format_duration(s.p50()) + " on the device; host overhead, not the GPU, sets the pace");
    if (!r.warmup.empty() && r.warmup.size() > 1 && r.warmup.back().count() > 1.2 * s.p50().count())
        out.push_back("warm-up may be too short: its last call took " + format_duration(r.warmup.back()) +
                      " against a steady p50 of " + format_duration(s.p50()));
    return out;
}


inline std::ostream& operator<<(std::ostream& os, const Stats& s) { return os << detail::stats_lines(s); }

inline std::ostream& operator<<(std::ostream& os, const RunResult& r) {
    os << "gputime: " << (r.name.empty() ? std::string("run") : r.name) << "  ("
       << (r.device_timed ? "device time" : "host time") << ", "
       << (r.mode == RunMode::latency ? "latency mode: one synchronisation per call"
                                      : "throughput mode: calls back to back")
       << (r.complete ? "" : ", INTERRUPTED: the callable threw") << ")\n";
    // Without warm-up the first measured call is latency's first call; with warm-up that first
    // call is the first warm-up call, not a measured one.
    const std::size_t measured = r.warmup.empty() ? r.latency.calls() : r.latency.count();
    os << detail::labelled("calls", std::to_string(r.warmup.size()) + " warm-up + " + std::to_string(measured) +
                                        " measured");
    if (!r.warmup.empty())
        os << detail::labelled("warm-up", std::to_string(r.warmup.size()) + " calls, " +
                                              format_duration(r.warmup_total()) + " in all" +
                                              (r.warmup_settled ? ", ended when the timings settled" : ""));
    os << detail::stats_lines(r.latency);
    if (r.enqueue.count() > 0)
        os << detail::labelled("enqueue", "p50 " + format_duration(r.enqueue.p50()) + "   p99 " +
                                              format_duration(r.enqueue.p99()) + "   (host time inside the call)");
    if (r.latency.count() > 0) {
        os << detail::labelled("throughput", detail::per_second(r.throughput_per_second()) + " at the mean latency");
    }
    if (r.latency.count() > 0 && r.latency.has_first_call()) {  // the model needs both
        const std::size_t n = r.calls_in_order().size();
        os << detail::labelled("model", "T(N) = first + (N-1) * p50: T(" + std::to_string(n) + ") predicted " +
                                            format_duration(r.predicted_total(n)) + ", measured " +
                                            format_duration(r.measured_total(n)));
    }
    for (const std::string& h : hints(r)) os << "  hint: " << h << "\n";
    return os;
}

}  // namespace gputime
