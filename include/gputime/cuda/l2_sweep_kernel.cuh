// SPDX-License-Identifier: MIT
// gputime/cuda/l2_sweep_kernel.cuh - the read-only sweep of an L2 flush on a real GPU (nvcc only:
// device code), for gputime::L2Flush (gputime/cuda/l2_flush.hpp).
//
//   gputime::GpuClock clock(stream);
//   gputime::L2Flush flush(clock, gputime::CudaL2Sweep{});   // in a .cu file
//
// The kernel reads every 16-byte word of the buffer once through the L2 (ld.global.cg: cached
// in the L2, not in L1) and writes nothing. Reading a buffer larger than the L2 evicts every
// line the timed call left there; the dirty ones are written back now, during the flush, and the
// L2 is left holding clean lines of the buffer, which the next call evicts for free. A memset
// would leave its own lines dirty instead, for the timed call to write back.
//
// Linkage: like gputime/cuda/mock_kernels.cuh, the kernel and the functor have internal linkage,
// so every .cu file launches its own copy under any nvcc and with or without -rdc.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>

namespace gputime {
namespace {

/// Reads `words` 16-byte words from `data` once; writes `*sink` only if their XOR has a value
/// that zero-filled memory never has (the store keeps the loads alive; `sink` may be null).
[[maybe_unused]] __global__ void l2_read_sweep_kernel(const uint4* data, std::size_t words, unsigned* sink) {
    unsigned folded = 0;
    const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
    for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < words; i += stride) {
        const uint4 v = __ldcg(data + i);
        folded ^= v.x ^ v.y ^ v.z ^ v.w;
    }
    if (folded == 0x9e3779b9u && sink != nullptr) *sink = folded;
}

/// The sweep L2Flush takes: launches l2_read_sweep_kernel on `stream` over [buffer, buffer +
/// bytes) (bytes rounded down to 16; cudaMalloc's buffers are 256-byte aligned). Returns the
/// launch's cudaError_t.
struct CudaL2Sweep {
    int operator()(const void* buffer, std::size_t bytes, cudaStream_t stream) const {
        const std::size_t words = bytes / sizeof(uint4);
        if (words == 0) return static_cast<int>(cudaSuccess);
        // 1024 blocks of 256 threads: enough loads in flight to read at full bandwidth on any
        // current GPU, few enough that each thread strides over many words.
        l2_read_sweep_kernel<<<1024, 256, 0, stream>>>(static_cast<const uint4*>(buffer), words, nullptr);
        return static_cast<int>(cudaGetLastError());
    }
};

}  // namespace
}  // namespace gputime
