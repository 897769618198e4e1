// SPDX-License-Identifier: MIT
// gputime/measure/verdict.hpp - what a confidence interval for a ratio candidate / baseline shows,
// said in words that mean exactly that.
//
//   const gputime::Verdict v = gputime::verdict_of(0.962, 0.975, 0.02);   // FASTER
//   std::cout << gputime::to_string(gputime::verdict_of(1.004, 1.016, 0.02));
//       // slower, but by less than the minimum effect
//
// docs/ab_compare.md, "What a verdict says".
#pragma once

namespace gputime {

/// What an interval for the ratio candidate / baseline shows (see the top of verdict.hpp).
enum class Verdict {
    same,                   ///< equivalence shown: the interval lies within [1 - e, 1 + e] and holds 1
    faster,                 ///< faster by at least the minimum effect: the whole interval is <= 1 - e
    slower,                 ///< slower by at least the minimum effect: the whole interval is >= 1 + e
    faster_within_effect,   ///< faster, but by less than the minimum effect: the interval lies in [1 - e, 1)
    slower_within_effect,   ///< slower, but by less than the minimum effect: the interval lies in (1, 1 + e]
    faster_effect_unclear,  ///< faster (the interval is below 1) but it reaches past 1 - e
    slower_effect_unclear,  ///< slower (the interval is above 1) but it reaches past 1 + e
    inconclusive,           ///< the interval holds 1 and reaches past the band: nothing shown
};

/// The verdict as every output writes it: "SAME", "FASTER", "SLOWER", or what was shown instead
/// ("slower, but by less than the minimum effect", ..., "inconclusive").
inline const char* to_string(Verdict v) noexcept {
    switch (v) {
        case Verdict::same: return "SAME";
        case Verdict::faster: return "FASTER";
        case Verdict::slower: return "SLOWER";
        case Verdict::faster_within_effect: return "faster, but by less than the minimum effect";
        case Verdict::slower_within_effect: return "slower, but by less than the minimum effect";
        case Verdict::faster_effect_unclear: return "faster, but not shown to reach the minimum effect";
        case Verdict::slower_effect_unclear: return "slower, but not shown to reach the minimum effect";
        case Verdict::inconclusive: break;
    }
    return "inconclusive";
}

/// Whether the interval [lower, upper] lies within [1 - min_effect, 1 + min_effect]: a
/// difference of the minimum effect or more is ruled out at the interval's confidence.
inline bool rules_out_effect(double lower, double upper, double min_effect) noexcept {
    return lower >= 1.0 - min_effect && upper <= 1.0 + min_effect;
}

/// The verdict on the interval [lower, upper] of a ratio candidate / baseline (0 and +infinity
/// for open sides) with the minimum effect min_effect (see the top). A NaN bound says nothing:
/// inconclusive.
inline Verdict verdict_of(double lower, double upper, double min_effect) noexcept {
    if (!(lower <= upper)) return Verdict::inconclusive;  // NaN, or an interval that is not one
    if (lower >= 1.0 + min_effect && lower > 1.0) return Verdict::slower;
    if (upper <= 1.0 - min_effect && upper < 1.0) return Verdict::faster;
    if (rules_out_effect(lower, upper, min_effect)) {
        if (lower > 1.0) return Verdict::slower_within_effect;
        if (upper < 1.0) return Verdict::faster_within_effect;
        return Verdict::same;
    }
    if (lower > 1.0) return Verdict::slower_effect_unclear;
    if (upper < 1.0) return Verdict::faster_effect_unclear;
    return Verdict::inconclusive;
}

/// Whether the interval has settled the question: a difference of at least the minimum effect
/// (FASTER, SLOWER), or none of it (SAME and the two "by less than the minimum effect" verdicts).
/// More samples can still turn the other verdicts into one of these.
inline bool decided(Verdict v) noexcept {
    return v == Verdict::same || v == Verdict::faster || v == Verdict::slower || v == Verdict::faster_within_effect ||
           v == Verdict::slower_within_effect;
}

/// Whether the verdict claims the two differ at all (anything but SAME and inconclusive).
inline bool shows_difference(Verdict v) noexcept { return v != Verdict::same && v != Verdict::inconclusive; }

}  // namespace gputime
