// gputime/stats/warmup_detection.hpp - where the warm-up transient of a series of calls ends.
//
// A fixed warm-up count is a guess. A JIT that profiles its first calls (TorchScript's
// profiling executor: "the JIT will typically need two warmup runs", pytorch/pytorch PR 58801;
// ~20 slow calls of a scripted Inception v3 in pytorch/pytorch issue 30902), an allocator
// growing its pools or a GPU ramping its clock make several calls slow, and the decay can be
// slow. A rule that stops when two consecutive windows look alike stops too early on a slow
// decay: each window is only a few percent faster than the one before, while the latency is
// still several times the steady value.
//
// MSER-5 (White, Cobb and Spratt, "A comparison of five steady-state truncation heuristics for
// simulation", Proc. Winter Simulation Conference 2000) asks a different question: which
// truncation point d makes what is left the most precise estimate of the steady mean? It
// averages the series in batches of 5, z_1..z_m, and picks the d that minimises
//     MSER(d) = sum_{j=d+1..m} (z_j - mean(z_{d+1..m}))^2 / (m - d)^2
// over d in [0, m/2]. A transient inflates the squared deviations, so cutting it off pays;
// cutting off steady batches does not, because the denominator shrinks with them. When the
// minimum falls on the last allowed d (m/2), the series is still changing at its midpoint:
// the rule cannot place the end yet and the series must grow (conclusive == false).
//
// Applied online (after every few warm-up calls), MSER alone can be fooled early, when noise
// hides a slow trend in a short series. warmup_end_of() therefore accepts an MSER-5 truncation
// only if what it keeps shows no trend: the batch means of its first and second halves may
// differ by at most two standard errors (a two-sample test on within-half variances, so the
// trend itself does not inflate the error). No rule can see a drop that has not begun: a
// plateau of slow calls looks steady until it ends.
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/core/error.hpp>

#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

namespace gputime {

/// Where MSER-5 ends the warm-up of `series` (every call in order, the first call first).
struct WarmupTruncation {
    /// Index of the first steady call: calls [0, steady_from) are the transient. A multiple of
    /// the batch size (5). Equal to series.size() when the rule is not conclusive.
    std::size_t steady_from = 0;
    /// False when the series is too short (fewer than 4 batches) or the minimum lies on the
    /// search's last truncation point (and, for warmup_end_of(), when the calls kept still
    /// trend): the transient may still be going on.
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

/// True when the batch means z[from..] show a trend: their two halves differ by more than two
/// standard errors. Fewer than 4 batches cannot be judged and count as trending.
inline bool batches_trend(const std::vector<double>& z, std::size_t from) {
    const std::size_t r = z.size() - from;
    if (r < 4) return true;
    const std::size_t h1 = r / 2, h2 = r - h1;
    auto mean_of = [&](std::size_t b, std::size_t n) {
        double sum = 0.0;
        for (std::size_t j = b; j < b + n; ++j) sum += z[j] - z[from];  // shifted: huge offsets
        return sum / static_cast<double>(n);
    };
    const double m1 = mean_of(from, h1), m2 = mean_of(from + h1, h2);
    double squares = 0.0;
    for (std::size_t j = from; j < from + h1; ++j) squares += (z[j] - z[from] - m1) * (z[j] - z[from] - m1);
    for (std::size_t j = from + h1; j < z.size(); ++j) squares += (z[j] - z[from] - m2) * (z[j] - z[from] - m2);
    const double pooled = squares / static_cast<double>(r - 2);
    const double standard_error = std::sqrt(pooled * (1.0 / static_cast<double>(h1) + 1.0 / static_cast<double>(h2)));
    return std::fabs(m1 - m2) > 2.0 * standard_error;
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

/// Where the warm-up of `series` ended, for deciding online: MSER-5, made conclusive only when
/// the calls it keeps show no trend (see the header comment). Same errors as mser5_truncation_of.
inline WarmupTruncation warmup_end_of(const std::vector<Duration>& series) {
    WarmupTruncation t = mser5_truncation_of(series);
    if (!t.conclusive) return t;
    constexpr std::size_t batch = 5;
    const std::size_t m = series.size() / batch;
    std::vector<double> z(m, 0.0);
    for (std::size_t j = 0; j < m; ++j) {
        double s = 0.0;
        for (std::size_t i = 0; i < batch; ++i) s += series[j * batch + i].count();
        z[j] = s / static_cast<double>(batch);
    }
    if (detail::batches_trend(z, t.steady_from / batch)) {
        t.steady_from = series.size();
        t.conclusive = false;
    }
    return t;
}

/// The index of the first steady call by MSER-5, or series.size() when the series cannot tell
/// yet (too short, or still in its transient at the midpoint).
inline std::size_t mser5_truncation(const std::vector<Duration>& series) {
    return mser5_truncation_of(series).steady_from;
}

}  // namespace gputime
