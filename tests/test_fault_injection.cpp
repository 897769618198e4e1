// SPDX-License-Identifier: MIT
// Failure paths of the GPU clock, the runner and JoinStreams, driven by the simulator's fault
// injection: hung marks (Fault::event_never_completes), a poisoned context (a faulty kernel,
// sticky 719) and single failing calls (CallFault, non-sticky). Every test here runs under
// ASan+UBSan in scripts/test.sh: a Stats must never point at a clock that is gone.
// Simulator defaults: launch 5 us of host time, every other call 1 us, a poll (yield) 1 us,
// event timestamps floored to 0.5 us.
#include "support/test_framework.hpp"
#include "support/test_helpers.hpp"

#include <gputime/core/error.hpp>
#include <gputime/core/scoped_timer.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/cuda/stream_join.hpp>
#include <gputime/measure/warmup_runner.hpp>
#include <gputime/report/text.hpp>
#include <gputime/sim/runtime.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using gputime::Stats;
using gputime::sim::Call;
using gputime::sim::CallFault;
using gputime::sim::Fault;
using gputime::sim::Kernel;
using gputime::sim::Stream;
namespace status = gputime::sim::status;
using SimClock = gputime::CudaEventClock<gputime::sim::Runtime>;

namespace {
double us(double x) { return x * 1000.0; }

// One GPU scope around one kernel on the clock's stream.
void time_kernel(Stats& into, SimClock& clock, std::chrono::nanoseconds duration) {
    gputime::ScopedGpuTimer timer(into, clock);
    clock.runtime().launch(clock.stream(), Kernel::fixed("k", duration));
}

using gputime_test::thrown;

using gputime_test::contains;
}  // namespace

// ---- 1. every Stats a clock linked is unlinked on every path ---------------------------------

TEST_CASE("fault: a Stats whose pair failed to resolve outlives its clock safely") {
    gputime::sim::Runtime rt;
    SECTION("the pair timed out") {
        Stats stats;
        {
            SimClock clock(rt);
            clock.resolve_timeout(1ms);
            rt.inject(Fault::event_never_completes);
            time_kernel(stats, clock, 10us);
            CHECK_THROWS_AS(stats.count(), gputime::TimeoutError);
        }
        CHECK(stats.calls() == 0);  // the clock is gone: this read must not reach it
    }
    SECTION("the context was poisoned (sticky 719)") {
        Stats stats;
        {
            SimClock clock(rt);
            {
                gputime::ScopedGpuTimer timer(stats, clock);
                rt.launch(Stream{}, Kernel::fixed("bad", 10us).with_fault());
            }
            rt.host_work(1ms);
            const auto error = thrown<gputime::CudaError>([&] { stats.count(); });
            REQUIRE(error);
            CHECK(error->code() == 719);
        }
        CHECK(stats.calls() == 0);
    }
    SECTION("an error parked by stop() outlives the clock: the Stats' next read still reports it") {
        Stats stats;
        {
            SimClock clock(rt);
            clock.reserve(2);
            gputime::ScopedGpuTimer timer(stats, clock);
            rt.launch(Stream{}, Kernel::fixed("bad", 10us).with_fault());
            rt.host_work(1ms);
        }  // the timer's end mark fails (719) just before the clock dies
        const auto error = thrown<gputime::CudaError>([&] { stats.count(); });
        REQUIRE(error);
        CHECK(error->code() == 719);
        CHECK(error->call() == "cudaEventRecord");
        CHECK(stats.calls() == 0);
    }
    SECTION("the clock died while a pair hung: the Stats' next read reports it, then reads work") {
        Stats stats;
        {
            SimClock clock(rt);
            clock.resolve_timeout(1ms);
            rt.inject(Fault::event_never_completes);
            time_kernel(stats, clock, 10us);
        }  // the destructor waits (once) and cannot deliver
        CHECK_THROWS_AS(stats.count(), gputime::TimeoutError);
        CHECK(stats.calls() == 0);
    }
    SECTION("... and a Stats never read again is destroyed after the clock") {
        auto stats = std::make_optional<Stats>();
        {
            SimClock clock(rt);
            clock.resolve_timeout(1ms);
            rt.inject(Fault::event_never_completes);
            time_kernel(*stats, clock, 10us);
        }
        stats.reset();  // must not touch the dead clock
        CHECK(rt.host_now() >= 1ms);
    }
}

