// SPDX-License-Identifier: MIT
// gputime/gputime.hpp - the whole public API in one include.
//
// CPU timing works everywhere. The real-GPU parts (gputime/cuda/gpu_clock.hpp: CudaRuntime,
// GpuClock) need cuda_runtime_api.h and cudart: they are included when the build defines
// GPUTIME_HAS_CUDA (the CMake target does when it finds the CUDA toolkit) or under nvcc.
// The simulated GPU for tests is separate: #include <gputime/sim/runtime.hpp>; so are the
// Google Benchmark adapter (gputime/integrations/gbench.hpp, needs Google Benchmark), the assertions for test
// frameworks (gputime/integrations/testing.hpp) and the device kernels (gputime/*.cuh, nvcc only).
// Four heavy parts that few programs need, together over a quarter of what the umbrella cost to
// compile, are separate includes too: the HTML report (gputime/report/html.hpp), the
// Prometheus exposition (gputime/report/prometheus.hpp), the thread-safe accumulators
// SharedStats and SharedBoundedStats (gputime/stats/shared_stats.hpp) and clock telemetry
// (gputime/cuda/telemetry.hpp: NvmlTelemetry, TelemetrySampler, summarize_telemetry; its
// TelemetrySummary and to_text are here).
#pragma once

#include <gputime/core/detail/require_cxx17.hpp>  // first: one clear error under C++14

#include <gputime/core/clock_contract.hpp>
#include <gputime/core/cuda_status.hpp>
#include <gputime/core/default_stream.hpp>
#include <gputime/core/duration.hpp>
#include <gputime/core/error.hpp>
#include <gputime/core/host_clock.hpp>
#include <gputime/core/host_context.hpp>
#include <gputime/core/scoped_timer.hpp>
#include <gputime/core/version.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/cuda/gate.hpp>
#include <gputime/cuda/gated_times.hpp>
#include <gputime/cuda/graph_comparison.hpp>
#include <gputime/cuda/graph_timing.hpp>
#include <gputime/cuda/l2_flush.hpp>
#include <gputime/cuda/nvtx.hpp>
#include <gputime/cuda/runtime_policy.hpp>
#include <gputime/cuda/stream_join.hpp>
#include <gputime/cuda/telemetry_summary.hpp>
#include <gputime/measure/ab_compare.hpp>
#include <gputime/measure/comparison.hpp>
#include <gputime/measure/idle_gap_point.hpp>
#include <gputime/measure/idle_gap_sweep.hpp>
#include <gputime/measure/layer_profile.hpp>
#include <gputime/measure/layer_profiler.hpp>
#include <gputime/measure/progress.hpp>
#include <gputime/measure/run_result.hpp>
#include <gputime/measure/run_to_run.hpp>
#include <gputime/measure/warmup_runner.hpp>
#include <gputime/report/chrome_trace.hpp>
#include <gputime/report/comparison_text.hpp>
#include <gputime/report/gated_text.hpp>
#include <gputime/report/graph_comparison_text.hpp>
#include <gputime/report/idle_gap_text.hpp>
#include <gputime/report/json.hpp>
#include <gputime/report/layer_csv.hpp>
#include <gputime/report/layer_table.hpp>
#include <gputime/report/run_context.hpp>
#include <gputime/report/telemetry_text.hpp>
#include <gputime/report/text.hpp>
#include <gputime/stats/bounded_stats.hpp>
#include <gputime/stats/percentile_interval.hpp>
#include <gputime/stats/statistic_catalogue.hpp>
#include <gputime/stats/stats.hpp>
#include <gputime/stats/warmup_detection.hpp>

#if defined(GPUTIME_HAS_CUDA) || defined(__CUDACC__)
#include <gputime/cuda/gpu_clock.hpp>
#endif
