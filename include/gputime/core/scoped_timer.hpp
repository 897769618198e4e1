// SPDX-License-Identifier: MIT
// gputime/core/scoped_timer.hpp - time one region of code, from construction to destruction.
//
//   gputime::Stats stats;
//   { gputime::ScopedTimer timer(stats, clock); model.forward(x); }
//
// With a GPU clock the constructor and destructor each record one event and return at once:
// nothing in the timed code waits for the device, so the region costs what it costs without
// the timer. The sample reaches `stats` when `stats` is next read (see CudaEventClock).
// Any clock that meets the contract of gputime/core/clock_contract.hpp works; the GPU name of this timer,
// ScopedGpuTimer, lives with the GPU clock in gputime/cuda/event_clock.hpp.
#pragma once

#include <gputime/core/clock_contract.hpp>
#include <gputime/stats/stats.hpp>

namespace gputime {

template <class Clock>
class ScopedTimer {
    static_assert(detail::check_clock<Clock>());

public:
    ScopedTimer(Stats& into, Clock& clock) : clock_(clock), into_(into), started_(clock.mark()) {}
    ~ScopedTimer() { clock_.stop(started_, into_); }

    ScopedTimer(const ScopedTimer&) = delete;
    ScopedTimer& operator=(const ScopedTimer&) = delete;

private:
    Clock& clock_;
    Stats& into_;
    typename Clock::Mark started_;
};

}  // namespace gputime
