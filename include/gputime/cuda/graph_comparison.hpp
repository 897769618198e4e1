// SPDX-License-Identifier: MIT
// gputime/cuda/graph_comparison.hpp - eager calls and CUDA graph replays of the same work, measured
// alike by gputime::compare_eager_and_graph (gputime/cuda/graph_timing.hpp), as plain data.
//
//   const gputime::GraphComparison both = gputime::compare_eager_and_graph(clock, work);
//   gputime::Duration saved = both.saved_p50();   // the launch overhead the graph removes
//
// Output lives in report/: to_text and operator<< in gputime/report/graph_comparison_text.hpp.
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/measure/run_result.hpp>

#include <string>

namespace gputime {

/// Eager calls and CUDA graph replays of the same work, measured alike (compare_eager_and_graph).
struct GraphComparison {
    std::string name;       ///< The runners' name (RunResult::name of eager).
    RunResult eager;        ///< the callable called as it is, one call per measured call
    RunResult graph;        ///< one replay of its captured graph per measured call
    Duration capture{0.0};  ///< host time of the capture and the instantiation (once)

    /// Per call, what the graph saves at the median: eager p50 - graph p50 (the launch overhead
    /// the graph removes, plus the device time kernels spent waiting for their launch).
    Duration saved_p50() const { return eager.latency.p50() - graph.latency.p50(); }
    /// graph p50 / eager p50.
    double ratio_p50() const {
        const double eager_p50 = eager.latency.p50().count();
        return eager_p50 > 0.0 ? graph.latency.p50().count() / eager_p50 : 0.0;
    }
};

}  // namespace gputime
