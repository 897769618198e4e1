// SPDX-License-Identifier: MIT
// gputime/report/detail/html/run_numbers.hpp - the numbers of a run as an HTML table beside its
// charts: calls, first call, steady percentiles with their intervals, spread, throughput, T(N).
//
//   html += numbers_table(run);
//
// Statistics are named and written as the catalogue says (gputime/stats/statistic_catalogue.hpp),
// as in the text report: err% reads "5.48%" here and in the hints alike.
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/measure/run_result.hpp>
#include <gputime/report/detail/html/common.hpp>
#include <gputime/stats/statistic_catalogue.hpp>
#include <gputime/stats/stats.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace gputime::detail::html {

inline std::string numbers_table(const RunResult& run) {
    const Stats& s = run.latency;
    std::string t = "<table class=\"numbers\"><tbody>";
    const auto row = [&t](std::string_view what, const std::string& value, const std::string& note = {}) {
        t += "<tr><th scope=\"row\">" + svg::escaped(what) + "</th><td>" + svg::escaped(value) +
             "</td><td class=\"note\">" + svg::escaped(note) + "</td></tr>";
    };
    const std::size_t measured = run.warmup.empty() ? s.calls() : s.count();
    row("calls", std::to_string(run.warmup.size()) + " warm-up + " + std::to_string(measured) + " measured",
        run.warmup.empty() ? std::string() : "warm-up " + format_duration(run.warmup_total()) + " in all");
    if (s.has_first_call())
        row("first call", format_duration(s.first_call()),
            s.count() > 0 ? "overhead " + format_duration(s.first_call_overhead()) + " over the steady p50" : "");
    if (s.count() > 0) {
        // Every percentile of the catalogue, each with its confidence interval.
        for (const StatisticInfo& info : statistic_catalogue) {
            if (info.percentile < 0.0) continue;
            row(std::string("steady ") + info.heading,
                format_statistic(info.statistic, statistic_value(s, info.statistic)),
                interval_text(s.percentile_interval(info.percentile, 0.95)));
        }
        row("min / max", format_duration(s.min()) + " / " + format_duration(s.max()), "");
        // Spread as the catalogue writes it, so err% reads the same here as in the hints.
        row("mean", format_duration(s.mean()),
            "stddev " + format_statistic(Statistic::stddev, statistic_value(s, Statistic::stddev)) + ", " +
                statistic_info(Statistic::mdape)->heading + " " +
                format_statistic(Statistic::mdape, statistic_value(s, Statistic::mdape)));
        row("throughput", fixed(run.throughput_per_second(), 1) + " calls/s", "at the mean latency");
    }
    if (run.enqueue.count() > 0) row("enqueue p50", format_duration(run.enqueue.p50()), "host time inside the call");
    if (s.count() > 0 && s.has_first_call()) {
        const std::size_t all = run.calls_in_order().size();
        row("T(N) model", "T(" + std::to_string(all) + ") predicted " + format_duration(run.predicted_total(all)),
            "measured " + format_duration(run.measured_total(all)) + "; T(N) = first + (N-1) * p50");
    }
    return t + "</tbody></table>";
}

}  // namespace gputime::detail::html
