// SPDX-License-Identifier: MIT
// gputime/measure/warmup_runner.hpp - call a function many times and time it the right way.
//
//   auto result = gputime::WarmupRunner(clock).warmup(10).iterations(200).run([&] { model.forward(x); });
//   std::cout << result;
//
// Warm-up calls (a fixed count, a time budget, or until MSER-5 shows the rest steady) stay out of
// the steady statistics but in the result; the measured loop runs a count of calls or until a
// percentile's interval is narrow enough. What each setting does: docs/warmup.md, "WarmupRunner";
// bad input: docs/bad_input.md.
#pragma once

#include <gputime/core/clock_contract.hpp>
#include <gputime/core/default_stream.hpp>
#include <gputime/core/detail/callback.hpp>
#include <gputime/core/error.hpp>
#include <gputime/measure/progress.hpp>
#include <gputime/measure/run_result.hpp>
#include <gputime/stats/stats.hpp>
#include <gputime/stats/warmup_detection.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace gputime {
namespace detail {
// A clock that can wait for the device without resolving pairs (CudaEventClock::wait_for_marks()).
template <class C, class = void>
struct waits_for_marks : std::false_type {};
template <class C>
struct waits_for_marks<C, std::void_t<decltype(std::declval<C&>().wait_for_marks())>> : std::true_type {};

// A clock that may wait inside stop() and says how long (CudaEventClock::last_stop_wait()).
template <class C, class = void>
struct reports_stop_wait : std::false_type {};
template <class C>
struct reports_stop_wait<C, std::enable_if_t<std::is_convertible<decltype(std::declval<const C&>().last_stop_wait()),
                                                                 std::chrono::nanoseconds>::value>> : std::true_type {};
}  // namespace detail

/// Runs a callable through a warm-up (kept, not thrown away), then measures it for a count or
/// until a percentile is known to a precision; run() returns a RunResult.
template <class Clock>
class WarmupRunner {
    static_assert(detail::check_clock<Clock, Stats>());

public:
    /// Times with `clock`, which must outlive the runner.
    explicit WarmupRunner(Clock& clock) : clock_(clock) {}

