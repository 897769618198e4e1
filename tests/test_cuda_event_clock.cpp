// SPDX-License-Identifier: MIT
// The CUDA backend's own logic, run against the simulated CUDA runtime with exact virtual times.
// Default simulator costs: kernel launch 5 us of host time, every other CUDA call 1 us,
// event timestamps floored to 0.5 us, one poll (yield) 1 us.
#include "support/test_framework.hpp"

#include <gputime/core/error.hpp>
#include <gputime/core/scoped_timer.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/cuda/stream_join.hpp>
#include <gputime/measure/warmup_runner.hpp>
#include <gputime/sim/runtime.hpp>

#include <chrono>
#include <memory>
#include <type_traits>
#include <vector>

using namespace std::chrono_literals;
using gputime::Duration;
using gputime::Stats;
using gputime::sim::Kernel;
using SimClock = gputime::CudaEventClock<gputime::sim::Runtime>;

namespace {
double us(double x) { return x * 1000.0; }  // expected values read in microseconds

// One GPU scope around one kernel of `duration` on the default stream.
void time_kernel(Stats& into, SimClock& clock, gputime::sim::Runtime& rt, std::chrono::nanoseconds duration) {
    gputime::ScopedGpuTimer timer(into, clock);
    rt.launch(gputime::sim::Stream{}, Kernel::fixed("k", duration));
}
}  // namespace

TEST_CASE("a GPU scope measures device time, not the host time it took to enqueue") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);  // cudaGetDeviceCount: host 1 us
    Stats stats;
    {
        gputime::ScopedGpuTimer timer(stats, clock);  // create + record: host 3 us, start event at 3 us
        rt.launch(gputime::sim::Stream{}, Kernel::fixed("gemm", 100us));  // host 8 us; kernel 8..108 us
    }                              // create + record: host 10 us, stop event at 108 us
    CHECK(rt.host_now() == 10us);  // the host left the scope long before the device finished
    // The stream was idle, so the pair also covers the launch latency: 5 us + 100 us.
    CHECK(stats.first_call().count() == us(105));
    CHECK(rt.host_now() >= 108us);  // reading waited for the device
}

TEST_CASE("a GPU scope does not synchronise: samples resolve when the Stats is read") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    Stats stats;
    for (int i = 0; i < 3; ++i) {
        time_kernel(stats, clock, rt, 50us);
    }
    const gputime::sim::Counters before = rt.counters();
    CHECK(before.event_queries == 0);
    CHECK(before.event_synchronizes == 0);
    CHECK(before.stream_synchronizes == 0);
    CHECK(before.elapsed_queries == 0);
    CHECK(before.yields == 0);
    CHECK(clock.pending_count() == 3);

    CHECK(stats.calls() == 3);  // the read resolves all three pairs
    CHECK(clock.pending_count() == 0);
    CHECK(rt.counters().elapsed_queries == 3);
    // The first pair found the stream idle: launch latency (5 us) + kernel (50 us).
    CHECK(stats.first_call().count() == us(55));
    // The later ones were recorded while earlier kernels still ran: exactly the kernel.
    CHECK(stats.min().count() == us(50));
    CHECK(stats.max().count() == us(50));
}

TEST_CASE("the event pool creates no events after warm-up") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    Stats stats;
    for (int i = 0; i < 50; ++i) {
        time_kernel(stats, clock, rt, 10us);
        clock.synchronize();
        if (i == 0) CHECK(rt.counters().event_creates == 2);
    }
    CHECK(rt.counters().event_creates == 2);
    CHECK(clock.events_created() == 2);
    CHECK(stats.calls() == 50);

    SECTION("reserve() creates them up front") {
        gputime::sim::Runtime rt2;
        SimClock reserved(rt2);
        reserved.reserve(4);
        const auto created = rt2.counters().event_creates;
        Stats s2;
        for (int i = 0; i < 10; ++i) {
            time_kernel(s2, reserved, rt2, 10us);
        }
        s2.count();
        CHECK(created == 4);
        CHECK(rt2.counters().event_creates == 4 + 16);  // 10 pending pairs need 20 events
    }
}

TEST_CASE("steady state: each latency-mode call measures launch + kernel exactly") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    Stats stats;
    for (int i = 0; i < 20; ++i) {
        time_kernel(stats, clock, rt, 250us);
        clock.synchronize();
    }
    CHECK(stats.count() == 19);
    CHECK(stats.min().count() == us(255));
    CHECK(stats.max().count() == us(255));
    CHECK(stats.first_call_overhead().count() == 0.0);
}

