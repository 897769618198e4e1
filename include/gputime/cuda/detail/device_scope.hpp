// SPDX-License-Identifier: MIT
// gputime/cuda/detail/device_scope.hpp - run CUDA calls on a given device, then restore the current one.
//
//   detail::DeviceScope<Runtime> scope(runtime, clock.device());   // cudaSetDevice, and back
//   if (scope.status() != 0) ...                                    // switching failed
// An event can only be created on, and recorded to a stream of, its own device; the clock and
// its helpers make their calls under this guard. Also: which stream handles name the current
// device's default stream rather than one stream (0, cudaStreamLegacy, cudaStreamPerThread), a
// stream's device, and the refusal of a default-stream clock once another device is current.
#pragma once

#include <gputime/core/cuda_status.hpp>
#include <gputime/core/error.hpp>
#include <gputime/cuda/runtime_policy.hpp>

#include <string>

namespace gputime::detail {

// The handles that name the current device's default stream rather than one stream.
template <class Runtime>
bool is_default_stream(Runtime& runtime, const typename Runtime::stream_type& stream) {
    if constexpr (has_is_default_stream<Runtime>::value) {
        return runtime.is_default_stream(stream);
    } else {
        return stream == typename Runtime::stream_type{};
    }
}

template <class Runtime>
bool is_legacy_default_stream(Runtime& runtime, const typename Runtime::stream_type& stream) {
    if constexpr (has_is_legacy_default_stream<Runtime>::value) {
        return runtime.is_legacy_default_stream(stream);
    } else {
        return stream == typename Runtime::stream_type{};
    }
}

// The device of `stream` into *device: cudaStreamGetDevice, or before CUDA 12.8, which lacks it
// (801), the driver's answer when the policy has stream_device_via_driver. Returns the status and
// sets `call` to the call that gave it.
template <class Runtime>
int stream_device(Runtime& runtime, const typename Runtime::stream_type& stream, int* device, const char*& call) {
    call = "cudaStreamGetDevice";
    const int status = runtime.stream_get_device(stream, device);
    if constexpr (has_stream_device_via_driver<Runtime>::value) {
        if (status == cuda_status::not_supported) {
            call = "cuStreamGetCtx";
            return runtime.stream_device_via_driver(stream, device);
        }
    }
    return status;
}

// A clock made on a default-stream handle times the default stream of `device`, current when it
// was made. Once the application made another device current, the handle names that device's
// stream, where the work it launches now runs: refused (gputime::Error) rather than timing an
// idle stream.
template <class Runtime>
void refuse_other_device(Runtime& runtime, int device) {
    if constexpr (has_device_binding_v<Runtime>) {
        int current = -1;
        if (device < 0 || runtime.get_device(&current) != cuda_status::success || current == device) return;
        throw Error("gputime: CudaEventClock::mark: this clock times the default stream of device " +
                    std::to_string(device) + " (current when it was made), but device " + std::to_string(current) +
                    " is current now, and the default stream handle names the current device's stream: the work "
                    "launched there would not be timed. Make a clock while device " +
                    std::to_string(current) + " is current, or time a stream of your own");
    } else {
        (void)runtime;
        (void)device;
    }
}

// Makes `device` current for its lifetime and restores the device that was current (when the
// policy can switch devices, `device` >= 0 and another device is current). status() is not 0
// when switching failed (call() is "cudaSetDevice"). When even cudaGetDevice fails (no usable
// device, a poisoned context), nothing is switched: the call the guard protects fails the same
// way and reports it under its own name.
template <class Runtime>
class DeviceScope {
public:
    DeviceScope(Runtime& runtime, int device) : runtime_(runtime) {
        if constexpr (has_device_binding_v<Runtime>) {
            if (device < 0) return;
            int current = -1;
            if (runtime_.get_device(&current) != cuda_status::success || current == device) return;
            status_ = runtime_.set_device(device);
            if (status_ != cuda_status::success) {
                call_ = "cudaSetDevice";
                return;
            }
            previous_ = current;
        } else {
            (void)device;
        }
    }
    ~DeviceScope() {
        if constexpr (has_device_binding_v<Runtime>) {
            if (previous_ >= 0) runtime_.set_device(previous_);
        }
    }
    DeviceScope(const DeviceScope&) = delete;
    DeviceScope& operator=(const DeviceScope&) = delete;

    int status() const noexcept { return status_; }
    const char* call() const noexcept { return call_; }

private:
    Runtime& runtime_;
    int previous_ = -1;
    int status_ = cuda_status::success;
    const char* call_ = "";
};

}  // namespace gputime::detail
