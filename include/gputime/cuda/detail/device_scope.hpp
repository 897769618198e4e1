// SPDX-License-Identifier: MIT
// gputime/cuda/detail/device_scope.hpp - run CUDA calls on a given device, then restore the current one.
//
//   detail::DeviceScope<Runtime> scope(runtime, clock.device());   // cudaSetDevice, and back
//   if (scope.status() != 0) ...                                    // switching failed
// An event can only be created on, and recorded to a stream of, its own device; the clock and
// its helpers make their calls under this guard. Also: which stream handles name the current
// device's default stream rather than one stream (0, cudaStreamLegacy, cudaStreamPerThread).
#pragma once

#include <gputime/core/cuda_status.hpp>
#include <gputime/cuda/runtime_policy.hpp>

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
