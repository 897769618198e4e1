// SPDX-License-Identifier: MIT
// gputime/stats/detail/binomial.hpp - binomial tail probabilities, accurate to ~1e-14 for any n.
//
// The confidence interval of a percentile is a pair of order statistics whose ranks come from
// the binomial distribution's tails. Summing pmf(k) = C(n,k) p^k q^(n-k) naively underflows
// for n of a million, and lgamma-based coefficients lose ~9 digits there. Loader's saddle-point
// form ("Fast and accurate computation of binomial probabilities", C. Loader, 2000) keeps full
// precision: pmf(k) = exp(-stirlerr/bd0 terms) / sqrt(2 pi k (n-k)/n), where stirlerr(n) is
// the error of Stirling's formula and bd0(x, m) = x log(x/m) + m - x is computed without
// cancellation. Tails are then summed from the tail end inwards, where the terms shrink
// geometrically, so a tail costs O(sqrt(n)) terms at worst.
#pragma once

#include <cmath>
#include <cstdint>

namespace gputime::detail {

/// log(n!) - log(sqrt(2 pi n) (n/e)^n): the error of Stirling's formula, for n >= 1.
inline double stirling_error(double n) {
    if (n <= 15.0) {
        // lgamma in long double: the cancellation leaves more than 15 good digits here.
        const long double x = static_cast<long double>(n);
        return static_cast<double>(std::lgamma(x + 1.0L) - (x + 0.5L) * std::log(x) + x -
                                   0.918938533204672741780329736406L);  // log(sqrt(2 pi))
    }
    // The asymptotic series 1/12n - 1/360n^3 + 1/1260n^5 - 1/1680n^7 + 1/1188n^9.
    const double nn = n * n;
    return (1.0 / 12 - (1.0 / 360 - (1.0 / 1260 - (1.0 / 1680 - 1.0 / 1188 / nn) / nn) / nn) / nn) / n;
}

/// x log(x / m) + m - x, without cancellation when x is close to m.
inline double deviance_term(double x, double m) {
    if (std::fabs(x - m) < 0.1 * (x + m)) {
        double v = (x - m) / (x + m);
        double sum = (x - m) * v;
        double term = 2.0 * x * v;
        v *= v;
        for (int j = 1; j < 1000; ++j) {
            term *= v;
            const double next = sum + term / (2 * j + 1);
            if (next == sum) return next;
            sum = next;
        }
        return sum;
    }
    return x * std::log(x / m) + m - x;
}

/// P(B = k) for B ~ Binomial(n, p), 0 < p < 1.
inline double binomial_pmf(std::uint64_t k, std::uint64_t n, double p) {
    const double q = 1.0 - p;
    const double dn = static_cast<double>(n);
    if (k == 0) return std::exp(dn * std::log1p(-p));
    if (k == n) return std::exp(dn * std::log(p));
    const double dk = static_cast<double>(k);
    const double rest = dn - dk;
    const double exponent = stirling_error(dn) - stirling_error(dk) - stirling_error(rest) - deviance_term(dk, dn * p) -
                            deviance_term(rest, dn * q);
    const double two_pi = 6.283185307179586476925286766559;
    return std::exp(exponent) / std::sqrt(two_pi * dk * rest / dn);
}

/// P(B <= k) for B ~ Binomial(n, p), p in [0, 1], for k below the mean; P(B >= k) mirrored.
inline double binomial_cdf(std::uint64_t k, std::uint64_t n, double p);

/// P(B >= k) for B ~ Binomial(n, p), p in [0, 1].
inline double binomial_sf(std::uint64_t k, std::uint64_t n, double p) {
    if (k == 0) return 1.0;
    if (k > n) return 0.0;
    if (p <= 0.0) return 0.0;
    if (p >= 1.0) return 1.0;
    const double mean = static_cast<double>(n) * p;
    if (static_cast<double>(k) <= mean) return 1.0 - binomial_cdf(k - 1, n, p);
    // Upward from k: pmf(j + 1) = pmf(j) * (n - j) / (j + 1) * p / q, shrinking past the mean.
    const double ratio = p / (1.0 - p);
    double term = binomial_pmf(k, n, p);
    double sum = 0.0;
    for (std::uint64_t j = k; term > 0.0; ++j) {
        sum += term;
        if (term <= sum * 1e-17 || j == n) break;
        term *= static_cast<double>(n - j) / static_cast<double>(j + 1) * ratio;
    }
    return sum;
}

inline double binomial_cdf(std::uint64_t k, std::uint64_t n, double p) {
    if (k >= n) return 1.0;
    if (p <= 0.0) return 1.0;
    if (p >= 1.0) return 0.0;
    const double mean = static_cast<double>(n) * p;
    if (static_cast<double>(k) >= mean) return 1.0 - binomial_sf(k + 1, n, p);
    // Downward from k: pmf(j - 1) = pmf(j) * j / (n - j + 1) * q / p, shrinking below the mean.
    const double ratio = (1.0 - p) / p;
    double term = binomial_pmf(k, n, p);
    double sum = 0.0;
    for (std::uint64_t j = k;; --j) {
        sum += term;
        if (j == 0 || term <= sum * 1e-17) break;  // also stops a tail that underflowed to 0
        term *= static_cast<double>(j) / static_cast<double>(n - j + 1) * ratio;
    }
    return sum;
}

}  // namespace gputime::detail