    /// Calls made before measuring (default 10). 0 is allowed: the first measured call is
    /// then still kept apart as the first call.
    WarmupRunner& warmup(std::size_t calls) {
        settings_.warmup_rule = WarmupRule::fixed_count;
        settings_.warmup_calls = calls;
        settings_.warmup_time = std::chrono::nanoseconds{0};
        return *this;
    }
    /// Warm up for a host-time budget instead of a count: calls until `budget` has passed since
    /// the warm-up began (at least one call). Throws InvalidArgument ("budget") for budget <= 0.
    WarmupRunner& warmup_for(std::chrono::nanoseconds budget) {
        if (budget.count() <= 0)
            throw InvalidArgument("WarmupRunner::warmup_for", "budget",
                                  "must be > 0 ns, got " + std::to_string(budget.count()) + " ns");
        settings_.warmup_rule = WarmupRule::time_budget;
        settings_.warmup_time = budget;
        settings_.warmup_calls = std::numeric_limits<std::size_t>::max();
        return *this;
    }
    /// End the warm-up when warmup_end_of (warmup_detection.hpp) shows the calls after the
    /// transient steady (checked every 5 calls from the 20th; it needs at least 40 steady
    /// calls), after at most `max_calls` calls and, if max_time > 0, `max_time` of host time.
    /// result().warmup_settled says whether the rule ended it (false: "not settled", the limit
    /// did). Throws InvalidArgument for max_calls < 40 ("max_calls": the rule needs 40 steady
    /// calls to show the latency flat) or max_time < 0 ("max_time").
    WarmupRunner& warmup_auto(std::size_t max_calls = 1000,
                              std::chrono::nanoseconds max_time = std::chrono::seconds(10)) {
        if (max_calls < 40)
            throw InvalidArgument("WarmupRunner::warmup_auto", "max_calls",
                                  "must be >= 40 (the rule needs 40 steady calls to show the latency flat), got " +
                                      std::to_string(max_calls));
        if (max_time.count() < 0)
            throw InvalidArgument("WarmupRunner::warmup_auto", "max_time",
                                  "must be >= 0 ns (0: no limit), got " + std::to_string(max_time.count()) + " ns");
        settings_.warmup_rule = WarmupRule::mser5;
        settings_.warmup_calls = max_calls;
        settings_.warmup_time = max_time;
        return *this;
    }
    /// Warm up until the timings settle instead of for a fixed count: stop once the median of
    /// the last `window` calls is within `tolerance` (a fraction) of the median of the `window`
    /// calls before them, after at most `max_calls`. result().warmup_settled says which ended it.
    /// Throws InvalidArgument: window 0 ("window"), max_calls < 2 * window + 1 ("max_calls"),
    /// tolerance NaN, <= 0 or infinite ("tolerance").
    WarmupRunner& warmup_until_stable(std::size_t max_calls, std::size_t window = 5, double tolerance = 0.05) {
        const char* where = "WarmupRunner::warmup_until_stable";
        if (window == 0) throw InvalidArgument(where, "window", "must be >= 1, got 0");
        // max_calls >= 2 * window + 1, written so that a huge window cannot wrap around.
        if (max_calls == 0 || (max_calls - 1) / 2 < window)
            throw InvalidArgument(
                where, "max_calls",
                "must be >= 2 * window + 1 (window " + std::to_string(window) + "), got " + std::to_string(max_calls));
        if (!(tolerance > 0.0) || !std::isfinite(tolerance)) {
            char value[32];
            std::snprintf(value, sizeof value, "%g", tolerance);
            throw InvalidArgument(where, "tolerance", std::string("must be finite and > 0, got ") + value);
        }
        settings_.warmup_rule = WarmupRule::window_median;
        settings_.warmup_calls = max_calls;
        settings_.warmup_time = std::chrono::nanoseconds{0};
        settings_.stable_window = window;
        settings_.stable_tolerance = tolerance;
        return *this;
    }
    /// Measured calls (default 100); replaces a precision target set by until(). Throws
    /// InvalidArgument (parameter "calls") for 0.
    WarmupRunner& iterations(std::size_t calls) {
        if (calls == 0) throw InvalidArgument("WarmupRunner::iterations", "calls", "must be >= 1, got 0");
        settings_.iterations = calls;
        settings_.target.reset();
        return *this;
    }
    /// Measure until `target` is met instead of for a fixed count (see PrecisionTarget).
    WarmupRunner& until(const PrecisionTarget& target) {
        const char* where = "WarmupRunner::until";
        if (!(target.percentile >= 0.0 && target.percentile <= 100.0))
            throw InvalidArgument(where, "target.percentile",
                                  "must be in [0, 100], got " + std::to_string(target.percentile));
        if (!(target.relative_half_width > 0.0) || !std::isfinite(target.relative_half_width))
            throw InvalidArgument(
                where, "target.relative_half_width",
                "must be finite and > 0 (0.01 = +-1%), got " + std::to_string(target.relative_half_width));
        if (!(target.confidence > 0.0 && target.confidence < 1.0))
            throw InvalidArgument(where, "target.confidence",
                                  "must be in (0, 1), got " + std::to_string(target.confidence));
        if (target.max_samples == 0 || target.max_samples < target.min_samples)
            throw InvalidArgument(where, "target.max_samples",
                                  "must be >= 1 and >= min_samples (" + std::to_string(target.min_samples) + "), got " +
                                      std::to_string(target.max_samples));
        if (target.max_time.count() <= 0 || target.max_time < target.min_time)
            throw InvalidArgument(
                where, "target.max_time",
                "must be > 0 and >= min_time, got " + std::to_string(target.max_time.count()) + " ns");
        settings_.target = target;
        return *this;
    }
    /// until() with the defaults and a relative half-width for the median (0.01 = +-1%).
    WarmupRunner& until_precise(double relative_half_width = 0.01) {
        PrecisionTarget target;
        target.relative_half_width = relative_half_width;
        return until(target);
    }
    /// The result's name (RunResult::name).
    WarmupRunner& name(std::string label) {
        name_ = std::move(label);
        return *this;
    }
    /// Latency (one call at a time, the default) or throughput (back to back); see RunMode.
    WarmupRunner& mode(RunMode m) {
        settings_.mode = m;
        return *this;
    }
    /// Draws the measured loop's progress on `p`: calls of the count and time, or with a precision
    /// target time against its limit and the interval against the target; the median's (the
    /// target percentile's) interval. By default the runner draws its own on stderr when stderr is
    /// a terminal, and nothing otherwise.
    WarmupRunner& progress(Progress& p) {
        progress_ = &p;
        return *this;
    }
    /// Untimed work before every call, given the call index: load the next input, etc.
    WarmupRunner& between_calls(detail::Callback<void(std::size_t)> work) {
        between_ = std::move(work);
        return *this;
    }
    /// Untimed work after each call is enqueued, given the call index: it runs while the device
    /// works on the call, before the runner waits for it (with a device clock). Telemetry belongs
    /// here: `runner.during_calls(sampler)` samples a busy GPU, where between_calls() samples one
    /// that has just gone idle (gputime/cuda/telemetry.hpp). Not part of the enqueue time; in
    /// latency mode a hook that outlasts the call delays the next one.
    WarmupRunner& during_calls(detail::Callback<void(std::size_t)> work) {
        during_ = std::move(work);
        return *this;
    }
    /// Host idles this long before every call (outside the timed region). Throws
    /// InvalidArgument (parameter "gap") for a negative gap.
    WarmupRunner& idle_gap(std::chrono::nanoseconds gap) {
        if (gap.count() < 0)
            throw InvalidArgument("WarmupRunner::idle_gap", "gap",
                                  "must be >= 0 ns, got " + std::to_string(gap.count()) + " ns");
        settings_.idle_gap = gap;
        return *this;
    }

