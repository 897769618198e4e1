// gputime/report/html.hpp - one self-contained HTML file that shows what the numbers mean.
//
//   gputime::HtmlReport report("resnet50 on an A100, batch 1");
//   report.add(run_result);          // warm-up transient + distribution with p50/p99 intervals
//   report.add(layer_profiles);      // per layer: steady p50 against the first call
//   report.add(idle_gap_points);     // latency against the idle gap between calls
//   report.add(comparison);          // A/B: distributions side by side, with the verdict
//   report.write("report.html");     // or std::string html = report.str();
//
// What the file is
// * One file, nothing else: no script, no network access (a Content-Security-Policy in the page
//   forbids every request), no third-party code. The charts are SVG written by this header;
//   exact values are in each element's tooltip (an SVG <title>) and in tables beside the
//   charts, so the page works in any browser, offline, with scripts disabled, and in an e-mail
//   or CI artifact viewer.
// * Colours come from CSS variables with a light and a dark scheme (prefers-color-scheme), so
//   text and marks stay readable in both.
// * Every chart has a heading and one sentence on how to read it. Duration axes switch to a
//   log scale when the values span a factor of 10 or more (first calls are often 10-100x the
//   steady time); the axis title says so. Tick labels are durations (format_duration, without
//   trailing zeros).
// * Every string that comes from the caller (the title, run and layer names, notes) is escaped
//   for HTML: a layer named "<script>" is text, never markup. Element ids are generated
//   (run-1, warmup-1, ...), never taken from names.
// * Machine-readable data: each <svg class="chart"> has data-chart (warmup, distribution,
//   layers, idle-gap, ab) and data-* attributes with the values it plots (calls, first call,
//   where the warm-up ended, p50 and p99 in ns...), for tools and tests.
//
// What each add() draws (a section per call, in the order of the calls)
// * add(RunResult): the warm-up transient - every call in order (RunResult::calls_in_order():
//   warm-up calls, then the measured ones), the first call marked, where the fixed warm-up count
//   ended and where MSER-5 (gputime/stats/warmup_detection.hpp) places the end of the transient;
//   then the histogram of the steady samples with p50 and p99 and their 95% distribution-free
//   confidence intervals (Stats::percentile_interval), and a table of the numbers with the
//   hints of gputime/report/text.hpp.
// * add(LayerProfile) / add(std::vector<LayerProfile>): one bar chart per profile, two bars per
//   layer (steady p50, first call), plus the time between layers and the whole iteration.
// * add(std::vector<IdleGapPoint>): p50 (with its 95% interval) and p99 against the idle gap, each
//   p50 labelled with its ratio to the smallest gap's; a gap of 0 (back to back) gets its own
//   place left of an axis break.
// * add(Comparison) or add_ab(name_a, stats_a, name_b, stats_b): A/B distributions on one shared
//   axis, a row per variant, the p50 and its interval marked, and compare.hpp's verdict.
// * add(HostContext): the machine and build the numbers came from; add_note(text): a paragraph.
//
// Each add() reads what it is given at once and keeps only the finished section: the report
// holds no reference to the caller's objects. Bad input is refused before anything changes
// (gputime::InvalidArgument, the report as it was): a RunResult whose warm-up holds a NaN,
// infinite or negative duration (parameter "run"), an empty list of idle-gap points ("points"),
// a Comparison without variants ("comparison"). Reading a Stats may throw what resolving its
// samples throws (a parked GPU error); the report is then unchanged too. write() throws
// gputime::Error when the file cannot be written.
#pragma once

#include <gputime/measure/ab_compare.hpp>
#include <gputime/report/detail/svg.hpp>
#include <gputime/report/detail/svg_chart.hpp>
#include <gputime/core/duration.hpp>
#include <gputime/core/error.hpp>
#include <gputime/core/host_context.hpp>
#include <gputime/measure/idle_gap_sweep.hpp>
#include <gputime/measure/layer_profile.hpp>
#include <gputime/stats/percentile_interval.hpp>
#include <gputime/report/text.hpp>
#include <gputime/measure/run_result.hpp>
#include <gputime/stats/stats.hpp>
#include <gputime/core/version.hpp>
#include <gputime/stats/warmup_detection.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace gputime {

namespace detail::html {

inline constexpr double chart_width = 760.0;
inline constexpr double char_width = 6.6;  // average advance of a 12px sans-serif character, for layout

inline std::string fixed(double value, int decimals) {
    char buffer[64];
    const std::to_chars_result r = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed, decimals);
    return r.ec == std::errc{} ? std::string(buffer, r.ptr) : std::string("?");
}
inline std::string ratio_text(double r) { return std::isfinite(r) ? fixed(r, 2) + "x" : std::string("-"); }
inline std::string percent_text(double fraction) { return fixed(fraction * 100.0, 1) + "%"; }
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
    const std::string confidence = fixed(i.confidence * 100.0, 0) + "%";
    if (i.bounded())
        return confidence + " interval " + format_duration(i.lower) + " to " + format_duration(i.upper);
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

