// SPDX-License-Identifier: MIT
// Every statistic of gputime::Stats against hand-computed values on synthetic durations.
#include "support/noise_shapes.hpp"
#include "support/test_framework.hpp"
#include "support/test_helpers.hpp"

#include <gputime/core/error.hpp>
#include <gputime/stats/stats.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
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
    CHECK(s.p50().count() == 10.0);  // ceil(0.5 * 2) = rank 1
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

TEST_CASE("percentile rejects p outside 0..100") {
    const Stats s = steady({1.0, 2.0});
    CHECK_THROWS_AS(s.percentile(-0.1), std::invalid_argument);
    CHECK_THROWS_AS(s.percentile(100.5), std::invalid_argument);
    CHECK_THROWS_AS(s.percentile(std::numeric_limits<double>::quiet_NaN()), std::invalid_argument);
}

namespace {
using gputime_test::invalid_argument_of;
}  // namespace

TEST_CASE("percentile: a NaN p or one outside 0..100 is an InvalidArgument naming p") {
    const Stats s = steady({1.0, 2.0});
    const double inf = std::numeric_limits<double>::infinity();
    for (const double p : {-0.1, -1e-300, 100.00000001, 1e300, inf, -inf, std::numeric_limits<double>::quiet_NaN()}) {
        INFO("p = " << p);
        const gputime::InvalidArgument e = invalid_argument_of([&] { (void)s.percentile(p); });
        CHECK(e.parameter() == "p");
        CHECK(e.where() == "Stats::percentile");
        CHECK(std::string(e.what()).find("[0, 100]") != std::string::npos);
        CHECK(invalid_argument_of([&] { (void)Stats::nearest_rank_index(p, 10); }).parameter() == "p");
    }
    CHECK(s.percentile(-0.0).count() == 1.0);  // the boundaries themselves are fine
    CHECK(s.percentile(100.0).count() == 2.0);
    CHECK(s.count() == 2);
}

TEST_CASE("nearest rank is exact for large n: p is the decimal it was written as") {
    // 99.99% of 999999 is 999899.0001: rank 999900. The double 99.99 lies a little below 99.99,
    // and a floating-point p * n / 100 lands on 999899.00009999995, within any "almost whole"
    // tolerance of 999899.
    Stats ramp;
    ramp.set_first_call(Duration{0.0});
    for (int i = 1; i <= 999999; ++i) ramp.add(Duration{static_cast<double>(i)});
    CHECK(ramp.percentile(99.99).count() == 999900.0);
    CHECK(ramp.percentile(99.999).count() == 999990.0);   // 999989.00001 -> rank 999990
    CHECK(ramp.percentile(99.9999).count() == 999999.0);  // 999998.000001 -> the maximum
    CHECK(ramp.percentile(0.0001).count() == 1.0);        // 0.999999 -> rank 1
    CHECK(ramp.percentile(50).count() == 500000.0);       // 499999.5 -> rank 500000
    CHECK(ramp.p999().count() == 999000.0);               // 998999.001 -> rank 999000
    CHECK(ramp.percentile(0.1).count() == 1000.0);        // 999.999 -> rank 1000

    // p99.999 of 99999 samples: 99998.00001, so rank 99999 - the maximum, not the one below it.
    Stats small;
    small.set_first_call(Duration{0.0});
    for (int i = 99999; i >= 1; --i) small.add(Duration{static_cast<double>(i)});
    CHECK(small.percentile(99.999).count() == 99999.0);
    CHECK(small.percentile(99.99).count() == 99990.0);  // 99989.0001 -> rank 99990

    // The index alone, for n far past what fits in memory (expected values computed in exact
    // rationals: ceil(p/100 * n) - 1).
    const std::size_t two53 = std::size_t{1} << 53;
    CHECK(Stats::nearest_rank_index(50.0, two53) == (two53 / 2) - 1);
    CHECK(Stats::nearest_rank_index(99.999999999, two53) == std::size_t{9007199254650920});
    CHECK(Stats::nearest_rank_index(0.000000001, two53) == std::size_t{90071});
    CHECK(Stats::nearest_rank_index(12.345678, two53 + 2) == std::size_t{1111999816808722});
    CHECK(Stats::nearest_rank_index(100.0, two53 + 1) == two53);
    if (sizeof(std::size_t) >= 8) {
        const std::size_t max = std::numeric_limits<std::size_t>::max();
        CHECK(Stats::nearest_rank_index(99.9, max) == std::size_t{18428297329635842063u});
        CHECK(Stats::nearest_rank_index(33.333333333, max) == std::size_t{6148914691175028058u});
        CHECK(Stats::nearest_rank_index(100.0, max) == max - 1);
        CHECK(Stats::nearest_rank_index(0.0, max) == 0);
    }
    // Exact boundaries: 1e-9 percent of 1e11 samples is rank 1 exactly, of 1e11 + 1 rank 2.
    CHECK(Stats::nearest_rank_index(0.000000001, std::size_t{100000000000}) == 0);
    CHECK(Stats::nearest_rank_index(0.000000001, std::size_t{100000000001}) == 1);
    CHECK(Stats::nearest_rank_index(12.345678, std::size_t{100000000}) == std::size_t{12345677});
    CHECK(Stats::nearest_rank_index(0.0, 1) == 0);
    CHECK(Stats::nearest_rank_index(100.0, 1) == 0);
}

