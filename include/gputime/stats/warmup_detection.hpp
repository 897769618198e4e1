// SPDX-License-Identifier: MIT
// gputime/stats/warmup_detection.hpp - where the warm-up transient of a series of calls ends.
//
//   const gputime::WarmupTruncation t = gputime::warmup_end_of(calls);
//   if (t.conclusive) steady = {calls.begin() + t.steady_from, calls.end()};
//
// MSER-5 places the cut; warmup_end_of() accepts it only where the calls kept are shown steady
// (no trend, a flat start). The rule, its sources, and what it is worth on many transient
// shapes: docs/warmup.md.
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/core/error.hpp>
#include <gputime/stats/detail/rank_select.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace gputime {

/// Where MSER-5 ends the warm-up of `series` (every call in order, the first call first).
struct WarmupTruncation {
    /// Index of the first steady call: calls [0, steady_from) are the transient. A multiple of
    /// the batch size (5). Equal to series.size() when the rule is not conclusive.
    std::size_t steady_from = 0;
    /// False when the series is too short (fewer than 4 batches) or the minimum lies on the
    /// search's last truncation point (and, for warmup_end_of(), when the calls kept are not
    /// shown to be steady): the transient may still be going on. "Not settled".
    bool conclusive = false;
};

namespace detail {

/// MSER over batch means `z`: the minimising d in [0, m/2], ties to the smallest d.
inline std::size_t mser_argmin(const std::vector<double>& z) {
    const std::size_t m = z.size();
    const std::size_t last = m / 2;
    // Suffix sums, shifted by the last batch so huge offsets (1e12 ns) do not cancel digits.
    const double shift = z.back();
    std::vector<double> sum(m + 1, 0.0), sum_sq(m + 1, 0.0);
    for (std::size_t j = m; j-- > 0;) {
        const double x = z[j] - shift;
        sum[j] = sum[j + 1] + x;
        sum_sq[j] = sum_sq[j + 1] + x * x;
    }
    std::size_t best = 0;
    double best_value = 0.0;
    for (std::size_t d = 0; d <= last; ++d) {
        const double k = static_cast<double>(m - d);
        const double squares = sum_sq[d] - sum[d] * sum[d] / k;  // sum of squared deviations
        const double value = (squares > 0.0 ? squares : 0.0) / (k * k);
        if (d == 0 || value < best_value) {
            best = d;
            best_value = value;
        }
    }
    return best;
}

/// The two-sided 95% quantile of Student's t with `df` degrees of freedom (df >= 1): a table
/// to 30, then the Cornish-Fisher expansion in 1/df (error < 1e-3).
inline double student_t_975(std::size_t df) noexcept {
    static constexpr double table[] = {0.0,   12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                       2.201, 2.179,  2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080,
                                       2.074, 2.069,  2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
    if (df == 0) df = 1;
    if (df <= 30) return table[df];
    const double z = 1.959963984540054, v = static_cast<double>(df);
    const double z3 = z * z * z, z5 = z3 * z * z;
    return z + (z3 + z) / (4.0 * v) + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * v * v);
}

/// Batch statistics of a series in batches of 5: means, medians, and medians of the absolute
/// successive differences (the first call of the series uses its difference to the second).
struct WarmupBatches {
    std::vector<double> mean, median, roughness;
    std::vector<double> spread;  ///< per batch: |x - batch median| of the 4 calls that are not the median
};

inline WarmupBatches warmup_batches(const std::vector<Duration>& series, std::size_t batches) {
    constexpr std::size_t batch = 5;
    WarmupBatches b;
    b.mean.resize(batches);
    b.median.resize(batches);
    b.roughness.resize(batches);
    b.spread.reserve(4 * batches);
    for (std::size_t j = 0; j < batches; ++j) {
        double v[batch], r[batch], sum = 0.0;
        for (std::size_t i = 0; i < batch; ++i) {
            const std::size_t k = j * batch + i;
            v[i] = series[k].count();
            sum += v[i];
            const std::size_t other = k > 0 ? k - 1 : (series.size() > 1 ? 1 : 0);
            r[i] = std::fabs(series[k].count() - series[other].count());
        }
        std::sort(v, v + batch);
        std::sort(r, r + batch);
        b.mean[j] = sum / static_cast<double>(batch);
        b.median[j] = v[2];
        b.roughness[j] = r[2];
        for (std::size_t i = 0; i < batch; ++i)
            if (i != 2) b.spread.push_back(std::fabs(v[i] - v[2]));
    }
    return b;
}

/// The variance of a batch median implied by the scatter of the calls within the batches from
/// `from` on: sigma from the median of the non-median deviations (1.464 sigma for normal data),
/// and the variance of the median of 5 normal values, 0.2845 sigma^2.
inline double batch_median_variance(const WarmupBatches& all, std::size_t from) {
    // Selected by their order keys (the deviations are >= 0): the nth_element that
    // gputime/stats/detail/rank_select.hpp instantiates already, not a second one.
    std::vector<std::uint64_t> deviations;
    if (4 * from < all.spread.size()) deviations.reserve(all.spread.size() - 4 * from);
    for (std::size_t i = 4 * from; i < all.spread.size(); ++i) deviations.push_back(detail::order_key(all.spread[i]));
    if (deviations.empty()) return 0.0;
    const auto middle = deviations.begin() + static_cast<std::ptrdiff_t>(deviations.size() / 2);
    std::nth_element(deviations.begin(), middle, deviations.end());
    const double sigma = 1.464 * detail::key_value(*middle);
    return 0.2845 * sigma * sigma;
}

/// Whether the batches [from, cut) of `levels` stand out from those from `cut` on: their mean lies
/// above by more than two standard errors, or they scatter about the kept level far more than the
/// kept batches do (their standardised squares beyond the 99.9% quantile of chi-square, by
/// Wilson and Hilferty's approximation): a transient slower than steady, or an oscillation. The
/// variance is never below what the scatter of the calls within their batches implies.
inline bool batches_stand_out(const WarmupBatches& all, const std::vector<double>& levels, std::size_t from,
                              std::size_t cut) {
    const std::size_t skipped = cut - from, kept = levels.size() - cut;
    if (skipped == 0 || kept < 2) return false;
    double m1 = 0.0, m2 = 0.0;
    for (std::size_t j = from; j < cut; ++j) m1 += levels[j];
    for (std::size_t j = cut; j < levels.size(); ++j) m2 += levels[j];
    m1 /= static_cast<double>(skipped);
    m2 /= static_cast<double>(kept);
    double squares = 0.0;
    for (std::size_t j = cut; j < levels.size(); ++j) squares += (levels[j] - m2) * (levels[j] - m2);
    const double variance = std::max(squares / static_cast<double>(kept - 1), batch_median_variance(all, cut));
    const double k = static_cast<double>(skipped);
    if (m1 - m2 > 2.0 * std::sqrt(variance * (1.0 / k + 1.0 / static_cast<double>(kept)))) return true;
    if (!(variance > 0.0)) return false;
    double standardised = 0.0;
    for (std::size_t j = from; j < cut; ++j) standardised += (levels[j] - m2) * (levels[j] - m2) / variance;
    const double h = 2.0 / (9.0 * k);
    const double quantile = k * std::pow(1.0 - h + 3.090232306167813 * std::sqrt(h), 3.0);
    return standardised > quantile;
}

/// Whether the calls from batch `from` on are shown to be steady (see the header comment).
inline bool kept_calls_steady(const WarmupBatches& all, std::size_t from) {
    constexpr std::size_t min_batches = 8;        // 40 calls
    constexpr double max_slope_per_call = 0.001;  // 0.1% of the level
    const std::size_t b = all.median.size() - from;
    if (b < min_batches) return false;
    const double* z = all.median.data() + from;
    const double* r = all.roughness.data() + from;
    double level = 0.0;
    for (std::size_t j = 0; j < b; ++j) level += z[j];
    level /= static_cast<double>(b);
    if (!(level > 0.0)) return true;  // all zero: nothing changes
    // A floor for every standard error below: what the scatter within batches implies.
    const double floor_variance = batch_median_variance(all, from);

    // No trend: least squares slope of the batch medians, per batch of 5 calls.
    const double centre = (static_cast<double>(b) - 1.0) / 2.0;
    double sxx = 0.0, sxy = 0.0;
    for (std::size_t j = 0; j < b; ++j) {
        const double dj = static_cast<double>(j) - centre;
        sxx += dj * dj;
        sxy += dj * (z[j] - level);
    }
    const double slope = sxy / sxx;
    double residuals = 0.0;
    for (std::size_t j = 0; j < b; ++j) {
        const double e = z[j] - level - slope * (static_cast<double>(j) - centre);
        residuals += e * e;
    }
    const double slope_se = std::sqrt(std::max(residuals / static_cast<double>(b - 2), floor_variance) / sxx);
    if (std::fabs(slope) + student_t_975(b - 2) * slope_se > 5.0 * max_slope_per_call * level) return false;

    // A flat start: the first q batches against the last half, for level and roughness.
    const std::size_t half = b / 2;
    auto start_within = [&](const double* v, std::size_t q, double allowed) {
        double m1 = 0.0, m2 = 0.0;
        for (std::size_t j = 0; j < q; ++j) m1 += v[j];
        for (std::size_t j = b - half; j < b; ++j) m2 += v[j];
        m1 /= static_cast<double>(q);
        m2 /= static_cast<double>(half);
        double squares = 0.0;
        for (std::size_t j = 0; j < q; ++j) squares += (v[j] - m1) * (v[j] - m1);
        for (std::size_t j = b - half; j < b; ++j) squares += (v[j] - m2) * (v[j] - m2);
        const double df = static_cast<double>(q + half - 2);
        const double variance = std::max(squares / df, floor_variance);
        const double se = std::sqrt(variance * (1.0 / static_cast<double>(q) + 1.0 / static_cast<double>(half)));
        return (m1 - m2) + student_t_975(q + half - 2) * se <= allowed * level;
    };
    for (const std::size_t q : {std::size_t{2}, std::size_t{4}, std::size_t{8}}) {
        if (q > 2 && 4 * q > b) break;
        const double allowed = q == 2 ? 0.10 : 0.05;
        if (!start_within(z, q, allowed) || !start_within(r, q, allowed)) return false;
    }
    return true;
}

}  // namespace detail

