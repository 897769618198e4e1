// SPDX-License-Identifier: MIT
// tests/support/fixed_context.hpp - a made-up, fixed measurement context (host, build, GPU), so
// that JSON files written in tests are the same on every machine and day.
#pragma once

#include <gputime/report/run_context.hpp>

namespace gputime_test {

inline gputime::RunContext fixed_context() {
    gputime::RunContext c;
    c.host.host_name = "golden-host";
    c.host.date_utc = "2026-01-02T03:04:05Z";
    c.host.cpu_model = "Example CPU @ 3.00GHz";
    c.host.logical_cores = 16;
    c.host.scaling_governor = "performance";
    c.host.turbo = false;
    c.host.compiler = "g++ 12.2.0";
    c.host.build_type = "optimised (NDEBUG)";
    gputime::GpuContext gpu;
    gpu.device = 0;
    gpu.name = "NVIDIA H100 80GB HBM3";
    gpu.compute_capability_major = 9;
    gpu.compute_capability_minor = 0;
    gpu.multiprocessors = 132;
    gpu.memory_bytes = 85'520'809'984;
    gpu.sm_clock_khz = 1'980'000;
    gpu.memory_clock_khz = 2'619'000;
    gpu.driver_cuda_version = 12040;
    gpu.runtime_cuda_version = 12040;
    c.gpu = gpu;
    return c;
}

/// The same host without a GPU, as read_run_context() reports a machine without one.
inline gputime::RunContext fixed_context_without_gpu() {
    gputime::RunContext c = fixed_context();
    c.gpu.reset();
    c.no_gpu_reason = "cudaGetDeviceCount: no CUDA-capable device is detected";
    return c;
}

}  // namespace gputime_test