TEST_CASE("fault: an error kept for a Stats follows it when moved and dies with it") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    auto failed = std::make_optional<Stats>();
    Stats fine;
    time_kernel(*failed, clock, 10us);
    time_kernel(fine, clock, 10us);
    rt.inject(CallFault{Call::event_elapsed_ms, status::invalid_resource_handle});
    REQUIRE(fine.calls() == 1);  // resolving it passed the failing pair: its error is kept
    SECTION("moved") {
        Stats moved = std::move(*failed);
        failed.reset();
        CHECK_THROWS_AS(moved.count(), gputime::CudaError);
        CHECK(moved.calls() == 0);
    }
    SECTION("destroyed unread: nothing is left to report") {
        failed.reset();
        CHECK_NOTHROW(clock.synchronize());
    }
    SECTION("the clock destroyed first") {
        auto other = std::make_optional<SimClock>(rt);
        Stats stats;
        time_kernel(stats, *other, 10us);
        time_kernel(fine, *other, 10us);
        rt.inject(CallFault{Call::event_elapsed_ms, status::invalid_resource_handle});
        REQUIRE(fine.calls() == 2);
        other.reset();
        Stats moved = std::move(stats);  // a link that outlived its clock moves along too
        CHECK_THROWS_AS(moved.count(), gputime::CudaError);
        CHECK_NOTHROW(moved.count());
    }
}

// ---- 2. a Stats fed by two clocks ---------------------------------------------------------

TEST_CASE("fault: when another clock settles a failing pair the Stats' next read reports it and no sample is lost") {
    gputime::sim::Runtime rt;
    // b's stream is non-blocking: a blocking stream would wait for the legacy default stream,
    // and hang with it.
    const Stream other = rt.create_stream(status::stream_non_blocking);
    SimClock a(rt);         // host 1, the legacy default stream
    SimClock b(rt, other);  // host 2, a stream of its own
    a.resolve_timeout(1ms);
    Stats stats;
    SECTION("clock a's pair hangs") {
        rt.inject(Fault::event_never_completes);
        time_kernel(stats, a, 10us);  // the default stream hangs at a's start mark (host 4)
        time_kernel(stats, b, 20us);  // start 13, kernel 18..38, stop 38; settling a's pair hangs
        CHECK_THROWS_AS(stats.count(), gputime::TimeoutError);
        CHECK(stats.calls() == 1);  // b's own sample is kept
        CHECK(stats.first_call().count() == us(25));
        CHECK_NOTHROW(b.synchronize());  // reported once
        CHECK_NOTHROW(a.synchronize());
    }
    SECTION("clock a's pair fails alone (non-sticky 400)") {
        time_kernel(stats, a, 10us);
        rt.inject(CallFault{Call::event_elapsed_ms, status::invalid_resource_handle});  // a's elapsed query
        time_kernel(stats, b, 20us);
        const auto error = thrown<gputime::CudaError>([&] { stats.count(); });
        REQUIRE(error);
        CHECK(error->code() == 400);
        CHECK(error->call() == "cudaEventElapsedTime");
        CHECK(stats.calls() == 1);
        CHECK(stats.first_call().count() == us(25));
    }
}

TEST_CASE("fault: two clocks feeding one Stats keep the samples in order when nothing fails") {
    gputime::sim::Runtime rt;
    SimClock a(rt);
    SimClock b(rt);
    Stats stats;
    time_kernel(stats, a, 10us);  // idle stream: 15 us
    time_kernel(stats, a, 20us);
    time_kernel(stats, b, 30us);  // settles a's two pairs first
    CHECK(a.pending_count() == 0);
    CHECK(b.pending_count() == 1);
    CHECK(b.last_stop_wait() > std::chrono::nanoseconds{0});  // the settling is the library's wait
    CHECK(stats.calls() == 3);
    CHECK(stats.first_call().count() == us(15));
    CHECK(stats.samples() == std::vector<gputime::Duration>{gputime::Duration{us(20)}, gputime::Duration{us(30)}});
}

namespace {
// A source of samples other than a clock that fails and stays linked (as a hand-written one may).
class StubbornSource final : public gputime::OwedSamples::Source {
public:
    explicit StubbornSource(Stats& sink) : slot_(&owed_samples_of(sink)) { slot_->set_source(this); }
    ~StubbornSource() {
        if (slot_ != nullptr) slot_->set_source(nullptr);
    }
    StubbornSource(const StubbornSource&) = delete;
    StubbornSource& operator=(const StubbornSource&) = delete;
    void settle() override { throw gputime::TimeoutError("gputime: stub never delivers"); }
    void settle_ready() noexcept override {}
    void forget() noexcept override { slot_ = nullptr; }
    void moved(gputime::OwedSamples& to, void*) noexcept override { slot_ = &to; }
    const void* owner() const noexcept override { return this; }
    bool forgotten() const { return slot_ == nullptr; }

private:
    gputime::OwedSamples* slot_;
};
}  // namespace

TEST_CASE("fault: a failing source that stays linked is dropped and its error reported at the Stats' next read") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    Stats stats;
    StubbornSource stub(stats);
    time_kernel(stats, clock, 10us);
    CHECK(stub.forgotten());
    CHECK_THROWS_AS(stats.count(), gputime::TimeoutError);
    CHECK(stats.calls() == 1);
}

