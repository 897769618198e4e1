// SPDX-License-Identifier: MIT
// gputime/report/run_context.hpp - what a measurement ran on: the host (gputime/core/host_context.hpp) and the
// GPU, for the context block of every file gputime writes (gputime/report/json_report.hpp).
//
//   gputime::RunContext context = gputime::read_run_context();   // host + GPU 0 when there is one
//
// The GPU is described as CUDA reports it: name, compute capability, multiprocessors, memory,
// the peak SM and memory clocks (cudaDevAttrClockRate / cudaDevAttrMemoryClockRate; CUDA 13 took
// clockRate and memoryClockRate out of cudaDeviceProp, the attributes remain), and the driver's
// and runtime's CUDA versions. read_gpu_context() exists only where the CUDA runtime does: when
// the build defines GPUTIME_HAS_CUDA (the CMake target does when it finds the toolkit, and links
// cudart) or under nvcc. Elsewhere read_run_context() leaves gpu empty and says why in
// no_gpu_reason ("built without the CUDA toolkit"), as it does when CUDA finds no device.
// A program that knows its GPU some other way fills a GpuContext itself.
// Nothing here throws except std::bad_alloc: what cannot be read is left empty.
#pragma once

#include <gputime/core/host_context.hpp>

#include <cstdint>
#include <optional>
#include <string>

#if defined(GPUTIME_HAS_CUDA) || defined(__CUDACC__)
#if defined(__has_include)
#if __has_include(<cuda_runtime_api.h>)
#include <cuda_runtime_api.h>
#define GPUTIME_DETAIL_RUN_CONTEXT_CUDA 1
#endif
#endif
#endif

namespace gputime {

/// One GPU, as the CUDA runtime describes it.
struct GpuContext {
    int device = 0;                    ///< the CUDA device ordinal
    std::string name;                  ///< "NVIDIA H100 80GB HBM3"
    int compute_capability_major = 0;  ///< 9 for sm_90
    int compute_capability_minor = 0;  ///< 0 for sm_90
    int multiprocessors = 0;           ///< SM count
    std::uint64_t memory_bytes = 0;    ///< global memory
    int sm_clock_khz = 0;              ///< peak SM clock; 0 when unknown
    int memory_clock_khz = 0;          ///< peak memory clock; 0 when unknown
    int driver_cuda_version = 0;       ///< the newest CUDA the driver supports, as CUDA encodes it: 12040 = 12.4
    int runtime_cuda_version = 0;      ///< the CUDA runtime in use, same encoding
};

/// The context of a measurement: the host, the build and, when there is one, the GPU.
struct RunContext {
    HostContext host;               ///< The machine and the build.
    std::optional<GpuContext> gpu;  ///< The GPU, when one was usable.
    std::string no_gpu_reason;      ///< why gpu is empty ("built without the CUDA toolkit", CUDA's error)
};

/// "12.4" from CUDA's version encoding (12040); "" for 0.
inline std::string cuda_version_text(int version) {
    if (version <= 0) return {};
    return std::to_string(version / 1000) + "." + std::to_string((version % 1000) / 10);
}

#if defined(GPUTIME_DETAIL_RUN_CONTEXT_CUDA)
/// Device `device` as the CUDA runtime describes it; nothing (and the reason in *why_not, when
/// given) when CUDA finds no such device or a call fails.
inline std::optional<GpuContext> read_gpu_context(int device = 0, std::string* why_not = nullptr) {
    const auto fail = [why_not](const char* call, cudaError_t status) {
        if (why_not != nullptr) *why_not = std::string(call) + ": " + cudaGetErrorString(status);
        return std::optional<GpuContext>{};
    };
    int count = 0;
    if (const cudaError_t status = cudaGetDeviceCount(&count); status != cudaSuccess)
        return fail("cudaGetDeviceCount", status);
    if (device < 0 || device >= count) {
        if (why_not != nullptr)
            *why_not = "no CUDA device " + std::to_string(device) + " (the runtime sees " + std::to_string(count) + ")";
        return std::nullopt;
    }
    cudaDeviceProp properties{};
    if (const cudaError_t status = cudaGetDeviceProperties(&properties, device); status != cudaSuccess)
        return fail("cudaGetDeviceProperties", status);
    GpuContext gpu;
    gpu.device = device;
    gpu.name = properties.name;
    gpu.compute_capability_major = properties.major;
    gpu.compute_capability_minor = properties.minor;
    gpu.multiprocessors = properties.multiProcessorCount;
    gpu.memory_bytes = static_cast<std::uint64_t>(properties.totalGlobalMem);
    int value = 0;
    if (cudaDeviceGetAttribute(&value, cudaDevAttrClockRate, device) == cudaSuccess) gpu.sm_clock_khz = value;
    if (cudaDeviceGetAttribute(&value, cudaDevAttrMemoryClockRate, device) == cudaSuccess) gpu.memory_clock_khz = value;
    if (cudaDriverGetVersion(&value) == cudaSuccess) gpu.driver_cuda_version = value;
    if (cudaRuntimeGetVersion(&value) == cudaSuccess) gpu.runtime_cuda_version = value;
    return gpu;
}
#endif

/// The host's context (read_host_context()) and, where the CUDA runtime is built in, GPU `device`.
inline RunContext read_run_context(int device = 0) {
    RunContext context;
    context.host = read_host_context();
#if defined(GPUTIME_DETAIL_RUN_CONTEXT_CUDA)
    context.gpu = read_gpu_context(device, &context.no_gpu_reason);
#else
    (void)device;
    context.no_gpu_reason = "built without the CUDA toolkit";
#endif
    return context;
}

}  // namespace gputime
