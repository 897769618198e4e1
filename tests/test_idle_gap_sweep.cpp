// SPDX-License-Identifier: MIT
// Latency against the idle gap, on the simulated GPU with its clock model (exact numbers).
#include "support/scripted_clock.hpp"
#include "support/test_framework.hpp"
#include "support/test_helpers.hpp"

#include <gputime/core/error.hpp>
#include <gputime/core/host_context.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/measure/idle_gap_sweep.hpp>
#include <gputime/report/idle_gap_text.hpp>
#include <gputime/sim/runtime.hpp>

#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {
using gputime_test::contains;
using gputime_test::invalid_argument_of;
}  // namespace

TEST_CASE("sweep_idle_gaps shows latency rising once gaps let the device clock drop") {
    // Clock model defaults: 1980 MHz, 660 MHz after more than 1 ms idle, 2 ms linear ramp back.
    // A 990 000-cycle kernel: 500 us at full clock, 1 ms right after a wake-up (see
    // test_pitfalls.cpp for the integral); plus 5 us launch latency on an idle stream.
    gputime::sim::Config config;
    config.clock.enabled = true;
    gputime::sim::Runtime rt(config);
    gputime::CudaEventClock<gputime::sim::Runtime> clock(rt);
    auto runner = gputime::WarmupRunner(clock).warmup(3).iterations(20);

    const std::vector<gputime::IdleGapPoint> points = gputime::sweep_idle_gaps(runner, {0ms, 500us, 5ms}, [&] {
        rt.launch(gputime::sim::Stream{}, gputime::sim::Kernel::cycles("net", 990000));
    });

    REQUIRE(points.size() == 3);
    CHECK(points[0].gap == 0ms);
    CHECK(points[0].result.latency.p50().count() == 505000.0);
    CHECK(points[1].result.latency.p50().count() == 505000.0);   // below the 1 ms idle threshold
    CHECK(points[2].result.latency.p50().count() == 1005000.0);  // every call wakes the device
    CHECK(points[2].result.latency.count() == 20);

    const std::string table = gputime::to_text(points);
    INFO(table);
    CHECK(table.find("    idle gap           p50") != std::string::npos);
    CHECK(table.find("    5.000 ms      1.005 ms") != std::string::npos);
    CHECK(table.find("1.99x") != std::string::npos);
    CHECK(table.find("hint: latency grows with the idle gap (up to 1.99x)") != std::string::npos);
    // The host's time inside each call (record 1 + launch 5 + record 1 us) does not move: the rise
    // is the device's.
    CHECK(table ==
          "    idle gap           p50           p99          mean   p50 ratio   enqueue p50\n"
          "        0 ns      505.0 us      505.0 us      505.0 us       1.00x      7.000 us\n"
          "    500.0 us      505.0 us      505.0 us      505.0 us       1.00x      7.000 us\n"
          "    5.000 ms      1.005 ms      1.005 ms      1.005 ms       1.99x      7.000 us\n"
          "hint: latency grows with the idle gap (up to 1.99x): the device likely lowers its clock between calls; "
          "report latency at the gaps your service sees, not only back to back\n");
    gputime::HostContext host;
    host.scaling_governor = "powersave";
    CHECK(gputime::to_text(points, host) == table);  // the device's rise: no host hints
}

