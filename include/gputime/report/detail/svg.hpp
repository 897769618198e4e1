// SPDX-License-Identifier: MIT
// gputime/report/detail/svg.hpp - the pieces the HTML report draws its charts with: escaping text for
// HTML and SVG, writing coordinates, scales (linear and logarithmic), tick positions and tick
// labels for durations.
//
// Everything is written by hand into a std::string: the report must be one self-contained file
// with no third-party code, and a few hundred lines of SVG primitives are all it needs.
//  * Text: names come from users and frameworks ("conv <3x3> & \"same\"", non-ASCII, invalid
//    UTF-8), so every string is escaped: & < > " ' become entities, invalid UTF-8 bytes and
//    control characters become U+FFFD. The output is then valid HTML and valid XML alike.
//  * Numbers: coordinates are written with std::to_chars, which ignores the C locale (a program
//    that set a German LC_NUMERIC would otherwise write "12,5" and break every attribute).
//    A non-finite coordinate is a bug in the report, not input: it throws std::logic_error
//    rather than writing an attribute the browser would reject.
#pragma once

#include <gputime/core/detail/escape.hpp>
#include <gputime/core/duration.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace gputime::detail::svg {

/// Appends `text` escaped for HTML text, HTML attributes and SVG alike.
inline void append_escaped(std::string& out, std::string_view text) {
    static constexpr char replacement[] = "\xEF\xBF\xBD";  // U+FFFD in UTF-8
    append_utf8_escaped(out, text, replacement, [](std::string& o, unsigned char c) {
        switch (c) {
            case '&': o += "&amp;"; break;
            case '<': o += "&lt;"; break;
            case '>': o += "&gt;"; break;
            case '"': o += "&quot;"; break;
            case '\'': o += "&#39;"; break;
            case '\t':
            case '\n': o += static_cast<char>(c); break;
            default:
                // XML 1.0 allows no other C0 control character, HTML calls them parse errors.
                if (c < 0x20 || c == 0x7F) o += replacement;
                else o += static_cast<char>(c);
        }
    });
}

inline std::string escaped(std::string_view text) {
    std::string out;
    append_escaped(out, text);
    return out;
}

/// At most `max_chars` code points of `text` (UTF-8 aware: never cuts a character in two),
/// with "..." in place of what was cut.
inline std::string truncated(std::string_view text, std::size_t max_chars) {
    std::size_t chars = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        if (chars == max_chars) return std::string(text.substr(0, i)) + "...";
        const std::size_t n = utf8_sequence_length(text, i);
        i += n == 0 ? 1 : n;
        ++chars;
    }
    return std::string(text);
}

/// The number of code points in `text` (an invalid byte counts as one).
inline std::size_t char_count(std::string_view text) {
    std::size_t chars = 0;
    for (std::size_t i = 0; i < text.size(); ++chars) {
        const std::size_t n = utf8_sequence_length(text, i);
        i += n == 0 ? 1 : n;
    }
    return chars;
}

/// Appends a coordinate with at most two decimals, locale-independent, without "-0".
inline void append_number(std::string& out, double value) {
    if (!std::isfinite(value)) throw std::logic_error("gputime::HtmlReport: a chart coordinate is not finite");
    value = std::round(value * 100.0) / 100.0;
    if (value == 0.0) value = 0.0;
    char buffer[64];
    const std::to_chars_result r = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed);
    if (r.ec != std::errc{}) throw std::logic_error("gputime::HtmlReport: a chart coordinate does not fit");
    out.append(buffer, r.ptr);
}

inline std::string number(double value) {
    std::string out;
    append_number(out, value);
    return out;
}

/// Maps a data interval onto a pixel interval, linearly or logarithmically. A log scale needs
/// lo > 0; values at or below 0 are drawn at its low end.
struct Scale {
    double lo = 0.0;
    double hi = 1.0;
    double from = 0.0;  // pixel of lo
    double to = 1.0;    // pixel of hi
    bool log = false;

    double operator()(double value) const {
        const double a = log ? std::log10(lo) : lo;
        const double b = log ? std::log10(hi) : hi;
        double v = value;
        if (log) v = value > 0.0 ? std::log10(value) : a;
        if (b == a) return (from + to) / 2.0;
        return from + (v - a) / (b - a) * (to - from);
    }
};

