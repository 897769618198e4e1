// SPDX-License-Identifier: MIT
// gputime/sim/detail/runtime_state.hpp - what sim::Runtime remembers about each stream, event,
// capture, graph and piece of enqueued work. Plain data; the rules live in the runtime's
// detail/ headers, one per concern.
//
//   detail::Work work = detail::Work::kernel_on(stream_index, host_now, kernel);
//   runtime.place(work);   // (private) on the timeline, by the rules every op follows
#pragma once

#include "gputime/core/cuda_status.hpp"
#include "gputime/sim/kernel.hpp"

#include <chrono>
#include <cstddef>
#include <deque>
#include <utility>
#include <vector>

namespace gputime::sim::detail {

using ns = std::chrono::nanoseconds;

/// A device time never reached: the end of a hung stream.
inline constexpr ns never = ns::max();

struct EventState {
    bool alive = true;
    bool recorded = false;
    ns reached{0};                          // exact device time the stream reaches the event (never: a hung stream)
    ns timestamp{0};                        // `reached` floored to event_resolution: what elapsed reports
    int device = 0;                         // the device current when it was created
    unsigned flags = 0;                     // cuda_status::event_disable_timing, ...
    bool captured = false;                  // last recorded in a capturing stream (907 for query, elapsed...)
    int capture = -1;                       // ... of this capture sequence
    std::vector<std::size_t> capture_deps;  // the nodes its record depended on
    bool behind_gate = false;               // recorded behind a held gate: not reached until it ends
};

// A stretch of device activity that began with a wake-up from idle: the clock ramps from
// `wake`; the device drops to idle clock once idle_threshold passes after `last_work_end`.
// Wake-ups are strictly increasing (Runtime::note_kernel_start).
struct Episode {
    ns wake;
    ns last_work_end;
};

enum class StreamKind { legacy, per_thread, blocking, non_blocking };

struct StreamState {
    int device = 0;
    StreamKind kind = StreamKind::blocking;
    ns tail{0};
    std::deque<ns> queued;                  // ends of its kernels and graph launches, for the launch queue
    int capture = -1;                       // the capture sequence it takes part in, or -1
    std::vector<std::size_t> capture_deps;  // nodes its next captured op depends on
};

struct GraphNode {
    Kernel kernel;
    std::vector<std::size_t> deps;  // earlier nodes of the same graph
};

struct Capture {
    std::size_t origin = 0;  // the stream it began on (index into the runtime's streams)
    int thread = 0;
    int mode = cuda_status::capture_mode_global;
    bool active = true;
    bool invalidated = false;
    std::vector<GraphNode> nodes;
    std::vector<std::size_t> streams;  // every stream that took part (origin first)
};

struct GraphState {
    bool alive = true;
    std::vector<GraphNode> nodes;
};

struct ExecState {
    bool alive = true;  // destroyed: launches already enqueued still run (CUDA frees it on completion)
    std::vector<GraphNode> nodes;
    ns last_end{0};  // launches of one GraphExec run one after the other
};

struct ThreadState {
    int device = 0;
    int capture_mode = cuda_status::capture_mode_global;
};

// One op enqueued on a stream: placed on the timeline at once, or kept behind a held gate and
// placed when it ends (Runtime::enqueue, Runtime::place).
struct Work {
    enum class Kind { kernel, record, wait, graph };
    Kind kind = Kind::kernel;
    std::size_t stream = 0;   // index into the runtime's streams
    ns host{0};               // host time it was enqueued at: it starts no earlier
    Kernel kernel{};          // kernel (and memset)
    int handle = -1;          // record, wait: the event; graph: the GraphExec
    bool never = false;       // record: Fault::event_never_completes was armed for it
    bool superseded = false;  // record: a later record of the event, not behind the gate, replaced it

    static Work kernel_on(std::size_t stream, ns host, Kernel kernel) {
        Work work;
        work.stream = stream;
        work.host = host;
        work.kernel = std::move(kernel);
        return work;
    }
    static Work of(Kind kind, std::size_t stream, ns host, int handle) {
        Work work;
        work.kind = kind;
        work.stream = stream;
        work.host = host;
        work.handle = handle;
        return work;
    }
    // Kernels and graph launches take room in the launch queue; records and waits do not.
    bool takes_queue_room() const { return kind == Kind::kernel || kind == Kind::graph; }
};

// The gate kernel while it is held (Runtime::gate_hold).
struct HeldGate {
    std::size_t stream = 0;  // index into the runtime's streams
    ns start{0};             // device time the gate kernel starts spinning (never: its stream hung)
    ns timeout{0};
};

}  // namespace gputime::sim::detail
