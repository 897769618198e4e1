// SPDX-License-Identifier: MIT
// gputime/stats/signed_rank.hpp - rank statistics of paired differences: the two-sided Wilcoxon
// signed-rank test and the Hodges-Lehmann estimate of the differences' centre (the median of
// their Walsh averages) with its distribution-free interval.
//
//   const auto shift = gputime::detail::walsh_hodges_lehmann(sorted_log_ratios, 0.95, false);
//
// docs/statistics.md, "Paired rank tests: Wilcoxon signed-rank and Hodges-Lehmann of the Walsh
// averages".
#pragma once

#include <gputime/core/error.hpp>
#include <gputime/stats/mann_whitney.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace gputime::detail {

struct SignedRankResult {
    double w_plus = 0.0;    ///< sum of the ranks of the positive differences (zeros dropped)
    double p_value = 1.0;   ///< two-sided
    bool exact = false;     ///< exact null distribution (else the normal approximation)
    bool ties = false;      ///< ties among the non-zero |d|
    double z = 0.0;         ///< the normal approximation's z; 0 when exact
    std::size_t n = 0;      ///< non-zero differences
    std::size_t zeros = 0;  ///< differences equal to 0 (dropped)
};

/// The exact null distribution of W+ for n untied, non-zero differences: counts[w] for
/// w = 0..n(n+1)/2, total 2^n. n <= 63.
class ExactSignedRankDistribution {
public:
    static constexpr std::size_t max_n = 63;
    static bool available(std::size_t n) noexcept { return n >= 1 && n <= max_n; }

    explicit ExactSignedRankDistribution(std::size_t n) : n_(n) {
        if (!available(n)) throw InvalidArgument("detail::ExactSignedRankDistribution", "n", "must be in [1, 63]");
        const std::size_t top = n * (n + 1) / 2;
        std::vector<std::uint64_t> counts(top + 1, 0);
        counts[0] = 1;
        for (std::size_t i = 1; i <= n; ++i)  // times (1 + q^i), highest degree first
            for (std::size_t w = top; w >= i; --w) counts[w] += counts[w - i];
        cumulative_.resize(top + 1);
        std::uint64_t sum = 0;
        for (std::size_t w = 0; w <= top; ++w) cumulative_[w] = sum += counts[w];
    }
    /// P(W+ <= w); 0 for a negative w, 1 past the top.
    double cdf(std::int64_t w) const noexcept {
        if (w < 0) return 0.0;
        const std::size_t index = std::min(static_cast<std::size_t>(w), cumulative_.size() - 1);
        return static_cast<double>(cumulative_[index]) / total();
    }
    double total() const noexcept { return std::ldexp(1.0, static_cast<int>(n_)); }
    std::size_t top() const noexcept { return cumulative_.size() - 1; }

private:
    std::size_t n_;
    std::vector<std::uint64_t> cumulative_;
};

