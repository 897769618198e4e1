// SPDX-License-Identifier: MIT
// gputime/sim/detail/placement.hpp - the one routine that puts enqueued work on the simulated
// device's timeline: kernels, memsets, event records, stream waits and graph launches, whether
// enqueued now or released from behind a gate.
//
//   launch(s, k)  ->  enqueue(stream, Work::kernel_on(index, host, k))  ->  place(work)
//
// An op starts at max(the host time it was enqueued at, its stream's implicit tail): so work held
// behind a gate ends up with exactly the times it would have had if the gate had been a kernel of
// known length.
#pragma once

#include "gputime/sim/runtime.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace gputime::sim {

// Places `work` now, or keeps it behind the held gate when its stream (or a stream it
// synchronises with implicitly) holds work behind the gate, or when it must wait for the gate
// for another reason (a wait for an event recorded behind it).
inline int Runtime::enqueue(StreamState& stream, Work work, bool must_wait_for_gate) {
    if (gate_defers(stream) || (must_wait_for_gate && gate_)) return defer(stream, std::move(work));
    if (work.kind == Work::Kind::record)  // replaces the event's records still behind the gate
        forget_deferred_records(events_[static_cast<std::size_t>(work.handle)], work.handle);
    place(work);
    return status::success;
}

inline void Runtime::place(const Work& work) {
    StreamState& stream = streams_[work.stream];
    const ns ready = std::max(work.host, implicit_tail(stream));
    switch (work.kind) {
        case Work::Kind::kernel: {
            const ns end = run_kernel(work.kernel, ready, stream.device);
            set_tail(stream, end);
            note_queued(stream, end);
            return;
        }
        case Work::Kind::record: {
            // A zero-length op: reached when the host has issued it and the stream has drained
            // everything before it. The tail keeps the exact time so that flooring never lets
            // later work start before earlier work ended.
            if (work.superseded) return;
            const ns reached = work.never ? never_ : ready;
            set_tail(stream, reached);
            EventState& event = events_[static_cast<std::size_t>(work.handle)];
            if (!event.alive) return;
            event.reached = reached;
            event.timestamp = reached == never_ ? never_ : floor_to_resolution(reached);
            event.behind_gate = false;
            return;
        }
        case Work::Kind::wait:
            set_tail(stream, std::max(implicit_tail(stream), events_[static_cast<std::size_t>(work.handle)].reached));
            return;
        case Work::Kind::graph: {
            // "Each launch is ordered behind both any previous work in stream and any previous
            // launches of graphExec." Each node starts once its dependencies have ended.
            ExecState& exec = execs_[static_cast<std::size_t>(work.handle)];
            const ns start = std::max(ready, exec.last_end);
            std::vector<ns> ends(exec.nodes.size(), start);
            ns end = start;
            for (std::size_t i = 0; i < exec.nodes.size(); ++i) {
                ns node_start = start;
                for (const std::size_t dep : exec.nodes[i].deps) node_start = std::max(node_start, ends[dep]);
                ends[i] = run_kernel(exec.nodes[i].kernel, node_start, stream.device);
                end = std::max(end, ends[i]);
            }
            exec.last_end = end;
            set_tail(stream, end);
            note_queued(stream, end);
            return;
        }
    }
}

}  // namespace gputime::sim
