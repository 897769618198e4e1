// SPDX-License-Identifier: MIT
// gputime/measure/run_to_run.hpp - did a result get slower from one set of runs to another, when
// the runs were taken at different times on a machine whose load changes?
//
//   const gputime::RunToRunComparison c = gputime::compare_runs({base.latency.samples()},
//                                                                {head.latency.samples()});
//   std::cout << gputime::to_string(c.verdict) << " (" << gputime::describe(c.evidence) << ")\n";
//
// docs/ab_compare.md, "Runs taken one after the other".
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/core/error.hpp>
#include <gputime/measure/verdict.hpp>
#include <gputime/stats/mann_whitney.hpp>
#include <gputime/stats/student_t.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

namespace gputime {

/// What the interval of a run-to-run comparison rests on.
enum class RunEvidence {
    repeated_runs,       ///< several runs on a side: run medians, Welch's t-interval
    one_run_each,        ///< one run per side: samples, widened by the drift the runs show
    one_run_each_short,  ///< one run per side, too short to show drift: samples only
};

/// "run medians of 3 and 3 runs (Welch)", ... in words, for reports.
inline const char* describe(RunEvidence e) noexcept {
    switch (e) {
        case RunEvidence::repeated_runs: return "run-level medians of repeated runs (Welch's t)";
        case RunEvidence::one_run_each: return "the samples of one run per side, widened by the drift the runs show";
        case RunEvidence::one_run_each_short: break;
    }
    return "the samples of one run per side (too few to show drift)";
}

/// How compare_runs() judges: confidence, the smallest difference worth a verdict, drift segments.
struct RunToRunOptions {
    double confidence = 0.95;  ///< of the ratio's interval
    double min_effect = 0.02;  ///< the smallest relative difference worth a verdict
    std::size_t segments = 8;  ///< finest segmentation of a run for the drift estimate (one run per side), >= 2
};

/// One result compared across runs: candidate runs against baseline runs.
struct RunToRunComparison {
    double ratio = 1.0;  ///< candidate / baseline: ratio of medians (geometric mean of run medians with repetitions)
    double ratio_lower = 0.0;                                      ///< lower end of the ratio's interval
    double ratio_upper = std::numeric_limits<double>::infinity();  ///< upper end of the ratio's interval
    double p_value = 1.0;                                          ///< two-sided, from the same interval's distribution
    Verdict verdict = Verdict::inconclusive;                       ///< what the interval shows (see verdict.hpp)
    RunEvidence evidence = RunEvidence::one_run_each;              ///< what the interval was built from
    /// One run per side: the relative half-width the drift added to the interval (0.03: about
    /// +-3% on top of the samples' own interval); 0 otherwise or without drift.
    double drift_allowance = 0.0;
    std::size_t baseline_runs = 0;   ///< runs of the baseline compared
    std::size_t candidate_runs = 0;  ///< runs of the candidate compared
    double confidence = 0.95;        ///< RunToRunOptions::confidence
    double min_effect = 0.02;        ///< RunToRunOptions::min_effect
};

namespace detail {

inline void check_runs(const char* name, const std::vector<std::vector<Duration>>& runs) {
    if (runs.empty()) throw InvalidArgument("compare_runs", name, "must hold at least one run");
    for (std::size_t r = 0; r < runs.size(); ++r) {
        if (runs[r].empty())
            throw InvalidArgument("compare_runs", name, "run " + std::to_string(r) + " has no samples");
        for (const Duration d : runs[r])
            if (!(d.count() >= 0.0) || !std::isfinite(d.count()))
                throw InvalidArgument(
                    "compare_runs", name,
                    "run " + std::to_string(r) + " holds a duration that is NaN, infinite or negative");
    }
}

// log of a duration, zero taken as `zero` (half the smallest positive sample of both sides).
inline double log_of(Duration d, double zero) { return std::log(d.count() > 0.0 ? d.count() : zero); }

inline double median_of_sorted(const std::vector<double>& v) {
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : v[n / 2 - 1] + (v[n / 2] - v[n / 2 - 1]) / 2.0;
}

// A side's levels over time: its runs' medians (log), or, with one run, its segments' medians,
// in call order, each with the sampling variance of its median and its length in calls.
struct LevelSeries {
    std::vector<double> level, noise;
    std::vector<double> calls;
};

inline void add_level(LevelSeries& s, std::vector<double> part) {
    std::sort(part.begin(), part.end());
    s.level.push_back(median_of_sorted(part));
    // The median's distribution-free 95% interval (binomial ranks, normal approximation): its
    // half-width / 1.96 is the standard error of the median, whatever the noise's shape.
    const double k = static_cast<double>(part.size());
    const double spread = 1.959963984540054 * std::sqrt(k) / 2.0;
    const auto lo = static_cast<std::size_t>(std::max(0.0, std::floor(k / 2.0 - spread)));
    const auto hi = static_cast<std::size_t>(std::min(k - 1.0, std::ceil(k / 2.0 + spread)));
    const double se = (part[hi] - part[lo]) / (2.0 * 1.959963984540054);
    s.noise.push_back(se * se);
    s.calls.push_back(k);
}

inline LevelSeries segment_levels(const std::vector<double>& logs, std::size_t wanted_segments) {
    LevelSeries s;
    const std::size_t n = logs.size();
    const std::size_t segments = std::min(wanted_segments, n / 5);
    if (segments < 2) return s;
    for (std::size_t j = 0; j < segments; ++j)
        add_level(s, std::vector<double>(logs.begin() + static_cast<std::ptrdiff_t>(j * n / segments),
                                         logs.begin() + static_cast<std::ptrdiff_t>((j + 1) * n / segments)));
    return s;
}

// How much the level can move between the two sides, from how it moves within each: a trend
// (least-squares slope of the levels against their centres in calls, pooled over both sides, or
// one side's own where steeper beyond its noise),
// extrapolated over the distance between the sides' centres, plus a random walk (what is left
// of the squared steps between successive levels after the trend and the sampling noise). The
// sides are taken as back to back. Returns the variance of the difference of the sides' mean
// levels that this load would cause, and the degrees of freedom it rests on (0: no estimate).
struct LoadAllowance {
    double variance = 0.0;
    double degrees_of_freedom = 0.0;
};

inline LoadAllowance load_allowance(const LevelSeries& a, const LevelSeries& b) {
    LoadAllowance out;
    if (a.level.size() < 2 || b.level.size() < 2) return out;
    double sxx = 0.0, sxy = 0.0, total_a = 0.0, total_b = 0.0;
    auto centres = [](const LevelSeries& s, double& total) {
        std::vector<double> c;
        double at = 0.0;
        for (const double n : s.calls) {
            c.push_back(at + n / 2.0);
            at += n;
        }
        total = at;
        return c;
    };
    const std::vector<double> ca = centres(a, total_a), cb = centres(b, total_b);
    // The trend carried over: the pooled slope, or one side's own where it is steeper beyond
    // its sampling noise (two runs on different flanks of a slow wave pool to a flat slope).
    double steepest = 0.0;
    for (const auto& [s, c] : {std::pair<const LevelSeries*, const std::vector<double>*>{&a, &ca}, {&b, &cb}}) {
        double mc = 0.0, ml = 0.0, noise = 0.0;
        for (std::size_t j = 0; j < c->size(); ++j) {
            mc += (*c)[j];
            ml += s->level[j];
            noise += s->noise[j];
        }
        mc /= static_cast<double>(c->size());
        ml /= static_cast<double>(c->size());
        noise /= static_cast<double>(c->size());
        double side_xx = 0.0, side_xy = 0.0;
        for (std::size_t j = 0; j < c->size(); ++j) {
            side_xx += ((*c)[j] - mc) * ((*c)[j] - mc);
            side_xy += ((*c)[j] - mc) * (s->level[j] - ml);
        }
        sxx += side_xx;
        sxy += side_xy;
        // E[slope^2] = true slope^2 + noise / Sxx: the excess is what the trend shows.
        if (side_xx > 0.0) steepest = std::max(steepest, (side_xy / side_xx) * (side_xy / side_xx) - noise / side_xx);
    }
    const double slope = sxx > 0.0 ? sxy / sxx : 0.0;  // per call
    steepest = std::max(steepest, slope * slope);
    double excess = 0.0, per_call_weight = 0.0, squares = 0.0, fourth_powers = 0.0;
    std::size_t steps = 0;
    for (const auto& [s, c] : {std::pair<const LevelSeries*, const std::vector<double>*>{&a, &ca}, {&b, &cb}}) {
        for (std::size_t j = 1; j < c->size(); ++j) {
            const double gap = (*c)[j] - (*c)[j - 1];
            const double step = s->level[j] - s->level[j - 1] - slope * gap;
            excess += step * step - s->noise[j] - s->noise[j - 1];
            squares += step * step;
            fourth_powers += step * step * step * step;
            per_call_weight += gap;
            ++steps;
        }
    }
    // A random walk with variance sigma_w^2 per call moves the medians of adjacent windows of L
    // calls by (2/3) sigma_w^2 L on average; their centres are L apart.
    const double walk = std::max(0.0, excess) / (per_call_weight * 2.0 / 3.0);
    const double distance = (total_a + total_b) / 2.0;
    out.variance = steepest * distance * distance + walk * (total_a + total_b) / 3.0;
    // The mean of k squared steps has k degrees of freedom when the steps are normal; when a few
    // steps carry most of it (load that jumps, not wanders), fewer: 3 (sum s^2)^2 / sum s^4, which
    // is k for normal steps and 3 for a single jump.
    const double effective = fourth_powers > 0.0 ? 3.0 * squares * squares / fourth_powers : static_cast<double>(steps);
    out.degrees_of_freedom = std::min(static_cast<double>(steps) - 1.0, effective);
    return out;
}

inline RunToRunComparison compare_single_runs(const std::vector<double>& a_logs, const std::vector<double>& b_logs,
                                              const RunToRunOptions& o) {
    RunToRunComparison c;
    std::vector<double> xs = b_logs, ys = a_logs;
    std::sort(xs.begin(), xs.end());
    std::sort(ys.begin(), ys.end());
    const MannWhitneyResult test = mann_whitney_sorted(xs, ys, RankTestMethod::automatic);
    const ShiftEstimate shift = hodges_lehmann_sorted(xs, ys, o.confidence, test.exact);
    // The load at two or more time scales (4 segments per run, 8, ... up to o.segments): a level
    // change that one scale's segment medians hide (inside a segment, or near a run's edge) shows
    // at another. The widest allowance wins.
    LoadAllowance load;
    double widest = -1.0;
    for (std::size_t s = std::min<std::size_t>(4, o.segments); s <= o.segments;
         s = s < o.segments && 2 * s > o.segments ? o.segments : 2 * s) {
        const LoadAllowance at = load_allowance(segment_levels(a_logs, s), segment_levels(b_logs, s));
        if (at.degrees_of_freedom < 1.0) continue;
        const double width = student_t_quantile(1.0 - o.confidence, at.degrees_of_freedom) * std::sqrt(at.variance);
        if (width > widest) {
            widest = width;
            load = at;
        }
    }
    double lower = shift.lower, upper = shift.upper;
    c.evidence = RunEvidence::one_run_each_short;
    c.p_value = test.p_value;
    if (load.degrees_of_freedom >= 1.0) {
        c.evidence = RunEvidence::one_run_each;
        const double t = student_t_quantile(1.0 - o.confidence, load.degrees_of_freedom);
        const double allowance = t * std::sqrt(load.variance);
        if (allowance > 0.0) {
            if (std::isfinite(lower)) lower = shift.estimate - std::hypot(shift.estimate - lower, allowance);
            if (std::isfinite(upper)) upper = shift.estimate + std::hypot(upper - shift.estimate, allowance);
            c.drift_allowance = std::expm1(allowance);
            // p from the widened interval: its half-width as z standard errors.
            const double z = normal_quantile(1.0 - (1.0 - o.confidence) / 2.0);
            const double half = (upper - lower) / 2.0;
            if (std::isfinite(half) && half > 0.0)
                c.p_value = two_sided_normal_p(std::fabs(shift.estimate) / (half / z));
        }
    }
    c.ratio = std::exp(shift.estimate);
    c.ratio_lower = std::exp(lower);
    c.ratio_upper = std::exp(upper);
    return c;
}

inline RunToRunComparison compare_repeated_runs(const LevelSeries& a, const LevelSeries& b, const RunToRunOptions& o) {
    RunToRunComparison c;
    c.evidence = RunEvidence::repeated_runs;
    auto mean_var = [](const std::vector<double>& v, double& mean, double& var) {
        mean = 0.0;
        for (const double x : v) mean += x;
        mean /= static_cast<double>(v.size());
        var = 0.0;
        for (const double x : v) var += (x - mean) * (x - mean);
        var = v.size() > 1 ? var / static_cast<double>(v.size() - 1) : 0.0;
    };
    double ma = 0, va = 0, mb = 0, vb = 0;
    mean_var(a.level, ma, va);
    mean_var(b.level, mb, vb);
    const double na = static_cast<double>(a.level.size()), nb = static_cast<double>(b.level.size());
    double se2 = 0.0, df = 1.0;
    if (a.level.size() > 1 && b.level.size() > 1) {  // Welch
        se2 = va / na + vb / nb;
        const double den = (va / na) * (va / na) / (na - 1.0) + (vb / nb) * (vb / nb) / (nb - 1.0);
        df = den > 0.0 ? se2 * se2 / den : na + nb - 2.0;
    } else {  // one side has one run: the other side's variance for both
        const double v = a.level.size() > 1 ? va : vb;
        se2 = v * (1.0 / na + 1.0 / nb);
        df = std::max(na, nb) - 1.0;
    }
    // Runs taken one after the other share slow load changes: the drift between the runs of a
    // side, carried over to the distance between the sides, when it says more than Welch does.
    const LoadAllowance load = load_allowance(a, b);
    if (load.degrees_of_freedom >= 1.0 && load.variance > se2) {
        se2 = load.variance;
        df = load.degrees_of_freedom;
    }
    const double delta = mb - ma;
    c.ratio = std::exp(delta);
    const double se = std::sqrt(se2);
    if (se > 0.0) {
        const double t = student_t_quantile(1.0 - o.confidence, df);
        c.ratio_lower = std::exp(delta - t * se);
        c.ratio_upper = std::exp(delta + t * se);
        c.p_value = student_t_two_sided_p(delta / se, df);
    } else {  // every run the same: the difference is known exactly
        c.ratio_lower = c.ratio_upper = c.ratio;
        c.p_value = delta == 0.0 ? 1.0 : 0.0;
    }
    return c;
}

}  // namespace detail

/// Compares a result's candidate runs with its baseline runs (each run: its steady samples, in
/// call order); see the top of this header.
inline RunToRunComparison compare_runs(const std::vector<std::vector<Duration>>& baseline,
                                       const std::vector<std::vector<Duration>>& candidate,
                                       const RunToRunOptions& options = {}) {
    detail::check_runs("baseline", baseline);
    detail::check_runs("candidate", candidate);
    if (!(options.confidence > 0.0 && options.confidence < 1.0))
        throw InvalidArgument("compare_runs", "confidence", "must be in (0, 1), e.g. 0.95");
    if (!(options.min_effect >= 0.0 && options.min_effect < 1.0))
        throw InvalidArgument("compare_runs", "min_effect", "must be a fraction in [0, 1), e.g. 0.02 for 2%");
    if (options.segments < 2) throw InvalidArgument("compare_runs", "segments", "must be >= 2");
    double smallest = std::numeric_limits<double>::infinity();
    for (const auto* side : {&baseline, &candidate})
        for (const std::vector<Duration>& run : *side)
            for (const Duration d : run)
                if (d.count() > 0.0) smallest = std::min(smallest, d.count());
    const double zero = std::isinf(smallest) ? 1.0 : smallest / 2.0;
    auto logs_of = [zero](const std::vector<Duration>& run) {
        std::vector<double> out;
        out.reserve(run.size());
        for (const Duration d : run) out.push_back(detail::log_of(d, zero));
        return out;
    };
    RunToRunComparison c;
    if (baseline.size() == 1 && candidate.size() == 1) {
        c = detail::compare_single_runs(logs_of(baseline[0]), logs_of(candidate[0]), options);
    } else {
        auto levels = [&](const std::vector<std::vector<Duration>>& runs) {
            detail::LevelSeries s;
            for (const std::vector<Duration>& run : runs) detail::add_level(s, logs_of(run));
            return s;
        };
        c = detail::compare_repeated_runs(levels(baseline), levels(candidate), options);
    }
    c.baseline_runs = baseline.size();
    c.candidate_runs = candidate.size();
    c.confidence = options.confidence;
    c.min_effect = options.min_effect;
    c.verdict = verdict_of(c.ratio_lower, c.ratio_upper, options.min_effect);
    return c;
}

}  // namespace gputime
