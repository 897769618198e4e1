// gputime/warmup_runner.hpp - call a function many times and time it the right way.
//
//   auto result = gputime::WarmupRunner(clock).warmup(10).iterations(200).run([&] { model.forward(x); });
//   std::cout << result;
//
// * Warm-up calls run first and stay out of the steady statistics, but are kept in the result:
//   their first call is the first-call cost (lazy loading, JIT, autotuning,
//   session set-up).
// * The callable may take the call index (std::size_t, counting warm-up calls too) to rotate
//   real inputs instead of timing one dummy tensor, which flatters caches and clocks.
// * between_calls() runs untimed work before each call (loading the next input); idle_gap()
//   leaves the device idle between calls, the condition under which GPUs lower their clock.
// * In RunMode::latency each call is synchronised once, after it ends; RunMode::throughput
//   queues calls back to back.
// * warmup_until_stable() ends the warm-up by itself: when the median of the last `window`
//   warm-up calls is within `tolerance` of the median of the `window` calls before them.
// * An exception from the callable propagates; what was measured before it stays in result().
// * Enqueue time (device clocks) is the host time from the start mark to the end of stop(),
//   less the time the clock reports waiting inside stop() (a GPU clock past max_pending() waits
//   for its oldest pair there): the library's own waits are not the caller's host cost.
//
// Bad input (gputime::InvalidArgument naming the parameter; the runner is left unchanged):
//   warmup_until_stable(max_calls, window, tolerance): window 0 ("window"); max_calls below
//   2 * window + 1, checked without overflow ("max_calls"); tolerance NaN, <= 0 or infinite
//   ("tolerance"). iterations(0) ("calls"). idle_gap(negative) ("gap").
#pragma once

#include <gputime/clock.hpp>
#include <gputime/error.hpp>
#include <gputime/run_result.hpp>
#include <gputime/stats.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace gputime {
namespace detail {
// A clock that may wait inside stop() and says how long (CudaEventClock::last_stop_wait()).
template <class C, class = void>
struct reports_stop_wait : std::false_type {};
template <class C>
struct reports_stop_wait<C, std::enable_if_t<std::is_convertible<decltype(std::declval<const C&>().last_stop_wait()),
                                                                  std::chrono::nanoseconds>::value>>
    : std::true_type {};
}  // namespace detail

template <class Clock>
class WarmupRunner {
    static_assert(detail::check_clock<Clock>());

public:
    explicit WarmupRunner(Clock& clock) : clock_(clock) {}

    /// Calls made before measuring (default 10). 0 is allowed: the first measured call is
    /// then still kept apart as the first call.
    WarmupRunner& warmup(std::size_t calls) {
        warmup_ = calls;
        stable_window_ = 0;
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
            throw InvalidArgument(where, "max_calls",
                                  "must be >= 2 * window + 1 (window " + std::to_string(window) + "), got " +
                                      std::to_string(max_calls));
        if (!(tolerance > 0.0) || !std::isfinite(tolerance)) {
            char value[32];
            std::snprintf(value, sizeof value, "%g", tolerance);
            throw InvalidArgument(where, "tolerance", std::string("must be finite and > 0, got ") + value);
        }
        warmup_ = max_calls;
        stable_window_ = window;
        stable_tolerance_ = tolerance;
        return *this;
    }
    /// Measured calls (default 100). Throws InvalidArgument (parameter "calls") for 0.
    WarmupRunner& iterations(std::size_t calls) {
        if (calls == 0) throw InvalidArgument("WarmupRunner::iterations", "calls", "must be >= 1, got 0");
        iterations_ = calls;
        return *this;
    }
    WarmupRunner& name(std::string label) {
        name_ = std::move(label);
        return *this;
    }
    WarmupRunner& mode(RunMode m) {
        mode_ = m;
        return *this;
    }
    /// Untimed work before every call, given the call index: load the next input, etc.
    WarmupRunner& between_calls(std::function<void(std::size_t)> work) {
        between_ = std::move(work);
        return *this;
    }
    /// Host idles this long before every call (outside the timed region). Throws
    /// InvalidArgument (parameter "gap") for a negative gap.
    WarmupRunner& idle_gap(std::chrono::nanoseconds gap) {
        if (gap.count() < 0)
            throw InvalidArgument("WarmupRunner::idle_gap", "gap",
                                  "must be >= 0 ns, got " + std::to_string(gap.count()) + " ns");
        idle_gap_ = gap;
        return *this;
    }

    /// Runs warm-up and measured calls of `fn` (callable as fn() or fn(std::size_t call)).
    template <class F>
    RunResult run(F&& fn) {
        result_ = RunResult{};
        result_.name = name_;
        result_.mode = mode_;
        result_.device_timed = Clock::measures_device;
        std::size_t call = 0;

        Stats warm;
        try {
            for (std::size_t i = 0; i < warmup_; ++i) {
                timed_call(fn, call++, warm);
                if (stable_window_ != 0) {
                    clock_.synchronize();
                    if (settled(warm)) {
                        result_.warmup_settled = true;
                        break;
                    }
                }
            }
            clock_.synchronize();
        } catch (...) {
            keep_warmup(warm);
            throw;
        }
        keep_warmup(warm);
        if (!result_.warmup.empty()) result_.latency.set_first_call(result_.warmup.front());

        const auto started = clock_.host_now();
        try {
            for (std::size_t i = 0; i < iterations_; ++i) timed_call(fn, call++, result_.latency);
            clock_.synchronize();
        } catch (...) {
            result_.wall = clock_.host_now() - started;
            settle_after_failure();
            throw;
        }
        result_.wall = clock_.host_now() - started;
        result_.complete = true;
        return result_;
    }

    /// The last run's result, also when the callable threw part-way.
    const RunResult& result() const { return result_; }

private:
    template <class F>
    void timed_call(F& fn, std::size_t call, Stats& into) {
        if (between_) between_(call);
        if (idle_gap_.count() > 0) clock_.idle_for(idle_gap_);
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
        if (mode_ == RunMode::latency) clock_.synchronize();
    }

    // The median of the last window of warm-up calls against the window before it.
    bool settled(const Stats& warm) const {
        const std::vector<Duration>& s = warm.samples();
        if (s.size() < 2 * stable_window_) return false;
        auto median_of = [&](std::size_t begin) {
            std::vector<Duration> w(s.end() - static_cast<std::ptrdiff_t>(begin),
                                    s.end() - static_cast<std::ptrdiff_t>(begin - stable_window_));
            std::sort(w.begin(), w.end());
            return w[Stats::nearest_rank_index(50.0, w.size())].count();
        };
        const double recent = median_of(stable_window_);
        const double before = median_of(2 * stable_window_);
        return before > 0.0 && std::fabs(recent - before) <= stable_tolerance_ * before;
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
    std::size_t warmup_ = 10;
    std::size_t iterations_ = 100;
    std::size_t stable_window_ = 0;  // 0: fixed warm-up count
    double stable_tolerance_ = 0.05;
    std::string name_;
    RunMode mode_ = RunMode::latency;
    std::function<void(std::size_t)> between_;
    std::chrono::nanoseconds idle_gap_{0};
    RunResult result_;
};

}  // namespace gputime
