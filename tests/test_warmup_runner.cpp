// SPDX-License-Identifier: MIT
// WarmupRunner's bookkeeping against scripted durations (exact truth, no device, no sleeps).
#include "support/scripted_clock.hpp"
#include "support/test_framework.hpp"
#include "support/transient_shapes.hpp"

#include <gputime/core/error.hpp>
#include <gputime/measure/warmup_runner.hpp>
#include <gputime/report/text.hpp>
#include <gputime/sim/detail/random.hpp>

#include <chrono>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using gputime::Duration;
using gputime::RunMode;
using gputime::WarmupRunner;
using gputime_test::ScriptedClock;

TEST_CASE("warm-up calls are kept apart from the steady statistics, the first call is the first warm-up call") {
    // 3 warm-up calls (a cold first call, then settling), then 5 measured calls.
    ScriptedClock clock({9000, 1500, 1100, 1000, 1040, 980, 1020, 1000});
    const gputime::RunResult r = WarmupRunner(clock).warmup(3).iterations(5).name("net").run([] {});

    CHECK(r.complete);
    CHECK(r.name == "net");
    CHECK_FALSE(r.device_timed);
    CHECK(r.warmup == std::vector<Duration>{Duration{9000}, Duration{1500}, Duration{1100}});
    CHECK(r.warmup_total().count() == 11600.0);
    CHECK(r.latency.count() == 5);
    CHECK(r.latency.samples() ==
          std::vector<Duration>{Duration{1000}, Duration{1040}, Duration{980}, Duration{1020}, Duration{1000}});
    CHECK(r.first_call().count() == 9000.0);
    CHECK(r.latency.p50().count() == 1000.0);
    CHECK(r.first_call_overhead().count() == 8000.0);
    CHECK(r.latency.mean().count() == 1008.0);
    CHECK(r.throughput_per_second() == gputime_test::Approx(1e9 / 1008.0).epsilon(1e-12));
    CHECK(r.enqueue.count() == 0);  // host clock: enqueue time would only repeat the latency
}

TEST_CASE("the first + (N-1) * steady model against the measured total") {
    ScriptedClock clock({9000, 1500, 1100, 1000, 1040, 980, 1020, 1000});
    const gputime::RunResult r = WarmupRunner(clock).warmup(3).iterations(5).run([] {});
    CHECK(r.predicted_total(1).count() == 9000.0);
    CHECK(r.predicted_total(8).count() == 9000.0 + 7 * 1000.0);
    CHECK(r.measured_total(8).count() == 9000.0 + 1500 + 1100 + 1000 + 1040 + 980 + 1020 + 1000);
    CHECK(r.measured_total(2).count() == 10500.0);
    CHECK(r.predicted_total(0).count() == 0.0);
    CHECK_THROWS_AS(r.measured_total(9), std::out_of_range);
}

TEST_CASE("without warm-up the first measured call is still kept apart") {
    ScriptedClock clock({7000, 100, 200, 300});
    const gputime::RunResult r = WarmupRunner(clock).warmup(0).iterations(4).run([] {});
    CHECK(r.warmup.empty());
    CHECK(r.first_call().count() == 7000.0);
    CHECK(r.latency.count() == 3);
    CHECK(r.latency.mean().count() == 200.0);
    CHECK(r.calls_in_order() == std::vector<Duration>{Duration{7000}, Duration{100}, Duration{200}, Duration{300}});
}

TEST_CASE("the callable may take the call index, counting warm-up calls") {
    ScriptedClock clock(std::vector<double>(6, 10.0));
    std::vector<std::size_t> seen;
    WarmupRunner(clock).warmup(2).iterations(4).run([&](std::size_t call) { seen.push_back(call); });
    CHECK(seen == std::vector<std::size_t>{0, 1, 2, 3, 4, 5});
}

TEST_CASE("latency mode synchronises once per measured call, throughput mode once per phase") {
    ScriptedClock latency_clock(std::vector<double>(7, 10.0));
    WarmupRunner(latency_clock).warmup(2).iterations(5).mode(RunMode::latency).run([] {});
    // one per call (warm-up calls too) plus one closing each phase
    CHECK(latency_clock.synchronizations() == 7 + 2);

    ScriptedClock batch_clock(std::vector<double>(7, 10.0));
    WarmupRunner(batch_clock).warmup(2).iterations(5).mode(RunMode::throughput).run([] {});
    CHECK(batch_clock.synchronizations() == 2);
}

TEST_CASE("untimed work and idle gaps run outside the timed region") {
    ScriptedClock clock(std::vector<double>(3, 50.0));
    std::vector<std::size_t> prepared;
    const gputime::RunResult r = WarmupRunner(clock)
                                     .warmup(1)
                                     .iterations(2)
                                     .between_calls([&](std::size_t call) { prepared.push_back(call); })
                                     .idle_gap(std::chrono::microseconds(100))
                                     .run([] {});
    CHECK(prepared == std::vector<std::size_t>{0, 1, 2});
    CHECK(clock.idled() == std::chrono::microseconds(300));
    CHECK(r.first_call().count() == 50.0);
    CHECK(r.latency.max().count() == 50.0);  // the gaps are not in any sample
}