TEST_CASE("idle-gap text: a host that is slower after sleeping shows in the enqueue column, not as the GPU clock") {
    // No clock model: the device runs every 100 us kernel in 100 us. The "framework" in the call
    // needs 200 us more when the host slept over 1 ms since the last call (a CPU that clocked
    // down): on an idle stream the events see that too, so latency rises with the gap.
    gputime::sim::Runtime rt;
    gputime::CudaEventClock<gputime::sim::Runtime> clock(rt);
    auto runner = gputime::WarmupRunner(clock).warmup(2).iterations(10);
    std::chrono::nanoseconds last_return{0};
    const auto call = [&] {
        if (rt.host_now() - last_return > 1ms) rt.host_work(200us);
        rt.launch(gputime::sim::Stream{}, gputime::sim::Kernel::fixed("k", 100us));
        last_return = rt.host_now();
    };
    const std::vector<gputime::IdleGapPoint> points = gputime::sweep_idle_gaps(runner, {0ms, 5ms}, call);
    CHECK(points[0].result.latency.p50().count() == 105000.0);
    CHECK(points[0].result.enqueue.p50().count() == 7000.0);
    CHECK(points[1].result.latency.p50().count() == 305000.0);  // 1 + 200 + 5 us before the kernel starts
    CHECK(points[1].result.enqueue.p50().count() == 207000.0);
    const std::string table = gputime::to_text(points);
    INFO(table);
    CHECK(table ==
          "    idle gap           p50           p99          mean   p50 ratio   enqueue p50\n"
          "        0 ns      105.0 us      105.0 us      105.0 us       1.00x      7.000 us\n"
          "    5.000 ms      305.0 us      305.0 us      305.0 us       2.90x      207.0 us\n"
          "hint: latency grows with the idle gap (up to 2.90x), and so does the host's enqueue time (p50 7.000 us "
          "at 0 ns, 207.0 us at 5.000 ms): the host is slower after idling (CPU frequency scaling, deep idle "
          "states), so the rise is host-side, not the GPU clock; keep the CPU busy or pinned at a fixed frequency "
          "between calls\n");

    // With the host's context, its own hints follow (here a fake one: the powersave governor).
    gputime::HostContext host;
    host.scaling_governor = "powersave";
    host.build_type = "optimised (NDEBUG)";
    CHECK(gputime::to_text(points, host) == table + "hint: " + gputime::host_hints(host)[0] + "\n");
}

TEST_CASE("idle-gap text: when the GPU clock and the host both slow down, the hint gives the host's share") {
    // The slow host of the test above, with the clock model on and a 990 000-cycle kernel: after
    // 5 ms idle it runs 1000 us instead of 500 us (woken at 660 MHz), on top of the host's 200 us.
    gputime::sim::Config config;
    config.clock.enabled = true;
    gputime::sim::Runtime rt(config);
    gputime::CudaEventClock<gputime::sim::Runtime> clock(rt);
    auto runner = gputime::WarmupRunner(clock).warmup(2).iterations(10);
    std::chrono::nanoseconds last_return{0};
    const std::vector<gputime::IdleGapPoint> points = gputime::sweep_idle_gaps(runner, {0ms, 5ms}, [&] {
        if (rt.host_now() - last_return > 1ms) rt.host_work(200us);
        rt.launch(gputime::sim::Stream{}, gputime::sim::Kernel::cycles("net", 990000));
        last_return = rt.host_now();
    });
    CHECK(points[1].result.latency.p50().count() == 1205000.0);  // 1 + 200 + 5 + 1000 us
    const std::string table = gputime::to_text(points);
    INFO(table);
    CHECK(contains(table,
                   "hint: latency grows with the idle gap (up to 2.39x): the device likely lowers its clock between "
                   "calls; report latency at the gaps your service sees, not only back to back (the host's enqueue "
                   "time rises too, by 200.0 us of the 700.0 us)\n"));
}

TEST_CASE("idle gaps that change nothing give no hint, bad input is refused") {
    gputime::sim::Runtime rt;  // no clock model: the gap cannot matter
    gputime::CudaEventClock<gputime::sim::Runtime> clock(rt);
    auto runner = gputime::WarmupRunner(clock).warmup(1).iterations(5);
    const auto points = gputime::sweep_idle_gaps(
        runner, {0ms, 10ms}, [&] { rt.launch(gputime::sim::Stream{}, gputime::sim::Kernel::fixed("k", 100us)); });
    CHECK(points[1].result.latency.p50().count() == 105000.0);
    CHECK(gputime::to_text(points).find("hint") == std::string::npos);
    CHECK_THROWS_AS(gputime::sweep_idle_gaps(runner, {}, [] {}), std::invalid_argument);
    CHECK_THROWS_AS(gputime::to_text(std::vector<gputime::IdleGapPoint>{}), std::invalid_argument);
    CHECK(invalid_argument_of([&] { gputime::sweep_idle_gaps(runner, {}, [] {}); }).parameter() == "gaps");
    CHECK(invalid_argument_of([] { gputime::to_text(std::vector<gputime::IdleGapPoint>{}); }).parameter() == "points");
}