// ---- the warm-up transient ------------------------------------------------------------------

inline std::string warmup_figure(const RunResult& run, const std::vector<Duration>& calls,
                                 const WarmupTruncation& mser, const std::string& id) {
    std::string fig = "<figure id=\"" + id + "\" class=\"chart-figure\"><h3>Warm-up transient: every call in order</h3>";
    const std::size_t n = calls.size();
    const bool binned = n > 2000;  // beyond that, dots would merge into a band: bins instead
    fig += how_to_read(
        std::string(binned ? "each vertical stroke is a bin of consecutive calls (its fastest to slowest, the line "
                             "through their medians), in the order they ran"
                           : "each dot is one call in the order it ran") +
        ", warm-up calls first; the first call is circled, the solid line is where the fixed warm-up count ended "
        "and the dashed line where MSER-5 finds the steady state begins - measured calls left of the dashed line "
        "are still warming up.");
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
        if (n <= 400) {
            for (std::size_t i = 1; i < n; ++i)
                c.circle(call_x(i), y.scale(values[i]), 2.4, i < warm ? "dot warm" : "dot measured",
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
                bin.assign(values.begin() + static_cast<std::ptrdiff_t>(b), values.begin() + static_cast<std::ptrdiff_t>(e));
                const auto middle = bin.begin() + static_cast<std::ptrdiff_t>(bin.size() / 2);
                std::nth_element(bin.begin(), middle, bin.end());
                const double median = *middle;
                const auto [bin_min, bin_max] = std::minmax_element(bin.begin(), bin.end());
                const double px = x((static_cast<double>(b) + static_cast<double>(e) + 1.0) / 2.0);
                (b < warm ? warm_ranges : measured_ranges).move_to(px, y.scale(*bin_min)).line_to(px, y.scale(*bin_max));
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
        marker_label(c, area, px, area.top - 20.0,
                     (run.warmup_settled ? "warm-up settled after " : "end of warm-up: ") + std::to_string(warm) +
                         " calls",
                     "marker-text");
    }
    if (mser.conclusive) {
        const double px = x(static_cast<double>(mser.steady_from) + 0.5);
        c.line(px, area.top - 16.0, px, area.bottom, "marker-mser");
        marker_label(c, area, px, area.top - 6.0,
                     "MSER-5: steady from call " + std::to_string(mser.steady_from + 1), "marker-text");
    }
    // The first call, on top of everything.
    const double fx = call_x(0);
    const double fy = y.scale(values.front());
    c.circle(fx, fy, 5.5, "first", "first call: " + format_duration(calls.front()));
    c.text(fx + 10.0, std::max(area.top + 12.0, fy + 4.0), "first call " + format_duration(calls.front()), "first-text");

    fig += c.str();
    fig += "<ul class=\"legend\">";
    if (warm > 0) fig += legend_item("dot-swatch warm", "warm-up call");
    fig += legend_item("dot-swatch measured", "measured call");
    fig += legend_item("first-swatch", "first call");
    if (warm > 0 && warm < n) fig += legend_item("line-swatch warmup", "end of the warm-up count");
    if (mser.conclusive) fig += legend_item("line-swatch mser", "MSER-5 end of the transient");
    if (run.latency.count() > 0) fig += legend_item("line-swatch p50", "steady p50");
    fig += "</ul>";

    // What MSER-5 says about the warm-up count, in words.
    std::string verdict;
    if (!mser.conclusive) {
        verdict = "MSER-5 cannot place the end of the transient: the series is too short (fewer than 20 calls) or "
                  "still changing at its midpoint. Measure more calls before trusting the steady numbers.";
    } else if (mser.steady_from > warm) {
        verdict = "MSER-5 places the end of the transient at call " + std::to_string(mser.steady_from + 1) +
                  ", after the " + std::to_string(warm) + " warm-up calls: the first " +
                  std::to_string(mser.steady_from - warm) +
                  " measured calls may still be warming up (a longer warm-up, or warmup_until_stable(), keeps "
                  "them out).";
    } else {
        verdict = "MSER-5 places the end of the transient at call " + std::to_string(mser.steady_from + 1) + ": the " +
                  std::to_string(warm) + " warm-up calls cover it.";
    }
    fig += "<p class=\"verdict-text\">" + svg::escaped(verdict) + "</p></figure>";
    return fig;
}

// ---- the distribution of the steady samples -------------------------------------------------

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
    c.rect(lower, top, std::max(1.0, upper - lower), bottom - top,
           "band band-" + key + (i.bounded() ? "" : " open"),
           key + " " + format_duration(i.estimate) + ", " + interval_text(i));
    const double px = x(i.estimate.count());
    c.line(px, top, px, bottom, "marker-" + key);
}

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

