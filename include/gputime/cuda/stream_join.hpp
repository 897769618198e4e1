// SPDX-License-Identifier: MIT
// gputime/cuda/stream_join.hpp - make a GPU timer cover work that runs on other streams (fork/join).
//
//   gputime::ScopedGpuTimer timer(stats, clock);          // start event on clock.stream()
//   gputime::JoinStreams join(clock, {side_a, side_b});   // fork: the side streams wait for here
//   launch_main_work(clock.stream());
//   launch_side_work(side_a);  launch_side_work(side_b);
//   }  // join (runs first: declared after the timer): clock.stream() waits for every side
//      // stream, so the timer's end event completes only when all of them have finished.
//
// Declare the JoinStreams after the timer, so that it forks after the start mark and joins
// before the end mark. Why a timer needs it, the events it uses, other devices, captures and
// errors: docs/gpu_clock.md, "Work on other streams".
#pragma once

#include <gputime/core/cuda_status.hpp>
#include <gputime/core/error.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/cuda/runtime_policy.hpp>

#include <array>
#include <cstddef>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

namespace gputime {
namespace detail {

// The devices of the side streams JoinStreams met outside a stream capture, on this host thread,
// so that a fork inside a capture need not ask the driver (see the header comment).
template <class Stream>
class StreamDevices {
public:
    static StreamDevices& of_this_thread() {
        thread_local StreamDevices devices;
        return devices;
    }
    // The device remembered for `stream` of `runtime`, or -1.
    int find(const void* runtime, const Stream& stream) const noexcept {
        for (std::size_t i = 0; i < size_; ++i)
            if (entries_[i].runtime == runtime && entries_[i].stream == stream) return entries_[i].device;
        return -1;
    }
    void remember(const void* runtime, const Stream& stream, int device) noexcept {
        for (std::size_t i = 0; i < size_; ++i) {
            if (entries_[i].runtime == runtime && entries_[i].stream == stream) {
                entries_[i].device = device;
                return;
            }
        }
        entries_[next_] = Entry{runtime, stream, device};
        next_ = (next_ + 1) % entries_.size();
        if (size_ < entries_.size()) ++size_;
    }

private:
    struct Entry {
        const void* runtime = nullptr;
        Stream stream{};
        int device = -1;
    };
    std::array<Entry, 16> entries_{};
    std::size_t next_ = 0;
    std::size_t size_ = 0;
};

}  // namespace detail

/// Makes a GPU timer's scope cover work on other streams: forks side streams off the clock's
/// stream at construction and joins them back at join() or destruction (see the header comment).
/// Declare it after the timer.
template <class Runtime>
class JoinStreams {
public:
    using clock_type = CudaEventClock<Runtime>;         ///< The clock whose stream is the main one.
    using stream_type = typename Runtime::stream_type;  ///< The runtime policy's stream handle.
    using event_type = typename Runtime::event_type;    ///< The runtime policy's event handle.

    /// Side streams one JoinStreams can join (fixed arrays keep it allocation-free).
    static constexpr std::size_t max_side_streams = 8;

    /// Forks: `side` streams wait for the current point of clock.stream(). Throws CudaError,
    /// or InvalidArgument (parameter "side") for more than max_side_streams streams.
    JoinStreams(clock_type& clock, std::initializer_list<stream_type> side) : clock_(clock) {
        fork(side.begin(), side.size());
    }
    /// As above, with the side streams in a vector.
    JoinStreams(clock_type& clock, const std::vector<stream_type>& side) : clock_(clock) {
        fork(side.data(), side.size());
    }

    JoinStreams(const JoinStreams&) = delete;
    JoinStreams& operator=(const JoinStreams&) = delete;

    /// Joins unless join() already did; never throws: an error is parked with the clock, and
    /// the timer stopped next (the scope's own, declared before) gets it in place of a sample
    /// that would miss the side work, so the Stats' next read rethrows it.
    ~JoinStreams() {
        if (joined_) return;
        try {
            join();
        } catch (...) {
            clock_.park_error(std::current_exception());  // the events went back already
        }
    }

    /// Makes clock.stream() wait for everything queued so far on the side streams. Idempotent;
    /// throws CudaError (the events go back to the clock's pool even then, except one whose
    /// record failed: it is destroyed).
    void join() {
        if (joined_) return;
        joined_ = true;
        Runtime& runtime = clock_.runtime();
        std::string failed_call;  // the first failure (short: no allocation)
        int failed_status = cuda_status::success;
        auto fail = [&](const std::string& call, int status) {
            if (failed_call.empty()) {
                failed_call = call;
                failed_status = status;
            }
        };
        // One event per device: the fork's for the clock's device, one of each other device.
        std::array<Held, max_side_streams + 1> held{};
        std::size_t held_count = 0;
        held[held_count++] = Held{clock_.device(), fork_event_, false};
        for (std::size_t i = 0; i < count_; ++i) {
            // After a failure keep joining the other streams: the scope then covers what it can.
            Held* event = nullptr;
            for (std::size_t h = 0; h < held_count; ++h) {
                if (held[h].device == side_device_[i]) event = &held[h];
            }
            if (event == nullptr) {
                try {
                    held[held_count] = Held{side_device_[i], clock_.acquire_ordering_event(side_device_[i]), false};
                } catch (const CudaError& e) {
                    fail(e.call(), e.code());
                    continue;
                }
                event = &held[held_count++];
            }
            int status = cuda_status::success;
            {
                detail::DeviceScope<Runtime> scope(runtime, side_is_default_[i] ? side_device_[i] : -1);
                status = scope.status();
                if (status == cuda_status::success) status = runtime.event_record(event->event, side_[i]);
            }
            if (status != cuda_status::success) {
                event->record_failed = true;
                fail("cudaEventRecord", status);
                continue;
            }
            status = wait_on_main(event->event);
            if (status != cuda_status::success) fail("cudaStreamWaitEvent", status);
        }
        for (std::size_t h = 0; h < held_count; ++h) {
            if (held[h].record_failed) {
                clock_.discard(held[h].event);  // its state is unknown: not to be handed out again
            } else {
                clock_.release_ordering_event(held[h].device, held[h].event);
            }
        }
        if (!failed_call.empty()) throw error(failed_call.c_str(), failed_status);
    }

