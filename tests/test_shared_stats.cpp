// SPDX-License-Identifier: MIT
// gputime::SharedStats / SharedBoundedStats: many threads record into one accumulator while
// others read it; nothing is lost, nothing is counted twice, and a snapshot holds every sample
// recorded before it began. Every value is a whole number of
// nanoseconds that names its thread and its position, so the merged result is checked exactly.
//
// The full size (8 threads x 1M samples) runs in optimised builds; under ThreadSanitizer,
// AddressSanitizer or without optimisation it is scaled down (each add costs microseconds
// there); bench/bench_stats_scale.cpp runs the full size too.
#include "support/test_framework.hpp"

#include <gputime/core/error.hpp>
#include <gputime/core/host_clock.hpp>
#include <gputime/core/scoped_timer.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/sim/runtime.hpp>
#include <gputime/stats/bounded_stats.hpp>
#include <gputime/stats/exponential_histogram.hpp>
#include <gputime/stats/shared_stats.hpp>
#include <gputime/stats/stats.hpp>

#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <thread>
#include <type_traits>
#include <vector>

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define GPUTIME_TEST_SLOW_BUILD 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define GPUTIME_TEST_SLOW_BUILD 1
#endif
#endif
#if !defined(GPUTIME_TEST_SLOW_BUILD) && !defined(__OPTIMIZE__)
#define GPUTIME_TEST_SLOW_BUILD 1
#endif

using gputime::Duration;
using gputime_test::Approx;

namespace {

constexpr std::size_t kThreads = 8;
#if defined(GPUTIME_TEST_SLOW_BUILD)
constexpr std::size_t kPerThread = 20000;
#else
constexpr std::size_t kPerThread = 1000000;
#endif

// Thread t's i-th duration (i from 0): distinct whole nanoseconds, exact as doubles.
double value_of(std::size_t t, std::size_t i) { return static_cast<double>(t * kPerThread + i + 1); }

// Runs `work(t)` in kThreads threads while the calling thread reads `read()` until they end
// (the threads start once the reader has begun).
template <class Work, class Read>
void run_threads_while_reading(Work work, Read read) {
    std::atomic<std::size_t> done{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            while (!go.load()) std::this_thread::yield();
            work(t);
            done.fetch_add(1);
        });
    read();
    go.store(true);
    while (done.load() < kThreads) {
        read();
        std::this_thread::yield();
    }
    for (std::thread& th : threads) th.join();
}

}  // namespace

TEST_CASE("SharedStats: 8 threads add while another reads, none lost, each thread's order kept") {
    gputime::SharedStats shared;
    std::uint64_t last_calls = 0;
    bool calls_never_decrease = true;
    std::size_t snapshots = 0;
    run_threads_while_reading(
        [&](std::size_t t) {
            for (std::size_t i = 0; i < kPerThread; ++i) shared.add(Duration{value_of(t, i)});
        },
        [&] {
            const std::uint64_t now = shared.calls();
            calls_never_decrease = calls_never_decrease && now >= last_calls;
            last_calls = now;
            if (snapshots < 3) {  // a few full snapshots while the writers run (they copy everything)
                const gputime::Stats s = shared.snapshot();
                CHECK(s.calls() <= kThreads * kPerThread);
                ++snapshots;
            }
        });
    CHECK(calls_never_decrease);
    CHECK(shared.calls() == kThreads * kPerThread);
    CHECK(shared.shard_count() == kThreads);

    const gputime::Stats all = shared.snapshot();
    CHECK(all.calls() == kThreads * kPerThread);
    CHECK(all.first_call_count() == kThreads);  // each thread's first duration is its first call
    CHECK(all.count() == kThreads * (kPerThread - 1));
    // The first calls are the values 1, kPerThread + 1, ...: their mean is exact.
    CHECK(all.first_call().count() == static_cast<double>((kThreads - 1) * kPerThread / 2 + 1));
    // Every steady value exactly once, each thread's in the order it added them.
    std::vector<std::size_t> next(kThreads, 1);
    bool in_order = true;
    for (const Duration d : all.samples()) {
        const auto v = static_cast<std::size_t>(d.count()) - 1;
        const std::size_t t = v / kPerThread, i = v % kPerThread;
        in_order = in_order && t < kThreads && next[t] == i;
        if (t < kThreads) next[t] = i + 1;
    }
    CHECK(in_order);
    for (std::size_t t = 0; t < kThreads; ++t) CHECK(next[t] == kPerThread);
    const double n = static_cast<double>(kThreads * kPerThread);
    CHECK(all.total().count() + kThreads * all.first_call().count() == n * (n + 1) / 2);
    CHECK(all.min().count() == 2.0);
    CHECK(all.max().count() == n);
}