TEST_CASE("an exception from the callable propagates and what was measured is kept") {
    ScriptedClock clock(std::vector<double>(10, 10.0));
    WarmupRunner runner(clock);
    runner.warmup(2).iterations(5);
    CHECK_THROWS_AS(runner.run([](std::size_t call) {
        if (call == 4) throw std::runtime_error("out of memory");
    }),
                    std::runtime_error);
    const gputime::RunResult& partial = runner.result();
    CHECK_FALSE(partial.complete);
    CHECK(partial.warmup.size() == 2);
    CHECK(partial.latency.count() == 2);  // calls 2 and 3 were measured, call 4 failed
    CHECK(clock.releases() == 1);         // the failed call's start mark went back

    SECTION("also during warm-up") {
        ScriptedClock c2(std::vector<double>(10, 10.0));
        WarmupRunner r2(c2);
        r2.warmup(3).iterations(2);
        CHECK_THROWS_AS(r2.run([](std::size_t call) {
            if (call == 1) throw std::runtime_error("bad input");
        }),
                        std::runtime_error);
        CHECK(r2.result().warmup == std::vector<Duration>{Duration{10}});
        CHECK(r2.result().latency.count() == 0);
    }
}

TEST_CASE("bad settings are refused with a clear error") {
    ScriptedClock clock({});
    WarmupRunner runner(clock);
    CHECK_THROWS_AS(runner.iterations(0), std::invalid_argument);
    CHECK_THROWS_AS(runner.idle_gap(std::chrono::nanoseconds(-1)), std::invalid_argument);
}

TEST_CASE("the text report shows every number a reader needs, with scaled units") {
    std::vector<double> script{25'000'000, 2'000'000, 1'700'000};
    for (int i = 0; i < 200; ++i) script.push_back(i % 2 == 0 ? 1'300'000 : 1'350'000);
    ScriptedClock clock(script);
    const gputime::RunResult r = WarmupRunner(clock).warmup(3).iterations(200).name("vgg").run([] {});
    std::ostringstream os;
    os << r;
    const std::string text = os.str();
    INFO(text);
    CHECK(text.find("gputime: vgg  (host time, latency mode") != std::string::npos);
    CHECK(text.find("3 warm-up + 200 measured") != std::string::npos);
    CHECK(text.find("first call   25.00 ms   overhead 23.70 ms over steady p50") != std::string::npos);
    CHECK(text.find("p50 1.300 ms") != std::string::npos);
    CHECK(text.find("p99 1.350 ms") != std::string::npos);
    CHECK(text.find("T(203) predicted 287.6 ms") != std::string::npos);
    CHECK(text.find("calls/s") != std::string::npos);
    CHECK(text.find("warm-up may be too short: its last call took 1.700 ms") != std::string::npos);
    CHECK(text.find("only ") == std::string::npos);  // 200 samples: no small-sample hint
}

TEST_CASE("hints name small samples and instability") {
    ScriptedClock clock({1000, 100, 120, 140, 160, 180, 200});
    const gputime::RunResult r = WarmupRunner(clock).warmup(1).iterations(6).run([] {});
    const std::vector<std::string> h = gputime::hints(r);
    REQUIRE(h.size() == 3);
    CHECK(h[0].find("only 6 measured calls") != std::string::npos);
    CHECK(h[1].find("unstable") != std::string::npos);
    // 6 samples bound the median (140) only by the smallest and largest: [100, 200], 60/140.
    CHECK(h[2].find("the median is known only to +-42.86% at 95% confidence") != std::string::npos);
}

TEST_CASE("warmup_until_stable ends the warm-up when the timings settle") {
    // A decaying transient, then steady around 1000 ns. Window 3, tolerance 5%:
    // after call 9 the steady samples are {5000,3000,2000,1500,1200,1010,1000,1000}: the last three
    // {1010,1000,1000} have median 1000, the three before {2000,1500,1200} median 1500: not settled.
    // After call 10: last {1000,1000,990} -> 1000, before {1500,1200,1010} -> 1200: not settled.
    // After call 11: last {1000,990,1000} -> 1000, before {1200,1010,1000} -> 1010: |1000-1010| <= 50.5.
    ScriptedClock clock({9000, 5000, 3000, 2000, 1500, 1200, 1010, 1000, 1000, 990, 1000, 1000, 1000, 1000});
    const gputime::RunResult r = WarmupRunner(clock).warmup_until_stable(50, 3, 0.05).iterations(3).run([] {});
    CHECK(r.warmup_settled);
    CHECK(r.warmup.size() == 11);
    CHECK(r.first_call().count() == 9000.0);
    CHECK(r.latency.count() == 3);
    CHECK(r.latency.mean().count() == 1000.0);

    SECTION("and stops at its limit when they never settle") {
        std::vector<double> script;
        for (int i = 0; i < 30; ++i) script.push_back(1000.0 * (30 - i));  // always falling
        ScriptedClock falling(script);
        const gputime::RunResult f = WarmupRunner(falling).warmup_until_stable(20, 3, 0.05).iterations(2).run([] {});
        CHECK_FALSE(f.warmup_settled);
        CHECK(f.warmup.size() == 20);
        std::ostringstream os;
        os << f;
        CHECK(os.str().find("warm-up may be too short") != std::string::npos);
    }
    SECTION("bad settings are refused") {
        ScriptedClock c({});
        WarmupRunner runner(c);
        CHECK_THROWS_AS(runner.warmup_until_stable(6, 3), std::invalid_argument);
        CHECK_THROWS_AS(runner.warmup_until_stable(50, 0), std::invalid_argument);
        CHECK_THROWS_AS(runner.warmup_until_stable(50, 3, 0.0), std::invalid_argument);
    }
}

