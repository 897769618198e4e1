// SPDX-License-Identifier: MIT
// gputime/sim/detail/capture.hpp - stream capture and graphs in the simulated runtime: capture modes
// across simulated threads, the legacy stream during a capture, fork/join captures, graph
// instantiation and launch.
//
//   gpu.stream_begin_capture(s, cuda_status::capture_mode_global);
//   gpu.launch(s, k);                        // a node, not run
//   gpu.stream_end_capture(s, &graph);       // then graph_instantiate, graph_launch
//
// Sources: the CUDA Runtime API reference (cuda_runtime_api.h of CUDA 13) for each call and the
// CUDA C++ Programming Guide (graphs, "Prohibited and Unhandled Operations");
// docs/simulator.md, "CUDA semantics".
#pragma once

#include "gputime/sim/runtime.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace gputime::sim {

inline int Runtime::stream_is_capturing(stream_type stream, int* capture_status) {
    if (const int failed = begin_host_state_call(counters_.capture_queries, Call::stream_is_capturing)) return failed;
    if (capture_status == nullptr) return status::invalid_value;
    const StreamState* target = stream_state(stream);
    if (target == nullptr) return status::invalid_resource_handle;
    if (target->kind == StreamKind::legacy) {
        // "if this is called on cudaStreamLegacy while a blocking stream on the same device is
        // capturing, it will return cudaErrorStreamCaptureImplicit ... The blocking stream
        // capture is not invalidated."
        for (const Capture& capture : captures_) {
            if (!capture.active) continue;
            for (const std::size_t index : capture.streams) {
                const StreamState& other = streams_[index];
                if (other.device == target->device && syncs_with_legacy(other.kind))
                    return status::stream_capture_implicit;
            }
        }
    }
    if (target->capture < 0) {
        *capture_status = status::capture_status_none;
    } else {
        *capture_status = captures_[static_cast<std::size_t>(target->capture)].invalidated
                              ? status::capture_status_invalidated
                              : status::capture_status_active;
    }
    return status::success;
}

inline int Runtime::thread_exchange_capture_mode(int* mode) {
    if (const int failed = begin_host_state_call(counters_.capture_mode_exchanges, Call::thread_exchange_capture_mode))
        return failed;
    if (mode == nullptr || *mode < status::capture_mode_global || *mode > status::capture_mode_relaxed)
        return status::invalid_value;
    std::swap(thread_state().capture_mode, *mode);
    return status::success;
}

inline int Runtime::stream_begin_capture(stream_type stream, int mode) {
    if (const int failed = begin_api_call(counters_.captures, Call::stream_begin_capture)) return failed;
    StreamState* target = stream_state(stream);
    if (target == nullptr) return status::invalid_resource_handle;
    if (mode < status::capture_mode_global || mode > status::capture_mode_relaxed) return status::invalid_value;
    // "Capture may not be initiated if stream is cudaStreamLegacy"; "it may only be initiated if
    // the stream is not already in capture mode".
    if (target->kind == StreamKind::legacy) return status::stream_capture_unsupported;
    if (target->capture >= 0) return status::illegal_state;
    Capture capture;
    capture.origin = index_of(*target);
    capture.thread = thread_;
    capture.mode = mode;
    capture.streams.push_back(capture.origin);
    captures_.push_back(std::move(capture));
    target->capture = static_cast<int>(captures_.size() - 1);
    target->capture_deps.clear();
    return status::success;
}

