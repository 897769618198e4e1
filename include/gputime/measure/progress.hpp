// SPDX-License-Identifier: MIT
// gputime/measure/progress.hpp - a one-line progress indicator on stderr during long measurements.
//
//   gputime::Progress progress("resnet50 batch 8");
//   for (std::size_t i = 0; i < calls; ++i) {
//       time_one_call();
//       progress.update(i + 1, calls, stats);   // cheap unless a redraw is due
//   }
//   progress.finish();                          // clears the line (the destructor does too)
//
// Drawn only on a terminal, at most 10 times a second, never throwing; with a precision target it
// shows time against the limit and the interval against the target. The line and its rules:
// docs/html_report.md, "Progress".
#pragma once

#include <gputime/core/detail/callback.hpp>
#include <gputime/core/detail/utf8.hpp>
#include <gputime/core/duration.hpp>
#include <gputime/measure/run_result.hpp>
#include <gputime/stats/percentile_interval.hpp>
#include <gputime/stats/stats.hpp>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <iosfwd>
#include <string>
#include <type_traits>
#include <utility>

#if defined(_WIN32)
#include <io.h>
#include <stdio.h>
#elif defined(__has_include)
#if __has_include(<unistd.h>)
#include <unistd.h>
#define GPUTIME_DETAIL_PROGRESS_HAVE_ISATTY 1
#endif
#endif

namespace gputime {

namespace detail {
/// True when the process's stderr is a terminal.
inline bool stderr_is_terminal() noexcept {
#if defined(_WIN32)
    return _isatty(_fileno(stderr)) != 0;
#elif defined(GPUTIME_DETAIL_PROGRESS_HAVE_ISATTY)
    return ::isatty(2) == 1;
#else
    return false;
#endif
}

inline std::chrono::nanoseconds steady_now() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch());
}
}  // namespace detail

/// A one-line progress indicator on stderr (only on a terminal): calls done, host time, and the
/// steady median with the half-width of its 95% interval. Never throws.
class Progress {
public:
    /// Host time now, in nanoseconds from any fixed origin.
    using HostNow = detail::Callback<std::chrono::nanoseconds()>;

    /// Draws on stderr when stderr is a terminal, else nothing; host time is steady_clock.
    explicit Progress(std::string label = {})
        : write_(&write_stderr),
          terminal_(detail::stderr_is_terminal()),
          host_now_(&detail::steady_now),
          label_(std::move(label)) {
        if (terminal_) start_ = last_draw_ = host_now_();
    }

    /// Draws on `out` (any std::ostream) when `terminal` is true, with `host_now` as the clock
    /// (tests: a string stream, true, and a manual clock).
    template <class Ostream, class = std::enable_if_t<std::is_base_of<std::ostream, Ostream>::value>>
    Progress(Ostream& out, bool terminal, HostNow host_now, std::string label = {})
        : out_(&out),
          write_(&write_stream<Ostream>),
          terminal_(terminal),
          host_now_(std::move(host_now)),
          label_(std::move(label)) {
        if (terminal_ && host_now_) start_ = last_draw_ = host_now_();
        else terminal_ = false;
    }

    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;
    ~Progress() { finish(); }

    /// The shortest host time between two redraws (default 100 ms: 10 a second).
    Progress& min_interval(std::chrono::nanoseconds interval) noexcept {
        interval_ = interval;
        return *this;
    }
    /// The longest line drawn, in columns (default 79).
    Progress& width(std::size_t columns) noexcept {
        width_ = columns < 20 ? 20 : columns;
        return *this;
    }
    /// The text the line starts with ("resnet50 batch 8").
    Progress& label(std::string text) {
        label_ = std::move(text);
        return *this;
    }

