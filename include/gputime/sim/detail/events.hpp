// SPDX-License-Identifier: MIT
// gputime/sim/detail/events.hpp - events of the simulated runtime: create, record, query,
// synchronize, elapsed time, stream waits; timestamps floored to the event resolution; captured,
// gated and destroyed events.
//
//   gpu.event_record(start, s); gpu.launch(s, k); gpu.event_record(stop, s);
//   gpu.event_synchronize(stop); gpu.event_elapsed_ms(&ms, start, stop);
#pragma once

#include "gputime/sim/runtime.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace gputime::sim {

inline int Runtime::event_create(event_type* event) {
    if (const int failed = begin_api_call(counters_.event_creates, Call::event_create)) return failed;
    if (event == nullptr) return status::invalid_value;
    EventState state;
    state.device = current_device();  // "creates an event object for the current device"
    events_.push_back(std::move(state));
    *event = Event{static_cast<int>(events_.size() - 1)};
    return status::success;
}

inline int Runtime::event_create_with_flags(event_type* event, unsigned flags) {
    if (const int failed = begin_api_call(counters_.event_creates, Call::event_create_with_flags)) return failed;
    constexpr unsigned blocking_sync = 0x1, interprocess = 0x4;
    const unsigned known = blocking_sync | status::event_disable_timing | interprocess;
    if (event == nullptr || (flags & ~known) != 0 ||
        ((flags & interprocess) != 0 && (flags & status::event_disable_timing) == 0)) {
        return status::invalid_value;
    }
    EventState state;
    state.device = current_device();
    state.flags = flags;
    events_.push_back(std::move(state));
    *event = Event{static_cast<int>(events_.size() - 1)};
    return status::success;
}

inline int Runtime::event_destroy(event_type event) {
    if (const int failed = begin_api_call(counters_.event_destroys, Call::event_destroy)) return failed;
    EventState* state = event_for(event, "event_destroy");
    if (state == nullptr) return status::invalid_resource_handle;
    state->alive = false;
    return status::success;
}

inline int Runtime::event_record(event_type event, stream_type stream) {
    if (const int failed = begin_api_call(counters_.event_records, Call::event_record)) return failed;
    EventState* state = event_for(event, "event_record");
    StreamState* target = stream_state(stream);
    // "event and stream must be on the same CUDA context": one context per device.
    if (state == nullptr || target == nullptr || state->device != target->device) {
        return status::invalid_resource_handle;
    }
    if (const int refused = legacy_capture_conflict(*target)) return refused;
    if (const int refused = capture_state_status(*target)) return refused;
    state->recorded = true;
    if (target->capture >= 0) {  // captured: it orders the capture's nodes, it is never reached
        state->captured = true;
        state->capture = target->capture;
        state->capture_deps = target->capture_deps;
        return status::success;
    }
    state->captured = false;
    state->capture = -1;
    state->capture_deps.clear();
    // A zero-length op in stream order (Runtime::place); a hung stream never reaches it.
    Work work = Work::of(Work::Kind::record, index_of(*target), host_, event.id);
    work.never = std::exchange(next_event_never_completes_, false);
    return enqueue(*target, std::move(work));
}

inline int Runtime::event_query(event_type event) {
    if (const int failed = begin_api_call(counters_.event_queries, Call::event_query)) return failed;
    const EventState* state = event_for(event, "event_query");
    if (state == nullptr) return status::invalid_resource_handle;
    if (state->captured) {
        invalidate(state->capture);
        return status::captured_event;
    }
    if (const int refused = unsafe_call_status()) return refused;
    if (!state->recorded) return status::success;
    return is_complete(*state) ? status::success : status::not_ready;
}

inline int Runtime::event_synchronize(event_type event) {
    ++counters_.event_synchronizes;
    const int injected = take_call_fault(Call::event_synchronize);
    const int sticky = sticky_status();
    const EventState* state = sticky == status::success && injected == status::success
                                  ? event_for(event, "event_synchronize")
                                  : live_event(event);
    int refused = 0;
    if (sticky == status::success && injected == status::success && state != nullptr) {
        if (state->captured) {
            invalidate(state->capture);
            refused = status::captured_event;
        } else {
            refused = unsafe_call_status();
        }
    }
    if (sticky != status::success || injected != status::success || state == nullptr || refused != 0 ||
        !state->recorded || state->reached == never_) {
        host_ += config_.api_cost;
        if (sticky != status::success) return sticky;
        if (injected != status::success) return injected;
        if (state == nullptr) return status::invalid_resource_handle;
        if (refused != 0) return refused;
        // A real GPU would block forever; the watchdog's error is the useful answer here.
        return state->recorded ? status::launch_timeout : status::success;
    }
    if (state->behind_gate) {  // the host cannot release the gate while it waits (docs/telemetry.md)
        wait_for_gate();
        if (state->reached == never_) {
            host_ += config_.api_cost;
            return status::launch_timeout;
        }
    }
    host_ = std::max(host_, state->reached) + config_.api_cost;
    return sticky_status();
}

