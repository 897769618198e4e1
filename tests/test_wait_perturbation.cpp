// SPDX-License-Identifier: MIT
// The wait does not perturb what it measures: WarmupRunner's latency mode on the simulated GPU
// against the floor of event timing (record; launch; record; cudaEventSynchronize, what
// torch.cuda.Event timing does) and the untimed loop (launch; cudaStreamSynchronize), for kernels
// from 5 us to 10 ms and durations of many shapes; the host's cost of a wait; and an idle gap just
// under the clock model's 1 ms threshold that must not let the device drop its clock.
// Simulator costs: launch 5 us of host time, every other CUDA call 1 us, a poll (yield) 1 us.
#include "support/test_framework.hpp"

#include <gputime/cuda/event_clock.hpp>
#include <gputime/measure/idle_gap_sweep.hpp>
#include <gputime/measure/warmup_runner.hpp>
#include <gputime/sim/runtime.hpp>
#include <gputime/stats/stats.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using gputime::sim::Kernel;
using gputime::sim::Stream;
using ns = std::chrono::nanoseconds;

namespace {
using Durations = std::vector<ns>;

Durations constant(ns kernel, std::size_t calls) { return Durations(calls, kernel); }

// Host time per call of `calls` iterations after `warm` untimed ones.
double untimed_per_call(const Durations& d, std::size_t warm, const gputime::sim::Config& config = {}) {
    gputime::sim::Runtime rt(config);
    const Stream s = rt.create_stream();
    ns t0{};
    for (std::size_t i = 0; i < d.size(); ++i) {
        if (i == warm) t0 = rt.host_now();
        rt.launch(s, Kernel::fixed("k", d[i]));
        rt.stream_synchronize(s);
    }
    return static_cast<double>((rt.host_now() - t0).count()) / static_cast<double>(d.size() - warm);
}

double event_floor_per_call(const Durations& d, std::size_t warm, const gputime::sim::Config& config = {}) {
    gputime::sim::Runtime rt(config);
    const Stream s = rt.create_stream();
    gputime::sim::Event start, stop;
    rt.event_create(&start);
    rt.event_create(&stop);
    ns t0{};
    for (std::size_t i = 0; i < d.size(); ++i) {
        if (i == warm) t0 = rt.host_now();
        rt.event_record(start, s);
        rt.launch(s, Kernel::fixed("k", d[i]));
        rt.event_record(stop, s);
        rt.event_synchronize(stop);
    }
    return static_cast<double>((rt.host_now() - t0).count()) / static_cast<double>(d.size() - warm);
}

struct Timed {
    double per_call = 0;       // host time per measured call [ns]
    double busy_per_call = 0;  // host time spent polling (queries and yields) per call [ns]
    double sleeps_per_call = 0;
    gputime::RunResult result;
};

template <class Runtime = gputime::sim::Runtime>
Timed latency_mode(const Durations& d, std::size_t warm, const gputime::sim::Config& config = {}) {
    Runtime rt(config);
    const Stream s = rt.create_stream();
    gputime::CudaEventClock<Runtime> clock(rt, s);
    gputime::WarmupRunner<gputime::CudaEventClock<Runtime>> runner(clock);
    runner.warmup(warm).iterations(d.size() - warm);
    const gputime::sim::Counters before = rt.counters();
    Timed t;
    t.result = runner.run([&](std::size_t i) { rt.launch(s, Kernel::fixed("k", d[i])); });
    const gputime::sim::Counters after = rt.counters();
    const double calls = static_cast<double>(d.size());
    t.per_call = static_cast<double>(t.result.wall.count()) / static_cast<double>(d.size() - warm);
    const double polls =
        static_cast<double>(after.event_queries - before.event_queries) * static_cast<double>(config.api_cost.count()) +
        static_cast<double>(after.yields - before.yields) * static_cast<double>(config.poll_cost.count());
    t.busy_per_call = polls / calls;
    t.sleeps_per_call = static_cast<double>(after.sleeps - before.sleeps) / calls;
    return t;
}

std::string us(double nanoseconds) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2f us", nanoseconds / 1e3);
    return text;
}
}  // namespace