// ---- the numbers of a run -------------------------------------------------------------------

inline std::string numbers_table(const RunResult& run) {
    const Stats& s = run.latency;
    std::string t = "<table class=\"numbers\"><tbody>";
    const auto row = [&t](std::string_view what, const std::string& value, const std::string& note = {}) {
        t += "<tr><th scope=\"row\">" + svg::escaped(what) + "</th><td>" + svg::escaped(value) + "</td><td class=\"note\">" +
             svg::escaped(note) + "</td></tr>";
    };
    const std::size_t measured = run.warmup.empty() ? s.calls() : s.count();
    row("calls", std::to_string(run.warmup.size()) + " warm-up + " + std::to_string(measured) + " measured",
        run.warmup.empty() ? std::string() : "warm-up " + format_duration(run.warmup_total()) + " in all");
    if (s.has_first_call())
        row("first call", format_duration(s.first_call()),
            s.count() > 0 ? "overhead " + format_duration(s.first_call_overhead()) + " over the steady p50" : "");
    if (s.count() > 0) {
        row("steady p50", format_duration(s.p50()), interval_text(s.percentile_interval(50.0, 0.95)));
        row("steady p90", format_duration(s.p90()), "");
        row("steady p99", format_duration(s.p99()), interval_text(s.percentile_interval(99.0, 0.95)));
        row("min / max", format_duration(s.min()) + " / " + format_duration(s.max()), "");
        row("mean", format_duration(s.mean()),
            "stddev " + format_duration(s.stddev()) + ", err% " + percent_text(s.mdape()));
        row("throughput", fixed(run.throughput_per_second(), 1) + " calls/s", "at the mean latency");
    }
    if (run.enqueue.count() > 0)
        row("enqueue p50", format_duration(run.enqueue.p50()), "host time inside the call");
    if (s.count() > 0 && s.has_first_call()) {
        const std::size_t all = run.calls_in_order().size();
        row("T(N) model", "T(" + std::to_string(all) + ") predicted " + format_duration(run.predicted_total(all)),
            "measured " + format_duration(run.measured_total(all)) + "; T(N) = first + (N-1) * p50");
    }
    return t + "</tbody></table>";
}

// ---- per-layer bars -------------------------------------------------------------------------

struct LayerRow {
    std::string name;
    std::string tooltip;
    std::size_t depth = 0;
    bool has_p50 = false;
    double p50 = 0.0;
    bool has_first = false;
    double first = 0.0;
};

inline LayerRow layer_row(std::string name, std::string path, std::size_t depth, const Stats& s) {
    LayerRow r;
    r.name = std::move(name);
    r.depth = depth;
    r.has_p50 = s.count() > 0;
    if (r.has_p50) r.p50 = s.p50().count();
    r.has_first = s.has_first_call();
    if (r.has_first) r.first = s.first_call().count();
    r.tooltip = path + ": steady p50 " + (r.has_p50 ? format_duration(Duration{r.p50}) : std::string("-")) +
                ", first call " + (r.has_first ? format_duration(Duration{r.first}) : std::string("-")) + ", " +
                std::to_string(s.calls()) + " calls";
    return r;
}