    /// Runs warm-up and measured calls of `fn` (callable as fn() or fn(std::size_t call)).
    template <class F>
    RunResult run(F&& fn) {
        result_ = RunResult{};
        result_.name = name_;
        result_.settings = settings_;
        result_.mode = settings_.mode;
        result_.device_timed = Clock::measures_device;
        result_.legacy_default_stream = detail::on_legacy_default_stream(clock_);
        std::size_t call = 0;

        Stats warm;
        try {
            run_warmup(fn, call, warm);
        } catch (...) {
            keep_warmup(warm);
            throw;
        }
        keep_warmup(warm);
        if (!result_.warmup.empty()) result_.latency.set_first_call(result_.warmup.front());

        std::optional<Progress> own_progress;  // on stderr, only when it is a terminal
        if (progress_ == nullptr) own_progress.emplace(name_);
        Progress& progress = progress_ != nullptr ? *progress_ : *own_progress;
        const auto started = clock_.host_now();
        try {
            if (settings_.target) {
                run_to_target(fn, call, started, progress);
            } else {
                for (std::size_t i = 0; i < settings_.iterations; ++i) {
                    timed_call(fn, call++, result_.latency);
                    show(progress, i + 1, settings_.iterations);
                }
                result_.stop_reason = StopReason::iteration_count;
            }
            progress.finish();
            clock_.synchronize();
        } catch (...) {
            progress.finish();
            result_.wall = clock_.host_now() - started;
            settle_after_failure();
            throw;
        }
        result_.wall = clock_.host_now() - started;
        result_.transient = warmup_end_of(result_.calls_in_order());
        result_.complete = true;
        return result_;
    }

    /// The last run's result, also when the callable threw part-way.
    const RunResult& result() const { return result_; }

private:
    template <class F>
    void run_warmup(F& fn, std::size_t& call, Stats& warm) {
        const auto started = clock_.host_now();
        const WarmupRule rule = settings_.warmup_rule;
        const std::size_t cap = settings_.warmup_calls;
        for (std::size_t i = 0; i < cap; ++i) {
            timed_call(fn, call++, warm);
            const std::size_t done = i + 1;
            const auto spent = clock_.host_now() - started;
            if (rule == WarmupRule::time_budget) {
                if (spent >= settings_.warmup_time) break;
            } else if (rule == WarmupRule::window_median) {
                clock_.synchronize();
                if (settled(warm)) {
                    result_.warmup_settled = true;
                    break;
                }
            } else if (rule == WarmupRule::mser5) {
                if (done >= 20 && done % 5 == 0) {
                    clock_.synchronize();
                    if (transient_ended(warm)) {
                        result_.warmup_settled = true;
                        break;
                    }
                }
                if (settings_.warmup_time.count() > 0 && spent >= settings_.warmup_time) break;
            }
        }
        clock_.synchronize();
    }

    // warmup_end_of over the warm-up so far, first call included: conclusive means the transient
    // ended before the series' midpoint and the calls after it are shown steady.
    static bool transient_ended(const Stats& warm) {
        std::vector<Duration> series;
        series.reserve(warm.calls());
        if (warm.has_first_call()) series.push_back(warm.first_call());
        const std::vector<Duration>& s = warm.samples();
        series.insert(series.end(), s.begin(), s.end());
        return warmup_end_of(series).conclusive;
    }

    // Measured calls until the target interval is narrow enough, or a limit. The interval is
    // re-computed as the sample count grows by 5% (it sorts the samples), time every call.
    // Reading the Stats would wait for the device in throughput mode: calls and time only there.
    void show(Progress& progress, std::size_t done, std::size_t total) const noexcept {
        if (settings_.mode == RunMode::latency) progress.update(done, total, result_.latency);
        else progress.update(done, total);
    }

