// SPDX-License-Identifier: MIT
// examples/mock_kernel_test_gpu.cu - the real-GPU device adapter of mock_kernel_test.cpp.
//
// Compiled by nvcc (examples/CMakeLists.txt adds it, with GPUTIME_EXAMPLE_WITH_GPU, when nvcc is
// available). mock_kernel_test.cpp sees only the declarations of the functions below, so it needs
// no CUDA header: keep the two in step (a changed parameter list fails at link time).
// A layer is a %globaltimer spin kernel of the layer's duration (gputime/cuda/mock_kernels.cuh), timed
// with gputime::GpuClock (CUDA events on a non-blocking stream) by the same WarmupRunner as on
// the simulated GPU.
#include <gputime/core/error.hpp>
#include <gputime/cuda/gpu_clock.hpp>
#include <gputime/cuda/mock_kernels.cuh>
#include <gputime/measure/run_result.hpp>
#include <gputime/measure/warmup_runner.hpp>

#include <cuda_runtime.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace real_gpu {
namespace {

struct Session {
    cudaStream_t stream = nullptr;
    std::unique_ptr<gputime::GpuClock> clock;
};
Session& session() {
    static Session s;
    return s;
}

void check(const char* call, cudaError_t status) {
    if (status != cudaSuccess)
        throw gputime::CudaError(call, status, cudaGetErrorName(status), cudaGetErrorString(status));
}

}  // namespace

std::string why_unavailable() {
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) {
        (void)cudaGetLastError();  // leave no error behind
        return std::string(cudaGetErrorString(status)) + " (" + cudaGetErrorName(status) + ")";
    }
    return count > 0 ? std::string() : std::string("no CUDA device");
}

void open() {
    Session& s = session();
    if (s.clock) return;
    // Non-blocking: the legacy default stream (and anything else using it) cannot delay our events.
    check("cudaStreamCreateWithFlags", cudaStreamCreateWithFlags(&s.stream, cudaStreamNonBlocking));
    try {
        s.clock = std::make_unique<gputime::GpuClock>(s.stream);
    } catch (...) {
        (void)cudaStreamDestroy(s.stream);
        s.stream = nullptr;
        throw;
    }
}

void close() noexcept {
    Session& s = session();
    s.clock.reset();  // resolves what it still owes, destroys its events
    if (s.stream != nullptr) {
        (void)cudaStreamSynchronize(s.stream);
        (void)cudaStreamDestroy(s.stream);
        s.stream = nullptr;
    }
}

void launch_spin(std::chrono::nanoseconds duration) {
    check("launch_spin_ns", gputime::mock::launch_spin_ns(session().stream, duration));
}

gputime::RunResult time_calls(const std::function<void()>& call, std::size_t warmup, std::size_t iterations) {
    Session& s = session();
    if (!s.clock) throw gputime::Error("real_gpu::time_calls: open() was not called");
    return gputime::WarmupRunner(*s.clock).warmup(warmup).iterations(iterations).run(call);
}

}  // namespace real_gpu
