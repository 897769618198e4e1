// SPDX-License-Identifier: MIT
// The pitfalls of naive inference timing, one test each: the naive measurement and
// the library's, side by side, on the simulated GPU with exact numbers. Each test fails if the
// library stops handling its pitfall (the break-it checks are listed in docs/testing.md).
//
// Simulator defaults (docs/simulator.md): a launch costs the host 5 us, every other CUDA call
// 1 us, a poll (yield) 1 us; event timestamps are floored to 0.5 us. All times below are whole
// microseconds and every elapsed time is below 8 ms or a whole number of ms, so the float
// milliseconds of cudaEventElapsedTime convert back to exact nanoseconds.
#include "support/test_framework.hpp"

#include <gputime/core/scoped_timer.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/cuda/stream_join.hpp>
#include <gputime/measure/warmup_runner.hpp>
#include <gputime/report/text.hpp>
#include <gputime/sim/runtime.hpp>

#include <chrono>
#include <cstddef>
#include <sstream>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using gputime::Duration;
using gputime::RunResult;
using gputime::Stats;
using gputime::WarmupRunner;
using gputime::sim::Kernel;
using gputime::sim::Stream;
using SimClock = gputime::CudaEventClock<gputime::sim::Runtime>;

namespace {

double us(double x) { return x * 1000.0; }  // expected values read in microseconds
double ms(double x) { return x * 1e6; }

bool has_hint(const RunResult& r, const std::string& prefix) {
    for (const std::string& h : gputime::hints(r))
        if (h.compare(0, prefix.size(), prefix) == 0) return true;
    return false;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// time.time() around model(x) measures the launch, not the GPU work, because
// kernel launches are asynchronous. Events on the stream measure the device.
TEST_CASE("pitfall 1: a host clock around asynchronous work sees only the launch cost") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);  // cudaGetDeviceCount: host 1 us
    clock.reserve(2);    // two events up front: host 3 us
    const Stream stream{};
    // A ResNet-50-like forward pass: 5 layers of 1 ms each, 5 ms of device work.
    auto model = [&] {
        for (int layer = 0; layer < 5; ++layer) rt.launch(stream, Kernel::fixed("layer", 1ms));
    };
    REQUIRE(rt.host_now().count() == us(3));

    // Naive: host time around the call, no synchronisation.
    const auto host_before = rt.host_now();
    model();  // 5 launches: host 3 -> 28 us; kernels 8..1008, ..., 4008..5008 us
    const auto naive = rt.host_now() - host_before;
    CHECK(naive.count() == us(25));                     // 5 launch costs: 200x less than the real work
    CHECK(rt.stream_tail(stream).count() == us(5008));  // the GPU is still busy for 4.98 ms after "done"

    rt.stream_synchronize(stream);  // host 5009 us: the device is idle again

    // The library: events in stream order, resolved when the Stats is read.
    Stats stats;
    {
        gputime::ScopedGpuTimer timer(stats, clock);  // record: host 5010, start event at 5010
        model();                                      // host 5035; kernels 5015..10015 us
    }                                                 // record: host 5036, stop event at 10015
    CHECK(rt.host_now().count() == us(5036));         // the scope itself did not wait
    // 5 ms of kernels + the first launch's 5 us (the stream was idle when the timer started).
    CHECK(stats.first_call().count() == us(5005));
    CHECK(rt.counters().event_synchronizes == 0);  // resolved by polling, after the scope
    CHECK(rt.counters().event_creates == 2);       // the reserved pool was enough
}

