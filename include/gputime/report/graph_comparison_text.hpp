// SPDX-License-Identifier: MIT
// gputime/report/graph_comparison_text.hpp - eager calls against CUDA graph replays
// (gputime::compare_eager_and_graph) as text: side by side, with what the graph saves.
//
//   std::cout << both;   // = gputime::to_text(both)
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/cuda/graph_comparison.hpp>
#include <gputime/measure/run_result.hpp>
#include <gputime/report/detail/number_text.hpp>
#include <gputime/stats/stats.hpp>

#include <cstdio>
#include <iosfwd>
#include <string>
#include <type_traits>

namespace gputime {

namespace detail {
inline std::string graph_row(const char* label, const std::string& eager, const std::string& graph,
                             const std::string& note) {
    char line[96];
    std::snprintf(line, sizeof line, "  %-14s %12s %12s", label, eager.c_str(), graph.c_str());
    return std::string(line) + (note.empty() ? "" : "   " + note) + "\n";
}
inline std::string stat_or_dash(const Stats& s, Duration (Stats::*read)() const) {
    return s.count() > 0 ? format_duration((s.*read)()) : std::string("-");
}
}  // namespace detail

/// Eager calls and graph replays side by side: first call, p50, p99, mean, host time per call,
/// what the graph saves, and the capture's one-time cost.
inline std::string to_text(const GraphComparison& c) {
    const Stats& e = c.eager.latency;
    const Stats& g = c.graph.latency;
    std::string out = "gputime: " + (c.name.empty() ? std::string("work") : c.name) +
                      ": eager calls vs CUDA graph replays (" + (c.eager.device_timed ? "device time" : "host time") +
                      ", " + (c.eager.mode == RunMode::latency ? "latency mode" : "throughput mode") + ")\n";
    out += detail::graph_row("", "eager", "graph", "");
    out += detail::graph_row("first call", e.has_first_call() ? format_duration(e.first_call()) : "-",
                             g.has_first_call() ? format_duration(g.first_call()) : "-",
                             "a graph's first launch also uploads it");
    std::string ratio = "-";
    if (e.count() > 0 && g.count() > 0)
        ratio = "graph/eager " + detail::ratio_text(c.ratio_p50(), 2) + "x, saves " + format_duration(c.saved_p50()) +
                " per call";
    out += detail::graph_row("p50", detail::stat_or_dash(e, &Stats::p50), detail::stat_or_dash(g, &Stats::p50), ratio);
    out += detail::graph_row("p99", detail::stat_or_dash(e, &Stats::p99), detail::stat_or_dash(g, &Stats::p99), "");
    out += detail::graph_row("mean", detail::stat_or_dash(e, &Stats::mean), detail::stat_or_dash(g, &Stats::mean), "");
    out += detail::graph_row("enqueue p50", detail::stat_or_dash(c.eager.enqueue, &Stats::p50),
                             detail::stat_or_dash(c.graph.enqueue, &Stats::p50), "host time inside a call");
    out += detail::graph_row("calls", std::to_string(e.count()), std::to_string(g.count()), "measured");
    out += "  capture + instantiation: " + format_duration(c.capture) + " of host time, once\n";
    return out;
}

/// Prints to_text(c).
template <class Ostream, class = std::enable_if_t<std::is_base_of<std::ostream, Ostream>::value>>
Ostream& operator<<(Ostream& os, const GraphComparison& c) {
    os << to_text(c);
    return os;
}

}  // namespace gputime
