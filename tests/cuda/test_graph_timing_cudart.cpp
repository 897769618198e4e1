// SPDX-License-Identifier: MIT
// tests/cuda/test_graph_timing_cudart.cpp - CUDA graph timing, devices and capture checks against
// the real CUDA runtime (host compiler + cudart).
//
// Without a usable GPU (this project's CI) this proves that gputime::CudaRuntime's optional members
// (devices, capture, graphs) compile and link against cudart, that the contract sees them, and that
// the calls fail with a typed CudaError instead of crashing. With a GPU it compares eager calls with
// graph replays of real work; without one that test prints the GPUTIME_TEST_SKIPPED marker.
#include "support/gpu_presence.hpp"
#include "support/test_framework.hpp"

#include <gputime/cuda/gpu_clock.hpp>
#include <gputime/cuda/graph_timing.hpp>
#include <gputime/cuda/stream_join.hpp>
#include <gputime/report/graph_comparison_text.hpp>

#include <cuda_runtime_api.h>

#include <iostream>
#include <string>

namespace {

using gputime_test::skip_test;
using gputime_test::why_no_gpu;

}  // namespace

static_assert(gputime::detail::check_graph_policy<gputime::CudaRuntime>(), "CudaRuntime has the graph members");
static_assert(gputime::detail::has_device_binding_v<gputime::CudaRuntime>, "CudaRuntime binds clocks to devices");
static_assert(gputime::detail::has_event_create_with_flags<gputime::CudaRuntime>::value, "ordering-only events");
static_assert(gputime::detail::has_stream_is_capturing<gputime::CudaRuntime>::value, "the capture check");
static_assert(gputime::detail::has_thread_exchange_capture_mode<gputime::CudaRuntime>::value, "relaxed polls");

TEST_CASE("CudaRuntime's default-stream handles are what CUDA documents") {
    gputime::CudaRuntime cuda;
    CHECK(cuda.is_default_stream(nullptr));
    CHECK(cuda.is_default_stream(cudaStreamLegacy));
    CHECK(cuda.is_default_stream(cudaStreamPerThread));
    CHECK(cuda.is_legacy_default_stream(cudaStreamLegacy));
    CHECK_FALSE(cuda.is_legacy_default_stream(cudaStreamPerThread));
#if !defined(CUDA_API_PER_THREAD_DEFAULT_STREAM)
    CHECK(cuda.is_legacy_default_stream(nullptr));
#endif
}

TEST_CASE("CapturedGraph without a usable GPU fails with a CudaError naming the capture") {
    if (why_no_gpu().empty()) {
        skip_test("a GPU is present: this test is about machines without one");
        return;
    }
    try {
        gputime::CapturedGraph<gputime::CudaRuntime> graph(cudaStreamPerThread, [] {});
        FAIL("captured a graph without a usable GPU");
    } catch (const gputime::CudaError& e) {
        CHECK(e.call() == "cudaStreamBeginCapture");
        CHECK(e.code() != 0);
        CHECK_FALSE(e.name().empty());
    }
    (void)cudaGetLastError();
    gputime::CudaRuntime cuda;
    int mode = gputime::cuda_status::capture_mode_relaxed;
    CHECK(cuda.thread_exchange_capture_mode(&mode) != 0);       // the driver is missing: a status, no crash
    CHECK(mode == gputime::cuda_status::capture_mode_relaxed);  // untouched on failure
    (void)cudaGetLastError();
}

TEST_CASE("eager calls vs graph replays of real work on a GPU") {
    const std::string reason = why_no_gpu();
    if (!reason.empty()) {
        skip_test("no usable GPU: " + reason);
        return;
    }
    cudaStream_t stream = nullptr;
    cudaStream_t side = nullptr;
    REQUIRE(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking) == cudaSuccess);
    REQUIRE(cudaStreamCreateWithFlags(&side, cudaStreamNonBlocking) == cudaSuccess);
    void* buffer = nullptr;
    const std::size_t bytes = std::size_t{1} << 20;
    REQUIRE(cudaMalloc(&buffer, bytes) == cudaSuccess);
    {
        gputime::GpuClock clock(stream);
        CHECK(clock.device() >= 0);
        CHECK_FALSE(clock.on_legacy_default_stream());
        const gputime::GraphComparison both = gputime::compare_eager_and_graph(
            clock,
            [&](cudaStream_t s) {
                gputime::JoinStreams<gputime::CudaRuntime> join(clock, {side});
                for (int i = 0; i < 20; ++i) REQUIRE(cudaMemsetAsync(buffer, i, 4096, s) == cudaSuccess);
                REQUIRE(cudaMemsetAsync(buffer, 0, 4096, side) == cudaSuccess);
            },
            [](gputime::WarmupRunner<gputime::GpuClock>& runner) { runner.warmup(5).iterations(50); });
        std::cout << both;
        CHECK(both.eager.latency.count() == 50);
        CHECK(both.graph.latency.count() == 50);
        CHECK(both.graph.latency.p50().count() > 0.0);
        CHECK(both.graph.enqueue.p50().count() < both.eager.enqueue.p50().count());  // one launch, not 21
    }
    cudaFree(buffer);
    cudaStreamDestroy(side);
    cudaStreamDestroy(stream);
}
