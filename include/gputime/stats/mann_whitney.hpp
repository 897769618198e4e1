// SPDX-License-Identifier: MIT
// gputime/stats/mann_whitney.hpp - the rank statistics behind gputime::compare: the two-sided
// Mann-Whitney U test and the Hodges-Lehmann shift estimate with its distribution-free interval.
//
// Both work on two samples x (the candidate) and y (the baseline) of finite doubles; compare()
// gives them log durations, so that a shift is a ratio of durations.
//
//   const auto r = gputime::detail::mann_whitney(candidate_logs, baseline_logs);  // r.p_value
//
// The definitions (scipy's mannwhitneyu, Hollander & Wolfe's interval) and how they are
// computed exactly: docs/statistics.md, "Rank tests".
#pragma once

#include <gputime/core/error.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

namespace gputime::detail {

/// Which null distribution a rank test uses for its p-value.
enum class RankTestMethod {
    automatic,   ///< scipy's method='auto': exact without ties and min(n, m) <= 8 (see the top)
    exact,       ///< the exact distribution; samples with ties are refused
    asymptotic,  ///< the normal approximation, tie-corrected, with continuity correction
};

struct MannWhitneyResult {
    double u = 0.0;        ///< U of the first sample x: #(x > y) + 0.5 #(x == y)
    double p_value = 1.0;  ///< two-sided
    bool exact = false;    ///< exact null distribution (else the normal approximation)
    bool ties = false;     ///< the pooled sample has ties
    double z = 0.0;        ///< the normal approximation's z (continuity-corrected); 0 when exact
    std::size_t n = 0;     ///< size of x
    std::size_t m = 0;     ///< size of y
};

struct ShiftEstimate {
    double estimate = 0.0;                                    ///< Hodges-Lehmann: median of x_i - y_j
    double lower = -std::numeric_limits<double>::infinity();  ///< -inf when open
    double upper = std::numeric_limits<double>::infinity();   ///< +inf when open
    double coverage = 1.0;         ///< the interval's exact (or approximated) coverage, >= confidence
    std::uint64_t lower_rank = 0;  ///< k (1-based), 0 when open
    std::uint64_t upper_rank = 0;  ///< nm + 1 - k, 0 when open
    bool exact = false;            ///< k from the exact null distribution of U
};

// ---- small helpers --------------------------------------------------------------------------

inline void check_rank_sample(const char* where, const char* name, const std::vector<double>& v) {
    if (v.empty()) throw InvalidArgument(where, name, "must hold at least one value");
    for (const double x : v)
        if (!std::isfinite(x)) throw InvalidArgument(where, name, "must hold finite values only");
}

/// C(n + m, min(n, m)) when it is below 2^63, else 0.
inline std::uint64_t binomial_below_2_63(std::size_t n, std::size_t m) noexcept {
    const std::uint64_t s = std::min(n, m), l = std::max(n, m);
    constexpr std::uint64_t limit = std::uint64_t{1} << 63;
    std::uint64_t c = 1;
    for (std::uint64_t i = 1; i <= s; ++i) {
        // C(l + i, i) = C(l + i - 1, i - 1) * (l + i) / i, a whole number: with g = gcd(l + i, i),
        // i / g divides c, so c / (i / g) * ((l + i) / g) never overflows before the result would.
        const std::uint64_t g = std::gcd(l + i, i);
        const std::uint64_t reduced = c / (i / g), factor = (l + i) / g;
        if (reduced > (limit - 1) / factor) return 0;
        c = reduced * factor;
    }
    return c;
}

/// The exact null distribution of U for sizes n, m (no ties): counts[u] for u = 0..floor(nm/2)
/// and their total C(n + m, n). Only built when that total is below 2^63.
class ExactUDistribution {
public:
    /// Whether the exact distribution can be counted for these sizes.
    static bool available(std::size_t n, std::size_t m) noexcept {
        return n > 0 && m > 0 && n <= max_product / m && binomial_below_2_63(n, m) != 0;
    }
    /// The largest n * m counted exactly (the table holds nm/2 + 1 counts).
    static constexpr std::size_t max_product = 1000000;

