// SPDX-License-Identifier: MIT
// gputime/host.hpp - what a program that times host code needs, and nothing more: the host
// clock, scoped timers, Stats, the warm-up runner and the text report. Cheaper to include than
// the whole API (gputime/gputime.hpp); bench/compile_time.sh measures both.
//
//   gputime::HostClock clock;
//   gputime::RunResult r = gputime::WarmupRunner(clock).warmup(10).iterations(1000).run(work);
//   std::cout << r;
#pragma once

#include <gputime/core/detail/require_cxx17.hpp>  // first: one clear error under C++14

#include <gputime/core/host_clock.hpp>
#include <gputime/core/scoped_timer.hpp>
#include <gputime/measure/warmup_runner.hpp>
#include <gputime/report/text.hpp>
#include <gputime/stats/stats.hpp>
