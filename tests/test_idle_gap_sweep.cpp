// Latency against the idle gap, on the simulated GPU with its clock model (exact numbers).
#include "support/test_framework.hpp"

#include <gputime/cuda_event_clock.hpp>
#include <gputime/idle_gap_sweep.hpp>
#include <gputime/sim/runtime.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;

TEST_CASE("sweep_idle_gaps shows latency rising once gaps let the device clock drop") {
    // Clock model defaults: 1980 MHz, 660 MHz after more than 1 ms idle, 2 ms linear ramp back.
    // A 990 000-cycle kernel: 500 us at full clock, 1 ms right after a wake-up (see
    // test_pitfalls.cpp for the integral); plus 5 us launch latency on an idle stream.
    gputime::sim::Config config;
    config.clock.enabled = true;
    gputime::sim::Runtime rt(config);
    gputime::CudaEventClock<gputime::sim::Runtime> clock(rt);
    auto runner = gputime::WarmupRunner(clock).warmup(3).iterations(20);

    const std::vector<gputime::IdleGapPoint> points = gputime::sweep_idle_gaps(
        runner, {0ms, 500us, 5ms}, [&] { rt.launch(gputime::sim::Stream{}, gputime::sim::Kernel::cycles("net", 990000)); });

    REQUIRE(points.size() == 3);
    CHECK(points[0].gap == 0ms);
    CHECK(points[0].result.latency.p50().count() == 505000.0);
    CHECK(points[1].result.latency.p50().count() == 505000.0);   // below the 1 ms idle threshold
    CHECK(points[2].result.latency.p50().count() == 1005000.0);  // every call wakes the device
    CHECK(points[2].result.latency.count() == 20);

    const std::string table = gputime::idle_gap_table(points);
    INFO(table);
    CHECK(table.find("    idle gap           p50") != std::string::npos);
    CHECK(table.find("    5.000 ms      1.005 ms") != std::string::npos);
    CHECK(table.find("1.99x") != std::string::npos);
    CHECK(table.find("hint: latency grows with the idle gap (up to 1.99x)") != std::string::npos);
}

TEST_CASE("idle gaps that change nothing give no hint; bad input is refused") {
    gputime::sim::Runtime rt;  // no clock model: the gap cannot matter
    gputime::CudaEventClock<gputime::sim::Runtime> clock(rt);
    auto runner = gputime::WarmupRunner(clock).warmup(1).iterations(5);
    const auto points = gputime::sweep_idle_gaps(
        runner, {0ms, 10ms}, [&] { rt.launch(gputime::sim::Stream{}, gputime::sim::Kernel::fixed("k", 100us)); });
    CHECK(points[1].result.latency.p50().count() == 105000.0);
    CHECK(gputime::idle_gap_table(points).find("hint") == std::string::npos);
    CHECK_THROWS_AS(gputime::sweep_idle_gaps(runner, {}, [] {}), std::invalid_argument);
    CHECK_THROWS_AS(gputime::idle_gap_table({}), std::invalid_argument);
}
