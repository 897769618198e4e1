// SPDX-License-Identifier: MIT
// Hints about device-timed runs (gputime/report/text.hpp) on the simulated GPU: samples near the
// event resolution, and a host blocked by a full launch queue, which is not an enqueue-bound host.
// Simulator defaults: a launch costs the host 5 us, other calls 1 us; timestamps are floored to
// 0.5 us (cudaEventElapsedTime's resolution).
#include "support/test_framework.hpp"
#include "support/test_helpers.hpp"

#include <gputime/cuda/event_clock.hpp>
#include <gputime/measure/warmup_runner.hpp>
#include <gputime/report/text.hpp>
#include <gputime/sim/runtime.hpp>

#include <chrono>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using gputime::sim::Kernel;
using gputime::sim::Stream;
using SimClock = gputime::CudaEventClock<gputime::sim::Runtime>;

namespace {
double us(double x) { return x * 1000.0; }
using gputime_test::contains;
bool has_hint(const gputime::RunResult& r, const std::string& text) {
    for (const std::string& h : gputime::hints(r))
        if (contains(h, text)) return true;
    return false;
}
}  // namespace

TEST_CASE("hints: device samples under 10 event ticks say so, and what to do") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    // A 50 us kernel queued before each call keeps the device busy while the call is issued: the
    // start event is reached when it ends, and the sample is the call's kernel alone.
    const auto run = [&](std::chrono::nanoseconds kernel) {
        return gputime::WarmupRunner(clock)
            .warmup(2)
            .iterations(100)
            .between_calls([&](std::size_t) { rt.launch(Stream{}, Kernel::fixed("ahead", 50us)); })
            .run([&] { rt.launch(Stream{}, Kernel::fixed("k", kernel)); });
    };
    const gputime::RunResult tiny = run(2us);     // 4 ticks
    const gputime::RunResult edge = run(4500ns);  // 9 ticks
    const gputime::RunResult fine = run(5us);     // 10 ticks
    CHECK(tiny.latency.p50().count() == us(2));
    CHECK(has_hint(tiny, "near the event resolution: a p50 of 2.000 us is under 10 ticks"));
    CHECK(has_hint(tiny, "time several calls per sample"));
    CHECK(has_hint(tiny, "CUDA graph"));
    CHECK(has_hint(edge, "near the event resolution"));
    CHECK_FALSE(has_hint(fine, "near the event resolution"));
}

TEST_CASE("hints: a full launch queue in throughput mode is the device's pace, not an enqueue-bound host") {
    // 100 us kernels issued back to back: the host needs 7 us per call, so the queue fills and each
    // launch then waits ~100 us for room. Enqueue time follows device time, as for a slow host.
    gputime::sim::Config config;
    config.launch_queue_depth = 16;  // a real queue holds ~1000; the same, sooner
    gputime::sim::Runtime rt(config);
    SimClock clock(rt);
    const gputime::RunResult r =
        gputime::WarmupRunner(clock).warmup(2).iterations(200).mode(gputime::RunMode::throughput).run([&] {
            rt.launch(Stream{}, Kernel::fixed("k", 100us));
        });
    REQUIRE(rt.counters().launch_queue_waits > 150);  // the simulator's truth: the host was blocked
    CHECK(r.latency.p50().count() == us(100));
    CHECK(r.enqueue.samples().front().count() == us(7));  // into the empty queue
    CHECK(r.enqueue.p50().count() > 0.8 * us(100));       // what fooled the old hint
    CHECK_FALSE(has_hint(r, "enqueue-bound"));
    // The first calls: 7 us, and 2 us more while the clock's event pool grows.
    CHECK(has_hint(r, "launch queue full: the first calls took 9.000 us to issue, later ones 100.0 us"));
    CHECK(has_hint(r, "the device, not the host, sets the pace"));
}

TEST_CASE("hints: a host slower than the device is enqueue-bound, in throughput and latency mode") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    const auto call = [&] {
        rt.host_work(200us);  // framework overhead
        rt.launch(Stream{}, Kernel::fixed("small", 20us));
    };
    const gputime::RunResult queued =
        gputime::WarmupRunner(clock).warmup(2).iterations(100).mode(gputime::RunMode::throughput).run(call);
    const gputime::RunResult synced = gputime::WarmupRunner(clock).warmup(2).iterations(100).run(call);
    CHECK(rt.counters().launch_queue_waits == 0);
    CHECK(has_hint(queued, "enqueue-bound: the host needs 209.0 us"));  // 200 + 5 + two records, two event creates
    CHECK_FALSE(has_hint(queued, "launch queue full"));
    CHECK(has_hint(synced, "enqueue-bound"));
}
