// SPDX-License-Identifier: MIT
// gputime/measure/idle_gap_sweep.hpp - latency as a function of the idle gap between calls.
//
// A GPU lowers its clock when work arrives with idle gaps, so the same model answers a tight
// benchmark loop up to ~2x faster than a service whose requests arrive spaced out. One number
// measured back to back therefore describes neither. sweep_idle_gaps() runs the same
// measurement once per gap (the host idles that long before every call, outside the timed
// region); gputime::to_text(points) (gputime/report/idle_gap_text.hpp) shows how latency moves
// with the gap, and, for a device clock, how the host's enqueue time does (a host slower after
// sleeping is not the GPU's clock):
//
//   auto runner = gputime::WarmupRunner(clock).warmup(20).iterations(200);
//   auto points = gputime::sweep_idle_gaps(runner, {0ms, 1ms, 10ms, 100ms}, [&] { model.forward(); });
//   std::cout << gputime::to_text(points);
//
// Bad input is refused before anything is measured: an empty list of gaps, or a negative gap
// anywhere in it, throws gputime::InvalidArgument (parameter() == "gaps", what() names the index
// and the value) before the first call, so no measurement is made and then thrown away.
#pragma once

#include <gputime/core/error.hpp>
#include <gputime/measure/idle_gap_point.hpp>
#include <gputime/measure/run_result.hpp>
#include <gputime/measure/warmup_runner.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace gputime {

/// Runs `fn` with `runner`'s settings once per gap, in the order given. The runner is taken by
/// value: its own idle_gap setting is left as it was. Throws InvalidArgument (parameter "gaps")
/// for an empty list or a negative gap, before anything runs; what `fn` or the clock throws
/// propagates (the points measured until then are lost with the return value).
template <class Clock, class F>
std::vector<IdleGapPoint> sweep_idle_gaps(WarmupRunner<Clock> runner, const std::vector<std::chrono::nanoseconds>& gaps,
                                          F&& fn) {
    if (gaps.empty()) throw InvalidArgument("sweep_idle_gaps", "gaps", "is empty: give at least one idle gap");
    for (std::size_t i = 0; i < gaps.size(); ++i) {
        if (gaps[i].count() < 0)
            throw InvalidArgument("sweep_idle_gaps", "gaps",
                                  "holds a negative gap at index " + std::to_string(i) + ": " +
                                      std::to_string(gaps[i].count()) +
                                      " ns; every gap must be >= 0 (nothing was measured)");
    }
    std::vector<IdleGapPoint> points;
    points.reserve(gaps.size());
    for (const std::chrono::nanoseconds gap : gaps) {
        runner.idle_gap(gap);
        points.push_back(IdleGapPoint{gap, runner.run(fn)});
    }
    return points;
}

}  // namespace gputime
