// Every statistic of gputime::Stats against hand-computed values on synthetic durations.
#include "support/test_framework.hpp"

#include <gputime/stats.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>
#include <vector>

using gputime::Duration;
using gputime::Stats;
using gputime_test::Approx;

namespace {
Stats steady(std::initializer_list<double> ns, double first = 1000.0) {
    Stats s;
    s.set_first_call(Duration{first});
    for (const double x : ns) s.add(Duration{x});
    return s;
}
}  // namespace

TEST_CASE("an empty Stats counts nothing and refuses to invent statistics") {
    const Stats s;
    CHECK(s.count() == 0);
    CHECK(s.calls() == 0);
    CHECK_FALSE(s.has_first_call());
    CHECK_THROWS_AS(s.mean(), std::logic_error);
    CHECK_THROWS_AS(s.p50(), std::logic_error);
    CHECK_THROWS_AS(s.stddev(), std::logic_error);
    CHECK_THROWS_AS(s.mdape(), std::logic_error);
    CHECK_THROWS_AS(s.first_call(), std::logic_error);
}

TEST_CASE("the first duration added is the first call, not a steady sample") {
    Stats s;
    s.add(Duration{25000.0});
    CHECK(s.has_first_call());
    CHECK(s.first_call().count() == 25000.0);
    CHECK(s.count() == 0);
    CHECK(s.calls() == 1);
    CHECK_THROWS_AS(s.first_call_overhead(), std::logic_error);  // no steady p50 yet

    s.add(Duration{1000.0});
    s.add(Duration{1200.0});
    s.add(Duration{1100.0});
    CHECK(s.count() == 3);
    CHECK(s.calls() == 4);
    CHECK(s.mean().count() == 1100.0);
    CHECK(s.p50().count() == 1100.0);
    CHECK(s.first_call_overhead().count() == 23900.0);
}

TEST_CASE("one steady sample: stddev 0, every percentile is that sample") {
    const Stats s = steady({42.0});
    CHECK(s.count() == 1);
    CHECK(s.mean().count() == 42.0);
    CHECK(s.stddev().count() == 0.0);
    CHECK(s.min().count() == 42.0);
    CHECK(s.max().count() == 42.0);
    CHECK(s.percentile(0).count() == 42.0);
    CHECK(s.p99().count() == 42.0);
    CHECK(s.percentile(100).count() == 42.0);
    CHECK(s.mdape() == 0.0);
}

TEST_CASE("two steady samples: nearest-rank p50 is the lower one, stddev uses n - 1") {
    const Stats s = steady({20.0, 10.0});
    CHECK(s.mean().count() == 15.0);
    CHECK(s.stddev().count() == Approx(std::sqrt(50.0)).epsilon(1e-12));
    CHECK(s.p50().count() == 10.0);   // ceil(0.5 * 2) = rank 1
    CHECK(s.percentile(50.1).count() == 20.0);
    CHECK(s.p90().count() == 20.0);
    CHECK(s.min().count() == 10.0);
    CHECK(s.max().count() == 20.0);
    CHECK(s.total().count() == 30.0);
}

TEST_CASE("identical samples have no spread") {
    Stats s;
    s.set_first_call(Duration{5.0});
    for (int i = 0; i < 1000; ++i) s.add(Duration{7.5});
    CHECK(s.mean().count() == 7.5);
    CHECK(s.stddev().count() == 0.0);
    CHECK(s.relative_stddev() == 0.0);
    CHECK(s.mdape() == 0.0);
    CHECK(s.p999().count() == 7.5);
}

TEST_CASE("nearest-rank percentiles on 1..100 and 1..1000") {
    Stats hundred;
    hundred.set_first_call(Duration{0.0});
    for (int i = 100; i >= 1; --i) hundred.add(Duration{static_cast<double>(i)});  // insertion order must not matter
    CHECK(hundred.p50().count() == 50.0);
    CHECK(hundred.p90().count() == 90.0);
    CHECK(hundred.p99().count() == 99.0);
    CHECK(hundred.p999().count() == 100.0);  // ceil(99.9) = 100
    CHECK(hundred.percentile(0.5).count() == 1.0);
    CHECK(hundred.percentile(0).count() == 1.0);
    CHECK(hundred.percentile(100).count() == 100.0);
    CHECK(hundred.percentile(37.2).count() == 38.0);

    Stats thousand;
    thousand.set_first_call(Duration{0.0});
    for (int i = 1; i <= 1000; ++i) thousand.add(Duration{static_cast<double>(i)});
    CHECK(thousand.p99().count() == 990.0);
    CHECK(thousand.p999().count() == 999.0);
    CHECK(thousand.mean().count() == 500.5);
}

