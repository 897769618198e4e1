// SPDX-License-Identifier: MIT
// gputime/measure/idle_gap_point.hpp - one point of an idle-gap sweep (gputime::sweep_idle_gaps,
// gputime/measure/idle_gap_sweep.hpp): the gap the host idled before every call, and the run.
//
//   for (const gputime::IdleGapPoint& p : points) use(p.gap, p.result.latency.p50());
//
// Plain data. Output lives in report/: to_text (the table) in gputime/report/idle_gap_text.hpp,
// JSON in gputime/report/json_report.hpp, the curve in gputime/report/html.hpp.
#pragma once

#include <gputime/measure/run_result.hpp>

#include <chrono>

namespace gputime {

/// One idle gap and the run measured with it.
struct IdleGapPoint {
    std::chrono::nanoseconds gap{0};  ///< Host idle time before every call.
    RunResult result;                 ///< The run with that gap.
};

}  // namespace gputime
