// SPDX-License-Identifier: MIT
// gputime/cuda/gated_times.hpp - one call measured with and without a gate (gputime::time_gated,
// gputime/cuda/gate.hpp), as plain data: end to end, and device execution only.
//
//   const gputime::GatedTimes t = gputime::time_gated(clock, gate, [&] { model.forward(stream); });
//   gputime::Duration launch = t.launch_overhead();
//
// Output lives in report/: to_text and operator<< in gputime/report/gated_text.hpp.
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/measure/run_result.hpp>

namespace gputime {

/// The same call measured two ways (time_gated()).
struct GatedTimes {
    /// Not gated: events on an idle stream, so launch latency and host-side gaps between the
    /// call's kernels are included. What a caller waiting for the result sees on the device.
    RunResult end_to_end;
    /// Gated: the stream held while the call was enqueued; device execution only.
    RunResult device;

    /// end_to_end p50 - device p50: launch latency plus host-side gaps between kernels.
    /// Throws std::logic_error (from Stats) when either has no steady sample.
    Duration launch_overhead() const { return end_to_end.latency.p50() - device.latency.p50(); }
};

}  // namespace gputime
