// SPDX-License-Identifier: MIT
// Gate mode (gputime/cuda/gate.hpp) on the simulated GPU, exactly: a gate holds the stream while the
// call is enqueued, so the events measure device execution only.
//
// Simulator defaults (docs/simulator.md): a launch costs the host 5 us (the gate kernel's
// launch too), every other CUDA call 1 us, a poll 1 us; timestamps are floored to 0.5 us; a gate
// release is free (a host store). With launch latency L = 5 us and a kernel of K = 100 us, a
// call on an idle stream measures K + L ungated and K gated.
#include "support/test_framework.hpp"
#include "support/test_helpers.hpp"

#include <gputime/core/error.hpp>
#include <gputime/core/scoped_timer.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/cuda/gate.hpp>
#include <gputime/measure/warmup_runner.hpp>
#include <gputime/report/gated_text.hpp>
#include <gputime/sim/gate_kernel.hpp>
#include <gputime/sim/runtime.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <type_traits>

using namespace std::chrono_literals;
using gputime::sim::Kernel;
using gputime::sim::Stream;
using SimClock = gputime::CudaEventClock<gputime::sim::Runtime>;
using Gated = gputime::GatedClock<SimClock, gputime::sim::Gate>;

namespace {
double us(double x) { return x * 1000.0; }
using gputime_test::contains;
const auto small_run = [](auto& runner) { runner.warmup(2).iterations(20); };
}  // namespace

TEST_CASE("gate: ungated measures K + L on an idle stream, gated measures K") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    gputime::sim::Gate gate(rt);
    const gputime::GatedTimes t = gputime::time_gated(
        clock, gate, [&] { rt.launch(Stream{}, Kernel::fixed("k", 100us)); }, small_run);

    REQUIRE(t.end_to_end.latency.count() == 20);
    REQUIRE(t.device.latency.count() == 20);
    CHECK(t.end_to_end.latency.p50().count() == us(105));  // 5 us launch latency + 100 us
    CHECK(t.end_to_end.latency.p99().count() == us(105));
    CHECK(t.device.latency.p50().count() == us(100));  // the kernel alone
    CHECK(t.device.latency.p99().count() == us(100));
    CHECK(t.device.latency.first_call().count() == us(100));
    CHECK(t.launch_overhead().count() == us(5));
    // The host's own time inside a call is the same either way: record 1 + launch 5 + record
    // 1 us; the gate's launch is the library's, not the caller's.
    CHECK(t.end_to_end.enqueue.p50().count() == us(7));
    CHECK(t.device.enqueue.p50().count() == us(7));
    CHECK(t.device.device_timed);
    CHECK(rt.gate_timeouts() == 0);
    CHECK_FALSE(rt.gate_held());
    // One gate per gated call: 22 calls of one launch, plus 22 gate launches.
    CHECK(rt.counters().launches == 22 + 2 * 22);
}

TEST_CASE("gate: host work inside the call is launch overhead to the events, not device time") {
    // An enqueue-bound call: 725 us of framework work, then a 20 us kernel.
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    gputime::sim::Gate gate(rt);
    const gputime::GatedTimes t = gputime::time_gated(
        clock, gate,
        [&] {
            rt.host_work(725us);
            rt.launch(Stream{}, Kernel::fixed("small", 20us));
        },
        small_run);
    CHECK(t.end_to_end.latency.p50().count() == us(750));  // 1 (record) ... 725 + 5 + 20 after the start event
    CHECK(t.device.latency.p50().count() == us(20));
    CHECK(t.launch_overhead().count() == us(730));
    const std::string table = gputime::to_text(t);
    INFO(table);
    CHECK(table ==
          "                      p50         p99        mean\n"
          "end to end       750.0 us    750.0 us    750.0 us   not gated: launch latency + device time\n"
          "device only      20.00 us    20.00 us    20.00 us   gated: the call enqueued before the device started it\n"
          "difference       730.0 us                           launch latency and host-side gaps between kernels\n");
}

