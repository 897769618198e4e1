// SPDX-License-Identifier: MIT
// gputime/sim/detail/streams.hpp - devices and streams of the simulated runtime: the current device
// per simulated thread, the legacy and per-thread default streams and their implicit
// synchronisation, stream tails, the launch queue, kernel launches and stream synchronisation.
//
//   const sim::Stream side = gpu.create_stream();              // blocking: waits for Stream{}
//   gpu.launch(side, kernel);                                  // starts after the legacy tail
//
// Sources: the CUDA Runtime API reference, its "Stream synchronization behavior" page, and the
// CUDA C++ Programming Guide (multi-device "Stream and Event Behavior"); docs/simulator.md.
#pragma once

#include "gputime/sim/runtime.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

namespace gputime::sim {

inline int Runtime::current_device() const {
    const auto found = threads_.find(thread_);
    return found == threads_.end() ? 0 : found->second.device;
}

inline int Runtime::set_device(int device) {
    if (const int failed = begin_host_state_call(counters_.device_calls, Call::set_device)) return failed;
    if (device < 0 || device >= config_.device_count) return status::invalid_device;
    thread_state().device = device;
    return status::success;
}

inline int Runtime::get_device(int* device) {
    if (const int failed = begin_host_state_call(counters_.device_calls, Call::get_device)) return failed;
    if (device == nullptr) return status::invalid_value;
    *device = current_device();
    return status::success;
}

inline Stream Runtime::create_stream(unsigned flags) {
    if (flags != status::stream_default && flags != status::stream_non_blocking) {
        throw InvalidArgument(
            "sim::Runtime::create_stream", "flags",
            "must be cuda_status::stream_default or stream_non_blocking, got " + std::to_string(flags));
    }
    const StreamKind kind = flags == status::stream_non_blocking ? StreamKind::non_blocking : StreamKind::blocking;
    created_.push_back(add_stream(current_device(), kind));
    return Stream{static_cast<int>(created_.size())};
}

inline int Runtime::stream_create(stream_type* stream, unsigned flags) {
    if (const int failed = begin_api_call(counters_.stream_creates, Call::stream_create)) return failed;
    if (stream == nullptr || (flags != status::stream_default && flags != status::stream_non_blocking)) {
        return status::invalid_value;
    }
    *stream = create_stream(flags);
    return status::success;
}

inline int Runtime::device_pci_bus_id(char* id, int length, int device) {
    if (const int failed = begin_host_state_call(counters_.device_calls, Call::device_pci_bus_id)) return failed;
    if (device < 0 || device >= config_.device_count) return status::invalid_device;
    char text[32];
    std::snprintf(text, sizeof text, "0000:%02x:00.0", static_cast<unsigned>(0x17 + 0x10 * device) & 0xffu);
    if (id == nullptr || length < static_cast<int>(std::strlen(text)) + 1) return status::invalid_value;
    std::memcpy(id, text, std::strlen(text) + 1);
    return status::success;
}

inline int Runtime::stream_get_device(stream_type stream, int* device) {
    if (const int failed = begin_host_state_call(counters_.device_calls, Call::stream_get_device)) return failed;
    if (config_.runtime_version < 12080) return status::not_supported;  // no cudaStreamGetDevice before 12.8
    if (device == nullptr) return status::invalid_value;
    const StreamState* target = stream_state(stream);
    if (target == nullptr) return status::invalid_resource_handle;
    if (config_.stream_get_device_unsafe_in_capture) {
        if (const int refused = unsafe_call_status()) return refused;
    }
    *device = target->device;
    return status::success;
}

inline int Runtime::stream_device_via_driver(stream_type stream, int* device) {
    if (const int failed = begin_host_state_call(counters_.device_calls, Call::stream_device_via_driver)) return failed;
    if (device == nullptr) return status::invalid_value;
    const StreamState* target = stream_state(stream);
    if (target == nullptr) return status::invalid_resource_handle;
    if (config_.stream_get_device_unsafe_in_capture) {
        if (const int refused = unsafe_call_status()) return refused;
    }
    *device = target->device;
    return status::success;
}

inline std::chrono::nanoseconds Runtime::stream_tail(Stream stream) const {
    if (stream == Stream::per_thread() && !find_stream(stream)) return ns{0};  // not used yet
    const std::optional<std::size_t> index = find_stream(stream);
    if (!index) {
        throw std::out_of_range("gputime::sim::Runtime::stream_tail: unknown stream");
    }
    return streams_[*index].tail;
}

inline int Runtime::launch(Stream stream, const Kernel& kernel) {
    ++counters_.launches;
    const int injected = take_call_fault(Call::launch);
    const int sticky = sticky_status();
    const bool invalid_kernel = (!kernel.is_cycle_kernel() && kernel.duration < ns{0}) ||
                                (kernel.lazy_load_cost && *kernel.lazy_load_cost < ns{0});
    StreamState* target = stream_state(stream);
    if (sticky != status::success || injected != status::success || target == nullptr || invalid_kernel) {
        host_ += config_.launch_cost;
        if (sticky != status::success) return sticky;
        if (injected != status::success) return injected;
        return target != nullptr ? status::invalid_value : status::invalid_resource_handle;
    }
    // A kernel runs on the current device: a stream of another device is not a valid target.
    int refused = target->device != current_device() ? int{status::invalid_resource_handle} : 0;
    if (refused == 0) refused = legacy_capture_conflict(*target);
    if (refused == 0) refused = capture_state_status(*target);
    if (refused == 0 && target->capture < 0 && !wait_for_queue_room(*target)) refused = status::launch_timeout;
    ns host_cost = config_.launch_cost;
    if (refused == 0 && loaded_kernels_.insert(kernel.name).second) {  // a lazy module load
        if (config_.lazy_load_synchronizes && target->capture < 0 && !wait_for_device(target->device))
            refused = status::launch_timeout;
        host_cost += kernel.lazy_load_cost.value_or(config_.lazy_load_cost);
    }
    host_ += host_cost;
    if (refused != 0) return refused;

    if (target->capture >= 0) {  // captured: a node of the graph, run when the graph is launched
        Capture& capture = captures_[static_cast<std::size_t>(target->capture)];
        capture.nodes.push_back(GraphNode{kernel, target->capture_deps});
        target->capture_deps.assign(1, capture.nodes.size() - 1);
        return status::success;
    }
    return enqueue(*target, Work::kernel_on(index_of(*target), host_, kernel));
}

inline int Runtime::stream_synchronize(stream_type stream) {
    ++counters_.stream_synchronizes;
    const int injected = take_call_fault(Call::stream_synchronize);
    const int sticky = sticky_status();
    const StreamState* target = stream_state(stream);
    int refused = 0;
    if (sticky == status::success && injected == status::success && target != nullptr) {
        refused = legacy_capture_conflict(*target);
        if (refused == 0 && target->capture >= 0) {  // a capturing stream has nothing to wait for
            invalidate(target->capture);
            refused = status::stream_capture_unsupported;
        }
        if (refused == 0) refused = unsafe_call_status();
        if (refused == 0 && implicit_tail(*target) == never_) refused = status::launch_timeout;
    }
    if (sticky != status::success || injected != status::success || target == nullptr || refused != 0) {
        host_ += config_.api_cost;
        if (sticky != status::success) return sticky;
        if (injected != status::success) return injected;
        return target == nullptr ? int{status::invalid_resource_handle} : refused;
    }
    if (gate_blocks(*target)) {  // the host cannot release the gate while it waits (docs/telemetry.md)
        wait_for_gate();
        if (implicit_tail(*target) == never_) {
            host_ += config_.api_cost;
            return status::launch_timeout;
        }
    }
    host_ = std::max(host_, implicit_tail(*target)) + config_.api_cost;
    return sticky_status();
}

inline Runtime::ThreadState& Runtime::thread_state() { return threads_[thread_]; }

inline std::size_t Runtime::add_stream(int device, StreamKind kind) {
    StreamState state;
    state.device = device;
    state.kind = kind;
    streams_.push_back(std::move(state));
    return streams_.size() - 1;
}

inline std::optional<std::size_t> Runtime::find_stream(Stream stream) const {
    if (stream == Stream::legacy()) return legacy_[static_cast<std::size_t>(current_device())];
    if (stream == Stream::per_thread()) {
        const auto found = per_thread_.find({thread_, current_device()});
        if (found == per_thread_.end()) return std::nullopt;
        return found->second;
    }
    if (stream.id < 1 || static_cast<std::size_t>(stream.id) > created_.size()) return std::nullopt;
    return created_[static_cast<std::size_t>(stream.id) - 1];
}

inline Runtime::StreamState* Runtime::stream_state(Stream stream) {
    if (const std::optional<std::size_t> index = find_stream(stream)) return &streams_[*index];
    if (stream != Stream::per_thread()) return nullptr;
    const std::size_t index = add_stream(current_device(), StreamKind::per_thread);
    per_thread_[{thread_, current_device()}] = index;
    return &streams_[index];
}

inline std::size_t Runtime::index_of(const StreamState& state) const {
    return static_cast<std::size_t>(&state - streams_.data());
}

// The legacy stream synchronises with every stream of its device except non-blocking ones;
// "the per-thread default stream is not a non-blocking stream and will synchronize with the
// legacy default stream if both are used in a program".
inline bool Runtime::syncs_with_legacy(StreamKind kind) {
    return kind == StreamKind::blocking || kind == StreamKind::per_thread;
}

// When an op enqueued on `stream` now could start, host time aside: after the stream's own
// tail and, through the legacy stream's implicit synchronisation, "the legacy stream first
// waits on all blocking streams ... and then all blocking streams wait on the legacy stream".
inline std::chrono::nanoseconds Runtime::implicit_tail(const StreamState& stream) const {
    ns tail = stream.tail;
    if (stream.kind == StreamKind::legacy) {
        for (const StreamState& other : streams_) {
            if (other.device == stream.device && syncs_with_legacy(other.kind)) tail = std::max(tail, other.tail);
        }
    } else if (syncs_with_legacy(stream.kind)) {
        tail = std::max(tail, streams_[legacy_[static_cast<std::size_t>(stream.device)]].tail);
    }
    return tail;
}

inline std::chrono::nanoseconds Runtime::ready_time(const StreamState& stream) const {
    return std::max(host_, implicit_tail(stream));
}

// The op just enqueued on `stream` ends at `tail`. An op of the legacy stream is also waited
// for by every blocking stream of its device.
inline void Runtime::set_tail(StreamState& stream, ns tail) {
    stream.tail = std::max(stream.tail, tail);
    if (stream.kind != StreamKind::legacy) return;
    for (StreamState& other : streams_) {
        if (other.device == stream.device && syncs_with_legacy(other.kind))
            other.tail = std::max(other.tail, stream.tail);
    }
}

// A full launch queue blocks the host inside the launch until its oldest kernel (or graph)
// ends. False when that never happens (a hung stream): a real host would block forever.
inline bool Runtime::wait_for_queue_room(StreamState& stream) {
    const std::size_t depth = config_.launch_queue_depth;
    if (depth == 0) return true;
    while (!stream.queued.empty() && stream.queued.front() <= host_) stream.queued.pop_front();
    if (stream.queued.size() < depth) return true;
    const ns room_at = stream.queued[stream.queued.size() - depth];
    if (room_at == never_) return false;
    ++counters_.launch_queue_waits;
    host_ = std::max(host_, room_at);
    while (!stream.queued.empty() && stream.queued.front() <= host_) stream.queued.pop_front();
    return true;
}

// A context synchronisation: the host waits until every stream of `device` has drained. A gate
// held there holds the wait too, which then ends at the gate's timeout. False when a stream of
// the device never drains (a hung one): a real host would wait forever.
inline bool Runtime::wait_for_device(int device) {
    if (gate_ && streams_[gate_->stream].device == device) wait_for_gate();
    ns drained{0};
    for (const StreamState& stream : streams_)
        if (stream.device == device) drained = std::max(drained, stream.tail);
    if (drained == never_) return false;
    host_ = std::max(host_, drained);
    return true;
}

inline void Runtime::note_queued(StreamState& stream, ns end) {
    if (config_.launch_queue_depth != 0) stream.queued.push_back(end);
}

}  // namespace gputime::sim
