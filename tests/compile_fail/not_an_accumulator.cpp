// SPDX-License-Identifier: MIT
// Must NOT compile: a timer whose target has no add(Duration). The accumulator contract's
// static_assert must say so in words (checked by the ctest compile_fail.not_an_accumulator).
#include <gputime/core/host_clock.hpp>
#include <gputime/core/scoped_timer.hpp>

#include <vector>

int main() {
    gputime::HostClock clock;
    std::vector<gputime::Duration> samples;  // push_back, not add
    gputime::ScopedTimer timer(samples, clock);
}