TEST_CASE("no usable GPU: the clock refuses to start with a typed error") {
    SECTION("insufficient driver") {
        gputime::sim::Runtime rt;
        rt.inject(gputime::sim::Fault::insufficient_driver);
        try {
            SimClock clock(rt);
            FAIL("expected CudaError");
        } catch (const gputime::CudaError& e) {
            CHECK(e.code() == 35);
            CHECK(e.call() == "cudaGetDeviceCount");
            CHECK(e.name() == "cudaErrorInsufficientDriver");
            CHECK(e.description() == "CUDA driver version is insufficient for CUDA runtime version");
            CHECK(std::string(e.what()).find("no usable GPU here?") != std::string::npos);
        }
    }
    SECTION("no device") {
        gputime::sim::Runtime rt;
        rt.inject(gputime::sim::Fault::no_device);
        CHECK_THROWS_AS(SimClock{rt}, gputime::CudaError);
    }
}

TEST_CASE("a sticky error after a faulty kernel surfaces on the next read, earlier samples survive") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    Stats stats;
    for (int i = 0; i < 3; ++i) {
        time_kernel(stats, clock, rt, 10us);
    }
    REQUIRE(stats.calls() == 3);
    {
        gputime::ScopedGpuTimer timer(stats, clock);
        rt.launch(gputime::sim::Stream{}, Kernel::fixed("bad", 10us).with_fault());
    }
    rt.host_work(1ms);  // the faulty kernel has run: the context is poisoned
    try {
        stats.count();
        FAIL("expected CudaError");
    } catch (const gputime::CudaError& e) {
        CHECK(e.code() == 719);
        CHECK(e.name() == "cudaErrorLaunchFailure");
    }
    CHECK(stats.calls() == 3);  // what was measured before is still there, and reads work again
    CHECK(stats.first_call().count() == us(15));
}

TEST_CASE("an event that never completes is a TimeoutError, not a hang") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    clock.resolve_timeout(2ms);
    Stats stats;
    time_kernel(stats, clock, rt, 10us);
    REQUIRE(stats.calls() == 1);
    rt.inject(gputime::sim::Fault::event_never_completes);
    { gputime::ScopedGpuTimer timer(stats, clock); }
    CHECK_THROWS_AS(stats.count(), gputime::TimeoutError);
    CHECK(rt.host_now() >= 2ms);
    CHECK(rt.host_now() < 3ms);  // gave up at the timeout
    CHECK(stats.calls() == 1);
}

TEST_CASE("an error in a timer's destructor is parked, never thrown from the destructor") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    Stats stats;
    time_kernel(stats, clock, rt, 10us);
    REQUIRE(stats.calls() == 1);
    {
        gputime::ScopedGpuTimer timer(stats, clock);
        rt.inject(gputime::sim::Fault::insufficient_driver);  // the end event cannot be recorded
    }
    try {
        stats.count();
        FAIL("expected CudaError");
    } catch (const gputime::CudaError& e) {
        CHECK(e.call() == "cudaEventRecord");
        CHECK(e.code() == 35);
    }
    CHECK_NOTHROW(stats.count());
    CHECK(stats.calls() == 1);
}

