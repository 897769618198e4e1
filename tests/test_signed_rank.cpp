// SPDX-License-Identifier: MIT
// gputime/stats/signed_rank.hpp: the Wilcoxon signed-rank test and the one-sample Hodges-Lehmann
// interval on hand-checked data and against brute force (every sign pattern, every Walsh
// average); tests/oracle/mwu_oracle.cpp checks them against scipy and numpy as well.
#include "support/test_framework.hpp"

#include <gputime/core/error.hpp>
#include <gputime/stats/signed_rank.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace detail = gputime::detail;

namespace {

struct Splitmix {
    std::uint64_t state;
    std::uint64_t next() {
        std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    double uniform() { return static_cast<double>(next() >> 11) / 9007199254740992.0; }
};

std::vector<double> sorted_walsh_sums(const std::vector<double>& d) {
    std::vector<double> w;
    for (std::size_t i = 0; i < d.size(); ++i)
        for (std::size_t j = i; j < d.size(); ++j) w.push_back(d[i] + d[j]);
    std::sort(w.begin(), w.end());
    return w;
}

}  // namespace

TEST_CASE("signed rank: the exact null distribution matches every sign pattern") {
    for (std::size_t n = 1; n <= 14; ++n) {
        const std::size_t top = n * (n + 1) / 2;
        std::vector<std::uint64_t> counts(top + 1, 0);
        for (std::uint64_t mask = 0; mask < (std::uint64_t{1} << n); ++mask) {
            std::size_t w = 0;
            for (std::size_t i = 0; i < n; ++i)
                if ((mask >> i) & 1u) w += i + 1;  // rank i + 1 carries a plus sign
            ++counts[w];
        }
        const detail::ExactSignedRankDistribution dist(n);
        std::uint64_t cumulative = 0;
        bool all_match = true;
        for (std::size_t w = 0; w <= top; ++w) {
            cumulative += counts[w];
            all_match = all_match && dist.cdf(static_cast<std::int64_t>(w)) ==
                                         static_cast<double>(cumulative) / std::ldexp(1.0, static_cast<int>(n));
        }
        INFO("n = " << n);
        CHECK(all_match);
        CHECK(dist.top() == top);
    }
    CHECK(detail::ExactSignedRankDistribution::available(63));
    CHECK_FALSE(detail::ExactSignedRankDistribution::available(64));
    CHECK_THROWS_AS(detail::ExactSignedRankDistribution(0), gputime::InvalidArgument);
}

TEST_CASE("signed rank: W+, zeros dropped, ties ranked by their mean, hand-checked p") {
    // |d| = 1, 2, 3, 4, 5 with signs - + + + +: W+ = 2 + 3 + 4 + 5 = 14 of 15; exact p = 2 * P(W+ >= 14)
    // = 2 * 2/32 (W+ = 14 or 15).
    const auto r = detail::wilcoxon_signed_rank({-1, 2, 3, 4, 5});
    CHECK(r.w_plus == 14.0);
    CHECK(r.exact);
    CHECK(r.p_value == gputime_test::Approx(4.0 / 32.0).epsilon(1e-15));
    // Zeros are dropped (scipy's zero_method='wilcox'); ties get the mean rank and the normal
    // approximation: |d| = 1, 1, 2 -> ranks 1.5, 1.5, 3; W+ = 1.5 + 3.
    const auto t = detail::wilcoxon_signed_rank({0, 0, -1, 1, 2});
    CHECK(t.zeros == 2);
    CHECK(t.n == 3);
    CHECK(t.ties);
    CHECK_FALSE(t.exact);
    CHECK(t.w_plus == 4.5);
    // sigma^2 = 3 * 4 * 7 / 24 - (2^3 - 2) / 48 = 3.5 - 0.125; z = (min(4.5, 1.5) - 3) / sigma
    const double z = (1.5 - 3.0) / std::sqrt(3.375);
    CHECK(t.z == gputime_test::Approx(z).epsilon(1e-14));
    CHECK(t.p_value == gputime_test::Approx(std::erfc(std::fabs(z) / std::sqrt(2.0))).epsilon(1e-14));
    // Every difference zero: no evidence either way.
    const auto none = detail::wilcoxon_signed_rank({0, 0, 0});
    CHECK(none.p_value == 1.0);
    CHECK(none.n == 0);
    // The centre of the exact distribution: p = 1.
    CHECK(detail::wilcoxon_signed_rank({-3, 1, 2}).p_value == 1.0);  // W+ = 3 = 6 / 2
    CHECK_THROWS_AS(detail::wilcoxon_signed_rank({0, 1, 2}, detail::RankTestMethod::exact), gputime::InvalidArgument);
    CHECK_THROWS_AS(detail::wilcoxon_signed_rank({}), gputime::InvalidArgument);
    CHECK_THROWS_AS(detail::wilcoxon_signed_rank({1.0, std::nan("")}), gputime::InvalidArgument);
}

TEST_CASE("signed rank: Walsh sums are selected exactly, with and without ties") {
    Splitmix rng{99};
    for (std::size_t n = 1; n <= 40; n += 3) {
        for (const double levels : {0.0, 4.0}) {
            std::vector<double> d(n);
            for (double& x : d) x = levels > 0 ? std::floor(rng.uniform() * levels) - 1.0 : rng.uniform() * 2.0 - 0.7;
            std::sort(d.begin(), d.end());
            const std::vector<double> w = sorted_walsh_sums(d);
            bool all_match = true;
            for (std::uint64_t k = 1; k <= w.size(); ++k)
                all_match = all_match && detail::walsh_sum_order_statistic(d, k) == w[k - 1];
            INFO("n = " << n << ", levels " << levels);
            CHECK(all_match);
        }
    }
    // Larger: several sampling rounds before the candidates are collected.
    std::vector<double> d(700);
    for (double& x : d) x = std::floor(rng.uniform() * 300.0);
    std::sort(d.begin(), d.end());
    const std::vector<double> w = sorted_walsh_sums(d);
    bool all_match = true;
    for (std::uint64_t k = 1; k <= w.size(); k += 977)
        all_match = all_match && detail::walsh_sum_order_statistic(d, k) == w[k - 1];
    all_match = all_match && detail::walsh_sum_order_statistic(d, w.size()) == w.back();
    CHECK(all_match);
    CHECK_THROWS_AS(detail::walsh_sum_order_statistic(d, 0), gputime::InvalidArgument);
    CHECK_THROWS_AS(detail::walsh_sum_order_statistic(d, w.size() + 1), gputime::InvalidArgument);
}

TEST_CASE("signed rank: the Hodges-Lehmann interval's ranks, exact and normal") {
    // n = 10: P(W+ <= 8) = 25/1024 <= 0.025 < P(W+ <= 9) = 33/1024 (qsignrank(0.025, 10) = 9): k = 9.
    std::vector<double> d{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    const auto exact = detail::walsh_hodges_lehmann(d, 0.95, true);
    CHECK(exact.lower_rank == 9);
    CHECK(exact.upper_rank == 55 + 1 - 9);
    CHECK(exact.coverage == gputime_test::Approx(1.0 - 2.0 * 25.0 / 1024.0).epsilon(1e-15));
    CHECK(exact.estimate == 5.5);
    const std::vector<double> w = sorted_walsh_sums(d);
    CHECK(exact.lower == w[8] / 2.0);
    CHECK(exact.upper == w[55 - 9] / 2.0);
    // Normal approximation, n = 100: k = floor(2525 + 0.5 - 1.959964 * sqrt(100 * 101 * 201 / 24)).
    Splitmix rng{5};
    std::vector<double> big(100);
    for (double& x : big) x = rng.uniform() - 0.4;
    const auto normal = detail::walsh_hodges_lehmann(big, 0.95, false);
    CHECK(normal.lower_rank ==
          static_cast<std::uint64_t>(std::floor(2525.5 - 1.959963984540054 * std::sqrt(100.0 * 101.0 * 201.0 / 24.0))));
    CHECK(normal.coverage >= 0.95);
    CHECK(normal.coverage < 0.952);
    // A constant shift: every Walsh average is the shift, the interval a point.
    const auto constant = detail::walsh_hodges_lehmann(std::vector<double>(50, 0.25), 0.99, false);
    CHECK(constant.estimate == 0.25);
    CHECK(constant.lower == 0.25);
    CHECK(constant.upper == 0.25);
    // Too few differences: open on both sides (n = 5: P(W+ <= 0) = 1/32 > 0.025).
    const auto tiny = detail::walsh_hodges_lehmann({1, 2, 3, 4, 5}, 0.95, true);
    CHECK(tiny.lower_rank == 0);
    CHECK(std::isinf(tiny.lower));
    CHECK(std::isinf(tiny.upper));
    CHECK_THROWS_AS(detail::walsh_hodges_lehmann({}, 0.95), gputime::InvalidArgument);
    CHECK_THROWS_AS(detail::walsh_hodges_lehmann({1.0}, 1.0), gputime::InvalidArgument);
    CHECK_THROWS_AS(detail::walsh_hodges_lehmann(std::vector<double>(64, 1.0), 0.95, true), gputime::InvalidArgument);
}