    // Toward the precision target: time against its limit, the interval against the target.
    void show_target(Progress& progress, std::size_t done, const PrecisionTarget& t) const noexcept {
        if (settings_.mode == RunMode::latency) progress.update(done, t, result_.latency);
        else progress.update(done, t);
    }

    template <class F>
    void run_to_target(F& fn, std::size_t& call, std::chrono::nanoseconds started, Progress& progress) {
        const PrecisionTarget& t = *settings_.target;
        std::size_t next_check = t.min_samples;
        // Counted here, not read from the Stats: a read would resolve (wait for) every pending
        // call and serialise throughput mode.
        for (std::size_t n = 0;; ++n) {
            if (n >= t.max_samples) {
                result_.stop_reason = StopReason::sample_limit;
                break;
            }
            const auto spent = clock_.host_now() - started;
            if (n >= 1 && spent >= t.max_time) {
                result_.stop_reason = StopReason::time_limit;
                break;
            }
            if (n >= next_check && n >= t.min_samples && spent >= t.min_time) {
                clock_.synchronize();
                if (result_.latency.count() != 0) {  // without warm-up, the first call is no sample
                    const PercentileInterval interval = result_.latency.percentile_interval(t.percentile, t.confidence);
                    result_.target_interval = interval;
                    if (interval.relative_half_width() <= t.relative_half_width) {
                        result_.stop_reason = StopReason::precision_reached;
                        break;
                    }
                }
                next_check = n + std::max<std::size_t>(1, n / 20);
            }
            timed_call(fn, call++, result_.latency);
            show_target(progress, n + 1, t);
        }
        clock_.synchronize();
        if (result_.latency.count() > 0)
            result_.target_interval = result_.latency.percentile_interval(t.percentile, t.confidence);
    }

    template <class F>
    void timed_call(F& fn, std::size_t call, Stats& into) {
        if (between_) between_(call);
        if (settings_.idle_gap.count() > 0) clock_.idle_for(settings_.idle_gap);
        const auto host_started = clock_.host_now();
        const auto started = clock_.mark();
        try {
            if constexpr (std::is_invocable_v<F&, std::size_t>) {
                fn(call);
            } else {
                fn();
            }
        } catch (...) {
            clock_.release(started);  // a failed call is not a sample
            throw;
        }
        clock_.stop(started, into);
        if constexpr (Clock::measures_device) {
            if (&into == &result_.latency) {
                auto host = clock_.host_now() - host_started;
                if constexpr (detail::reports_stop_wait<Clock>::value) host -= clock_.last_stop_wait();
                result_.enqueue.add(Duration(host));
            }
        }
        if (during_) during_(call);
        if (settings_.mode == RunMode::latency) {
            // Wait for the call to end and nothing else: the bookkeeping of earlier calls runs
            // while the device works on the next one, so the device is never kept idle by it.
            if constexpr (detail::waits_for_marks<Clock>::value) {
                clock_.wait_for_marks();
            } else {
                clock_.synchronize();
            }
        }
    }

    // The median of the last window of warm-up calls against the window before it.
    bool settled(const Stats& warm) const {
        const std::size_t window = settings_.stable_window;
        const std::vector<Duration>& s = warm.samples();
        if (s.size() < 2 * window) return false;
        auto median_of = [&](std::size_t begin) {
            std::vector<Duration> w(s.end() - static_cast<std::ptrdiff_t>(begin),
                                    s.end() - static_cast<std::ptrdiff_t>(begin - window));
            std::sort(w.begin(), w.end());
            return w[Stats::nearest_rank_index(50.0, w.size())].count();
        };
        const double recent = median_of(window);
        const double before = median_of(2 * window);
        return before > 0.0 && std::fabs(recent - before) <= settings_.stable_tolerance * before;
    }

    void keep_warmup(Stats& warm) {
        try {
            warm.count();  // resolves samples still pending on the device
        } catch (...) {
            // The warm-up failed on the device; what was delivered is kept below.
        }
        if (warm.has_first_call()) result_.warmup.push_back(warm.first_call());
        for (const Duration d : warm.samples()) result_.warmup.push_back(d);
    }

    void settle_after_failure() noexcept {
        try {
            clock_.synchronize();  // deliver the calls that completed before the failure
        } catch (...) {
            // The callable's exception is the one worth reporting.
        }
    }

    Clock& clock_;
    RunSettings settings_;
    std::string name_;
    detail::Callback<void(std::size_t)> between_;
    detail::Callback<void(std::size_t)> during_;
    Progress* progress_ = nullptr;
    RunResult result_;
};

}  // namespace gputime
