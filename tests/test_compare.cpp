// SPDX-License-Identifier: MIT
// gputime::compare: the rank statistics on hand-checked data, the interleaved schedule, the
// verdict rule, the reports, bad input, and the statistical promises, on the simulated GPU and
// under five noise shapes (lognormal, bimodal, Pareto tail, sinusoidal drift, step):
//   identical variants          -> a false verdict (any difference claimed) in at most 5% of runs
//   a true ratio within +-1%    -> FASTER / SLOWER in at most 5% of runs
//   a 3% difference (1.5 e)     -> found, in the right direction, in at least 95% of runs
// here on a few dozen seeds per case (GPUTIME_AB_SEEDS raises it; bench/bench_ab_power.cpp runs
// 400 and more and prints the table).
#include "support/fixed_context.hpp"
#include "support/json_checker.hpp"
#include "support/manual_clock.hpp"
#include "support/noise_shapes.hpp"
#include "support/test_framework.hpp"

#include <gputime/core/error.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/measure/ab_compare.hpp>
#include <gputime/measure/warmup_runner.hpp>
#include <gputime/report/comparison_text.hpp>
#include <gputime/report/json_report.hpp>
#include <gputime/sim/runtime.hpp>
#include <gputime/stats/mann_whitney.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using gputime::CompareOptions;
using gputime::Comparison;
using gputime::Verdict;
using gputime_test::ManualClock;
namespace detail = gputime::detail;
namespace sim = gputime::sim;
using SimClock = gputime::CudaEventClock<sim::Runtime>;