    ExactUDistribution(std::size_t n, std::size_t m) : total_(available(n, m) ? binomial_below_2_63(n, m) : 0) {
        if (total_ == 0)
            throw InvalidArgument("detail::ExactUDistribution", "n, m",
                                  "out of range for the exact distribution (needs C(n + m, n) < 2^63, n*m <= 10^6)");
        const std::uint64_t s = std::min(n, m), l = std::max(n, m);
        const std::uint64_t half = static_cast<std::uint64_t>(n) * static_cast<std::uint64_t>(m) / 2;
        const std::size_t size = static_cast<std::size_t>(half) + 1;
        counts_.assign(size, 0);
        counts_[0] = 1;
        for (std::uint64_t i = 1; i <= s; ++i) {
            // times (1 - q^(l + i)), highest degree first so that old coefficients are read
            const std::uint64_t up = l + i;
            if (up < size)
                for (std::size_t j = size - 1; j >= up; --j) counts_[j] -= counts_[j - up];
            // divided by (1 - q^i): a running sum with stride i
            for (std::size_t j = static_cast<std::size_t>(i); j < size; ++j) counts_[j] += counts_[j - i];
        }
        cumulative_.resize(size);
        std::uint64_t sum = 0;
        for (std::size_t j = 0; j < size; ++j) cumulative_[j] = sum += counts_[j];
    }

    /// P(U <= k) for k <= floor(nm/2) (0 for a negative k).
    double cdf(std::int64_t k) const noexcept {
        if (k < 0) return 0.0;
        const std::size_t index = std::min(static_cast<std::size_t>(k), cumulative_.size() - 1);
        return static_cast<double>(cumulative_[index]) / static_cast<double>(total_);
    }
    /// How many of the C(n + m, n) arrangements give U <= k, k <= floor(nm/2).
    std::uint64_t count_at_most(std::uint64_t k) const noexcept {
        return cumulative_[std::min(static_cast<std::size_t>(k), cumulative_.size() - 1)];
    }
    std::uint64_t total() const noexcept { return total_; }
    /// The largest u covered: floor(nm/2).
    std::uint64_t half() const noexcept { return cumulative_.size() - 1; }

private:
    std::uint64_t total_;
    std::vector<std::uint64_t> counts_;
    std::vector<std::uint64_t> cumulative_;
};

/// The two-sided p-value of the normal distribution: 2 (1 - Phi(z)), at most 1.
inline double two_sided_normal_p(double z) noexcept {
    if (std::isnan(z)) return 1.0;
    const double p = std::erfc(z / std::sqrt(2.0));
    return std::min(1.0, std::max(0.0, p));
}

/// The standard normal quantile Phi^-1(p), 0 < p < 1: Acklam's rational approximation
/// (relative error < 1.2e-9), then one Halley step on erfc, which brings it to about 1e-15.
inline double normal_quantile(double p) {
    if (!(p > 0.0 && p < 1.0)) throw InvalidArgument("detail::normal_quantile", "p", "must be in (0, 1)");
    static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                                   1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
    static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                   6.680131188771972e+01, -1.328068155288572e+01};
    static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                   -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
    static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                   3.754408661907416e+00};
    constexpr double p_low = 0.02425;
    double x = 0.0;
    if (p < p_low) {
        const double q = std::sqrt(-2.0 * std::log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
    } else if (p <= 1.0 - p_low) {
        const double q = p - 0.5;
        const double r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
    } else {
        const double q = std::sqrt(-2.0 * std::log(1.0 - p));
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
    }
    // Halley refinement: e = Phi(x) - p with Phi(x) = erfc(-x / sqrt 2) / 2.
    constexpr double sqrt_2pi = 2.50662827463100050242;
    const double e = 0.5 * std::erfc(-x / std::sqrt(2.0)) - p;
    const double u = e * sqrt_2pi * std::exp(x * x / 2.0);
    return x - u / (1.0 + x * u / 2.0);
}

// ---- Mann-Whitney U ---------------------------------------------------------------------------

