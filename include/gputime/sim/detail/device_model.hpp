// SPDX-License-Identifier: MIT
// gputime/sim/detail/device_model.hpp - how long a kernel runs on the simulated device: fixed-time
// and cycle kernels, the DVFS clock (idle drop, linear ramp), throttle windows, noise and faults.
//
//   config.clock.enabled = true;        // 990 000 cycles: 500 us ramped up, 1 ms from a wake-up
//   gpu.launch(sim::Stream{}, sim::Kernel::cycles("k", 990000));
#pragma once

#include "gputime/sim/runtime.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>

namespace gputime::sim {

namespace detail {
// A computed duration [ns] as a time: rounded, and at most 1e18 ns (31.7 years), so that a huge
// noise factor or a tiny write-back speed cannot overflow the device-time arithmetic after it.
inline std::chrono::nanoseconds rounded_ns(double duration_ns) noexcept {
    if (!(duration_ns > 0.0)) return std::chrono::nanoseconds{0};
    return std::chrono::nanoseconds{
        static_cast<std::chrono::nanoseconds::rep>(std::llround(std::min(duration_ns, 1e18)))};
}
}  // namespace detail

inline std::chrono::nanoseconds Runtime::floor_to_resolution(ns time) const {
    const ns resolution = config_.event_resolution;
    if (resolution <= ns{0}) return time;
    return time - time % resolution;  // device times are never negative
}

// Decides whether the kernel starting at `start` wakes the device from idle. Every
// kernel starts at or after the host time of its launch, and all earlier work that ends
// later than that is contiguous with it, so `last_work_end` of the current episode is
// exactly when the device last had work: the gap test is exact, not launch-order bound.
inline void Runtime::note_kernel_start(ns start) {
    const ns last_work_end = episodes_.back().last_work_end;
    // A spinning gate kernel is work too (docs/telemetry.md).
    if (start - last_work_end > config_.clock.idle_threshold && !gate_spinning_at(start)) {
        episodes_.push_back(Episode{start, start});
    }
}

inline std::chrono::nanoseconds Runtime::kernel_duration(const Kernel& kernel, ns start) {
    double duration_ns = kernel.is_cycle_kernel() ? cycles_to_ns(static_cast<double>(*kernel.cycle_count), start)
                                                  : static_cast<double>(kernel.duration.count());
    const Noise& noise = config_.noise;
    if (noise.relative_stddev > 0.0 || noise.outlier_probability > 0.0) {
        // Always draw both variates, so the jitter sequence for a seed does not change
        // when outliers are switched on or off.
        const double normal = random_.standard_normal();
        const double outlier_draw = random_.uniform();
        double factor = std::max(0.0, 1.0 + noise.relative_stddev * normal);
        if (outlier_draw < noise.outlier_probability) factor *= noise.outlier_factor;
        duration_ns *= factor;
    }
    return detail::rounded_ns(duration_ns);
}

// Time [ns] to run `cycles` starting at `start`, integrating the linear ramp
// f(t) = f0 + slope * (t - wake) analytically; f in cycles per ns (MHz / 1000).
inline double Runtime::cycles_to_ns(double cycles, ns start) const {
    if (start < config_.throttle.end && config_.throttle.start < config_.throttle.end)
        return cycles_to_ns_throttled(cycles, start);  // a throttle window ahead (docs/telemetry.md)
    const ClockModel& clock = config_.clock;
    const double max_rate = clock.max_clock_mhz / 1000.0;
    if (!clock.enabled) return cycles / max_rate;
    const double ramp = static_cast<double>(clock.ramp_time.count());
    const double since_wake = static_cast<double>((start - episodes_.back().wake).count());
    const double idle_rate = clock.idle_clock_mhz / 1000.0;
    if (ramp <= 0.0 || since_wake >= ramp || idle_rate >= max_rate) return cycles / max_rate;

    const double slope = (max_rate - idle_rate) / ramp;
    const double start_rate = idle_rate + slope * since_wake;
    const double ramp_left = ramp - since_wake;
    const double cycles_in_ramp = 0.5 * (start_rate + max_rate) * ramp_left;
    if (cycles <= cycles_in_ramp) {
        // start_rate*d + slope*d^2/2 = cycles, solved in the form that does not cancel.
        return 2.0 * cycles / (start_rate + std::sqrt(start_rate * start_rate + 2.0 * slope * cycles));
    }
    return ramp_left + (cycles - cycles_in_ramp) / max_rate;
}

// Time [ns] to run `cycles` from `start` at the rate min(clock model, throttle cap): piecewise,
// between the ramp's end, the window's edges and where the ramp crosses the cap; in each piece
// the rate is constant or the linear ramp, integrated as in cycles_to_ns.
inline double Runtime::cycles_to_ns_throttled(double cycles, ns start) const {
    constexpr double infinity = std::numeric_limits<double>::infinity();
    const ClockModel& clock = config_.clock;
    const Throttle& throttle = config_.throttle;
    const double max_rate = clock.max_clock_mhz / 1000.0;
    const double idle_rate = clock.idle_clock_mhz / 1000.0;
    const double cap = throttle.clock_mhz / 1000.0;
    const double window_start = static_cast<double>(throttle.start.count());
    const double window_end = static_cast<double>(throttle.end.count());
    const double ramp = static_cast<double>(clock.ramp_time.count());
    const double wake = static_cast<double>(episodes_.back().wake.count());
    const bool ramps = clock.enabled && ramp > 0.0 && idle_rate < max_rate;
    const double ramp_end = ramps ? wake + ramp : -infinity;
    const double slope = ramps ? (max_rate - idle_rate) / ramp : 0.0;
    const auto dvfs = [&](double t) { return t < ramp_end ? idle_rate + slope * (t - wake) : max_rate; };
    const double begin = static_cast<double>(start.count());
    double t = begin;
    double left = cycles;
    for (;;) {
        double next = infinity;
        for (const double edge : {ramp_end, window_start, window_end})
            if (edge > t) next = std::min(next, edge);
        if (ramps && cap > idle_rate && cap < max_rate) {
            const double cross = wake + (cap - idle_rate) / slope;
            if (cross > t) next = std::min(next, cross);
        }
        // Inside [t, next) the rate is one of the two forms; the midpoint says which.
        const double probe = next == infinity ? t + 1.0 : 0.5 * (t + next);
        const bool capped = probe >= window_start && probe < window_end && dvfs(probe) > cap;
        const double rate = capped ? cap : dvfs(t);
        const double accel = !capped && probe < ramp_end ? slope : 0.0;
        const double span = next - t;
        const double capacity = next == infinity ? infinity : rate * span + 0.5 * accel * span * span;
        if (left <= capacity) {
            const double d =
                accel > 0.0 ? 2.0 * left / (rate + std::sqrt(rate * rate + 2.0 * accel * left)) : left / rate;
            return t + d - begin;
        }
        left -= capacity;
        t = next;
    }
}

// Runs `kernel` from `start` on `device` (clock, noise, faults, the dirty L2 lines it evicts);
// its end, or never_ for a hung kernel or one that waits behind a hung one.
inline std::chrono::nanoseconds Runtime::run_kernel(const Kernel& kernel, ns start, int device) {
    if (start == never_ || kernel.hangs) return never_;
    note_kernel_start(start);
    ns end = start + kernel_duration(kernel, start);
    if (kernel.l2_bytes > 0) {  // write-back L2: evicted dirty lines are written first
        double& dirty = l2_dirty_[static_cast<std::size_t>(device)];
        const double evicted = std::min(dirty, static_cast<double>(kernel.l2_bytes));
        dirty -= evicted;
        end += detail::rounded_ns(evicted / config_.l2_writeback_bytes_per_ns);
        if (kernel.l2_writes)
            dirty = std::min(static_cast<double>(config_.l2_cache_bytes), dirty + static_cast<double>(kernel.l2_bytes));
    }
    Episode& current = episodes_.back();
    current.last_work_end = std::max(current.last_work_end, end);
    note_busy(start, end);
    if (kernel.faulty) {
        poisoned_at_ = std::min(poisoned_at_.value_or(end), end);
    }
    return end;
}

// Work runs over [start, end): merged into the busy intervals (device_busy_at).
inline void Runtime::note_busy(ns start, ns end) {
    if (end <= start || !config_.busy_history) return;
    auto next = busy_.upper_bound(start);
    if (next != busy_.begin()) {
        const auto before = std::prev(next);
        if (before->second >= start) {
            start = before->first;
            end = std::max(end, before->second);
            next = busy_.erase(before);
        }
    }
    while (next != busy_.end() && next->first <= end) {
        end = std::max(end, next->second);
        next = busy_.erase(next);
    }
    busy_[start] = end;
}

inline bool Runtime::device_busy_at(ns device_time) const {
    if (!config_.busy_history) {
        throw InvalidArgument("sim::Runtime::device_busy_at", "config.busy_history",
                              "is false: this runtime keeps no history of when work ran");
    }
    if (gate_spinning_at(device_time)) return true;
    auto after = busy_.upper_bound(device_time);
    if (after == busy_.begin()) return false;
    return device_time < std::prev(after)->second;
}

// The clock model alone; clock_mhz_at() applies the throttle window (docs/telemetry.md).
inline double Runtime::dvfs_clock_mhz_at(ns device_time) const {
    const ClockModel& clock = config_.clock;
    if (!clock.enabled) return clock.max_clock_mhz;
    const Episode& episode = episode_at(device_time);
    if (device_time - episode.last_work_end > clock.idle_threshold && !gate_spinning_at(device_time))
        return clock.idle_clock_mhz;
    const ns since_wake = device_time - episode.wake;
    if (since_wake >= clock.ramp_time) return clock.max_clock_mhz;
    if (since_wake <= ns{0}) return clock.idle_clock_mhz;
    const double fraction = static_cast<double>(since_wake.count()) / static_cast<double>(clock.ramp_time.count());
    return clock.idle_clock_mhz + (clock.max_clock_mhz - clock.idle_clock_mhz) * fraction;
}

inline double Runtime::clock_mhz_at(ns device_time) const {
    const double dvfs = dvfs_clock_mhz_at(device_time);
    return throttled_at(device_time) ? std::min(dvfs, config_.throttle.clock_mhz) : dvfs;
}

inline bool Runtime::clock_idle_at(ns device_time) const {
    if (gate_spinning_at(device_time)) return false;
    return device_time - episode_at(device_time).last_work_end > config_.clock.idle_threshold;
}

// The episode in force at device_time: the last one that woke up at or before it.
inline const Runtime::Episode& Runtime::episode_at(ns device_time) const {
    auto after = std::upper_bound(episodes_.begin(), episodes_.end(), device_time,
                                  [](ns time, const Episode& e) { return time < e.wake; });
    return after == episodes_.begin() ? episodes_.front() : *std::prev(after);
}

inline bool Runtime::throttled_at(ns device_time) const {
    const Throttle& throttle = config_.throttle;
    return device_time >= throttle.start && device_time < throttle.end;
}

}  // namespace gputime::sim
