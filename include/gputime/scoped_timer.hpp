// gputime/scoped_timer.hpp - time one region of code, from construction to destruction.
//
//   gputime::Stats stats;
//   { gputime::ScopedTimer timer(stats, clock); model.forward(x); }
//
// With a GPU clock the constructor and destructor each record one event and return at once:
// nothing in the timed code waits for the device, so the region costs what it costs without
// the timer. The sample reaches `stats` when `stats` is next read (see CudaEventClock).
#pragma once

#include <gputime/cuda_event_clock.hpp>
#include <gputime/stats.hpp>

namespace gputime {

template <class Clock>
class ScopedTimer {
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

/// The GPU timer: a ScopedTimer on a CudaEventClock, whichever CUDA runtime the clock uses
/// (the real one, or gputime::sim::Runtime in tests).
///   gputime::GpuClock clock(stream);
///   { gputime::ScopedGpuTimer timer(stats, clock); launch_kernels(stream); }
template <class Runtime>
class ScopedGpuTimer : public ScopedTimer<CudaEventClock<Runtime>> {
public:
    using ScopedTimer<CudaEventClock<Runtime>>::ScopedTimer;
};

template <class Runtime>
ScopedGpuTimer(Stats&, CudaEventClock<Runtime>&) -> ScopedGpuTimer<Runtime>;

}  // namespace gputime
