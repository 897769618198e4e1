// SPDX-License-Identifier: MIT
// Any accumulator is the target of a timer (BoundedStats, SharedStats, a type of one's own), on
// the host clock and on the GPU clock; and a Stats still owed GPU samples is copied and moved
// without waiting and without throwing (docs/architecture.md, "Deferred GPU samples").
// Simulator costs: launch 5 us of host time, every other CUDA call 1 us, a poll (yield) 1 us,
// event timestamps floored to 0.5 us.
#include "support/test_framework.hpp"

#include <gputime/core/error.hpp>
#include <gputime/core/host_clock.hpp>
#include <gputime/core/scoped_timer.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/sim/runtime.hpp>
#include <gputime/stats/bounded_stats.hpp>
#include <gputime/stats/owed_samples.hpp>
#include <gputime/stats/shared_stats.hpp>
#include <gputime/stats/stats.hpp>

#include <chrono>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using gputime::Duration;
using gputime::Stats;
using gputime::sim::Kernel;
using SimClock = gputime::CudaEventClock<gputime::sim::Runtime>;

namespace {
double us(double x) { return x * 1000.0; }

// A user's own accumulator: just add(Duration).
struct Served {
    void add(Duration d) { samples.push_back(d); }
    std::vector<Duration> samples;
};

// A user's own accumulator that can be owed samples, as Stats is: it embeds an OwedSamples and
// settles it before reading.
class LateTotal {
public:
    LateTotal() = default;
    LateTotal(const LateTotal&) = delete;
    LateTotal& operator=(const LateTotal&) = delete;
    void add(Duration d) {
        total_ += d;
        ++count_;
    }
    std::size_t count() const {
        owed_.settle();
        return count_;
    }
    Duration total() const {
        owed_.settle();
        return total_;
    }
    bool owed() const { return owed_.owed(); }

private:
    friend gputime::OwedSamples& owed_samples_of(LateTotal& t) noexcept { return t.owed_; }
    Duration total_{};
    std::size_t count_ = 0;
    gputime::OwedSamples owed_;
};

void launch(gputime::sim::Runtime& rt, std::chrono::nanoseconds duration) {
    rt.launch(gputime::sim::Stream{}, Kernel::fixed("k", duration));
}

// host_now(), sleeps and polls: whatever a wait would change.
struct WaitProbe {
    std::chrono::nanoseconds host;
    std::uint64_t yields, sleeps, synchronizes;
    explicit WaitProbe(const gputime::sim::Runtime& rt)
        : host(rt.host_now()),
          yields(rt.counters().yields),
          sleeps(rt.counters().sleeps),
          synchronizes(rt.counters().event_synchronizes + rt.counters().stream_synchronizes) {}
    bool same(const gputime::sim::Runtime& rt) const {
        const WaitProbe now(rt);
        return now.yields == yields && now.sleeps == sleeps && now.synchronizes == synchronizes;
    }
};
}  // namespace

// ---- the host clock ------------------------------------------------------------------------

TEST_CASE("targets: BoundedStats, SharedStats and a type of one's own take ScopedTimer samples on the host clock") {
    gputime::HostClock clock;
    gputime::BoundedStats served;
    gputime::SharedStats shared;
    Served own;
    const auto before = std::chrono::steady_clock::now();
    for (int i = 0; i < 3; ++i) {
        gputime::ScopedTimer a(served, clock);
        gputime::ScopedTimer b(shared, clock);
        gputime::ScopedTimer c(own, clock);
    }
    const Duration bound = std::chrono::steady_clock::now() - before;
    // Each sample lies inside the interval that brackets every scope.
    CHECK(served.calls() == 3);
    CHECK(served.max() <= bound);
    CHECK(shared.calls() == 3);
    CHECK(shared.snapshot().max() <= bound);
    REQUIRE(own.samples.size() == 3);
    for (const Duration d : own.samples) {
        CHECK(d.count() >= 0.0);
        CHECK(d <= bound);
    }
}

// ---- the GPU clock (simulated) --------------------------------------------------------------

