// SPDX-License-Identifier: MIT
// gputime/report/detail/svg_chart.hpp - one SVG chart of the HTML report: a canvas that collects
// elements, a path builder, and the axes every chart draws.
//
// Styling is left to the page's CSS (classes, no colours in the SVG): the same chart then reads
// in a light and a dark colour scheme, and a user can restyle the report in one place.
#pragma once

#include <gputime/core/detail/callback.hpp>
#include <gputime/report/detail/svg.hpp>

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gputime::detail::svg {

/// The plotting area of a chart, in pixels of its viewBox.
struct PlotArea {
    double left = 0.0;
    double top = 0.0;
    double right = 0.0;
    double bottom = 0.0;
    double width() const { return right - left; }
    double height() const { return bottom - top; }
};

/// "M x y L x y ...": polylines and many short segments in one element, which keeps a chart of
/// thousands of calls small.
class PathBuilder {
public:
    PathBuilder& move_to(double x, double y) { return step('M', x, y); }
    PathBuilder& line_to(double x, double y) { return step('L', x, y); }
    bool empty() const noexcept { return d_.empty(); }
    const std::string& str() const noexcept { return d_; }

private:
    PathBuilder& step(char command, double x, double y) {
        if (!d_.empty()) d_ += ' ';
        d_ += command;
        append_number(d_, x);
        d_ += ' ';
        append_number(d_, y);
        return *this;
    }
    std::string d_;
};

/// Collects the elements of one <svg>; str() wraps them with the root element.
class Canvas {
public:
    /// `id` must be unique in the page; `kind` becomes data-chart (what the chart shows);
    /// `label` is the chart's accessible name.
    Canvas(double width, double height, std::string id, std::string kind, std::string label)
        : width_(width), height_(height), id_(std::move(id)), kind_(std::move(kind)), label_(std::move(label)) {}

    /// Adds data-<name>="value" to the root element: what the chart shows, for tools and tests.
    void data(std::string_view name, std::string_view value) {
        data_ += " data-";
        data_ += name;
        data_ += "=\"";
        append_escaped(data_, value);
        data_ += '"';
    }

    void line(double x1, double y1, double x2, double y2, std::string_view cls) {
        body_ += "<line x1=\"" + number(x1) + "\" y1=\"" + number(y1) + "\" x2=\"" + number(x2) + "\" y2=\"" +
                 number(y2) + "\" class=\"" + std::string(cls) + "\"/>";
    }
    void rect(double x, double y, double w, double h, std::string_view cls, std::string_view tooltip = {}) {
        body_ += "<rect x=\"" + number(x) + "\" y=\"" + number(y) + "\" width=\"" + number(std::max(0.0, w)) +
                 "\" height=\"" + number(std::max(0.0, h)) + "\" class=\"" + std::string(cls) + "\"";
        close_with_tooltip("rect", tooltip);
    }
    void circle(double cx, double cy, double r, std::string_view cls, std::string_view tooltip = {}) {
        body_ += "<circle cx=\"" + number(cx) + "\" cy=\"" + number(cy) + "\" r=\"" + number(r) + "\" class=\"" +
                 std::string(cls) + "\"";
        close_with_tooltip("circle", tooltip);
    }
    void path(const PathBuilder& p, std::string_view cls) {
        if (p.empty()) return;
        body_ += "<path d=\"" + p.str() + "\" class=\"" + std::string(cls) + "\"/>";
    }
    void polygon(const std::vector<std::pair<double, double>>& points, std::string_view cls) {
        if (points.size() < 3) return;
        body_ += "<polygon points=\"";
        for (std::size_t i = 0; i < points.size(); ++i) {
            if (i > 0) body_ += ' ';
            append_number(body_, points[i].first);
            body_ += ',';
            append_number(body_, points[i].second);
        }
        body_ += "\" class=\"" + std::string(cls) + "\"/>";
    }
    /// `anchor`: "start", "middle" or "end". `rotate`: degrees about (x, y).
    void text(double x, double y, std::string_view content, std::string_view cls = "",
              std::string_view anchor = "start", double rotate = 0.0) {
        body_ += "<text x=\"" + number(x) + "\" y=\"" + number(y) + "\"";
        if (anchor != "start") body_ += " text-anchor=\"" + std::string(anchor) + "\"";
        if (!cls.empty()) body_ += " class=\"" + std::string(cls) + "\"";
        if (rotate != 0.0) body_ += " transform=\"rotate(" + number(rotate) + " " + number(x) + " " + number(y) + ")\"";
        body_ += '>';
        append_escaped(body_, content);
        body_ += "</text>";
    }
    /// Opens a group (e.g. one row of bars); every begin_group needs its end_group.
    void begin_group(std::string_view cls, std::string_view tooltip = {}) {
        body_ += "<g class=\"" + std::string(cls) + "\">";
        if (!tooltip.empty()) {
            body_ += "<title>";
            append_escaped(body_, tooltip);
            body_ += "</title>";
        }
    }
    void end_group() { body_ += "</g>"; }

    double width() const noexcept { return width_; }
    double height() const noexcept { return height_; }

    std::string str() const {
        std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"" + id_ + "\" class=\"chart\" data-chart=\"" +
                          kind_ + "\"" + data_ + " viewBox=\"0 0 " + number(width_) + " " + number(height_) +
                          "\" role=\"img\" aria-labelledby=\"" + id_ + "-title\"><title id=\"" + id_ + "-title\">";
        append_escaped(out, label_);
        out += "</title>" + body_ + "</svg>";
        return out;
    }

private:
    void close_with_tooltip(const char* element, std::string_view tooltip) {
        if (tooltip.empty()) {
            body_ += "/>";
            return;
        }
        // A <title> child is the browser's own tooltip: no script needed to read exact values.
        body_ += "><title>";
        append_escaped(body_, tooltip);
        body_ += "</title></";
        body_ += element;
        body_ += '>';
    }

    double width_;
    double height_;
    std::string id_;
    std::string kind_;
    std::string label_;
    std::string data_;
    std::string body_;
};

using TickLabel = detail::Callback<std::string(double)>;

/// Horizontal grid lines and labels at `ticks` on the left of `area`, and the axis title
/// written upwards along the left edge.
inline void draw_y_axis(Canvas& c, const PlotArea& area, const Scale& y, const std::vector<double>& ticks,
                        const TickLabel& label, std::string_view title) {
    for (const double t : ticks) {
        const double py = y(t);
        if (py < area.top - 0.5 || py > area.bottom + 0.5) continue;
        c.line(area.left, py, area.right, py, "grid");
        c.text(area.left - 6.0, py + 4.0, label(t), "tick", "end");
    }
    c.line(area.left, area.top, area.left, area.bottom, "axis");
    c.text(14.0, (area.top + area.bottom) / 2.0, title, "axis-title", "middle", -90.0);
}

/// Ticks and labels below `area`, vertical grid lines, and the axis title under them.
inline void draw_x_axis(Canvas& c, const PlotArea& area, const Scale& x, const std::vector<double>& ticks,
                        const TickLabel& label, std::string_view title, bool grid = true) {
    for (const double t : ticks) {
        const double px = x(t);
        if (px < area.left - 0.5 || px > area.right + 0.5) continue;
        if (grid) c.line(px, area.top, px, area.bottom, "grid");
        c.line(px, area.bottom, px, area.bottom + 4.0, "axis");
        c.text(px, area.bottom + 17.0, label(t), "tick", "middle");
    }
    c.line(area.left, area.bottom, area.right, area.bottom, "axis");
    c.text((area.left + area.right) / 2.0, area.bottom + 36.0, title, "axis-title", "middle");
}

}  // namespace gputime::detail::svg
