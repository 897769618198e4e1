// SPDX-License-Identifier: MIT
// gputime/sim/detail/gate.hpp - the gate kernel of the simulated runtime (nvbench's blocking kernel):
// it holds a stream until the host releases it or its timeout passes; work enqueued behind it
// waits, and is placed on the timeline (Runtime::place) when it ends.
//
//   gpu.gate_hold(sim::Stream{}, 10s);  gpu.launch(sim::Stream{}, k);   // k waits
//   gpu.gate_release();                                                  // k runs from now
//
// "Behind" follows stream order and the legacy default stream's implicit synchronisation, and
// spreads through stream_wait_event on an event recorded behind the gate. The one host thread
// cannot release the gate while it waits for work behind it (an event or stream synchronize, a
// launch queue full of deferred kernels): the gate then ends at its timeout, the wait with it,
// and gate_timeouts() counts it. docs/telemetry.md has the model.
#pragma once

#include "gputime/sim/runtime.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace gputime::sim {

inline const char* Runtime::gate_kernel_name() { return "gputime::sim gate kernel"; }

inline int Runtime::gate_hold(Stream stream, ns timeout) {
    ++counters_.launches;
    const int injected = take_call_fault(Call::launch);
    const int sticky = sticky_status();
    StreamState* target = stream_state(stream);
    int refused = sticky != status::success ? sticky : injected;
    if (refused == 0 && (target == nullptr || target->device != current_device()))
        refused = status::invalid_resource_handle;
    if (refused == 0 && (timeout <= ns{0} || gate_)) refused = status::invalid_value;
    if (refused == 0) refused = legacy_capture_conflict(*target);
    if (refused == 0) refused = capture_state_status(*target);
    if (refused == 0 && target->capture < 0 && !wait_for_queue_room(*target)) refused = status::launch_timeout;
    ns host_cost = config_.launch_cost;
    if (refused == 0 && loaded_kernels_.insert(gate_kernel_name()).second) {
        if (config_.lazy_load_synchronizes && target->capture < 0 && !wait_for_device(target->device))
            refused = status::launch_timeout;
        host_cost += config_.lazy_load_cost;
    }
    host_ += host_cost;
    if (refused != 0) return refused;
    if (target->capture >= 0) {
        // Captured like any kernel launch: a node of the user's graph, which every replay runs
        // (spinning until its timeout, nobody releasing it). Nothing is held now.
        Capture& capture = captures_[static_cast<std::size_t>(target->capture)];
        capture.nodes.push_back(GraphNode{Kernel::fixed(gate_kernel_name(), timeout), target->capture_deps});
        target->capture_deps.assign(1, capture.nodes.size() - 1);
        return status::success;
    }
    const ns start = ready_time(*target);
    if (start != never_) {  // the gate spins: the device is busy from its start on
        note_kernel_start(start);
        Episode& current = episodes_.back();
        current.last_work_end = std::max(current.last_work_end, start);
    }
    gate_ = HeldGate{index_of(*target), start, timeout};
    blocked_.clear();
    blocked_.insert(index_of(*target));
    return status::success;
}

inline int Runtime::gate_release() {
    if (!gate_) return status::invalid_value;
    const ns expiry = gate_expiry();
    if (expiry != never_ && host_ >= expiry) {
        open_gate(expiry, true);
    } else {
        open_gate(std::max(host_, gate_->start), false);  // a gate not started yet ends as it starts
    }
    return status::success;
}

// The gate's timeout point (device time), or never_ for a gate that never starts (its stream hung).
inline std::chrono::nanoseconds Runtime::gate_expiry() const {
    if (!gate_ || gate_->start == never_) return never_;
    return gate_->timeout >= never_ - gate_->start ? never_ : gate_->start + gate_->timeout;
}

inline bool Runtime::gate_spinning_at(ns device_time) const {
    return gate_ && gate_->start != never_ && device_time >= gate_->start && device_time < gate_expiry();
}

// Whether an op enqueued on `stream` now has to wait for the gate: the stream holds work behind
// it, or synchronises implicitly with one that does (the legacy default stream and the
// blocking streams of its device).
inline bool Runtime::gate_blocks(const StreamState& stream) const {
    if (!gate_) return false;
    if (blocked_.count(index_of(stream)) != 0) return true;
    if (stream.kind == StreamKind::legacy) {
        for (const std::size_t index : blocked_) {
            const StreamState& other = streams_[index];
            if (other.device == stream.device && syncs_with_legacy(other.kind)) return true;
        }
        return false;
    }
    return syncs_with_legacy(stream.kind) && blocked_.count(legacy_[static_cast<std::size_t>(stream.device)]) != 0;
}

inline bool Runtime::gate_defers(StreamState& stream) {
    settle_expired_gate();
    return gate_blocks(stream);
}

// Keeps `work` behind the gate until it ends. Kernels behind it fill the launch queue; once it
// is full the host blocks in the launch, which only the gate's timeout ends (nvbench warns of
// this deadlock).
inline int Runtime::defer(StreamState& stream, Work work) {
    const std::size_t index = index_of(stream);
    const bool kernel = work.kind == Work::Kind::kernel;
    if (work.kind == Work::Kind::record) events_[static_cast<std::size_t>(work.handle)].behind_gate = true;
    deferred_.push_back(std::move(work));
    blocked_.insert(index);
    const std::size_t depth = config_.launch_queue_depth;
    if (kernel && depth != 0) {
        std::size_t pending = stream.queued.size();
        for (const Work& op : deferred_)
            if (op.takes_queue_room() && op.stream == index) ++pending;
        if (pending > depth) wait_for_gate();
    }
    return status::success;
}

// An event recorded now, not behind the gate, replaces its records still waiting behind it.
inline void Runtime::forget_deferred_records(EventState& event, int event_id) {
    if (!event.behind_gate) return;
    for (Work& op : deferred_)
        if (op.kind == Work::Kind::record && op.handle == event_id) op.superseded = true;
    event.behind_gate = false;
}

inline void Runtime::settle_expired_gate() {
    const ns expiry = gate_expiry();
    if (gate_ && expiry != never_ && host_ >= expiry) open_gate(expiry, true);
}

// The host waits for work behind the gate, so it cannot release it: the gate ends at its
// timeout (never, for a gate whose stream hung before it: the wait then never ends either).
inline void Runtime::wait_for_gate() {
    if (!gate_) return;
    const ns expiry = gate_expiry();
    if (expiry == never_) {
        open_gate(never_, false);
        return;
    }
    host_ = std::max(host_, expiry);
    open_gate(expiry, true);
}

// The gate kernel ends at `end`; the deferred ops are placed, in order.
inline void Runtime::open_gate(ns end, bool timed_out) {
    const HeldGate gate = *gate_;
    gate_.reset();
    blocked_.clear();
    if (timed_out) ++gate_timeouts_;
    StreamState& held = streams_[gate.stream];
    set_tail(held, end);
    note_queued(held, end);
    if (end != never_) {
        Episode& current = episodes_.back();
        current.last_work_end = std::max(current.last_work_end, end);
    }
    std::vector<Work> work;
    work.swap(deferred_);
    for (const Work& op : work) place(op);
}

}  // namespace gputime::sim