    /// `done` of `total` calls so far, and the steady samples to summarise. Redraws when the
    /// interval has passed since the last redraw; otherwise returns without reading `steady`.
    void update(std::size_t done, std::size_t total, const Stats& steady) noexcept {
        draw_if_due(done, total, &steady);
    }
    /// As above, without statistics (see the header comment: throughput mode on a GPU clock).
    void update(std::size_t done, std::size_t total) noexcept { draw_if_due(done, total, nullptr); }
    /// A run that ends at a precision target: `done` calls so far, the target (its percentile,
    /// confidence, width and time limit), and the steady samples.
    void update(std::size_t done, const PrecisionTarget& target, const Stats& steady) noexcept {
        draw_if_due(done, 0, &steady, &target);
    }
    /// As above, without statistics (throughput mode on a GPU clock).
    void update(std::size_t done, const PrecisionTarget& target) noexcept { draw_if_due(done, 0, nullptr, &target); }

    /// Erases the line if one was drawn, leaving the cursor at the start of an empty line.
    /// Called by the destructor; later updates draw again.
    void finish() noexcept {
        if (!terminal_ || drawn_width_ == 0) return;
        try {
            write_(out_, '\r' + std::string(drawn_width_, ' ') + '\r');
        } catch (...) {
            // A stream that throws on write (exceptions() set): there is nothing left to erase with.
        }
        drawn_width_ = 0;
    }

    /// Whether anything will ever be drawn (a terminal, and a clock).
    bool active() const noexcept { return terminal_; }
    /// How many times the line was drawn.
    std::size_t redraws() const noexcept { return redraws_; }

    /// The line update() would draw for these values, `elapsed` after the start (also for a
    /// caller that wants the text, e.g. in a log every N calls).
    std::string line(std::size_t done, std::size_t total, std::chrono::nanoseconds elapsed, const Stats* steady) const {
        const std::string progress =
            std::to_string(done) + "/" + std::to_string(total) + " calls  " + format_duration(Duration(elapsed));
        return fit(progress, interval_text(steady, 50.0, 0.95));
    }
    /// The line of a run that ends at `target`: time against its time limit, calls, and the
    /// target percentile's interval against the width that ends the run.
    std::string line(std::size_t done, const PrecisionTarget& target, std::chrono::nanoseconds elapsed,
                     const Stats* steady) const {
        const std::string progress = format_duration(Duration(elapsed)) + " of " +
                                     format_duration(Duration(target.max_time)) + ", " + std::to_string(done) +
                                     (done == 1 ? " call" : " calls");
        std::string stats = interval_text(steady, target.percentile, target.confidence);
        stats += (stats.empty() ? "" : " ") + std::string("(target +/-") + percent(target.relative_half_width) + ")";
        return fit(progress, stats);
    }

private:
    void draw_if_due(std::size_t done, std::size_t total, const Stats* steady,
                     const PrecisionTarget* target = nullptr) noexcept {
        if (!terminal_) return;
        try {
            const std::chrono::nanoseconds now = host_now_();
            if (now - last_draw_ < interval_) return;
            last_draw_ = now;
            const std::string text =
                target != nullptr ? line(done, *target, now - start_, steady) : line(done, total, now - start_, steady);
            const std::size_t columns = columns_of(text);
            std::string out = "\r" + text;
            if (columns < drawn_width_) out.append(drawn_width_ - columns, ' ');  // erase the longer last line
            write_(out_, out);
            drawn_width_ = columns;
            ++redraws_;
        } catch (...) {
            // No progress line is worth a failed measurement.
        }
    }

