// gputime/cuda_runtime.hpp - the real CUDA runtime as a policy for CudaEventClock.
//
// CudaEventClock reaches CUDA through a runtime policy (contract: gputime/runtime_policy.hpp);
// this one calls cudart. Its simulated twin for tests is gputime::sim::Runtime.
#pragma once

#include <gputime/cuda_event_clock.hpp>

#include <cuda_runtime_api.h>

#include <chrono>
#include <thread>

namespace gputime {

/// The CUDA runtime (cudart) as a CudaEventClock policy. Stateless; copy freely.
class CudaRuntime {
public:
    using stream_type = cudaStream_t;
    using event_type = cudaEvent_t;

    int event_create(event_type* event) { return static_cast<int>(cudaEventCreate(event)); }
    int event_destroy(event_type event) { return static_cast<int>(cudaEventDestroy(event)); }
    int event_record(event_type event, stream_type stream) {
        return static_cast<int>(cudaEventRecord(event, stream));
    }
    int event_query(event_type event) { return static_cast<int>(cudaEventQuery(event)); }
    int event_synchronize(event_type event) { return static_cast<int>(cudaEventSynchronize(event)); }
    int event_elapsed_ms(float* ms, event_type start, event_type stop) {
        return static_cast<int>(cudaEventElapsedTime(ms, start, stop));
    }
    int stream_wait_event(stream_type stream, event_type event) {
        return static_cast<int>(cudaStreamWaitEvent(stream, event, 0));
    }
    int stream_synchronize(stream_type stream) { return static_cast<int>(cudaStreamSynchronize(stream)); }
    int device_count(int* count) { return static_cast<int>(cudaGetDeviceCount(count)); }
    const char* error_name(int code) { return cudaGetErrorName(static_cast<cudaError_t>(code)); }
    const char* error_string(int code) { return cudaGetErrorString(static_cast<cudaError_t>(code)); }
    std::chrono::nanoseconds host_now() {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
            std::chrono::steady_clock::now().time_since_epoch());
    }
    // Spinning with a yield keeps the reaction to a finished event in the microseconds
    // (a sleep would leave the GPU idle between calls and let its clock drop).
    void yield() { std::this_thread::yield(); }
    void sleep_for(std::chrono::nanoseconds duration) { std::this_thread::sleep_for(duration); }
};

/// The clock for real GPU work: `gputime::GpuClock clock(stream);`
using GpuClock = CudaEventClock<CudaRuntime>;

}  // namespace gputime