TEST_CASE("percentile rejects p outside [0, 100]") {
    const Stats s = steady({1.0, 2.0});
    CHECK_THROWS_AS(s.percentile(-0.1), std::invalid_argument);
    CHECK_THROWS_AS(s.percentile(100.5), std::invalid_argument);
    CHECK_THROWS_AS(s.percentile(std::numeric_limits<double>::quiet_NaN()), std::invalid_argument);
}

TEST_CASE("Welford keeps the variance exact on top of a huge offset") {
    // Naive sum-of-squares loses every digit here: x^2 is ~1e24 while the variance is 30.
    const double offset = 1e12;
    const Stats s = steady({offset + 4, offset + 7, offset + 13, offset + 16});
    CHECK(s.mean().count() == offset + 10);
    CHECK(s.stddev().count() == Approx(std::sqrt(30.0)).epsilon(1e-9));
    CHECK(s.min().count() == offset + 4);
    CHECK(s.max().count() == offset + 16);
}

TEST_CASE("mdape is nanobench's err%: median of |x - median| / x") {
    CHECK(steady({100.0, 200.0, 300.0}).mdape() == Approx(1.0 / 3.0).epsilon(1e-12));
    CHECK(steady({90.0, 100.0, 110.0, 100.0, 100.0}).mdape() == 0.0);
    // errors: 0.1/1.1, 0.1/0.9, 0 and 0 -> sorted {0, 0, 0.0909, 0.111}; nearest-rank median = 0
    CHECK(steady({100.0, 110.0, 90.0, 100.0}).mdape() == 0.0);
    CHECK(steady({0.0, 0.0, 0.0}).mdape() == 0.0);
}

TEST_CASE("merge pools two accumulators exactly") {
    Stats a = steady({1.0, 2.0, 3.0}, 50.0);
    const Stats b = steady({4.0, 5.0}, 70.0);
    a.merge(b);

    const Stats direct = steady({1.0, 2.0, 3.0, 4.0, 5.0});
    CHECK(a.count() == 5);
    CHECK(a.mean().count() == direct.mean().count());
    CHECK(a.stddev().count() == Approx(direct.stddev().count()).epsilon(1e-12));
    CHECK(a.stddev().count() == Approx(std::sqrt(2.5)).epsilon(1e-12));
    CHECK(a.min().count() == 1.0);
    CHECK(a.max().count() == 5.0);
    CHECK(a.p50().count() == 3.0);
    CHECK(a.first_call_count() == 2);
    CHECK(a.first_call().count() == 60.0);
    CHECK(a.calls() == 7);
    CHECK(a.samples() == std::vector<Duration>{Duration{1}, Duration{2}, Duration{3}, Duration{4}, Duration{5}});

    SECTION("into an empty accumulator") {
        Stats empty;
        empty.merge(b);
        CHECK(empty.count() == 2);
        CHECK(empty.min().count() == 4.0);
        CHECK(empty.mean().count() == 4.5);
    }
    SECTION("of an empty accumulator changes nothing") {
        Stats c = b;
        c.merge(Stats{});
        CHECK(c.count() == 2);
        CHECK(c.mean().count() == 4.5);
        CHECK(c.first_call_count() == 1);
    }
    SECTION("with itself doubles every sample") {
        Stats c = b;
        c.merge(c);
        CHECK(c.count() == 4);
        CHECK(c.mean().count() == 4.5);
        CHECK(c.stddev().count() == Approx(std::sqrt(1.0 / 3.0)).epsilon(1e-12));
    }
}

TEST_CASE("set_first_call makes every add() a steady sample and cannot be repeated") {
    Stats s;
    s.set_first_call(Duration{9.0});
    s.add(Duration{1.0});
    CHECK(s.count() == 1);
    CHECK(s.first_call().count() == 9.0);
    CHECK_THROWS_AS(s.set_first_call(Duration{3.0}), std::logic_error);
    s.add_steady(Duration{2.0});
    CHECK(s.count() == 2);
}

TEST_CASE("copies and moves keep every number") {
    Stats s = steady({3.0, 1.0, 2.0}, 10.0);
    CHECK(s.p50().count() == 2.0);  // builds the sorted cache
    Stats copy = s;
    CHECK(copy.samples() == s.samples());
    CHECK(copy.p50().count() == 2.0);
    Stats moved = std::move(copy);
    CHECK(moved.count() == 3);
    CHECK(moved.first_call().count() == 10.0);
    CHECK(moved.mean().count() == 2.0);
    Stats assigned;
    assigned = moved;
    assigned.add(Duration{100.0});
    CHECK(assigned.count() == 4);
    CHECK(moved.count() == 3);
    CHECK(assigned.max().count() == 100.0);
}
