// SPDX-License-Identifier: MIT
// JoinStreams (gputime/cuda/stream_join.hpp) on the simulated GPU: several side streams, an early join,
// errors at construction, in join() and in the destructor. The pitfall it fixes, naive vs joined,
// is in test_pitfalls.cpp. Simulator defaults: launch 5 us of host time, other calls 1 us.
#include "support/test_framework.hpp"

#include <gputime/core/error.hpp>
#include <gputime/core/scoped_timer.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/cuda/stream_join.hpp>
#include <gputime/sim/runtime.hpp>
#include <gputime/stats/stats.hpp>

#include <chrono>
#include <stdexcept>
#include <vector>

using namespace std::chrono_literals;
using gputime::JoinStreams;
using gputime::Stats;
using gputime::sim::Kernel;
using gputime::sim::Stream;
using SimClock = gputime::CudaEventClock<gputime::sim::Runtime>;

namespace {
double us(double x) { return x * 1000.0; }
}  // namespace

TEST_CASE("JoinStreams: the scope ends with the last of several side streams") {
    gputime::sim::Runtime rt;
    const Stream main = rt.create_stream();
    const Stream a = rt.create_stream();
    const Stream b = rt.create_stream();
    SimClock clock(rt, main);  // host 1 us
    clock.reserve(2, 1);       // host 4 us: the timer's pair, the join's ordering event
    Stats stats;
    {
        gputime::ScopedGpuTimer timer(stats, clock);  // start at 5
        const std::vector<Stream> sides{a, b};
        JoinStreams join(clock, sides);  // fork record 6, waits 7 and 8
        CHECK(join.side_stream_count() == 2);
        rt.launch(main, Kernel::fixed("m", 100us));  // host 13: 13..113
        rt.launch(a, Kernel::fixed("a", 200us));     // host 18: 18..218
        rt.launch(b, Kernel::fixed("b", 300us));     // host 23: 23..323
    }  // join: a (24, at 218) + wait (25), b (26, at 323) + wait (27); stop record 28, at 323
    CHECK(stats.first_call().count() == us(318));
    CHECK(rt.counters().stream_waits == 4);  // 2 to fork, 2 to join
    CHECK(rt.counters().event_creates == 3);
    CHECK(rt.host_now().count() >= us(323));  // reading waited for the device
}

TEST_CASE("JoinStreams: side work is ordered after the fork point") {
    // Work already queued on the side stream before the scope is not part of it, but work
    // launched inside the scope cannot start before the timer's start event.
    gputime::sim::Runtime rt;
    const Stream main = rt.create_stream();
    const Stream side = rt.create_stream();
    SimClock clock(rt, main);                        // host 1
    clock.reserve(2, 1);                             // host 4
    rt.launch(main, Kernel::fixed("before", 50us));  // host 9: main busy 9..59
    Stats stats;
    {
        gputime::ScopedGpuTimer timer(stats, clock);    // record 10: start at 59 (behind "before")
        JoinStreams join(clock, {side});                // fork record 11 (at 59), side waits 12
        rt.launch(side, Kernel::fixed("side", 100us));  // host 17: starts at 59, not 17: 59..159
    }                                                   // join record 18 (at 159), wait 19; stop record 20, at 159
    CHECK(rt.stream_tail(side).count() == us(159));
    CHECK(stats.first_call().count() == us(100));
}

TEST_CASE("JoinStreams::join() joins early, the destructor then does nothing") {
    gputime::sim::Runtime rt;
    const Stream main = rt.create_stream();
    const Stream side = rt.create_stream();
    SimClock clock(rt, main);  // host 1
    clock.reserve(2, 1);       // host 4
    Stats stats;
    {
        gputime::ScopedGpuTimer timer(stats, clock);     // start at 5
        JoinStreams join(clock, {side});                 // fork record 6, wait 7
        rt.launch(side, Kernel::fixed("first", 300us));  // host 12: 12..312
        join.join();                                     // record 13 (at 312), wait 14
        CHECK(join.joined());
        CHECK_NOTHROW(join.join());  // idempotent: no more calls
        CHECK(rt.counters().stream_waits == 2);
        rt.launch(side, Kernel::fixed("after", 1000us));  // host 19: 312..1312, after the join
    }  // stop record 20, at 312: the kernel launched after join() is not covered
    CHECK(stats.first_call().count() == us(307));
    CHECK(rt.counters().stream_waits == 2);
}

