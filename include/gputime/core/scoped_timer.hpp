// SPDX-License-Identifier: MIT
// gputime/core/scoped_timer.hpp - time one region of code, from construction to destruction.
//
//   gputime::BoundedStats served;                      // or Stats, SharedStats, your own type
//   { gputime::ScopedTimer timer(served, clock); handle_request(); }
//
// The target is any accumulator (gputime/core/accumulator.hpp) and the clock any clock
// (gputime/core/clock_contract.hpp). With a GPU clock the constructor and destructor each record
// one event; when the sample reaches the target is said in docs/architecture.md, "Deferred GPU
// samples". The GPU name of this timer, ScopedGpuTimer, lives in gputime/cuda/event_clock.hpp.
#pragma once

#include <gputime/core/accumulator.hpp>
#include <gputime/core/clock_contract.hpp>

namespace gputime {

/// Times the region from its construction to its destruction with `Clock` and adds the sample
/// to an accumulator (Stats, BoundedStats, SharedStats...).
template <class Clock>
class ScopedTimer {
    static_assert(detail::check_clock_members<Clock>());

public:
    /// Marks now; `into` and `clock` must outlive the timer.
    template <class Accumulator>
    ScopedTimer(Accumulator& into, Clock& clock)
        : clock_(clock), into_(&into), stop_(&stop_into<Accumulator>), started_(clock.mark()) {
        static_assert(detail::check_accumulator<Accumulator>());
        static_assert(detail::check_clock_stop<Clock, Accumulator>());
    }
    ~ScopedTimer() { stop_(clock_, started_, into_); }

    ScopedTimer(const ScopedTimer&) = delete;
    ScopedTimer& operator=(const ScopedTimer&) = delete;

private:
    using Mark = typename Clock::Mark;
    template <class Accumulator>
    static void stop_into(Clock& clock, const Mark& started, void* into) noexcept {
        clock.stop(started, *static_cast<Accumulator*>(into));
    }

    Clock& clock_;
    void* into_;
    void (*stop_)(Clock&, const Mark&, void*) noexcept;
    Mark started_;
};

/// `ScopedTimer timer(stats, clock);` deduces the clock type.
template <class Accumulator, class Clock>
ScopedTimer(Accumulator&, Clock&) -> ScopedTimer<Clock>;

}  // namespace gputime