TEST_CASE("gate: nested timers share one gate, the outermost stop releases it") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    gputime::sim::Gate gate(rt);
    Gated gated(clock, gate);
    gated.ungated_first(0);  // gate the first region too (its kernels load at no cost here)
    gputime::Stats outer;
    gputime::Stats inner;
    rt.host_work(10us);
    {
        // device count 1 + 10 us; hold 5 (the gate spins from 16); create + record: 18
        gputime::ScopedTimer<Gated> o(outer, gated);
        CHECK(rt.gate_held());
        rt.launch(Stream{}, Kernel::fixed("a", 100us));  // host 23, behind the gate
        {
            gputime::ScopedTimer<Gated> i(inner, gated);    // 25: no second gate
            rt.launch(Stream{}, Kernel::fixed("b", 50us));  // 30
        }                                                   // 32
        CHECK(rt.gate_held());
        CHECK(rt.event_timestamp(gputime::sim::Event{0}) == std::nullopt);  // behind the gate: not reached
    }  // 34, then the release at 34: a runs 34..134, b 134..184
    CHECK_FALSE(rt.gate_held());
    CHECK(gated.gated_regions() == 1);
    CHECK(rt.counters().launches == 3);
    CHECK(outer.first_call().count() == us(150));
    CHECK(inner.first_call().count() == us(50));
    CHECK(rt.stream_tail(Stream{}).count() == us(184));
}

TEST_CASE("gate: a call that waits for the device under the gate times out, and the run says so") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    gputime::sim::Gate gate(rt, 1ms);
    Gated gated(clock, gate);
    gated.ungated_first(0);
    auto runner = gputime::WarmupRunner(gated).warmup(0).iterations(5);
    const auto synchronising_call = [&] {
        rt.launch(Stream{}, Kernel::fixed("k", 100us));
        rt.stream_synchronize(Stream{});  // waits for the kernel, which waits for the gate
    };
    try {
        runner.run(synchronising_call);
        FAIL("no TimeoutError");
    } catch (const gputime::TimeoutError& e) {
        INFO(e.what());
        CHECK(contains(e.what(), "1 gate ended by the timeout (1.000 ms) instead of being released"));
        CHECK(contains(e.what(), "time such a call without the gate"));
    }
    CHECK(rt.gate_timeouts() == 1);  // the first call stopped the run
    CHECK_FALSE(rt.gate_held());
    // Device count 1, hold 5: the gate spins from 6 us; the start event (created and recorded:
    // 8) and the kernel (13) wait behind it. The synchronize waits until the gate times out at
    // 1006: start event 1006, kernel 1006..1106, host 1107. That sample would hold the host's
    // wait: the error takes its place.
    CHECK_FALSE(runner.result().latency.has_first_call());
    CHECK(runner.result().latency.count() == 0);
}

TEST_CASE("gate: a gate that ends by its timeout reaches the Stats' next read, in place of the spoilt sample") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    gputime::sim::Gate gate(rt, 1ms);
    Gated gated(clock, gate);
    gated.ungated_first(0);
    gputime::Stats stats;
    {
        gputime::ScopedTimer<Gated> timer(stats, gated);
        rt.launch(Stream{}, Kernel::fixed("k", 100us));
        rt.stream_synchronize(Stream{});  // waits for the kernel, which waits for the gate: 1 ms
    }
    CHECK(rt.gate_timeouts() == 1);
    try {
        (void)stats.count();
        FAIL("no TimeoutError at the Stats' read");
    } catch (const gputime::TimeoutError& e) {
        INFO(e.what());
        CHECK(contains(e.what(), "1 gate ended by the timeout (1.000 ms) instead of being released"));
    }
    CHECK(stats.count() == 0);           // reported once; nothing of that region was filed
    CHECK_NOTHROW(gated.synchronize());  // already reported: not again
    {
        gputime::ScopedTimer<Gated> timer(stats, gated);  // the next region is gated as usual
        rt.launch(Stream{}, Kernel::fixed("k", 100us));
    }
    REQUIRE(stats.calls() == 1);
    CHECK(stats.first_call().count() == us(100));
}

