// gputime/stream_join.hpp - make a GPU timer cover work that runs on other streams (fork/join).
//
// A CUDA event is recorded on ONE stream and completes when THAT stream reaches it. A timer on
// stream A therefore measures A's work only: a kernel launched on stream B inside the scope can
// still be running when the end event completes, and the scope reports a time that is too short
// (the fifth pitfall; tests/test_pitfalls.cpp shows it with exact numbers).
// JoinStreams makes the scope a fork/join region, the standard CUDA pattern:
//
//   gputime::ScopedGpuTimer timer(stats, clock);          // start event on clock.stream()
//   gputime::JoinStreams join(clock, {side_a, side_b});   // fork: the side streams wait for here
//   launch_main_work(clock.stream());
//   launch_side_work(side_a);  launch_side_work(side_b);
//   }  // join (runs first: declared after the timer): clock.stream() waits for every side
//      // stream, so the timer's end event completes only when all of them have finished.
//
//   construction  records an event on clock.stream() and makes each side stream wait for it, so
//                 side work queued afterwards cannot start before the timer's start event;
//   destruction   records the event on each side stream and makes clock.stream() wait for it.
// Neither step blocks the host: they only order work on the device (cudaStreamWaitEvent).
// Declare the JoinStreams AFTER the timer (and inside a WarmupRunner callable), so that it forks
// after the start mark and joins before the end mark.
//
// Events. JoinStreams needs a single event, which it borrows from the clock's own pool
// (clock.mark() records it on the clock's stream: that record IS the fork) and returns at
// destruction. Re-recording it on one side stream after another is correct: CUDA documents that
// cudaStreamWaitEvent waits for the record made before the call, and later records of the same
// event do not affect a wait already issued. So in a loop no event is created after the first
// pass (the clock's pool), and nothing is allocated: side streams are kept in a fixed array.
//
// Errors. The constructor throws CudaError (a bad side stream shows up here, before any work is
// queued) or gputime::InvalidArgument (parameter "side": more than max_side_streams, refused
// before any CUDA call). join() joins early and throws
// CudaError. The destructor joins if join() was not called and NEVER throws: a failure there
// leaves the end mark not covering the side streams. By then the streams have been validated by
// the fork, so what can still fail is a context-wide ("sticky") error such as a faulty kernel;
// the clock's next call fails with the same error and parks it, so it surfaces when the timer's
// Stats is next read (or at clock.synchronize()). Call join() yourself to get the exception
// from the join itself. An event whose record failed is destroyed rather than pooled.
// Not thread-safe, like the clock it borrows from.
#pragma once

#include <gputime/cuda_event_clock.hpp>
#include <gputime/error.hpp>

#include <array>
#include <cstddef>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

namespace gputime {

template <class Runtime>
class JoinStreams {
public:
    using clock_type = CudaEventClock<Runtime>;
    using stream_type = typename Runtime::stream_type;
    using event_type = typename Runtime::event_type;

    /// Side streams one JoinStreams can join (a fixed array keeps it allocation-free).
    static constexpr std::size_t max_side_streams = 8;

    /// Forks: `side` streams wait for the current point of clock.stream(). Throws CudaError,
    /// or InvalidArgument (parameter "side") for more than max_side_streams streams.
    JoinStreams(clock_type& clock, std::initializer_list<stream_type> side) : clock_(clock) {
        fork(side.begin(), side.size());
    }
    JoinStreams(clock_type& clock, const std::vector<stream_type>& side) : clock_(clock) {
        fork(side.data(), side.size());
    }

    JoinStreams(const JoinStreams&) = delete;
    JoinStreams& operator=(const JoinStreams&) = delete;

    /// Joins unless join() already did; never throws (see the header comment).
    ~JoinStreams() {
        if (joined_) return;
        try {
            join();
        } catch (...) {
            // A destructor must not throw. A sticky error reaches the caller through the
            // clock's next call; the event is given back either way (join() did it).
        }
    }

    /// Makes clock.stream() wait for everything queued so far on the side streams. Idempotent;
    /// throws CudaError (the event goes back to the clock's pool even then, unless a record of
    /// it failed: it is destroyed then).
    void join() {
        if (joined_) return;
        joined_ = true;
        Runtime& runtime = clock_.runtime();
        const stream_type main = clock_.stream();
        const char* failed_call = nullptr;
        int failed_status = cuda_status::success;
        bool record_failed = false;
        for (std::size_t i = 0; i < count_; ++i) {
            // After a failure keep joining the other streams: the scope then covers what it can.
            const char* call = "cudaEventRecord";
            int status = runtime.event_record(event_, side_[i]);
            if (status == cuda_status::success) {
                call = "cudaStreamWaitEvent";
                status = runtime.stream_wait_event(main, event_);
            } else {
                record_failed = true;
            }
            if (status != cuda_status::success && failed_call == nullptr) {
                failed_call = call;
                failed_status = status;
            }
        }
        if (record_failed) {
            clock_.discard(event_);  // its state is unknown: not to be handed out again
        } else {
            clock_.release(event_);
        }
        if (failed_call != nullptr) throw error(failed_call, failed_status);
    }

    bool joined() const noexcept { return joined_; }
    std::size_t side_stream_count() const noexcept { return count_; }

private:
    void fork(const stream_type* side, std::size_t count) {
        if (count > max_side_streams)
            throw InvalidArgument("JoinStreams", "side",
                                  "must list at most " + std::to_string(max_side_streams) + " streams, got " +
                                      std::to_string(count) + " (nest two JoinStreams for more)");
        for (std::size_t i = 0; i < count; ++i) side_[i] = side[i];
        count_ = count;
        event_ = clock_.mark();  // an event from the clock's pool, recorded on clock.stream()
        Runtime& runtime = clock_.runtime();
        for (std::size_t i = 0; i < count_; ++i) {
            const int status = runtime.stream_wait_event(side_[i], event_);
            if (status != cuda_status::success) {
                joined_ = true;  // nothing to join: the scope never started
                clock_.release(event_);
                throw error("cudaStreamWaitEvent", status);
            }
        }
    }

    CudaError error(const char* call, int status) const {
        Runtime& runtime = clock_.runtime();
        return CudaError(call, status, runtime.error_name(status), runtime.error_string(status));
    }

    clock_type& clock_;
    std::array<stream_type, max_side_streams> side_{};
    std::size_t count_ = 0;
    event_type event_{};
    bool joined_ = false;
};

template <class Runtime>
JoinStreams(CudaEventClock<Runtime>&, std::initializer_list<typename Runtime::stream_type>) -> JoinStreams<Runtime>;
template <class Runtime>
JoinStreams(CudaEventClock<Runtime>&, const std::vector<typename Runtime::stream_type>&) -> JoinStreams<Runtime>;

}  // namespace gputime