TEST_CASE("JoinStreams: bad input is refused at construction") {
    gputime::sim::Runtime rt;
    const Stream main = rt.create_stream();
    SimClock clock(rt, main);
    clock.reserve(0, 1);

    SECTION("an unknown side stream: CudaError from the fork, before any event is taken") {
        const auto records = rt.counters().event_records;
        try {
            JoinStreams join(clock, {Stream{99}});
            FAIL("expected CudaError");
        } catch (const gputime::CudaError& e) {
            CHECK(e.call() == "cudaStreamGetDevice");
            CHECK(e.code() == 400);
            CHECK(e.name() == "cudaErrorInvalidResourceHandle");
        }
        CHECK(rt.counters().event_records == records);
        { JoinStreams join(clock, {main}); }          // listing the clock's own stream is a harmless no-op
        CHECK(clock.ordering_events_created() == 0);  // the reserved event, given back
        CHECK(clock.events_created() == 0);
    }
    SECTION("more side streams than max_side_streams: InvalidArgument before any CUDA call") {
        const std::vector<Stream> nine(JoinStreams<gputime::sim::Runtime>::max_side_streams + 1, main);
        const auto records = rt.counters().event_records;
        CHECK_THROWS_AS(JoinStreams<gputime::sim::Runtime>(clock, nine), std::invalid_argument);
        try {
            JoinStreams<gputime::sim::Runtime> join(clock, nine);
            FAIL("expected gputime::InvalidArgument");
        } catch (const gputime::InvalidArgument& e) {
            CHECK(e.parameter() == "side");
            CHECK(e.where() == "JoinStreams");
        }
        CHECK(rt.counters().event_records == records);
        CHECK(clock.events_created() == 0);
        CHECK(clock.ordering_events_created() == 0);
    }
}

TEST_CASE("JoinStreams: a sticky error at the join never escapes the destructor, it surfaces at the next read") {
    gputime::sim::Runtime rt;
    const Stream main = rt.create_stream();
    const Stream side = rt.create_stream();
    SimClock clock(rt, main);
    Stats stats;
    {
        gputime::ScopedGpuTimer timer(stats, clock);
        rt.launch(main, Kernel::fixed("ok", 10us));
    }
    REQUIRE(stats.calls() == 1);

    SECTION("destructor: silent; the timer's stop hits the same error and parks it in the Stats") {
        // The join's event, whose record fails, is destroyed rather than pooled: keep one in the
        // pool so that the end mark gets as far as its record.
        clock.reserve(3);
        auto scope = [&] {
            gputime::ScopedGpuTimer timer(stats, clock);
            JoinStreams join(clock, {side});
            rt.launch(side, Kernel::fixed("bad", 10us).with_fault());
            rt.host_work(1ms);  // the faulty kernel has run: the context is poisoned (719)
        };
        CHECK_NOTHROW(scope());
        try {
            stats.count();
            FAIL("expected CudaError");
        } catch (const gputime::CudaError& e) {
            CHECK(e.code() == 719);
            CHECK(e.call() == "cudaEventRecord");  // the timer's end mark
        }
        CHECK(stats.calls() == 1);  // the sample from before the fault is still there
    }
    SECTION("join(): throws the join's own error") {
        auto scope = [&] {
            gputime::ScopedGpuTimer timer(stats, clock);
            JoinStreams join(clock, {side});
            rt.launch(side, Kernel::fixed("bad", 10us).with_fault());
            rt.host_work(1ms);
            try {
                join.join();
                FAIL("expected CudaError");
            } catch (const gputime::CudaError& e) {
                CHECK(e.code() == 719);
                CHECK(e.call() == "cudaEventRecord");  // recording the join event on the side stream
            }
            CHECK(join.joined());
        };
        CHECK_NOTHROW(scope());
        CHECK_THROWS_AS(stats.count(), gputime::CudaError);  // the timer's stop failed as well
    }
}