inline std::string layers_figure(const LayerProfile& p, const std::string& id) {
    const std::string label = p.label().empty() ? std::string() : " (" + p.label() + ")";
    std::string fig = "<figure id=\"" + id + "\" class=\"chart-figure\"><h3>" +
                      svg::escaped("Per layer: steady time against the first call" + label) + "</h3>";
    fig += how_to_read(
        "each layer has two bars, its steady p50 on top and its first call below; a long lower bar is a layer that "
        "pays a one-time cost (JIT, autotuning, lazy loading). The last rows are the time between layers and the "
        "whole iteration.");
    std::vector<LayerRow> rows;
    for (const LayerStats& layer : p.layers()) rows.push_back(layer_row(layer.name, layer.path, layer.depth, layer.time));
    const std::size_t layer_rows = rows.size();
    if (p.unattributed().calls() > 0)
        rows.push_back(layer_row("between layers", "time between top-level layers", 0, p.unattributed()));
    if (p.iteration_total().calls() > 0)
        rows.push_back(layer_row("whole iteration", "iteration total", 0, p.iteration_total()));
    if (layer_rows == 0) return fig + "<p class=\"empty\">No layer was timed.</p></figure>";

    std::vector<double> values;
    std::size_t widest = 0;
    for (const LayerRow& r : rows) {
        if (r.has_p50) values.push_back(r.p50);
        if (r.has_first) values.push_back(r.first);
        widest = std::max(widest, svg::char_count(r.name) + 2 * r.depth);
    }
    const double left = std::min(280.0, std::max(120.0, 20.0 + char_width * static_cast<double>(widest)));
    const double row_height = 30.0;
    const double top = 20.0;
    const double height = top + row_height * static_cast<double>(rows.size()) + 52.0;
    const svg::PlotArea area{left, top, chart_width - 96.0, top + row_height * static_cast<double>(rows.size())};
    const auto [lo, hi] = positive_range(values);
    const ValueAxis x = value_axis(lo, hi, area.left, area.right, true, 6);

    svg::Canvas c(chart_width, height, "chart-" + id, "layers", "Per-layer steady p50 and first call" + label);
    c.data("layers", std::to_string(layer_rows));
    c.data("rows", std::to_string(rows.size()));
    c.data("scale", x.scale.log ? "log" : "linear");
    svg::draw_x_axis(c, area, x.scale, x.ticks, svg::tick_label, axis_title("time", x.scale));
    if (rows.size() > layer_rows) {
        const double sy = area.top + row_height * static_cast<double>(layer_rows);
        c.line(8.0, sy, area.right, sy, "separator");
    }
    const std::size_t max_chars = static_cast<std::size_t>((left - 20.0) / char_width + 1e-6);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const LayerRow& r = rows[i];
        const double y0 = area.top + row_height * static_cast<double>(i) + 5.0;
        c.begin_group(i < layer_rows ? "layer-row" : "layer-row total", r.tooltip);
        const std::size_t indent = 2 * r.depth;
        const std::string name = svg::truncated(r.name, max_chars > indent + 4 ? max_chars - indent : 4);
        c.text(area.left - 8.0 - char_width * static_cast<double>(indent), y0 + 14.0, name,
               i < layer_rows ? "row-label" : "row-label total", "end");
        const auto bar = [&](bool has, double value, double y, const char* cls) {
            if (!has) {
                c.text(area.left + 4.0, y + 8.0, "no steady call", "value muted");
                return;
            }
            const double end = std::max(area.left + 1.0, x.scale(value));
            c.rect(area.left, y, end - area.left, 9.0, cls);
            c.text(end + 4.0, y + 8.5, format_duration(Duration{value}), "value");
        };
        bar(r.has_p50, r.p50, y0, "bar-p50");
        if (r.has_first) bar(true, r.first, y0 + 11.0, "bar-first");
        c.end_group();
    }
    fig += c.str();
    fig += "<ul class=\"legend\">" + legend_item("bar-swatch p50", "steady p50") +
           legend_item("bar-swatch first", "first call") + "</ul></figure>";
    return fig;
}

// ---- latency against the idle gap -----------------------------------------------------------

inline std::string idle_gap_figure(const std::vector<IdleGapPoint>& points, const std::string& id) {
    std::string fig = "<figure id=\"" + id + "\" class=\"chart-figure\"><h3>Latency against the idle gap before each call</h3>";
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
        c.circle(px, y.scale(p.p99), 3.0, "dot-p99", "idle gap " + gap_text + ": p99 " + format_duration(Duration{p.p99}));
        const double py = y.scale(p.p50.estimate.count());
        c.circle(px, py, 4.0, "dot-p50",
                 "idle gap " + gap_text + ": p50 " + format_duration(p.p50.estimate) + ", " + interval_text(p.p50));
        if (reference > 0.0) c.text(px, py + 18.0, ratio_text(p.p50.estimate.count() / reference), "ratio", "middle");
    }
    fig += c.str();
    fig += "<ul class=\"legend\">" + legend_item("line-swatch p50", "p50 (and its 95% interval)") +
           legend_item("line-swatch p99", "p99") + "<li>numbers under the p50 points: p50 relative to the smallest gap</li></ul>";
    if (worst >= 1.2)
        fig += "<p class=\"verdict-text warn\">" +
               svg::escaped("Latency grows with the idle gap (up to " + ratio_text(worst) +
                            "): the device likely lowers its clock between calls. Report the latency at the gaps "
                            "your service sees, not only back to back.") +
               "</p>";
    return fig + "</figure>";
}

// ---- A/B distributions ----------------------------------------------------------------------