namespace {
// The parameter a gputime::InvalidArgument names (another exception type propagates).
template <class F>
std::string refused_parameter(F&& f) {
    try {
        f();
    } catch (const gputime::InvalidArgument& e) {
        return e.parameter();
    }
    return "(nothing thrown)";
}
}  // namespace

TEST_CASE("bad input: the runner's settings throw InvalidArgument naming the parameter and change nothing") {
    ScriptedClock clock(std::vector<double>(10, 10.0));
    WarmupRunner runner(clock);
    runner.warmup(2).iterations(3);
    const std::size_t huge = std::numeric_limits<std::size_t>::max();
    CHECK(refused_parameter([&] { runner.warmup_until_stable(10, 0); }) == "window");
    CHECK(refused_parameter([&] { runner.warmup_until_stable(6, 3); }) == "max_calls");
    CHECK(refused_parameter([&] { runner.warmup_until_stable(0, 1); }) == "max_calls");
    CHECK(refused_parameter([&] { runner.warmup_until_stable(10, huge / 2 + 1); }) == "max_calls");  // 2w+1 wraps to 1
    CHECK(refused_parameter([&] { runner.warmup_until_stable(huge, huge); }) == "max_calls");
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    for (const double tolerance : {nan, 0.0, -0.05, inf, -inf})
        CHECK(refused_parameter([&] { runner.warmup_until_stable(50, 3, tolerance); }) == "tolerance");
    CHECK(refused_parameter([&] { runner.iterations(0); }) == "calls");
    CHECK(refused_parameter([&] { runner.idle_gap(std::chrono::nanoseconds(-1)); }) == "gap");
    CHECK(refused_parameter([&] { runner.idle_gap(std::chrono::nanoseconds::min()); }) == "gap");

    const gputime::RunResult r = runner.run([] {});  // as set before the refused calls
    CHECK(r.warmup.size() == 2);
    CHECK_FALSE(r.warmup_settled);
    CHECK(r.latency.count() == 3);
    CHECK(clock.idled().count() == 0);
    // The largest window max_calls allows is accepted, without overflow.
    CHECK(refused_parameter([&] { runner.warmup_until_stable(huge, (huge - 1) / 2); }) == "(nothing thrown)");
    CHECK(refused_parameter([&] { runner.warmup_until_stable(7, 3, 1e300); }) == "(nothing thrown)");
}

TEST_CASE("warmup_auto never ends while the latency is more than 10% above steady, and says when it cannot tell") {
    // Each transient shape at 2% noise, 50 seeds, run by the runner itself (warmup_auto(1000)
    // then 200 measured calls): the first measured call is judged by the shape's envelope.
    const std::vector<gputime_test::TransientShape> shapes = gputime_test::transient_shapes();
    for (const std::size_t which : {std::size_t{0}, std::size_t{1}, std::size_t{5}, std::size_t{9}}) {
        const gputime_test::TransientShape& shape = shapes[which];
        std::size_t settled = 0, too_early = 0, hinted = 0;
        for (std::uint64_t seed = 1; seed <= 50; ++seed) {
            gputime::sim::detail::Xoshiro256StarStar rng(seed);
            std::vector<double> script;
            for (std::size_t i = 0; i < 1200; ++i)
                script.push_back(1e6 * shape.level(i) * (1.0 + 0.02 * rng.standard_normal()));
            ScriptedClock clock(script);
            const gputime::RunResult r =
                WarmupRunner(clock).warmup_auto(1000, std::chrono::nanoseconds{0}).iterations(200).run([] {});
            if (r.warmup_settled) {
                ++settled;
                too_early += shape.excess_near(r.warmup.size()) > 1.10 ? 1 : 0;
            } else {
                CHECK(r.warmup.size() == 1000);  // its limit ended it
                const std::vector<std::string> h = gputime::hints(r);
                for (const std::string& line : h)
                    hinted += line.find("warm-up not settled") != std::string::npos ? 1 : 0;
            }
        }
        INFO(shape.name << ": settled in " << settled << " of 50 runs");
        CHECK(too_early == 0);
        if (shape.settles) {
            CHECK(settled == 50);
        } else {
            CHECK(settled == 0);
            CHECK(hinted == 50);  // the report says the warm-up never settled
        }
    }
}