TEST_CASE("SharedStats: a ScopedTimer records into a lease of the calling thread's shard") {
    gputime::SharedStats shared;
    const std::size_t scopes = kPerThread / 10;
    run_threads_while_reading(
        [&](std::size_t) {
            gputime::HostClock clock;
            for (std::size_t i = 0; i < scopes; ++i) {
                auto lease = shared.lease();
                gputime::ScopedTimer timer(lease.stats(), clock);
            }
        },
        [&] { (void)shared.snapshot().calls(); });
    const gputime::Stats all = shared.snapshot();
    CHECK(all.calls() == kThreads * scopes);
    CHECK(all.first_call_count() == kThreads);
    CHECK(all.count() == kThreads * (scopes - 1));
    CHECK(all.min().count() >= 0.0);
}

TEST_CASE("SharedBoundedStats: threads' sketches merge into exactly the sketch of every value") {
    gputime::SharedBoundedStats shared;
    run_threads_while_reading(
        [&](std::size_t t) {
            for (std::size_t i = 0; i < kPerThread; ++i) shared.add(Duration{value_of(t, i)});
        },
        [&] { (void)shared.snapshot().count(); });
    const gputime::BoundedStats all = shared.snapshot();
    CHECK(all.calls() == kThreads * kPerThread);
    CHECK(all.first_call_count() == kThreads);

    // The same values fed to one sketch, first calls included.
    gputime::BoundedStats one;
    for (std::size_t t = 0; t < kThreads; ++t) {
        gputime::BoundedStats part;
        for (std::size_t i = 0; i < kPerThread; ++i) part.add(Duration{value_of(t, i)});
        one.merge(part);
    }
    CHECK(same_counts(all, one));
    CHECK(all.p99().count() == one.p99().count());
    CHECK(all.p50().count() == one.p50().count());
    CHECK(all.mean().count() == Approx(one.mean().count()).epsilon(1e-14));
    CHECK(all.stddev().count() == Approx(one.stddev().count()).epsilon(1e-12));
    CHECK(all.max().count() == one.max().count());
}

TEST_CASE("SharedStats: a thread's shard outlives the thread, separate accumulators stay apart") {
    gputime::SharedStats a;
    std::thread([&] {
        a.add(Duration{5.0});
        a.add(Duration{6.0});
    }).join();
    CHECK(a.calls() == 2);
    CHECK(a.snapshot().samples() == std::vector<Duration>{Duration{6.0}});

    // More accumulators in one thread than its cache of shards holds; some destroyed and made
    // again (perhaps at the same address): each keeps exactly its own samples.
    for (int round = 0; round < 3; ++round) {
        std::vector<std::unique_ptr<gputime::SharedStats>> many;
        for (int k = 0; k < 6; ++k) many.push_back(std::make_unique<gputime::SharedStats>());
        for (int rep = 0; rep < 3; ++rep)
            for (int k = 0; k < 6; ++k) many[static_cast<std::size_t>(k)]->add(Duration{static_cast<double>(k)});
        for (int k = 0; k < 6; ++k) {
            const gputime::Stats s = many[static_cast<std::size_t>(k)]->snapshot();
            CHECK(s.calls() == 3);
            CHECK(s.first_call().count() == static_cast<double>(k));
            CHECK(s.max().count() == static_cast<double>(k));
            CHECK(many[static_cast<std::size_t>(k)]->shard_count() == 1);
        }
    }
}

TEST_CASE("SharedStats: a bad duration is refused with InvalidArgument and nothing is recorded") {
    gputime::SharedStats shared;
    shared.add(Duration{1.0});
    try {
        shared.add(Duration{-1.0});
        CHECK(false);
    } catch (const gputime::InvalidArgument& e) {
        CHECK(e.parameter() == "duration");
    }
    CHECK(shared.calls() == 1);
    shared.add(Duration{2.0});  // the shard's lock was released by the throw
    CHECK(shared.calls() == 2);
}

namespace {

// Each writer records kPerThread values and, after each, publishes how many it has recorded;
// the reader takes those counts, then a snapshot: the snapshot must hold at least that many of
// each thread's values (everything recorded before it began), and never more than recorded.
template <class Shared, class Calls, class Check>
void check_snapshots_hold_everything_recorded_before(Shared& shared, Calls calls_of, Check check) {
    std::vector<std::atomic<std::uint64_t>> recorded(kThreads);
    for (auto& r : recorded) r.store(0);
    std::size_t snapshots = 0;
    bool never_lost = true, never_invented = true;
    run_threads_while_reading(
        [&](std::size_t t) {
            for (std::size_t i = 0; i < kPerThread; ++i) {
                shared.add(Duration{value_of(t, i)});
                recorded[t].store(i + 1, std::memory_order_release);
            }
        },
        [&] {
            std::uint64_t before = 0;
            for (auto& r : recorded) before += r.load(std::memory_order_acquire);
            const auto snapshot = shared.snapshot();
            std::uint64_t after = 0;
            for (auto& r : recorded) after += r.load(std::memory_order_acquire);
            const std::uint64_t n = calls_of(snapshot);
            never_lost = never_lost && n >= before;
            never_invented = never_invented && n <= after + kThreads;  // + an add under way per thread
            check(snapshot);
            ++snapshots;
        });
    CHECK(snapshots >= 2);
    CHECK(never_lost);
    CHECK(never_invented);
}

}  // namespace