inline const char* verdict_class(Verdict v) {
    switch (v) {
        case Verdict::faster: return "faster";
        case Verdict::slower: return "slower";
        case Verdict::same: break;
    }
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
    for (const Contrast& contrast : r.contrasts) verdicts += (verdicts.empty() ? "" : ",") + std::string(to_string(contrast.verdict));
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
                                : contrast != nullptr ? ratio_text(contrast->ratio) + " " + to_string(contrast->verdict)
                                                      : std::string();
        c.text(area.left - 8.0, row_top + row_height / 2.0 + 16.0, sub,
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
               to_string(contrast.verdict) + "</span> " + svg::escaped(to_string(contrast)) + "</li>";
    fig += "</ul>";
    fig += "<table class=\"numbers\"><thead><tr><th>variant</th><th>p50</th><th>p99</th><th>first call</th>"
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

// ---- the page -------------------------------------------------------------------------------

// Light and dark colours as variables; every chart element is styled by class, so one set of
// rules serves both schemes.
inline const char* page_style() {
    return R"(:root{color-scheme:light dark;--bg:#ffffff;--fg:#1f2328;--muted:#59636e;--grid:#d8dee4;--axis:#818b98;--panel:#f6f8fa;--a:#0969da;--b:#bc4c00;--c:#1a7f37;--d:#8250df;--warn:#cf222e;--band-a:rgba(9,105,218,.16);--band-b:rgba(130,80,223,.16);--warm:rgba(188,76,0,.07)}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--grid:#2a313c;--axis:#656c76;--panel:#151b23;--a:#4493f8;--b:#f0883e;--c:#3fb950;--d:#ab7df8;--warn:#f85149;--band-a:rgba(68,147,248,.22);--band-b:rgba(171,125,248,.22);--warm:rgba(240,136,62,.09)}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
header,main,footer{max-width:980px;margin:0 auto;padding:0 20px}
header{padding-top:24px}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:21px;margin:36px 0 6px;padding-top:12px;border-top:1px solid var(--grid)}
h3{font-size:16px;margin:22px 0 2px}
.meta,.summary,.how,.note,.muted{color:var(--muted)}
.how{margin:0 0 8px;font-size:14px}
.how-label{font-weight:600}
nav ul{margin:8px 0 0;padding-left:20px}
figure{margin:0 0 12px}
svg.chart{display:block;width:100%;height:auto;max-width:900px;overflow:visible}
svg.chart text{fill:var(--fg);font-size:12px;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
svg.chart .tick,svg.chart .axis-title,svg.chart .muted,svg.chart .row-sub{fill:var(--muted)}
svg.chart .axis-title{font-size:12.5px}
svg.chart .grid{stroke:var(--grid);stroke-width:1}
svg.chart .axis{stroke:var(--axis);stroke-width:1}
svg.chart .separator{stroke:var(--axis);stroke-dasharray:3 3}
svg.chart .warm-region{fill:var(--warm)}
svg.chart .series-line{fill:none;stroke:var(--axis);stroke-width:1;stroke-opacity:.7}
svg.chart .dot.measured{fill:var(--a)}
svg.chart .dot.warm{fill:var(--b)}
svg.chart .range{fill:none;stroke-width:1.2}
svg.chart .range.measured{stroke:var(--a)}
svg.chart .range.warm{stroke:var(--b)}
svg.chart .first{fill:none;stroke:var(--warn);stroke-width:2.2}
svg.chart .first-text{fill:var(--warn);font-weight:600}
svg.chart .marker-text{font-weight:600}
svg.chart .marker-text,svg.chart .first-text,svg.chart .value,svg.chart .ratio{paint-order:stroke;stroke:var(--bg);stroke-width:3px;stroke-linejoin:round}
svg.chart .axis-break{fill:var(--bg)}
a{color:var(--a)}
svg.chart .marker-p50{stroke:var(--a);stroke-width:1.6}
svg.chart .marker-p99{stroke:var(--d);stroke-width:1.6}
svg.chart .marker-warmup{stroke:var(--b);stroke-width:1.6}
svg.chart .marker-mser{stroke:var(--c);stroke-width:1.6;stroke-dasharray:6 4}
svg.chart .band-p50{fill:var(--band-a)}
svg.chart .band-p99{fill:var(--band-b)}
svg.chart .band.open{fill-opacity:.5}
svg.chart .bar{fill:var(--a);fill-opacity:.75}
svg.chart .bar-b{fill:var(--d)}
svg.chart .bar-p50{fill:var(--a)}
svg.chart .bar-first{fill:var(--b)}
svg.chart .row-label.total{font-style:italic}
svg.chart .series-p50{fill:none;stroke:var(--a);stroke-width:2}
svg.chart .series-p99{fill:none;stroke:var(--d);stroke-width:1.6;stroke-dasharray:5 4}
svg.chart .dot-p50{fill:var(--a)}
svg.chart .dot-p99{fill:var(--d)}
svg.chart .ratio{fill:var(--muted);font-size:11px}
svg.chart .row-sub.faster{fill:var(--c)}
svg.chart .row-sub.slower{fill:var(--warn)}
.legend{list-style:none;display:flex;flex-wrap:wrap;gap:4px 18px;padding:0;margin:6px 0;font-size:13px;color:var(--muted)}
.swatch{display:inline-block;width:14px;height:10px;margin-right:6px;vertical-align:baseline}
.dot-swatch{width:9px;height:9px;border-radius:50%}
.dot-swatch.measured{background:var(--a)}.dot-swatch.warm{background:var(--b)}
.first-swatch{width:11px;height:11px;border-radius:50%;border:2px solid var(--warn)}
.line-swatch{height:0;border-top:2px solid}
.line-swatch.warmup{border-color:var(--b)}.line-swatch.mser{border-top-style:dashed;border-color:var(--c)}
.line-swatch.p50{border-color:var(--a)}.line-swatch.p99{border-top-style:dashed;border-color:var(--d)}
.bar-swatch{background:var(--a);opacity:.8}.bar-swatch.b{background:var(--d)}
.bar-swatch.p50{background:var(--a);opacity:1}.bar-swatch.first{background:var(--b);opacity:1}
.band-swatch.p50{background:var(--band-a);border-left:2px solid var(--a)}
.band-swatch.p99{background:var(--band-b);border-left:2px solid var(--d)}
.verdict-text{margin:4px 0 0;font-size:14px}
.warn{color:var(--warn)}
table.numbers{border-collapse:collapse;margin:10px 0;font-size:14px;font-variant-numeric:tabular-nums}
table.numbers th,table.numbers td{text-align:left;padding:3px 14px 3px 0;border-bottom:1px solid var(--grid);vertical-align:top}
table.numbers th{font-weight:600}
ul.hints{padding-left:20px;color:var(--warn)}
ul.verdicts{list-style:none;padding:0;margin:8px 0}
.verdict{margin:4px 0}
.badge{display:inline-block;min-width:64px;text-align:center;font-weight:700;font-size:12px;padding:1px 6px;border-radius:4px;border:1px solid var(--muted);color:var(--muted)}
.verdict.faster .badge{color:var(--c);border-color:var(--c)}
.verdict.slower .badge{color:var(--warn);border-color:var(--warn)}
dl.context{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:8px 0}
dl.context dt{color:var(--muted)}dl.context dd{margin:0}
footer{margin:40px auto 32px;color:var(--muted);font-size:13px}
)";
}

}  // namespace detail::html

