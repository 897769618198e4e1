// gputime/cuda_runtime.hpp - the real CUDA runtime as a policy for CudaEventClock.
//
// CudaEventClock talks to CUDA only through a "runtime policy": a small object with
// the members below. Two policies exist and run the same clock code:
//   gputime::CudaRuntime   (this header)              - calls cudart on a real GPU;
//   gputime::sim::Runtime  (gputime/sim/runtime.hpp)   - a deterministic simulated GPU.
//
// The policy contract (every member is required):
//   using stream_type = ...;  // value type; a value-initialised stream_type{} is the default stream
//   using event_type  = ...;  // value type, copyable handle
//   int event_create(event_type* event);               // timing-enabled event
//   int event_destroy(event_type event);
//   int event_record(event_type event, stream_type stream);
//   int event_query(event_type event);                 // 0 = complete, 600 = not ready, else error
//   int event_synchronize(event_type event);
//   int event_elapsed_ms(float* ms, event_type start, event_type stop);
//   int stream_wait_event(stream_type stream, event_type event);
//   int stream_synchronize(stream_type stream);
//   int device_count(int* count);
//   const char* error_name(int code);                  // "cudaErrorNoDevice"
//   const char* error_string(int code);                // "no CUDA-capable device is detected"
//   std::chrono::nanoseconds host_now();               // host clock (steady), virtual in the simulator
//   void yield();                                      // called between polls of a pending event
//   void sleep_for(std::chrono::nanoseconds);          // host idles (gaps between calls)
// Status codes are CUDA's own cudaError_t numbers, so the simulator reports the same
// names and codes a real GPU would (35 insufficient driver, 100 no device, 600 not ready...).
#pragma once

#include <gputime/cuda_event_clock.hpp>
#include <gputime/scoped_timer.hpp>

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
    // (a sleep would leave the GPU idle between calls and let its clock drop, seed 001).
    void yield() { std::this_thread::yield(); }
    void sleep_for(std::chrono::nanoseconds duration) { std::this_thread::sleep_for(duration); }
};

/// The clock for real GPU work: `gputime::GpuClock clock(stream);`
using GpuClock = CudaEventClock<CudaRuntime>;

}  // namespace gputime
