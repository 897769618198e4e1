// SPDX-License-Identifier: MIT
// gputime/gputime.hpp - the public API in one include, less a few heavy parts few programs need.
//
//   #include <gputime/gputime.hpp>   // clocks, timers, Stats, WarmupRunner, compare, reports
//
// The real-GPU clock (cuda/gpu_clock.hpp) comes with it when GPUTIME_HAS_CUDA is defined (the
// gputime::cuda CMake target does) or under nvcc. Included by name instead: the simulator
// (sim/runtime.hpp), the HTML report (report/html.hpp), the Prometheus exposition
// (report/prometheus.hpp), SharedStats / SharedBoundedStats (stats/shared_stats.hpp), clock
// telemetry (cuda/telemetry.hpp), NVTX ranges (cuda/nvtx.hpp: NVTX3's headers are large), the
// Google Benchmark adapter and test assertions (integrations/), and the device kernels
// (cuda/*.cuh, nvcc only). docs/architecture.md.
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
#include <gputime/report/json_report.hpp>
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