TEST_CASE("lifetimes: a Stats may die before its samples resolve, a clock before its Stats is read") {
    gputime::sim::Runtime rt;
    SECTION("Stats first") {
        SimClock clock(rt);
        {
            Stats doomed;
            gputime::ScopedGpuTimer timer(doomed, clock);
            rt.launch(gputime::sim::Stream{}, Kernel::fixed("k", 10us));
        }
        CHECK(clock.pending_count() == 0);
        CHECK_NOTHROW(clock.synchronize());
    }
    SECTION("clock first: its destructor resolves what it owes") {
        Stats stats;
        {
            SimClock clock(rt);
            gputime::ScopedGpuTimer timer(stats, clock);
            rt.launch(gputime::sim::Stream{}, Kernel::fixed("k", 10us));
        }
        CHECK(stats.calls() == 1);
        CHECK(stats.first_call().count() == us(15));
        CHECK(rt.counters().event_destroys == 2);
    }
    SECTION("a Stats moved while samples are pending gets them; a copy takes what is finished") {
        SimClock clock(rt);
        Stats stats;
        time_kernel(stats, clock, rt, 10us);
        Stats moved = std::move(stats);  // the pending pair follows the object, nothing waits
        CHECK(clock.pending_count() == 1);
        CHECK(rt.counters().event_queries == 0);
        CHECK(stats.calls() == 0);  // a moved-from Stats is empty and usable
        const Stats early = moved;  // the kernel (until host 18 us) still runs: nothing to take
        CHECK(early.calls() == 0);
        CHECK(clock.pending_count() == 1);
        rt.host_work(20us);
        const Stats copy = moved;  // finished now: delivered first, without a wait
        CHECK(copy.calls() == 1);
        CHECK(clock.pending_count() == 0);
        CHECK(rt.counters().yields == 0);
        CHECK(moved.calls() == 1);
        CHECK(moved.first_call().count() == us(15));
    }
    SECTION("Stats in a growing vector keep their pending samples") {
        SimClock clock(rt);
        std::vector<Stats> layers(1);
        time_kernel(layers[0], clock, rt, 10us);
        static_assert(std::is_nothrow_move_constructible<Stats>::value, "vectors must move, not copy, Stats");
        for (int i = 0; i < 100; ++i) layers.emplace_back();  // reallocates several times
        CHECK(clock.pending_count() == 1);
        CHECK(layers[0].calls() == 1);
        CHECK(layers[0].first_call().count() == us(15));
    }
}

TEST_CASE("max_pending bounds the pairs waiting to be resolved") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    clock.max_pending(4);
    Stats stats;
    for (int i = 0; i < 10; ++i) {
        time_kernel(stats, clock, rt, 10us);
        CHECK(clock.pending_count() <= 4);
    }
    CHECK(stats.calls() == 10);
}

TEST_CASE("WarmupRunner on the simulated GPU: first-call cost kept apart, enqueue vs device time") {
    gputime::sim::Config config;
    config.lazy_load_cost = 20ms;  // the first launch of "conv" loads its module
    gputime::sim::Runtime rt(config);
    SimClock clock(rt);
    const gputime::sim::Stream stream{};
    bool idle_before_each_call = true;
    const gputime::RunResult r =
        gputime::WarmupRunner(clock)
            .warmup(2)
            .iterations(10)
            .between_calls([&](std::size_t) { idle_before_each_call &= rt.stream_tail(stream) <= rt.host_now(); })
            .run([&] { rt.launch(stream, Kernel::fixed("conv", 100us)); });

    CHECK(r.device_timed);
    CHECK(r.warmup.size() == 2);
    CHECK(r.first_call().count() == us(20000 + 5 + 100));
    CHECK(r.warmup[1].count() == us(105));
    CHECK(r.latency.count() == 10);
    CHECK(r.latency.min().count() == us(105));
    CHECK(r.latency.max().count() == us(105));
    CHECK(r.first_call_overhead().count() == us(20000));
    // Host time inside a steady call: record (1 us) + launch (5 us) + record (1 us).
    CHECK(r.enqueue.p50().count() == us(7));
    CHECK(idle_before_each_call);  // latency mode: every call waited for the previous one
    // Two pairs in rotation: a call's pair is resolved while the next call runs.
    CHECK(rt.counters().event_creates == 4);
    CHECK(rt.counters().event_synchronizes == 0);  // waits poll with a timeout instead
}

TEST_CASE("throughput mode keeps the device busy: no wait between calls") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    const gputime::sim::Stream stream{};
    std::size_t calls_with_device_busy = 0;
    const gputime::RunResult r = gputime::WarmupRunner(clock)
                                     .warmup(1)
                                     .iterations(10)
                                     .mode(gputime::RunMode::throughput)
                                     .between_calls([&](std::size_t) {
                                         if (rt.stream_tail(stream) > rt.host_now()) ++calls_with_device_busy;
                                     })
                                     .run([&] { rt.launch(stream, Kernel::fixed("k", 100us)); });
    CHECK(calls_with_device_busy == 9);  // every measured call but the first found work queued
    CHECK(r.latency.count() == 10);
    // Back to back, a pair measures exactly the kernel: launch latency hides behind the queue.
    CHECK(r.latency.p50().count() == us(100));
}