TEST_CASE("SharedStats: a snapshot holds every sample recorded before it began") {
    gputime::SharedStats shared;
    bool in_order = true;
    check_snapshots_hold_everything_recorded_before(
        shared, [](const gputime::Stats& s) { return static_cast<std::uint64_t>(s.calls()); },
        [&](const gputime::Stats& s) {
            // Each thread's values appear as a prefix, in order.
            std::vector<std::size_t> next(kThreads, 1);
            for (const Duration d : s.samples()) {
                const auto v = static_cast<std::size_t>(d.count()) - 1;
                const std::size_t t = v / kPerThread, i = v % kPerThread;
                in_order = in_order && t < kThreads && next[t] == i;
                if (t < kThreads) next[t] = i + 1;
            }
        });
    CHECK(in_order);
    CHECK(shared.calls() == kThreads * kPerThread);
}

TEST_CASE("SharedBoundedStats: a snapshot holds every sample recorded before it began, its counts consistent") {
    gputime::SharedBoundedStats shared;
    bool consistent = true;
    check_snapshots_hold_everything_recorded_before(
        shared, [](const gputime::BoundedStats& s) { return s.calls(); },
        [&](const gputime::BoundedStats& s) {
            const gputime::ExponentialHistogram h = s.histogram();
            std::uint64_t sum = h.zero_count;
            for (const std::uint64_t c : h.counts) sum += c;
            consistent = consistent && sum == h.count && h.count == s.count();
            if (s.count() != 0) {
                // Every value is a whole number of ns in [1, kThreads * kPerThread].
                consistent = consistent && s.min().count() >= 1.0 && s.max().count() <= kThreads * kPerThread;
                consistent = consistent && s.mean().count() >= s.min().count() && s.mean().count() <= s.max().count();
            }
        });
    CHECK(consistent);
    const gputime::BoundedStats all = shared.snapshot();
    CHECK(all.calls() == kThreads * kPerThread);
    const double n = static_cast<double>(kThreads * kPerThread);
    CHECK(all.total().count() + kThreads * all.first_call().count() == n * (n + 1) / 2);
}

TEST_CASE("SharedBoundedStats: any scale, durations outside the shard's window, zeros: all counted") {
    CHECK(gputime::SharedBoundedStats().scale() == 7);
    for (const int scale : {-4, 0, 5, 8}) {
        INFO("scale " << scale);
        gputime::SharedBoundedStats shared(scale);
        gputime::BoundedStats one(scale);
        // 0 and 1e-7 ns (zero_count), 1e-4 ns (above 2^-48 s, below the window's 2^-40 s),
        // 1e17 ns (above its 2^24 s), and ordinary ones.
        const std::vector<double> values = {5.0, 0.0, 1e-7, 1e-4, 1e17, 1e3, 2e3, 1e6, 1e9, 0x1p-10};
        std::thread([&] {
            for (const double x : values) shared.add(Duration{x});
        }).join();
        for (const double x : values) one.add(Duration{x});
        const gputime::BoundedStats all = shared.snapshot();
        CHECK(all.scale() == one.scale());
        CHECK(same_counts(all, one));
        CHECK(all.zero_count() == 2);
        CHECK(all.mean().count() == Approx(one.mean().count()).epsilon(1e-14));
        CHECK(all.histogram().counts == one.histogram().counts);
        CHECK(shared.calls() == values.size());
    }
    gputime::SharedBoundedStats wide;
    wide.add(Duration{1.0});
    wide.add(Duration{1.0});
    wide.add(Duration{1e300});  // the snapshot lowers its scale to hold both
    const gputime::BoundedStats w = wide.snapshot();
    CHECK(w.count() == 2);
    CHECK(w.scale() < 7);
    CHECK(w.max().count() == 1e300);
    for (const int bad : {-5, 9}) {
        try {
            gputime::SharedBoundedStats s(bad);
            CHECK(false);
        } catch (const gputime::InvalidArgument& e) {
            CHECK(e.parameter() == "scale");
        }
    }
}

