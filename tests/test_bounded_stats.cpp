// SPDX-License-Identifier: MIT
// gputime::BoundedStats against the exact gputime::Stats (itself checked against numpy by the
// stats oracle) and against bucket bounds computed here from frexp/ldexp, exactly.
#include "support/test_framework.hpp"
#include "support/test_helpers.hpp"

#include <gputime/stats/bounded_stats.hpp>
#include <gputime/core/error.hpp>
#include <gputime/stats/stats.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

using gputime::BoundedStats;
using gputime::Duration;
using gputime::Stats;
using gputime_test::Approx;

namespace {

std::uint64_t next_random(std::uint64_t& state) {  // splitmix64: fully specified, portable
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
double unit_random(std::uint64_t& state) { return static_cast<double>(next_random(state) >> 11) * 0x1.0p-53; }
double normal_random(std::uint64_t& state) {
    const double u1 = unit_random(state), u2 = unit_random(state);
    return std::sqrt(-2.0 * std::log1p(-u1)) * std::cos(6.283185307179586 * u2);
}

struct Distribution {
    std::string name;
    std::vector<double> values;
};

// Latency-like shapes, all within [1 ns, 2^44 ns): the range the relative bound covers.
std::vector<Distribution> distributions(std::size_t n) {
    std::uint64_t rng = 2024;
    std::vector<Distribution> out;
    const auto make = [&](const std::string& name, const std::function<double(std::size_t)>& f) {
        Distribution d{name, {}};
        for (std::size_t i = 0; i < n; ++i) d.values.push_back(f(i));
        out.push_back(std::move(d));
    };
    make("uniform_1us_1ms", [&](std::size_t) { return 1e3 + unit_random(rng) * (1e6 - 1e3); });
    make("normal_1ms_2pct", [&](std::size_t) { return 1e6 * (1.0 + 0.02 * normal_random(rng)); });
    make("lognormal_sigma_1.5", [&](std::size_t) { return std::exp(13.0 + 1.5 * normal_random(rng)); });
    make("lognormal_sigma_2.5", [&](std::size_t) { return std::exp(12.0 + 2.5 * normal_random(rng)); });
    // Pareto tails (alpha 0.8: infinite mean) above 10 us.
    make("pareto_alpha_0.8", [&](std::size_t) { return 1e4 * std::pow(1.0 - unit_random(rng), -1.0 / 0.8); });
    make("pareto_alpha_1.2", [&](std::size_t) { return 1e4 * std::pow(1.0 - unit_random(rng), -1.0 / 1.2); });
    make("exponential_50us", [&](std::size_t) { return 1.0 + 5e4 * -std::log1p(-unit_random(rng)); });
    make("bimodal_1ms_5ms", [&](std::size_t) {
        return unit_random(rng) < 0.7 ? 1e6 + 1e4 * normal_random(rng) : 5e6 + 1e5 * normal_random(rng);
    });
    make("ties_5_values", [&](std::size_t) {
        static const double v[] = {1000.0, 1001.0, 1002.0, 1500.0, 4000.0};
        return v[next_random(rng) % 5];
    });
    make("constant", [&](std::size_t) { return 7.5; });
    make("whole_ns_1_to_100", [&](std::size_t) { return static_cast<double>(1 + next_random(rng) % 100); });
    make("offset_1e12_spread_1e3", [&](std::size_t) { return 1e12 + unit_random(rng) * 1e3; });
    make("whole_ns_near_2^40", [&](std::size_t) { return std::floor(0x1.0p40 + unit_random(rng) * 1e6); });
    make("near_1ns", [&](std::size_t) { return 1.0 + unit_random(rng) * 0.05; });
    make("near_2^44", [&](std::size_t) { return 0x1.0p44 * (1.0 - unit_random(rng) * 0.01); });
    make("stall_among_fast", [&](std::size_t i) { return i % 1000 == 0 ? 3e10 : 2e4 + unit_random(rng) * 100; });
    return out;
}

std::vector<double> percent_grid() {
    std::vector<double> p = {0.0, 0.001, 0.01, 0.1, 0.5, 99.5, 99.9, 99.99, 99.999, 99.9999, 100.0};
    for (int i = 1; i < 100; ++i) p.push_back(i);
    for (int i = 0; i < 40; ++i) p.push_back(2.5 * i + 0.123456);
    return p;
}

template <class Acc>
Acc filled(const std::vector<double>& values, double first = 1e9) {
    Acc a;
    a.set_first_call(Duration{first});
    for (const double x : values) a.add(Duration{x});
    return a;
}

// The bucket of x in [1, 2^44), computed another way: x = m * 2^e, m in [0.5, 1).
std::size_t expected_bucket(double x) {
    int e = 0;
    const double m = std::frexp(x, &e);                          // exact
    const double sub = std::floor((2.0 * m - 1.0) * 128.0);      // 2m in [1, 2): all exact
    return static_cast<std::size_t>(e - 1) * 128 + static_cast<std::size_t>(sub);
}

using gputime_test::invalid_argument_of;

}  // namespace

TEST_CASE("BoundedStats buckets: each power of two from 1 ns to 2^44 ns in 128 exact parts") {
    CHECK(BoundedStats::bucket_count == 5632);
    CHECK(BoundedStats::highest_ns == std::ldexp(1.0, 44));
    CHECK(BoundedStats::bucket_index(Duration{1.0}) == 0);
    CHECK(BoundedStats::bucket_lower(0).count() == 1.0);
    CHECK(BoundedStats::bucket_upper(0).count() == 1.0 + 1.0 / 128);
    CHECK(BoundedStats::bucket_index(Duration{1.0 + 1.0 / 128}) == 1);
    CHECK(BoundedStats::bucket_index(Duration{std::nextafter(1.0 + 1.0 / 128, 0.0)}) == 0);
    CHECK(BoundedStats::bucket_index(Duration{1.5}) == 64);
    CHECK(BoundedStats::bucket_index(Duration{2.0}) == 128);
    CHECK(BoundedStats::bucket_index(Duration{std::nextafter(2.0, 0.0)}) == 127);
    CHECK(BoundedStats::bucket_lower(128).count() == 2.0);
    CHECK(BoundedStats::bucket_upper(BoundedStats::bucket_count - 1).count() == std::ldexp(1.0, 44));
    CHECK(BoundedStats::bucket_index(Duration{std::nextafter(std::ldexp(1.0, 44), 0.0)}) == 5631);
    // Outside the covered range: no bucket.
    for (const double x : {0.0, 0.5, std::nextafter(1.0, 0.0), std::numeric_limits<double>::denorm_min(),
                           std::ldexp(1.0, 44), 1e15, std::numeric_limits<double>::max()})
        CHECK(BoundedStats::bucket_index(Duration{x}) == BoundedStats::bucket_count);

    // Every bucket is [a, b) with b / a <= 1 + 1/128, and they tile the range.
    for (std::size_t i = 0; i < BoundedStats::bucket_count; ++i) {
        const double a = BoundedStats::bucket_lower(i).count(), b = BoundedStats::bucket_upper(i).count();
        INFO("bucket " << i);
        REQUIRE(b > a);
        REQUIRE(b / a <= 1.0 + 1.0 / 128);
        REQUIRE(BoundedStats::bucket_index(Duration{a}) == i);
        REQUIRE(BoundedStats::bucket_index(Duration{std::nextafter(b, 0.0)}) == i);
        if (i + 1 < BoundedStats::bucket_count) REQUIRE(BoundedStats::bucket_lower(i + 1).count() == b);
    }
    // ... and agree with frexp for random durations.
    std::uint64_t rng = 7;
    for (int i = 0; i < 100000; ++i) {
        const double x = std::ldexp(1.0 + unit_random(rng), static_cast<int>(next_random(rng) % 44));
        REQUIRE(BoundedStats::bucket_index(Duration{x}) == expected_bucket(x));
    }
}

TEST_CASE("BoundedStats percentiles: nearest rank on the counts, reported by 2ab / (a + b)") {
    // 1..100 ns: p50 is the sample 50, in the bucket [50, 50.25) (32 * (1 + 72/128) = 50).
    std::vector<double> ramp;
    for (int i = 100; i >= 1; --i) ramp.push_back(i);
    const BoundedStats b = filled<BoundedStats>(ramp);
    CHECK(b.count() == 100);
    CHECK(BoundedStats::bucket_index(Duration{50.0}) == 5 * 128 + 72);
    CHECK(b.p50().count() == 2.0 * 50.0 * 50.25 / 100.25);
    CHECK(b.p90().count() == 2.0 * 90.0 * 90.5 / 180.5);    // 64 * (1 + 52/128) = 90, width 0.5
    CHECK(b.percentile(37.2).count() == 2.0 * 38.0 * 38.25 / 76.25);  // rank 38
    CHECK(b.percentile(0).count() == 1.0);    // the exact minimum
    CHECK(b.percentile(100).count() == 100.0);  // the exact maximum
    CHECK(b.p99().count() == 2.0 * 99.0 * 99.5 / 198.5);
    CHECK(b.bucket(5 * 128 + 72) == 1);
    // p in [0, 100] read as Stats reads it: 99.99% of 999999 samples is rank 999900.
    BoundedStats big;
    big.set_first_call(Duration{0.0});
    for (int i = 1; i <= 999999; ++i) big.add(Duration{static_cast<double>(i)});
    const double a = BoundedStats::bucket_lower(BoundedStats::bucket_index(Duration{999900.0})).count();
    const double u = BoundedStats::bucket_upper(BoundedStats::bucket_index(Duration{999900.0})).count();
    CHECK(2.0 * a * u / (a + u) > 999999.0);  // the bucket reaches past the largest sample:
    CHECK(big.percentile(99.99).count() == 999999.0);  // its representative is clamped to max()
    CHECK(std::fabs(big.percentile(99.99).count() - 999900.0) / 999900.0 <= BoundedStats::max_relative_error);
}

TEST_CASE("BoundedStats percentiles are within 1/257 of the exact ones on many distributions") {
    CHECK(BoundedStats::max_relative_error < 0.005);
    const std::vector<double> grid = percent_grid();
    double worst = 0.0;
    std::string worst_where;
    for (const Distribution& d : distributions(20000)) {
        INFO("distribution " << d.name);
        const Stats exact = filled<Stats>(d.values);
        const BoundedStats bounded = filled<BoundedStats>(d.values);
        REQUIRE(bounded.count() == exact.count());
        CHECK(bounded.underflow_count() == 0);
        CHECK(bounded.overflow_count() == 0);
        CHECK(bounded.min().count() == exact.min().count());
        CHECK(bounded.max().count() == exact.max().count());
        CHECK(bounded.mean().count() == Approx(exact.mean().count()).epsilon(1e-13));
        CHECK(bounded.total().count() == Approx(exact.total().count()).epsilon(1e-13));
        CHECK(bounded.stddev().count() == Approx(exact.stddev().count()).epsilon(1e-9));
        CHECK(bounded.first_call().count() == 1e9);
        for (const double p : grid) {
            const double e = exact.percentile(p).count(), b = bounded.percentile(p).count();
            const double error = std::fabs(b - e) / e;
            INFO("p = " << p << ": exact " << e << ", bounded " << b);
            CHECK(error <= BoundedStats::max_relative_error * (1 + 1e-12));
            if (error > worst) {
                worst = error;
                worst_where = d.name + " p" + std::to_string(p);
            }
        }
        // mdape on the representatives: within (2/256)(1 + exact) of the exact err%.
        const double exact_mdape = exact.mdape();
        CHECK(std::fabs(bounded.mdape() - exact_mdape) <= (2.0 / 256.0) * (1.0 + exact_mdape) + 1e-15);
    }
    INFO("largest relative error " << worst << " at " << worst_where);
    CHECK(worst > 0.0);  // the check above really compared approximations
}

TEST_CASE("BoundedStats outside 1 ns..2^44 ns: counted, exact min/max/mean, clamped percentiles") {
    BoundedStats b;
    b.set_first_call(Duration{5.0});
    Stats exact;
    exact.set_first_call(Duration{5.0});
    const std::vector<double> values = {0.0, 0.5, std::numeric_limits<double>::denorm_min(), 100.0, 200.0,
                                        300.0, std::ldexp(1.0, 44), 1e15, 1e20};
    for (const double x : values) {
        b.add(Duration{x});
        exact.add(Duration{x});
    }
    CHECK(b.count() == values.size());
    CHECK(b.underflow_count() == 3);
    CHECK(b.overflow_count() == 3);
    CHECK(b.min().count() == 0.0);
    CHECK(b.max().count() == 1e20);
    CHECK(b.mean().count() == exact.mean().count());
    CHECK(b.total().count() == exact.total().count());
    CHECK(b.percentile(0).count() == 0.0);
    CHECK(b.percentile(20).count() == 0.0);   // rank 2: below 1 ns -> the exact minimum
    CHECK(b.percentile(100).count() == 1e20);
    CHECK(b.percentile(80).count() == 1e20);  // rank 8: at or above 2^44 ns -> the exact maximum
    CHECK(std::fabs(b.p50().count() - 200.0) / 200.0 <= BoundedStats::max_relative_error);  // rank 5
}

TEST_CASE("BoundedStats merge: the sketch of the parts is the sketch of the whole, count for count") {
    const std::vector<Distribution> sets = distributions(30000);
    for (const Distribution& d : sets) {
        INFO("distribution " << d.name);
        const BoundedStats whole = filled<BoundedStats>(d.values, 100.0);
        // Seven parts, dealt out by a random rule; each part has its own first call.
        std::vector<BoundedStats> parts(7);
        for (std::size_t k = 0; k < parts.size(); ++k) parts[k].set_first_call(Duration{100.0});
        std::uint64_t rng = 31;
        for (const double x : d.values) parts[next_random(rng) % parts.size()].add(Duration{x});
        BoundedStats left_to_right;
        for (const BoundedStats& p : parts) left_to_right.merge(p);
        BoundedStats tree = parts[6];
        BoundedStats pair_a = parts[0], pair_b = parts[2];
        pair_a.merge(parts[1]);
        pair_b.merge(parts[3]);
        pair_b.merge(parts[4]);
        pair_a.merge(pair_b);
        tree.merge(parts[5]);
        tree.merge(pair_a);

        for (const BoundedStats* merged : {&left_to_right, &tree}) {
            CHECK(merged->first_call_count() == 7);
            CHECK(merged->first_call().count() == 100.0);
            CHECK(merged->count() == whole.count());
            for (std::size_t i = 0; i < BoundedStats::bucket_count; ++i) REQUIRE(merged->bucket(i) == whole.bucket(i));
            CHECK(merged->underflow_count() == whole.underflow_count());
            CHECK(merged->overflow_count() == whole.overflow_count());
            CHECK(merged->min().count() == whole.min().count());
            CHECK(merged->max().count() == whole.max().count());
            for (const double p : percent_grid()) REQUIRE(merged->percentile(p).count() == whole.percentile(p).count());
            CHECK(merged->mdape() == whole.mdape());
            CHECK(merged->mean().count() == Approx(whole.mean().count()).epsilon(1e-14));
            CHECK(merged->stddev().count() == Approx(whole.stddev().count()).epsilon(1e-9));
        }
    }
    SECTION("merging with itself doubles every count; an empty sketch changes nothing") {
        BoundedStats b = filled<BoundedStats>({10.0, 20.0, 30.0});
        const BoundedStats before = b;
        b.merge(BoundedStats{});
        CHECK(same_counts(b, before));
        b.merge(b);
        CHECK(b.count() == 6);
        CHECK(b.first_call_count() == 2);
        CHECK(b.bucket(BoundedStats::bucket_index(Duration{20.0})) == 2);
        CHECK(b.mean().count() == 20.0);
        CHECK(b.stddev().count() == Approx(std::sqrt(400.0 / 5.0)).epsilon(1e-12));
        BoundedStats empty;
        empty.merge(before);
        CHECK(same_counts(empty, before));
        CHECK(empty.stddev().count() == Approx(10.0).epsilon(1e-12));
    }
}

TEST_CASE("BoundedStats keeps the first call apart, as Stats does") {
    BoundedStats b;
    CHECK(b.count() == 0);
    CHECK(b.calls() == 0);
    CHECK_THROWS_AS(b.first_call(), std::logic_error);
    CHECK_THROWS_AS(b.p50(), std::logic_error);
    CHECK_THROWS_AS(b.mean(), std::logic_error);
    CHECK_THROWS_AS(b.mdape(), std::logic_error);
    b.add(Duration{25000.0});
    CHECK(b.has_first_call());
    CHECK(b.first_call().count() == 25000.0);
    CHECK(b.count() == 0);
    CHECK(b.calls() == 1);
    CHECK_THROWS_AS(b.min(), std::logic_error);
    b.add(Duration{1000.0});
    b.add(Duration{1200.0});
    b.add(Duration{1100.0});
    CHECK(b.count() == 3);
    CHECK(b.calls() == 4);
    CHECK(b.mean().count() == 1100.0);
    CHECK(b.stddev().count() == Approx(100.0).epsilon(1e-12));
    CHECK(std::fabs(b.first_call_overhead().count() - 23900.0) <= 1100.0 * BoundedStats::max_relative_error);
    CHECK_THROWS_AS(b.set_first_call(Duration{1.0}), std::logic_error);

    BoundedStats explicit_first;
    explicit_first.set_first_call(Duration{9.0});
    explicit_first.add(Duration{1.0});
    explicit_first.add_steady(Duration{2.0});
    CHECK(explicit_first.count() == 2);
    CHECK(explicit_first.first_call().count() == 9.0);

    BoundedStats steady_only;
    steady_only.add_steady(Duration{3.0});
    CHECK(steady_only.count() == 1);
    CHECK_FALSE(steady_only.has_first_call());
    steady_only.add(Duration{4.0});  // the first add() is still the first call
    CHECK(steady_only.count() == 1);
    CHECK(steady_only.first_call().count() == 4.0);
}

TEST_CASE("BoundedStats refuses bad durations and percents as Stats does, nothing changes") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    BoundedStats b;
    for (const double x : {nan, -nan, inf, -inf, -1.0, -1e-300}) {
        INFO("duration " << x);
        const gputime::InvalidArgument e = invalid_argument_of([&] { b.add(Duration{x}); });
        CHECK(e.parameter() == "duration");
        CHECK(e.where() == "BoundedStats::add");
        CHECK(b.calls() == 0);
        CHECK(invalid_argument_of([&] { b.set_first_call(Duration{x}); }).where() == "BoundedStats::set_first_call");
        CHECK(invalid_argument_of([&] { b.add_steady(Duration{x}); }).where() == "BoundedStats::add_steady");
    }
    b.add(Duration{-0.0});  // a -0 is a 0
    b.add(Duration{-0.0});
    b.add(Duration{10.0});
    CHECK(b.first_call().count() == 0.0);
    CHECK_FALSE(std::signbit(b.first_call().count()));
    CHECK(b.count() == 2);
    CHECK(b.min().count() == 0.0);
    CHECK_FALSE(std::signbit(b.min().count()));
    CHECK(b.underflow_count() == 1);
    for (const double x : {nan, inf, -5.0}) CHECK(invalid_argument_of([&] { b.add(Duration{x}); }).parameter() == "duration");
    CHECK(b.count() == 2);
    CHECK(b.max().count() == 10.0);
    for (const double p : {-0.1, 100.0001, nan, inf}) {
        const gputime::InvalidArgument e = invalid_argument_of([&] { (void)b.percentile(p); });
        CHECK(e.parameter() == "p");
        CHECK(e.where() == "BoundedStats::percentile");
    }
    CHECK(invalid_argument_of([&] { (void)b.bucket(BoundedStats::bucket_count); }).parameter() == "i");
    CHECK_THROWS_AS(b.add(Duration{nan}), std::invalid_argument);  // generic handlers catch it
}

