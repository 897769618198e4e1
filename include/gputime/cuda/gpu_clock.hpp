// SPDX-License-Identifier: MIT
// gputime/cuda/gpu_clock.hpp - the real CUDA runtime as a policy for CudaEventClock.
//
// CudaEventClock reaches CUDA through a runtime policy (contract: gputime/cuda/runtime_policy.hpp);
// this one calls cudart. Its simulated twin for tests is gputime::sim::Runtime.
#pragma once

#include <gputime/cuda/detail/driver_stream_device.hpp>
#include <gputime/cuda/event_clock.hpp>

#include <cuda_runtime_api.h>

#include <chrono>
#include <cstddef>
#include <thread>

namespace gputime {

/// The CUDA runtime (cudart) as a CudaEventClock policy. Stateless; copy freely. Each call is
/// the cudart function its comment names and returns that function's cudaError_t as an int.
class CudaRuntime {
public:
    using stream_type = cudaStream_t;  ///< cudaStream_t.
    using event_type = cudaEvent_t;    ///< cudaEvent_t.

    /// cudaEventCreate.
    int event_create(event_type* event) { return static_cast<int>(cudaEventCreate(event)); }
    /// cudaEventDestroy.
    int event_destroy(event_type event) { return static_cast<int>(cudaEventDestroy(event)); }
    /// cudaEventRecord.
    int event_record(event_type event, stream_type stream) { return static_cast<int>(cudaEventRecord(event, stream)); }
    /// cudaEventQuery: 0 when complete, 600 (cudaErrorNotReady) before.
    int event_query(event_type event) { return static_cast<int>(cudaEventQuery(event)); }
    /// cudaEventSynchronize.
    int event_synchronize(event_type event) { return static_cast<int>(cudaEventSynchronize(event)); }
    /// cudaEventElapsedTime [ms].
    int event_elapsed_ms(float* ms, event_type start, event_type stop) {
        return static_cast<int>(cudaEventElapsedTime(ms, start, stop));
    }
    /// cudaStreamWaitEvent (flags 0).
    int stream_wait_event(stream_type stream, event_type event) {
        return static_cast<int>(cudaStreamWaitEvent(stream, event, 0));
    }
    /// cudaStreamSynchronize.
    int stream_synchronize(stream_type stream) { return static_cast<int>(cudaStreamSynchronize(stream)); }
    /// cudaGetDeviceCount.
    int device_count(int* count) { return static_cast<int>(cudaGetDeviceCount(count)); }
    /// cudaGetErrorName: "cudaErrorNotReady".
    const char* error_name(int code) { return cudaGetErrorName(static_cast<cudaError_t>(code)); }
    /// cudaGetErrorString.
    const char* error_string(int code) { return cudaGetErrorString(static_cast<cudaError_t>(code)); }
    /// steady_clock's time since its epoch, in nanoseconds.
    std::chrono::nanoseconds host_now() {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
            std::chrono::steady_clock::now().time_since_epoch());
    }
    // Spinning with a yield keeps the reaction to a finished event in the microseconds
    // (a sleep would leave the GPU idle between calls and let its clock drop).
    /// One period of a polling loop: std::this_thread::yield().
    void yield() { std::this_thread::yield(); }
    /// std::this_thread::sleep_for (a wait's back-off, an idle gap).
    void sleep_for(std::chrono::nanoseconds duration) { std::this_thread::sleep_for(duration); }

    /// cudaDeviceGetPCIBusId: how NVML finds this device (gputime::nvml_options_for, telemetry.hpp).
    int device_pci_bus_id(char* id, int length, int device) {
        return static_cast<int>(cudaDeviceGetPCIBusId(id, length, device));
    }

