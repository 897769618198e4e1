// SPDX-License-Identifier: MIT
// gputime/measure/run_result.hpp - everything one WarmupRunner::run measured.
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/stats/percentile_interval.hpp>
#include <gputime/stats/stats.hpp>
#include <gputime/stats/warmup_detection.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace gputime {

/// How a runner paces the calls it times.
enum class RunMode {
    /// Wait for each call to finish before starting the next: per-call latency, as a server
    /// answering one request at a time sees it. One synchronisation per measured call.
    latency,
    /// Queue calls back to back and resolve their times at the end: the device never idles
    /// between calls, as in a batch pipeline. No synchronisation inside the loop.
    throughput,
};

/// How the runner decided that the warm-up was over.
enum class WarmupRule {
    fixed_count,    ///< warmup(n): exactly n calls
    time_budget,    ///< warmup_for(budget): calls until `budget` of host time was spent
    window_median,  ///< warmup_until_stable(): two consecutive windows' medians agree
    mser5,          ///< warmup_auto(): MSER-5 placed the end of the transient (warmup_detection.hpp)
};

/// Measure until a percentile is known to a relative precision, instead of for a fixed count
/// (WarmupRunner::until). The run stops at the first of: the `confidence` interval of the
/// `percentile` is within +-relative_half_width of it (once min_samples and min_time are
/// reached), max_time of host time, or max_samples measured calls. Defaults follow nvbench's
/// stopping criterion in spirit (min 10 samples, min 0.5 s, timeout 15 s), on an interval of
/// the median instead of the relative standard deviation.
struct PrecisionTarget {
    double percentile = 50.0;           ///< The percentile to pin down, in percent.
    double relative_half_width = 0.01;  ///< Stop when its interval is within +-this (0.01: +-1%).
    double confidence = 0.95;           ///< Confidence of that interval.
    std::size_t min_samples = 10;       ///< Never stop on precision before this many measured calls.
    std::chrono::nanoseconds min_time = std::chrono::milliseconds(500);  ///< ... nor before this much host time.
    std::chrono::nanoseconds max_time = std::chrono::seconds(15);        ///< Stop after this much host time.
    std::size_t max_samples = 10000000;                                  ///< Stop after this many measured calls.
};

/// Why the measured loop ended.
enum class StopReason {
    iteration_count,    ///< the fixed number of iterations() was made
    precision_reached,  ///< until(): the interval is as narrow as asked
    time_limit,         ///< until(): max_time was spent first
    sample_limit,       ///< until(): max_samples were measured first
};

/// "iteration count", "precision reached", "time limit", "sample limit".
inline const char* to_string(StopReason reason) noexcept {
    switch (reason) {
        case StopReason::iteration_count: return "iteration count";
        case StopReason::precision_reached: return "precision reached";
        case StopReason::time_limit: return "time limit";
        case StopReason::sample_limit: return "sample limit";
    }
    return "unknown";
}
/// "fixed count", "time budget", "window median", "MSER-5".
inline const char* to_string(WarmupRule rule) noexcept {
    switch (rule) {
        case WarmupRule::fixed_count: return "fixed count";
        case WarmupRule::time_budget: return "time budget";
        case WarmupRule::window_median: return "window median";
        case WarmupRule::mser5: return "MSER-5";
    }
    return "unknown";
}

/// The settings a run was made with, kept in its result so that a saved result says how it
/// was measured.
struct RunSettings {
    WarmupRule warmup_rule = WarmupRule::fixed_count;  ///< How the warm-up ends.
    std::size_t warmup_calls = 10;                     ///< The count, or the cap of an adaptive rule.
    std::chrono::nanoseconds warmup_time{0};           ///< The budget (time_budget) or cap (mser5); 0: none.
    std::size_t stable_window = 0;                     ///< Calls per window (window_median only).
    double stable_tolerance = 0.0;                     ///< Relative median change allowed (window_median only).
    std::size_t iterations = 100;                      ///< Fixed count; unused with a precision target.
    std::optional<PrecisionTarget> target;             ///< until(): measure to a precision.
    RunMode mode = RunMode::latency;                   ///< How calls are paced.
    std::chrono::nanoseconds idle_gap{0};              ///< Idle host time before each call (idle_gap()).
};

