// Latency against the idle gap, on the simulated GPU with its clock model (exact numbers).
#include "support/scripted_clock.hpp"
#include "support/test_framework.hpp"

#include <gputime/cuda_event_clock.hpp>
#include <gputime/error.hpp>
#include <gputime/idle_gap_sweep.hpp>
#include <gputime/sim/runtime.hpp>

#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {
// The gputime::InvalidArgument `f` throws; a failed CHECK when it throws nothing.
template <class F>
gputime::InvalidArgument invalid_argument_of(F&& f) {
    try {
        f();
    } catch (const gputime::InvalidArgument& e) {
        return e;
    }
    const bool threw_invalid_argument = false;
    CHECK(threw_invalid_argument);
    return gputime::InvalidArgument("(nothing thrown)", "(none)", "");
}
bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
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
    CHECK(invalid_argument_of([&] { gputime::sweep_idle_gaps(runner, {}, [] {}); }).parameter() == "gaps");
    CHECK(invalid_argument_of([] { gputime::idle_gap_table({}); }).parameter() == "points");
}

TEST_CASE("sweep_idle_gaps: a negative gap anywhere is refused before anything is measured") {
    // Every timed call lasts 1 us. The third gap is negative: the sweep used to run the first
    // two measurements, then throw and lose them.
    gputime_test::ScriptedClock clock(std::vector<double>(100, 1000.0));
    auto runner = gputime::WarmupRunner(clock).warmup(1).iterations(2);
    std::size_t calls = 0;
    const auto count_call = [&] { ++calls; };

    const gputime::InvalidArgument e =
        invalid_argument_of([&] { gputime::sweep_idle_gaps(runner, {0ms, 1ms, -5us, 2ms}, count_call); });
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
    CHECK(invalid_argument_of([&] { gputime::sweep_idle_gaps(runner, {0ms, -1ns}, count_call); }).parameter() == "gaps");
    CHECK(calls == 0);
    const std::vector<gputime::IdleGapPoint> points = gputime::sweep_idle_gaps(runner, {0ms, 1ms}, count_call);
    REQUIRE(points.size() == 2);
    CHECK(calls == 6);  // (1 warm-up + 2 measured) per gap
    CHECK(points[1].gap == 1ms);
    CHECK(points[1].result.latency.count() == 2);
    CHECK(points[1].result.latency.p50().count() == 1000.0);
    CHECK(clock.idled() == 3ms);  // 1 ms before each of the 3 calls of the second point
}

TEST_CASE("idle_gap_table: a point without a steady sample shows '-', it does not throw") {
    // warmup(0).iterations(1): the only call is the first call, so there is no steady p50.
    gputime_test::ScriptedClock clock(std::vector<double>(100, 2000.0));
    auto runner = gputime::WarmupRunner(clock).warmup(0).iterations(1);
    std::vector<gputime::IdleGapPoint> points = gputime::sweep_idle_gaps(runner, {0ms, 1ms}, [] {});
    REQUIRE(points[0].result.latency.count() == 0);
    const std::string only_first = gputime::idle_gap_table(points);
    INFO(only_first);
    CHECK(only_first == "    idle gap           p50           p99          mean   p50 ratio\n"
                        "        0 ns             -             -             -           -\n"
                        "    1.000 ms             -             -             -           -\n");

    // A measured point after an empty reference: its numbers, but no ratio to compare with.
    points.push_back(gputime::IdleGapPoint{2ms, gputime::WarmupRunner(clock).warmup(1).iterations(3).run([] {})});
    const std::string mixed = gputime::idle_gap_table(points);
    INFO(mixed);
    CHECK(contains(mixed, "    2.000 ms      2.000 us      2.000 us      2.000 us           -\n"));
    CHECK_FALSE(contains(mixed, "hint"));
}
