// SPDX-License-Identifier: MIT
// gputime/cuda/gate_kernel.cuh - the gate on a real GPU: a kernel that holds a stream until the host
// releases it (nvcc only: device code). The policy that gputime::GatedClock and
// gputime::time_gated() (gputime/cuda/gate.hpp) use; gputime::sim::Gate is its simulated twin.
//
//   gputime::GpuClock clock(stream);
//   gputime::CudaGate gate;                      // 10 s timeout
//   auto times = gputime::time_gated(clock, gate, [&] { model.forward(stream); });
//
// How it works (the idea of nvbench's blocking kernel). The gate kernel, one thread, spins
// reading a counter in pinned, device-mapped host memory until it reaches the generation it was
// launched for. hold() increments the generation and launches it; release() stores that
// generation into the counter from the host. A generation, not a flag that is set and cleared,
// so that a gate kernel that starts late (queued behind earlier work) cannot miss its release
// or take the next one's. While it spins the GPU counts as busy, so its clock does not drop.
//
// The timeout. A call that waits for the device while its gate holds the stream (a
// synchronisation inside the timed code, a blocking copy, a launch queue that filled up) waits
// for the gate, and the gate waits for the host: a deadlock. So the kernel gives up after
// `timeout` of %globaltimer time, counts that in timeouts() (a counter in the same mapped
// memory, written with a system-wide fence), and GatedClock::synchronize() reports it.
//
// Linkage: like gputime/cuda/mock_kernels.cuh (see the note there), the kernel and this class have
// internal linkage, so every .cu file launches its own copy under any nvcc and with or without
// -rdc. CudaGate is therefore a different type in each .cu file: create and use it in one.
#pragma once

#include <gputime/core/error.hpp>
#include <gputime/cuda/gate.hpp>
#include <gputime/cuda/mock_kernels.cuh>

#include <cuda_runtime.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace gputime {
namespace {

/// Spins until *released >= generation, or until timeout_ns of %globaltimer time have passed
/// since it started, which it then counts in *timeouts.
[[maybe_unused]] __global__ void gate_kernel(const volatile unsigned long long* released, unsigned long long generation,
                                             unsigned long long timeout_ns, volatile unsigned long long* timeouts) {
    const std::uint64_t start = mock::read_globaltimer_ns();
    while (*released < generation) {
        if (mock::read_globaltimer_ns() - start >= timeout_ns) {
            *timeouts = *timeouts + 1;  // one gate kernel runs at a time per CudaGate
            __threadfence_system();     // visible to the host once the stream is past the gate
            return;
        }
    }
}

/// A gate for gputime::GatedClock on a real GPU. Not copyable. Use one stream at a time.
class CudaGate {
public:
    using stream_type = cudaStream_t;

    /// Allocates the mapped host memory the kernel and the host share. Throws CudaError
    /// (e.g. no device), or InvalidArgument (parameter "timeout") for a timeout <= 0.
    explicit CudaGate(std::chrono::nanoseconds timeout = std::chrono::seconds(10)) : timeout_(timeout) {
        if (timeout.count() <= 0)
            throw InvalidArgument("CudaGate", "timeout",
                                  "must be > 0 ns, got " + std::to_string(timeout.count()) + " ns");
        void* host = nullptr;
        check("cudaHostAlloc", cudaHostAlloc(&host, 2 * sizeof(unsigned long long), cudaHostAllocMapped));
        host_ = static_cast<unsigned long long*>(host);
        host_[0] = 0;  // released generation
        host_[1] = 0;  // timeouts
        void* device = nullptr;
        const cudaError_t status = cudaHostGetDevicePointer(&device, host, 0);
        if (status != cudaSuccess) {
            (void)cudaFreeHost(host);
            check("cudaHostGetDevicePointer", status);
        }
        device_ = static_cast<unsigned long long*>(device);
    }
    /// Releases a gate still held, so that nothing waits for it, then frees the memory
    /// (cudaFreeHost waits for the device to be done with it).
    ~CudaGate() {
        release();
        (void)cudaFreeHost(host_);
    }
    CudaGate(const CudaGate&) = delete;
    CudaGate& operator=(const CudaGate&) = delete;

    /// Launches the gate kernel on `stream`. Throws CudaError (call "gate_kernel<<<>>>").
    void hold(cudaStream_t stream) {
        const unsigned long long generation = generation_ + 1;
        gate_kernel<<<1, 1, 0, stream>>>(device_, generation, static_cast<unsigned long long>(timeout_.count()),
                                         device_ + 1);
        check("gate_kernel<<<>>>", cudaGetLastError());
        generation_ = generation;
        held_ = true;
    }
    /// Lets the gate kernel end: a store to the mapped counter, no CUDA call.
    void release() noexcept {
        if (!held_) return;
        held_ = false;
        std::atomic_thread_fence(std::memory_order_seq_cst);  // the work before it was enqueued first
        static_cast<volatile unsigned long long*>(host_)[0] = generation_;
        std::atomic_thread_fence(std::memory_order_seq_cst);
    }
    /// Gate kernels that ended by the timeout; exact once the stream is past them.
    std::uint64_t timeouts() const noexcept { return static_cast<const volatile unsigned long long*>(host_)[1]; }
    std::chrono::nanoseconds timeout() const noexcept { return timeout_; }

private:
    static void check(const char* call, cudaError_t status) {
        if (status != cudaSuccess) {
            (void)cudaGetLastError();  // leave no non-sticky error behind for the caller's next check
            throw CudaError(call, static_cast<int>(status), cudaGetErrorName(status), cudaGetErrorString(status));
        }
    }

    std::chrono::nanoseconds timeout_;
    unsigned long long* host_ = nullptr;
    unsigned long long* device_ = nullptr;
    unsigned long long generation_ = 0;
    bool held_ = false;
};

}  // namespace
}  // namespace gputime
