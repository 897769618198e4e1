// SPDX-License-Identifier: MIT
// gputime/report/detail/html/idle_gap_figure.hpp - an idle-gap sweep as a curve: p50 (with its
// interval) and p99 against the idle gap before each call, each p50 labelled with its ratio to the
// smallest gap's; a gap of 0 stands apart, left of an axis break.
//
//   html += idle_gap_figure(points, "idle-gap-chart-1");
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/measure/idle_gap_point.hpp>
#include <gputime/report/detail/html/common.hpp>
#include <gputime/report/detail/number_text.hpp>
#include <gputime/stats/percentile_interval.hpp>

#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace gputime::detail::html {

inline std::string idle_gap_figure(const std::vector<IdleGapPoint>& points, const std::string& id) {
    std::string fig =
        "<figure id=\"" + id + "\" class=\"chart-figure\"><h3>Latency against the idle gap before each call</h3>";
    fig += how_to_read(
        "each point is a whole run with the host idle that long before every call; a curve that rises to the right "
        "means the device slows down when calls arrive spaced out (it lowers its clock), so quote the latency at "
        "the gap your service really sees.");
    struct Point {
        double gap = 0.0;
        PercentileInterval p50;
        double p99 = 0.0;
    };
    std::vector<Point> valid;
    for (const IdleGapPoint& p : points) {
        if (p.result.latency.count() == 0) continue;
        valid.push_back(Point{static_cast<double>(p.gap.count()), p.result.latency.percentile_interval(50.0, 0.95),
                              p.result.latency.p99().count()});
    }
    if (valid.empty()) return fig + "<p class=\"empty\">No point has a steady sample.</p></figure>";
    // Left to right by gap, whatever order the sweep ran in, so the lines never double back.
    std::stable_sort(valid.begin(), valid.end(), [](const Point& a, const Point& b) { return a.gap < b.gap; });

    const double height = 310.0;
    const svg::PlotArea area{78.0, 34.0, chart_width - 24.0, height - 50.0};
    // x: a log (or linear) axis over the positive gaps; a gap of 0 gets its own place at the left.
    std::vector<double> positive;
    bool has_zero = false;
    for (const Point& p : valid) {
        if (p.gap > 0.0) positive.push_back(p.gap);
        else has_zero = true;
    }
    const double zero_x = area.left + 28.0;
    svg::Scale gap_scale{1.0, 1.0, has_zero ? area.left + 110.0 : area.left + 28.0, area.right - 28.0, false};
    if (!positive.empty()) {
        gap_scale.lo = *std::min_element(positive.begin(), positive.end());
        gap_scale.hi = *std::max_element(positive.begin(), positive.end());
        gap_scale.log = svg::spans_decades(gap_scale.lo, gap_scale.hi);
    }
    if (positive.empty()) gap_scale.from = gap_scale.to = (area.left + area.right) / 2.0;
    const auto gap_x = [&](double gap) {
        if (gap > 0.0) return gap_scale(gap);
        return positive.empty() ? (area.left + area.right) / 2.0 : zero_x;
    };

    std::vector<double> values;
    for (const Point& p : valid) {
        values.push_back(p.p50.estimate.count());
        values.push_back(p.p99);
        if (!p.p50.lower_open) values.push_back(p.p50.lower.count());
        if (!p.p50.upper_open) values.push_back(p.p50.upper.count());
    }
    const auto [lo, hi] = positive_range(values);
    const ValueAxis y = value_axis(lo, hi, area.bottom, area.top, true, 6);
    const double reference = valid.front().p50.estimate.count();
    double worst = 1.0;
    for (const Point& p : valid)
        if (reference > 0.0) worst = std::max(worst, p.p50.estimate.count() / reference);

    svg::Canvas c(chart_width, height, "chart-" + id, "idle-gap", "p50 and p99 latency against the idle gap");
    c.data("points", std::to_string(valid.size()));
    c.data("gap-scale", gap_scale.log ? "log" : "linear");
    c.data("worst-ratio", fixed(worst, 3));
    svg::draw_y_axis(c, area, y.scale, y.ticks, svg::tick_label, axis_title("latency", y.scale));
    // The x axis has a tick at each measured gap: the gaps are the caller's choice, not round numbers.
    c.line(area.left, area.bottom, area.right, area.bottom, "axis");
    for (const Point& p : valid) {
        const double px = gap_x(p.gap);
        c.line(px, area.top, px, area.bottom, "grid");
        c.line(px, area.bottom, px, area.bottom + 4.0, "axis");
        c.text(px, area.bottom + 17.0, p.gap > 0.0 ? svg::tick_label(p.gap) : std::string("0"), "tick", "middle");
    }
    if (has_zero && !positive.empty()) {
        // An axis break: 0 has no place on a log axis (nor at its true distance on a linear one
        // that does not start at 0), so it stands apart, left of the break.
        const double bx = (zero_x + gap_scale.from) / 2.0;
        c.rect(bx - 4.0, area.bottom - 6.0, 8.0, 12.0, "axis-break");
        c.line(bx - 7.0, area.bottom + 5.0, bx - 1.0, area.bottom - 5.0, "axis");
        c.line(bx + 1.0, area.bottom + 5.0, bx + 7.0, area.bottom - 5.0, "axis");
    }
    std::string gap_title = "idle gap before each call";
    const bool log_gaps = gap_scale.log && !positive.empty();
    if (log_gaps || has_zero)
        gap_title += std::string(" (") + (log_gaps ? "log scale" : "") + (log_gaps && has_zero ? "; " : "") +
                     (has_zero ? "0 = back to back" : "") + ")";
    c.text((area.left + area.right) / 2.0, area.bottom + 36.0, gap_title, "axis-title", "middle");

    // The p50's interval as a band (an open side falls back to the estimate), then the lines.
    if (valid.size() >= 2) {
        std::vector<std::pair<double, double>> band;
        band.reserve(2 * valid.size());
        for (const Point& p : valid)
            band.emplace_back(gap_x(p.gap), y.scale(p.p50.upper_open ? p.p50.estimate.count() : p.p50.upper.count()));
        for (auto it = valid.rbegin(); it != valid.rend(); ++it)
            band.emplace_back(gap_x(it->gap),
                              y.scale(it->p50.lower_open ? it->p50.estimate.count() : it->p50.lower.count()));
        c.polygon(band, "band band-p50");
    }
    svg::PathBuilder p50_line, p99_line;
    for (std::size_t i = 0; i < valid.size(); ++i) {
        const double px = gap_x(valid[i].gap);
        if (i == 0) {
            p50_line.move_to(px, y.scale(valid[i].p50.estimate.count()));
            p99_line.move_to(px, y.scale(valid[i].p99));
        } else {
            p50_line.line_to(px, y.scale(valid[i].p50.estimate.count()));
            p99_line.line_to(px, y.scale(valid[i].p99));
        }
    }
    c.path(p99_line, "series-p99");
    c.path(p50_line, "series-p50");
    for (const Point& p : valid) {
        const double px = gap_x(p.gap);
        const std::string gap_text = p.gap > 0.0 ? format_duration(Duration{p.gap}) : std::string("0");
        c.circle(px, y.scale(p.p99), 3.0, "dot-p99",
                 "idle gap " + gap_text + ": p99 " + format_duration(Duration{p.p99}));
        const double py = y.scale(p.p50.estimate.count());
        c.circle(px, py, 4.0, "dot-p50",
                 "idle gap " + gap_text + ": p50 " + format_duration(p.p50.estimate) + ", " + interval_text(p.p50));
        if (reference > 0.0)
            c.text(px, py + 18.0, detail::ratio_text(p.p50.estimate.count() / reference, 2) + "x", "ratio", "middle");
    }
    fig += c.str();
    fig += "<ul class=\"legend\">" + legend_item("line-swatch p50", "p50 (and its 95% interval)") +
           legend_item("line-swatch p99", "p99") +
           "<li>numbers under the p50 points: p50 relative to the smallest gap</li></ul>";
    if (worst >= 1.2)
        fig += "<p class=\"verdict-text warn\">" +
               svg::escaped("Latency grows with the idle gap (up to " + detail::ratio_text(worst, 2) + "x" +
                            "): the device likely lowers its clock between calls. Report the latency at the gaps "
                            "your service sees, not only back to back.") +
               "</p>";
    return fig + "</figure>";
}

}  // namespace gputime::detail::html