/// Builds one self-contained HTML page of charts from gputime's results; see the header comment.
class HtmlReport {
public:
    /// `title` heads the page and names the browser tab (escaped; empty: "gputime report").
    explicit HtmlReport(std::string title = "gputime report")
        : title_(title.empty() ? std::string("gputime report") : std::move(title)) {}

    /// A run: its warm-up transient, the distribution of its steady samples and its numbers.
    /// Throws InvalidArgument (parameter "run") when a warm-up duration is NaN, infinite or
    /// negative; the report is then unchanged.
    HtmlReport& add(const RunResult& run) {
        for (std::size_t i = 0; i < run.warmup.size(); ++i) {
            const double x = run.warmup[i].count();
            if (!(x >= 0.0 && std::isfinite(x)))
                throw InvalidArgument("HtmlReport::add", "run",
                                      "holds a warm-up duration that is NaN, infinite or negative (call " +
                                          std::to_string(i + 1) + "): nothing was added");
        }
        const std::size_t index = runs_ + 1;
        const std::string id = "run-" + std::to_string(index);
        const std::vector<Duration> calls = run.calls_in_order();
        const WarmupTruncation mser = mser5_truncation_of(calls);
        const std::string name = run.name.empty() ? "run " + std::to_string(index) : run.name;
        std::string html = "<p class=\"summary\">" +
                           svg_escaped(std::string(run.device_timed ? "device time (GPU clock)" : "host time") + ", " +
                                       (run.mode == RunMode::latency ? "latency mode: one synchronisation per call"
                                                                     : "throughput mode: calls back to back") +
                                       (run.complete ? "" : "; INTERRUPTED: the callable threw, what was measured "
                                                            "before is shown")) +
                           "</p>";
        html += detail::html::numbers_table(run);
        const std::vector<std::string> warnings = hints(run);
        if (!warnings.empty()) {
            html += "<ul class=\"hints\">";
            for (const std::string& w : warnings) html += "<li>" + svg_escaped(w) + "</li>";
            html += "</ul>";
        }
        html += detail::html::warmup_figure(run, calls, mser, "warmup-" + std::to_string(index));
        html += detail::html::distribution_figure(run.latency, "distribution-" + std::to_string(index));
        commit(id, "Run: " + name, std::move(html), calls.empty() ? 0 : (run.latency.count() > 0 ? 2 : 1));
        ++runs_;
        return *this;
    }

