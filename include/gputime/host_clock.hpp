// gputime/host_clock.hpp - the CPU clock backend: std::chrono::steady_clock.
//
// The clock interface every timer, runner and profiler is written against:
//   using Mark = ...;                           // a point on the clock's timeline
//   static constexpr bool measures_device;      // true when marks are taken on a GPU stream
//   Mark mark();                                // take a mark now (in stream order on a GPU)
//   void stop(const Mark& started, Stats& into) noexcept;
//                                               // take the end mark; the sample (end - started)
//                                               // reaches `into` now, or before `into` is next read
//   Duration elapsed(const Mark& from, const Mark& to);  // waits until both marks are known
//   void release(const Mark& mark) noexcept;    // a mark from mark() is no longer needed
//   void synchronize();                         // wait for everything marked; deliver all samples;
//                                               // rethrows an error parked by stop()
//   std::chrono::nanoseconds host_now();        // host time, for enqueue-side measurements
//   void idle_for(std::chrono::nanoseconds);    // let host time pass (idle gaps between calls)
#pragma once

#include <gputime/duration.hpp>
#include <gputime/stats.hpp>

#include <chrono>
#include <thread>

namespace gputime {

/// Times host code with std::chrono::steady_clock. Around asynchronous GPU work this measures
/// only the launch cost (seed 004's pitfall): use CudaEventClock for GPU work.
class HostClock {
public:
    using Mark = std::chrono::steady_clock::time_point;
    static constexpr bool measures_device = false;

    Mark mark() const noexcept { return std::chrono::steady_clock::now(); }

    void stop(const Mark& started, Stats& into) const noexcept {
        const Duration sample = mark() - started;
        try {
            into.add(sample);
        } catch (...) {
            // Only allocation can fail here; a timer's destructor must not throw, so the
            // sample is lost rather than the program.
        }
    }

    Duration elapsed(const Mark& from, const Mark& to) const noexcept { return to - from; }
    void release(const Mark&) const noexcept {}
    void synchronize() const noexcept {}

    std::chrono::nanoseconds host_now() const noexcept {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(mark().time_since_epoch());
    }
    void idle_for(std::chrono::nanoseconds gap) const { std::this_thread::sleep_for(gap); }
};

}  // namespace gputime