TEST_CASE("targets: a BoundedStats on the GPU clock gets its sample at scope end, device time exactly") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);  // host 1 us
    gputime::BoundedStats served;
    {
        gputime::ScopedGpuTimer timer(served, clock);  // create + record: host 3, start event at 3
        launch(rt, 100us);                             // host 8; kernel 8..108
    }  // create + record (host 10, end event at 108), then the wait for it
    // Delivered without a read or a synchronize: the timer's destructor waited for the end mark.
    CHECK(served.calls() == 1);
    CHECK(served.first_call().count() == us(105));  // launch latency 5 us + kernel 100 us
    CHECK(rt.host_now() >= 108us);
    CHECK(clock.pending_count() == 0);
    // The wait is the library's, after the end mark: stop() reports it, the scope did not include it.
    CHECK(clock.last_stop_wait() >= 108us - 10us);
}

TEST_CASE("targets: SharedStats and a type of one's own on the GPU clock, next to a Stats that is owed") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    gputime::SharedStats shared;
    Served own;
    Stats stats;
    {
        gputime::ScopedGpuTimer outer(stats, clock);
        {
            gputime::ScopedGpuTimer a(shared, clock);
            launch(rt, 40us);
        }
        {
            gputime::ScopedGpuTimer b(own, clock);
            launch(rt, 60us);
        }
    }
    CHECK(shared.calls() == 1);
    REQUIRE(own.samples.size() == 1);
    CHECK(clock.pending_count() == 1);  // the Stats' pair waits for its read
    // Each plain target's scope waited for its end mark, so each found the stream idle: launch
    // latency 5 us + its kernel.
    CHECK(shared.snapshot().first_call().count() == us(45));
    CHECK(own.samples.front().count() == us(65));
    CHECK(stats.first_call().count() > us(105));  // both kernels and the launches inside it
}

TEST_CASE("targets: a type of one's own that embeds an OwedSamples is owed its samples until it is read") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    LateTotal total;
    for (int i = 0; i < 3; ++i) {
        gputime::ScopedGpuTimer timer(total, clock);
        launch(rt, 50us);
    }
    CHECK(total.owed());
    CHECK(clock.pending_count() == 3);
    CHECK(rt.counters().elapsed_queries == 0);
    CHECK(total.count() == 3);  // the read settles: 55 + 50 + 50 us
    CHECK(total.total().count() == us(155));
    CHECK_FALSE(total.owed());
}

TEST_CASE("targets: a plain accumulator's error is parked and thrown by the next mark, once") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    clock.resolve_timeout(1ms);
    Served own;
    {
        gputime::ScopedGpuTimer timer(own, clock);
        rt.launch(gputime::sim::Stream{}, Kernel::hang("stuck"));
    }  // waits the 1 ms timeout in stop(), which cannot throw
    CHECK(own.samples.empty());
    CHECK_THROWS_AS(clock.mark(), gputime::TimeoutError);
    CHECK_NOTHROW(clock.synchronize());  // reported once
}

TEST_CASE("targets: a plain accumulator's error reaches synchronize() when no mark comes first") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    Served own;
    rt.inject(gputime::sim::CallFault{gputime::sim::Call::event_elapsed_ms, 400});
    {
        gputime::ScopedGpuTimer timer(own, clock);
        launch(rt, 10us);
    }
    CHECK(own.samples.empty());
    const auto error = [&]() -> int {
        try {
            clock.synchronize();
        } catch (const gputime::CudaError& e) {
            return e.code();
        }
        return 0;
    }();
    CHECK(error == 400);
    {
        gputime::ScopedGpuTimer timer(own, clock);  // the clock measures on
        launch(rt, 10us);
    }
    REQUIRE(own.samples.size() == 1);
    CHECK(own.samples.front().count() == us(15));  // an idle stream: launch 5 us + kernel 10 us
}

// ---- copying and moving a Stats that is still owed GPU samples --------------------------------

TEST_CASE("owed: copying a Stats takes what the device has finished, never waits, and leaves the rest owed") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    Stats stats;
    {
        gputime::ScopedGpuTimer timer(stats, clock);  // host 3: start; kernel 8..18
        launch(rt, 10us);
    }
    {
        gputime::ScopedGpuTimer timer(stats, clock);  // kernel 18..1018, end event at 1018
        launch(rt, 1ms);
    }
    rt.host_work(100us);  // host ~117: the first pair is complete, the second is not
    const WaitProbe probe(rt);
    const Stats copy(stats);
    CHECK(probe.same(rt));                      // no poll, no sleep, no synchronize
    CHECK(rt.host_now() - probe.host <= 10us);  // a few queries, nowhere near the 1 ms kernel
    CHECK(copy.calls() == 1);                   // the finished pair only
    CHECK(copy.first_call().count() == us(15));
    CHECK(clock.pending_count() == 1);  // the other one is still owed to `stats`
    CHECK(stats.calls() == 2);          // and reading it waits for it
    CHECK(rt.host_now() >= 1018us);
    CHECK(copy.calls() == 1);  // the copy is not owed anything
}

