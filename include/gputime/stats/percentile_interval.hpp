// SPDX-License-Identifier: MIT
// gputime/stats/percentile_interval.hpp - how far a measured percentile can be from the true one.
//
// A p99 of 200 samples is one of the two largest samples; run again, and it moves. The
// distribution-free confidence interval of a percentile needs no assumption about the shape of
// the latency distribution (latencies are skewed, multi-modal, heavy-tailed): if B counts the
// samples below the true p-quantile, B ~ Binomial(n, p), so the order statistics X_(l) and X_(u)
// enclose that quantile with probability P(l <= B <= u - 1). gputime picks
//     l = the largest rank with P(B <= l - 1) <= alpha/2,
//     u = the smallest rank with P(B >= u) <= alpha/2,         alpha = 1 - confidence,
// so each side misses with probability at most alpha/2 and the coverage is at least the
// confidence asked for (it is reported exactly, since ranks are whole numbers). When even the
// extreme sample is not far enough out (too few samples), that side of the interval is OPEN:
// a p99 of 100 samples has no upper bound at 95%, because the true p99 lies above the largest
// of 100 samples with probability 0.99^100 = 37%. samples_needed(p, confidence) is the smallest
// n for which both sides close (368 for p99 at 95%).
//
// See e.g. Hahn and Meeker, "Statistical Intervals" (1991), ch. 5, or Conover, "Practical
// Nonparametric Statistics", 3rd ed., sec. 3.2.
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/core/error.hpp>
#include <gputime/stats/detail/binomial.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

namespace gputime {

/// The ranks (1-based, in the sorted samples) of a percentile's confidence interval.
struct PercentileRanks {
    /// Rank of the lower bound; 0 when the lower side is open (no sample is low enough).
    std::size_t lower = 0;
    /// Rank of the upper bound; n + 1 when the upper side is open (no sample is high enough).
    std::size_t upper = 0;
    /// The exact probability that [lower, upper] holds the true percentile, >= the confidence.
    /// With an open side, the probability of the closed side alone (1 when both are open).
    double coverage = 0.0;
};

/// A percentile with its confidence interval: Stats::percentile_interval(99.0, 0.95).
struct PercentileInterval {
    double p = 0.0;           ///< The percentile, in percent (99.0).
    double confidence = 0.0;  ///< Asked for, e.g. 0.95; ranks.coverage is what it really is.
    Duration estimate{0.0};   ///< The nearest-rank percentile itself.
    Duration lower{0.0};      ///< The lower bound; meaningless when lower_open.
    Duration upper{0.0};      ///< The upper bound; meaningless when upper_open.
    bool lower_open = true;   ///< Too few samples to bound the percentile from below.
    bool upper_open = true;   ///< ... from above (e.g. a p99 of fewer than 368 samples at 95%).
    PercentileRanks ranks;    ///< The bounds' ranks in the sorted samples, and the exact coverage.

    /// Both sides are bounded (neither lower_open nor upper_open).
    bool bounded() const noexcept { return !lower_open && !upper_open; }
    /// The larger distance from the estimate to a bound, relative to the estimate: 0.01 means
    /// the true percentile is within +-1% (at the confidence). Infinite when a side is open.
    double relative_half_width() const noexcept {
        if (!bounded()) return std::numeric_limits<double>::infinity();
        const double e = estimate.count();
        const double half = std::max(upper.count() - e, e - lower.count());
        if (e == 0.0) return half == 0.0 ? 0.0 : std::numeric_limits<double>::infinity();
        return half / e;
    }
};

namespace detail {

inline void check_percentile_and_confidence(const char* where, double p, double confidence) {
    if (!(p >= 0.0 && p <= 100.0))
        throw InvalidArgument(where, "p", "must be a percentage in [0, 100], got " + std::to_string(p));
    if (!(confidence > 0.0 && confidence < 1.0))
        throw InvalidArgument(where, "confidence", "must be in (0, 1), e.g. 0.95, got " + std::to_string(confidence));
}

}  // namespace detail

namespace detail {
inline PercentileRanks percentile_ranks_for(const char* where, std::size_t n, double p, double confidence);
}

/// The ranks of the `confidence` interval of the p-th percentile (p in [0, 100]) of n samples.
inline PercentileRanks percentile_ranks(std::size_t n, double p, double confidence = 0.95) {
    return detail::percentile_ranks_for("percentile_ranks", n, p, confidence);
}

/// As percentile_ranks(); `where` names the public entry point in a refusal.
inline PercentileRanks detail::percentile_ranks_for(const char* where, std::size_t n, double p, double confidence) {
    detail::check_percentile_and_confidence(where, p, confidence);
    const double q = p / 100.0;
    const double half_alpha = (1.0 - confidence) / 2.0;
    const std::uint64_t count = n;
    // Largest l in [0, n] with P(B <= l - 1) <= alpha/2 (l = 0 always qualifies: open).
    std::uint64_t low = 0, high = count + 1;  // invariant: low qualifies, high does not
    while (high - low > 1) {
        const std::uint64_t mid = low + (high - low) / 2;
        if (detail::binomial_cdf(mid - 1, count, q) <= half_alpha) low = mid;
        else high = mid;
    }
    const std::uint64_t lower = low;
    // Smallest u in [1, n + 1] with P(B >= u) <= alpha/2 (u = n + 1 always qualifies: open).
    low = 0;
    high = count + 1;  // invariant: high qualifies, low does not
    while (high - low > 1) {
        const std::uint64_t mid = low + (high - low) / 2;
        if (detail::binomial_sf(mid, count, q) <= half_alpha) high = mid;
        else low = mid;
    }
    const std::uint64_t upper = high;
    PercentileRanks ranks;
    ranks.lower = static_cast<std::size_t>(lower);
    ranks.upper = static_cast<std::size_t>(upper);
    const double miss_low = lower == 0 ? 0.0 : detail::binomial_cdf(lower - 1, count, q);
    const double miss_high = upper == count + 1 ? 0.0 : detail::binomial_sf(upper, count, q);
    ranks.coverage = 1.0 - miss_low - miss_high;
    return ranks;
}

/// The smallest number of samples whose `confidence` interval of the p-th percentile is closed on
/// both sides (p in (0, 100)). For p99 at 95%: 368; for p50: 6; for p99.9: 3688.
inline std::size_t samples_needed(double p, double confidence = 0.95) {
    detail::check_percentile_and_confidence("samples_needed", p, confidence);
    if (p == 0.0 || p == 100.0)
        throw InvalidArgument("samples_needed", "p",
                              "must be strictly between 0 and 100: the interval of the "
                              "minimum or maximum never closes on its outer side");
    const double q = p / 100.0;
    const double half_alpha = (1.0 - confidence) / 2.0;
    // Closed below needs P(B = 0) = (1-q)^n <= alpha/2; closed above needs P(B = n) = q^n <= alpha/2.
    auto closes = [&](double n) {
        return n * std::log1p(-q) <= std::log(half_alpha) && n * std::log(q) <= std::log(half_alpha);
    };
    const double guess = std::ceil(std::log(half_alpha) / std::log(std::max(q, 1.0 - q)));
    double n = guess < 1.0 ? 1.0 : guess;
    while (n > 1.0 && closes(n - 1.0)) n -= 1.0;  // the logs may round either way: settle exactly
    while (!closes(n)) n += 1.0;
    return static_cast<std::size_t>(n);
}

}  // namespace gputime