TEST_CASE("BoundedStats memory is 45072 bytes whatever the count (under 64 KiB)") {
    BoundedStats b;
    CHECK(b.memory_bytes() == 0);
    b.add(Duration{1.0});
    const std::size_t fixed = b.memory_bytes();
    CHECK(fixed == (BoundedStats::bucket_count + 2) * sizeof(std::uint64_t));
    CHECK(fixed == 45072);
    CHECK(fixed + sizeof(BoundedStats) <= 64 * 1024);
    std::uint64_t rng = 5;
    for (int i = 0; i < 500000; ++i) b.add(Duration{std::ldexp(1.0 + unit_random(rng), static_cast<int>(next_random(rng) % 60) - 8)});
    CHECK(b.memory_bytes() == fixed);
    CHECK(b.count() == 500000);
    std::uint64_t sum = b.underflow_count() + b.overflow_count();
    for (std::size_t i = 0; i < BoundedStats::bucket_count; ++i) sum += b.bucket(i);
    CHECK(sum == b.count());
}

TEST_CASE("BoundedStats copies and moves: a moved-from sketch is empty and usable") {
    BoundedStats a = filled<BoundedStats>({3.0, 1.0, 2.0}, 10.0);
    BoundedStats copy = a;
    CHECK(same_counts(copy, a));
    BoundedStats moved = std::move(copy);
    CHECK(same_counts(moved, a));
    CHECK(copy.count() == 0);  // NOLINT(bugprone-use-after-move): documented state
    CHECK(copy.memory_bytes() == 0);
    CHECK_FALSE(copy.has_first_call());
    copy.add(Duration{7.0});
    copy.add(Duration{8.0});
    CHECK(copy.count() == 1);
    CHECK(copy.first_call().count() == 7.0);
    CHECK(copy.max().count() == 8.0);
    BoundedStats assigned;
    assigned = std::move(moved);
    CHECK(assigned.count() == 3);
    CHECK(assigned.min().count() == 1.0);
    moved.add(Duration{1.0});  // NOLINT(bugprone-use-after-move)
    moved.add(Duration{2.0});
    CHECK(moved.count() == 1);
}
