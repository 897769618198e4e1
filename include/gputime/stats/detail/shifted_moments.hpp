// SPDX-License-Identifier: MIT
// gputime/stats/detail/shifted_moments.hpp - count, mean and variance of a stream in one pass,
// with no division per sample.
//
// Sums of y = x - K and of y^2, K a shift near the mean (the first sample, then the running mean
// at n = 8, 32, 128, ...): each sum is a double-double (Knuth's TwoSum keeps the low part), so the
// sums are exact to ~n * 2^-106 relative. variance = (S2 - S1^2 / n) / (n - 1), evaluated in
// double-double: with K within a few standard deviations of the mean nothing cancels, and a shift
// far away (the first sample an outlier) is repaired at the next re-centring. Re-centring and
// merging move the sums to a new shift exactly (double-double products), so merged parts give
// the moments of the whole to the last digits. Welford's update, which these replace, divides
// by n at every sample: a dependency chain of ~20 cycles per add.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace gputime {
namespace detail {

/// hi + lo, |lo| <= ulp(hi) / 2 after normalisation.
struct DoubleDouble {
    double hi = 0.0;
    double lo = 0.0;

    double value() const noexcept { return hi + lo; }
    static DoubleDouble two_sum(double a, double b) noexcept {
        const double s = a + b;
        const double z = s - a;
        return {s, (a - (s - z)) + (b - z)};
    }
    static DoubleDouble two_product(double a, double b) noexcept { return {a * b, std::fma(a, b, -(a * b))}; }
    friend DoubleDouble operator+(const DoubleDouble& a, const DoubleDouble& b) noexcept {
        const DoubleDouble s = two_sum(a.hi, b.hi);
        return two_sum(s.hi, s.lo + a.lo + b.lo);
    }
    friend DoubleDouble operator-(const DoubleDouble& a) noexcept { return {-a.hi, -a.lo}; }
    friend DoubleDouble operator-(const DoubleDouble& a, const DoubleDouble& b) noexcept { return a + (-b); }
    friend DoubleDouble operator*(const DoubleDouble& a, double b) noexcept {
        const DoubleDouble p = two_product(a.hi, b);
        return two_sum(p.hi, p.lo + a.lo * b);
    }
    friend DoubleDouble operator*(const DoubleDouble& a, const DoubleDouble& b) noexcept {
        const DoubleDouble p = two_product(a.hi, b.hi);
        return two_sum(p.hi, p.lo + a.hi * b.lo + a.lo * b.hi);
    }
    DoubleDouble divided_by(double d) const noexcept {
        const double q = hi / d;
        const DoubleDouble r = *this - two_product(q, d);
        return two_sum(q, r.value() / d);
    }
};

class ShiftedMoments {
public:
    std::uint64_t count() const noexcept { return n_; }

    /// The first sample: it becomes the shift.
    void start(double x) noexcept {
        n_ = 1;
        shift_ = x;
        s1_ = s2_ = DoubleDouble{};
        next_recentre_ = 8;
    }
    /// Any later sample (start() first).
    void add(double x) noexcept {
        const double y = x - shift_;
        accumulate(s1_, y);
        accumulate(s2_, y * y);
        if (++n_ == next_recentre_) recentre();
    }

    double mean() const noexcept { return shift_ + s1_.value() / static_cast<double>(n_); }
    /// n * shift + S1: the sum of the samples.
    double sum() const noexcept { return (DoubleDouble::two_product(static_cast<double>(n_), shift_) + s1_).value(); }
    /// Sum of squared deviations from the mean: S2 - S1^2 / n (>= 0).
    double sum_squared_deviations() const noexcept {
        if (n_ < 2) return 0.0;
        const DoubleDouble m2 = s2_ - (s1_ * s1_).divided_by(static_cast<double>(n_));
        return std::max(0.0, m2.value());
    }
    double variance() const noexcept { return n_ < 2 ? 0.0 : sum_squared_deviations() / static_cast<double>(n_ - 1); }

    /// Pools `other` (both non-empty or either empty): the moments of both sets of samples.
    void merge(const ShiftedMoments& other) noexcept {
        if (other.n_ == 0) return;
        if (n_ == 0) {
            *this = other;
            return;
        }
        // other's sums about this shift: y' = y + d, d = other.shift - shift (exact as a pair).
        const DoubleDouble d = DoubleDouble::two_sum(other.shift_, -shift_);
        const double nb = static_cast<double>(other.n_);
        s2_ = s2_ + other.s2_ + other.s1_ * d * 2.0 + d * d * nb;
        s1_ = s1_ + other.s1_ + d * nb;
        n_ += other.n_;
        recentre();
        while (next_recentre_ <= n_) next_recentre_ *= 4;
    }

    /// From a count, a mean and a sum of squared deviations (an exported histogram).
    static ShiftedMoments from_summary(std::uint64_t n, double mean, double sum_squared_deviations) noexcept {
        ShiftedMoments m;
        if (n == 0) return m;
        m.n_ = n;
        m.shift_ = mean;
        m.s2_ = DoubleDouble{sum_squared_deviations, 0.0};
        m.next_recentre_ = 8;
        while (m.next_recentre_ <= n) m.next_recentre_ *= 4;
        return m;
    }

    /// Every field, for a copy that another thread publishes and reads (SharedBoundedStats).
    struct Parts {
        std::uint64_t n = 0;
        double shift = 0.0, s1_hi = 0.0, s1_lo = 0.0, s2_hi = 0.0, s2_lo = 0.0;
        std::uint64_t next_recentre = 8;
    };
    Parts parts() const noexcept { return {n_, shift_, s1_.hi, s1_.lo, s2_.hi, s2_.lo, next_recentre_}; }
    static ShiftedMoments from_parts(const Parts& p) noexcept {
        ShiftedMoments m;
        m.n_ = p.n;
        m.shift_ = p.shift;
        m.s1_ = {p.s1_hi, p.s1_lo};
        m.s2_ = {p.s2_hi, p.s2_lo};
        m.next_recentre_ = p.next_recentre;
        return m;
    }

private:
    static void accumulate(DoubleDouble& s, double y) noexcept {
        const double t = s.hi + y;
        const double z = t - s.hi;
        s.lo += (s.hi - (t - z)) + (y - z);
        s.hi = t;
    }
    // Moves the shift to the current mean: S1' = S1 - n d, S2' = S2 - 2 d S1 + n d^2.
    void recentre() noexcept {
        const double new_shift = mean();
        const DoubleDouble d = DoubleDouble::two_sum(new_shift, -shift_);
        const double n = static_cast<double>(n_);
        s2_ = s2_ - s1_ * d * 2.0 + d * d * n;
        s1_ = s1_ - d * n;
        shift_ = new_shift;
        next_recentre_ *= 4;
    }

    std::uint64_t n_ = 0;
    double shift_ = 0.0;
    DoubleDouble s1_;  // sum of (x - shift)
    DoubleDouble s2_;  // sum of (x - shift)^2
    std::uint64_t next_recentre_ = 8;
};

}  // namespace detail
}  // namespace gputime