TEST_CASE("sweep_idle_gaps: a negative gap anywhere is refused before anything is measured") {
    // Every timed call lasts 1 us. The third gap is negative: the sweep used to run the first
    // two measurements, then throw and lose them.
    gputime_test::ScriptedClock clock(std::vector<double>(100, 1000.0));
    auto runner = gputime::WarmupRunner(clock).warmup(1).iterations(2);
    std::size_t calls = 0;
    const auto count_call = [&] { ++calls; };

    const gputime::InvalidArgument e = invalid_argument_of([&] {
        gputime::sweep_idle_gaps(runner, {0ms, 1ms, -5us, 2ms}, count_call);
    });
    CHECK(e.parameter() == "gaps");
    CHECK(e.where() == "sweep_idle_gaps");
    INFO(e.what());
    CHECK(contains(e.what(), "gaps"));
    CHECK(contains(e.what(), "index 2"));
    CHECK(contains(e.what(), "-5000 ns"));
    CHECK(calls == 0);  // nothing was measured, so nothing was lost
    CHECK(clock.marks() == 0);
    CHECK(clock.idled() == 0ns);
    CHECK(clock.synchronizations() == 0);

    // The last gap alone is checked too, and the runner still sweeps valid gaps afterwards.
    CHECK(invalid_argument_of([&] {
              gputime::sweep_idle_gaps(runner, {0ms, -1ns}, count_call);
          }).parameter() == "gaps");
    CHECK(calls == 0);
    const std::vector<gputime::IdleGapPoint> points = gputime::sweep_idle_gaps(runner, {0ms, 1ms}, count_call);
    REQUIRE(points.size() == 2);
    CHECK(calls == 6);  // (1 warm-up + 2 measured) per gap
    CHECK(points[1].gap == 1ms);
    CHECK(points[1].result.latency.count() == 2);
    CHECK(points[1].result.latency.p50().count() == 1000.0);
    CHECK(clock.idled() == 3ms);  // 1 ms before each of the 3 calls of the second point
}

TEST_CASE("idle-gap text: a point without a steady sample shows '-', it does not throw") {
    // warmup(0).iterations(1): the only call is the first call, so there is no steady p50.
    gputime_test::ScriptedClock clock(std::vector<double>(100, 2000.0));
    auto runner = gputime::WarmupRunner(clock).warmup(0).iterations(1);
    std::vector<gputime::IdleGapPoint> points = gputime::sweep_idle_gaps(runner, {0ms, 1ms}, [] {});
    REQUIRE(points[0].result.latency.count() == 0);
    const std::string only_first = gputime::to_text(points);
    INFO(only_first);
    CHECK(only_first ==
          "    idle gap           p50           p99          mean   p50 ratio\n"
          "        0 ns             -             -             -           -\n"
          "    1.000 ms             -             -             -           -\n");

    // A measured point after an empty reference: its numbers, but no ratio to compare with.
    points.push_back(gputime::IdleGapPoint{2ms, gputime::WarmupRunner(clock).warmup(1).iterations(3).run([] {})});
    const std::string mixed = gputime::to_text(points);
    INFO(mixed);
    CHECK(contains(mixed, "    2.000 ms      2.000 us      2.000 us      2.000 us           -\n"));
    CHECK_FALSE(contains(mixed, "hint"));
}