TEST_CASE("nearest rank reads p to 1e-9 percent, the documented resolution") {
    const std::size_t n = std::size_t{1000000000000};  // 1e12: ranks finer than the resolution
    // 99.9999999994 rounds to 99.999999999 percent: rank 999999999990, not 999999999994.
    CHECK(Stats::nearest_rank_index(99.9999999994, n) == std::size_t{999999999989});
    CHECK(Stats::nearest_rank_index(99.999999999, n) == std::size_t{999999999989});
    // ...and 99.9999999996 to 100 percent: the maximum.
    CHECK(Stats::nearest_rank_index(99.9999999996, n) == n - 1);
    CHECK(Stats::percent_scale == 1000000000u);
}

TEST_CASE("the variance stays exact on top of a huge offset") {
    // Naive sum-of-squares loses every digit here: x^2 is ~1e24 while the variance is 30.
    const double offset = 1e12;
    const Stats s = steady({offset + 4, offset + 7, offset + 13, offset + 16});
    CHECK(s.mean().count() == offset + 10);
    CHECK(s.stddev().count() == Approx(std::sqrt(30.0)).epsilon(1e-9));
    CHECK(s.min().count() == offset + 4);
    CHECK(s.max().count() == offset + 16);
}

TEST_CASE("stddev keeps the fractional spread of samples on a 1e12 ns offset") {
    // Every one of these is a double exactly (the spacing of doubles near 1e12 is 2^-13), so
    // the spread is that of {0.25, 0.5, 1, 3}: squared deviations sum to 4.671875 = 299/64,
    // variance 299/192, stddev 1.24791492765599...; a one-pass update reports 1.24790.
    const double offset = 1e12;
    const Stats s = steady({offset + 0.25, offset + 0.5, offset + 1.0, offset + 3.0});
    CHECK(s.stddev().count() == Approx(std::sqrt(299.0 / 192.0)).epsilon(1e-12));
    CHECK(s.stddev().count() == Approx(1.2479149276559949).epsilon(1e-12));
    CHECK(s.mean().count() == offset + 1.1875);
    CHECK(s.total().count() == 4 * offset + 4.75);

    // The same spread in the other order, and shifted to 1e15 (where doubles are 0.125 apart).
    const Stats reversed = steady({offset + 3.0, offset + 1.0, offset + 0.5, offset + 0.25});
    CHECK(reversed.stddev().count() == Approx(std::sqrt(299.0 / 192.0)).epsilon(1e-12));
    const double big = 1e15;
    const Stats far = steady({big + 0.25, big + 0.5, big + 1.0, big + 3.0});
    CHECK(far.stddev().count() == Approx(std::sqrt(299.0 / 192.0)).epsilon(1e-12));
    CHECK(far.mean().count() == big + 1.25);  // 1e15 + 1.1875 is not a double: the nearest one
}

TEST_CASE("mdape is cached: repeated reads agree, and the next read after add() sees the sample") {
    Stats s = steady({100.0, 200.0, 300.0});
    const double first = s.mdape();
    CHECK(first == Approx(1.0 / 3.0).epsilon(1e-12));
    CHECK(s.mdape() == first);
    CHECK(s.p50().count() == 200.0);
    CHECK(s.mdape() == first);

    s.add(Duration{1000.0});
    s.add_steady(Duration{1000.0});      // {100, 200, 300, 1000, 1000}: median 300
    CHECK(s.mdape() == 700.0 / 1000.0);  // errors {2, 0.5, 0, 0.7, 0.7} -> the middle one

    Stats other = steady({10.0, 20.0});
    CHECK(other.mdape() == 0.0);             // median 10: errors {0, 0.5}
    other.merge(s);                          // {10, 20, 100, 200, 300, 1000, 1000}: median 200
    CHECK(other.mdape() == 800.0 / 1000.0);  // errors {19, 9, 1, 0, 1/3, 0.8, 0.8} -> 0.8
    Stats copy = other;
    CHECK(copy.mdape() == other.mdape());
}

