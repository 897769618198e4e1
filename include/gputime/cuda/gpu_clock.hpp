// SPDX-License-Identifier: MIT
// gputime/cuda/gpu_clock.hpp - the real CUDA runtime as a policy for CudaEventClock.
//
// CudaEventClock reaches CUDA through a runtime policy (contract: gputime/cuda/runtime_policy.hpp);
// this one calls cudart. Its simulated twin for tests is gputime::sim::Runtime.
#pragma once

#include <gputime/cuda/event_clock.hpp>

#include <cuda_runtime_api.h>

#include <chrono>
#include <cstddef>
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

    // ---- device memory and the L2 size: optional members for gputime::L2Flush (l2_flush.hpp) ----
    /// cudaDevAttrL2CacheSize of the current device [bytes].
    int l2_cache_size(int* bytes) {
        int device = 0;
        const cudaError_t status = cudaGetDevice(&device);
        if (status != cudaSuccess) return static_cast<int>(status);
        return static_cast<int>(cudaDeviceGetAttribute(bytes, cudaDevAttrL2CacheSize, device));
    }
    int device_malloc(void** ptr, std::size_t bytes) { return static_cast<int>(cudaMalloc(ptr, bytes)); }
    int device_free(void* ptr) { return static_cast<int>(cudaFree(ptr)); }
    int memset_async(void* ptr, int value, std::size_t bytes, stream_type stream) {
        return static_cast<int>(cudaMemsetAsync(ptr, value, bytes, stream));
    }

    // ---- devices, default streams, capture and graphs: optional members (runtime_policy.hpp) ----
    using graph_type = cudaGraph_t;
    using graph_exec_type = cudaGraphExec_t;

    int event_create_with_flags(event_type* event, unsigned flags) {
        return static_cast<int>(cudaEventCreateWithFlags(event, flags));
    }
    int get_device(int* device) { return static_cast<int>(cudaGetDevice(device)); }
    int set_device(int device) { return static_cast<int>(cudaSetDevice(device)); }
    int stream_get_device(stream_type stream, int* device) {
#if CUDART_VERSION >= 12080
        return static_cast<int>(cudaStreamGetDevice(stream, device));
#else
        // cudaStreamGetDevice came with CUDA 12.8: before it, the current device (the device of
        // the default streams, and of any stream created since the last cudaSetDevice).
        (void)stream;
        return static_cast<int>(cudaGetDevice(device));
#endif
    }
    int stream_is_capturing(stream_type stream, int* capture_status) {
        cudaStreamCaptureStatus value = cudaStreamCaptureStatusNone;
        const cudaError_t status = cudaStreamIsCapturing(stream, &value);
        if (status == cudaSuccess) *capture_status = static_cast<int>(value);
        return static_cast<int>(status);
    }
    int thread_exchange_capture_mode(int* mode) {
        cudaStreamCaptureMode value = static_cast<cudaStreamCaptureMode>(*mode);
        const cudaError_t status = cudaThreadExchangeStreamCaptureMode(&value);
        if (status == cudaSuccess) *mode = static_cast<int>(value);
        return static_cast<int>(status);
    }
    /// The handles that name the current device's default stream rather than one stream.
    bool is_default_stream(stream_type stream) const {
        return stream == nullptr || stream == cudaStreamLegacy || stream == cudaStreamPerThread;
    }
    /// The legacy default stream: cudaStreamLegacy, and 0 unless this translation unit is built
    /// with per-thread default streams (nvcc --default-stream per-thread).
    bool is_legacy_default_stream(stream_type stream) const {
#if defined(CUDA_API_PER_THREAD_DEFAULT_STREAM)
        return stream == cudaStreamLegacy;
#else
        return stream == nullptr || stream == cudaStreamLegacy;
#endif
    }
    int stream_begin_capture(stream_type stream, int mode) {
        return static_cast<int>(cudaStreamBeginCapture(stream, static_cast<cudaStreamCaptureMode>(mode)));
    }
    int stream_end_capture(stream_type stream, graph_type* graph) {
        return static_cast<int>(cudaStreamEndCapture(stream, graph));
    }
    int graph_instantiate(graph_exec_type* exec, graph_type graph) {
#if CUDART_VERSION >= 12000
        return static_cast<int>(cudaGraphInstantiate(exec, graph, 0));
#else
        return static_cast<int>(cudaGraphInstantiate(exec, graph, nullptr, nullptr, 0));
#endif
    }
    int graph_launch(graph_exec_type exec, stream_type stream) { return static_cast<int>(cudaGraphLaunch(exec, stream)); }
    int graph_exec_destroy(graph_exec_type exec) { return static_cast<int>(cudaGraphExecDestroy(exec)); }
    int graph_destroy(graph_type graph) { return static_cast<int>(cudaGraphDestroy(graph)); }
};

/// The clock for real GPU work: `gputime::GpuClock clock(stream);`
using GpuClock = CudaEventClock<CudaRuntime>;

}  // namespace gputime
