// SPDX-License-Identifier: MIT
// gputime/report/detail/html/distribution_figure.hpp - the histogram of a Stats' steady samples,
// with p50 and p99 and the bands of their distribution-free confidence intervals.
//
//   html += distribution_figure(run.latency, "distribution-1");
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/report/detail/html/common.hpp>
#include <gputime/stats/percentile_interval.hpp>
#include <gputime/stats/stats.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

namespace gputime::detail::html {

inline std::string distribution_figure(const Stats& s, const std::string& id) {
    std::string fig = "<figure id=\"" + id + "\" class=\"chart-figure\"><h3>Distribution of the steady calls</h3>";
    fig += how_to_read(
        "bars count the measured calls in each duration bin (the first call is left out); the lines mark p50 and "
        "p99 and the shaded bands their 95% confidence intervals - a wide or open band means more samples are "
        "needed before quoting that number.");
    const std::size_t n = s.count();
    if (n == 0)
        return fig + "<p class=\"empty\">" +
               (s.has_first_call() ? "No steady sample: only the first call was measured." : "No steady sample.") +
               "</p></figure>";

    const std::vector<Duration>& samples = s.samples();
    const double height = 310.0;
    const svg::PlotArea area{78.0, 44.0, chart_width - 24.0, height - 50.0};
    const ValueAxis x = value_axis(s.min().count() > 0.0 ? s.min().count() : std::min(s.max().count(), 1.0),
                                   s.max().count(), area.left, area.right, false, 8);
    // About 2 sqrt(n) bins: fine enough to show the shape of a few hundred calls, bounded for millions.
    const std::size_t bins = std::min<std::size_t>(
        80, std::max<std::size_t>(10, static_cast<std::size_t>(std::ceil(2.0 * std::sqrt(static_cast<double>(n))))));
    Histogram h = make_histogram(x.scale, bins);
    for (const Duration d : samples) h.add(d.count());
    const std::size_t most = *std::max_element(h.counts.begin(), h.counts.end());
    double count_lo = 0.0;
    double count_hi = static_cast<double>(most);
    const std::vector<double> y_ticks = svg::linear_ticks(count_lo, count_hi, 5);
    const svg::Scale y{count_lo, count_hi, area.bottom, area.top, false};

    const PercentileInterval p50 = s.percentile_interval(50.0, 0.95);
    const PercentileInterval p99 = s.percentile_interval(99.0, 0.95);
    svg::Canvas c(chart_width, height, "chart-" + id, "distribution", "Histogram of the steady calls with p50 and p99");
    c.data("samples", std::to_string(n));
    c.data("bins", std::to_string(h.counts.size()));
    c.data("scale", x.scale.log ? "log" : "linear");
    c.data("p50-ns", ns_text(p50.estimate.count()));
    c.data("p99-ns", ns_text(p99.estimate.count()));

    std::vector<double> integer_ticks;
    for (const double t : y_ticks)
        if (std::fabs(t - std::round(t)) < 1e-9) integer_ticks.push_back(t);
    svg::draw_y_axis(c, area, y, integer_ticks, svg::count_label, "calls per bin");
    svg::draw_x_axis(c, area, x.scale, x.ticks, svg::tick_label, axis_title("duration of the call", x.scale));
    percentile_marker(c, area, x.scale, p50, area.top - 30.0, area.bottom, "p50");
    percentile_marker(c, area, x.scale, p99, area.top - 16.0, area.bottom, "p99");
    for (std::size_t i = 0; i < h.counts.size(); ++i) {
        if (h.counts[i] == 0) continue;
        const double x0 = x.scale(h.edge(i));
        const double x1 = x.scale(h.edge(i + 1));
        const double top = y(static_cast<double>(h.counts[i]));
        c.rect(x0 + 0.5, top, x1 - x0 - 1.0, area.bottom - top, "bar",
               format_duration(Duration{h.edge(i)}) + " to " + format_duration(Duration{h.edge(i + 1)}) + ": " +
                   std::to_string(h.counts[i]) + (h.counts[i] == 1 ? " call" : " calls"));
    }
    // Labels last, so that bars never cover them.
    marker_label(c, area, x.scale(p50.estimate.count()), area.top - 20.0, "p50 " + format_duration(p50.estimate),
                 "marker-text");
    marker_label(c, area, x.scale(p99.estimate.count()), area.top - 6.0, "p99 " + format_duration(p99.estimate),
                 "marker-text");

    fig += c.str();
    fig += "<ul class=\"legend\">" + legend_item("bar-swatch", "calls per bin") +
           legend_item("band-swatch p50", "p50 and its 95% interval") +
           legend_item("band-swatch p99", "p99 and its 95% interval") + "</ul></figure>";
    return fig;
}

}  // namespace gputime::detail::html
