// SPDX-License-Identifier: MIT
// gputime/report/detail/html/layers_figure.hpp - a layer profile as bars: per layer its steady p50
// and its first call, then the time between layers and the whole iteration.
//
//   html += layers_figure(profile, "layer-chart-1");
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/measure/layer_profile.hpp>
#include <gputime/report/detail/html/common.hpp>
#include <gputime/stats/stats.hpp>

#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace gputime::detail::html {

struct LayerRow {
    std::string name;
    std::string tooltip;
    std::size_t depth = 0;
    bool has_p50 = false;
    double p50 = 0.0;
    bool has_first = false;
    double first = 0.0;
};

inline LayerRow layer_row(std::string name, const std::string& path, std::size_t depth, const Stats& s) {
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
    for (const LayerStats& layer : p.layers())
        rows.push_back(layer_row(layer.name, layer.path, layer.depth, layer.time));
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

}  // namespace gputime::detail::html