TEST_CASE("a NaN, infinite or negative duration is an InvalidArgument naming duration, nothing changes") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    const std::vector<double> bad = {nan,
                                     -nan,
                                     inf,
                                     -inf,
                                     -1.0,
                                     -1e-300,
                                     -std::numeric_limits<double>::denorm_min(),
                                     std::numeric_limits<double>::signaling_NaN()};

    SECTION("the first add(), which would be the first call") {
        Stats s;
        for (const double x : bad) {
            const gputime::InvalidArgument e = invalid_argument_of([&] { s.add(Duration{x}); });
            CHECK(e.parameter() == "duration");
            CHECK(e.where() == "Stats::add");
            CHECK(s.calls() == 0);
            CHECK_FALSE(s.has_first_call());
        }
        s.add(Duration{7.0});
        CHECK(s.first_call().count() == 7.0);
    }
    SECTION("a later add(), add_steady() and set_first_call()") {
        Stats s = steady({10.0, 20.0, 30.0}, 500.0);
        const double mean = s.mean().count();
        const double p50 = s.p50().count();
        const double err = s.mdape();
        for (const double x : bad) {
            INFO("duration " << x);
            CHECK(invalid_argument_of([&] { s.add(Duration{x}); }).parameter() == "duration");
            CHECK(invalid_argument_of([&] { s.add_steady(Duration{x}); }).where() == "Stats::add_steady");
            CHECK(invalid_argument_of([&] { s.add_steady(Duration{x}); }).parameter() == "duration");
        }
        CHECK(s.count() == 3);
        CHECK(s.calls() == 4);
        CHECK(s.samples() == std::vector<Duration>{Duration{10.0}, Duration{20.0}, Duration{30.0}});
        CHECK(s.mean().count() == mean);
        CHECK(s.p50().count() == p50);
        CHECK(s.mdape() == err);
        CHECK(s.first_call().count() == 500.0);

        Stats fresh;
        const gputime::InvalidArgument e = invalid_argument_of([&] { fresh.set_first_call(Duration{nan}); });
        CHECK(e.parameter() == "duration");
        CHECK(e.where() == "Stats::set_first_call");
        CHECK(std::string(e.what()).find("nan") != std::string::npos);
        CHECK_FALSE(fresh.has_first_call());
        CHECK_THROWS_AS(fresh.set_first_call(Duration{-5.0}), std::invalid_argument);  // generic handlers catch it
        CHECK(std::string(invalid_argument_of([&] { fresh.add(Duration{-5.0}); }).what()).find("-5") !=
              std::string::npos);
    }
    SECTION("zero is a valid duration, and -0 is stored as 0") {
        Stats s;
        s.add(Duration{0.0});
        s.add(Duration{-0.0});
        s.add_steady(Duration{0.0});
        s.add(Duration{std::numeric_limits<double>::denorm_min()});
        s.add(Duration{std::numeric_limits<double>::max()});
        CHECK(s.count() == 4);
        CHECK(s.min().count() == 0.0);
        CHECK_FALSE(std::signbit(s.min().count()));
        CHECK_FALSE(std::signbit(s.samples().front().count()));
        CHECK_FALSE(std::signbit(s.first_call().count()));
    }
}

namespace {
// Stands in for a clock that owes a Stats samples until it is resolved.
class OwingSource final : public gputime::OwedSamples::Source {
public:
    explicit OwingSource(Stats& sink) : sink_(&sink), slot_(&owed_samples_of(sink)) { slot_->set_source(this); }
    ~OwingSource() {
        if (sink_ != nullptr) slot_->set_source(nullptr);
    }
    OwingSource(const OwingSource&) = delete;
    OwingSource& operator=(const OwingSource&) = delete;

    std::vector<double> owed;
    bool fail = false;
    int deliveries = 0;

