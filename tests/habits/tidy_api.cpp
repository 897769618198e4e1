// SPDX-License-Identifier: MIT
// tests/habits/tidy_api.cpp - one translation unit with the whole public API, for clang-tidy
// (the ctest `tidy`): every header, and the main class templates instantiated on the host clock
// and on the simulated GPU, so that their member functions are checked too. Never run.
#include <gputime/cuda/nvtx.hpp>  // the parts the umbrella leaves out
#include <gputime/cuda/telemetry.hpp>
#include <gputime/gputime.hpp>
#include <gputime/integrations/testing.hpp>
#include <gputime/report/html.hpp>
#include <gputime/report/prometheus.hpp>
#include <gputime/sim/runtime.hpp>
#include <gputime/stats/shared_stats.hpp>
#if defined(GPUTIME_TIDY_GBENCH)
#include <gputime/integrations/gbench.hpp>
#endif

template class gputime::CudaEventClock<gputime::sim::Runtime>;
template class gputime::ScopedTimer<gputime::HostClock>;
template class gputime::WarmupRunner<gputime::HostClock>;
template class gputime::WarmupRunner<gputime::CudaEventClock<gputime::sim::Runtime>>;
template class gputime::LayerProfiler<gputime::HostClock>;
template class gputime::LayerProfiler<gputime::CudaEventClock<gputime::sim::Runtime>>;
