// gputime/gputime.hpp - the whole public API in one include.
//
// CPU timing works everywhere. The real-GPU parts (gputime/cuda_runtime.hpp: CudaRuntime,
// GpuClock) need cuda_runtime_api.h and cudart: they are included when the build defines
// GPUTIME_HAS_CUDA (the CMake target does when it finds the CUDA toolkit) or under nvcc.
// The simulated GPU for tests is separate: #include <gputime/sim/runtime.hpp>.
#pragma once

#include <gputime/chrome_trace.hpp>
#include <gputime/clock.hpp>
#include <gputime/cuda_event_clock.hpp>
#include <gputime/duration.hpp>
#include <gputime/cuda_status.hpp>
#include <gputime/error.hpp>
#include <gputime/host_clock.hpp>
#include <gputime/idle_gap_sweep.hpp>
#include <gputime/layer_export.hpp>
#include <gputime/layer_profile.hpp>
#include <gputime/layer_profiler.hpp>
#include <gputime/layer_report.hpp>
#include <gputime/nvtx.hpp>
#include <gputime/report.hpp>
#include <gputime/runtime_policy.hpp>
#include <gputime/run_result.hpp>
#include <gputime/scoped_timer.hpp>
#include <gputime/stats.hpp>
#include <gputime/stream_join.hpp>
#include <gputime/warmup_runner.hpp>

#if defined(GPUTIME_HAS_CUDA) || defined(__CUDACC__)
#include <gputime/cuda_runtime.hpp>
#endif