TEST_CASE("SharedBoundedStats: a bad duration is refused with InvalidArgument and nothing is recorded") {
    gputime::SharedBoundedStats shared;
    shared.add(Duration{1.0});
    for (const double bad : {-1.0, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
        try {
            shared.add(Duration{bad});
            CHECK(false);
        } catch (const gputime::InvalidArgument& e) {
            CHECK(e.parameter() == "duration");
            CHECK(e.where() == "SharedBoundedStats::add");
        }
    }
    CHECK(shared.calls() == 1);
    shared.add(Duration{2.0});
    shared.add(Duration{-0.0});
    CHECK(shared.calls() == 3);
    const gputime::BoundedStats s = shared.snapshot();
    CHECK(s.first_call().count() == 1.0);
    CHECK(s.min().count() == 0.0);
    CHECK_FALSE(std::signbit(s.min().count()));
}

TEST_CASE("Shared accumulators: threads that start after others ended each get a shard and a first call") {
    // The system gives an ended thread's std::thread::id to a later thread; told apart by id, the
    // later threads inherited the first one's shard, and their cold first calls became steady.
    gputime::SharedStats exact;
    gputime::SharedBoundedStats bounded;
    for (int t = 0; t < 3; ++t) {
        std::thread([&] {
            const double first = 1000.0 * (t + 1);
            exact.add(Duration{first});
            bounded.add(Duration{first});
            exact.add(Duration{10.0});
            bounded.add(Duration{10.0});
        }).join();
    }
    CHECK(exact.shard_count() == 3);
    CHECK(bounded.shard_count() == 3);
    const gputime::Stats e = exact.snapshot();
    CHECK(e.first_call_count() == 3);
    CHECK(e.first_call().count() == 2000.0);  // the mean of 1000, 2000, 3000
    CHECK(e.count() == 3);
    CHECK(e.max().count() == 10.0);
    const gputime::BoundedStats b = bounded.snapshot();
    CHECK(b.first_call_count() == 3);
    CHECK(b.count() == 3);
    CHECK(b.max().count() == 10.0);
}

TEST_CASE("SharedBoundedStats: a thread whose only add is refused makes no shard") {
    gputime::SharedBoundedStats shared;
    std::thread([&] {
        try {
            shared.add(Duration{std::numeric_limits<double>::quiet_NaN()});
        } catch (const gputime::InvalidArgument&) {
        }
    }).join();
    CHECK(shared.shard_count() == 0);
    CHECK(shared.calls() == 0);
    gputime::SharedStats exact;
    std::thread([&] {
        try {
            exact.add(Duration{-1.0});
        } catch (const gputime::InvalidArgument&) {
        }
    }).join();
    CHECK(exact.shard_count() == 0);
}

// A lease ended on another thread wrote the first thread's shard while that thread did: it
// cannot be moved at all.
static_assert(!std::is_move_constructible<gputime::SharedStats::Lease>::value, "a lease stays on its thread");
static_assert(!std::is_copy_constructible<gputime::SharedStats::Lease>::value, "a lease stays on its thread");

TEST_CASE("SharedStats: a lease's durations reach the shard in order, several leases one after another") {
    gputime::SharedStats shared;
    {
        auto lease = shared.lease();
        for (int i = 1; i <= 3; ++i) lease.stats().add(Duration{static_cast<double>(i)});
    }
    {
        auto lease = shared.lease();
        lease.stats().add(Duration{4.0});
    }
    CHECK(shared.failed_leases() == 0);
    const gputime::Stats s = shared.snapshot();
    CHECK(s.calls() == 4);
    CHECK(s.first_call().count() == 1.0);
    CHECK(s.samples() == std::vector<Duration>{Duration{2.0}, Duration{3.0}, Duration{4.0}});
}

TEST_CASE("SharedStats: a lease whose Stats cannot be read when it ends is counted, never thrown") {
    // Fault injection: a GPU timing whose end event never completes (on the simulator, whose
    // time is virtual: the 2 ms timeout passes at once). Reading the lease's Stats in its
    // destructor throws TimeoutError; the destructor must not let it out.
    using namespace std::chrono_literals;
    gputime::sim::Runtime rt;
    gputime::CudaEventClock<gputime::sim::Runtime> clock(rt);
    clock.resolve_timeout(2ms);
    gputime::SharedStats shared;
    shared.add(Duration{7.0});
    rt.inject(gputime::sim::Fault::event_never_completes);
    {
        auto lease = shared.lease();
        gputime::ScopedGpuTimer timer(lease.stats(), clock);
        rt.launch(gputime::sim::Stream{}, gputime::sim::Kernel::fixed("k", 10us));
    }
    CHECK(shared.failed_leases() == 1);
    CHECK(shared.calls() == 1);  // what was recorded before stays
    {
        auto lease = shared.lease();  // the scratch was reset: the next lease starts clean
        lease.stats().add(Duration{8.0});
    }
    CHECK(shared.calls() == 2);
    CHECK(shared.snapshot().samples() == std::vector<Duration>{Duration{8.0}});
}