TEST_CASE("gate: a first call that loads its kernels runs ungated, instead of waiting out the gate's timeout") {
    // CUDA_MODULE_LOADING=LAZY: a kernel's first launch loads its module, and the load may
    // synchronise the context, which waits for every stream of the device: also for a gate.
    gputime::sim::Config config;
    config.lazy_load_synchronizes = true;
    config.lazy_load_cost = 1ms;
    gputime::sim::Runtime rt(config);
    SimClock clock(rt);
    gputime::sim::Gate gate(rt, 10ms);
    Gated gated(clock, gate);
    gputime::Stats stats;
    for (int call = 0; call < 3; ++call) {
        gputime::ScopedTimer<Gated> timer(stats, gated);
        rt.launch(Stream{}, Kernel::fixed("k", 100us));
    }
    CHECK(rt.gate_timeouts() == 0);
    CHECK(gated.gated_regions() == 2);
    REQUIRE(stats.calls() == 3);
    // Ungated: the start event, then the launch: 1 ms load + 5 us, then the 100 us kernel.
    CHECK(stats.first_call().count() == us(1105));
    CHECK(stats.samples()[0].count() == us(100));  // gated: the kernel alone
    CHECK(stats.samples()[1].count() == us(100));
    CHECK(rt.host_now() < std::chrono::nanoseconds(10ms));  // nobody waited for a timeout
}

TEST_CASE("gate: on a capturing stream no gate is launched, so none becomes a node of the user's graph") {
    gputime::sim::Runtime rt;
    const Stream s = rt.create_stream();
    SimClock clock(rt, s);
    gputime::sim::Gate gate(rt);
    Gated gated(clock, gate);
    gated.ungated_first(0);
    REQUIRE(rt.stream_begin_capture(s, gputime::cuda_status::capture_mode_global) == 0);
    REQUIRE(rt.launch(s, Kernel::fixed("k", 100us)) == 0);
    CHECK_THROWS_AS(gated.mark(), gputime::StreamCaptureError);  // the clock's refusal, as without a gate
    CHECK_FALSE(gated.held());
    gputime::sim::Graph graph;
    REQUIRE(rt.stream_end_capture(s, &graph) == 0);  // the capture is intact
    CHECK(rt.graph_node_count(graph) == 1);          // the user's kernel, no gate kernel
    CHECK(rt.counters().launches == 1);
    CHECK(gated.gated_regions() == 0);
}

TEST_CASE("gate: the gate is launched on the clock's device, whatever device is current") {
    gputime::sim::Config config;
    config.device_count = 2;
    gputime::sim::Runtime rt(config);
    REQUIRE(rt.set_device(1) == 0);
    const Stream s = rt.create_stream();  // a stream of device 1
    REQUIRE(rt.set_device(0) == 0);
    SimClock clock(rt, s);
    REQUIRE(clock.device() == 1);
    gputime::sim::Gate gate(rt);
    Gated gated(clock, gate);
    gated.ungated_first(0);
    gputime::Stats stats;
    {
        gputime::ScopedTimer<Gated> timer(stats, gated);  // device 0 is current: the gate goes to device 1
        REQUIRE(rt.set_device(1) == 0);
        REQUIRE(rt.launch(s, Kernel::fixed("k", 100us)) == 0);
        REQUIRE(rt.set_device(0) == 0);
    }
    CHECK(gated.gated_regions() == 1);
    CHECK(rt.current_device() == 0);  // left as it was
    REQUIRE(stats.calls() == 1);
    CHECK(stats.first_call().count() == us(100));  // gated: the kernel alone
}