    // ---- device memory and the L2 size: optional members for gputime::L2Flush (l2_flush.hpp) ----
    /// cudaDevAttrL2CacheSize of the current device [bytes].
    int l2_cache_size(int* bytes) {
        int device = 0;
        const cudaError_t status = cudaGetDevice(&device);
        if (status != cudaSuccess) return static_cast<int>(status);
        return static_cast<int>(cudaDeviceGetAttribute(bytes, cudaDevAttrL2CacheSize, device));
    }
    /// cudaMalloc.
    int device_malloc(void** ptr, std::size_t bytes) { return static_cast<int>(cudaMalloc(ptr, bytes)); }
    /// cudaFree.
    int device_free(void* ptr) { return static_cast<int>(cudaFree(ptr)); }
    /// cudaMemsetAsync.
    int memset_async(void* ptr, int value, std::size_t bytes, stream_type stream) {
        return static_cast<int>(cudaMemsetAsync(ptr, value, bytes, stream));
    }

    // ---- devices, default streams, capture and graphs: optional members (runtime_policy.hpp) ----
    using graph_type = cudaGraph_t;           ///< cudaGraph_t.
    using graph_exec_type = cudaGraphExec_t;  ///< cudaGraphExec_t.

    /// cudaEventCreateWithFlags.
    int event_create_with_flags(event_type* event, unsigned flags) {
        return static_cast<int>(cudaEventCreateWithFlags(event, flags));
    }
    /// cudaGetDevice.
    int get_device(int* device) { return static_cast<int>(cudaGetDevice(device)); }
    /// cudaSetDevice.
    int set_device(int device) { return static_cast<int>(cudaSetDevice(device)); }
    /// cudaStreamGetDevice (CUDA 12.8 and later); before, 801 (cudaErrorNotSupported): the
    /// clock then asks stream_device_via_driver.
    int stream_get_device(stream_type stream, int* device) {
#if CUDART_VERSION >= 12080
        return static_cast<int>(cudaStreamGetDevice(stream, device));
#else
        (void)stream;
        (void)device;
        return static_cast<int>(cudaErrorNotSupported);
#endif
    }
    /// The stream's device as the driver tells it: cuStreamGetCtx, then that context's device,
    /// reached through cudaGetDriverEntryPoint (nothing links libcuda).
    int stream_device_via_driver(stream_type stream, int* device) {
        return detail::driver_stream_device(stream, device);
    }
    /// cudaStreamIsCapturing; *capture_status is a cudaStreamCaptureStatus.
    int stream_is_capturing(stream_type stream, int* capture_status) {
        cudaStreamCaptureStatus value = cudaStreamCaptureStatusNone;
        const cudaError_t status = cudaStreamIsCapturing(stream, &value);
        if (status == cudaSuccess) *capture_status = static_cast<int>(value);
        return static_cast<int>(status);
    }
    /// cudaThreadExchangeStreamCaptureMode; *mode is a cudaStreamCaptureMode.
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
    /// cudaStreamBeginCapture in a cudaStreamCaptureMode.
    int stream_begin_capture(stream_type stream, int mode) {
        return static_cast<int>(cudaStreamBeginCapture(stream, static_cast<cudaStreamCaptureMode>(mode)));
    }
    /// cudaStreamEndCapture.
    int stream_end_capture(stream_type stream, graph_type* graph) {
        return static_cast<int>(cudaStreamEndCapture(stream, graph));
    }
    /// cudaGraphInstantiate (flags 0).
    int graph_instantiate(graph_exec_type* exec, graph_type graph) {
#if CUDART_VERSION >= 12000
        return static_cast<int>(cudaGraphInstantiate(exec, graph, 0));
#else
        return static_cast<int>(cudaGraphInstantiate(exec, graph, nullptr, nullptr, 0));
#endif
    }
    /// cudaGraphLaunch.
    int graph_launch(graph_exec_type exec, stream_type stream) {
        return static_cast<int>(cudaGraphLaunch(exec, stream));
    }
    /// cudaGraphExecDestroy.
    int graph_exec_destroy(graph_exec_type exec) { return static_cast<int>(cudaGraphExecDestroy(exec)); }
    /// cudaGraphDestroy.
    int graph_destroy(graph_type graph) { return static_cast<int>(cudaGraphDestroy(graph)); }
};

/// The clock for real GPU work: `gputime::GpuClock clock(stream);`
using GpuClock = CudaEventClock<CudaRuntime>;

}  // namespace gputime
