// SPDX-License-Identifier: MIT
// gputime/sim/detail/runtime_core.hpp - sim::Runtime's construction and the bookkeeping every call
// does: host cost, call counters, injected faults, the sticky status, CUDA's error texts.
//
//   gpu.inject(sim::CallFault{sim::Call::event_record, 400});   // the next record fails alone
//   int code = gpu.event_record(e, sim::Stream{});                // 400, nothing recorded
//
// Every call pays its host cost, then fails with the sticky status if there is one (checked at
// the host time the call is made). Calls that wait re-check after waiting, because the wait may
// carry the host past the end of a faulty kernel.
#pragma once

#include "gputime/sim/runtime.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

namespace gputime::sim {

inline Runtime::Runtime() : Runtime(Config{}) {}

inline Runtime::Runtime(Config config) : config_(validated(std::move(config))), random_(config_.noise.seed) {
    for (int device = 0; device < config_.device_count; ++device) {  // each device's legacy stream
        legacy_.push_back(add_stream(device, StreamKind::legacy));
    }
    l2_dirty_.assign(static_cast<std::size_t>(config_.device_count), 0.0);
    // "Before any work the device has been idle since t = 0": as if work had just ended
    // at 0 with the clock fully ramped up (wake far enough back). A first kernel within
    // idle_threshold of 0 runs at full clock; after a longer gap it starts at idle clock.
    episodes_.push_back(Episode{-config_.clock.ramp_time, ns{0}});
}

inline Config Runtime::validated(Config config) {
    auto require = [](bool ok, const char* field, const char* problem) {
        if (!ok) throw InvalidArgument("sim::Runtime", std::string("config.") + field, problem);
    };
    require(config.launch_cost >= ns{0}, "launch_cost", "must be >= 0");
    require(config.api_cost >= ns{0}, "api_cost", "must be >= 0");
    require(config.event_resolution >= ns{0}, "event_resolution", "must be >= 0");
    require(config.poll_cost >= ns{0}, "poll_cost", "must be >= 0");
    require(config.lazy_load_cost >= ns{0}, "lazy_load_cost", "must be >= 0");
    require(config.device_count >= 1, "device_count", "must be >= 1 (inject Fault::no_device instead)");
    const ClockModel& clock = config.clock;
    require(std::isfinite(clock.max_clock_mhz) && clock.max_clock_mhz > 0.0, "clock.max_clock_mhz",
            "must be finite and > 0");
    require(std::isfinite(clock.idle_clock_mhz) && clock.idle_clock_mhz > 0.0 &&
                clock.idle_clock_mhz <= clock.max_clock_mhz,
            "clock.idle_clock_mhz", "must be in (0, max_clock_mhz]");
    require(clock.idle_threshold >= ns{0}, "clock.idle_threshold", "must be >= 0");
    require(clock.ramp_time >= ns{0}, "clock.ramp_time", "must be >= 0");
    const Noise& noise = config.noise;
    require(std::isfinite(noise.relative_stddev) && noise.relative_stddev >= 0.0, "noise.relative_stddev",
            "must be finite and >= 0");
    require(noise.outlier_probability >= 0.0 && noise.outlier_probability <= 1.0, "noise.outlier_probability",
            "must be in [0, 1]");
    require(std::isfinite(noise.outlier_factor) && noise.outlier_factor >= 0.0, "noise.outlier_factor",
            "must be finite and >= 0");
    validate_gate_and_telemetry(config);  // docs/telemetry.md
    // devices, streams, capture and graphs (docs/simulator.md, "CUDA semantics")
    require(config.host_state_cost >= ns{0}, "host_state_cost", "must be >= 0");
    require(config.graph_launch_cost >= ns{0}, "graph_launch_cost", "must be >= 0");
    require(config.graph_node_instantiate_cost >= ns{0}, "graph_node_instantiate_cost", "must be >= 0");
    return config;
}

inline void Runtime::validate_gate_and_telemetry(const Config& config) {
    auto require = [](bool ok, const char* field, const char* problem) {
        if (!ok) throw InvalidArgument("sim::Runtime", std::string("config.") + field, problem);
    };
    require(config.l2_cache_bytes >= 0, "l2_cache_bytes", "must be >= 0");
    require(std::isfinite(config.l2_writeback_bytes_per_ns) && config.l2_writeback_bytes_per_ns > 0.0,
            "l2_writeback_bytes_per_ns", "must be finite and > 0");
    require(std::isfinite(config.memset_bytes_per_ns) && config.memset_bytes_per_ns > 0.0, "memset_bytes_per_ns",
            "must be finite and > 0");
    const Throttle& throttle = config.throttle;
    require(throttle.start >= ns{0}, "throttle.start", "must be >= 0");
    require(throttle.end >= throttle.start, "throttle.end", "must be >= throttle.start");
    require(std::isfinite(throttle.clock_mhz) && throttle.clock_mhz > 0.0, "throttle.clock_mhz",
            "must be finite and > 0");
    const TelemetryModel& t = config.telemetry;
    require(std::isfinite(t.memory_clock_mhz) && t.memory_clock_mhz >= 0.0, "telemetry.memory_clock_mhz",
            "must be finite and >= 0");
    require(std::isfinite(t.idle_temperature_c), "telemetry.idle_temperature_c", "must be finite");
    require(std::isfinite(t.busy_temperature_c), "telemetry.busy_temperature_c", "must be finite");
    require(std::isfinite(t.throttle_temperature_c), "telemetry.throttle_temperature_c", "must be finite");
    require(std::isfinite(t.idle_power_w) && t.idle_power_w >= 0.0, "telemetry.idle_power_w",
            "must be finite and >= 0");
    require(std::isfinite(t.busy_power_w) && t.busy_power_w >= 0.0, "telemetry.busy_power_w",
            "must be finite and >= 0");
    require(std::isfinite(t.power_limit_w) && t.power_limit_w >= 0.0, "telemetry.power_limit_w",
            "must be finite and >= 0");
    require(t.sample_cost >= ns{0}, "telemetry.sample_cost", "must be >= 0");
    require(config.busy_history || !t.idle_between_kernels, "telemetry.idle_between_kernels",
            "needs config.busy_history (when work ran is what it reports)");
}

inline void Runtime::host_work(ns duration) {
    if (duration < ns{0}) {
        throw InvalidArgument("sim::Runtime::host_work", "duration",
                              "must be >= 0 ns, got " + std::to_string(duration.count()) + " ns");
    }
    host_ += duration;
}

inline void Runtime::inject(Fault fault) {
    switch (fault) {
        case Fault::no_device: fault_status_ = status::no_device; break;
        case Fault::insufficient_driver: fault_status_ = status::insufficient_driver; break;
        case Fault::event_never_completes: next_event_never_completes_ = true; break;
    }
}

inline void Runtime::inject(CallFault fault) {
    if (fault.status == status::success)
        throw InvalidArgument("sim::Runtime::inject", "fault.status", "must be a failure, got 0 (cudaSuccess)");
    if (fault.times == 0) throw InvalidArgument("sim::Runtime::inject", "fault.times", "must be >= 1, got 0");
    call_faults_.push_back(fault);
}

inline int Runtime::device_count(int* count) {
    const int injected = take_call_fault(Call::device_count);
    const int sticky = sticky_status();
    host_ += config_.api_cost;
    if (sticky != status::success || injected != status::success) {
        if (count != nullptr) *count = 0;  // as cudaGetDeviceCount does on failure
        return sticky != status::success ? sticky : injected;
    }
    if (count == nullptr) return status::invalid_value;
    *count = config_.device_count;
    return status::success;
}

inline void Runtime::yield() {
    ++counters_.yields;
    host_ += config_.poll_cost;
}

inline void Runtime::sleep_for(ns duration) {
    if (duration <= ns{0}) return;
    ++counters_.sleeps;
    counters_.slept += duration;
    host_ += duration;
}

// Counts the call, charges api_cost and returns the sticky status as of the call's start,
// else an injected failure, else 0.
inline int Runtime::begin_api_call(std::uint64_t& call_counter, Call call) {
    ++call_counter;
    const int injected = take_call_fault(call);
    const int sticky = sticky_status();
    host_ += config_.api_cost;
    settle_expired_gate();  // a gate whose timeout has passed has ended (docs/telemetry.md)
    return sticky != status::success ? sticky : injected;
}

inline int Runtime::begin_host_state_call(std::uint64_t& call_counter, Call call) {
    ++call_counter;
    const int injected = take_call_fault(call);
    const int sticky = sticky_status();
    host_ += config_.host_state_cost;
    return sticky != status::success ? sticky : injected;
}

inline int Runtime::begin_memory_call(Call call) {
    const int injected = take_call_fault(call);
    const int sticky = sticky_status();
    host_ += config_.api_cost;
    settle_expired_gate();
    return sticky != status::success ? sticky : injected;
}

// Every call of its kind advances each armed CallFault (sticky failures included, so that
// `skip` counts calls as the test wrote them); returns the status of the first one that fires.
inline int Runtime::take_call_fault(Call call) {
    if (call_faults_.empty()) return status::success;
    int result = status::success;
    for (auto it = call_faults_.begin(); it != call_faults_.end();) {
        if (it->call != call) {
            ++it;
            continue;
        }
        if (it->skip > 0) {
            --it->skip;
            ++it;
            continue;
        }
        if (result == status::success) result = it->status;
        it = --it->times == 0 ? call_faults_.erase(it) : it + 1;
    }
    return result;
}

inline int Runtime::sticky_status() const {
    if (fault_status_ != status::success) return fault_status_;
    if (poisoned_at_ && host_ >= *poisoned_at_) return status::launch_failure;
    return status::success;
}

inline const char* Runtime::error_name(int code) {
    switch (code) {
        case status::success: return "cudaSuccess";
        case status::invalid_value: return "cudaErrorInvalidValue";
        case status::insufficient_driver: return "cudaErrorInsufficientDriver";
        case status::no_device: return "cudaErrorNoDevice";
        case status::invalid_device: return "cudaErrorInvalidDevice";
        case status::invalid_resource_handle: return "cudaErrorInvalidResourceHandle";
        case status::illegal_state: return "cudaErrorIllegalState";
        case status::not_ready: return "cudaErrorNotReady";
        case status::illegal_address: return "cudaErrorIllegalAddress";
        case status::launch_timeout: return "cudaErrorLaunchTimeout";
        case 710: return "cudaErrorAssert";
        case status::launch_failure: return "cudaErrorLaunchFailure";
        case status::not_supported: return "cudaErrorNotSupported";
        case status::stream_capture_unsupported: return "cudaErrorStreamCaptureUnsupported";
        case status::stream_capture_invalidated: return "cudaErrorStreamCaptureInvalidated";
        case status::stream_capture_merge: return "cudaErrorStreamCaptureMerge";
        case status::stream_capture_unmatched: return "cudaErrorStreamCaptureUnmatched";
        case status::stream_capture_unjoined: return "cudaErrorStreamCaptureUnjoined";
        case status::stream_capture_isolation: return "cudaErrorStreamCaptureIsolation";
        case status::stream_capture_implicit: return "cudaErrorStreamCaptureImplicit";
        case status::captured_event: return "cudaErrorCapturedEvent";
        case status::stream_capture_wrong_thread: return "cudaErrorStreamCaptureWrongThread";
        default: return "unrecognized error code";
    }
}

// The texts are cudaGetErrorString's, checked against libcudart 13.
inline const char* Runtime::error_string(int code) {
    switch (code) {
        case status::success: return "no error";
        case status::invalid_value: return "invalid argument";
        case status::insufficient_driver: return "CUDA driver version is insufficient for CUDA runtime version";
        case status::no_device: return "no CUDA-capable device is detected";
        case status::invalid_device: return "invalid device ordinal";
        case status::invalid_resource_handle: return "invalid resource handle";
        case status::illegal_state: return "the operation cannot be performed in the present state";
        case status::not_ready: return "device not ready";
        case status::illegal_address: return "an illegal memory access was encountered";
        case status::launch_timeout: return "the launch timed out and was terminated";
        case 710: return "device-side assert triggered";
        case status::launch_failure: return "unspecified launch failure";
        case status::not_supported: return "operation not supported";
        case status::stream_capture_unsupported: return "operation not permitted when stream is capturing";
        case status::stream_capture_invalidated: return "operation failed due to a previous error during capture";
        case status::stream_capture_merge: return "operation would result in a merge of separate capture sequences";
        case status::stream_capture_unmatched: return "capture was not ended in the same stream as it began";
        case status::stream_capture_unjoined: return "capturing stream has unjoined work";
        case status::stream_capture_isolation: return "dependency created on uncaptured work in another stream";
        case status::stream_capture_implicit:
            return "operation would make the legacy stream depend on a capturing blocking stream";
        case status::captured_event: return "operation not permitted on an event last recorded in a capturing stream";
        case status::stream_capture_wrong_thread:
            return "attempt to terminate a thread-local capture sequence from another thread";
        default: return "unrecognized error code";
    }
}

}  // namespace gputime::sim