    /// join() has run (successfully or not).
    bool joined() const noexcept { return joined_; }
    /// How many side streams were forked.
    std::size_t side_stream_count() const noexcept { return count_; }

private:
    struct Held {
        int device = -1;
        event_type event{};
        bool record_failed = false;
    };

    void fork(const stream_type* side, std::size_t count) {
        if (count > max_side_streams)
            throw InvalidArgument("JoinStreams", "side",
                                  "must list at most " + std::to_string(max_side_streams) + " streams, got " +
                                      std::to_string(count) + " (nest two JoinStreams for more)");
        Runtime& runtime = clock_.runtime();
        const bool capturing = main_capturing();
        auto& known = detail::StreamDevices<stream_type>::of_this_thread();
        for (std::size_t i = 0; i < count; ++i) {
            side_[i] = side[i];
            side_is_default_[i] = detail::is_default_stream(runtime, side[i]);
            if (!capturing) {
                side_device_[i] = clock_.device_of(side[i]);  // throws CudaError for a bad stream
                if (!side_is_default_[i]) known.remember(&runtime, side[i], side_device_[i]);
            } else {
                // No cudaStreamGetDevice inside a capture: a default-stream handle names the
                // current device's stream (cudaGetDevice answers from host state), another
                // stream's device was remembered outside the capture.
                side_device_[i] = side_is_default_[i] ? current_device() : known.find(&runtime, side[i]);
                if (side_device_[i] < 0) side_device_[i] = clock_.device();
            }
        }
        count_ = count;
        fork_event_ = clock_.acquire_ordering_event(clock_.device());
        int status = cuda_status::success;
        {
            detail::DeviceScope<Runtime> scope(runtime, main_is_default() ? clock_.device() : -1);
            status = scope.status();
            if (status == cuda_status::success) status = runtime.event_record(fork_event_, clock_.stream());
        }
        if (status != cuda_status::success) {
            joined_ = true;  // nothing to join: the scope never started
            clock_.discard(fork_event_);
            throw error("cudaEventRecord", status);
        }
        for (std::size_t i = 0; i < count_; ++i) {
            {
                detail::DeviceScope<Runtime> scope(runtime, side_is_default_[i] ? side_device_[i] : -1);
                status = scope.status();
                if (status == cuda_status::success) status = runtime.stream_wait_event(side_[i], fork_event_);
            }
            if (status != cuda_status::success) {
                joined_ = true;
                clock_.release_ordering_event(clock_.device(), fork_event_);
                throw error("cudaStreamWaitEvent", status);
            }
        }
    }

    // The clock's stream is being captured (or is the legacy stream while a blocking stream of its
    // device is: 906): the fork is then captured too. cudaStreamIsCapturing is the query made
    // for capture code; it never invalidates a capture.
    bool main_capturing() {
        if constexpr (detail::has_stream_is_capturing<Runtime>::value) {
            int capture = cuda_status::capture_status_none;
            const int status = clock_.runtime().stream_is_capturing(clock_.stream(), &capture);
            if (status == cuda_status::stream_capture_implicit) return true;
            return status == cuda_status::success && capture != cuda_status::capture_status_none;
        } else {
            return false;
        }
    }

    int current_device() {
        if constexpr (detail::has_device_binding_v<Runtime>) {
            int device = -1;
            if (clock_.runtime().get_device(&device) == cuda_status::success) return device;
        }
        return -1;
    }

    bool main_is_default() const { return detail::is_default_stream(clock_.runtime(), clock_.stream()); }

    int wait_on_main(const event_type& event) {
        Runtime& runtime = clock_.runtime();
        detail::DeviceScope<Runtime> scope(runtime, main_is_default() ? clock_.device() : -1);
        if (scope.status() != cuda_status::success) return scope.status();
        return runtime.stream_wait_event(clock_.stream(), event);
    }

    CudaError error(const char* call, int status) const {
        Runtime& runtime = clock_.runtime();
        return CudaError(call, status, runtime.error_name(status), runtime.error_string(status));
    }

    clock_type& clock_;
    std::array<stream_type, max_side_streams> side_{};
    std::array<int, max_side_streams> side_device_{};
    std::array<bool, max_side_streams> side_is_default_{};
    std::size_t count_ = 0;
    event_type fork_event_{};
    bool joined_ = false;
};

/// `JoinStreams join(clock, {a, b});` deduces the runtime policy from the clock.
template <class Runtime>
JoinStreams(CudaEventClock<Runtime>&, std::initializer_list<typename Runtime::stream_type>) -> JoinStreams<Runtime>;
/// As above, with the side streams in a vector.
template <class Runtime>
JoinStreams(CudaEventClock<Runtime>&, const std::vector<typename Runtime::stream_type>&) -> JoinStreams<Runtime>;

}  // namespace gputime
