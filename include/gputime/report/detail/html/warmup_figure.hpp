// SPDX-License-Identifier: MIT
// gputime/report/detail/html/warmup_figure.hpp - the warm-up transient of a run: every call in
// order, the first call circled, where the warm-up count ended and where MSER-5 places the end of
// the transient (gputime/stats/warmup_detection.hpp).
//
//   html += warmup_figure(run, run.calls_in_order(), mser5_truncation_of(calls), "warmup-1");
//
// How the calls are drawn depends on how many there are, and the sentence and the legend say
// what is drawn: a dot per call up to 400 calls (joined by a line), only the line up to 2000,
// beyond that a stroke per bin of calls (fastest to slowest) and a line through the bins'
// medians. Where the transient ends is quoted as MSER-5's steady_from, the number of calls
// before the steady state (the JSON's "transient.steady_from"): "transient over after call N".
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/measure/run_result.hpp>
#include <gputime/report/detail/html/common.hpp>
#include <gputime/stats/warmup_detection.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace gputime::detail::html {

inline std::string warmup_figure(const RunResult& run, const std::vector<Duration>& calls, const WarmupTruncation& mser,
                                 const std::string& id) {
    std::string fig =
        "<figure id=\"" + id + "\" class=\"chart-figure\"><h3>Warm-up transient: every call in order</h3>";
    const std::size_t n = calls.size();
    const bool binned = n > 2000;  // beyond that, even a line merges into a band: bins instead
    const bool dotted = n <= 400;  // beyond that, dots would merge: the line alone
    fig += how_to_read(
        std::string(binned   ? "each vertical stroke is a bin of consecutive calls (its fastest to slowest, the line "
                               "through their medians), in the order they ran"
                    : dotted ? "each dot is one call in the order it ran"
                             : "the line joins every call in the order it ran (too many calls for a dot each)") +
        ", warm-up calls first (on the shaded background); the first call is circled, the solid line is where the "
        "fixed warm-up count ended and the dashed line where MSER-5 finds the transient over - measured calls left "
        "of the dashed line are still warming up.");
    if (calls.empty()) return fig + "<p class=\"empty\">Nothing was measured.</p></figure>";

    const std::size_t warm = std::min(run.warmup.size(), n);
    const double height = 330.0;
    const svg::PlotArea area{78.0, 44.0, chart_width - 24.0, height - 50.0};
    svg::Canvas c(chart_width, height, "chart-" + id, "warmup", "Duration of every call, in order, first call first");
    c.data("calls", std::to_string(n));
    c.data("warmup-calls", std::to_string(warm));
    c.data("first-call-ns", ns_text(calls.front().count()));
    c.data("mser5-steady-from", mser.conclusive ? std::to_string(mser.steady_from) : std::string("none"));

    const svg::Scale x{0.5, static_cast<double>(n) + 0.5, area.left, area.right, false};
    double tick_lo = 1.0;
    double tick_hi = static_cast<double>(n);
    std::vector<double> x_ticks;
    for (const double t : svg::linear_ticks(tick_lo, tick_hi, 8))
        if (t >= 1.0 && t <= static_cast<double>(n) && std::fabs(t - std::round(t)) < 1e-9) x_ticks.push_back(t);
    const std::vector<double> values = nanoseconds_of(calls);
    const auto [lo, hi] = positive_range(values);
    const ValueAxis y = value_axis(lo, hi, area.bottom, area.top, true, 6);

    // The warm-up region, behind everything else.
    if (warm > 0) {
        const double x1 = x(static_cast<double>(warm) + 0.5);
        c.rect(area.left, area.top, x1 - area.left, area.height(), "warm-region");
    }
    svg::draw_y_axis(c, area, y.scale, y.ticks, svg::tick_label, axis_title("duration of the call", y.scale));
    svg::draw_x_axis(c, area, x, x_ticks, svg::count_label, "call number (1 = the first call)", false);

    // The calls: every one while that stays readable, else per-bin ranges and medians.
    const auto call_x = [&](std::size_t i) { return x(static_cast<double>(i + 1)); };
    if (!binned) {
        svg::PathBuilder line;
        for (std::size_t i = 0; i < n; ++i) {
            if (i == 0) line.move_to(call_x(i), y.scale(values[i]));
            else line.line_to(call_x(i), y.scale(values[i]));
        }
        c.path(line, "series-line");
        if (dotted) {
            for (std::size_t i = 1; i < n; ++i)
                c.circle(
                    call_x(i), y.scale(values[i]), 2.4, i < warm ? "dot warm" : "dot measured",
                    "call " + std::to_string(i + 1) + (i < warm ? " (warm-up): " : ": ") + format_duration(calls[i]));
        }
    } else {
        const std::size_t per_bin = (n + 799) / 800;
        svg::PathBuilder medians, warm_ranges, measured_ranges;
        bool first_median = true;
        std::vector<double> bin;
        // Bins never straddle the end of the warm-up, so each has one colour.
        for (const auto& [begin, end] : {std::pair<std::size_t, std::size_t>{0, warm}, {warm, n}}) {
            for (std::size_t b = begin; b < end; b += per_bin) {
                const std::size_t e = std::min(end, b + per_bin);
                bin.assign(values.begin() + static_cast<std::ptrdiff_t>(b),
                           values.begin() + static_cast<std::ptrdiff_t>(e));
                const auto middle = bin.begin() + static_cast<std::ptrdiff_t>(bin.size() / 2);
                std::nth_element(bin.begin(), middle, bin.end());
                const double median = *middle;
                const auto [bin_min, bin_max] = std::minmax_element(bin.begin(), bin.end());
                const double px = x((static_cast<double>(b) + static_cast<double>(e) + 1.0) / 2.0);
                (b < warm ? warm_ranges : measured_ranges)
                    .move_to(px, y.scale(*bin_min))
                    .line_to(px, y.scale(*bin_max));
                if (first_median) medians.move_to(px, y.scale(median));
                else medians.line_to(px, y.scale(median));
                first_median = false;
            }
        }
        c.path(warm_ranges, "range warm");
        c.path(measured_ranges, "range measured");
        c.path(medians, "series-line");
        c.data("calls-per-bin", std::to_string(per_bin));
    }

    // The steady p50, for scale: how far above it the transient starts.
    if (run.latency.count() > 0) {
        const double p50 = run.latency.p50().count();
        const double py = y.scale(p50);
        c.line(area.left, py, area.right, py, "marker-p50");
        c.text(area.right - 4.0, py - 5.0, "steady p50 " + format_duration(run.latency.p50()), "marker-text", "end");
    }
    // Where the warm-up ended: the fixed count (top row) and MSER-5 (second row).
    if (warm > 0 && warm < n) {
        const double px = x(static_cast<double>(warm) + 0.5);
        c.line(px, area.top - 30.0, px, area.bottom, "marker-warmup");
        marker_label(
            c, area, px, area.top - 20.0,
            (run.warmup_settled ? "warm-up settled after " : "end of warm-up: ") + std::to_string(warm) + " calls",
            "marker-text");
    }
    if (mser.conclusive) {
        const double px = x(static_cast<double>(mser.steady_from) + 0.5);
        c.line(px, area.top - 16.0, px, area.bottom, "marker-mser");
        marker_label(c, area, px, area.top - 6.0,
                     mser.steady_from == 0 ? std::string("MSER-5: no transient")
                                           : "MSER-5: transient over after call " + std::to_string(mser.steady_from),
                     "marker-text");
    }
    // The first call, on top of everything.
    const double fx = call_x(0);
    const double fy = y.scale(values.front());
    c.circle(fx, fy, 5.5, "first", "first call: " + format_duration(calls.front()));
    c.text(fx + 10.0, std::max(area.top + 12.0, fy + 4.0), "first call " + format_duration(calls.front()),
           "first-text");

    fig += c.str();
    // The legend names what is drawn, and only that.
    fig += "<ul class=\"legend\">";
    if (warm > 0) fig += legend_item("region-swatch", "the warm-up (shaded)");
    if (binned) {
        const std::string per_bin = std::to_string((n + 799) / 800);
        if (warm > 1) fig += legend_item("stroke-swatch warm", "warm-up bin of up to " + per_bin + " calls");
        if (n > warm) fig += legend_item("stroke-swatch measured", "measured bin of up to " + per_bin + " calls");
        fig += legend_item("line-swatch series", "median of each bin");
    } else {
        if (dotted && warm > 1) fig += legend_item("dot-swatch warm", "warm-up call");
        if (dotted && n > std::max<std::size_t>(warm, 1)) fig += legend_item("dot-swatch measured", "measured call");
        if (n > 1) fig += legend_item("line-swatch series", dotted ? "calls in order" : "every call, in order");
    }
    fig += legend_item("first-swatch", "first call");
    if (warm > 0 && warm < n) fig += legend_item("line-swatch warmup", "end of the warm-up count");
    if (mser.conclusive) fig += legend_item("line-swatch mser", "MSER-5 end of the transient");
    if (run.latency.count() > 0) fig += legend_item("line-swatch p50", "steady p50");
    fig += "</ul>";

    // What MSER-5 says about the warm-up count, in words.
    std::string verdict;
    if (!mser.conclusive) {
        verdict =
            "MSER-5 cannot place the end of the transient: the series is too short (fewer than 20 calls) or "
            "still changing at its midpoint. Measure more calls before trusting the steady numbers.";
    } else if (mser.steady_from > warm) {
        verdict = "MSER-5 finds the transient over after call " + std::to_string(mser.steady_from) + ", " +
                  std::to_string(mser.steady_from - warm) + " calls past the " + std::to_string(warm) +
                  " warm-up calls: those measured calls may still be warming up (a longer warm-up, or "
                  "warmup_auto(), keeps them out).";
    } else if (mser.steady_from == 0) {
        verdict = "MSER-5 finds no transient: the calls are steady from the first one.";
    } else {
        verdict = "MSER-5 finds the transient over after call " + std::to_string(mser.steady_from) + ": the " +
                  std::to_string(warm) + " warm-up calls cover it.";
    }
    fig += "<p class=\"verdict-text\">" + svg::escaped(verdict) + "</p></figure>";
    return fig;
}

}  // namespace gputime::detail::html