inline int Runtime::stream_end_capture(stream_type stream, graph_type* graph) {
    if (const int failed = begin_api_call(counters_.capture_ends, Call::stream_end_capture)) return failed;
    if (graph == nullptr) return status::invalid_value;
    StreamState* target = stream_state(stream);
    if (target == nullptr) return status::invalid_resource_handle;
    if (target->capture < 0) return status::illegal_state;
    Capture& capture = captures_[static_cast<std::size_t>(target->capture)];
    if (capture.origin != index_of(*target)) {  // "Capture must be ended on the same stream"
        invalidate(target->capture);
        return status::stream_capture_unmatched;
    }
    // "If mode is not cudaStreamCaptureModeRelaxed, cudaStreamEndCapture must be called on this
    // stream from the same thread."
    if (capture.mode != status::capture_mode_relaxed && capture.thread != thread_) {
        return status::stream_capture_wrong_thread;
    }
    const std::vector<std::size_t> frontier = target->capture_deps;
    end_capture(capture);
    *graph = Graph{};
    // "If capture was invalidated, due to a violation of the rules of stream capture, then a
    // NULL graph will be returned."
    if (capture.invalidated) return status::stream_capture_invalidated;
    if (!all_joined(capture, frontier)) return status::stream_capture_unjoined;
    graphs_.push_back(GraphState{true, std::move(capture.nodes)});
    *graph = Graph{static_cast<int>(graphs_.size() - 1)};
    return status::success;
}

inline int Runtime::graph_instantiate(graph_exec_type* exec, graph_type graph) {
    if (const int failed = begin_api_call(counters_.graph_instantiations, Call::graph_instantiate)) return failed;
    if (exec == nullptr) return status::invalid_value;
    if (graph.id < 0 || static_cast<std::size_t>(graph.id) >= graphs_.size() ||
        !graphs_[static_cast<std::size_t>(graph.id)].alive) {
        return status::invalid_resource_handle;
    }
    const GraphState& state = graphs_[static_cast<std::size_t>(graph.id)];
    host_ += config_.graph_node_instantiate_cost * static_cast<ns::rep>(state.nodes.size());
    execs_.push_back(ExecState{true, state.nodes, ns{0}});
    *exec = GraphExec{static_cast<int>(execs_.size() - 1)};
    return status::success;
}

inline int Runtime::graph_launch(graph_exec_type exec, stream_type stream) {
    ++counters_.graph_launches;
    const int injected = take_call_fault(Call::graph_launch);
    const int sticky = sticky_status();
    StreamState* target = stream_state(stream);
    const bool known = exec.id >= 0 && static_cast<std::size_t>(exec.id) < execs_.size() &&
                       execs_[static_cast<std::size_t>(exec.id)].alive;
    int refused = 0;
    if (sticky != status::success) {
        refused = sticky;
    } else if (injected != status::success) {
        refused = injected;
    } else if (target == nullptr || !known || target->device != current_device()) {
        refused = status::invalid_resource_handle;
    } else {
        refused = legacy_capture_conflict(*target);
        // Launching a graph into a capture (a child graph node) is not modelled.
        if (refused == 0 && target->capture >= 0) refused = status::stream_capture_unsupported;
        if (refused == 0 && !wait_for_queue_room(*target)) refused = status::launch_timeout;
    }
    host_ += config_.graph_launch_cost;
    if (refused != 0) return refused;

    // "Each launch is ordered behind both any previous work in stream and any previous launches
    // of graphExec." Each node starts once its dependencies have ended.
    return enqueue(*target, Work::of(Work::Kind::graph, index_of(*target), host_, exec.id));
}

inline int Runtime::graph_exec_destroy(graph_exec_type exec) {
    if (const int failed = begin_api_call(counters_.graph_destroys, Call::graph_exec_destroy)) return failed;
    if (exec.id < 0 || static_cast<std::size_t>(exec.id) >= execs_.size() ||
        !execs_[static_cast<std::size_t>(exec.id)].alive) {
        return status::invalid_resource_handle;
    }
    // "If the executable graph is in-flight, it will not be terminated, but rather freed
    // asynchronously on completion": its nodes stay for launches still behind a gate.
    execs_[static_cast<std::size_t>(exec.id)].alive = false;
    return status::success;
}

inline int Runtime::graph_destroy(graph_type graph) {
    if (const int failed = begin_api_call(counters_.graph_destroys, Call::graph_destroy)) return failed;
    if (graph.id < 0 || static_cast<std::size_t>(graph.id) >= graphs_.size() ||
        !graphs_[static_cast<std::size_t>(graph.id)].alive) {
        return status::invalid_resource_handle;
    }
    GraphState& state = graphs_[static_cast<std::size_t>(graph.id)];
    state.alive = false;
    state.nodes.clear();
    return status::success;
}

