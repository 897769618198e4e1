// SPDX-License-Identifier: MIT
// gputime/measure/comparison.hpp - what an A/B comparison found (gputime::compare,
// gputime/measure/ab_compare.hpp), as plain data.
//
//   const gputime::Comparison c = gputime::compare(clock, {run_nchw, run_blocked}, options);
//   if (c.contrasts[0].verdict == gputime::Verdict::faster) ...
//
// The verdicts and their rule are in gputime/measure/verdict.hpp (Verdict, verdict_of,
// rules_out_effect), written once for every consumer. Output lives in report/:
// to_text / operator<< in gputime/report/comparison_text.hpp, JSON in gputime/report/json_report.hpp,
// HTML in gputime/report/html.hpp.
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/measure/verdict.hpp>
#include <gputime/stats/stats.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace gputime {

/// Why compare() stopped measuring.
enum class CompareStop {
    decided,       ///< every candidate's interval decided (verdict.hpp: decided())
    sample_limit,  ///< options.max_samples blocks were measured first
    time_limit,    ///< options.max_time ran out first
};

/// "decided", "sample limit", "time limit".
inline const char* to_string(CompareStop s) noexcept {
    switch (s) {
        case CompareStop::decided: return "decided";
        case CompareStop::sample_limit: return "sample limit";
        case CompareStop::time_limit: break;
    }
    return "time limit";
}

/// What one variant measured.
struct VariantTiming {
    std::string name;  ///< CompareOptions::names[i], or "a", "b", ...
    /// Steady samples; latency.first_call() is the variant's very first call.
    Stats latency;
    /// The warm-up calls in order (front() is the first call); empty without warm-up.
    std::vector<Duration> warmup;
};

/// One variant against the baseline.
struct Contrast {
    std::string name;           ///< the variant
    std::string baseline_name;  ///< the baseline
    std::size_t variant = 1;    ///< index into Comparison::variants
    std::size_t baseline = 0;   ///< index into Comparison::variants (always 0 from compare())
    /// The variant's duration over the baseline's; < 1: the variant is faster. Paired (compare):
    /// the Hodges-Lehmann estimate of the typical ratio of the two calls of one block; unpaired
    /// (compare_stats): of median(variant) / median(baseline).
    double ratio = 1.0;
    /// The ratio's confidence interval; 0 / +infinity when a side is open (too few samples).
    double ratio_lower = 0.0;
    double ratio_upper = std::numeric_limits<double>::infinity();  ///< Upper end of that interval.
    /// The interval's coverage: at least the confidence it was made at (ranks are whole numbers);
    /// compare() makes it at the confidence of one look (Comparison::look_confidence).
    double coverage = 1.0;
    /// Two-sided: Wilcoxon signed-rank over the blocks (paired), Mann-Whitney U (unpaired).
    double p_value = 1.0;
    /// The rank statistic: W+ of the blocks' log ratios (paired), or U of the variant's samples
    /// against the baseline's, #(v > b) + 0.5 #(v == b) (unpaired).
    double u_statistic = 0.0;
    /// p from the exact null distribution (small samples without ties), else the normal approximation.
    bool exact_p = false;
    /// The samples were paired by block (compare()): the interval is of per-block ratios, so load
    /// that changes during the run cancels out.
    bool paired = false;
    Verdict verdict = Verdict::inconclusive;  ///< What the ratio's interval shows (see verdict.hpp).
    /// The whole interval lies within [1 - min_effect, 1 + min_effect] (rules_out_effect): a
    /// difference of the minimum effect or more is ruled out.
    bool equivalent = false;
    double confidence = 0.95;          ///< The confidence the interval was asked for.
    double min_effect = 0.02;          ///< The smallest relative difference worth a verdict.
    std::size_t samples = 0;           ///< steady samples of the variant
    std::size_t baseline_samples = 0;  ///< steady samples of the baseline
};

/// Nothing shown either way: the verdict inconclusive, or SAME without `equivalent` (no
/// difference was shown, and none of the minimum effect was ruled out either: too few samples,
/// too much noise). The reports say "inconclusive".
inline bool inconclusive(const Contrast& c) noexcept {
    return c.verdict == Verdict::inconclusive || (c.verdict == Verdict::same && !c.equivalent);
}

/// Everything compare() measured and concluded.
struct Comparison {
    /// variants[0] is the baseline.
    std::vector<VariantTiming> variants;
    /// contrasts[i] is variants[i + 1] against variants[0].
    std::vector<Contrast> contrasts;
    std::size_t samples = 0;  ///< measured blocks (calls per variant); 0: samples measured elsewhere
    std::size_t warmup = 0;   ///< warm-up blocks
    /// Why the measuring stopped: the intervals decided, or a limit ended it first.
    CompareStop stop = CompareStop::decided;
    /// Looks taken at the intervals (after samples, 2x samples, 4x ... blocks), and how many the
    /// sample limit allows: each interval is made at 1 - (1 - confidence) / planned_looks.
    std::size_t looks = 1;
    std::size_t planned_looks = 1;  ///< looks the sample limit allows (1, 2, 4 ... x samples)
    double look_confidence = 0.95;  ///< confidence of each look's interval: 1 - (1 - confidence) / planned_looks
    std::uint64_t seed = 0;         ///< seed of the block order (CompareOptions::seed)
    double confidence = 0.95;       ///< CompareOptions::confidence
    double min_effect = 0.02;       ///< CompareOptions::min_effect
    bool device_timed = false;      ///< samples are device time (a GPU clock), not host time
    /// Host wall time of the measured blocks, synchronisation included.
    Duration wall{0.0};
};

}  // namespace gputime
