// SPDX-License-Identifier: MIT
// gputime/report/detail/html/common.hpp - what every figure of the HTML report shares: layout
// constants, value axes (log when the values span a decade), interval text, legends, labels,
// histograms and the band of a percentile's confidence interval.
//
//   const ValueAxis y = value_axis(lo, hi, area.bottom, area.top, true, 6);
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/report/detail/number_text.hpp>
#include <gputime/report/detail/svg.hpp>
#include <gputime/report/detail/svg_chart.hpp>
#include <gputime/stats/percentile_interval.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace gputime::detail::html {

inline constexpr double chart_width = 760.0;
inline constexpr double char_width = 6.6;  // average advance of a 12px sans-serif character, for layout

// A number with `decimals` digits after the point, for data attributes and counts per second.
inline std::string fixed(double value, int decimals) {
    char buffer[64];
    const std::to_chars_result r =
        std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed, decimals);
    return r.ec == std::errc{} ? std::string(buffer, r.ptr) : std::string("?");
}
// Whole nanoseconds, as the charts' data-*-ns attributes hold them.
inline std::string ns_text(double ns) { return fixed(ns, 0); }

/// The smallest positive value and the largest value (0, 0 when there is none).
inline std::pair<double, double> positive_range(const std::vector<double>& values) {
    double lo = std::numeric_limits<double>::infinity();
    double hi = 0.0;
    for (const double v : values) {
        if (v > 0.0) lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    if (!std::isfinite(lo)) lo = hi;
    return {lo, hi};
}

/// A duration axis: log when the values span a decade, else linear (from 0 when `from_zero`).
struct ValueAxis {
    svg::Scale scale;
    std::vector<double> ticks;
};

inline ValueAxis value_axis(double lo, double hi, double from, double to, bool from_zero, int wanted) {
    ValueAxis a;
    a.scale.from = from;
    a.scale.to = to;
    double dlo = lo;
    double dhi = hi;
    if (svg::spans_decades(lo, hi)) {
        a.scale.log = true;
        a.ticks = svg::log_ticks(dlo, dhi);
    } else {
        if (from_zero) dlo = 0.0;
        a.ticks = svg::linear_ticks(dlo, dhi, wanted);
    }
    a.scale.lo = dlo;
    a.scale.hi = dhi;
    return a;
}

inline std::string axis_title(const char* what, const svg::Scale& s) {
    return std::string(what) + (s.log ? " (log scale)" : "");
}

/// "2.13 ms to 2.16 ms", or what is known when a side is open.
inline std::string interval_text(const PercentileInterval& i) {
    const std::string confidence = percent_text(i.confidence);
    if (i.bounded()) return confidence + " interval " + format_duration(i.lower) + " to " + format_duration(i.upper);
    std::string text = confidence + " interval ";
    if (!i.lower_open) text += "from " + format_duration(i.lower) + ", ";
    if (!i.upper_open) text += "up to " + format_duration(i.upper) + ", ";
    text += i.lower_open && i.upper_open ? "open on both sides" : i.lower_open ? "open below" : "open above";
    if (i.p > 0.0 && i.p < 100.0)
        text += " (too few samples: " + std::to_string(samples_needed(i.p, i.confidence)) + " close it)";
    return text;
}

inline std::string how_to_read(std::string_view sentence) {
    return "<p class=\"how\"><span class=\"how-label\">How to read this:</span> " + svg::escaped(sentence) + "</p>";
}

/// One legend entry: a swatch styled by `swatch_class` and its text.
inline std::string legend_item(std::string_view swatch_class, std::string_view text) {
    return "<li><span class=\"swatch " + std::string(swatch_class) + "\"></span>" + svg::escaped(text) + "</li>";
}

/// Where a marker's label goes: right of its line in the left half of the plot, left of it in
/// the right half, so that it stays inside the chart.
inline void marker_label(svg::Canvas& c, const svg::PlotArea& area, double x, double y, std::string_view text,
                         std::string_view cls) {
    const bool right_half = x > (area.left + area.right) / 2.0;
    c.text(right_half ? x - 4.0 : x + 4.0, y, text, cls, right_half ? "end" : "start");
}

inline std::vector<double> nanoseconds_of(const std::vector<Duration>& durations) {
    std::vector<double> out;
    out.reserve(durations.size());
    for (const Duration d : durations) out.push_back(d.count());
    return out;
}

// Counts of values in equal bins of a (linear or log) scale.
struct Histogram {
    std::vector<std::size_t> counts;
    double a = 0.0;  // first edge, in scale units (log10 for a log scale)
    double b = 1.0;  // last edge
    bool log = false;
    double edge(std::size_t i) const {
        const double u = a + (b - a) * static_cast<double>(i) / static_cast<double>(counts.size());
        return log ? std::pow(10.0, u) : u;
    }
    void add(double v) {
        const double u = log ? (v > 0.0 ? std::log10(v) : a) : v;
        const double k = static_cast<double>(counts.size());
        double position = b > a ? (u - a) / (b - a) * k : 0.0;
        position = std::min(std::max(position, 0.0), k - 1.0);
        ++counts[static_cast<std::size_t>(position)];
    }
};

inline Histogram make_histogram(const svg::Scale& scale, std::size_t bins) {
    Histogram h;
    h.counts.assign(std::max<std::size_t>(bins, 1), 0);
    h.log = scale.log;
    h.a = scale.log ? std::log10(scale.lo) : scale.lo;
    h.b = scale.log ? std::log10(scale.hi) : scale.hi;
    return h;
}

/// A percentile's band (its interval, open sides drawn to the plot's edge) and its line.
inline void percentile_marker(svg::Canvas& c, const svg::PlotArea& area, const svg::Scale& x,
                              const PercentileInterval& i, double top, double bottom, std::string_view name) {
    const double lower = i.lower_open ? area.left : x(i.lower.count());
    const double upper = i.upper_open ? area.right : x(i.upper.count());
    const std::string key(name);
    // An open side reaches the plot's edge, drawn fainter: the percentile could lie anywhere there.
    c.rect(lower, top, std::max(1.0, upper - lower), bottom - top, "band band-" + key + (i.bounded() ? "" : " open"),
           key + " " + format_duration(i.estimate) + ", " + interval_text(i));
    const double px = x(i.estimate.count());
    c.line(px, top, px, bottom, "marker-" + key);
}

}  // namespace gputime::detail::html