// ---- 3. a non-sticky error drops one pair, sticky errors and timeouts drop them all -----------

TEST_CASE("fault: a non-sticky error costs only its own pair, the other Stats keep theirs") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    Stats first, second, third;
    time_kernel(first, clock, 10us);
    time_kernel(second, clock, 20us);
    time_kernel(third, clock, 30us);
    SECTION("400 on the second pair's elapsed time") {
        rt.inject(CallFault{Call::event_elapsed_ms, status::invalid_resource_handle, 1});
        CHECK(third.calls() == 1);  // resolving up to the third pair passes the failing second one
        CHECK(third.first_call().count() == us(30));
        CHECK(first.calls() == 1);
        const auto error = thrown<gputime::CudaError>([&] { second.count(); });
        REQUIRE(error);
        CHECK(error->code() == 400);
        CHECK(second.calls() == 0);
        CHECK_NOTHROW(clock.synchronize());
        CHECK(clock.pending_count() == 0);
    }
    SECTION("907 (captured event) on the first pair's query") {
        rt.inject(CallFault{Call::event_query, status::captured_event});
        CHECK(second.calls() == 1);
        CHECK(third.calls() == 1);
        const auto error = thrown<gputime::CudaError>([&] { first.count(); });
        REQUIRE(error);
        CHECK(error->code() == 907);
        CHECK(error->name() == "cudaErrorCapturedEvent");
    }
    SECTION("a sticky error drops every pair, and every Stats that lost one is told") {
        {
            gputime::ScopedGpuTimer timer(first, clock);
            rt.launch(Stream{}, Kernel::fixed("bad", 10us).with_fault());
        }
        rt.host_work(1ms);
        for (Stats* s : {&second, &first, &third}) {
            const auto error = thrown<gputime::CudaError>([&] { s->count(); });
            REQUIRE(error);
            CHECK(error->code() == 719);
            CHECK(s->calls() == 0);
        }
        CHECK(clock.pending_count() == 0);
    }
    SECTION("synchronize() reports a Stats' error once, in its place") {
        rt.inject(CallFault{Call::event_elapsed_ms, status::invalid_resource_handle, 1});
        CHECK_THROWS_AS(clock.synchronize(), gputime::CudaError);
        CHECK_NOTHROW(second.count());
        CHECK(first.calls() + second.calls() + third.calls() == 2);
    }
}

// ---- 4. a hung stream is remembered -----------------------------------------------------------

TEST_CASE("fault: after a timeout the clock fails fast instead of waiting the timeout again") {
    gputime::sim::Runtime rt;
    Stats stats;
    {
        SimClock clock(rt);  // host 1
        clock.resolve_timeout(2ms);
        const auto before_hang = clock.mark();          // host 3, at 3
        rt.launch(Stream{}, Kernel::fixed("k", 10us));  // host 8: 8..18
        const auto after_kernel = clock.mark();         // host 10, at 18
        rt.inject(Fault::event_never_completes);
        time_kernel(stats, clock, 10us);  // the stream hangs at this scope's start mark
        const auto first_wait = rt.host_now();
        CHECK_THROWS_AS(stats.count(), gputime::TimeoutError);
        CHECK(rt.host_now() - first_wait >= 2ms);  // the one wait

        // Streams run in order: nothing queued behind the hung mark completes.
        time_kernel(stats, clock, 10us);
        const auto before = rt.host_now();
        const auto yields = rt.counters().yields;
        const auto sleeps = rt.counters().sleeps;
        const auto error = thrown<gputime::TimeoutError>([&] { stats.count(); });
        REQUIRE(error);
        CHECK(contains(error->what(), "already hung"));
        CHECK(rt.counters().yields == yields);  // no polling
        CHECK(rt.counters().sleeps == sleeps);
        CHECK(rt.host_now() - before < 10us);

        const auto mark = clock.mark();
        CHECK_THROWS_AS(clock.elapsed(mark, mark), gputime::TimeoutError);
        CHECK(rt.counters().yields == yields);
        CHECK(clock.hung());

        // A wait still checks its marks once: marks the device passed before the hang resolve.
        CHECK(clock.elapsed(before_hang, after_kernel).count() == us(15));
        CHECK(rt.counters().yields == yields);
        clock.release(before_hang);
        clock.release(after_kernel);
        clock.release(mark);

        time_kernel(stats, clock, 10us);
        time_kernel(stats, clock, 10us);
    }  // the destructor owes two pairs to a hung stream: no wait
    const auto after_destructor = rt.host_now();
    CHECK_THROWS_AS(stats.count(), gputime::TimeoutError);
    CHECK(rt.host_now() == after_destructor);
    CHECK(stats.calls() == 0);
}