// ---------------------------------------------------------------------------------------------
// Lazy set-up: the first call pays one-time costs (lazy module loading, JIT, session
// preparation): 6 s against 500 ms in a TensorFlow C API report. Averaging it in makes the mean several times
// too high; WarmupRunner keeps it apart and reports it as first-call overhead.
TEST_CASE("pitfall 2: the first call carries the lazy-load cost") {
    gputime::sim::Config config;
    config.lazy_load_cost = 40ms;  // the first launch of "resnet" loads its module: host blocked 40 ms
    const Kernel resnet = Kernel::fixed("resnet", 995us);
    // Every call: 5 us launch latency (idle stream, latency mode) + 995 us = 1 ms of device time.
    // The first call: + 40 ms of lazy loading, during which the GPU waits for the launch = 41 ms.

    SECTION("naive: the mean of the first 10 calls is 5 times the steady latency") {
        gputime::sim::Runtime rt(config);
        SimClock clock(rt);
        std::vector<Duration> calls;
        for (int i = 0; i < 10; ++i) {
            const auto start = clock.mark();
            rt.launch(Stream{}, resnet);
            const auto stop = clock.mark();
            calls.push_back(clock.elapsed(start, stop));  // waits: one call at a time
            clock.release(start);
            clock.release(stop);
        }
        CHECK(calls.front().count() == ms(41));
        CHECK(calls.back().count() == ms(1));
        Duration total{0};
        for (const Duration d : calls) total += d;
        const Duration naive_mean = total / 10.0;
        CHECK(naive_mean.count() == ms(5));  // (41 + 9 * 1) / 10 = 5 ms: 5x the real 1 ms
    }

    SECTION("WarmupRunner: first-call overhead 40 ms, p50 = p99 = 1 ms") {
        gputime::sim::Runtime rt(config);
        SimClock clock(rt);
        const RunResult r = WarmupRunner(clock).warmup(10).iterations(100).run([&] { rt.launch(Stream{}, resnet); });
        CHECK(r.first_call().count() == ms(41));
        CHECK(r.first_call_overhead().count() == ms(40));  // 41 ms - p50 1 ms: exactly the lazy load
        CHECK(r.latency.count() == 100);
        CHECK(r.latency.p50().count() == ms(1));
        CHECK(r.latency.p99().count() == ms(1));  // the 41 ms call is not in the tail
        CHECK(r.latency.mean().count() == ms(1));
        // The warm-up is kept, not thrown away: the transient is there to be reported.
        REQUIRE(r.warmup.size() == 10);
        CHECK(r.warmup[0].count() == ms(41));
        CHECK(r.warmup[1].count() == ms(1));
        CHECK(r.warmup_total().count() == ms(50));  // the naive loop's 10 calls: mean 5 ms
        // The model T(N) = first + (N - 1) * steady, exact here: 41 + 109 * 1 = 150 ms.
        CHECK(r.predicted_total(110).count() == ms(150));
        CHECK(r.measured_total(110).count() == ms(150));
    }

    SECTION("without warm-up calls the first measured call is still kept out of p50/p99") {
        gputime::sim::Runtime rt(config);
        SimClock clock(rt);
        const RunResult r = WarmupRunner(clock).warmup(0).iterations(10).run([&] { rt.launch(Stream{}, resnet); });
        CHECK(r.first_call().count() == ms(41));
        CHECK(r.latency.count() == 9);
        CHECK(r.latency.p99().count() == ms(1));  // p99 of 9 samples is their maximum: 1 ms
        CHECK(r.latency.mean().count() == ms(1));
        CHECK(r.measured_total(10).count() == ms(50));  // what a naive mean divides by 10
    }
}