/// MSER-5 on `series`; see the header comment. Throws InvalidArgument (parameter "series") when
/// a duration is NaN, infinite or negative: no truncation point means anything then.
inline WarmupTruncation mser5_truncation_of(const std::vector<Duration>& series) {
    for (std::size_t i = 0; i < series.size(); ++i) {
        const double x = series[i].count();
        if (!(x >= 0.0 && std::isfinite(x)))
            throw InvalidArgument("mser5_truncation", "series",
                                  "must hold finite durations >= 0, but call " + std::to_string(i) + " is not");
    }
    constexpr std::size_t batch = 5;
    constexpr std::size_t min_batches = 4;
    WarmupTruncation result;
    result.steady_from = series.size();
    const std::size_t m = series.size() / batch;
    if (m < min_batches) return result;
    std::vector<double> z(m, 0.0);
    for (std::size_t j = 0; j < m; ++j) {
        double s = 0.0;
        for (std::size_t i = 0; i < batch; ++i) s += series[j * batch + i].count();
        z[j] = s / static_cast<double>(batch);
    }
    const std::size_t d = detail::mser_argmin(z);
    if (d == m / 2) return result;  // still changing at the midpoint: not conclusive
    result.steady_from = d * batch;
    result.conclusive = true;
    return result;
}

