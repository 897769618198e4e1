// SPDX-License-Identifier: MIT
// gputime::BoundedStats against the exact gputime::Stats (itself checked against numpy by the
// stats oracle) on many distributions and scales; bucket indices against boundaries computed here
// with long double and against their own definition (tests/oracle/bounded_oracle.cpp checks them
// against exact integer arithmetic in Python).
#include "support/test_framework.hpp"
#include "support/test_helpers.hpp"

#include <gputime/core/error.hpp>
#include <gputime/stats/bounded_stats.hpp>
#include <gputime/stats/exponential_histogram.hpp>
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
using gputime::ExponentialHistogram;
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

// Latency-like shapes, from sub-nanosecond to hours (the relative bound holds above 2^-48 s).
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
    make("sub_ns_0.01_to_1", [&](std::size_t) { return 0.01 + unit_random(rng) * 0.99; });
    make("powers_of_two_seconds", [&](std::size_t) {  // exactly on bucket boundaries
        return 1e9 * std::ldexp(1.0, static_cast<int>(next_random(rng) % 20) - 20);
    });
    make("hours_to_weeks", [&](std::size_t) { return 3.6e12 * std::exp(unit_random(rng) * 5.0); });
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

using gputime_test::invalid_argument_of;

}  // namespace

namespace {

// The bucket of x ns at scale s from log2 in long double: ceil(2^s log2(x / 1e9)) - 1. Exact
// unless x lies within a relative 1e-12 of a boundary; `near` says when it does.
std::int64_t reference_index(double x, int s, bool& near) {
    const long double v = std::ldexp(std::log2l(static_cast<long double>(x) / 1e9L), s);
    const long double c = std::ceil(v);
    near = c - v < 1e-9L || v - (c - 1) < 1e-9L;
    return static_cast<std::int64_t>(c) - 1;
}

std::int64_t floor_half(std::int64_t i) { return i >= 0 ? i / 2 : -((-i + 1) / 2); }

}  // namespace

