// SPDX-License-Identifier: MIT
// gputime/stats/student_t.hpp - Student's t distribution: the two-sided tail probability and its
// inverse, for any (also fractional, Welch-Satterthwaite) degrees of freedom.
//
//   const double t = gputime::detail::student_t_quantile(0.05, 7.0);   // 2.3646...: 95% two-sided
//   const double p = gputime::detail::student_t_two_sided_p(2.5, 7.0);  // 0.04099...
//
// P(|T| > t) = I_x(df/2, 1/2) with x = df / (df + t^2), I the regularized incomplete beta function,
// evaluated by its continued fraction (modified Lentz; Press et al., "Numerical Recipes", 3rd ed.,
// sec. 6.4). The quantile inverts it by bisection on t. Both agree with scipy.stats.t to about
// 1e-8 (relative), plenty for an interval's width.
#pragma once

#include <gputime/core/error.hpp>

#include <cmath>
#include <limits>

namespace gputime::detail {

/// The continued fraction of the incomplete beta function (modified Lentz), for x < (a+1)/(a+b+2).
inline double incomplete_beta_fraction(double a, double b, double x) noexcept {
    constexpr double tiny = 1e-300;
    constexpr double eps = 1e-16;
    const double qab = a + b, qap = a + 1.0, qam = a - 1.0;
    double c = 1.0, d = 1.0 - qab * x / qap;
    if (std::fabs(d) < tiny) d = tiny;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= 10000; ++m) {
        const double m2 = 2.0 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if (std::fabs(d) < tiny) d = tiny;
        c = 1.0 + aa / c;
        if (std::fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if (std::fabs(d) < tiny) d = tiny;
        c = 1.0 + aa / c;
        if (std::fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        const double step = d * c;
        h *= step;
        if (std::fabs(step - 1.0) < eps) break;
    }
    return h;
}

/// The regularized incomplete beta function I_x(a, b), a, b > 0, x in [0, 1].
inline double regularized_incomplete_beta(double a, double b, double x) noexcept {
    if (x <= 0.0) return 0.0;
    if (x >= 1.0) return 1.0;
    const double front =
        std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x));
    if (x < (a + 1.0) / (a + b + 2.0)) return front * incomplete_beta_fraction(a, b, x) / a;
    return 1.0 - front * incomplete_beta_fraction(b, a, 1.0 - x) / b;
}

/// P(|T| > |t|) for Student's t with df > 0 degrees of freedom.
inline double student_t_two_sided_p(double t, double df) {
    if (!(df > 0.0)) throw InvalidArgument("detail::student_t_two_sided_p", "df", "must be > 0");
    if (std::isnan(t)) return 1.0;
    if (std::isinf(t)) return 0.0;
    return regularized_incomplete_beta(df / 2.0, 0.5, df / (df + t * t));
}

/// The t with P(|T| > t) = alpha (two-sided), 0 < alpha < 1, df > 0: the half-width, in standard
/// errors, of a 1 - alpha confidence interval.
inline double student_t_quantile(double alpha, double df) {
    if (!(alpha > 0.0 && alpha < 1.0))
        throw InvalidArgument("detail::student_t_quantile", "alpha", "must be in (0, 1)");
    if (!(df > 0.0)) throw InvalidArgument("detail::student_t_quantile", "df", "must be > 0");
    double low = 0.0, high = 1.0;
    while (student_t_two_sided_p(high, df) > alpha && high < 1e300) high *= 2.0;
    for (int i = 0; i < 200 && high - low > 1e-15 * high; ++i) {
        const double mid = low + (high - low) / 2.0;
        if (student_t_two_sided_p(mid, df) > alpha) low = mid;
        else high = mid;
    }
    return low + (high - low) / 2.0;
}

}  // namespace gputime::detail