    void settle() override {
        ++deliveries;
        if (sink_ == nullptr) return;
        while (!owed.empty()) {
            if (fail) throw gputime::TimeoutError("gputime: a mark the device never reached");
            sink_->add(Duration{owed.front()});
            owed.erase(owed.begin());
        }
    }
    void settle_ready() noexcept override {}
    void forget() noexcept override { sink_ = nullptr; }
    void moved(gputime::OwedSamples& to, void* accumulator) noexcept override {
        slot_ = &to;
        sink_ = static_cast<Stats*>(accumulator);
    }
    const void* owner() const noexcept override { return this; }

private:
    Stats* sink_;
    gputime::OwedSamples* slot_;
};
}  // namespace

TEST_CASE("every read resolves what a clock still owes first, resolve() is that step, and it can throw") {
    Stats s;
    s.set_first_call(Duration{100.0});
    OwingSource clock(s);
    clock.owed = {3.0, 1.0, 2.0};

    CHECK(s.count() == 3);  // the read delivered them
    CHECK(clock.deliveries == 1);
    CHECK(s.p50().count() == 2.0);

    clock.owed = {10.0};
    s.resolve();
    CHECK(clock.deliveries >= 3);
    CHECK(clock.owed.empty());
    CHECK(s.samples().back().count() == 10.0);

    clock.owed = {20.0};
    clock.fail = true;
    CHECK_THROWS_AS(s.mean(), gputime::TimeoutError);
    CHECK_THROWS_AS(s.resolve(), gputime::TimeoutError);
    CHECK_THROWS_AS(s.percentile(50), gputime::Error);
    clock.fail = false;
    CHECK(s.max().count() == 20.0);  // delivered once the failure is gone
    CHECK(s.count() == 5);
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

// ---------------------------------------------------------------------------------------------
// Order statistics at scale: no sorted copy is kept; every rank is selected in place. Checked
// against std::sort of a copy and ranks computed in integers, on data built to stress the
// selection (a tight cluster beside one far outlier, heavy ties, identical high bits).
namespace {

std::uint64_t next_random(std::uint64_t& state) {  // splitmix64: fully specified, portable
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
double unit_random(std::uint64_t& state) {  // in [0, 1), 53 bits
    return static_cast<double>(next_random(state) >> 11) * 0x1.0p-53;
}

struct NamedData {
    std::string name;
    std::vector<double> values;
};

std::vector<NamedData> selection_data_sets() {
    std::vector<NamedData> sets;
    std::uint64_t rng = 12345;
    const auto make = [&](const std::string& name, std::size_t n, auto value) {
        NamedData d{name, {}};
        d.values.reserve(n);
        for (std::size_t i = 0; i < n; ++i) d.values.push_back(value(i));
        sets.push_back(std::move(d));
    };
    // 30000 samples within 200 ns of 1 ms and one 1000 s stall: the first-level buckets span
    // [1 ms, 1000 s], so the whole cluster falls in one or two of them and must be narrowed.
    make("cluster_and_outlier", 30001,
         [&](std::size_t i) { return i == 17 ? 1e12 : 1e6 + std::floor(unit_random(rng) * 200.0); });
    // The same with fractional values: the cluster fills one first-level bucket with far more
    // samples than are ever collected at once, so ranks narrow it down pass by pass, and mdape
    // leaves its one-pass bracket for the general selection.
    make("fractional_cluster_and_outlier", 60001,
         [&](std::size_t i) { return i == 60000 ? 1e12 : 1e6 + unit_random(rng) * 200.0; });
    make("ties_5_values", 20000, [&](std::size_t) {
        static const double v[] = {0.0, 1000.0, 1000.0, 1001.0, 5e6};
        return v[next_random(rng) % 5];
    });
    make("offset_1e15_eighths", 12000,
         [&](std::size_t) { return 1e15 + static_cast<double>(next_random(rng) % 64) * 0.125; });
    make("lognormal_wide", 25000, [&](std::size_t) {
        const double u1 = unit_random(rng), u2 = unit_random(rng);
        const double z = std::sqrt(-2.0 * std::log1p(-u1)) * std::cos(6.283185307179586 * u2);
        return std::exp(13.0 + 2.5 * z);
    });
    make("extremes", 9000, [&](std::size_t i) {
        switch (i % 6) {
            case 0: return 0.0;
            case 1: return std::numeric_limits<double>::denorm_min() * static_cast<double>(1 + i);
            case 2: return std::numeric_limits<double>::max() / static_cast<double>(1 + i);
            case 3: return static_cast<double>(i);
            case 4: return 1e-300 * static_cast<double>(i);
            default: return std::numeric_limits<double>::max();
        }
    });
    make("ramp_shuffled_8193", 8193, [&](std::size_t i) { return static_cast<double>((i * 7919) % 8193); });
    make("small_8192", 8192, [&](std::size_t) { return 100.0 + static_cast<double>(next_random(rng) % 50); });
    return sets;
}

Stats steady_of(const std::vector<double>& values) {
    Stats s;
    s.set_first_call(Duration{1e15});
    for (const double x : values) s.add(Duration{x});
    return s;
}

}  // namespace

TEST_CASE("order statistics are selected in place: every rank checked against std::sort") {
    for (const NamedData& data : selection_data_sets()) {
        INFO("data set " << data.name);
        const Stats s = steady_of(data.values);
        std::vector<double> sorted = data.values;
        std::sort(sorted.begin(), sorted.end());
        const std::size_t n = sorted.size();
        REQUIRE(s.count() == n);

        // Ranks: both ends, around the middle, and a spread of others (every rank is too slow
        // for the sanitizer builds).
        std::vector<std::size_t> ranks = {1, 2, 3, n / 2, n / 2 + 1, n - 2, n - 1, n};
        for (std::size_t r = 1; r <= n; r += n / 97 + 1) ranks.push_back(r);
        for (const std::size_t r : ranks) {
            INFO("rank " << r);
            CHECK(s.order_statistic(r).count() == sorted[r - 1]);
        }
        // Percentiles written in thousandths of a percent: rank = ceil(milli * n / 100000), in
        // integers, as the definition says.
        for (std::uint64_t milli = 0; milli <= 100000; milli += 2371) {
            const std::uint64_t rank = (milli * n + 99999) / 100000;
            const double expected = sorted[rank <= 1 ? 0 : rank - 1];
            INFO("p = " << static_cast<double>(milli) / 1000.0);
            CHECK(s.percentile(static_cast<double>(milli) / 1000.0).count() == expected);
        }
        CHECK(s.p999().count() == sorted[(999 * n + 999) / 1000 - 1]);
        CHECK(s.percentile(100).count() == sorted.back());
        CHECK(s.percentile(0).count() == sorted.front());
    }
}

TEST_CASE("mdape is selected in place: the median of the errors, computed here one by one") {
    for (const NamedData& data : selection_data_sets()) {
        INFO("data set " << data.name);
        const Stats s = steady_of(data.values);
        std::vector<double> sorted = data.values;
        std::sort(sorted.begin(), sorted.end());
        const std::size_t middle = (sorted.size() + 1) / 2 - 1;  // rank ceil(n / 2)
        const double median = sorted[middle];
        std::vector<double> errors;
        for (const double x : sorted)
            errors.push_back(x == 0.0 ? (median == 0.0 ? 0.0 : std::numeric_limits<double>::infinity())
                                      : std::fabs(x - median) / x);
        std::sort(errors.begin(), errors.end());
        CHECK(s.mdape() == errors[middle]);
    }
    // A zero median: zero samples count 0, the others |x| / x = 1.
    CHECK(steady({0.0, 0.0, 0.0, 5.0, 7.0}).mdape() == 0.0);
    CHECK(steady({0.0, 0.0, 0.0, 5.0, 7.0, 9.0}).mdape() == 0.0);  // errors {0, 0, 0, 1, 1, 1}: the 3rd
    // median 5 (rank 3 of 6): errors {inf, inf, 0, 2/7, 4/9, 6/11}, sorted, the 3rd is 4/9.
    CHECK(steady({0.0, 0.0, 5.0, 7.0, 9.0, 11.0}).mdape() == 4.0 / 9.0);
    CHECK(steady({0.0, 0.0, 0.0, 5.0}).mdape() == 0.0);  // median 0: zeros count 0
}

TEST_CASE("mdape from the first-level buckets matches the sorted errors on noise shapes and seeds") {
    // 12000 samples: above the collect limit, so mdape() brackets the middle error from the
    // buckets and collects only the straddling ones. Durations on a 1/8 ns grid, so ties occur.
    for (const gputime_test::NoiseShape shape : gputime_test::all_noise_shapes) {
        for (std::uint64_t seed = 1; seed <= 6; ++seed) {
            INFO(std::string(gputime_test::to_string(shape)) << ", seed " << seed);
            gputime_test::NoisyCalls calls(shape, seed);
            const std::size_t n = 12000;
            std::vector<double> values;
            for (std::size_t i = 0; i < n; ++i) values.push_back(std::round(calls.next(1e5) * 8.0) / 8.0);
            const Stats s = steady_of(values);
            std::vector<double> sorted = values;
            std::sort(sorted.begin(), sorted.end());
            const std::size_t middle = (n + 1) / 2 - 1;  // rank ceil(n / 2)
            std::vector<double> errors;
            for (const double x : sorted) errors.push_back(std::fabs(x - sorted[middle]) / x);
            std::sort(errors.begin(), errors.end());
            CHECK(s.mdape() == errors[middle]);
        }
    }
}

TEST_CASE("no sorted copy is kept: reads hold a bounded cache, reserve() removes the growth slack") {
    std::uint64_t rng = 99;
    Stats s;
    s.set_first_call(Duration{1.0});
    const std::size_t n = 300000;
    s.reserve(n);
    const Duration* before = s.samples().data();
    for (std::size_t i = 0; i < n; ++i) s.add(Duration{1e5 + std::floor(unit_random(rng) * 1e5)});
    CHECK(s.samples().data() == before);  // reserved: never moved
    CHECK(s.memory_bytes() == n * sizeof(Duration));
    (void)s.mean();
    (void)s.stddev();
    (void)s.p50();
    (void)s.p90();
    (void)s.p99();
    (void)s.p999();
    (void)s.percentile_interval(99.0);
    (void)s.mdape();
    // The first-level buckets (a count, the smallest and the largest sample of each) are all
    // a read keeps: at most 32768 of them, 768 KiB, however many samples there are.
    const std::size_t cache = s.memory_bytes() - n * sizeof(Duration);
    CHECK(cache > 0);
    CHECK(cache <= 32768 * 3 * sizeof(std::uint64_t));

    // Without reserve(): std::vector's growth, at most twice the samples, and still no copy.
    Stats grown;
    grown.set_first_call(Duration{1.0});
    for (std::size_t i = 0; i < 100001; ++i) grown.add(Duration{static_cast<double>(i % 1000)});
    (void)grown.p99();
    (void)grown.mdape();
    CHECK(grown.samples().capacity() <= 2 * grown.count());
    CHECK(grown.memory_bytes() <= 2 * grown.count() * sizeof(Duration) + 32768 * 3 * sizeof(std::uint64_t));
}

TEST_CASE("caches follow the samples: a merge, a copy or an add is seen by the next read") {
    Stats a = steady({1.0, 2.0, 3.0, 4.0});
    CHECK(a.p99().count() == 4.0);
    CHECK(a.p50().count() == 2.0);
    CHECK(a.mdape() == 1.0 / 3.0);  // median 2: errors {1, 0, 1/3, 1/2} -> sorted, the 2nd
    CHECK(a.max().count() == 4.0);

    a.merge(steady({10.0, 20.0, 30.0}));  // {1, 2, 3, 4, 10, 20, 30}: median 4
    CHECK(a.p99().count() == 30.0);
    CHECK(a.p50().count() == 4.0);
    CHECK(a.mdape() == 16.0 / 20.0);  // errors {3, 1, 1/3, 0, 0.6, 0.8, 13/15}: sorted, the 4th
    CHECK(a.max().count() == 30.0);

    a.merge(Stats{});  // nothing changes, the caches stay right
    CHECK(a.p50().count() == 4.0);

    Stats b = a;
    b.add(Duration{0.5});  // {0.5, 1, 2, 3, 4, 10, 20, 30}: rank 4 is 3
    CHECK(b.p50().count() == 3.0);
    CHECK(b.min().count() == 0.5);
    CHECK(a.p50().count() == 4.0);
    CHECK(a.min().count() == 1.0);

    // Many different ranks read in turn (more than the few recent values kept).
    Stats ramp;
    ramp.set_first_call(Duration{0.0});
    for (int i = 20000; i >= 1; --i) ramp.add(Duration{static_cast<double>(i)});
    for (int round = 0; round < 2; ++round)
        for (std::size_t r = 1; r <= 20000; r += 1111) CHECK(ramp.order_statistic(r).count() == static_cast<double>(r));
    ramp.add(Duration{0.25});
    CHECK(ramp.order_statistic(1).count() == 0.25);
    CHECK(ramp.order_statistic(2).count() == 1.0);
    CHECK(ramp.order_statistic(12).count() == 11.0);
}
