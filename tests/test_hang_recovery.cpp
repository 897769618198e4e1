// SPDX-License-Identifier: MIT
// A timeout is not forever: after a TimeoutError the clock fails fast only while the stream has
// not passed the point where the wait gave up; once it has (the kernel was only slow), it
// measures again. Simulator costs: launch 5 us of host time, every other CUDA call 1 us.
#include "support/test_framework.hpp"

#include <gputime/core/error.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/sim/runtime.hpp>
#include <gputime/stats/stats.hpp>

#include <chrono>
#include <iostream>
#include <sstream>
#include <string>

using namespace std::chrono_literals;
using gputime::Stats;
using gputime::sim::Kernel;
using gputime::sim::Stream;
using SimClock = gputime::CudaEventClock<gputime::sim::Runtime>;

namespace {
double us_of(std::chrono::nanoseconds d) { return static_cast<double>(d.count()) / 1e3; }
double us_of(gputime::Duration d) { return d.count() / 1e3; }

void scope(Stats& into, SimClock& clock, gputime::sim::Runtime& rt, const Kernel& kernel) {
    gputime::ScopedGpuTimer timer(into, clock);
    rt.launch(Stream{}, kernel);
}

// The TimeoutError of a read, and the host time the read took.
struct Failure {
    bool timeout = false;
    std::string what;
    std::chrono::nanoseconds took{};
};
Failure read_failure(const Stats& s, gputime::sim::Runtime& rt) {
    Failure f;
    const auto from = rt.host_now();
    try {
        s.count();
    } catch (const gputime::TimeoutError& e) {
        f.timeout = true;
        f.what = e.what();
    }
    f.took = rt.host_now() - from;
    return f;
}
}  // namespace

TEST_CASE(
    "hang recovery: a slow kernel read with too short a timeout throws, and 20 ms later the clock measures again") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    clock.resolve_timeout(2ms);
    Stats slow;
    scope(slow, clock, rt, Kernel::fixed("compile_and_run", 10ms));  // host 10 us; kernel 8 us..10.008 ms
    const Failure first = read_failure(slow, rt);
    CHECK(first.timeout);
    CHECK(first.took >= 2ms);  // it waited the timeout, as it should
    CHECK(first.took <= 2ms + 300us);
    CHECK(clock.hung());
    const auto thrown_at = rt.host_now();

    rt.host_work(20ms);  // the kernel ended long ago (at 10.008 ms)
    Stats later;
    for (int i = 0; i < 3; ++i) scope(later, clock, rt, Kernel::fixed("k", 100us));
    const auto read_from = rt.host_now();
    CHECK_NOTHROW(later.count());
    CHECK_FALSE(clock.hung());
    REQUIRE(later.calls() == 3);
    // The first found the stream idle: launch latency 5 us + 100 us; the next two queued behind
    // it: exactly their 100 us.
    CHECK(later.first_call().count() == 105e3);
    CHECK(later.min().count() == 100e3);
    CHECK(later.max().count() == 100e3);
    CHECK(rt.host_now() - read_from <= 400us);  // the read waited for the 300 us of work only
    std::ostringstream numbers;
    numbers << "hang recovery (simulator): a 10 ms kernel read with resolve_timeout(2 ms) threw TimeoutError after "
            << us_of(first.took) << " us; after the host idled 20 ms, three 100 us scopes (read "
            << us_of(rt.host_now() - thrown_at) / 1e3 << " ms after the throw) measured " << us_of(later.first_call())
            << ", " << us_of(later.samples()[0]) << " and " << us_of(later.samples()[1])
            << " us (the first on an idle stream: 5 us of launch latency)";
    WARN(numbers.str().c_str());
    std::cout << numbers.str() << "\n";
}

TEST_CASE("hang recovery: while the stream has not passed the timed-out point, every wait fails at once") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    clock.resolve_timeout(2ms);
    Stats slow;
    scope(slow, clock, rt, Kernel::fixed("slow", 10ms));
    CHECK(read_failure(slow, rt).timeout);  // at ~2 ms: the kernel runs until 10.008 ms

    Stats meanwhile;
    rt.host_work(3ms);  // ~5 ms: the slow kernel still runs
    scope(meanwhile, clock, rt, Kernel::fixed("k", 100us));
    const Failure fast = read_failure(meanwhile, rt);
    CHECK(fast.timeout);
    CHECK(fast.took <= 5us);  // a query or two, not the 2 ms timeout
    CHECK(fast.what.find("already hung") != std::string::npos);
    CHECK(clock.hung());
    std::ostringstream numbers;
    numbers << "hang recovery (simulator): 3 ms after the timeout, with the 10 ms kernel still running, a read failed "
            << "fast in " << us_of(fast.took) << " us";
    WARN(numbers.str().c_str());

    rt.host_work(10ms);  // past the slow kernel and the scope queued behind it
    Stats after;
    scope(after, clock, rt, Kernel::fixed("k", 100us));
    CHECK_NOTHROW(after.count());
    CHECK(after.first_call().count() == 105e3);
}

TEST_CASE("hang recovery: a stream that really hangs keeps failing fast, however long one waits") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    clock.resolve_timeout(2ms);
    Stats hung;
    scope(hung, clock, rt, Kernel::hang("stuck"));
    CHECK(read_failure(hung, rt).timeout);
    for (int round = 0; round < 5; ++round) {
        rt.host_work(1s);
        Stats s;
        scope(s, clock, rt, Kernel::fixed("k", 100us));
        const Failure f = read_failure(s, rt);
        CHECK(f.timeout);
        CHECK(f.took <= 5us);
        CHECK(f.what.find("already hung") != std::string::npos);
        CHECK(clock.hung());
    }
    CHECK_NOTHROW(clock.synchronize());  // nothing left pending: every pair failed and was reported
}

TEST_CASE("hang recovery: recovery also after a timeout of a plain accumulator's scope end") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    clock.resolve_timeout(1ms);
    struct Total {
        void add(gputime::Duration d) { sum += d; }
        gputime::Duration sum{};
    } total;
    {
        gputime::ScopedGpuTimer timer(total, clock);
        rt.launch(Stream{}, Kernel::fixed("slow", 5ms));
    }  // waits 1 ms, then parks the TimeoutError
    CHECK_THROWS_AS(clock.synchronize(), gputime::TimeoutError);
    rt.host_work(10ms);
    {
        gputime::ScopedGpuTimer timer(total, clock);
        rt.launch(Stream{}, Kernel::fixed("k", 200us));
    }
    CHECK(total.sum.count() == 205e3);
    CHECK_NOTHROW(clock.synchronize());
}