/// Where the warm-up of `series` ended, for deciding online: the end is placed only where the
/// calls kept are shown to be steady (see the header comment), else the result is not
/// conclusive ("not settled"). Same errors as mser5_truncation_of.
inline WarmupTruncation warmup_end_of(const std::vector<Duration>& series) {
    const WarmupTruncation by_means = mser5_truncation_of(series);  // checks the durations
    WarmupTruncation t;
    t.steady_from = series.size();
    if (!by_means.conclusive) return t;
    constexpr std::size_t batch = 5;
    const std::size_t m = series.size() / batch;
    const detail::WarmupBatches batches = detail::warmup_batches(series, m);
    const std::size_t by_medians = detail::mser_argmin(batches.median);
    const std::size_t by_roughness = detail::mser_argmin(batches.roughness);
    if (by_medians == m / 2 || by_roughness == m / 2) return t;
    // The medians' and the roughness' cuts move the start only when the batches they cut off
    // beyond the means' cut stand out from what they keep: MSER trims a few batches of pure
    // noise now and then, and the latest of three such cuts would end steady series late.
    std::size_t first = by_means.steady_from / batch;
    for (const auto& [cut, levels] : {std::pair<std::size_t, const std::vector<double>*>{by_medians, &batches.median},
                                      {by_roughness, &batches.roughness}})
        if (cut > first && detail::batches_stand_out(batches, *levels, first, cut)) first = cut;
    for (std::size_t d = first; d <= m / 2; ++d) {
        if (detail::kept_calls_steady(batches, d)) {
            t.steady_from = d * batch;
            t.conclusive = true;
            return t;
        }
    }
    return t;
}

/// The index of the first steady call by MSER-5, or series.size() when the series cannot tell
/// yet (too short, or still in its transient at the midpoint).
inline std::size_t mser5_truncation(const std::vector<Duration>& series) {
    return mser5_truncation_of(series).steady_from;
}

}  // namespace gputime
