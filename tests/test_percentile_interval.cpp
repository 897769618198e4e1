// SPDX-License-Identifier: MIT
// Percentile confidence intervals on Stats: the bounds are the order statistics at the ranks
// scipy.stats.binom gives (values below from generate_interval_oracle.py; the full grid is
// checked by the interval_oracle ctest), open sides when samples are too few, typed errors.
#include "support/test_framework.hpp"

#include <gputime/core/error.hpp>
#include <gputime/stats/percentile_interval.hpp>
#include <gputime/stats/stats.hpp>

#include <cmath>
#include <string>

using gputime::Duration;
using gputime::Stats;

namespace {
// Steady samples 1..n ns (a first call of 0 ns kept apart), in a scrambled order.
Stats ramp(std::size_t n) {
    Stats s;
    s.set_first_call(Duration{0.0});
    for (std::size_t i = 0; i < n; ++i) s.add(Duration{static_cast<double>((i * 7919) % n + 1)});
    return s;
}

template <class F>
std::string rejected_parameter(F&& f) {
    try {
        f();
    } catch (const gputime::InvalidArgument& e) {
        CHECK(std::string(e.what()).find(e.parameter()) != std::string::npos);
        return e.parameter();
    }
    return "(accepted)";
}
}  // namespace

TEST_CASE("percentile_interval: bounds are the order statistics at scipy's ranks") {
    SECTION("p50 of 1000 samples at 95%: ranks 469 and 532") {
        const gputime::PercentileInterval i = ramp(1000).percentile_interval(50.0, 0.95);
        CHECK(i.bounded());
        CHECK(i.estimate.count() == 500.0);
        CHECK(i.lower.count() == 469.0);
        CHECK(i.upper.count() == 532.0);
        CHECK(std::fabs(i.ranks.coverage - 0.9537088026395018) < 1e-12);
        CHECK(std::fabs(i.relative_half_width() - 32.0 / 500.0) < 1e-15);
    }
    SECTION("p99 of 1000 samples at 95%: ranks 983 and 997") {
        const gputime::PercentileInterval i = ramp(1000).percentile_interval(99.0);
        CHECK(i.estimate.count() == 990.0);
        CHECK(i.lower.count() == 983.0);
        CHECK(i.upper.count() == 997.0);
    }
    SECTION("p99 of 200 samples: bounded below (rank 195), open above") {
        const gputime::PercentileInterval i = ramp(200).percentile_interval(99.0, 0.95);
        CHECK_FALSE(i.bounded());
        CHECK_FALSE(i.lower_open);
        CHECK(i.upper_open);
        CHECK(i.lower.count() == 195.0);
        CHECK(i.ranks.upper == 201);
        CHECK(std::isinf(i.relative_half_width()));
    }
    SECTION("p99.99 of 1e6 samples: ranks 999880 and 999920") {
        const gputime::PercentileInterval i = ramp(1000000).percentile_interval(99.99, 0.95);
        CHECK(i.estimate.count() == 999900.0);
        CHECK(i.lower.count() == 999880.0);
        CHECK(i.upper.count() == 999920.0);
    }
    SECTION("368 samples close a p99 at 95%, 367 do not") {
        CHECK(gputime::samples_needed(99.0, 0.95) == 368);
        CHECK(ramp(368).percentile_interval(99.0).bounded());
        CHECK_FALSE(ramp(367).percentile_interval(99.0).bounded());
        CHECK(gputime::samples_needed(50.0, 0.95) == 6);
        CHECK(gputime::samples_needed(99.9, 0.95) == 3688);
        CHECK(gputime::samples_needed(99.0, 0.99) == 528);
    }
}

TEST_CASE("percentile_interval: ties and identical samples give a zero-width interval") {
    Stats s;
    for (int i = 0; i < 500; ++i) s.add(Duration{250.0});
    const gputime::PercentileInterval i = s.percentile_interval(90.0);
    CHECK(i.bounded());
    CHECK(i.lower.count() == 250.0);
    CHECK(i.upper.count() == 250.0);
    CHECK(i.relative_half_width() == 0.0);
}

TEST_CASE("percentile_interval and samples_needed refuse bad input with a typed error") {
    const Stats s = ramp(100);
    CHECK(rejected_parameter([&] { s.percentile_interval(std::nan(""), 0.95); }) == "p");
    CHECK(rejected_parameter([&] { s.percentile_interval(101.0, 0.95); }) == "p");
    CHECK(rejected_parameter([&] { s.percentile_interval(50.0, 1.0); }) == "confidence");
    CHECK(rejected_parameter([&] { s.percentile_interval(50.0, 0.0); }) == "confidence");
    CHECK(rejected_parameter([&] { s.percentile_interval(50.0, std::nan("")); }) == "confidence");
    CHECK(rejected_parameter([&] { gputime::samples_needed(100.0, 0.95); }) == "p");
    CHECK(rejected_parameter([&] { gputime::samples_needed(0.0, 0.95); }) == "p");
    CHECK(rejected_parameter([&] { s.order_statistic(0); }) == "rank");
    CHECK(rejected_parameter([&] { s.order_statistic(101); }) == "rank");
    CHECK(s.order_statistic(1).count() == 1.0);
    CHECK(s.order_statistic(100).count() == 100.0);
    CHECK_THROWS_AS(Stats{}.percentile_interval(50.0), std::logic_error);  // nothing measured yet
}