    /// A layer profile: two bars per layer (steady p50, first call), plus the time between
    /// layers and the whole iteration.
    HtmlReport& add(const LayerProfile& profile) {
        const std::size_t index = layer_charts_ + 1;
        const std::string id = "layers-" + std::to_string(index);
        std::string html = detail::html::layers_figure(profile, "layer-chart-" + std::to_string(index));
        commit(id, "Layers" + (profile.label().empty() ? std::string() : ": " + profile.label()), std::move(html),
               profile.layers().empty() ? 0 : 1);
        ++layer_charts_;
        return *this;
    }

    /// One layer chart per profile (e.g. one per batch size), in order.
    HtmlReport& add(const std::vector<LayerProfile>& profiles) {
        HtmlReport copy = *this;  // all or nothing: a profile that throws leaves the report as it was
        for (const LayerProfile& p : profiles) copy.add(p);
        *this = std::move(copy);
        return *this;
    }

    /// Latency against the idle gap (gputime::sweep_idle_gaps). Throws InvalidArgument
    /// (parameter "points") for an empty list.
    HtmlReport& add(const std::vector<IdleGapPoint>& points, const std::string& heading = "Idle-gap sweep") {
        if (points.empty()) throw InvalidArgument("HtmlReport::add", "points", "is empty: there is no curve to draw");
        const std::size_t index = idle_charts_ + 1;
        std::size_t measured = 0;
        for (const IdleGapPoint& p : points) measured += p.result.latency.count() > 0 ? 1u : 0u;
        std::string html = detail::html::idle_gap_figure(points, "idle-gap-chart-" + std::to_string(index));
        commit("idle-gap-" + std::to_string(index), heading, std::move(html), measured > 0 ? 1 : 0);
        ++idle_charts_;
        return *this;
    }

    /// An A/B comparison from gputime::compare(): the variants' distributions on one axis and
    /// the verdicts. Throws InvalidArgument (parameter "comparison") when it has no variant.
    HtmlReport& add(const Comparison& comparison) {
        if (comparison.variants.empty())
            throw InvalidArgument("HtmlReport::add", "comparison", "has no variants: there is nothing to compare");
        const std::size_t index = ab_charts_ + 1;
        std::string heading = "A/B: ";
        for (std::size_t i = 0; i < comparison.variants.size(); ++i)
            heading += (i == 0 ? "" : " vs ") + comparison.variants[i].name;
        // compare() interleaves its own calls; add_ab() pairs samples measured elsewhere (samples == 0).
        const std::string settings =
            comparison.samples == 0
                ? std::string("samples measured elsewhere; verdict by compare_stats")
                : std::string(comparison.device_timed ? "device time" : "host time") + ", " +
                      std::to_string(comparison.warmup) + " warm-up + " + std::to_string(comparison.samples) +
                      " measured calls per variant, interleaved in random order";
        std::string html = "<p class=\"summary\">" + svg_escaped(settings) + "</p>";
        bool any = false;
        for (const VariantTiming& v : comparison.variants) any = any || v.latency.count() > 0;
        html += detail::html::ab_figure(comparison, "ab-chart-" + std::to_string(index));
        commit("ab-" + std::to_string(index), heading, std::move(html), any ? 1 : 0);
        ++ab_charts_;
        return *this;
    }

    /// An A/B pair from samples measured elsewhere: compare_stats(a, b, options) gives the
    /// verdict. Throws what compare_stats throws (a Stats without steady samples, bad options).
    HtmlReport& add_ab(const std::string& baseline_name, const Stats& baseline, const std::string& candidate_name,
                       const Stats& candidate, CompareOptions options = {}) {
        options.names = {baseline_name, candidate_name};
        Comparison c;
        c.confidence = options.confidence;
        c.min_effect = options.min_effect;
        c.samples = 0;
        c.warmup = 0;
        c.variants.resize(2);
        c.variants[0].name = baseline_name;
        c.variants[0].latency = baseline;
        c.variants[1].name = candidate_name;
        c.variants[1].latency = candidate;
        Contrast contrast = compare_stats(baseline, candidate, options);
        contrast.variant = 1;
        contrast.baseline = 0;
        c.contrasts.push_back(std::move(contrast));
        return add(c);
    }

