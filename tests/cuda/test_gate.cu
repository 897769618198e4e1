// SPDX-License-Identifier: MIT
// tests/cuda/test_gate.cu - gputime::CudaGate (gputime/cuda/gate_kernel.cuh), compiled by nvcc.
//
// Without a GPU the gate must refuse to start with a CudaError naming the call, which is tested
// here; the GPU tests print the GPUTIME_TEST_SKIPPED marker (ctest: skipped). With a GPU: a
// gated 100 us spin measures the spin (its events and the spin queued before the device starts
// them), an ungated one adds the launch latency, and a call that synchronises under the gate
// ends with a TimeoutError instead of a deadlock.
#include "support/gpu_presence.hpp"
#include "support/test_framework.hpp"

#include <gputime/core/error.hpp>
#include <gputime/cuda/gate_kernel.cuh>
#include <gputime/cuda/gpu_clock.hpp>
#include <gputime/cuda/mock_kernels.cuh>
#include <gputime/measure/warmup_runner.hpp>

#include <cuda_runtime.h>

#include <chrono>
#include <iostream>
#include <string>

namespace {

using namespace std::chrono_literals;

using gputime_test::why_no_gpu;

}  // namespace

TEST_CASE("CudaGate: refuses a timeout <= 0, and without a GPU throws a CudaError naming the allocation") {
    try {
        gputime::CudaGate gate(0ns);
        FAIL("no InvalidArgument");
    } catch (const gputime::InvalidArgument& e) {
        CHECK(e.parameter() == "timeout");
    }
    if (!why_no_gpu().empty()) {
        try {
            gputime::CudaGate gate;
            FAIL("CudaGate started without a usable GPU");
        } catch (const gputime::CudaError& e) {
            CHECK(e.call() == "cudaHostAlloc");
            CHECK(e.code() != 0);
        }
    }
}

TEST_CASE("CudaGate: gated, a 100 us spin measures the spin, ungated, the launch latency too") {
    const std::string no_gpu = why_no_gpu();
    if (!no_gpu.empty()) {
        gputime_test::skip_test("no usable GPU: " + no_gpu);
        return;
    }
    cudaStream_t stream = nullptr;
    REQUIRE(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking) == cudaSuccess);
    {
        gputime::GpuClock clock(stream);
        gputime::CudaGate gate;
        const gputime::GatedTimes t = gputime::time_gated(
            clock, gate, [&] { REQUIRE(gputime::mock::launch_spin_ns(stream, 100us) == cudaSuccess); },
            [](auto& runner) { runner.warmup(5).iterations(50); });
        INFO("end to end p50 " << t.end_to_end.latency.p50().count() << " ns, device p50 "
                               << t.device.latency.p50().count() << " ns");
        CHECK(t.device.latency.p50().count() >= 100000.0);
        CHECK(t.device.latency.p50().count() < 110000.0);  // the spin plus a few us of kernel start/retire
        CHECK(t.end_to_end.latency.p50().count() > t.device.latency.p50().count());
        CHECK(gate.timeouts() == 0);
    }
    cudaStreamDestroy(stream);
}

TEST_CASE("CudaGate: a call that synchronises under the gate times out instead of deadlocking") {
    const std::string no_gpu = why_no_gpu();
    if (!no_gpu.empty()) {
        gputime_test::skip_test("no usable GPU: " + no_gpu);
        return;
    }
    cudaStream_t stream = nullptr;
    REQUIRE(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking) == cudaSuccess);
    {
        gputime::GpuClock clock(stream);
        gputime::CudaGate gate(50ms);
        gputime::GatedClock<gputime::GpuClock, gputime::CudaGate> gated(clock, gate);
        CHECK_THROWS_AS(gputime::WarmupRunner(gated).warmup(0).iterations(3).run([&] {
            REQUIRE(gputime::mock::launch_spin_ns(stream, 10us) == cudaSuccess);
            REQUIRE(cudaStreamSynchronize(stream) == cudaSuccess);
        }),
                        gputime::TimeoutError);
        CHECK(gate.timeouts() == 1);
    }
    cudaStreamDestroy(stream);
}