/// True when values from lo to hi (lo > 0) span enough to need a log axis: a factor of 10 or
/// more, where a linear axis would squash everything below a tenth of the maximum.
inline bool spans_decades(double lo, double hi) { return lo > 0.0 && hi / lo >= 10.0; }

/// "Nice" linear ticks (steps of 1, 2 or 5 times a power of ten) covering [lo, hi], about
/// `wanted` of them. Returns the ticks; the domain is widened to start and end on a tick.
inline std::vector<double> linear_ticks(double& lo, double& hi, int wanted) {
    if (!std::isfinite(lo) || !std::isfinite(hi)) {  // nothing to scale an axis by
        lo = 0.0;
        hi = 1.0;
    }
    if (!(hi - lo > 1e-9 * std::max(std::fabs(lo), std::fabs(hi)))) {
        // One value (or two a few ulps apart, where a step would not move a tick): make a small
        // interval around it so that the axis has a length.
        hi = lo;
        const double pad = lo == 0.0 ? 1.0 : std::fabs(lo) * 0.1;
        lo -= pad;
        hi += pad;
        if (lo < 0.0 && lo + pad >= 0.0) lo = 0.0;
    }
    const double raw = (hi - lo) / std::max(1, wanted);
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    const double residual = raw / magnitude;
    const double step = (residual <= 1.0 ? 1.0 : residual <= 2.0 ? 2.0 : residual <= 5.0 ? 5.0 : 10.0) * magnitude;
    lo = std::floor(lo / step + 1e-9) * step;
    hi = std::ceil(hi / step - 1e-9) * step;
    // Counted, not accumulated: lo + i * step always moves, and rounding does not add a tick.
    const auto count = static_cast<std::size_t>(std::llround((hi - lo) / step));
    std::vector<double> ticks;
    for (std::size_t i = 0; i <= count; ++i) {
        const double t = lo + static_cast<double>(i) * step;
        ticks.push_back(std::fabs(t) < step * 1e-9 ? 0.0 : t);
    }
    return ticks;
}

/// Ticks of a log axis over [lo, hi] (lo > 0): 1, 2 and 5 times each power of ten, thinned to
/// the powers of ten alone when that would be more than about 12 ticks. The domain is widened to
/// the ticks just outside it.
inline std::vector<double> log_ticks(double& lo, double& hi) {
    const double first_decade = std::floor(std::log10(lo));
    const double last_decade = std::ceil(std::log10(hi));
    const bool dense = last_decade - first_decade <= 4.0;
    std::vector<double> candidates;
    for (double e = first_decade; e <= last_decade; e += 1.0) {
        const double p = std::pow(10.0, e);
        if (dense) {
            for (const double m : {1.0, 2.0, 5.0}) candidates.push_back(m * p);
        } else {
            candidates.push_back(p);
        }
    }
    // The tick at or below lo, every tick inside, and the tick at or above hi.
    std::vector<double> ticks;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        const bool below_next = i + 1 < candidates.size() && candidates[i + 1] <= lo * (1.0 + 1e-12);
        if (below_next) continue;
        ticks.push_back(candidates[i]);
        if (candidates[i] >= hi * (1.0 - 1e-12)) break;
    }
    lo = ticks.front();
    hi = ticks.back();
    if (hi <= lo) hi = lo * 10.0;
    return ticks;
}

/// A duration for an axis tick: format_duration without the trailing zeros it keeps for
/// alignment ("2 ms", "1.5 ms", "250 us").
inline std::string tick_label(double ns) {
    std::string text = format_duration(Duration{ns});
    const std::size_t space = text.find(' ');
    const std::size_t dot = text.find('.');
    if (space != std::string::npos && dot != std::string::npos && dot < space) {
        std::size_t end = space;
        while (end > dot + 1 && text[end - 1] == '0') --end;
        if (end == dot + 1) end = dot;  // "2." -> "2"
        text.erase(end, space - end);
    }
    return text;
}

/// A plain number for an axis tick (counts, call numbers): no exponent, at most 3 decimals.
inline std::string count_label(double value) {
    char buffer[64];
    const std::to_chars_result r =
        std::to_chars(buffer, buffer + sizeof buffer, std::round(value * 1000.0) / 1000.0, std::chars_format::fixed);
    return r.ec == std::errc{} ? std::string(buffer, r.ptr) : std::string("?");
}

}  // namespace gputime::detail::svg
