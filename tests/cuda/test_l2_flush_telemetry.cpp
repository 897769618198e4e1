// SPDX-License-Identifier: MIT
// tests/cuda/test_l2_flush_telemetry.cpp - gputime::L2Flush on the real CUDA runtime and
// gputime::NvmlTelemetry on the real NVML (host compiler + cudart; NVML is loaded at run time).
//
// Without a usable GPU (this project's CI) the flush must refuse to start with a CudaError that
// names the call, and NVML must be unavailable with its reason, not crash; both are tested
// here. With a GPU the flush runs before every call of a real run, and NVML reads the clocks of
// the GPU the CUDA device runs on; without one those tests print the GPUTIME_TEST_SKIPPED
// marker (ctest: skipped).
#include "support/gpu_presence.hpp"
#include "support/test_framework.hpp"

#include <gputime/cuda/gpu_clock.hpp>
#include <gputime/cuda/l2_flush.hpp>
#include <gputime/cuda/telemetry.hpp>
#include <gputime/measure/warmup_runner.hpp>

#include <cuda_runtime_api.h>

#include <iostream>
#include <string>

namespace {

using gputime_test::skip_test;
using gputime_test::why_no_gpu;

}  // namespace

TEST_CASE("L2Flush without a usable GPU throws a CudaError naming the L2 size query") {
    if (why_no_gpu().empty()) {
        skip_test("a GPU is present: this test is about machines without one");
        return;
    }
    gputime::CudaRuntime runtime;
    try {
        gputime::L2Flush flush(runtime);
        FAIL("L2Flush started without a usable GPU");
    } catch (const gputime::CudaError& e) {
        CHECK(e.call() == "cudaDeviceGetAttribute(cudaDevAttrL2CacheSize)");
        CHECK(e.code() != 0);
        CHECK_FALSE(e.name().empty());
    }
}

TEST_CASE("L2Flush clears the L2 before every call of a run on a real GPU") {
    const std::string reason = why_no_gpu();
    if (!reason.empty()) {
        skip_test("no usable GPU: " + reason);
        return;
    }
    cudaStream_t stream = nullptr;
    REQUIRE(cudaStreamCreate(&stream) == cudaSuccess);
    {
        gputime::GpuClock clock(stream);
        gputime::L2Flush flush(clock);
        CHECK(flush.bytes() > 0u);  // every GPU this library targets has an L2
        void* data = nullptr;
        REQUIRE(cudaMalloc(&data, 1 << 20) == cudaSuccess);
        const gputime::RunResult r = gputime::WarmupRunner(clock).warmup(2).iterations(20).between_calls(flush).run(
            [&] { REQUIRE(cudaMemsetAsync(data, 1, 1 << 20, stream) == cudaSuccess); });
        CHECK(flush.flushes() == 22);
        CHECK(r.latency.count() == 20);
        cudaFree(data);
    }
    cudaStreamDestroy(stream);
}

TEST_CASE("NvmlTelemetry: unavailable with its reason, or reading the clocks of the CUDA device") {
    const std::string reason = why_no_gpu();
    gputime::NvmlOptions options;
    if (reason.empty()) {
        char bus_id[32] = {};
        REQUIRE(cudaDeviceGetPCIBusId(bus_id, sizeof bus_id, 0) == cudaSuccess);
        options.pci_bus_id = bus_id;  // NVML numbers devices its own way
    }
    gputime::NvmlTelemetry nvml(options);
    if (!nvml.available()) {
        INFO(nvml.why_unavailable());
        CHECK(nvml.why_unavailable().rfind("NVML not available: ", 0) == 0);
        CHECK_FALSE(nvml.sample().has_value());
        if (reason.empty()) skip_test("a GPU without NVML: " + nvml.why_unavailable());
        return;
    }
    const std::optional<gputime::TelemetrySample> s = nvml.sample();
    REQUIRE(s.has_value());
    REQUIRE(s->sm_clock_mhz.has_value());
    CHECK(*s->sm_clock_mhz > 0.0);
    CHECK(nvml.device().name.size() > 0);
    if (nvml.device().max_sm_clock_mhz) CHECK(*s->sm_clock_mhz <= *nvml.device().max_sm_clock_mhz);
}