// ---------------------------------------------------------------------------------------------
// a dummy input fed in a tight loop runs ~2x faster than real inputs loaded between
// inferences, because the GPU lowers its clock in the idle gaps. ClockModel defaults: 1980 MHz
// busy, 660 MHz after more than 1 ms idle, linear ramp back to 1980 MHz over 2 ms.
// A kernel of 990 000 cycles (a clock64() spin) therefore takes
//   at full clock:    990 000 / 1.98 cycles/ns                        = 500 us;
//   after a wake-up:  0.66 d + (1.32 / 2e6) d^2 / 2 = 990 000 cycles  ->  d = 1 000 000 ns = 1 ms
//                     (the clock climbs from 660 to 1320 MHz during it: 990 MHz on average).
TEST_CASE("pitfall 3: calls after idle gaps run slower than back-to-back calls") {
    gputime::sim::Config config;
    config.clock.enabled = true;
    const Kernel net = Kernel::cycles("net", 990000);

    // Naive: the benchmark loop calls the model back to back on a dummy input.
    gputime::sim::Runtime tight_rt(config);
    SimClock tight_clock(tight_rt);
    const RunResult tight =
        WarmupRunner(tight_clock).warmup(3).iterations(20).run([&] { tight_rt.launch(Stream{}, net); });
    // The device never idles more than a few us: full clock. 5 us launch latency + 500 us.
    CHECK(tight.latency.p50().count() == us(505));
    CHECK(tight.latency.max().count() == us(505));
    CHECK(tight_rt.clock_mhz_at(tight_rt.stream_tail(Stream{})) == 1980.0);

    // The library: reproduce the service, where the next input arrives 5 ms after the last answer.
    gputime::sim::Runtime gap_rt(config);
    SimClock gap_clock(gap_rt);
    const RunResult gapped =
        WarmupRunner(gap_clock).warmup(3).iterations(20).idle_gap(5ms).run([&] { gap_rt.launch(Stream{}, net); });
    // Every call wakes the device: 5 us launch latency + 1 ms at the ramping clock.
    CHECK(gapped.latency.p50().count() == us(1005));
    CHECK(gapped.latency.min().count() == us(1005));
    CHECK(gapped.latency.max().count() == us(1005));
    // The gap is not part of the measured call: the wall time covers 20 gaps, the latency none.
    CHECK(gapped.wall.count() >= ms(20 * 5));
    // Telemetry: at the end of the last kernel the clock is halfway up the ramp (1 ms of 2 ms).
    const auto last_end = gap_rt.stream_tail(Stream{});
    CHECK(gap_rt.clock_mhz_at(last_end) == 1320.0);
    CHECK(gap_rt.clock_mhz_at(last_end - 1ms) == 660.0);  // its start: woken at the idle clock

    // 1005 / 505 = 1.99: the "about 2x" seen on real GPUs.
    CHECK(gapped.latency.p50().count() / tight.latency.p50().count() == gputime_test::Approx(1005.0 / 505.0));

    SECTION("a gap shorter than the idle threshold keeps the clock up") {
        gputime::sim::Runtime rt(config);
        SimClock clock(rt);
        const RunResult r =
            WarmupRunner(clock).warmup(3).iterations(20).idle_gap(500us).run([&] { rt.launch(Stream{}, net); });
        CHECK(r.latency.p50().count() == us(505));
        CHECK(r.latency.max().count() == us(505));
    }
}

// ---------------------------------------------------------------------------------------------
// Keras predict() is up to 30x slower than a direct call on tiny models, because
// per-call framework overhead (building the graph) dominates; on large models the two converge.
// The library reports host enqueue time next to device time and says "enqueue-bound".
TEST_CASE("pitfall 4: a tiny kernel behind a large per-call host overhead is enqueue-bound") {
    // predict(): 725 us of host work per call (graph building) before the launch.
    // direct():  the launch alone.
    auto run = [](std::chrono::microseconds kernel, std::chrono::microseconds host_overhead) {
        gputime::sim::Runtime rt;
        SimClock clock(rt);
        const Kernel k = Kernel::fixed("model", kernel);
        return WarmupRunner(clock).warmup(2).iterations(100).run([&] {
            rt.host_work(host_overhead);
            rt.launch(Stream{}, k);
        });
    };
    // One call, from host time T at its start:
    //   start event: record, host T+1, reached at T+1 (the stream is idle in latency mode);
    //   host_work: T+1+h;  launch: T+6+h, the kernel runs [T+6+h, T+6+h+k];
    //   stop event: record, host T+7+h, reached at max(T+7+h, T+6+h+k).
    // device time = max(6+h, 5+h+k);  enqueue (host time inside the call) = 7+h.

    SECTION("tiny model (20 us): predict() is 30x slower, and enqueue-bound") {
        const RunResult predict = run(20us, 725us);
        const RunResult direct = run(20us, 0us);
        CHECK(predict.latency.p50().count() == us(750));  // 5 + 725 + 20
        CHECK(predict.enqueue.p50().count() == us(732));  // 7 + 725
        CHECK(direct.latency.p50().count() == us(25));    // 5 + 20: what the GPU needs
        CHECK(direct.enqueue.p50().count() == us(7));
        CHECK(predict.latency.p50().count() / direct.latency.p50().count() == 30.0);
        // Naive reading of predict(): "the model takes 750 us on the GPU". The library says why:
        // enqueue 732 us > 0.8 x 750 us (trtexec's threshold): the host sets the pace.
        CHECK(has_hint(predict, "enqueue-bound"));
        CHECK_FALSE(has_hint(direct, "enqueue-bound"));  // 7 us to issue 25 us of work
        std::ostringstream report;
        report << predict;
        CHECK(report.str().find("hint: enqueue-bound: the host needs 732.0 us to issue a call that runs 750.0 us") !=
              std::string::npos);
    }

    SECTION("large model (2 ms): the two converge, and the hint stays quiet") {
        const RunResult predict = run(2000us, 725us);
        const RunResult direct = run(2000us, 0us);
        CHECK(predict.latency.p50().count() == us(2730));  // 5 + 725 + 2000
        CHECK(predict.enqueue.p50().count() == us(732));
        CHECK(direct.latency.p50().count() == us(2005));
        CHECK(direct.enqueue.p50().count() == us(7));
        CHECK_FALSE(has_hint(predict, "enqueue-bound"));  // 732 us < 0.8 x 2730 us
        CHECK_FALSE(has_hint(direct, "enqueue-bound"));
    }
}