TEST_CASE("ExponentialHistogram::index_of: buckets from base^i (excluded) to base^(i+1) in seconds, without log()") {
    std::uint64_t rng = 7;
    for (int s = ExponentialHistogram::min_scale; s <= ExponentialHistogram::max_scale; ++s) {
        INFO("scale " << s);
        // Powers of two in seconds are boundaries at every scale; the upper bound is inclusive.
        const std::int64_t per_binade = s >= 0 ? (std::int64_t{1} << s) : 1;
        for (int k = -20; k <= 20; ++k) {
            if (s < 0 && k % (1 << -s) != 0) continue;
            const double x = 1e9 * std::ldexp(1.0, k);  // exact: 2^k s
            const std::int64_t boundary = s >= 0 ? k * per_binade : k / (1 << -s);
            CHECK(ExponentialHistogram::index_of(Duration{x}, s) == boundary - 1);
            CHECK(ExponentialHistogram::index_of(Duration{std::nextafter(x, 1e300)}, s) == boundary);
            CHECK(ExponentialHistogram::index_of(Duration{std::nextafter(x, 0.0)}, s) == boundary - 1);
        }
        // Random durations from 2^-47 s to 2^40 s against long double, monotone, and one scale
        // down is floor(i / 2).
        std::vector<double> xs;
        for (int i = 0; i < 20000; ++i)
            xs.push_back(1e9 * std::ldexp(1.0 + unit_random(rng), static_cast<int>(next_random(rng) % 88) - 48));
        std::sort(xs.begin(), xs.end());
        std::int64_t previous = std::numeric_limits<std::int64_t>::min();
        std::size_t compared = 0;
        for (const double x : xs) {
            const std::int64_t i = ExponentialHistogram::index_of(Duration{x}, s);
            bool near = false;
            const std::int64_t expected = reference_index(x, s, near);
            if (!near) {
                REQUIRE(i == expected);
                ++compared;
            } else {
                REQUIRE((i == expected || i + 1 == expected || i == expected + 1));
            }
            REQUIRE(i >= previous);
            previous = i;
            if (s > ExponentialHistogram::min_scale)
                REQUIRE(ExponentialHistogram::index_of(Duration{x}, s - 1) == floor_half(i));
            // The bucket's bounds, computed, hold x (away from a boundary).
            if (!near) {
                REQUIRE(ExponentialHistogram::bound_seconds(s, i) * 1e9 < x);
                REQUIRE(x <= ExponentialHistogram::bound_seconds(s, i + 1) * 1e9);
            }
        }
        CHECK(compared > 19000);
        // Just above the zero threshold is the lowest bucket; at it, zero_count.
        const double z = ExponentialHistogram::zero_threshold_ns;
        CHECK(z == 1e9 * ExponentialHistogram::zero_threshold_seconds);
        const std::int64_t lowest = s >= 0 ? -48 * per_binade : -48 / (1 << -s);  // 2^-48 s is a boundary
        CHECK(ExponentialHistogram::index_of(Duration{std::nextafter(z, 1.0)}, s) == lowest);
        CHECK(invalid_argument_of([&] { (void)ExponentialHistogram::index_of(Duration{z}, s); }).parameter() ==
              "duration");
    }
    // Bounds: base^i, within an ulp of long double's.
    for (int s : {-4, 0, 3, 7, 8})
        for (std::int64_t i = -12288; i <= 12288; i += 97) {
            if (std::ldexp(static_cast<double>(i), -s) < -1000 || std::ldexp(static_cast<double>(i), -s) > 1000)
                continue;
            const long double exact = std::exp2l(static_cast<long double>(i) / std::ldexp(1.0L, s));
            const double got = ExponentialHistogram::bound_seconds(s, i);
            INFO("scale " << s << " index " << i);
            REQUIRE(std::fabs(static_cast<long double>(got) - exact) <= 1.1e-16L * exact);
        }
    ExponentialHistogram h;
    h.scale = 7;
    CHECK(h.base() == std::exp2(1.0 / 128));
    h.offset = -3;
    h.counts = {1, 2};
    CHECK(h.lower_seconds(1) == ExponentialHistogram::bound_seconds(7, -2));
    CHECK(h.upper_seconds(1) == ExponentialHistogram::bound_seconds(7, -1));
    for (const double bad :
         {0.0, -1.0, std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()})
        CHECK(invalid_argument_of([&] { (void)ExponentialHistogram::index_of(Duration{bad}, 7); }).parameter() ==
              "duration");
    CHECK(invalid_argument_of([&] { (void)ExponentialHistogram::index_of(Duration{1.0}, 9); }).parameter() == "scale");
    CHECK(invalid_argument_of([&] { (void)ExponentialHistogram::index_of(Duration{1.0}, -5); }).parameter() == "scale");
}

TEST_CASE("BoundedStats percentiles are within (base - 1) / (base + 1) of the exact ones, at every scale") {
    CHECK(BoundedStats{}.scale() == 7);
    CHECK(BoundedStats{}.max_relative_error() < 0.005);
    CHECK(BoundedStats::relative_error_of(7) ==
          Approx((std::exp2(1.0 / 128) - 1) / (std::exp2(1.0 / 128) + 1)).epsilon(1e-11));
    CHECK(BoundedStats::relative_error_of(7) < 0.00271);
    CHECK(BoundedStats::relative_error_of(6) > 0.005);  // 7 is the coarsest scale under 0.5%
    const std::vector<double> grid = percent_grid();
    for (const int scale : {7, 8, 6, 3, 0, -4}) {
        double worst = 0.0;
        std::string worst_where;
        for (const Distribution& d : distributions(scale == 7 ? 20000 : 4000)) {
            INFO("scale " << scale << ", distribution " << d.name);
            const Stats exact = filled<Stats>(d.values);
            BoundedStats bounded(scale);
            bounded.set_first_call(Duration{1e9});
            for (const double x : d.values) bounded.add(Duration{x});
            REQUIRE(bounded.count() == exact.count());
            // Scale 8 covers 32 binades in max_buckets: a wider stream drops to 7.
            REQUIRE(bounded.scale() == (scale == 8 && exact.max().count() / exact.min().count() > 0x1p32 ? 7 : scale));
            const double bound = bounded.max_relative_error();
            CHECK(bounded.zero_count() == 0);
            CHECK(bounded.min().count() == exact.min().count());
            CHECK(bounded.max().count() == exact.max().count());
            CHECK(bounded.mean().count() == Approx(exact.mean().count()).epsilon(1e-14));
            CHECK(bounded.total().count() == Approx(exact.total().count()).epsilon(1e-14));
            CHECK(bounded.stddev().count() == Approx(exact.stddev().count()).epsilon(1e-12));
            CHECK(bounded.first_call().count() == 1e9);
            for (const double p : grid) {
                const double e = exact.percentile(p).count(), b = bounded.percentile(p).count();
                const double error = std::fabs(b - e) / e;
                INFO("p = " << p << ": exact " << e << ", bounded " << b);
                CHECK(error <= bound);
                if (error > worst) {
                    worst = error;
                    worst_where = d.name + " p" + std::to_string(p);
                }
            }
            const double exact_mdape = exact.mdape();
            CHECK(std::fabs(bounded.mdape() - exact_mdape) <= 2 * bound * (1.0 + exact_mdape) / (1 - bound) + 1e-15);
        }
        INFO("scale " << scale << ": largest relative error " << worst << " at " << worst_where);
        CHECK(worst >
              0.5 * BoundedStats::relative_error_of(scale));  // the bound is close to what happens: not a loose promise
    }
}

