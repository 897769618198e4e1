// SPDX-License-Identifier: MIT
// Several threads, the way the README says to use the library: one clock per thread (and per
// simulated GPU), one Stats per thread, pooled with Stats::merge once the threads are joined.
// Nothing here is shared between running threads; the tests exist for ThreadSanitizer, which
// would see a hidden shared state (a static in a clock, a Stats touching its clock from the
// wrong thread after a join). Counts and times are exact. Simulator defaults: launch 5 us of
// host time, every other call 1 us.
#include "support/test_framework.hpp"

#include <gputime/core/error.hpp>
#include <gputime/core/host_clock.hpp>
#include <gputime/core/scoped_timer.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/measure/warmup_runner.hpp>
#include <gputime/sim/runtime.hpp>
#include <gputime/stats/stats.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using gputime::Stats;
using gputime::sim::Kernel;
using gputime::sim::Stream;
using SimClock = gputime::CudaEventClock<gputime::sim::Runtime>;

namespace {
double us(double x) { return x * 1000.0; }
constexpr std::size_t kThreads = 4;
}  // namespace

TEST_CASE("threads: each thread runs its own simulated GPU and clock, the results merge exactly") {
    std::vector<gputime::RunResult> results(kThreads);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < kThreads; ++t) {
        threads.emplace_back([t, &results] {
            gputime::sim::Runtime rt;
            SimClock clock(rt);
            const Kernel k = Kernel::fixed("k", std::chrono::microseconds(10 * (t + 1)));
            results[t] = gputime::WarmupRunner(clock).warmup(5).iterations(200).run([&] { rt.launch(Stream{}, k); });
        });
    }
    for (std::thread& th : threads) th.join();

    Stats all;
    for (std::size_t t = 0; t < kThreads; ++t) {
        const gputime::RunResult& r = results[t];
        REQUIRE(r.complete);
        // Latency mode: every call finds the stream idle, launch latency (5 us) + kernel.
        CHECK(r.latency.count() == 200);
        CHECK(r.latency.min().count() == us(5 + 10.0 * static_cast<double>(t + 1)));
        CHECK(r.latency.max().count() == us(5 + 10.0 * static_cast<double>(t + 1)));
        CHECK(r.enqueue.p50().count() == us(7));
        all.merge(r.latency);
    }
    CHECK(all.count() == kThreads * 200);
    CHECK(all.first_call_count() == kThreads);
    CHECK(all.first_call().count() == us(5 + 25));  // mean of 15, 25, 35, 45 us
    CHECK(all.min().count() == us(15));
    CHECK(all.max().count() == us(45));
    CHECK(all.p50().count() == us(25));  // rank 400 of 800: the last of the 25 us block
}

TEST_CASE("threads: pairs timed on worker threads are resolved and read on the main thread after join") {
    // The clocks outlive their threads: the pending pairs are resolved by the reads below,
    // on this thread, after the joins.
    std::vector<std::unique_ptr<gputime::sim::Runtime>> gpus;
    std::vector<std::unique_ptr<SimClock>> clocks;
    for (std::size_t t = 0; t < kThreads; ++t) {
        gpus.push_back(std::make_unique<gputime::sim::Runtime>());
        clocks.push_back(std::make_unique<SimClock>(*gpus.back()));
    }
    std::vector<Stats> stats(kThreads);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < kThreads; ++t) {
        threads.emplace_back([t, &gpus, &clocks, &stats] {
            for (int i = 0; i < 50; ++i) {
                gputime::ScopedGpuTimer timer(stats[t], *clocks[t]);
                gpus[t]->launch(Stream{}, Kernel::fixed("k", 100us));
            }
        });
    }
    for (std::thread& th : threads) th.join();
    for (std::size_t t = 0; t < kThreads; ++t) CHECK(clocks[t]->pending_count() == 50);

    Stats all;
    for (std::size_t t = 0; t < kThreads; ++t) {
        CHECK(stats[t].calls() == 50);
        CHECK(stats[t].first_call().count() == us(105));  // the idle stream: launch latency too
        CHECK(stats[t].min().count() == us(100));         // back to back: exactly the kernel
        CHECK(stats[t].max().count() == us(100));
        all.merge(stats[t]);
    }
    CHECK(all.calls() == kThreads * 50);
    CHECK(all.count() == kThreads * 49);
}

TEST_CASE("threads: clocks that die on their threads leave Stats (and errors) readable on another") {
    std::vector<Stats> stats(kThreads);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < kThreads; ++t) {
        threads.emplace_back([t, &stats] {
            gputime::sim::Runtime rt;
            SimClock clock(rt);
            clock.resolve_timeout(1ms);
            for (int i = 0; i < 20; ++i) {
                if (t == 0 && i == 19) rt.inject(gputime::sim::Fault::event_never_completes);
                gputime::ScopedGpuTimer timer(stats[t], clock);
                rt.launch(Stream{}, Kernel::fixed("k", 50us));
            }
        });  // the clock's destructor resolves what it owes; thread 0's last pair hangs
    }
    for (std::thread& th : threads) th.join();

    CHECK_THROWS_AS(stats[0].count(), gputime::TimeoutError);  // kept for the Stats when its clock died
    CHECK(stats[0].calls() == 19);
    Stats all;
    for (std::size_t t = 0; t < kThreads; ++t) all.merge(stats[t]);
    CHECK(all.calls() == kThreads * 20 - 1);
    CHECK(all.max().count() == us(50));
}

TEST_CASE("threads: host-clock timers in several threads into per-thread Stats, merged with exact counts") {
    constexpr int kTimers = 1000;
    std::vector<Stats> per_thread(kThreads);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < kThreads; ++t) {
        threads.emplace_back([t, &per_thread] {
            gputime::HostClock clock;
            volatile unsigned sink = 0;
            for (int i = 0; i < kTimers; ++i) {
                gputime::ScopedTimer timer(per_thread[t], clock);
                sink = sink + static_cast<unsigned>(i);
            }
        });
    }
    for (std::thread& th : threads) th.join();

    Stats all;
    for (const Stats& s : per_thread) {
        CHECK(s.calls() == static_cast<std::size_t>(kTimers));
        all.merge(s);
    }
    CHECK(all.calls() == kThreads * kTimers);
    CHECK(all.count() == kThreads * (kTimers - 1));
    CHECK(all.first_call_count() == kThreads);
    CHECK(all.min().count() >= 0.0);
    CHECK(all.samples().size() == all.count());
}
