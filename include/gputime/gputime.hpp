// gputime/gputime.hpp - the whole public API in one include.
//
// CPU timing works everywhere. The real-GPU parts (gputime/cuda_runtime.hpp: CudaRuntime,
// GpuClock) need cuda_runtime_api.h and cudart: they are included when the build defines
// GPUTIME_HAS_CUDA (the CMake target does when it finds the CUDA toolkit) or under nvcc.
// The simulated GPU for tests is separate: #include <gputime/sim/runtime.hpp>; so are the
// Google Benchmark adapter (gputime/gbench.hpp, needs Google Benchmark), the assertions for test
// frameworks (gputime/testing.hpp) and the device kernels (gputime/*.cuh, nvcc only).
#pragma once

#include <gputime/bounded_stats.hpp>
#include <gputime/chrome_trace.hpp>
#include <gputime/clock.hpp>
#include <gputime/compare.hpp>
#include <gputime/cuda_event_clock.hpp>
#include <gputime/cuda_status.hpp>
#include <gputime/default_stream.hpp>
#include <gputime/duration.hpp>
#include <gputime/error.hpp>
#include <gputime/gate.hpp>
#include <gputime/graph_timing.hpp>
#include <gputime/host_clock.hpp>
#include <gputime/host_context.hpp>
#include <gputime/html_report.hpp>
#include <gputime/idle_gap_sweep.hpp>
#include <gputime/json_export.hpp>
#include <gputime/l2_flush.hpp>
#include <gputime/layer_export.hpp>
#include <gputime/layer_profile.hpp>
#include <gputime/layer_profiler.hpp>
#include <gputime/layer_report.hpp>
#include <gputime/nvtx.hpp>
#include <gputime/percentile_interval.hpp>
#include <gputime/progress.hpp>
#include <gputime/report.hpp>
#include <gputime/run_context.hpp>
#include <gputime/run_result.hpp>
#include <gputime/runtime_policy.hpp>
#include <gputime/scoped_timer.hpp>
#include <gputime/shared_stats.hpp>
#include <gputime/statistic_catalogue.hpp>
#include <gputime/stats.hpp>
#include <gputime/stream_join.hpp>
#include <gputime/telemetry.hpp>
#include <gputime/version.hpp>
#include <gputime/warmup_detection.hpp>
#include <gputime/warmup_runner.hpp>

#if defined(GPUTIME_HAS_CUDA) || defined(__CUDACC__)
#include <gputime/cuda_runtime.hpp>
#endif