TEST_CASE("owed: copying a Stats whose pending event faulted neither waits nor throws, the original's read does") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    Stats stats;
    {
        gputime::ScopedGpuTimer timer(stats, clock);
        launch(rt, 10us);
    }
    stats.resolve();
    SECTION("a kernel that poisons the context (sticky 719)") {
        {
            gputime::ScopedGpuTimer timer(stats, clock);
            rt.launch(gputime::sim::Stream{}, Kernel::fixed("bad", 20us).with_fault());
        }
        rt.host_work(1ms);  // the kernel has failed by now
        const WaitProbe probe(rt);
        Stats copy;
        CHECK_NOTHROW(copy = stats);
        CHECK_NOTHROW(Stats{stats});
        CHECK(probe.same(rt));
        CHECK(copy.calls() == 1);
        const auto code = [&]() -> int {
            try {
                stats.count();
            } catch (const gputime::CudaError& e) {
                return e.code();
            }
            return 0;
        }();
        CHECK(code == 719);
        CHECK(stats.calls() == 1);
    }
    SECTION("a hung stream: the copy does not wait the timeout") {
        clock.resolve_timeout(5ms);
        {
            gputime::ScopedGpuTimer timer(stats, clock);
            rt.launch(gputime::sim::Stream{}, Kernel::hang("stuck"));
        }
        const WaitProbe probe(rt);
        const Stats copy(stats);
        CHECK(probe.same(rt));
        CHECK(rt.host_now() - probe.host <= 5us);
        CHECK(copy.calls() == 1);
        CHECK_THROWS_AS(stats.count(), gputime::TimeoutError);
        CHECK(rt.host_now() - probe.host >= 5ms);  // the read is what waited
    }
}

TEST_CASE("owed: moving a Stats hands over what it is owed, and its error, without waiting") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    Stats stats;
    {
        gputime::ScopedGpuTimer timer(stats, clock);
        launch(rt, 2ms);
    }
    const WaitProbe probe(rt);
    Stats moved(std::move(stats));
    Stats assigned;
    assigned = std::move(moved);
    CHECK(probe.same(rt));
    CHECK(rt.host_now() == probe.host);  // not one CUDA call
    CHECK(clock.pending_count() == 1);
    CHECK(stats.calls() == 0);     // NOLINT(bugprone-use-after-move): left empty
    CHECK(moved.calls() == 0);     // NOLINT(bugprone-use-after-move)
    CHECK(assigned.calls() == 1);  // the read of the last owner waits for it
    CHECK(assigned.first_call().count() == us(2005));

    SECTION("an error owed moves too") {
        rt.inject(gputime::sim::CallFault{gputime::sim::Call::event_elapsed_ms, 400});
        {
            gputime::ScopedGpuTimer timer(assigned, clock);
            launch(rt, 10us);
        }
        Stats last(std::move(assigned));
        CHECK_THROWS_AS(last.count(), gputime::CudaError);
        CHECK(last.calls() == 1);
    }
}

TEST_CASE("owed: copy-assigning over a Stats that is owed drops its pairs, without waiting") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    Stats target, source;
    source.add(Duration{us(7)});
    {
        gputime::ScopedGpuTimer timer(target, clock);
        launch(rt, 3ms);
    }
    const WaitProbe probe(rt);
    target = source;
    CHECK(probe.same(rt));
    CHECK(clock.pending_count() == 0);  // its events went back to the pool
    CHECK(target.calls() == 1);
    CHECK(target.first_call().count() == us(7));
}

TEST_CASE("owed: a Stats that outlives its clock keeps the error it was owed, copies of it do not throw") {
    gputime::sim::Runtime rt;
    Stats stats;
    {
        SimClock clock(rt);
        rt.inject(gputime::sim::CallFault{gputime::sim::Call::event_elapsed_ms, 400});
        gputime::ScopedGpuTimer timer(stats, clock);
        launch(rt, 10us);
    }  // the clock resolves what it owes as it dies: the pair fails, the error stays owed
    const Stats copy(stats);
    CHECK(copy.calls() == 0);
    CHECK_THROWS_AS(stats.count(), gputime::CudaError);
    CHECK_NOTHROW(stats.count());
}
