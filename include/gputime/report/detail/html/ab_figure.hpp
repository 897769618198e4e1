// SPDX-License-Identifier: MIT
// gputime/report/detail/html/ab_figure.hpp - an A/B comparison: the variants' distributions on one
// shared axis, a row each with its p50 and interval, the library's verdicts and a table.
//
//   html += ab_figure(comparison, "ab-chart-1");
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/measure/comparison.hpp>
#include <gputime/report/comparison_text.hpp>
#include <gputime/report/detail/html/common.hpp>
#include <gputime/report/detail/number_text.hpp>
#include <gputime/stats/percentile_interval.hpp>

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

namespace gputime::detail::html {

// The colour of a verdict: FASTER and SLOWER stand out, every other verdict reads as no news.
inline const char* verdict_class(Verdict v) {
    if (v == Verdict::faster) return "faster";
    if (v == Verdict::slower) return "slower";
    return "same";
}

inline std::string ab_figure(const Comparison& r, const std::string& id) {
    std::string fig = "<figure id=\"" + id + "\" class=\"chart-figure\"><h3>Distributions side by side</h3>";
    fig += how_to_read(
        "each row is one variant's steady durations on the same axis (bar heights relative to the row's tallest "
        "bin), its p50 marked with the 95% interval; the verdict below says whether a difference is both "
        "significant and at least the minimum effect.");
    const std::size_t k = r.variants.size();
    std::vector<double> values;
    std::size_t widest = 0;
    for (const VariantTiming& v : r.variants) {
        widest = std::max(widest, svg::char_count(v.name));
        if (v.latency.count() == 0) continue;
        values.push_back(v.latency.min().count());
        values.push_back(v.latency.max().count());
    }
    if (values.empty()) return fig + "<p class=\"empty\">No variant has a steady sample.</p></figure>";

    const double left = std::min(240.0, std::max(110.0, 20.0 + char_width * static_cast<double>(widest)));
    const double row_height = 74.0;
    const double height = 20.0 + row_height * static_cast<double>(k) + 52.0;
    const svg::PlotArea area{left, 20.0, chart_width - 24.0, 20.0 + row_height * static_cast<double>(k)};
    const auto [lo, hi] = positive_range(values);
    const ValueAxis x = value_axis(lo, hi, area.left, area.right, false, 8);

    svg::Canvas c(chart_width, height, "chart-" + id, "ab", "Steady durations of each variant on one axis");
    c.data("variants", std::to_string(k));
    std::string verdicts;
    for (const Contrast& contrast : r.contrasts)
        verdicts += (verdicts.empty() ? "" : ",") + std::string(to_string(contrast.verdict));
    c.data("verdicts", verdicts);
    c.data("scale", x.scale.log ? "log" : "linear");
    svg::draw_x_axis(c, area, x.scale, x.ticks, svg::tick_label, axis_title("duration of the call", x.scale));
    const std::size_t max_chars = static_cast<std::size_t>((left - 20.0) / char_width + 1e-6);
    for (std::size_t i = 0; i < k; ++i) {
        const VariantTiming& v = r.variants[i];
        const double row_top = area.top + row_height * static_cast<double>(i);
        const double base = row_top + row_height - 8.0;
        const double bar_top = row_top + 12.0;
        if (i > 0) c.line(area.left, row_top, area.right, row_top, "grid");
        const Contrast* contrast = nullptr;
        for (const Contrast& candidate : r.contrasts)
            if (candidate.variant == i) contrast = &candidate;
        c.begin_group("variant-row", v.name + ": " + std::to_string(v.latency.count()) + " steady calls");
        c.text(area.left - 8.0, row_top + row_height / 2.0, svg::truncated(v.name, max_chars > 4 ? max_chars : 4),
               "row-label", "end");
        const std::string sub = i == 0 ? std::string("baseline")
                                : contrast != nullptr
                                    ? detail::ratio_text(contrast->ratio) + "x " + verdict_label(*contrast)
                                    : std::string();
        c.text(
            area.left - 8.0, row_top + row_height / 2.0 + 16.0, sub,
            contrast != nullptr ? std::string("row-sub ") + verdict_class(contrast->verdict) : std::string("row-sub"),
            "end");
        if (v.latency.count() == 0) {
            c.text(area.left + 8.0, row_top + row_height / 2.0, "no steady sample", "value muted");
            c.end_group();
            continue;
        }
        Histogram h = make_histogram(x.scale, 48);
        for (const Duration d : v.latency.samples()) h.add(d.count());
        const double most = static_cast<double>(*std::max_element(h.counts.begin(), h.counts.end()));
        const PercentileInterval p50 = v.latency.percentile_interval(50.0, 0.95);
        percentile_marker(c, area, x.scale, p50, row_top + 4.0, base, "p50");
        for (std::size_t b = 0; b < h.counts.size(); ++b) {
            if (h.counts[b] == 0) continue;
            const double x0 = x.scale(h.edge(b));
            const double x1 = x.scale(h.edge(b + 1));
            const double top = base - (base - bar_top) * static_cast<double>(h.counts[b]) / most;
            c.rect(x0 + 0.5, top, x1 - x0 - 1.0, base - top, i == 0 ? "bar" : "bar bar-b",
                   format_duration(Duration{h.edge(b)}) + " to " + format_duration(Duration{h.edge(b + 1)}) + ": " +
                       std::to_string(h.counts[b]) + (h.counts[b] == 1 ? " call" : " calls"));
        }
        marker_label(c, area, x.scale(p50.estimate.count()), row_top + 12.0, "p50 " + format_duration(p50.estimate),
                     "marker-text");
        c.end_group();
    }
    fig += c.str();
    fig += "<ul class=\"legend\">" + legend_item("bar-swatch", "baseline") + legend_item("bar-swatch b", "candidate") +
           legend_item("band-swatch p50", "p50 and its 95% interval") + "</ul>";
    fig += "<ul class=\"verdicts\">";
    for (const Contrast& contrast : r.contrasts)
        fig += "<li class=\"verdict " + std::string(verdict_class(contrast.verdict)) + "\"><span class=\"badge\">" +
               to_string(contrast.verdict) + "</span> " + svg::escaped(to_text(contrast)) + "</li>";
    fig += "</ul>";
    fig +=
        "<table class=\"numbers\"><thead><tr><th>variant</th><th>p50</th><th>p99</th><th>first call</th>"
        "<th>steady samples</th></tr></thead><tbody>";
    for (const VariantTiming& v : r.variants) {
        const bool steady = v.latency.count() > 0;
        fig += "<tr><td>" + svg::escaped(v.name) + "</td><td>" + (steady ? format_duration(v.latency.p50()) : "-") +
               "</td><td>" + (steady ? format_duration(v.latency.p99()) : "-") + "</td><td>" +
               (v.latency.has_first_call() ? format_duration(v.latency.first_call()) : "-") + "</td><td>" +
               std::to_string(v.latency.count()) + "</td></tr>";
    }
    return fig + "</tbody></table></figure>";
}

}  // namespace gputime::detail::html