/// The Mann-Whitney U test of x against y, both sorted ascending (finite, non-empty).
inline MannWhitneyResult mann_whitney_sorted(const std::vector<double>& xs, const std::vector<double>& ys,
                                             RankTestMethod method = RankTestMethod::automatic) {
    const std::size_t n = xs.size(), m = ys.size();
    MannWhitneyResult r;
    r.n = n;
    r.m = m;
    // U: for each x (ascending), how many y are below it and how many equal it.
    std::uint64_t greater = 0, equal = 0;
    std::size_t below = 0, at_most = 0;
    for (const double x : xs) {
        while (below < m && ys[below] < x) ++below;
        if (at_most < below) at_most = below;
        while (at_most < m && ys[at_most] <= x) ++at_most;
        greater += below;
        equal += at_most - below;
    }
    r.u = static_cast<double>(greater) + 0.5 * static_cast<double>(equal);

    // Tie groups of the pooled sample: a merge walk.
    double tie_term = 0.0;
    {
        std::size_t i = 0, j = 0;
        while (i < n || j < m) {
            const double v = (j >= m || (i < n && xs[i] <= ys[j])) ? xs[i] : ys[j];
            double t = 0.0;
            for (; i < n && xs[i] == v; ++i) t += 1.0;
            for (; j < m && ys[j] == v; ++j) t += 1.0;
            if (t > 1.0) {
                r.ties = true;
                tie_term += t * t * t - t;
            }
        }
    }

    const double nm = static_cast<double>(n) * static_cast<double>(m);
    bool exact = false;
    switch (method) {
        case RankTestMethod::automatic:
            exact = !r.ties && std::min(n, m) <= 8 && ExactUDistribution::available(n, m);
            break;
        case RankTestMethod::exact:
            if (r.ties)
                throw InvalidArgument("detail::mann_whitney", "method",
                                      "exact needs samples without ties (use automatic or asymptotic)");
            if (!ExactUDistribution::available(n, m))
                throw InvalidArgument("detail::mann_whitney", "method",
                                      "exact needs C(n + m, n) < 2^63 and n*m <= 10^6 (use automatic or asymptotic)");
            exact = true;
            break;
        case RankTestMethod::asymptotic: exact = false; break;
    }
    r.exact = exact;
    if (exact) {
        const ExactUDistribution dist(n, m);
        const std::uint64_t u1 = greater;  // no ties: U is a whole number
        const std::uint64_t u2 = static_cast<std::uint64_t>(n) * static_cast<std::uint64_t>(m) - u1;
        r.p_value = std::min(1.0, 2.0 * dist.cdf(static_cast<std::int64_t>(std::min(u1, u2))));
        return r;
    }
    const double big_n = static_cast<double>(n + m);
    const double mu = nm / 2.0;
    const double variance = nm / 12.0 * ((big_n + 1.0) - tie_term / (big_n * (big_n - 1.0)));
    const double u_max = std::max(r.u, nm - r.u);
    if (!(variance > 0.0)) {  // every value the same: U = nm/2, no evidence at all
        r.z = -std::numeric_limits<double>::infinity();
        r.p_value = 1.0;
        return r;
    }
    r.z = (u_max - mu - 0.5) / std::sqrt(variance);
    r.p_value = two_sided_normal_p(r.z);
    return r;
}

/// The Mann-Whitney U test of x against y (any order; copies are sorted). Throws
/// InvalidArgument for an empty sample or a non-finite value.
inline MannWhitneyResult mann_whitney(std::vector<double> x, std::vector<double> y,
                                      RankTestMethod method = RankTestMethod::automatic) {
    check_rank_sample("detail::mann_whitney", "x", x);
    check_rank_sample("detail::mann_whitney", "y", y);
    std::sort(x.begin(), x.end());
    std::sort(y.begin(), y.end());
    return mann_whitney_sorted(x, y, method);
}

// ---- order statistics of the pairwise differences --------------------------------------------

/// #{(i, j): xs[i] - ys[j] <= d} (or < d when `strict`), xs and ys sorted ascending. O(n + m).
inline std::uint64_t count_differences_below(const std::vector<double>& xs, const std::vector<double>& ys, double d,
                                             bool strict) noexcept {
    // For each x (ascending), the differences x - y fall as y grows; the first y whose difference
    // qualifies moves right as x grows.
    const std::size_t m = ys.size();
    const double* y = ys.data();
    std::uint64_t count = 0;
    std::size_t j = 0;
    for (const double x : xs) {
        if (strict) {
            while (j < m && !(x - y[j] < d)) ++j;
        } else {
            while (j < m && !(x - y[j] <= d)) ++j;
        }
        count += m - j;
    }
    return count;
}