TEST_CASE("BoundedStats percentiles: nearest rank on the counts, reported by 2ab / (a + b)") {
    std::vector<double> ramp;
    for (int i = 100; i >= 1; --i) ramp.push_back(i);
    const BoundedStats b = filled<BoundedStats>(ramp);
    CHECK(b.count() == 100);
    const auto representative = [](double x) {
        const std::int64_t i = ExponentialHistogram::index_of(Duration{x}, 7);
        const double lo = 1e9 * ExponentialHistogram::bound_seconds(7, i),
                     hi = 1e9 * ExponentialHistogram::bound_seconds(7, i + 1);
        return 2.0 * lo * hi / (lo + hi);
    };
    CHECK(b.p50().count() == representative(50.0));
    CHECK(b.p90().count() == representative(90.0));
    CHECK(b.percentile(37.2).count() == representative(38.0));  // rank 38
    CHECK(b.percentile(0).count() == 1.0);                      // the exact minimum
    CHECK(b.percentile(100).count() == 100.0);                  // the exact maximum
    CHECK(b.p99().count() == std::min(representative(99.0), 100.0));
    // p in [0, 100] read as Stats reads it: 99.99% of 999999 samples is rank 999900.
    BoundedStats big;
    big.set_first_call(Duration{0.0});
    for (int i = 1; i <= 999999; ++i) big.add(Duration{static_cast<double>(i)});
    CHECK(std::fabs(big.percentile(99.99).count() - 999900.0) / 999900.0 <= big.max_relative_error());
    CHECK(big.percentile(99.99).count() == std::min(representative(999900.0), 999999.0));
}