TEST_CASE("gate: a launch queue full of work behind the gate blocks the host until the timeout") {
    gputime::sim::Config config;
    config.launch_queue_depth = 4;
    gputime::sim::Runtime rt(config);
    REQUIRE(rt.gate_hold(Stream{}, 2ms) == 0);  // host 5; gate spins from 5
    for (int i = 0; i < 4; ++i) REQUIRE(rt.launch(Stream{}, Kernel::fixed("k", 10us)) == 0);  // host 25
    CHECK(rt.gate_held());
    CHECK(rt.host_now().count() == us(25));
    REQUIRE(rt.launch(Stream{}, Kernel::fixed("k", 10us)) == 0);  // the fifth: the queue is full
    CHECK_FALSE(rt.gate_held());
    CHECK(rt.gate_timeouts() == 1);
    CHECK(rt.host_now().count() == us(2005));                  // the gate's timeout: 5 us + 2 ms
    CHECK(rt.stream_tail(Stream{}).count() == us(2005 + 50));  // the five kernels after it
}

TEST_CASE("gate: a failing hold marks nothing and holds nothing") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    gputime::sim::Gate gate(rt);
    Gated gated(clock, gate);
    gated.ungated_first(0);
    rt.inject(gputime::sim::CallFault{gputime::sim::Call::launch, gputime::sim::status::invalid_resource_handle});
    try {
        (void)gated.mark();
        FAIL("no CudaError");
    } catch (const gputime::CudaError& e) {
        CHECK(e.call() == "gate_hold");
        CHECK(e.code() == 400);
        CHECK(e.name() == "cudaErrorInvalidResourceHandle");
    }
    CHECK_FALSE(gated.held());
    CHECK_FALSE(rt.gate_held());
    CHECK(rt.counters().event_records == 0);
    // The next call works.
    gputime::Stats s;
    {
        gputime::ScopedTimer<Gated> timer(s, gated);
        rt.launch(Stream{}, Kernel::fixed("k", 100us));
    }
    CHECK(s.first_call().count() == us(100));
}

TEST_CASE("gate: a callable that throws releases the gate, the run keeps what it measured") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    gputime::sim::Gate gate(rt);
    Gated gated(clock, gate);
    auto runner = gputime::WarmupRunner(gated).warmup(1).iterations(10);
    CHECK_THROWS_AS(runner.run([&](std::size_t call) {
        if (call == 4) throw std::runtime_error("model failed");
        rt.launch(Stream{}, Kernel::fixed("k", 100us));
    }),
                    std::runtime_error);
    CHECK_FALSE(rt.gate_held());
    CHECK_FALSE(gated.held());
    CHECK(runner.result().latency.count() == 3);  // calls 1, 2, 3 (call 0 was the warm-up)
    CHECK(runner.result().latency.p50().count() == us(100));
}

TEST_CASE("gate: past the clock's max_pending the gate opens before the clock waits, instead of deadlocking") {
    // With max_pending(1), the outer stop would make the clock wait for the inner pair, which
    // is behind the gate: held, that wait would last until the gate's timeout.
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    clock.max_pending(1);
    gputime::sim::Gate gate(rt);
    Gated gated(clock, gate);
    gated.ungated_first(0);
    gputime::Stats outer;
    gputime::Stats inner;
    {
        gputime::ScopedTimer<Gated> o(outer, gated);     // hold: the gate spins from 6; start event 8
        rt.launch(Stream{}, Kernel::fixed("a", 100us));  // 13
        {
            gputime::ScopedTimer<Gated> i(inner, gated);    // 15
            rt.launch(Stream{}, Kernel::fixed("b", 50us));  // 20
        }                                                   // 22: one pair pending
    }  // a second pair would exceed max_pending: the gate opens at 22 first (a 22..122, b 122..172)
    CHECK(rt.gate_timeouts() == 0);
    CHECK(outer.first_call().count() == us(150));
    CHECK(inner.first_call().count() == us(50));
    CHECK(rt.host_now().count() >= us(172));  // the clock then waited for the inner pair, behind nothing

    // Calls one after the other never have a gated pair as the oldest: gated as usual.
    gputime::Stats s;
    for (int i = 0; i < 3; ++i) {
        gputime::ScopedTimer<Gated> timer(s, gated);
        rt.launch(Stream{}, Kernel::fixed("k", 100us));
    }
    gated.synchronize();
    CHECK(rt.gate_timeouts() == 0);
    REQUIRE(s.calls() == 3);
    CHECK(s.first_call().count() == us(100));
    CHECK(s.samples()[0].count() == us(100));
    CHECK(s.samples()[1].count() == us(100));
}

