// SPDX-License-Identifier: MIT
// gputime/core/host_clock.hpp - the CPU clock backend: std::chrono::steady_clock.
//
//   gputime::HostClock clock;
//   { gputime::ScopedTimer timer(stats, clock); parse(request); }
// It implements the clock contract of gputime/core/clock_contract.hpp.
#pragma once

#include <gputime/core/accumulator.hpp>
#include <gputime/core/clock_contract.hpp>
#include <gputime/core/detail/host_sleep.hpp>
#include <gputime/core/duration.hpp>

#include <chrono>

namespace gputime {

/// Times host code with std::chrono::steady_clock. Around asynchronous GPU work this measures
/// only the launch cost, not the GPU work it queued: use CudaEventClock for GPU work.
class HostClock {
public:
    using Mark = std::chrono::steady_clock::time_point;  ///< A point on steady_clock's timeline.
    static constexpr bool measures_device = false;       ///< Host time, not GPU time.

    /// steady_clock::now().
    Mark mark() const noexcept { return std::chrono::steady_clock::now(); }

    /// Adds the sample to `into` at once (any accumulator: gputime/core/accumulator.hpp).
    template <class Accumulator>
    void stop(const Mark& started, Accumulator& into) const noexcept {
        static_assert(detail::check_accumulator<Accumulator>());
        const Duration sample = mark() - started;
        try {
            into.add(sample);
        } catch (...) {
            // Only allocation can fail here; a timer's destructor must not throw, so the
            // sample is lost rather than the program.
        }
    }

    /// `to - from`.
    Duration elapsed(const Mark& from, const Mark& to) const noexcept { return to - from; }
    /// Nothing to free: host marks are plain time points.
    void release(const Mark&) const noexcept {}
    /// Nothing to wait for: every sample was added by stop().
    void synchronize() const noexcept {}

    /// steady_clock's time since its epoch, in nanoseconds.
    std::chrono::nanoseconds host_now() const noexcept {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(mark().time_since_epoch());
    }
    /// Sleeps for `gap` (an idle gap between calls).
    void idle_for(std::chrono::nanoseconds gap) const { detail::sleep_host(gap); }
};

static_assert(is_clock_v<HostClock>, "HostClock must meet the clock contract");

}  // namespace gputime