namespace {

// A deterministic generator for test data (splitmix64).
struct TestRandom {
    std::uint64_t state;
    std::uint64_t next() {
        std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    double uniform() { return static_cast<double>(next() >> 11) / 9007199254740992.0; }
};

std::vector<double> random_sample(TestRandom& rng, std::size_t n, double levels) {
    std::vector<double> v(n);
    for (double& x : v) x = levels > 0 ? std::floor(rng.uniform() * levels) : rng.uniform() * 100.0 - 50.0;
    return v;
}

std::vector<double> sorted(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v;
}

// Every pairwise difference x_i - y_j, sorted: the brute-force reference for the selection.
std::vector<double> all_differences(const std::vector<double>& x, const std::vector<double>& y) {
    std::vector<double> d;
    for (const double a : x)
        for (const double b : y) d.push_back(a - b);
    std::sort(d.begin(), d.end());
    return d;
}

// Counts of U over every arrangement of n x's among n + m places (brute force, small sizes).
std::vector<std::uint64_t> brute_u_counts(std::size_t n, std::size_t m) {
    std::vector<std::uint64_t> counts(n * m + 1, 0);
    const std::size_t places = n + m;
    for (std::uint64_t mask = 0; mask < (std::uint64_t{1} << places); ++mask) {
        std::size_t bits = 0;
        for (std::size_t p = 0; p < places; ++p) bits += (mask >> p) & 1u;
        if (bits != n) continue;
        // U = #(x above y): for each x (bit set), the y's (bits clear) below it.
        std::size_t u = 0, ys_below = 0;
        for (std::size_t p = 0; p < places; ++p) {
            if ((mask >> p) & 1u) u += ys_below;
            else ++ys_below;
        }
        ++counts[u];
    }
    return counts;
}

// ---- the simulated A/B scenarios ----------------------------------------------------------
// A kernel of 995 us (+ the 5 us launch: 1 ms measured), 5% relative jitter (normal), 1% of
// calls 3x slower (preemption-like outliers), 2 ms lazy load on each kernel's first launch.
// The candidate's kernel is chosen so that its measured time is (1 + difference) ms. Drift: every
// kernel is stretched by 1 + drift * (call position in the whole run) / (calls - 1).
// poll_cost 100 us: the clock's wait polls the virtual device in 100 us steps (fewer loop turns;
// it changes host time only, never a measured duration).
struct Scenario {
    double difference = 0.0;
    double drift = 0.0;
};

sim::Config scenario_config(std::uint64_t seed) {
    sim::Config config;
    config.noise.seed = seed;
    config.noise.relative_stddev = 0.05;
    config.noise.outlier_probability = 0.01;
    config.noise.outlier_factor = 3.0;
    config.lazy_load_cost = 2ms;
    config.poll_cost = 100us;
    return config;
}

Comparison run_scenario(std::uint64_t seed, const Scenario& s, CompareOptions options = {}) {
    sim::Runtime rt(scenario_config(seed));
    SimClock clock(rt);
    options.seed = seed;
    const double calls = 2.0 * static_cast<double>(options.warmup + options.samples);
    std::size_t position = 0;
    auto kernel = [&](const char* name, double ns) {
        const double stretch = 1.0 + s.drift * static_cast<double>(position++) / (calls - 1.0);
        return sim::Kernel::fixed(name, std::chrono::nanoseconds(std::llround(ns * stretch)));
    };
    const double baseline_ns = 995e3;
    const double candidate_ns = 1e6 * (1.0 + s.difference) - 5e3;
    return gputime::compare(
        clock, [&] { rt.launch(sim::Stream{}, kernel("a", baseline_ns)); },
        [&] { rt.launch(sim::Stream{}, kernel("b", candidate_ns)); }, options);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
TEST_CASE("compare: Mann-Whitney U on scipy's documented example") {
    // scipy.stats.mannwhitneyu docs: ages of diagnosis, males vs females.
    const std::vector<double> males{19, 22, 16, 29, 24}, females{20, 11, 17, 12};
    const auto exact = detail::mann_whitney(males, females);
    CHECK(exact.u == 17.0);
    CHECK(exact.exact);  // no ties, min(n, m) <= 8: as scipy's method='auto'
    CHECK(exact.p_value == gputime_test::Approx(0.1111111111111111).epsilon(1e-15));  // 2 * 7 / 126
    const auto normal = detail::mann_whitney(males, females, detail::RankTestMethod::asymptotic);
    CHECK(normal.u == 17.0);
    CHECK_FALSE(normal.exact);
    CHECK(normal.p_value == gputime_test::Approx(0.11134688653314041).epsilon(1e-12));
    // The other way round: U = nm - 17, the same p.
    const auto swapped = detail::mann_whitney(females, males);
    CHECK(swapped.u == 3.0);
    CHECK(swapped.p_value == exact.p_value);
}

TEST_CASE("compare: Mann-Whitney U counts ties as halves and corrects the variance") {
    const auto r = detail::mann_whitney({1, 2, 2, 3}, {2, 2, 4});
    // x > y: 3 > 2 twice = 2; ties: the two 2s of x with the two 2s of y = 4 -> U = 2 + 2 = 4
    CHECK(r.u == 4.0);
    CHECK(r.ties);
    CHECK_FALSE(r.exact);  // ties: the normal approximation (scipy's 'auto' does the same)
    // sigma^2 = 12/12 * (8 - (4^3 - 4) / (7 * 6)) = 8 - 60/42; U_max = 8, mu = 6: z = 1.5 / sigma
    const double z = 1.5 / std::sqrt(8.0 - 60.0 / 42.0);
    CHECK(r.z == gputime_test::Approx(z).epsilon(1e-14));
    CHECK(r.p_value == gputime_test::Approx(std::erfc(z / std::sqrt(2.0))).epsilon(1e-14));
    // Every value equal: no evidence either way.
    const auto flat = detail::mann_whitney({5, 5, 5}, {5, 5});
    CHECK(flat.u == 3.0);
    CHECK(flat.p_value == 1.0);
    CHECK_THROWS_AS(detail::mann_whitney({1, 2}, {1, 3}, detail::RankTestMethod::exact), gputime::InvalidArgument);
}

TEST_CASE("compare: the exact null distribution of U matches brute-force enumeration") {
    for (std::size_t n = 1; n <= 7; ++n) {
        for (std::size_t m = 1; m <= 7; ++m) {
            const std::vector<std::uint64_t> brute = brute_u_counts(n, m);
            const detail::ExactUDistribution dist(n, m);
            std::uint64_t total = 0, cumulative = 0;
            for (const std::uint64_t c : brute) total += c;
            CHECK(dist.total() == total);
            bool all_match = true;
            for (std::uint64_t u = 0; u <= dist.half(); ++u) {
                cumulative += brute[u];
                all_match = all_match && dist.count_at_most(u) == cumulative;
            }
            INFO("n = " << n << ", m = " << m);
            CHECK(all_match);
        }
    }
    // Large but exact: C(16, 8) = 12870 with n = m = 8; C(66, 33) < 2^63 but 33 * 33 fits.
    CHECK(detail::ExactUDistribution(8, 8).total() == 12870);
    CHECK(detail::ExactUDistribution::available(33, 33));
    CHECK_FALSE(detail::ExactUDistribution::available(34, 34));      // C(68, 34) > 2^63
    CHECK_FALSE(detail::ExactUDistribution::available(8, 900));      // C(908, 8) > 2^63
    CHECK_FALSE(detail::ExactUDistribution::available(1, 2000000));  // n*m > 10^6
    // automatic follows scipy (exact for min(n, m) <= 8 without ties) within those limits.
    TestRandom rng{7};
    CHECK(detail::mann_whitney(random_sample(rng, 8, 0), random_sample(rng, 500, 0)).exact);
    CHECK_FALSE(detail::mann_whitney(random_sample(rng, 9, 0), random_sample(rng, 9, 0)).exact);
    CHECK_FALSE(detail::mann_whitney(random_sample(rng, 8, 0), random_sample(rng, 900, 0)).exact);
}

TEST_CASE("compare: order statistics of pairwise differences are selected exactly") {
    TestRandom rng{42};
    const std::size_t sizes[][2] = {{1, 1}, {1, 6}, {7, 1}, {3, 4}, {13, 9}, {40, 31}, {64, 64}};
    for (const auto& size : sizes) {
        for (const double levels : {0.0, 5.0, 40.0}) {  // 0: continuous; else ties
            const std::vector<double> x = sorted(random_sample(rng, size[0], levels));
            const std::vector<double> y = sorted(random_sample(rng, size[1], levels));
            const std::vector<double> d = all_differences(x, y);
            bool all_match = true;
            const std::size_t step = d.size() > 1600 ? 13 : 1;  // every rank of the small ones
            for (std::size_t k = 1; k <= d.size(); k += step)
                all_match = all_match && detail::difference_order_statistic(x, y, k) == d[k - 1];
            all_match = all_match && detail::difference_order_statistic(x, y, d.size()) == d.back();
            INFO("n = " << size[0] << ", m = " << size[1] << ", levels " << levels);
            CHECK(all_match);
            const auto hl = detail::hodges_lehmann(x, y, 0.9);
            const std::size_t nm = d.size();
            const double median = nm % 2 ? d[nm / 2] : d[nm / 2 - 1] + (d[nm / 2] - d[nm / 2 - 1]) / 2;
            CHECK(hl.estimate == median);
            if (hl.lower_rank > 0) {
                CHECK(hl.lower == d[hl.lower_rank - 1]);
                CHECK(hl.upper == d[hl.upper_rank - 1]);
                CHECK(hl.lower_rank + hl.upper_rank == nm + 1);
            }
        }
    }
    // Larger: several sampling rounds before the last candidates are sorted, with and without ties.
    for (const double levels : {0.0, 3.0, 200.0}) {
        const std::vector<double> x = sorted(random_sample(rng, 300, levels));
        const std::vector<double> y = sorted(random_sample(rng, 211, levels));
        const std::vector<double> d = all_differences(x, y);
        bool all_match = true;
        for (std::uint64_t k = 1; k <= d.size(); k += 997)
            all_match = all_match && detail::difference_order_statistic(x, y, k) == d[k - 1];
        for (const std::uint64_t k : {std::uint64_t{1}, std::uint64_t{d.size() / 2}, std::uint64_t{d.size()}})
            all_match = all_match && detail::difference_order_statistic(x, y, k) == d[k - 1];
        INFO("levels " << levels);
        CHECK(all_match);
    }
    CHECK_THROWS_AS(detail::difference_order_statistic({1.0}, {2.0}, 2), gputime::InvalidArgument);
    CHECK_THROWS_AS(detail::difference_order_statistic({1.0}, {2.0}, 0), gputime::InvalidArgument);
}

TEST_CASE("compare: the Hodges-Lehmann interval's ranks (exact and normal)") {
    // n = m = 5: P(U <= 2) = 4/252 <= 0.025 < P(U <= 3) = 7/252, so k = 3 (qwilcox(0.025, 5, 5)).
    const std::vector<double> x{10, 11, 12, 13, 14}, y{0, 1, 2, 3, 4};
    const auto exact = detail::hodges_lehmann(x, y, 0.95, true);
    CHECK(exact.lower_rank == 3);
    CHECK(exact.upper_rank == 23);
    CHECK(exact.coverage == gputime_test::Approx(1.0 - 2.0 * 4.0 / 252.0).epsilon(1e-15));
    CHECK(exact.estimate == 10.0);
    CHECK(exact.lower == 7.0);  // differences 6, 7, 7, 8, 8, 8, ...: the 3rd smallest is 7
    CHECK(exact.upper == 13.0);
    // Normal approximation, n = m = 100: k = floor(5000 + 0.5 - 1.959964 * sqrt(10000 * 201 / 12)).
    TestRandom rng{3};
    const auto big = detail::hodges_lehmann(random_sample(rng, 100, 0), random_sample(rng, 100, 0), 0.95, false);
    CHECK(big.lower_rank == static_cast<std::uint64_t>(std::floor(5000.5 - 1.959963984540054 * std::sqrt(167500.0))));
    CHECK(big.coverage >= 0.95);
    CHECK(big.coverage < 0.951);
    // Too few samples to bound anything: open on both sides.
    const auto tiny = detail::hodges_lehmann({2, 3}, {1, 2}, 0.95, true);
    CHECK(tiny.lower_rank == 0);
    CHECK(std::isinf(tiny.lower));
    CHECK(std::isinf(tiny.upper));
    CHECK(detail::normal_quantile(0.975) == gputime_test::Approx(1.959963984540054).epsilon(1e-14));
    CHECK(detail::normal_quantile(1e-10) == gputime_test::Approx(-6.361340902404056).epsilon(1e-12));
}

// ---------------------------------------------------------------------------------------------
TEST_CASE("compare: blocks run every variant once, in a seeded random order") {
    ManualClock clock;
    std::vector<int> trace;
    std::vector<std::size_t> indices_a;
    CompareOptions options;
    options.samples = 40;
    options.warmup = 3;
    options.seed = 11;
    auto make = [&](int id, double ns) {
        return [&trace, &clock, id, ns] {
            trace.push_back(id);
            clock.advance(ns);
        };
    };
    const Comparison r = gputime::compare(clock,
                                          {[&](std::size_t call) {
                                               indices_a.push_back(call);
                                               trace.push_back(0);
                                               clock.advance(1000);
                                           },
                                           make(1, 1100), make(2, 1000)},
                                          options);
    REQUIRE(trace.size() == 3 * 43);
    std::size_t first_position[3] = {0, 0, 0};
    bool every_block_complete = true;
    for (std::size_t block = 0; block < 43; ++block) {
        std::vector<int> b(trace.begin() + static_cast<std::ptrdiff_t>(3 * block),
                           trace.begin() + static_cast<std::ptrdiff_t>(3 * block + 3));
        ++first_position[b[0]];
        std::sort(b.begin(), b.end());
        every_block_complete = every_block_complete && b == std::vector<int>{0, 1, 2};
    }
    CHECK(every_block_complete);
    for (const std::size_t f : first_position) CHECK(f >= 5);  // no variant is always first
    REQUIRE(indices_a.size() == 43);
    for (std::size_t i = 0; i < indices_a.size(); ++i) CHECK(indices_a[i] == i);  // warm-up counted too
    CHECK(clock.synchronizations() >= 3 * 43);                                    // latency mode: one per call
    CHECK(clock.held() == 0);

    // The same seed, the same order; another seed, another.
    std::vector<int> first = trace;
    trace.clear();
    gputime::compare(clock, {make(0, 1), make(1, 1), make(2, 1)}, options);
    CHECK(trace == first);
    trace.clear();
    options.seed = 12;
    gputime::compare(clock, {make(0, 1), make(1, 1), make(2, 1)}, options);
    CHECK(trace != first);

    // Exact durations: b is 10% slower in every call, c the same as a.
    REQUIRE(r.variants.size() == 3);
    REQUIRE(r.contrasts.size() == 2);
    CHECK(r.variants[0].name == "a");
    CHECK(r.variants[1].latency.count() == 40);
    CHECK(r.variants[1].warmup.size() == 3);
    CHECK(r.variants[1].latency.first_call().count() == 1100.0);
    const gputime::Contrast& b = r.contrasts[0];
    CHECK(b.name == "b");
    CHECK(b.baseline_name == "a");
    CHECK(b.ratio == gputime_test::Approx(1.1).epsilon(1e-12));
    CHECK(b.ratio_lower == gputime_test::Approx(1.1).epsilon(1e-12));
    CHECK(b.paired);
    CHECK(b.p_value < 1e-9);  // 40 equal positive log ratios: W+ = 820, tie-corrected z = -6.3
    CHECK(b.verdict == Verdict::slower);
    CHECK(r.stop == gputime::CompareStop::decided);
    CHECK(r.looks == 1);
    CHECK(r.samples == 40);
    const gputime::Contrast& c = r.contrasts[1];
    CHECK(c.name == "c");
    CHECK(c.ratio == 1.0);
    CHECK(c.p_value == 1.0);
    CHECK(c.verdict == Verdict::same);
    CHECK(c.equivalent);
    CHECK_FALSE(r.device_timed);
}

TEST_CASE("compare: warm-up 0 keeps the first call apart, an exception propagates") {
    ManualClock clock;
    CompareOptions options;
    options.warmup = 0;
    options.samples = 5;
    options.max_samples = 5;  // a fixed budget: this is about the bookkeeping
    std::size_t calls = 0;
    const Comparison r = gputime::compare(
        clock, [&] { clock.advance(calls++ == 0 ? 9000 : 100); }, [&] { clock.advance(100); }, options);
    const gputime::Stats& first_variant = r.variants[0].latency;
    CHECK(first_variant.count() == 4);
    CHECK(first_variant.first_call().count() == 9000.0);
    CHECK(r.variants[0].warmup.empty());

    options.warmup = 2;
    std::size_t n = 0;
    auto failing = [&] {
        if (++n == 5) throw std::runtime_error("boom");
        clock.advance(10);
    };
    CHECK_THROWS_AS(gputime::compare(
                        clock, failing, [&] { clock.advance(10); }, options),
                    std::runtime_error);
    CHECK(clock.held() == 0);
    CHECK(clock.bad_releases() == 0);
}

TEST_CASE("compare: the verdict says what the interval shows") {
    auto stats_of = [](double base, double factor, std::size_t n, std::uint64_t seed) {
        TestRandom rng{seed};
        gputime::Stats s;
        for (std::size_t i = 0; i <= n; ++i)
            s.add(gputime::Duration{base * factor * (1.0 + 0.02 * (rng.uniform() - 0.5))});
        return s;
    };
    const gputime::Stats a = stats_of(1e6, 1.0, 2000, 1);
    CompareOptions options;
    SECTION("5% slower and 5% faster") {
        const auto slower = gputime::compare_stats(a, stats_of(1e6, 1.05, 2000, 2), options);
        CHECK(slower.verdict == Verdict::slower);
        CHECK(slower.ratio == gputime_test::Approx(1.05).epsilon(0.002));
        CHECK(slower.ratio_lower > 1.04);
        CHECK(slower.ratio_upper < 1.06);
        const auto faster = gputime::compare_stats(a, stats_of(1e6, 0.95, 2000, 3), options);
        CHECK(faster.verdict == Verdict::faster);
        CHECK(faster.name == "b");
        CHECK(faster.baseline_name == "a");
    }
    SECTION("1% slower: significant, and shown to be below the minimum effect") {
        const auto c = gputime::compare_stats(a, stats_of(1e6, 1.01, 2000, 4), options);
        CHECK(c.p_value < 1e-10);
        CHECK(c.verdict == Verdict::slower_within_effect);
        CHECK(std::string(gputime::to_string(c.verdict)) == "slower, but by less than the minimum effect");
        CHECK(c.equivalent);
        options.min_effect = 0.005;
        CHECK(gputime::compare_stats(a, stats_of(1e6, 1.01, 2000, 4), options).verdict == Verdict::slower);
        options.min_effect = 0.0;
        CHECK(gputime::compare_stats(a, stats_of(1e6, 1.01, 2000, 4), options).verdict == Verdict::slower);
    }
    SECTION("too few samples: inconclusive") {
        const auto c = gputime::compare_stats(stats_of(1e6, 1.0, 3, 5), stats_of(1e6, 1.05, 3, 6), options);
        CHECK(c.exact_p);
        CHECK(c.verdict == Verdict::inconclusive);  // 3 vs 3: the interval is open
        CHECK_FALSE(c.equivalent);
        CHECK(gputime::to_text(c).find("inconclusive") != std::string::npos);
        CHECK(gputime::verdict_label(c) == "inconclusive");
    }
    SECTION("zero durations keep their rank") {
        gputime::Stats z, p;
        for (int i = 0; i < 30; ++i) z.add(gputime::Duration{0.0});
        for (int i = 0; i < 30; ++i) p.add(gputime::Duration{500.0});
        const auto c = gputime::compare_stats(p, z, options);
        CHECK(c.verdict == Verdict::faster);
        CHECK(c.ratio == gputime_test::Approx(0.5));  // 0 is taken as half the smallest positive sample
        CHECK(gputime::compare_stats(z, z, options).verdict == Verdict::same);
    }
}

TEST_CASE("compare: bad input is refused before anything runs") {
    ManualClock clock;
    std::size_t calls = 0;
    auto f = [&] { ++calls; };
    auto refuses = [&](const CompareOptions& o, const std::string& parameter, std::size_t variants = 2) {
        std::vector<gputime::Variant> v;
        for (std::size_t i = 0; i < variants; ++i) v.emplace_back(f);
        try {
            gputime::compare(clock, v, o);
        } catch (const gputime::InvalidArgument& e) {
            INFO(e.what());
            CHECK(e.parameter() == parameter);
            CHECK(e.where() == "compare");
            return calls == 0;
        }
        return false;
    };
    CompareOptions o;
    CHECK(refuses(o, "variants", 1));
    CHECK(refuses(o, "variants", 0));
    o.samples = 0;
    CHECK(refuses(o, "samples"));
    o.samples = 1;
    o.warmup = 0;
    CHECK(refuses(o, "samples"));
    o = CompareOptions{};
    o.max_samples = o.samples - 1;  // below the first look
    CHECK(refuses(o, "max_samples"));
    o = CompareOptions{};
    for (const auto bad : {std::chrono::nanoseconds{0}, std::chrono::nanoseconds{-1}}) {
        o.max_time = bad;
        CHECK(refuses(o, "max_time"));
    }
    o = CompareOptions{};
    for (const double bad : {0.0, 1.0, -0.5, 1.5, std::nan("")}) {
        o.confidence = bad;
        CHECK(refuses(o, "confidence"));
    }
    o = CompareOptions{};
    for (const double bad : {-0.01, 1.0, std::nan(""), std::numeric_limits<double>::infinity()}) {
        o.min_effect = bad;
        CHECK(refuses(o, "min_effect"));
    }
    o = CompareOptions{};
    o.names = {"only one"};
    CHECK(refuses(o, "names"));
    o.names = {"same", "same"};
    CHECK(refuses(o, "names"));
    std::function<void()> empty;
    CHECK_THROWS_AS(gputime::compare(clock, {gputime::Variant(f), gputime::Variant(empty)}), gputime::InvalidArgument);
    gputime::Stats none;
    CHECK_THROWS_AS(gputime::compare_stats(none, none), gputime::InvalidArgument);
    CHECK_THROWS_AS(detail::mann_whitney({}, {1.0}), gputime::InvalidArgument);
    CHECK_THROWS_AS(detail::mann_whitney({std::nan("")}, {1.0}), gputime::InvalidArgument);
    CHECK_THROWS_AS(detail::hodges_lehmann({1.0}, {1.0}, 1.0), gputime::InvalidArgument);
    CHECK(calls == 0);
}

TEST_CASE("compare: the text report and the JSON") {
    ManualClock clock;
    CompareOptions options;
    options.samples = 50;
    options.names = {"plain \"nchw\"", "blocked"};
    const Comparison r = gputime::compare(
        clock, [&] { clock.advance(2e6); }, [&] { clock.advance(1.94e6); }, options);
    std::ostringstream text;
    text << r;
    INFO(text.str());
    CHECK(text.str().find("blocked vs plain \"nchw\": 0.970x [0.970, 0.970] p=") != std::string::npos);
    CHECK(text.str().find("FASTER (min effect 2%)") != std::string::npos);
    CHECK(text.str().find("2.000 ms") != std::string::npos);  // p50 of the baseline
    CHECK(gputime::to_text(r.contrasts[0]).rfind("blocked vs", 0) == 0);
    CHECK(gputime::to_text(r) == text.str());
    CHECK(detail::p_value_text(1.234e-9) == "1.2e-09");
    CHECK(detail::p_value_text(0.0312) == "0.031");
    CHECK(detail::p_value_text(0.0) == "<1e-300");

    // One JSON layout for a comparison: the catalogue's, in a results document.
    gputime::JsonOptions json_options;
    json_options.context = gputime_test::fixed_context();
    const gputime_test::JsonValue json =
        gputime_test::parse_json(gputime::to_json(r, "layouts", json_options))["results"][0];
    CHECK(json["kind"].string == "comparison");
    CHECK(json["settings"]["samples"].number == 50);
    CHECK(json["settings"]["confidence"].number == 0.95);
    REQUIRE(json["variants"].array.size() == 2);
    CHECK(json["variants"][0]["name"].string == "plain \"nchw\"");
    CHECK(json["variants"][0]["latency"]["p50"].number == 2e6);
    CHECK(json["variants"][0]["warmup"]["durations"].array.size() == 10);
    const gputime_test::JsonValue& c = json["contrasts"][0];
    CHECK(c["verdict"].string == "FASTER");
    CHECK(c["variant"].string == "blocked");
    CHECK(c["ratio"].number == gputime_test::Approx(0.97));
    CHECK(c["p_method"].string == "asymptotic");

    // An open interval is null in JSON and 0 / inf in the text.
    gputime::Stats one, two;
    for (int i = 0; i < 3; ++i) one.add(gputime::Duration{100.0 + i});
    for (int i = 0; i < 3; ++i) two.add(gputime::Duration{200.0 + i});
    Comparison open;
    open.variants.resize(2);
    open.contrasts.push_back(gputime::compare_stats(one, two));
    CHECK(gputime::to_text(open.contrasts[0]).find("[0, inf]") != std::string::npos);
    const gputime_test::JsonValue open_json =
        gputime_test::parse_json(gputime::to_json(open, "open", json_options))["results"][0]["contrasts"][0];
    CHECK(open_json["ratio_upper"].is_null());
    CHECK(open_json["ratio_lower"].is_null());
}

// ---------------------------------------------------------------------------------------------
TEST_CASE("compare: on the simulated GPU the first call and warm-up are kept apart") {
    CompareOptions options;
    options.samples = 30;
    options.max_samples = 30;
    const Comparison r = run_scenario(1, Scenario{0.03, 0.0}, options);
    for (const gputime::VariantTiming& v : r.variants) {
        CHECK(v.latency.count() == 30);
        CHECK(v.warmup.size() == 10);
        CHECK(v.latency.first_call().count() > 2e6);  // the 2 ms lazy load
        CHECK(v.latency.p50().count() < 1.2e6);
    }
    CHECK(r.device_timed);
}

TEST_CASE("compare: on the simulated GPU with 5% jitter, 100 noise seeds") {
    const std::size_t seeds = 100;
    std::size_t found = 0, wrong_direction = 0, false_alarms = 0, drift_false_alarms = 0;
    for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
        const Verdict three_percent = run_scenario(seed, Scenario{0.03, 0.0}).contrasts[0].verdict;
        found += three_percent == Verdict::slower ? 1 : 0;
        wrong_direction += three_percent == Verdict::faster || three_percent == Verdict::faster_within_effect ? 1 : 0;
        false_alarms += gputime::shows_difference(run_scenario(seed, Scenario{0.0, 0.0}).contrasts[0].verdict) ? 1 : 0;
        drift_false_alarms +=
            gputime::shows_difference(run_scenario(seed, Scenario{0.0, 0.10}).contrasts[0].verdict) ? 1 : 0;
    }
    const double n = static_cast<double>(seeds);
    INFO("3% found " << found << ", false " << false_alarms << ", under drift " << drift_false_alarms << " of "
                     << seeds);
    CHECK(static_cast<double>(found) / n >= 0.95);
    CHECK(wrong_direction == 0);
    CHECK(static_cast<double>(false_alarms) / n <= 0.05);
    CHECK(static_cast<double>(drift_false_alarms) / n <= 0.05);
}

TEST_CASE("compare: the p-value of one look is calibrated, and drift does not add to it") {
    // A fixed budget (max_samples == samples: one look). p < 0.05 in about 5% of the runs
    // without a difference: not never, which a p-value stuck at 1 would give (binomial(200,
    // 0.05) lies in [2, 19] with probability > 0.999); the pairing keeps a 10% drift from adding.
    CompareOptions fixed;
    fixed.samples = 100;
    fixed.max_samples = 100;
    std::size_t significant = 0, drift_significant = 0;
    for (std::uint64_t seed = 1; seed <= 200; ++seed) {
        significant += run_scenario(seed, Scenario{0.0, 0.0}, fixed).contrasts[0].p_value < 0.05 ? 1 : 0;
        drift_significant += run_scenario(seed, Scenario{0.0, 0.10}, fixed).contrasts[0].p_value < 0.05 ? 1 : 0;
    }
    INFO("p < 0.05 in " << significant << " of 200, under drift " << drift_significant);
    CHECK(significant >= 2);
    CHECK(significant <= 19);
    CHECK(drift_significant >= 2);
    CHECK(drift_significant <= 19);
}

TEST_CASE("compare: without interleaving the same drift makes a false verdict") {
    // The naive way: all calls of a, then all of b. The device slows by 10% across the run, so b
    // (measured later) looks ~5% slower although both kernels are the same.
    std::size_t naive_false = 0;
    const std::size_t seeds = 20;
    for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
        sim::Runtime rt(scenario_config(seed));
        SimClock clock(rt);
        const double calls = 2.0 * 310.0;
        std::size_t position = 0;
        auto launch = [&](const char* name) {
            const double stretch = 1.0 + 0.10 * static_cast<double>(position++) / (calls - 1.0);
            rt.launch(sim::Stream{}, sim::Kernel::fixed(name, std::chrono::nanoseconds(std::llround(995e3 * stretch))));
        };
        const auto a = gputime::WarmupRunner(clock).warmup(10).iterations(300).run([&] { launch("a"); });
        const auto b = gputime::WarmupRunner(clock).warmup(10).iterations(300).run([&] { launch("b"); });
        naive_false += gputime::compare_stats(a.latency, b.latency).verdict != Verdict::same ? 1 : 0;
    }
    CHECK(naive_false == seeds);
}

// ---------------------------------------------------------------------------------------------
namespace {

// compare() on a ManualClock whose calls last what gputime_test::NoisyCalls draws: the baseline
// 1 ms, the candidate `ratio` ms, the noise of `shape` at each call's position in the run.
Comparison noisy_comparison(gputime_test::NoiseShape shape, std::uint64_t seed, double ratio,
                            CompareOptions options = {}) {
    ManualClock clock;
    gputime_test::NoisyCalls calls(shape, seed);
    options.seed = seed;
    return gputime::compare(
        clock, [&] { clock.advance(calls.next(1e6)); }, [&] { clock.advance(calls.next(1e6 * ratio)); }, options);
}

std::size_t seeds_per_case(std::size_t fallback) {
    if (const char* text = std::getenv("GPUTIME_AB_SEEDS")) {
        const long value = std::strtol(text, nullptr, 10);
        if (value > 0) return static_cast<std::size_t>(value);
    }
    return fallback;
}

}  // namespace

TEST_CASE("compare: verdicts mean what they say under five noise shapes") {
    // Per shape: identical variants, true ratios 1.01 and 0.99 (within the 2% minimum effect),
    // and 1.03 (1.5x the minimum effect), each over `seeds` seeds at the default settings.
    const std::size_t seeds = seeds_per_case(40);
    for (const gputime_test::NoiseShape shape : gputime_test::all_noise_shapes) {
        std::size_t false_claims = 0, within_decided_wrong = 0, found = 0, wrong_direction = 0, limited = 0;
        for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
            false_claims += gputime::shows_difference(noisy_comparison(shape, seed, 1.0).contrasts[0].verdict) ? 1 : 0;
            for (const double within : {1.01, 0.99}) {
                const Verdict v = noisy_comparison(shape, seed + 1000, within).contrasts[0].verdict;
                within_decided_wrong += v == Verdict::slower || v == Verdict::faster ? 1 : 0;
            }
            const Comparison three = noisy_comparison(shape, seed + 2000, 1.03);
            found += three.contrasts[0].verdict == Verdict::slower ? 1 : 0;
            wrong_direction += three.contrasts[0].ratio_upper < 1.0 ? 1 : 0;
            limited += three.stop != gputime::CompareStop::decided ? 1 : 0;
        }
        const double n = static_cast<double>(seeds);
        INFO(gputime_test::to_string(shape)
             << ": identical: " << false_claims << " false claims; within +-1%: " << within_decided_wrong
             << " FASTER/SLOWER of " << 2 * seeds << "; 3%: SLOWER in " << found << " of " << seeds << " (" << limited
             << " ended by a limit)");
        CHECK(static_cast<double>(false_claims) <= 0.05 * n);
        CHECK(static_cast<double>(within_decided_wrong) <= 0.05 * 2.0 * n);
        CHECK(static_cast<double>(found) >= 0.95 * n);
        CHECK(wrong_direction == 0);
    }
}

