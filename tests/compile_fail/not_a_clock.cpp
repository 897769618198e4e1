// SPDX-License-Identifier: MIT
// Must NOT compile: a clock whose stop() may throw. The clock contract's static_assert must say
// so in words (checked by the ctest compile_fail.not_a_clock).
#include <gputime/core/scoped_timer.hpp>
#include <gputime/stats/stats.hpp>

struct ThrowingStopClock {
    using Mark = int;
    static constexpr bool measures_device = false;
    Mark mark() { return 0; }
    void stop(const Mark&, gputime::Stats&) {}  // not noexcept: timers call it from destructors
    gputime::Duration elapsed(const Mark&, const Mark&) { return {}; }
    void release(const Mark&) noexcept {}
    void synchronize() {}
    std::chrono::nanoseconds host_now() { return {}; }
    void idle_for(std::chrono::nanoseconds) {}
};

int main() {
    ThrowingStopClock clock;
    gputime::Stats stats;
    gputime::ScopedTimer<ThrowingStopClock> timer(stats, clock);
}