// ---------------------------------------------------------------------------------------------
// Events recorded on one stream complete when THAT stream reaches them: a timer on the main
// stream does not wait for work launched on a side stream inside its scope. JoinStreams
// (gputime/cuda/stream_join.hpp) forks the side streams from the timer's start and joins them back
// before its end.
TEST_CASE("pitfall 5: events on one stream do not cover work on another, JoinStreams does") {
    gputime::sim::Runtime rt;
    const Stream main = rt.create_stream();  // id 1 (creating streams costs no host time)
    const Stream side = rt.create_stream();  // id 2
    SimClock clock(rt, main);                // host 1 us
    clock.reserve(2, 1);                     // host 4 us: timer pair + the join's ordering event
    REQUIRE(rt.host_now().count() == us(4));

    SECTION("naive: the scope measures only the main stream's 100 us kernel") {
        Stats stats;
        {
            gputime::ScopedGpuTimer timer(stats, clock);      // record: host 5, start at 5
            rt.launch(main, Kernel::fixed("main_k", 100us));  // host 10; runs 10..110
            rt.launch(side, Kernel::fixed("side_k", 300us));  // host 15; runs 15..315
        }                                                     // record: host 16, stop at 110
        CHECK(stats.first_call().count() == us(105));
        CHECK(rt.stream_tail(side).count() == us(315));  // the side kernel runs 205 us past the "end"
    }

    SECTION("JoinStreams: the scope ends when the side stream's 300 us kernel ends") {
        Stats stats;
        {
            gputime::ScopedGpuTimer timer(stats, clock);      // record: host 5, start at 5
            gputime::JoinStreams join(clock, {side});         // fork: record on main (host 6,
                                                              // at 6), side waits (host 7)
            rt.launch(main, Kernel::fixed("main_k", 100us));  // host 12; runs 12..112
            rt.launch(side, Kernel::fixed("side_k", 300us));  // host 17; runs 17..317
        }  // join: record on side (host 18, reached at 317), main waits (host 19): main tail 317;
           // then the timer: record (host 20), stop at 317
        CHECK(stats.first_call().count() == us(312));  // 317 - 5: exactly through the side kernel
        CHECK(rt.stream_tail(side).count() == us(317));
        CHECK(rt.counters().stream_waits == 2);
        CHECK(rt.counters().event_creates == 3);  // the join borrowed a reserved event
    }

    SECTION("in a loop: every call covers the side stream, and no event is created after the first call") {
        // Steady call from host T: start T+1; fork record T+2, side waits T+3; main kernel
        // T+8..T+108; side kernel T+13..T+313; join record T+14 (at T+313), wait T+15; stop at T+313.
        const RunResult joined = WarmupRunner(clock).warmup(2).iterations(20).run([&] {
            gputime::JoinStreams join(clock, {side});
            rt.launch(main, Kernel::fixed("main_k", 100us));
            rt.launch(side, Kernel::fixed("side_k", 300us));
        });
        CHECK(joined.latency.p50().count() == us(312));
        CHECK(joined.latency.min().count() == us(312));
        CHECK(joined.latency.max().count() == us(312));
        CHECK(joined.enqueue.p50().count() == us(16));
        // The reserved ones, and one more timer pair (latency mode resolves a call's pair while
        // the next call runs): the steady state creates none.
        CHECK(rt.counters().event_creates == 5);

        // The same loop without the join: 105 us per call, and the side stream falls behind.
        const RunResult naive = WarmupRunner(clock).warmup(2).iterations(20).run([&] {
            rt.launch(main, Kernel::fixed("main_k", 100us));
            rt.launch(side, Kernel::fixed("side_k", 300us));
        });
        CHECK(naive.latency.p50().count() == us(105));
        CHECK(naive.latency.max().count() == us(105));
        // 22 side kernels (6.6 ms of work) were queued by a loop that took about 22 x 110 us:
        // when the runner returns, milliseconds of side work are still running.
        CHECK((rt.stream_tail(side) - rt.host_now()).count() > ms(3));
    }
}