TEST_CASE("compare: a fixed budget that cannot decide says so, and the time limit ends the measuring") {
    // 300 blocks of lognormal noise (sigma 0.1) cannot show 3% beyond 2%: the interval reaches
    // below 1.02 and the verdict says what it does show.
    CompareOptions fixed;
    fixed.max_samples = fixed.samples;
    const Comparison one_look = noisy_comparison(gputime_test::NoiseShape::lognormal, 3, 1.03, fixed);
    CHECK(one_look.samples == 300);
    CHECK(one_look.looks == 1);
    CHECK(one_look.planned_looks == 1);
    CHECK(one_look.look_confidence == 0.95);
    CHECK(one_look.stop == gputime::CompareStop::sample_limit);
    CHECK_FALSE(gputime::decided(one_look.contrasts[0].verdict));
    // The default: blocks double until the interval decides; 7 looks planned, each at 1 - 0.05/7.
    const Comparison grown = noisy_comparison(gputime_test::NoiseShape::lognormal, 3, 1.03);
    CHECK(grown.planned_looks == 7);
    CHECK(grown.look_confidence == gputime_test::Approx(1.0 - 0.05 / 7.0));
    CHECK(grown.stop == gputime::CompareStop::decided);
    CHECK(grown.samples > 300);
    CHECK(grown.samples % 300 == 0);
    CHECK(grown.contrasts[0].verdict == Verdict::slower);
    CHECK(grown.contrasts[0].coverage >= grown.look_confidence);
    // A true ratio on the edge of the band never decides: the time limit ends it (2 ms blocks:
    // 1 s is about 500 blocks, checked after every block).
    CompareOptions limited;
    limited.max_time = std::chrono::seconds(1);
    const Comparison edge = noisy_comparison(gputime_test::NoiseShape::lognormal, 4, 1.02, limited);
    CHECK(edge.stop == gputime::CompareStop::time_limit);
    CHECK(edge.samples < 600);
    CHECK(edge.wall.count() >= 1e9);
    CHECK(edge.wall.count() < 1e9 + 5e6);
    std::ostringstream text;
    text << edge;
    CHECK(text.str().find("stopped: time limit") != std::string::npos);
    CHECK(text.str().find("the time limit ended the measuring before every interval decided") != std::string::npos);
}
