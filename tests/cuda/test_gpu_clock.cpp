// SPDX-License-Identifier: MIT
// tests/cuda/test_gpu_clock.cpp - gputime::GpuClock on the real CUDA runtime (host compiler + cudart).
//
// Without a usable GPU (this project's CI) the clock must refuse to start with a CudaError that
// says why, instead of crashing or hanging; that is tested here. With a GPU, it times real
// device work; without one that test prints the GPUTIME_TEST_SKIPPED marker (ctest: skipped).
#include "support/gpu_presence.hpp"
#include "support/test_framework.hpp"

#include <gputime/cuda/gpu_clock.hpp>
#include <gputime/measure/warmup_runner.hpp>

#include <cuda_runtime_api.h>

#include <iostream>
#include <string>

namespace {

using gputime_test::skip_test;
using gputime_test::why_no_gpu;

}  // namespace

TEST_CASE("GpuClock without a usable GPU throws a CudaError that names the call and the reason") {
    if (why_no_gpu().empty()) {
        skip_test("a GPU is present: this test is about machines without one");
        return;
    }
    int count = 0;
    const int expected = static_cast<int>(cudaGetDeviceCount(&count));
    try {
        gputime::GpuClock clock;
        FAIL("GpuClock started without a usable GPU");
    } catch (const gputime::CudaError& e) {
        CHECK(e.call() == "cudaGetDeviceCount");
        CHECK(e.code() == (expected == 0 ? 100 : expected));
        CHECK_FALSE(e.name().empty());
        CHECK(std::string(e.what()).find(e.description()) != std::string::npos);
    }
}

TEST_CASE("GpuClock times device work with events on a real GPU") {
    const std::string reason = why_no_gpu();
    if (!reason.empty()) {
        skip_test("no usable GPU: " + reason);
        return;
    }
    cudaStream_t stream = nullptr;
    REQUIRE(cudaStreamCreate(&stream) == cudaSuccess);
    void* buffer = nullptr;
    const std::size_t bytes = std::size_t{256} << 20;
    REQUIRE(cudaMalloc(&buffer, bytes) == cudaSuccess);
    {
        gputime::GpuClock clock(stream);
        const gputime::RunResult r = gputime::WarmupRunner(clock).warmup(5).iterations(50).run(
            [&] { REQUIRE(cudaMemsetAsync(buffer, 1, bytes, stream) == cudaSuccess); });
        INFO(r.latency.count());
        CHECK(r.latency.count() == 50);
        CHECK(r.latency.p50().count() > 0.0);
        // Setting 256 MiB takes tens of microseconds or more; enqueueing it takes a few.
        CHECK(r.enqueue.p50().count() < r.latency.p50().count());
        // The pool: two pairs in rotation (latency mode resolves a call's pair while the next
        // call runs), no events after the first calls.
        CHECK(clock.events_created() == 4);
    }
    cudaFree(buffer);
    cudaStreamDestroy(stream);
}

TEST_CASE("the driver tells a stream's device as cudaStreamGetDevice does (runtimes before CUDA 12.8)") {
    const std::string reason = why_no_gpu();
    if (!reason.empty()) {
        skip_test("no usable GPU: " + reason);
        return;
    }
    int count = 0;
    REQUIRE(cudaGetDeviceCount(&count) == cudaSuccess);
    gputime::CudaRuntime runtime;
    for (int device = 0; device < count; ++device) {
        REQUIRE(cudaSetDevice(device) == cudaSuccess);
        cudaStream_t stream = nullptr;
        REQUIRE(cudaStreamCreate(&stream) == cudaSuccess);
        REQUIRE(cudaSetDevice(0) == cudaSuccess);
        int found = -1;
        CHECK(runtime.stream_device_via_driver(stream, &found) == 0);
        CHECK(found == device);
        int current = -1;
        REQUIRE(cudaGetDevice(&current) == cudaSuccess);
        CHECK(current == 0);  // the question left the current context as it was
#if CUDART_VERSION >= 12080
        int answered = -1;
        REQUIRE(cudaStreamGetDevice(stream, &answered) == cudaSuccess);
        CHECK(found == answered);
#endif
        cudaStreamDestroy(stream);
    }
}