TEST_CASE("wait: latency mode against the event-timing floor, 5 us to 10 ms (the table)") {
    const std::size_t warm = 10, calls = 110;  // WarmupRunner's default warm-up, then 100 calls
    std::cout
        << "\nlatency mode on the simulator (launch 5 us, API call 1 us), per call:\n"
        << "| kernel | launch + sync | event floor | gputime latency mode | ratio to the floor | host busy per wait |\n"
        << "|---|---|---|---|---|---|\n";
    for (const ns kernel : {ns(5us), ns(20us), ns(100us), ns(300us), ns(1ms), ns(3ms), ns(10ms)}) {
        const Durations d = constant(kernel, calls);
        const double untimed = untimed_per_call(d, warm);
        const double floor = event_floor_per_call(d, warm);
        const Timed timed = latency_mode(d, warm);
        const double ratio = timed.per_call / floor;
        char row[200];
        std::snprintf(row, sizeof row, "| %s | %s | %s | %s | %.4f | %s |\n",
                      us(static_cast<double>(kernel.count())).c_str(), us(untimed).c_str(), us(floor).c_str(),
                      us(timed.per_call).c_str(), ratio, us(timed.busy_per_call).c_str());
        std::cout << row;
        INFO(row);
        CHECK(ratio <= 1.01);
        CHECK(timed.per_call / untimed <= 1.01);  // the timed program against the untimed one
        // What was measured is right: each call starts on an idle stream, so every sample is the
        // launch latency (5 us) plus the kernel, on the 0.5 us event grid.
        const double expected = std::floor(static_cast<double>((kernel + 5us).count()) / 500.0) * 500.0;
        CHECK(timed.result.latency.count() == calls - warm);
        CHECK(timed.result.latency.min().count() == expected);
        CHECK(timed.result.latency.max().count() == expected);
    }
}

TEST_CASE("wait: the 1.01 bound holds for every kernel length from 5 us to 10 ms") {
    const std::size_t warm = 10, calls = 60;
    double worst = 0.0;
    ns worst_at{};
    for (double k = 5000.0; k <= 10e6; k *= 1.13) {  // 56 lengths, none a round number
        const ns kernel{static_cast<std::int64_t>(k)};
        const Durations d = constant(kernel, calls);
        const double ratio = latency_mode(d, warm).per_call / event_floor_per_call(d, warm);
        if (ratio > worst) {
            worst = ratio;
            worst_at = kernel;
        }
    }
    INFO("worst ratio " << worst << " at a kernel of " << us(static_cast<double>(worst_at.count())));
    CHECK(worst <= 1.01);
}

namespace {
// Durations of several shapes around `base`, the same for the floor and the timed run.
Durations shaped(const std::string& shape, ns base, std::size_t calls, std::uint64_t seed) {
    std::mt19937_64 random(seed);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    std::lognormal_distribution<double> lognormal(0.0, 0.1);
    Durations d;
    const double b = static_cast<double>(base.count());
    for (std::size_t i = 0; i < calls; ++i) {
        double x = b;
        const double at = static_cast<double>(i) / static_cast<double>(calls);
        if (shape == "lognormal") x = b * lognormal(random);
        if (shape == "bimodal") x = uniform(random) < 0.5 ? b : 3.0 * b;
        if (shape == "pareto") x = b * std::pow(1.0 - uniform(random), -1.0 / 2.5);
        if (shape == "drift") x = b * (1.0 + 0.5 * at);
        if (shape == "step down") x = at < 0.5 ? b : 0.6 * b;
        if (shape == "step up") x = at < 0.5 ? b : 1.6 * b;
        if (shape == "alternating 10x") x = i % 2 == 0 ? b : 10.0 * b;
        d.push_back(ns{static_cast<std::int64_t>(x)});
    }
    return d;
}
}  // namespace

TEST_CASE("wait: the bound holds whatever the shape of the durations") {
    const std::size_t warm = 10, calls = 160;
    for (const char* shape : {"lognormal", "bimodal", "pareto", "drift", "step down", "step up", "alternating 10x"}) {
        double worst = 0.0;
        for (const ns base : {ns(5us), ns(40us), ns(300us), ns(2ms), ns(10ms)}) {
            for (std::uint64_t seed = 1; seed <= 3; ++seed) {
                const Durations d = shaped(shape, base, calls, seed);
                worst = std::max(worst, latency_mode(d, warm).per_call / event_floor_per_call(d, warm));
            }
        }
        INFO(shape << ": worst ratio to the event floor " << worst);
        CHECK(worst <= 1.01);
    }
    SECTION("and with the simulator's own noise: 2% jitter, 1% outliers at 5x") {
        gputime::sim::Config config;
        config.noise.relative_stddev = 0.02;
        config.noise.outlier_probability = 0.01;
        for (std::uint64_t seed = 1; seed <= 3; ++seed) {
            config.noise.seed = seed;
            for (const ns kernel : {ns(20us), ns(300us), ns(3ms)}) {
                const Durations d = constant(kernel, calls);
                const double ratio = latency_mode(d, warm, config).per_call / event_floor_per_call(d, warm, config);
                INFO("seed " << seed << ", kernel " << us(static_cast<double>(kernel.count())) << ": ratio " << ratio);
                CHECK(ratio <= 1.01);
            }
        }
    }
}

