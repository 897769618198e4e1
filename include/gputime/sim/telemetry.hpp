// SPDX-License-Identifier: MIT
// gputime/sim/telemetry.hpp - telemetry of the simulated GPU, through the same interface as
// gputime::NvmlTelemetry, so that samplers, throttle detection and hints are tested exactly.
//
//   gputime::sim::Config config;
//   config.clock.enabled = true;                                   // DVFS: clocks not locked
//   config.throttle = {gputime::sim::Throttle::Reason::thermal, 10ms, 20ms, 990.0};
//   gputime::sim::Runtime gpu(config);
//   gputime::sim::Telemetry telemetry(gpu);
//   gputime::TelemetrySampler sampler(telemetry);
//
// A sample at host time t (the simulator's host and device share one time axis) reads the
// model: the SM clock is Runtime::clock_mhz_at(t) (the clock model, capped inside the Throttle
// window). The device reads idle (the "GPU idle" reason, idle power) once its clock has dropped
// (Runtime::clock_idle_at), or, with TelemetryModel::idle_between_kernels, as NVML reports it:
// as soon as no work runs (Runtime::device_busy_at), the power cap then only while work runs.
// Inside the window it reports SW thermal slowdown (and throttle_temperature_c) or SW power cap
// (and power_limit_w); otherwise busy temperature (idle temperature once the clock has dropped)
// and busy_power_w scaled by clock / max clock. The memory clock is constant. Each sample then
// costs TelemetryModel::sample_cost of host time. Clocks count as locked exactly when the clock
// model is off (the device then always runs at max_clock_mhz). docs/telemetry.md has the model.
#pragma once

#include <gputime/cuda/telemetry.hpp>
#include <gputime/sim/runtime.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace gputime::sim {

/// The telemetry source of a simulated Runtime. The runtime must outlive it.
class Telemetry {
public:
    /// Reads `runtime`'s clock model and Config::throttle / Config::telemetry.
    explicit Telemetry(Runtime& runtime) : runtime_(&runtime) {}

    /// Always true: the simulated device always answers.
    bool available() const noexcept { return true; }
    /// Always empty (see available()).
    std::string why_unavailable() const { return {}; }

    /// source "simulator"; clocks count as locked when the clock model is off.
    TelemetryDevice device() const {
        TelemetryDevice d;
        d.source = "simulator";
        d.name = "gputime::sim::Runtime";
        d.max_sm_clock_mhz = runtime_->config().clock.max_clock_mhz;
        d.clocks_locked = !runtime_->config().clock.enabled;
        return d;
    }

    /// The model at the current host time, then sample_cost of host time.
    std::optional<TelemetrySample> sample() {
        const Config& c = runtime_->config();
        const TelemetryModel& m = c.telemetry;
        const std::chrono::nanoseconds t = runtime_->host_now();
        TelemetrySample s;
        s.time = t;
        const double clock = runtime_->clock_mhz_at(t);
        s.sm_clock_mhz = clock;
        s.memory_clock_mhz = m.memory_clock_mhz;
        const bool dropped = runtime_->clock_idle_at(t);
        const bool idle = m.idle_between_kernels ? !runtime_->device_busy_at(t) : dropped;
        const bool throttled = c.throttle.start < c.throttle.end && t >= c.throttle.start && t < c.throttle.end;
        const bool thermal = throttled && c.throttle.reason == Throttle::Reason::thermal;
        // An idle GPU draws no power to cap (with idle_between_kernels: as soon as no kernel runs).
        const bool power =
            throttled && c.throttle.reason == Throttle::Reason::power && !(m.idle_between_kernels && idle);
        std::uint64_t reasons = idle ? clock_event::gpu_idle : 0;
        if (thermal) reasons |= clock_event::sw_thermal_slowdown;
        if (power) reasons |= clock_event::sw_power_cap;
        s.clock_event_reasons = reasons;
        s.temperature_c = thermal ? m.throttle_temperature_c : dropped ? m.idle_temperature_c : m.busy_temperature_c;
        s.power_w = power ? m.power_limit_w : idle ? m.idle_power_w : m.busy_power_w * clock / c.clock.max_clock_mhz;
        if (m.sample_cost.count() > 0) runtime_->host_work(m.sample_cost);
        return s;
    }

private:
    Runtime* runtime_;
};

}  // namespace gputime::sim