inline std::size_t Runtime::graph_node_count(Graph graph) const {
    if (graph.id < 0 || static_cast<std::size_t>(graph.id) >= graphs_.size()) return 0;
    const GraphState& state = graphs_[static_cast<std::size_t>(graph.id)];
    return state.alive ? state.nodes.size() : 0;
}

// "When any stream in the same context is being captured, and it was not created with
// cudaStreamNonBlocking, any attempted use of the legacy stream is invalid": 906, and the
// captures it would have depended on are invalidated.
inline int Runtime::legacy_capture_conflict(const StreamState& stream) {
    if (stream.kind != StreamKind::legacy) return status::success;
    int result = status::success;
    for (std::size_t c = 0; c < captures_.size(); ++c) {
        const Capture& capture = captures_[c];
        if (!capture.active) continue;
        for (const std::size_t index : capture.streams) {
            const StreamState& other = streams_[index];
            if (other.device == stream.device && syncs_with_legacy(other.kind)) {
                invalidate(static_cast<int>(c));
                result = status::stream_capture_implicit;
                break;
            }
        }
    }
    return result;
}

// Work on a stream whose capture was invalidated fails "until stream capture is ended".
inline int Runtime::capture_state_status(const StreamState& stream) const {
    if (stream.capture < 0) return status::success;
    return captures_[static_cast<std::size_t>(stream.capture)].invalidated ? int{status::stream_capture_invalidated}
                                                                           : int{status::success};
}

// event_query, event_synchronize and stream_synchronize are "potentially unsafe" calls
// (cudaThreadExchangeStreamCaptureMode): a thread in the global mode may not make them while
// another thread captures in the global mode, nor any thread but a relaxed one while it captures
// itself (not in the relaxed mode). They fail with 900 and invalidate those captures.
inline int Runtime::unsafe_call_status() {
    const auto found = threads_.find(thread_);
    const int mode = found == threads_.end() ? int{status::capture_mode_global} : found->second.capture_mode;
    if (mode == status::capture_mode_relaxed) return status::success;
    int result = status::success;
    for (std::size_t c = 0; c < captures_.size(); ++c) {
        const Capture& capture = captures_[c];
        if (!capture.active) continue;
        const bool own = capture.thread == thread_ && capture.mode != status::capture_mode_relaxed;
        const bool other = capture.thread != thread_ && capture.mode == status::capture_mode_global &&
                           mode == status::capture_mode_global;
        if (own || other) {
            invalidate(static_cast<int>(c));
            result = status::stream_capture_unsupported;
        }
    }
    return result;
}

// "When an invalid operation is attempted during stream capture, any associated capture graphs
// are invalidated."
inline void Runtime::invalidate(int capture) {
    if (capture < 0) return;
    Capture& state = captures_[static_cast<std::size_t>(capture)];
    if (state.active) state.invalidated = true;
}

inline void Runtime::end_capture(Capture& capture) {
    capture.active = false;
    for (const std::size_t index : capture.streams) {
        streams_[index].capture = -1;
        streams_[index].capture_deps.clear();
    }
}

// Every node must lead to the origin stream's last work: work forked to another stream and
// never joined back is "unjoined work".
inline bool Runtime::all_joined(const Capture& capture, const std::vector<std::size_t>& frontier) const {
    std::vector<bool> reached(capture.nodes.size(), false);
    std::vector<std::size_t> todo = frontier;
    while (!todo.empty()) {
        const std::size_t node = todo.back();
        todo.pop_back();
        if (reached[node]) continue;
        reached[node] = true;
        for (const std::size_t dep : capture.nodes[node].deps) todo.push_back(dep);
    }
    return std::find(reached.begin(), reached.end(), false) == reached.end();
}

}  // namespace gputime::sim