/// The k-th smallest (1-based, 1 <= k <= nm) of the differences xs[i] - ys[j], both sorted
/// ascending, finite and non-empty, without materialising the nm differences.
///
/// Row i holds the differences xs[i] - ys[j], falling as j grows. The answer a is kept between
/// two bounds, lo < a < hi, and the candidates (differences strictly between them) form one
/// range of j per row, [first[i], last[i]). Each round samples 32 candidates, takes two of them
/// that bracket the target rank in the sample (Floyd and Rivest's idea) as pivots, counts the
/// differences below and at each pivot in one O(n + m) two-pointer pass, and narrows the bounds
/// (or returns a pivot that is the answer). Once at most max(1024, 2(n + m)) candidates are left
/// they are collected and the answer picked with nth_element. Usually a handful of rounds.
inline double difference_order_statistic(const std::vector<double>& xs, const std::vector<double>& ys,
                                         std::uint64_t k) {
    const std::size_t n = xs.size(), m = ys.size();
    const std::uint64_t total = static_cast<std::uint64_t>(n) * static_cast<std::uint64_t>(m);
    if (n == 0 || m == 0 || k < 1 || k > total)
        throw InvalidArgument("detail::difference_order_statistic", "k", "must be in [1, n*m]");
    const double* x = xs.data();
    const double* y = ys.data();
    std::vector<std::size_t> first(n, 0), last(n, m);
    std::uint64_t at_most_lo = 0;    // #(D <= lo): lo = -infinity at first
    std::uint64_t below_hi = total;  // #(D < hi): hi = +infinity at first
    std::uint64_t state = 0x243F6A8885A308D3ULL ^ (total * 0x9E3779B97F4A7C15ULL) ^ k;
    auto next_random = [&state] {  // splitmix64: deterministic, so the work is too
        std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    };
    constexpr std::size_t sample_size = 32;
    const std::uint64_t few = std::max<std::uint64_t>(1024, 2 * static_cast<std::uint64_t>(n + m));
    std::vector<std::uint64_t> prefix(n + 1, 0);
    std::vector<double> sample(sample_size);
    // Per row, for the two pivots: the first j with D < p and the first j with D <= p.
    std::vector<std::size_t> lt1(n), le1(n), lt2(n), le2(n);
    for (;;) {
        const std::uint64_t candidates = below_hi - at_most_lo;  // >= 1 by the invariant
        const std::uint64_t rank = k - at_most_lo;               // the answer's rank among them
        if (candidates <= few) {
            std::vector<double> left;
            left.reserve(static_cast<std::size_t>(candidates));
            for (std::size_t i = 0; i < n; ++i)
                for (std::size_t j = first[i]; j < last[i]; ++j) left.push_back(x[i] - y[j]);
            const auto nth = left.begin() + static_cast<std::ptrdiff_t>(rank - 1);
            std::nth_element(left.begin(), nth, left.end());
            return *nth;
        }
        for (std::size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + (last[i] - first[i]);
        for (double& s : sample) {
            // Uniform in [0, candidates): rejection keeps it unbiased.
            const std::uint64_t limit =
                std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % candidates;
            std::uint64_t r = next_random();
            while (r >= limit) r = next_random();
            r %= candidates;
            const std::size_t row =
                static_cast<std::size_t>(std::upper_bound(prefix.begin() + 1, prefix.end(), r) - prefix.begin() - 1);
            s = x[row] - y[first[row] + static_cast<std::size_t>(r - prefix[row])];
        }
        std::sort(sample.begin(), sample.end());
        const double at = static_cast<double>(rank) / static_cast<double>(candidates) * sample_size;
        const double spread = 6.0;  // about sqrt(sample_size): brackets the rank most of the time
        const auto index = [](double v) {
            return static_cast<std::size_t>(std::min(std::max(v, 0.0), static_cast<double>(sample_size - 1)));
        };
        const double p1 = sample[index(std::floor(at - spread))];
        const double p2 = sample[index(std::ceil(at + spread))];
        std::uint64_t c_lt1 = at_most_lo, c_le1 = at_most_lo, c_lt2 = at_most_lo, c_le2 = at_most_lo;
        {
            std::size_t a1 = 0, b1 = 0, a2 = 0, b2 = 0;
            for (std::size_t i = 0; i < n; ++i) {
                const double xi = x[i];
                const std::size_t lo_j = first[i], hi_j = last[i];
                // Each pointer is the first j of the row whose D is < p (or <= p). Before first[i]
                // every D >= hi > p, from last[i] on every D <= lo < p: so it lies in
                // [first[i], last[i]], and it never moves left from one row to the next.
                a1 = std::max(a1, lo_j);
                while (a1 < hi_j && !(xi - y[a1] < p1)) ++a1;
                b1 = std::max(b1, lo_j);
                while (b1 < hi_j && !(xi - y[b1] <= p1)) ++b1;
                a2 = std::max(a2, lo_j);
                while (a2 < hi_j && !(xi - y[a2] < p2)) ++a2;
                b2 = std::max(b2, lo_j);
                while (b2 < hi_j && !(xi - y[b2] <= p2)) ++b2;
                lt1[i] = a1;
                le1[i] = b1;
                lt2[i] = a2;
                le2[i] = b2;
                c_lt1 += hi_j - lt1[i];
                c_le1 += hi_j - le1[i];
                c_lt2 += hi_j - lt2[i];
                c_le2 += hi_j - le2[i];
            }
        }
        if (k <= c_lt1) {  // a < p1
            first.swap(lt1);
            below_hi = c_lt1;
        } else if (k <= c_le1) {
            return p1;
        } else if (k <= c_lt2) {  // p1 < a < p2
            last.swap(le1);
            at_most_lo = c_le1;
            first.swap(lt2);
            below_hi = c_lt2;
        } else if (k <= c_le2) {
            return p2;
        } else {  // p2 < a
            last.swap(le2);
            at_most_lo = c_le2;
        }
    }
}

/// The smallest difference xs[i] - ys[j] above `d` (+infinity if none). O(n + m).
inline double smallest_difference_above(const std::vector<double>& xs, const std::vector<double>& ys,
                                        double d) noexcept {
    const std::size_t m = ys.size();
    const double* y = ys.data();
    double best = std::numeric_limits<double>::infinity();
    std::size_t j = 0;  // first j with x - y[j] <= d, for the current x
    for (const double x : xs) {
        while (j < m && x - y[j] > d) ++j;
        if (j > 0) best = std::min(best, x - y[j - 1]);  // the row's smallest difference above d
    }
    return best;
}

/// The Hodges-Lehmann estimate of the shift x - y and its `confidence` interval (see the top),
/// xs and ys sorted ascending, finite, non-empty. `exact`: take the interval's rank from the
/// exact null distribution of U (needs ExactUDistribution::available(n, m)).
inline ShiftEstimate hodges_lehmann_sorted(const std::vector<double>& xs, const std::vector<double>& ys,
                                           double confidence, bool exact) {
    if (!(confidence > 0.0 && confidence < 1.0))
        throw InvalidArgument("detail::hodges_lehmann", "confidence", "must be in (0, 1)");
    const std::size_t n = xs.size(), m = ys.size();
    const std::uint64_t nm = static_cast<std::uint64_t>(n) * static_cast<std::uint64_t>(m);
    ShiftEstimate s;
    s.exact = exact;
    if (nm % 2 == 1) {
        s.estimate = difference_order_statistic(xs, ys, (nm + 1) / 2);
    } else {
        const double low = difference_order_statistic(xs, ys, nm / 2);
        const double high =
            count_differences_below(xs, ys, low, false) > nm / 2 ? low : smallest_difference_above(xs, ys, low);
        s.estimate = low + (high - low) / 2.0;
    }
    const double half_alpha = (1.0 - confidence) / 2.0;
    std::uint64_t k = 0;  // 0: open
    if (exact) {
        const ExactUDistribution dist(n, m);
        // Largest k >= 1 with P(U <= k - 1) <= alpha/2; P(U <= floor(nm/2)) >= 1/2 > alpha/2.
        std::uint64_t low = 0, high = dist.half() + 1;  // low qualifies (k = 0 stands for open)
        while (high - low > 1) {
            const std::uint64_t mid = low + (high - low) / 2;
            if (dist.cdf(static_cast<std::int64_t>(mid) - 1) <= half_alpha) low = mid;
            else high = mid;
        }
        k = low;
        if (k >= 1) s.coverage = 1.0 - 2.0 * dist.cdf(static_cast<std::int64_t>(k) - 1);
    } else {
        const double z = normal_quantile(1.0 - half_alpha);
        const double mean = static_cast<double>(nm) / 2.0;
        const double sigma = std::sqrt(static_cast<double>(nm) * static_cast<double>(n + m + 1) / 12.0);
        const double bound = std::floor(mean + 0.5 - z * sigma);
        if (bound >= 1.0) {
            k = static_cast<std::uint64_t>(bound);
            const double tail = 0.5 * std::erfc(-((static_cast<double>(k) - 0.5 - mean) / sigma) / std::sqrt(2.0));
            s.coverage = 1.0 - 2.0 * tail;
        }
    }
    if (k >= 1) {
        s.lower_rank = k;
        s.upper_rank = nm + 1 - k;
        s.lower = difference_order_statistic(xs, ys, s.lower_rank);
        s.upper = difference_order_statistic(xs, ys, s.upper_rank);
    }
    return s;
}

/// hodges_lehmann_sorted on copies of x and y (any order). Throws InvalidArgument for an empty
/// sample, a non-finite value, or a confidence outside (0, 1).
inline ShiftEstimate hodges_lehmann(std::vector<double> x, std::vector<double> y, double confidence = 0.95,
                                    bool exact = false) {
    check_rank_sample("detail::hodges_lehmann", "x", x);
    check_rank_sample("detail::hodges_lehmann", "y", y);
    std::sort(x.begin(), x.end());
    std::sort(y.begin(), y.end());
    return hodges_lehmann_sorted(x, y, confidence, exact);
}

}  // namespace gputime::detail