    /// The machine and build the numbers came from (gputime/core/host_context.hpp), with its hints.
    HtmlReport& add(const HostContext& context) {
        std::string html = "<dl class=\"context\">";
        const auto item = [&html](std::string_view what, const std::string& value) {
            if (value.empty()) return;
            html += "<dt>" + svg_escaped(what) + "</dt><dd>" + svg_escaped(value) + "</dd>";
        };
        item("host", context.host_name);
        item("date (UTC)", context.date_utc);
        item("CPU", context.cpu_model);
        item("logical cores", context.logical_cores > 0 ? std::to_string(context.logical_cores) : std::string());
        item("CPU governor", context.scaling_governor);
        item("turbo", context.turbo ? (*context.turbo ? "on" : "off") : std::string());
        item("compiler", context.compiler);
        item("build", context.build_type);
        item("gputime", context.library_version);
        html += "</dl>";
        const std::vector<std::string> warnings = host_hints(context);
        if (!warnings.empty()) {
            html += "<ul class=\"hints\">";
            for (const std::string& w : warnings) html += "<li>" + svg_escaped(w) + "</li>";
            html += "</ul>";
        }
        commit("context-" + std::to_string(++contexts_), "Machine and build", std::move(html), 0);
        return *this;
    }

    /// A paragraph of your own (escaped: plain text, not markup).
    HtmlReport& add_note(const std::string& text) {
        sections_.push_back(Section{"", "", "<p class=\"note-text\">" + svg_escaped(text) + "</p>"});
        return *this;
    }

    /// The number of SVG charts in the report.
    std::size_t charts() const noexcept { return charts_; }

    /// The whole page.
    std::string str() const {
        std::string out =
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<meta name=\"color-scheme\" content=\"light dark\">"
            // Nothing may be fetched: the page is complete as it is, and must stay so offline.
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
            "<meta name=\"generator\" content=\"gputime " GPUTIME_VERSION "\"><title>";
        out += svg_escaped(title_);
        out += "</title><style>";
        out += detail::html::page_style();
        out += "</style></head><body><header><h1>" + svg_escaped(title_) + "</h1><p class=\"meta\">" +
               svg_escaped("gputime " GPUTIME_VERSION " - " + std::to_string(charts_) +
                           (charts_ == 1 ? " chart" : " charts") +
                           "; hover a mark for its exact value. One self-contained file: no script, no network.") +
               "</p>";
        std::size_t linked = 0;
        for (const Section& s : sections_) linked += s.id.empty() ? 0u : 1u;
        if (linked > 1) {
            out += "<nav aria-label=\"Sections\"><ul>";
            for (const Section& s : sections_)
                if (!s.id.empty()) out += "<li><a href=\"#" + s.id + "\">" + svg_escaped(s.heading) + "</a></li>";
            out += "</ul></nav>";
        }
        out += "</header><main>";
        for (const Section& s : sections_) {
            if (s.id.empty()) {
                out += s.html;
                continue;
            }
            out += "<section id=\"" + s.id + "\"><h2>" + svg_escaped(s.heading) + "</h2>" + s.html + "</section>";
        }
        out += "</main><footer>" +
               svg_escaped("Written by gputime " GPUTIME_VERSION ". Percentiles are nearest-rank; intervals are "
                           "distribution-free (binomial order statistics); MSER-5 after White, Cobb and Spratt "
                           "(2000).") +
               "</footer></body></html>\n";
        return out;
    }

    /// Writes str() to `path`. Throws gputime::Error when the file cannot be written.
    void write(const std::string& path) const {
        const std::string page = str();
        std::ofstream file(path, std::ios::binary | std::ios::trunc);
        if (file) file.write(page.data(), static_cast<std::streamsize>(page.size()));
        if (file) file.close();
        if (!file) throw Error("gputime::HtmlReport::write: cannot write " + path);
    }

private:
    struct Section {
        std::string id;       // empty for a note: no heading, not in the table of contents
        std::string heading;  // plain text (escaped when written)
        std::string html;     // finished markup
    };

    static std::string svg_escaped(std::string_view text) { return detail::svg::escaped(text); }

    void commit(std::string id, std::string heading, std::string html, std::size_t charts) {
        sections_.push_back(Section{std::move(id), std::move(heading), std::move(html)});
        charts_ += charts;
    }

    std::string title_;
    std::vector<Section> sections_;
    std::size_t charts_ = 0;
    std::size_t runs_ = 0;
    std::size_t layer_charts_ = 0;
    std::size_t idle_charts_ = 0;
    std::size_t ab_charts_ = 0;
    std::size_t contexts_ = 0;
};

}  // namespace gputime