TEST_CASE("fault: a clock destroyed on a hung stream does not wait again") {
    gputime::sim::Runtime rt;
    Stats stats;
    std::chrono::nanoseconds before{0};
    std::uint64_t yields = 0;
    {
        SimClock clock(rt);
        clock.resolve_timeout(2ms);
        rt.inject(Fault::event_never_completes);
        time_kernel(stats, clock, 10us);
        CHECK_THROWS_AS(stats.count(), gputime::TimeoutError);
        rt.inject(Fault::event_never_completes);
        time_kernel(stats, clock, 10us);
        before = rt.host_now();
        yields = rt.counters().yields;
    }
    CHECK(rt.counters().yields == yields);
    CHECK(rt.host_now() - before < 100us);  // destroying events only, no 2 ms wait
    CHECK_THROWS_AS(stats.count(), gputime::TimeoutError);
}

// ---- 5. an event whose record failed is destroyed, not pooled ---------------------------------

TEST_CASE("fault: an event whose record failed is destroyed and never handed out again") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    clock.reserve(2);  // events 0 and 1; the pool hands out the last one first
    SECTION("mark()") {
        rt.inject(CallFault{Call::event_record, status::captured_event});
        const auto error = thrown<gputime::CudaError>([&] { clock.mark(); });  // event 1
        REQUIRE(error);
        CHECK(error->call() == "cudaEventRecord");
        CHECK(error->code() == 907);
        CHECK(rt.counters().event_destroys == 1);
        CHECK(clock.mark().id == 0);
    }
    SECTION("the end mark in stop(): parked for the Stats, the start event goes back to the pool") {
        Stats stats;
        {
            gputime::ScopedGpuTimer timer(stats, clock);  // start: event 1
            rt.inject(CallFault{Call::event_record, status::captured_event});
        }  // end: event 0, its record fails
        CHECK(rt.counters().event_destroys == 1);
        const auto error = thrown<gputime::CudaError>([&] { stats.count(); });
        REQUIRE(error);
        CHECK(error->code() == 907);
        CHECK(clock.mark().id == 1);  // the start event, healthy, was pooled
        CHECK(clock.events_created() == 0);
    }
    SECTION("JoinStreams: the join event whose record failed on a side stream") {
        const Stream side = rt.create_stream();
        {
            gputime::JoinStreams<gputime::sim::Runtime> join(clock, {side});  // ordering event 2
            rt.inject(CallFault{Call::event_record, status::captured_event});
            CHECK_THROWS_AS(join.join(), gputime::CudaError);
        }
        CHECK(rt.counters().event_destroys == 1);
        CHECK(clock.ordering_events_created() == 1);
        { gputime::JoinStreams<gputime::sim::Runtime> join(clock, {side}); }  // cannot reuse it
        CHECK(clock.ordering_events_created() == 2);
        CHECK(clock.mark().id == 1);  // the timing events were never involved
    }
}

// ---- 6. enqueue time excludes the library's own waits ---------------------------------------

TEST_CASE("fault: throughput mode past max_pending: enqueue time is the call's host cost and not the clock's wait") {
    // An unlimited launch queue isolates the clock's own wait: with a real GPU's ~1000-deep queue
    // the launches themselves block first (test_sim_semantics.cpp shows that).
    gputime::sim::Config config;
    config.launch_queue_depth = 0;
    gputime::sim::Runtime rt(config);
    SimClock clock(rt);
    const Kernel layer = Kernel::fixed("layer", 180us);
    const gputime::RunResult r =
        gputime::WarmupRunner(clock).warmup(10).iterations(10000).mode(gputime::RunMode::throughput).run([&] {
            rt.host_work(19us);  // framework work on the host
            rt.launch(Stream{}, layer);
        });
    REQUIRE(r.complete);
    CHECK(r.latency.p50().count() == us(180));
    // Host time inside the call: start record 1 + 19 + launch 5 + end record 1 = 26 us, although
    // past max_pending() (4096) each stop() waits for the oldest pair. While more than 4096 pairs
    // wait, the pool runs dry and a call also creates its two events (1 us each): 28 us.
    CHECK(r.enqueue.p50().count() == us(26));
    std::size_t creating = 0, other = 0;
    for (const gputime::Duration d : r.enqueue.samples()) {
        if (d.count() == us(28)) ++creating;
        if (d.count() != us(26) && d.count() != us(28)) ++other;
    }
    CHECK(other == 0);
    CHECK(creating == clock.events_created() / 2 - 10);  // the 10 warm-up calls created 10 pairs
    CHECK(creating < r.enqueue.count() / 2);
    CHECK(r.enqueue.count() + 1 == 10000);
    for (const std::string& hint : gputime::hints(r)) CHECK_FALSE(contains(hint, "enqueue-bound"));
}