TEST_CASE("wait: a long wait sleeps, the core is busy only around the expected end") {
    const std::size_t warm = 10, calls = 110;
    std::cout << "\nhost cost of a wait in latency mode (simulator: a query or a yield costs 1 us):\n";
    for (const ns kernel : {ns(1ms), ns(10ms)}) {
        const Timed timed = latency_mode(constant(kernel, calls), warm);
        std::cout << "  kernel " << us(static_cast<double>(kernel.count())) << ": busy polling "
                  << us(timed.busy_per_call) << " per wait, " << timed.sleeps_per_call << " sleeps per wait\n";
        // About WaitBackoff::spin (50 us) of polling before the expected end, a few queries after
        // it, and the bookkeeping of the call before: far below the wait itself.
        CHECK(timed.busy_per_call <= 60e3);
        CHECK(timed.busy_per_call >= 50e3);
        CHECK(timed.sleeps_per_call >= 1.0);
        CHECK(timed.busy_per_call / static_cast<double>(kernel.count()) <= 0.06);
    }
}

namespace {
// A host whose sleeps overshoot (timer slack and wake-up latency, ~60 us on a stock Linux).
class OvershootingRuntime : public gputime::sim::Runtime {
public:
    using gputime::sim::Runtime::Runtime;
    void sleep_for(std::chrono::nanoseconds d) {
        gputime::sim::Runtime::sleep_for(d);
        if (d > std::chrono::nanoseconds{0}) host_work(60us);
    }
};
}  // namespace

TEST_CASE("wait: a host whose sleeps overshoot is woken early enough") {
    const std::size_t warm = 10, calls = 110;
    for (const ns kernel : {ns(300us), ns(1ms), ns(5ms)}) {
        const Durations d = constant(kernel, calls);
        const Timed timed = latency_mode<OvershootingRuntime>(d, warm);
        const double ratio = timed.per_call / event_floor_per_call(d, warm);
        INFO("kernel " << us(static_cast<double>(kernel.count())) << ": ratio " << ratio);
        CHECK(ratio <= 1.01);
    }
}

TEST_CASE("wait: an idle gap of 990 us does not let the device drop its clock, 1010 us does") {
    // The clock model drops the SM clock after more than 1 ms of idle device time. The device's
    // gap between calls is the host's gap plus what the host does between noticing the end of a
    // call and launching the next: the start record (1 us), the launch (5 us) and the wait's
    // lateness, which must stay under 4 us for a 990 us gap.
    for (const ns kernel : {ns(20us), ns(100us), ns(300us)}) {
        for (const ns gap : {ns(990us), ns(1010us)}) {
            gputime::sim::Config config;
            config.clock.enabled = true;
            gputime::sim::Runtime rt(config);
            const Stream s = rt.create_stream();
            gputime::CudaEventClock<gputime::sim::Runtime> clock(rt, s);
            const auto cycles = static_cast<std::uint64_t>(static_cast<double>(kernel.count()) * 1.98);  // at 1980 MHz
            auto runner = gputime::WarmupRunner(clock).warmup(20).iterations(50);
            const auto points =
                gputime::sweep_idle_gaps(runner, {gap}, [&] { rt.launch(s, Kernel::cycles("k", cycles)); });
            const double full_speed = std::floor(static_cast<double>((kernel + 5us).count()) / 500.0) * 500.0;
            INFO("kernel " << us(static_cast<double>(kernel.count())) << ", gap "
                           << us(static_cast<double>(gap.count())) << ": p50 "
                           << us(points.front().result.latency.p50().count()));
            if (gap < 1ms) {
                CHECK(points.front().result.latency.max().count() == full_speed);
            } else {
                CHECK(points.front().result.latency.min().count() > 1.5 * full_speed);  // the control: it drops
            }
        }
    }
}

TEST_CASE("wait: a call shorter than every recent one is noticed late once, then the wait has learnt") {
    gputime::sim::Runtime rt;
    const Stream s = rt.create_stream();
    gputime::CudaEventClock<gputime::sim::Runtime> clock(rt, s);
    gputime::Stats stats;
    auto call = [&](ns kernel) {
        {
            gputime::ScopedGpuTimer timer(stats, clock);
            rt.launch(s, Kernel::fixed("k", kernel));
        }
        const ns end = rt.stream_tail(s);
        clock.wait_for_marks();
        return rt.host_now() - end;  // how late the host noticed the end
    };
    // The first three waits have nothing to predict from: they poll for 50 us, then sleep.
    for (int i = 0; i < 3; ++i) CHECK(call(1ms) <= 200us);
    for (int i = 3; i < 10; ++i) CHECK(call(1ms) <= 1us);
    // 400 us: the wait sleeps until 50 us before the 1 ms it expects, and wakes long after the end.
    const ns late = call(400us);
    CHECK(late >= 500us);
    CHECK(late <= 610us);
    // The pair's exact duration is learnt when it is resolved (while the next call runs): the
    // next short call is noticed at once. A long one now lies past the polled stretch (500 us past
    // the shortest): noticed within one short sleep (WaitBackoff::first_sleep, 10 us).
    CHECK(call(400us) <= 1us);
    CHECK(call(1ms) <= 10us);
    clock.synchronize();
    CHECK(stats.calls() == 13);
}