/// The Wilcoxon signed-rank test of the differences `ds`, sorted ascending (finite, any size).
inline SignedRankResult wilcoxon_signed_rank_sorted(const std::vector<double>& ds,
                                                    RankTestMethod method = RankTestMethod::automatic) {
    SignedRankResult r;
    // |d| of the non-zero differences, sorted: merge the negatives (reversed) and the positives.
    std::size_t first_zero = 0;
    while (first_zero < ds.size() && ds[first_zero] < 0.0) ++first_zero;
    std::size_t first_positive = first_zero;
    while (first_positive < ds.size() && ds[first_positive] == 0.0) ++first_positive;
    r.zeros = first_positive - first_zero;
    std::vector<double> magnitude;
    std::vector<bool> positive;
    magnitude.reserve(ds.size() - r.zeros);
    positive.reserve(ds.size() - r.zeros);
    {
        std::size_t neg = first_zero, pos = first_positive;  // neg counts down
        while (neg > 0 || pos < ds.size()) {
            const bool take_positive = neg == 0 || (pos < ds.size() && ds[pos] < -ds[neg - 1]);
            if (take_positive) {
                magnitude.push_back(ds[pos++]);
                positive.push_back(true);
            } else {
                magnitude.push_back(-ds[--neg]);
                positive.push_back(false);
            }
        }
    }
    const std::size_t n = magnitude.size();
    r.n = n;
    if (n == 0) return r;  // every difference zero: no evidence either way
    // Mean ranks of tie groups; W+ and the tie term.
    double tie_term = 0.0;
    for (std::size_t i = 0; i < n;) {
        std::size_t j = i;
        while (j < n && magnitude[j] == magnitude[i]) ++j;
        const double t = static_cast<double>(j - i);
        const double rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
        for (std::size_t k = i; k < j; ++k)
            if (positive[k]) r.w_plus += rank;
        if (t > 1.0) {
            r.ties = true;
            tie_term += t * t * t - t;
        }
        i = j;
    }
    const double nn = static_cast<double>(n);
    const double top = nn * (nn + 1.0) / 2.0;
    bool exact = false;
    switch (method) {
        case RankTestMethod::automatic: exact = n <= 50 && r.zeros == 0 && !r.ties; break;
        case RankTestMethod::exact:
            if (r.ties || r.zeros > 0 || !ExactSignedRankDistribution::available(n))
                throw InvalidArgument("detail::wilcoxon_signed_rank", "method",
                                      "exact needs at most 63 differences, none zero and no ties among |d| "
                                      "(use automatic or asymptotic)");
            exact = true;
            break;
        case RankTestMethod::asymptotic: exact = false; break;
    }
    r.exact = exact;
    if (exact) {
        const ExactSignedRankDistribution dist(n);
        const auto w = static_cast<std::int64_t>(r.w_plus);  // whole without ties
        if (2.0 * r.w_plus == top) {
            r.p_value = 1.0;
        } else {
            const double below = dist.cdf(w);
            const double above = 1.0 - dist.cdf(w - 1);
            r.p_value = std::min(1.0, 2.0 * std::min(below, above));
        }
        return r;
    }
    const double mean = top / 2.0;
    const double variance = nn * (nn + 1.0) * (2.0 * nn + 1.0) / 24.0 - tie_term / 48.0;
    const double t = std::min(r.w_plus, top - r.w_plus);
    if (!(variance > 0.0)) {
        r.p_value = 1.0;
        return r;
    }
    r.z = (t - mean) / std::sqrt(variance);
    r.p_value = two_sided_normal_p(std::fabs(r.z));
    return r;
}

/// The Wilcoxon signed-rank test of `d` (any order; a copy is sorted). Throws InvalidArgument
/// for an empty sample or a non-finite value.
inline SignedRankResult wilcoxon_signed_rank(std::vector<double> d, RankTestMethod method = RankTestMethod::automatic) {
    check_rank_sample("detail::wilcoxon_signed_rank", "d", d);
    std::sort(d.begin(), d.end());
    return wilcoxon_signed_rank_sorted(d, method);
}