TEST_CASE("gate: throughput mode gates every call") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    gputime::sim::Gate gate(rt);
    const gputime::GatedTimes t = gputime::time_gated(
        clock, gate, [&] { rt.launch(Stream{}, Kernel::fixed("k", 100us)); },
        [](auto& runner) { runner.warmup(2).iterations(20).mode(gputime::RunMode::throughput); });
    CHECK(t.end_to_end.latency.p50().count() == us(100));  // back to back: the queue hides the latency
    CHECK(t.device.latency.p50().count() == us(100));
    CHECK(rt.gate_timeouts() == 0);
}

TEST_CASE("sim gate: the model, call by call") {
    gputime::sim::Runtime rt;
    const Stream side = rt.create_stream(gputime::cuda_status::stream_non_blocking);
    const Stream blocking = rt.create_stream();
    gputime::sim::Event start, stop, side_done;
    REQUIRE(rt.event_create(&start) == 0);      // host 1
    REQUIRE(rt.event_create(&stop) == 0);       // 2
    REQUIRE(rt.event_create(&side_done) == 0);  // 3

    SECTION("bad use is refused") {
        CHECK(rt.gate_release() == 1);                // nothing held
        CHECK(rt.gate_hold(Stream{}, 0ns) == 1);      // no timeout
        CHECK(rt.gate_hold(Stream{99}, 1ms) == 400);  // no such stream
        REQUIRE(rt.gate_hold(Stream{}, 1ms) == 0);
        CHECK(rt.gate_hold(side, 1ms) == 1);  // one at a time
        CHECK(rt.gate_release() == 0);
        CHECK(rt.counters().launches == 4);  // every hold is a launch, refused or not
        CHECK_THROWS_AS(gputime::sim::Gate(rt, 0ns), std::invalid_argument);
    }
    SECTION("events behind the gate are not reached; a non-blocking stream is not held") {
        REQUIRE(rt.gate_hold(Stream{}, 1ms) == 0);                     // host 8, gate from 8
        REQUIRE(rt.event_record(start, Stream{}) == 0);                // 9
        REQUIRE(rt.launch(Stream{}, Kernel::fixed("k", 100us)) == 0);  // 14
        REQUIRE(rt.launch(side, Kernel::fixed("s", 30us)) == 0);       // 19: runs 19..49 now
        REQUIRE(rt.event_record(stop, Stream{}) == 0);                 // 20
        CHECK(rt.event_query(start) == 600);                           // 21
        float ms = 0;
        CHECK(rt.event_elapsed_ms(&ms, start, stop) == 600);  // 22
        CHECK(rt.stream_tail(side).count() == us(49));
        CHECK(rt.host_now().count() == us(22));
        rt.host_work(78us);               // 100
        REQUIRE(rt.gate_release() == 0);  // the gate ends at 100
        CHECK(rt.event_timestamp(start)->count() == us(100));
        CHECK(rt.event_timestamp(stop)->count() == us(200));
        CHECK(rt.event_query(stop) == 600);                 // host 101 < 200
        CHECK(rt.event_synchronize(stop) == 0);             // host 201
        CHECK(rt.event_elapsed_ms(&ms, start, stop) == 0);  // 202
        CHECK(ms == 0.1f);
        CHECK(rt.gate_timeouts() == 0);
    }
    SECTION("the legacy stream waits for a gated blocking stream, and a waiting stream for its event") {
        REQUIRE(rt.gate_hold(blocking, 1ms) == 0);                         // host 8
        REQUIRE(rt.launch(Stream{}, Kernel::fixed("legacy", 10us)) == 0);  // 13: behind the gate (implicit sync)
        REQUIRE(rt.event_record(side_done, Stream{}) == 0);                // 14
        REQUIRE(rt.stream_wait_event(side, side_done) == 0);               // 15: side now waits too
        REQUIRE(rt.launch(side, Kernel::fixed("s", 10us)) == 0);           // 20
        rt.host_work(30us);                                                // 50
        REQUIRE(rt.gate_release() == 0);  // ends at 50: legacy 50..60, side_done 60, side 60..70
        CHECK(rt.stream_tail(Stream{}).count() == us(60));
        CHECK(rt.event_timestamp(side_done)->count() == us(60));
        CHECK(rt.stream_tail(side).count() == us(70));
    }
    SECTION("a gate queued behind work starts when the work ends; a late release ends it there") {
        REQUIRE(rt.launch(Stream{}, Kernel::fixed("long", 500us)) == 0);  // host 8, runs 8..508
        REQUIRE(rt.gate_hold(Stream{}, 1ms) == 0);                        // 13; the gate starts at 508
        REQUIRE(rt.launch(Stream{}, Kernel::fixed("k", 100us)) == 0);     // 18
        REQUIRE(rt.gate_release() == 0);  // at 18, before the gate started: it ends as it starts
        CHECK(rt.stream_tail(Stream{}).count() == us(608));
    }
    SECTION("the timeout ends a gate nobody releases; later calls see it ended") {
        REQUIRE(rt.gate_hold(Stream{}, 1ms) == 0);                     // host 8, gate 8..1008
        REQUIRE(rt.launch(Stream{}, Kernel::fixed("k", 100us)) == 0);  // 13
        rt.host_work(2ms);                                             // 2013
        CHECK(rt.event_query(start) == 0);  // a query settles it: ended at 1008 by its timeout
        CHECK_FALSE(rt.gate_held());
        CHECK(rt.gate_timeouts() == 1);
        CHECK(rt.stream_tail(Stream{}).count() == us(1108));
        CHECK(rt.gate_release() == 1);
    }
    SECTION("an event synchronize behind the gate waits for the timeout") {
        REQUIRE(rt.gate_hold(Stream{}, 1ms) == 0);      // 8
        REQUIRE(rt.event_record(stop, Stream{}) == 0);  // 9
        CHECK(rt.event_synchronize(stop) == 0);         // waits to 1008, + 1
        CHECK(rt.host_now().count() == us(1009));
        CHECK(rt.gate_timeouts() == 1);
        CHECK(rt.event_timestamp(stop)->count() == us(1008));
    }
    SECTION("a spinning gate keeps the clock up") {
        REQUIRE(rt.gate_hold(Stream{}, 1s) == 0);  // host 8
        rt.host_work(50ms);
        CHECK_FALSE(rt.clock_idle_at(rt.host_now()));
        REQUIRE(rt.gate_release() == 0);
        rt.host_work(2ms);  // > idle_threshold after the gate ended
        CHECK(rt.clock_idle_at(rt.host_now()));
    }
}

// The contract checks, at compile time.
static_assert(gputime::detail::is_gate_policy<gputime::sim::Gate, Stream>::value, "sim::Gate is a gate policy");
static_assert(!gputime::detail::is_gate_policy<int, Stream>::value, "an int is not");
static_assert(gputime::is_clock_v<Gated>, "a GatedClock is a clock");
static_assert(
    std::is_same<decltype(gputime::GatedClock(std::declval<SimClock&>(), std::declval<gputime::sim::Gate&>())),
                 Gated>::value,
    "class template argument deduction");
