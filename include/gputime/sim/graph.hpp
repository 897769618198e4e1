// SPDX-License-Identifier: MIT
// gputime/sim/graph.hpp - CUDA graph handles of the simulated runtime (gputime::sim::Runtime).
//
// A graph is made by stream capture, as with cudaStreamBeginCapture/cudaStreamEndCapture: the
// kernels launched on a capturing stream (and on the streams that join the capture through
// events) are not run but recorded as nodes, each depending on what came before it on its
// stream. graph_instantiate turns a Graph into a GraphExec; graph_launch runs every node in
// dependency order for one launch cost (Config::graph_launch_cost). docs/simulator.md,
// "CUDA semantics", has the whole model.
#pragma once

namespace gputime::sim {

/// A captured graph (cudaGraph_t) from Runtime::stream_end_capture(); Graph{} (id -1) is none.
struct Graph {
    int id = -1;                                                       ///< -1: no graph.
    friend bool operator==(Graph a, Graph b) { return a.id == b.id; }  ///< Same id.
    friend bool operator!=(Graph a, Graph b) { return !(a == b); }     ///< Different ids.
};

/// An executable graph (cudaGraphExec_t) from Runtime::graph_instantiate(); GraphExec{} is none.
struct GraphExec {
    int id = -1;                                                               ///< -1: no executable graph.
    friend bool operator==(GraphExec a, GraphExec b) { return a.id == b.id; }  ///< Same id.
    friend bool operator!=(GraphExec a, GraphExec b) { return !(a == b); }     ///< Different ids.
};

}  // namespace gputime::sim
