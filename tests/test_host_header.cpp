// SPDX-License-Identifier: MIT
// gputime/host.hpp on its own is enough for a program that times host code: a scoped timer,
// Stats, the warm-up runner and its untimed work between calls, and the text report. This file
// includes no other gputime header (the scripted clock of the tests includes only Stats).
#include <gputime/host.hpp>

#include "support/scripted_clock.hpp"
#include "support/test_framework.hpp"

#include <chrono>
#include <cstddef>
#include <sstream>
#include <string>
#include <vector>

TEST_CASE("host.hpp: scoped timers, Stats, the warm-up runner and the text report from one include") {
    gputime_test::ScriptedClock clock({9000, 1500, 1100, 1000, 1040, 980, 1020, 1000, 250});
    std::vector<std::size_t> between;
    const gputime::RunResult r = gputime::WarmupRunner(clock)
                                     .warmup(3)
                                     .iterations(5)
                                     .name("net")
                                     .between_calls([&](std::size_t call) { between.push_back(call); })
                                     .run([] {});
    CHECK(r.first_call().count() == 9000.0);
    CHECK(r.latency.count() == 5);
    CHECK(r.latency.p50().count() == 1000.0);
    CHECK(r.latency.mean().count() == 1008.0);
    CHECK(between == std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6, 7});

    std::ostringstream run_text, stats_text;
    run_text << r;
    stats_text << r.latency;
    CHECK(run_text.str().rfind("gputime: net  (host time", 0) == 0);
    CHECK(run_text.str().find("p50 1.000 us   p90 1.040 us") != std::string::npos);
    CHECK(run_text.str().find(stats_text.str()) != std::string::npos);  // the run's text holds its Stats'

    gputime::Stats one;
    { gputime::ScopedTimer timer(one, clock); }
    CHECK(one.first_call().count() == 250.0);
}

static_assert(gputime::is_clock_v<gputime::HostClock>, "host.hpp brings the host clock");

TEST_CASE("HostClock::idle_for sleeps at least the gap, and not at all for a gap <= 0") {
    // A lower bound is all a sleep promises; nothing here depends on how busy the machine is.
    const gputime::HostClock clock;
    const gputime::HostClock::Mark before = clock.mark();
    clock.idle_for(std::chrono::milliseconds(2));
    CHECK(clock.elapsed(before, clock.mark()).count() >= 2e6);
    clock.idle_for(std::chrono::nanoseconds(-1));  // returns: a negative gap is no gap
    clock.idle_for(std::chrono::nanoseconds(0));
}