    // A fraction as a percentage with 1 decimal ("0.8%"), locale-independent (integer digits).
    static std::string percent(double fraction) {
        const double tenths = std::round(fraction * 1000.0);
        if (!(std::fabs(tenths) < 1e15)) return "?%";
        const long long t = static_cast<long long>(tenths);
        const long long whole = (t < 0 ? -t : t) / 10, tenth = (t < 0 ? -t : t) % 10;
        return std::string(t < 0 ? "-" : "") + std::to_string(whole) + "." + std::to_string(tenth) + "%";
    }
    static std::size_t columns_of(const std::string& text) {
        std::size_t columns = 0;
        for (std::size_t i = 0; i < text.size(); ++columns) {
            const std::size_t n = detail::utf8_sequence_length(text, i);
            i += n == 0 ? 1 : n;
        }
        return columns;
    }
    // "p50 1.400 us +/-28.6%" (or "(95% interval open)"), or "" when `steady` cannot say.
    static std::string interval_text(const Stats* steady, double percentile, double confidence) {
        if (steady == nullptr) return {};
        try {
            if (steady->count() == 0) return {};
            const PercentileInterval i = steady->percentile_interval(percentile, confidence);
            char name[32];
            std::snprintf(name, sizeof name, "p%g ", percentile);
            char open[48];
            std::snprintf(open, sizeof open, " (%g%% interval open)", confidence * 100.0);
            return name + format_duration(i.estimate) +
                   (i.bounded() ? " +/-" + percent(i.relative_half_width()) : open);
        } catch (...) {
            return {};  // a Stats that cannot be read now (a parked GPU error): no statistics
        }
    }

    // label  progress  stats, in at most width_ columns. What gives way first is the label (cut,
    // with "..."), then the progress; the statistics, what the line is for, go last.
    std::string fit(const std::string& progress, const std::string& stats) const {
        auto join = [](const std::string& a, const std::string& b) {
            return a.empty() ? b : b.empty() ? a : a + "  " + b;
        };
        std::string rest = join(progress, stats);  // not const: returned by move
        std::string whole = join(label_, rest);
        if (columns_of(whole) <= width_) return whole;
        const std::size_t rest_columns = columns_of(rest);
        if (!label_.empty() && rest_columns + 2 + 4 <= width_)  // room for a label of 1 column + "..."
            return cut_to(label_, width_ - rest_columns - 2 - 3) + "...  " + rest;
        if (rest_columns <= width_) return rest;
        if (!stats.empty() && columns_of(stats) <= width_) return stats;
        return cut(rest);
    }

    // The first `columns` columns of `text`, never cutting a UTF-8 character in two.
    static std::string cut_to(const std::string& text, std::size_t columns) {
        std::size_t n = 0;
        for (std::size_t i = 0; i < text.size(); ++n) {
            if (n == columns) return text.substr(0, i);
            const std::size_t len = detail::utf8_sequence_length(text, i);
            i += len == 0 ? 1 : len;
        }
        return text;
    }

    // At most width_ columns, never cutting a UTF-8 character in two.
    std::string cut(const std::string& text) const {
        std::size_t columns = 0;
        for (std::size_t i = 0; i < text.size(); ++columns) {
            if (columns == width_) return text.substr(0, i);
            const std::size_t n = detail::utf8_sequence_length(text, i);
            i += n == 0 ? 1 : n;
        }
        return text;
    }

    // Where the line goes: the caller's stream, or stderr through stdio, so that this header
    // needs no <iostream> (a stream's members are compiled only where a stream is given).
    template <class Ostream>
    static void write_stream(void* out, const std::string& text) {
        Ostream& os = *static_cast<Ostream*>(out);
        os.write(text.data(), static_cast<std::streamsize>(text.size()));
        os.flush();
    }
    static void write_stderr(void*, const std::string& text) {
        std::fwrite(text.data(), 1, text.size(), stderr);
        std::fflush(stderr);
    }
    void* out_ = nullptr;
    void (*write_)(void*, const std::string&);
    bool terminal_;
    HostNow host_now_;
    std::string label_;
    std::chrono::nanoseconds interval_ = std::chrono::milliseconds(100);
    std::size_t width_ = 79;
    std::chrono::nanoseconds start_{0};
    std::chrono::nanoseconds last_draw_{0};
    std::size_t drawn_width_ = 0;
    std::size_t redraws_ = 0;
};

}  // namespace gputime
