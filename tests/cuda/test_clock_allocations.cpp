// SPDX-License-Identifier: MIT
// tests/cuda/test_clock_allocations.cpp - the GPU clock allocates nothing in the steady state.
//
// tests/support/allocation_counter.hpp replaces operator new and may be included by one source
// per program; gputime_tests has its one already, so this check lives in this test program
// (gputime_cuda_tests, built whenever the CUDA toolkit is found). It needs no GPU: it runs the
// clock on the simulated runtime, set up so that its own bookkeeping allocates nothing in these
// loops either. Under AddressSanitizer nothing is counted (see the header) and the test says so.
#include "support/allocation_counter.hpp"
#include "support/test_framework.hpp"

#include <gputime/core/scoped_timer.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/cuda/stream_join.hpp>
#include <gputime/sim/runtime.hpp>
#include <gputime/stats/stats.hpp>

#include <chrono>
#include <cstddef>
#include <iostream>

using namespace std::chrono_literals;
using gputime::Stats;
using gputime::sim::Kernel;
using gputime::sim::Stream;
using SimClock = gputime::CudaEventClock<gputime::sim::Runtime>;

namespace {

// The simulator's own bookkeeping must not allocate either: no launch queue to track, no history
// of busy intervals, and no idle gap long enough to start a new clock-model episode.
gputime::sim::Config quiet_config() {
    gputime::sim::Config config;
    config.launch_queue_depth = 0;
    config.busy_history = false;
    config.clock.idle_threshold = std::chrono::hours(1);
    return config;
}

bool skip_without_counter() {
    if (gputime_test::counts_allocations) return false;
    std::cout << "GPUTIME_TEST_SKIPPED: allocations are not counted under AddressSanitizer" << std::endl;
    WARN("allocations are not counted under AddressSanitizer");
    return true;
}

}  // namespace

TEST_CASE("steady state: a GPU scope, its stop() and the resolution of its pair allocate nothing") {
    if (skip_without_counter()) return;
    gputime::sim::Runtime rt(quiet_config());
    SimClock clock(rt);
    const Kernel k = Kernel::fixed("k", 10us);  // a short name: no allocation to copy it
    Stats stats;
    stats.reserve(20000);

    // Warm-up: the event pool, the ring of pending pairs and the Stats' link reach their size.
    for (int i = 0; i < 1000; ++i) {
        gputime::ScopedGpuTimer timer(stats, clock);
        rt.launch(Stream{}, k);
    }
    clock.synchronize();

    SECTION("latency: one pair at a time, resolved by a read") {
        const std::size_t before = gputime_test::allocations();
        for (int i = 0; i < 5000; ++i) {
            {
                gputime::ScopedGpuTimer timer(stats, clock);
                rt.launch(Stream{}, k);
            }
            (void)stats.count();
        }
        const std::size_t after = gputime_test::allocations();  // read before CHECK: it may allocate
        CHECK(after == before);
    }
    SECTION("throughput: a thousand pairs pending, then resolved together") {
        const std::size_t before = gputime_test::allocations();
        for (int round = 0; round < 5; ++round) {
            for (int i = 0; i < 1000; ++i) {
                gputime::ScopedGpuTimer timer(stats, clock);
                rt.launch(Stream{}, k);
            }
            clock.synchronize();
        }
        const std::size_t after = gputime_test::allocations();  // read before CHECK: it may allocate
        CHECK(after == before);
        CHECK(stats.calls() == 6000);
    }
    SECTION("past max_pending: stop() resolves the oldest pairs without allocating") {
        clock.max_pending(64);
        const std::size_t before = gputime_test::allocations();
        for (int i = 0; i < 5000; ++i) {
            gputime::ScopedGpuTimer timer(stats, clock);
            rt.launch(Stream{}, k);
        }
        const std::size_t after = gputime_test::allocations();  // read before CHECK: it may allocate
        CHECK(after == before);
        CHECK(clock.pending_count() <= 64);
    }
}

TEST_CASE("steady state: JoinStreams allocates nothing, on one device or two") {
    if (skip_without_counter()) return;
    gputime::sim::Config config = quiet_config();
    config.device_count = 2;
    gputime::sim::Runtime rt(config);
    const Stream main = rt.create_stream();
    const Stream near = rt.create_stream();
    rt.set_device(1);
    const Stream far = rt.create_stream();
    rt.set_device(0);
    SimClock clock(rt, main);
    Stats stats;
    stats.reserve(4000);
    auto scope = [&] {
        gputime::ScopedGpuTimer timer(stats, clock);
        gputime::JoinStreams join(clock, {near, far});
        rt.launch(main, Kernel::fixed("m", 10us));
        rt.launch(near, Kernel::fixed("n", 20us));
    };
    for (int i = 0; i < 1000; ++i) scope();  // the pools and the ring of pending pairs grow
    clock.synchronize();
    const std::size_t before = gputime_test::allocations();
    for (int i = 0; i < 1000; ++i) scope();
    clock.synchronize();
    const std::size_t after = gputime_test::allocations();
    CHECK(after == before);
    CHECK(stats.calls() == 2000);
}