/// Everything one WarmupRunner::run measured: the warm-up calls in order, the measured calls
/// (latency, and enqueue for device clocks), the settings, and why the run stopped.
struct RunResult {
    std::string name;                    ///< The runner's name().
    RunSettings settings;                ///< How it was measured.
    RunMode mode = RunMode::latency;     ///< settings.mode, repeated for readers of a result alone.
    bool device_timed = false;           ///< latency holds device time (GPU clock), not host time.
    bool complete = false;               ///< false when the callable threw: what was measured is kept.
    bool warmup_settled = false;         ///< An adaptive warm-up rule ended the warm-up before its limit.
    bool legacy_default_stream = false;  ///< A device clock on CUDA's legacy default stream.
    StopReason stop_reason = StopReason::iteration_count;  ///< Why the measured loop ended.
    /// With a precision target: the target percentile's interval when the run stopped.
    std::optional<PercentileInterval> target_interval;
    /// warmup_end_of() (MSER-5 with a trend guard) over every call of the run in order
    /// (calls_in_order()): where the transient ended, whatever rule ended the warm-up. steady_from indexes
    /// calls_in_order(); not conclusive when the run was too short to tell. Filled by WarmupRunner::run.
    WarmupTruncation transient;

    /// Every warm-up call in order; warmup.front() is the first call. Kept, not thrown away,
    /// because the transient is what naive timing gets wrong.
    std::vector<Duration> warmup;
    /// The measured calls. latency.first_call() is the very first call of the run (the first
    /// warm-up call, or the first measured call when there was no warm-up).
    Stats latency;
    /// Host time spent inside each call (enqueue/launch cost). Filled for device clocks only,
    /// where it differs from latency: the gap between the two is asynchrony (host-side framework
    /// overhead, or a host clock read before the GPU finished).
    Stats enqueue;
    /// Host wall time of the measured loop, synchronisation included.
    Duration wall{0.0};

    /// The very first call of the run (latency.first_call()).
    Duration first_call() const { return latency.first_call(); }
    /// First call - steady p50: what being first costs.
    Duration first_call_overhead() const { return latency.first_call_overhead(); }
    /// Sum of the warm-up calls.
    Duration warmup_total() const {
        Duration total{0.0};
        for (const Duration d : warmup) total += d;
        return total;
    }
    /// Calls per second at the mean latency.
    double throughput_per_second() const {
        const double mean_ns = latency.mean().count();
        return mean_ns > 0.0 ? 1e9 / mean_ns : 0.0;
    }
    /// The model of N calls on a fresh model: T(N) = first + (N - 1) * steady p50.
    Duration predicted_total(std::size_t calls) const {
        if (calls == 0) return Duration{0.0};
        return first_call() + static_cast<double>(calls - 1) * latency.p50();
    }
    /// Every call of the run in the order it happened: warm-up calls, then measured ones
    /// (without the first call when there was no warm-up, as it is the first element then).
    std::vector<Duration> calls_in_order() const {
        std::vector<Duration> all = warmup;
        if (all.empty() && latency.has_first_call()) all.push_back(latency.first_call());
        const std::vector<Duration>& measured = latency.samples();
        all.insert(all.end(), measured.begin(), measured.end());
        return all;
    }
    /// The measured time of the first `calls` calls, to compare with predicted_total().
    /// Throws std::out_of_range when the run made fewer calls.
    Duration measured_total(std::size_t calls) const {
        const std::vector<Duration> all = calls_in_order();
        if (calls > all.size())
            throw std::out_of_range("gputime::RunResult::measured_total: the run made only " +
                                    std::to_string(all.size()) + " calls");
        Duration total{0.0};
        for (std::size_t i = 0; i < calls; ++i) total += all[i];
        return total;
    }
};

}  // namespace gputime
