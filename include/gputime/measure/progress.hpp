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
// The line, redrawn in place ('\r') at most 10 times a second of host time:
//   resnet50 batch 8  1200/5000 calls  12.40 s  p50 2.145 ms +/-0.8%
// calls done of the total, the host time since the Progress was made, and the steady median
// with the half-width of its 95% confidence interval (Stats::percentile_interval(50, 0.95)),
// relative to it: the number to watch to know when a run has measured enough.
//
// * Only on a terminal: the default constructor draws on stderr when stderr is one (isatty(2))
//   and does nothing at all otherwise, so logs, CI output and pipes never see a '\r'.
//   update() then returns at once without reading anything.
// * Throttled by host time (min_interval(), 100 ms by default): nothing is drawn before the
//   first interval has passed, so a run shorter than that prints nothing, and a redraw reads
//   the Stats (one selection pass for the median and its interval) at most that often.
// * update(done, total) without a Stats draws calls and time only. Use it where reading the
//   Stats would wait for the device (a GPU clock in throughput mode: its samples resolve when
//   the Stats is read, which would put a synchronisation inside the measured loop).
// * A line longer than width() (79 columns) is cut, so that the terminal never wraps it and '\r'
//   always returns to its start; a shorter line than the last is padded with spaces to erase it.
// * Never throws: a progress line must not end a measurement. If reading the Stats throws (a
//   GPU error parked in it), the line is drawn without statistics; the error stays in the Stats
//   for the caller's own read.
// For tests, the second constructor takes the stream, whether it is a terminal, and the host
// clock (a function returning nanoseconds), so the exact output can be checked.
#pragma once

#include <gputime/core/detail/escape.hpp>
#include <gputime/core/duration.hpp>
#include <gputime/stats/percentile_interval.hpp>
#include <gputime/stats/stats.hpp>

#include <charconv>
#include <chrono>
#include <cstddef>
#include <functional>
#include <iostream>
#include <ostream>
#include <string>
#include <system_error>
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

class Progress {
public:
    /// Host time now, in nanoseconds from any fixed origin.
    using HostNow = std::function<std::chrono::nanoseconds()>;

    /// Draws on stderr when stderr is a terminal, else nothing; host time is steady_clock.
    explicit Progress(std::string label = {})
        : Progress(std::cerr, detail::stderr_is_terminal(), &detail::steady_now, std::move(label)) {}

    /// Draws on `out` when `terminal` is true, with `host_now` as the clock (tests: a string
    /// stream, true, and a manual clock).
    Progress(std::ostream& out, bool terminal, HostNow host_now, std::string label = {})
        : out_(out), terminal_(terminal), host_now_(std::move(host_now)), label_(std::move(label)) {
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
    Progress& label(std::string text) {
        label_ = std::move(text);
        return *this;
    }

    /// `done` of `total` calls so far, and the steady samples to summarise. Redraws when the
    /// interval has passed since the last redraw; otherwise returns without reading `steady`.
    void update(std::size_t done, std::size_t total, const Stats& steady) noexcept { draw_if_due(done, total, &steady); }
    /// As above, without statistics (see the header comment: throughput mode on a GPU clock).
    void update(std::size_t done, std::size_t total) noexcept { draw_if_due(done, total, nullptr); }

    /// Erases the line if one was drawn, leaving the cursor at the start of an empty line.
    /// Called by the destructor; later updates draw again.
    void finish() noexcept {
        if (!terminal_ || drawn_width_ == 0) return;
        try {
            out_ << '\r' << std::string(drawn_width_, ' ') << '\r' << std::flush;
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
        std::string text = label_.empty() ? std::string() : label_ + "  ";
        text += std::to_string(done) + "/" + std::to_string(total) + " calls  " + format_duration(Duration(elapsed));
        if (steady != nullptr) {
            try {
                if (steady->count() > 0) {
                    const PercentileInterval median = steady->percentile_interval(50.0, 0.95);
                    text += "  p50 " + format_duration(median.estimate);
                    text += median.bounded() ? " +/-" + percent(median.relative_half_width())
                                             : std::string(" (95% interval open)");
                }
            } catch (...) {
                // A Stats that cannot be read now (a parked GPU error): calls and time only.
            }
        }
        return cut(text);
    }

private:
    void draw_if_due(std::size_t done, std::size_t total, const Stats* steady) noexcept {
        if (!terminal_) return;
        try {
            const std::chrono::nanoseconds now = host_now_();
            if (now - last_draw_ < interval_) return;
            last_draw_ = now;
            const std::string text = line(done, total, now - start_, steady);
            const std::size_t columns = columns_of(text);
            std::string out = "\r" + text;
            if (columns < drawn_width_) out.append(drawn_width_ - columns, ' ');  // erase the longer last line
            out_ << out << std::flush;
            drawn_width_ = columns;
            ++redraws_;
        } catch (...) {
            // No progress line is worth a failed measurement.
        }
    }

    // A fraction as a percentage with 1 decimal ("0.8%"), locale-independent.
    static std::string percent(double fraction) {
        char buffer[32];
        const std::to_chars_result r =
            std::to_chars(buffer, buffer + sizeof buffer, fraction * 100.0, std::chars_format::fixed, 1);
        return r.ec == std::errc{} ? std::string(buffer, r.ptr) + "%" : std::string("?%");
    }
    static std::size_t columns_of(const std::string& text) {
        std::size_t columns = 0;
        for (std::size_t i = 0; i < text.size(); ++columns) {
            const std::size_t n = detail::utf8_sequence_length(text, i);
            i += n == 0 ? 1 : n;
        }
        return columns;
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

    std::ostream& out_;
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