TEST_CASE("BoundedStats at the edges: zeros counted apart, exact min/max/mean, a wide span lowers the scale") {
    BoundedStats b;
    b.set_first_call(Duration{5.0});
    Stats exact;
    exact.set_first_call(Duration{5.0});
    const std::vector<double> values = {0.0,  1e-7, std::numeric_limits<double>::denorm_min(), 100.0, 200.0, 300.0,
                                        1e15, 1e20};
    for (const double x : values) {
        b.add(Duration{x});
        exact.add(Duration{x});
    }
    CHECK(b.count() == values.size());
    CHECK(b.zero_count() == 3);  // at most 2^-48 s
    CHECK(b.scale() == 7);       // 100 ns .. 1e20 ns: 60 binades fit
    CHECK(b.min().count() == 0.0);
    CHECK(b.max().count() == 1e20);
    CHECK(b.mean().count() == exact.mean().count());
    CHECK(b.total().count() == exact.total().count());
    CHECK(b.percentile(0).count() == 0.0);
    CHECK(b.percentile(25).count() == 0.0);  // rank 2: a zero -> the exact minimum
    CHECK(b.percentile(100).count() == 1e20);
    CHECK(std::fabs(b.percentile(75).count() - 300.0) / 300.0 <= b.max_relative_error());  // rank 6
    CHECK(std::fabs(b.percentile(87.5).count() - 1e15) / 1e15 <= b.max_relative_error());  // rank 7
    CHECK(std::fabs(b.p50().count() - 100.0) / 100.0 <= b.max_relative_error());           // rank 4
    CHECK(b.memory_bytes() <= BoundedStats::max_buckets * sizeof(std::uint64_t));
    // 1e300 ns is 1e291 s: 1000 binades above 100 ns, more than 8192 buckets hold at scale 7.
    b.add(Duration{1e300});
    exact.add(Duration{1e300});
    CHECK(b.scale() == 3);  // 1000 binades * 2^3 = 8000 buckets
    CHECK(b.memory_bytes() <= BoundedStats::max_buckets * sizeof(std::uint64_t));
    CHECK(b.count() == exact.count());
    CHECK(b.max().count() == 1e300);
    for (const double p : {40.0, 50.0, 70.0, 80.0}) {  // ranks 4 .. 8, above the zeros
        const double e = exact.percentile(p).count();
        INFO("p" << p << " exact " << e);
        CHECK(std::fabs(b.percentile(p).count() - e) / e <= b.max_relative_error());
    }
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
            CHECK(merged->scale() == whole.scale());
            CHECK(merged->histogram().counts == whole.histogram().counts);
            CHECK(merged->min().count() == whole.min().count());
            CHECK(merged->max().count() == whole.max().count());
            for (const double p : percent_grid()) REQUIRE(merged->percentile(p).count() == whole.percentile(p).count());
            CHECK(merged->mdape() == whole.mdape());
            CHECK(merged->mean().count() == Approx(whole.mean().count()).epsilon(1e-14));
            CHECK(merged->stddev().count() == Approx(whole.stddev().count()).epsilon(1e-12));
        }
        // Different scales: the finer one is lowered, exactly as if it had been coarse.
        BoundedStats fine(8), coarse(5), coarse_whole(5);
        for (std::size_t i = 0; i < d.values.size(); ++i) {
            (i % 3 == 0 ? fine : coarse).add_steady(Duration{d.values[i]});
            coarse_whole.add_steady(Duration{d.values[i]});
        }
        BoundedStats into_fine = fine;
        into_fine.merge(coarse);
        coarse.merge(fine);
        CHECK(same_counts(coarse, coarse_whole));
        CHECK(same_counts(into_fine, coarse_whole));
        ExponentialHistogram h = fine.histogram();
        h.merge(BoundedStats(coarse_whole).histogram());  // any order, any scale: counts add
        CHECK(h.scale == 5);
        CHECK(h.count == coarse_whole.count() + fine.count());
    }
    SECTION("merging with itself doubles every count; an empty sketch changes nothing") {
        BoundedStats b = filled<BoundedStats>({10.0, 20.0, 30.0});
        const BoundedStats before = b;
        b.merge(BoundedStats{});
        CHECK(same_counts(b, before));
        b.merge(b);
        CHECK(b.count() == 6);
        CHECK(b.first_call_count() == 2);
        const ExponentialHistogram h = b.histogram();
        CHECK(h.counts[static_cast<std::size_t>(ExponentialHistogram::index_of(Duration{20.0}, 7) - h.offset)] == 2);
        CHECK(b.mean().count() == 20.0);
        CHECK(b.stddev().count() == Approx(std::sqrt(400.0 / 5.0)).epsilon(1e-14));
        BoundedStats empty;
        empty.merge(before);
        CHECK(same_counts(empty, before));
        CHECK(empty.stddev().count() == Approx(10.0).epsilon(1e-14));
    }
}