/// The k-th smallest (1-based, 1 <= k <= n(n+1)/2) Walsh SUM ds[i] + ds[j], i <= j, ds sorted
/// ascending, finite and non-empty, without materialising the n(n+1)/2 sums.
///
/// Row i holds the sums ds[i] + ds[j] for j >= i, rising with j. As difference_order_statistic
/// (mann_whitney.hpp) does for pairwise differences: the answer a is kept between two bounds,
/// lo < a < hi, the candidates (sums strictly between them) form one range of j per row,
/// [first[i], last[i]); each round samples 32 candidates, takes two that bracket the target rank
/// in the sample as pivots, counts the sums below and at each pivot in one O(n) pass (the first
/// j with ds[i] + ds[j] >= p only moves right as i falls), and narrows the bounds or returns a
/// pivot. Once at most max(1024, 2n) candidates are left they are collected and the answer picked
/// with nth_element.
inline double walsh_sum_order_statistic(const std::vector<double>& ds, std::uint64_t k) {
    const std::size_t n = ds.size();
    const std::uint64_t total = static_cast<std::uint64_t>(n) * (static_cast<std::uint64_t>(n) + 1) / 2;
    if (n == 0 || k < 1 || k > total)
        throw InvalidArgument("detail::walsh_sum_order_statistic", "k", "must be in [1, n(n+1)/2]");
    const double* d = ds.data();
    std::vector<std::size_t> first(n), last(n, n);
    for (std::size_t i = 0; i < n; ++i) first[i] = i;
    std::uint64_t at_most_lo = 0;    // #(sums <= lo): lo = -infinity at first
    std::uint64_t below_hi = total;  // #(sums < hi): hi = +infinity at first
    std::uint64_t state = 0x13198A2E03707344ULL ^ (total * 0x9E3779B97F4A7C15ULL) ^ k;
    auto next_random = [&state] {  // splitmix64: deterministic, so the work is too
        std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    };
    constexpr std::size_t sample_size = 32;
    const std::uint64_t few = std::max<std::uint64_t>(1024, 2 * static_cast<std::uint64_t>(n));
    std::vector<std::uint64_t> prefix(n + 1, 0);
    std::vector<double> sample(sample_size);
    // Per row, for the two pivots: the first j with sum >= p and the first j with sum > p.
    std::vector<std::size_t> lt1(n), le1(n), lt2(n), le2(n);
    for (;;) {
        const std::uint64_t candidates = below_hi - at_most_lo;  // >= 1 by the invariant
        const std::uint64_t rank = k - at_most_lo;               // the answer's rank among them
        if (candidates <= few) {
            std::vector<double> left;
            left.reserve(static_cast<std::size_t>(candidates));
            for (std::size_t i = 0; i < n; ++i)
                for (std::size_t j = first[i]; j < last[i]; ++j) left.push_back(d[i] + d[j]);
            const auto nth = left.begin() + static_cast<std::ptrdiff_t>(rank - 1);
            std::nth_element(left.begin(), nth, left.end());
            return *nth;
        }
        for (std::size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + (last[i] - first[i]);
        for (double& s : sample) {
            const std::uint64_t limit =
                std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % candidates;
            std::uint64_t r = next_random();
            while (r >= limit) r = next_random();
            r %= candidates;
            const std::size_t row =
                static_cast<std::size_t>(std::upper_bound(prefix.begin() + 1, prefix.end(), r) - prefix.begin() - 1);
            s = d[row] + d[first[row] + static_cast<std::size_t>(r - prefix[row])];
        }
        std::sort(sample.begin(), sample.end());
        const double at = static_cast<double>(rank) / static_cast<double>(candidates) * sample_size;
        const double spread = 6.0;
        const auto index = [](double v) {
            return static_cast<std::size_t>(std::min(std::max(v, 0.0), static_cast<double>(sample_size - 1)));
        };
        const double p1 = sample[index(std::floor(at - spread))];
        const double p2 = sample[index(std::ceil(at + spread))];
        std::uint64_t c_lt1 = at_most_lo, c_le1 = at_most_lo, c_lt2 = at_most_lo, c_le2 = at_most_lo;
        {
            // Global pointers over the whole row (any j): the first j with d[i] + d[j] >= p (or > p).
            // They only move right as i falls; each row clamps them to its candidate range, where
            // the sums rise with j.
            std::size_t a1 = 0, b1 = 0, a2 = 0, b2 = 0;
            for (std::size_t i = n; i-- > 0;) {
                const double di = d[i];
                while (a1 < n && di + d[a1] < p1) ++a1;
                while (b1 < n && di + d[b1] <= p1) ++b1;
                while (a2 < n && di + d[a2] < p2) ++a2;
                while (b2 < n && di + d[b2] <= p2) ++b2;
                const std::size_t lo_j = first[i], hi_j = last[i];
                lt1[i] = std::min(std::max(a1, lo_j), hi_j);
                le1[i] = std::min(std::max(b1, lo_j), hi_j);
                lt2[i] = std::min(std::max(a2, lo_j), hi_j);
                le2[i] = std::min(std::max(b2, lo_j), hi_j);
                c_lt1 += lt1[i] - lo_j;
                c_le1 += le1[i] - lo_j;
                c_lt2 += lt2[i] - lo_j;
                c_le2 += le2[i] - lo_j;
            }
        }
        if (k <= c_lt1) {  // a < p1
            last.swap(lt1);
            below_hi = c_lt1;
        } else if (k <= c_le1) {
            return p1;
        } else if (k <= c_lt2) {  // p1 < a < p2
            first.swap(le1);
            at_most_lo = c_le1;
            last.swap(lt2);
            below_hi = c_lt2;
        } else if (k <= c_le2) {
            return p2;
        } else {  // p2 < a
            first.swap(le2);
            at_most_lo = c_le2;
        }
    }
}

/// The Hodges-Lehmann estimate of the centre of the differences `ds` (sorted ascending, finite,
/// non-empty) and its `confidence` interval (see the top). `exact`: the interval's rank from the
/// exact null distribution of W+ (needs n <= 63).
inline ShiftEstimate walsh_hodges_lehmann_sorted(const std::vector<double>& ds, double confidence, bool exact) {
    if (!(confidence > 0.0 && confidence < 1.0))
        throw InvalidArgument("detail::walsh_hodges_lehmann", "confidence", "must be in (0, 1)");
    if (ds.empty()) throw InvalidArgument("detail::walsh_hodges_lehmann", "d", "must hold at least one value");
    if (exact && !ExactSignedRankDistribution::available(ds.size()))
        throw InvalidArgument("detail::walsh_hodges_lehmann", "exact", "needs at most 63 differences");
    const std::uint64_t n = ds.size();
    const std::uint64_t total = n * (n + 1) / 2;
    ShiftEstimate s;
    s.exact = exact;
    if (total % 2 == 1) {
        s.estimate = walsh_sum_order_statistic(ds, (total + 1) / 2) / 2.0;
    } else {
        const double low = walsh_sum_order_statistic(ds, total / 2);
        const double high = walsh_sum_order_statistic(ds, total / 2 + 1);
        s.estimate = (low + (high - low) / 2.0) / 2.0;
    }
    const double half_alpha = (1.0 - confidence) / 2.0;
    std::uint64_t k = 0;  // 0: open
    if (exact) {
        const ExactSignedRankDistribution dist(ds.size());
        // Largest k >= 1 with P(W+ <= k - 1) <= alpha/2; P(W+ <= N/2) >= 1/2 > alpha/2.
        std::uint64_t lo = 0, hi = total / 2 + 1;
        while (hi - lo > 1) {
            const std::uint64_t mid = lo + (hi - lo) / 2;
            if (dist.cdf(static_cast<std::int64_t>(mid) - 1) <= half_alpha) lo = mid;
            else hi = mid;
        }
        k = lo;
        if (k >= 1) s.coverage = 1.0 - 2.0 * dist.cdf(static_cast<std::int64_t>(k) - 1);
    } else {
        const double z = normal_quantile(1.0 - half_alpha);
        const double nn = static_cast<double>(n);
        const double mean = static_cast<double>(total) / 2.0;
        const double sigma = std::sqrt(nn * (nn + 1.0) * (2.0 * nn + 1.0) / 24.0);
        const double bound = std::floor(mean + 0.5 - z * sigma);
        if (bound >= 1.0) {
            k = static_cast<std::uint64_t>(bound);
            const double tail = 0.5 * std::erfc(-((static_cast<double>(k) - 0.5 - mean) / sigma) / std::sqrt(2.0));
            s.coverage = 1.0 - 2.0 * tail;
        }
    }
    if (k >= 1) {
        s.lower_rank = k;
        s.upper_rank = total + 1 - k;
        s.lower = walsh_sum_order_statistic(ds, s.lower_rank) / 2.0;
        s.upper = walsh_sum_order_statistic(ds, s.upper_rank) / 2.0;
    }
    return s;
}

/// walsh_hodges_lehmann_sorted on a copy of `d` (any order). Throws InvalidArgument for an empty
/// sample, a non-finite value, or a confidence outside (0, 1).
inline ShiftEstimate walsh_hodges_lehmann(std::vector<double> d, double confidence = 0.95, bool exact = false) {
    check_rank_sample("detail::walsh_hodges_lehmann", "d", d);
    std::sort(d.begin(), d.end());
    return walsh_hodges_lehmann_sorted(d, confidence, exact);
}

}  // namespace gputime::detail