inline int Runtime::event_elapsed_ms(float* ms, event_type start, event_type stop) {
    if (const int failed = begin_api_call(counters_.elapsed_queries, Call::event_elapsed_ms)) return failed;
    if (ms == nullptr) return status::invalid_value;
    const EventState* first = event_for(start, "event_elapsed_ms");
    const EventState* second = event_for(stop, "event_elapsed_ms");
    if (first == nullptr || second == nullptr || !first->recorded || !second->recorded) {
        return status::invalid_resource_handle;
    }
    if (first->captured || second->captured) {
        invalidate(first->captured ? first->capture : second->capture);
        return status::captured_event;
    }
    // "If either event was created with the cudaEventDisableTiming flag, then this function will
    // return cudaErrorInvalidResourceHandle"; events of two devices cannot be compared either.
    if ((first->flags & status::event_disable_timing) != 0 || (second->flags & status::event_disable_timing) != 0 ||
        first->device != second->device) {
        return status::invalid_resource_handle;
    }
    if (!is_complete(*first) || !is_complete(*second)) return status::not_ready;
    const ns elapsed = second->timestamp - first->timestamp;
    *ms = static_cast<float>(static_cast<double>(elapsed.count()) / 1e6);
    return status::success;
}

inline int Runtime::stream_wait_event(stream_type stream, event_type event) {
    if (const int failed = begin_api_call(counters_.stream_waits, Call::stream_wait_event)) return failed;
    const EventState* state = event_for(event, "stream_wait_event");
    StreamState* target = stream_state(stream);
    // "event may be from a different device than stream": no device check here.
    if (state == nullptr || target == nullptr) return status::invalid_resource_handle;
    if (const int refused = legacy_capture_conflict(*target)) return refused;
    if (const int refused = capture_state_status(*target)) return refused;
    if (state->captured) {  // fork/join inside a capture: `stream` joins the event's capture
        Capture& capture = captures_[static_cast<std::size_t>(state->capture)];
        if (!capture.active) return status::captured_event;
        if (target->capture >= 0 && target->capture != state->capture) {
            invalidate(target->capture);
            invalidate(state->capture);
            return status::stream_capture_merge;
        }
        if (target->capture < 0) {
            target->capture = state->capture;
            target->capture_deps.clear();
            capture.streams.push_back(index_of(*target));
        }
        for (const std::size_t node : state->capture_deps) {
            if (std::find(target->capture_deps.begin(), target->capture_deps.end(), node) == target->capture_deps.end())
                target->capture_deps.push_back(node);
        }
        return status::success;
    }
    if (!state->recorded) return status::success;  // a never-recorded event: a no-op, as in CUDA
    if (target->capture >= 0) {                    // a capture may not depend on work outside it
        invalidate(target->capture);
        return status::stream_capture_isolation;
    }
    // An event recorded behind a held gate is not reached before the gate ends: nor is the wait.
    return enqueue(*target, Work::of(Work::Kind::wait, index_of(*target), host_, event.id), state->behind_gate);
}

inline std::optional<std::chrono::nanoseconds> Runtime::event_timestamp(Event event) const {
    const EventState* state = live_event(event);
    if (state == nullptr || !state->recorded || state->captured || state->behind_gate) return std::nullopt;
    return state->timestamp;
}

inline Runtime::EventState* Runtime::live_event(Event event) {
    return const_cast<EventState*>(std::as_const(*this).live_event(event));
}

inline const Runtime::EventState* Runtime::live_event(Event event) const {
    if (event.id < 0 || static_cast<std::size_t>(event.id) >= events_.size()) return nullptr;
    const EventState& state = events_[static_cast<std::size_t>(event.id)];
    return state.alive ? &state : nullptr;
}

// The event behind a handle, or null. A destroyed event is undefined behaviour on a real GPU
// ("\note_destroy_ub" of cudaEventDestroy): counted, and thrown with strict_handles.
inline Runtime::EventState* Runtime::event_for(Event event, const char* call) {
    if (event.id >= 0 && static_cast<std::size_t>(event.id) < events_.size() &&
        !events_[static_cast<std::size_t>(event.id)].alive) {
        ++handle_misuses_;
        if (config_.strict_handles) {
            throw HandleMisuse(std::string("gputime::sim::Runtime::") + call + ": use of destroyed event " +
                               std::to_string(event.id) +
                               " (undefined behaviour on a real GPU; Config::strict_handles)");
        }
        return nullptr;
    }
    return live_event(event);
}

inline bool Runtime::is_complete(const EventState& event) const {
    return event.reached != never_ && !event.behind_gate && host_ >= event.reached;
}

}  // namespace gputime::sim