TEST_CASE("BoundedStats::histogram: the exported counts, recounted from index_of, from_histogram reads it back") {
    for (const Distribution& d : distributions(5000)) {
        INFO("distribution " << d.name);
        BoundedStats b = filled<BoundedStats>(d.values, 2e6);
        b.add(Duration{0.0});
        const ExponentialHistogram h = b.histogram();
        CHECK(h.scale == 7);
        CHECK(h.zero_count == 1);
        CHECK(h.count == d.values.size() + 1);
        REQUIRE_FALSE(h.counts.empty());
        CHECK(h.counts.front() != 0);
        CHECK(h.counts.back() != 0);
        std::vector<std::uint64_t> recount(h.counts.size(), 0);
        for (const double x : d.values) {
            const std::int64_t i = ExponentialHistogram::index_of(Duration{x}, 7) - h.offset;
            REQUIRE(i >= 0);
            REQUIRE(static_cast<std::size_t>(i) < recount.size());
            ++recount[static_cast<std::size_t>(i)];
        }
        CHECK(recount == h.counts);
        const Stats exact = [&] {
            Stats s = filled<Stats>(d.values, 2e6);
            s.add(Duration{0.0});
            return s;
        }();
        CHECK(h.sum_seconds == Approx(exact.total().count() / 1e9).epsilon(1e-14));
        CHECK(h.min_seconds == 0.0);
        CHECK(h.max_seconds == exact.max().count() / 1e9);
        const double n = static_cast<double>(exact.count());
        CHECK(h.sum_squared_deviations ==
              Approx(exact.stddev().count() * exact.stddev().count() * (n - 1) / 1e18).epsilon(1e-11));
        CHECK(h.first_call_count == 1);
        CHECK(h.first_call_sum_seconds == 2e6 / 1e9);

        const BoundedStats back = BoundedStats::from_histogram(h);
        CHECK(back.histogram().counts == h.counts);
        CHECK(back.zero_count() == 1);
        CHECK(back.p99().count() == Approx(b.p99().count()).epsilon(1e-15));
        CHECK(back.mean().count() == Approx(b.mean().count()).epsilon(1e-13));
        CHECK(back.stddev().count() == Approx(b.stddev().count()).epsilon(1e-11));
        CHECK(back.first_call().count() == Approx(2e6).epsilon(1e-15));
    }
    SECTION("an inconsistent histogram is refused, naming the field") {
        const ExponentialHistogram good = filled<BoundedStats>({10.0, 20.0, 30.0}).histogram();
        const auto field_of = [&](void (*spoil)(ExponentialHistogram&)) {
            ExponentialHistogram h = good;
            spoil(h);
            return invalid_argument_of([&] { (void)BoundedStats::from_histogram(h); }).parameter();
        };
        CHECK(field_of([](ExponentialHistogram& h) { h.scale = 9; }) == "scale");
        CHECK(field_of([](ExponentialHistogram& h) { h.count += 1; }) == "count");
        CHECK(field_of([](ExponentialHistogram& h) { h.counts[0] = ~std::uint64_t{0}; }) == "counts");
        CHECK(field_of([](ExponentialHistogram& h) { h.min_seconds = -1.0; }) == "min_seconds");
        CHECK(field_of([](ExponentialHistogram& h) { h.min_seconds = 1.0; }) == "min_seconds");
        CHECK(field_of([](ExponentialHistogram& h) { h.max_seconds = std::numeric_limits<double>::infinity(); }) ==
              "max_seconds");
        CHECK(field_of([](ExponentialHistogram& h) { h.sum_seconds = std::numeric_limits<double>::quiet_NaN(); }) ==
              "sum_seconds");
        CHECK(field_of([](ExponentialHistogram& h) { h.sum_squared_deviations = -1.0; }) == "sum_squared_deviations");
        CHECK(field_of([](ExponentialHistogram& h) { h.first_call_sum_seconds = -1.0; }) == "first_call_sum_seconds");
        CHECK(field_of([](ExponentialHistogram& h) { h.offset = std::numeric_limits<std::int32_t>::max(); }) ==
              "offset");
    }
    SECTION("buckets below the zero threshold (from another process) join zero_count, at any offset") {
        // Index -12288 is 2^-48 s at scale 8, the zero threshold: everything below it is a zero
        // to BoundedStats::add, and so it is here; the window was indexed below its start.
        for (const std::int32_t offset : {-20000, -12291, -2000000000}) {  // -12291..-12289: all below
            INFO("offset " << offset);
            ExponentialHistogram h;
            h.scale = 8;
            h.offset = offset;
            h.counts = {5, 0, 2};
            h.count = 7;
            h.min_seconds = h.max_seconds = 1e-30;
            h.sum_seconds = 7e-30;
            const BoundedStats back = BoundedStats::from_histogram(h);
            CHECK(back.count() == 7);
            CHECK(back.zero_count() == 7);
            CHECK(back.histogram().counts.empty());
        }
        ExponentialHistogram straddling;  // two buckets below the threshold, one above (1 us)
        straddling.scale = 0;
        straddling.offset = -50;
        straddling.counts = std::vector<std::uint64_t>(31, 0);
        straddling.counts[0] = 3;
        straddling.counts[1] = 1;
        straddling.counts[30] = 4;  // index -20: (2^-21, 2^-20] s, about 0.95 us
        straddling.count = 8;
        straddling.min_seconds = 1e-16;
        straddling.max_seconds = 9e-7;
        straddling.sum_seconds = 3.6e-6;
        const BoundedStats back = BoundedStats::from_histogram(straddling);
        CHECK(back.zero_count() == 4);
        CHECK(back.count() == 8);
        CHECK(back.histogram().offset == -20);
        CHECK(back.histogram().counts == std::vector<std::uint64_t>{4});
    }
    SECTION("ExponentialHistogram::downscale is exact and refuses a finer scale") {
        ExponentialHistogram h;
        h.scale = 2;
        h.offset = -3;
        h.counts = {1, 2, 3, 4, 5};  // indices -3..1
        h.count = 15;
        h.downscale(0);  // floor(i / 4): -3..-1 -> -1, 0..1 -> 0
        CHECK(h.offset == -1);
        CHECK(h.counts == std::vector<std::uint64_t>{6, 9});
        CHECK(invalid_argument_of([&] { h.downscale(1); }).parameter() == "to_scale");
        CHECK(invalid_argument_of([&] { h.downscale(-5); }).parameter() == "to_scale");
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
    CHECK(b.stddev().count() == Approx(100.0).epsilon(1e-14));
    CHECK(std::fabs(b.first_call_overhead().count() - 23900.0) <= 1100.0 * b.max_relative_error());
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

TEST_CASE("BoundedStats refuses bad durations, percents and scales as Stats does, nothing changes") {
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
    CHECK(b.zero_count() == 1);
    for (const double x : {nan, inf, -5.0})
        CHECK(invalid_argument_of([&] { b.add(Duration{x}); }).parameter() == "duration");
    CHECK(b.count() == 2);
    CHECK(b.max().count() == 10.0);
    for (const double p : {-0.1, 100.0001, nan, inf}) {
        const gputime::InvalidArgument e = invalid_argument_of([&] { (void)b.percentile(p); });
        CHECK(e.parameter() == "p");
        CHECK(e.where() == "BoundedStats::percentile");
    }
    for (const int scale : {-5, 9, 20, -100}) {
        const gputime::InvalidArgument e = invalid_argument_of([&] { (void)BoundedStats(scale); });
        CHECK(e.parameter() == "scale");
        CHECK(e.where() == "BoundedStats");
    }
    CHECK_THROWS_AS(b.add(Duration{nan}), std::invalid_argument);  // generic handlers catch it
}

TEST_CASE("BoundedStats memory: 8 bytes per bucket between the smallest and largest duration, at most 64 KiB") {
    BoundedStats b;
    CHECK(b.memory_bytes() == 0);
    b.add(Duration{1.0});
    CHECK(b.memory_bytes() == 0);  // a first call needs no bucket
    std::uint64_t rng = 5;
    // 1 us .. 100 ms: 16.6 binades, 2126 buckets at scale 7.
    for (int i = 0; i < 200000; ++i) b.add(Duration{1e3 * std::pow(1e5, unit_random(rng))});
    CHECK(b.memory_bytes() <= 4096 * sizeof(std::uint64_t));
    CHECK(b.memory_bytes() >= 2126 * sizeof(std::uint64_t));
    const std::size_t settled = b.memory_bytes();
    for (int i = 0; i < 200000; ++i) b.add(Duration{1e3 * std::pow(1e5, unit_random(rng))});
    CHECK(b.memory_bytes() == settled);  // no growth once the range is covered
    // Any durations at all: never more than max_buckets.
    for (int i = 0; i < 200000; ++i)
        b.add(Duration{std::ldexp(1.0 + unit_random(rng), static_cast<int>(next_random(rng) % 2000) - 1000)});
    CHECK(b.memory_bytes() <= BoundedStats::max_buckets * sizeof(std::uint64_t));
    CHECK(b.memory_bytes() + sizeof(BoundedStats) <= 65 * 1024);
    const ExponentialHistogram h = b.histogram();
    std::uint64_t sum = h.zero_count;
    for (const std::uint64_t c : h.counts) sum += c;
    CHECK(sum == b.count());
    CHECK(b.count() == 600000);
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
    BoundedStats fine(8);
    BoundedStats fine_moved = std::move(fine);
    CHECK(fine.scale() == 8);  // NOLINT(bugprone-use-after-move): keeps its scale
}
