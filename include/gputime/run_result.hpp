// gputime/run_result.hpp - everything one WarmupRunner::run measured.
#pragma once

#include <gputime/duration.hpp>
#include <gputime/stats.hpp>

#include <cstddef>
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

struct RunResult {
    std::string name;
    RunMode mode = RunMode::latency;
    bool device_timed = false;  // latency holds device time (GPU clock), not host time
    bool complete = false;      // false when the callable threw: what was measured is kept
    bool warmup_settled = false;  // warmup_until_stable() saw the timings settle before its limit

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

    Duration first_call() const { return latency.first_call(); }
    Duration first_call_overhead() const { return latency.first_call_overhead(); }
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