TEST_CASE("bad input: resolve_timeout and max_pending refuse values they cannot use and change nothing") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    clock.max_pending(7);
    CHECK(clock.resolve_timeout() == 60s);
    for (const std::chrono::nanoseconds timeout : {0ns, -1ns, std::chrono::nanoseconds::min()}) {
        try {
            clock.resolve_timeout(timeout);
            FAIL("expected gputime::InvalidArgument");
        } catch (const gputime::InvalidArgument& e) {
            CHECK(e.parameter() == "timeout");
            CHECK(e.where() == "CudaEventClock::resolve_timeout");
        }
    }
    try {
        clock.max_pending(0);
        FAIL("expected gputime::InvalidArgument");
    } catch (const gputime::InvalidArgument& e) {
        CHECK(e.parameter() == "pairs");
        CHECK(e.where() == "CudaEventClock::max_pending");
    }
    CHECK(clock.max_pending() == 7);
    CHECK(clock.resolve_timeout() == 60s);
    CHECK(clock.resolve_timeout(1ns).resolve_timeout() == 1ns);  // the smallest accepted
    clock.resolve_timeout(60s);
    // A refused timeout left the old one (60 s): a healthy kernel is not reported as hung.
    Stats stats;
    time_kernel(stats, clock, rt, 10us);
    CHECK(stats.calls() == 1);
}

namespace {
// A runtime policy with only the required members of gputime/cuda/runtime_policy.hpp, as a policy
// written before the optional ones (devices, capture, graphs) existed: it must keep compiling and
// timing, without the checks those members allow.
class RequiredMembersOnly {
public:
    using stream_type = gputime::sim::Stream;
    using event_type = gputime::sim::Event;
    explicit RequiredMembersOnly(gputime::sim::Runtime& rt) : rt_(&rt) {}
    int event_create(event_type* e) { return rt_->event_create(e); }
    int event_destroy(event_type e) { return rt_->event_destroy(e); }
    int event_record(event_type e, stream_type s) { return rt_->event_record(e, s); }
    int event_query(event_type e) { return rt_->event_query(e); }
    int event_synchronize(event_type e) { return rt_->event_synchronize(e); }
    int event_elapsed_ms(float* ms, event_type a, event_type b) { return rt_->event_elapsed_ms(ms, a, b); }
    int stream_wait_event(stream_type s, event_type e) { return rt_->stream_wait_event(s, e); }
    int stream_synchronize(stream_type s) { return rt_->stream_synchronize(s); }
    int device_count(int* n) { return rt_->device_count(n); }
    const char* error_name(int code) { return rt_->error_name(code); }
    const char* error_string(int code) { return rt_->error_string(code); }
    std::chrono::nanoseconds host_now() { return rt_->host_now(); }
    void yield() { rt_->yield(); }
    void sleep_for(std::chrono::nanoseconds d) { rt_->sleep_for(d); }

private:
    gputime::sim::Runtime* rt_;
};
static_assert(!gputime::detail::has_device_binding_v<RequiredMembersOnly>, "no optional members");
static_assert(!gputime::detail::has_stream_is_capturing<RequiredMembersOnly>::value, "no optional members");
}  // namespace

TEST_CASE("a runtime policy with only the required members still times, and JoinStreams still joins") {
    gputime::sim::Runtime rt;
    const gputime::sim::Stream main = rt.create_stream();
    const gputime::sim::Stream side = rt.create_stream();
    RequiredMembersOnly policy(rt);
    gputime::CudaEventClock<RequiredMembersOnly> clock(policy, main);  // host 1
    CHECK(clock.device() == -1);                                       // it cannot tell
    CHECK_FALSE(clock.on_legacy_default_stream());
    Stats stats;
    {
        gputime::ScopedGpuTimer timer(stats, clock);                    // create + record: start at 3
        gputime::JoinStreams<RequiredMembersOnly> join(clock, {side});  // a plain event (host 4), fork 5, wait 6
        rt.launch(side, Kernel::fixed("side", 100us));                  // host 11: 11..111
    }  // join: record on side (12, at 111), wait (13); stop: create + record (15), at 111
    CHECK(stats.first_call().count() == us(108));
    CHECK(clock.ordering_events_created() == 1);
    CHECK(rt.counters().device_calls == 0u);     // no device guard
    CHECK(rt.counters().capture_queries == 0u);  // no capture check
    CHECK(rt.counters().capture_mode_exchanges == 0u);
}
