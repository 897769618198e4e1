// SPDX-License-Identifier: MIT
// gputime/cuda/mock_kernels.cuh - spin kernels of known length, for testing timing code on a real GPU.
//
// nvcc only (device code). The simulated runtime (gputime/sim) plays the same role without a GPU;
// these are its real-GPU counterpart: a kernel whose duration is known in advance, so a timer
// can be checked against the truth.
//
//   launch_spin_ns(stream, 100us)        spins for 100 µs of wall time (%globaltimer). Its time does
//                                        not depend on the SM clock: a reference duration.
//   launch_spin_cycles(stream, 1000000)  spins for 10^6 SM cycles (clock64()). Its time is
//                                        cycles / f_SM, so it moves with the GPU clock: run it after
//                                        an idle gap and it takes longer (the DVFS effect).
//   launch_spin_sequence(stream, {...})  queues one ns-spin per duration, in stream order.
//   launch_read_bytes(stream, p, n, sink) reads n bytes of device memory: fast from the L2, slower
//                                        cold (gputime::L2Flush before each call makes it cold).
//   launch_illegal_address(stream)       a kernel that faults (700, sticky): error-path tests.
//
// Every launcher returns a cudaError_t and never aborts. What a measurement of a spin kernel
// contains, %globaltimer's resolution, and why everything here has internal linkage:
// docs/testing.md, "Spin kernels on a real GPU".
#pragma once

#include <cuda_runtime.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace gputime {
/// Mock kernels for a real GPU (nvcc only): spin for a fixed device time or a cycle count.
namespace mock {
namespace {

/// Device nanoseconds from the %globaltimer special register (see the note on resolution).
[[maybe_unused]] __device__ __forceinline__ std::uint64_t read_globaltimer_ns() {
    std::uint64_t ns;
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(ns));
    return ns;
}

/// Spins until `duration_ns` of %globaltimer time has passed since the kernel started running.
[[maybe_unused]] __global__ void spin_ns_kernel(std::uint64_t duration_ns) {
    const std::uint64_t start = read_globaltimer_ns();
    // Compare the elapsed time, not now against start + duration: the unsigned difference is
    // exact modulo 2^64, so a deadline that would overflow (a huge duration, a counter near
    // its wrap) cannot end the spin early.
    while (read_globaltimer_ns() - start < duration_ns) {
    }
}

/// Spins until `cycles` SM clock cycles have passed. clock64() is the per-SM cycle counter; the
/// kernel runs on one SM, so start and end come from the same counter.
[[maybe_unused]] __global__ void spin_cycles_kernel(std::uint64_t cycles) {
    const auto start = static_cast<std::uint64_t>(clock64());
    // Same overflow-safe elapsed comparison as spin_ns_kernel.
    while (static_cast<std::uint64_t>(clock64()) - start < cycles) {
    }
}

/// Queues a kernel that spins for `duration` (wall time on the device) on `stream`.
/// A zero duration is allowed (it measures the bare kernel overhead); a negative one returns
/// cudaErrorInvalidValue without launching.
[[maybe_unused]] inline cudaError_t launch_spin_ns(cudaStream_t stream, std::chrono::nanoseconds duration) {
    if (duration.count() < 0) {
        return cudaErrorInvalidValue;
    }
    spin_ns_kernel<<<1, 1, 0, stream>>>(static_cast<std::uint64_t>(duration.count()));
    return cudaGetLastError();
}

/// Queues a kernel that spins for `cycles` SM cycles on `stream`; its duration is
/// cycles / (current SM clock), so it stretches when the GPU clocks down.
[[maybe_unused]] inline cudaError_t launch_spin_cycles(cudaStream_t stream, std::uint64_t cycles) {
    spin_cycles_kernel<<<1, 1, 0, stream>>>(cycles);
    return cudaGetLastError();
}

/// Queues one ns-spin per entry of `durations`, in order, on `stream`. Stops at the first
/// failure and returns it (the kernels queued before it stay queued).
[[maybe_unused]] inline cudaError_t launch_spin_sequence(cudaStream_t stream,
                                                         const std::vector<std::chrono::nanoseconds>& durations) {
    for (const std::chrono::nanoseconds duration : durations) {
        const cudaError_t status = launch_spin_ns(stream, duration);
        if (status != cudaSuccess) {
            return status;
        }
    }
    return cudaSuccess;
}

// ---- kernels that touch memory, and one that faults (cold caches, error paths) ----------------

/// Sums `words` 16-byte words of `data` into *sink (grid-stride, so any grid covers it). Its time
/// depends on where the data is: a buffer smaller than the L2 that the previous call just read
/// is served from the L2, a cold one from device memory (gputime::L2Flush makes it cold).
[[maybe_unused]] __global__ void read_kernel(const uint4* data, std::size_t words, unsigned int* sink) {
    unsigned int sum = 0;
    const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
    for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < words; i += stride) {
        const uint4 v = data[i];
        sum += v.x ^ v.y ^ v.z ^ v.w;
    }
    if (sum == 0x9e3779b9u) *sink = sum;  // almost never taken; keeps the loads from being optimised away
}

/// Queues a read of `bytes` (a multiple of 16) of device memory at `data` on `stream`, by
/// `blocks` blocks of 256 threads. cudaErrorInvalidValue without launching for a size that is
/// not a multiple of 16 or a null pointer.
[[maybe_unused]] inline cudaError_t launch_read_bytes(cudaStream_t stream, const void* data, std::size_t bytes,
                                                      unsigned int* sink, unsigned int blocks = 264) {
    if (data == nullptr || sink == nullptr || bytes % 16 != 0 || blocks == 0) {
        return cudaErrorInvalidValue;
    }
    read_kernel<<<blocks, 256, 0, stream>>>(static_cast<const uint4*>(data), bytes / 16, sink);
    return cudaGetLastError();
}

/// Writes through `address` (pass an address that is not mapped, e.g. reinterpret_cast<int*>(8)):
/// the launch succeeds and the context then fails with cudaErrorIllegalAddress (700, sticky).
[[maybe_unused]] __global__ void illegal_address_kernel(volatile int* address) { *address = 1; }

/// Queues illegal_address_kernel; for tests of what a faulting kernel does to a measurement.
/// Use it in a child process: the CUDA context of the process is unusable afterwards.
[[maybe_unused]] inline cudaError_t launch_illegal_address(cudaStream_t stream) {
    illegal_address_kernel<<<1, 1, 0, stream>>>(reinterpret_cast<volatile int*>(std::uintptr_t{8}));
    return cudaGetLastError();
}

}  // namespace
}  // namespace mock
}  // namespace gputime
