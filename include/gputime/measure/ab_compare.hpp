// SPDX-License-Identifier: MIT
// gputime/measure/ab_compare.hpp - A/B comparison with a verdict: is variant b faster than a, by how much,
// and can the difference be told apart from noise?
//
//   gputime::CompareOptions options;
//   options.names = {"nchw", "blocked"};
//   const gputime::Comparison c = gputime::compare(clock, {run_nchw, run_blocked}, options);
//   std::cout << c;   // blocked vs nchw: 0.968x [0.962, 0.975] p=1.2e-09 FASTER (min effect 2%)
//
// docs/ab_compare.md, "compare(): paired blocks, measured until the interval decides".
#pragma once

#include <gputime/core/clock_contract.hpp>
#include <gputime/core/detail/callback.hpp>
#include <gputime/core/duration.hpp>
#include <gputime/core/error.hpp>
#include <gputime/measure/comparison.hpp>
#include <gputime/measure/verdict.hpp>
#include <gputime/stats/mann_whitney.hpp>
#include <gputime/stats/signed_rank.hpp>
#include <gputime/stats/stats.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace gputime {

/// How compare() measures and judges: calls per variant, warm-up, ordering seed, confidence,
/// the smallest difference worth a verdict, the variants' names.
struct CompareOptions {
    /// Measured blocks (calls per variant) before the first look at the intervals; more are
    /// measured while they decide nothing (see the top), up to max_samples and max_time.
    std::size_t samples = 300;
    /// The most measured blocks: the blocks double from `samples` up to this many. Equal to
    /// `samples`: one look, a fixed budget. Must be >= samples.
    std::size_t max_samples = 19200;
    /// Host time the measured blocks may take (checked after every block), > 0: when it runs
    /// out, the verdict is what the blocks so far show and Comparison::stop says time_limit.
    std::chrono::nanoseconds max_time = std::chrono::seconds(30);
    /// Warm-up calls per variant, interleaved like the measured ones; out of the statistics.
    std::size_t warmup = 10;
    /// Seed of the generator that orders the variants in each block.
    std::uint64_t seed = 0x5eed;
    /// Confidence of the ratio's interval; alpha = 1 - confidence is the test's level.
    double confidence = 0.95;
    /// The smallest relative difference worth a verdict (0.02: 2%), in [0, 1).
    double min_effect = 0.02;
    /// One name per variant (empty: "a", "b", "c", ...); the first is the baseline.
    std::vector<std::string> names;
};

/// One variant to compare: any callable f() or f(std::size_t call).
class Variant {
public:
    template <class F, class Fn = std::decay_t<F>,
              std::enable_if_t<!std::is_same<Fn, Variant>::value &&
                                   (std::is_invocable<Fn&>::value || std::is_invocable<Fn&, std::size_t>::value),
                               int> = 0>
    /// Wraps `fn`; a null function pointer or empty std::function makes an empty Variant.
    Variant(F&& fn) {  // implicit on purpose: compare(clock, {f, g})
        if (is_null(fn)) return;
        if constexpr (std::is_invocable<Fn&, std::size_t>::value) {
            call_ = std::forward<F>(fn);
        } else {
            call_ = [f = Fn(std::forward<F>(fn))](std::size_t) mutable { f(); };
        }
    }

    /// Calls the callable (with `call` when it takes a call index).
    void operator()(std::size_t call) const { call_(call); }
    /// Holds a callable (compare() refuses an empty Variant).
    explicit operator bool() const noexcept { return static_cast<bool>(call_); }

private:
    // std::function and the like (a wrapper of a call signature that tests as bool), matched
    // without <functional>.
    template <class T>
    struct is_function_object : std::false_type {};
    template <template <class> class Wrapper, class R, class... Args>
    struct is_function_object<Wrapper<R(Args...)>> : std::is_constructible<bool, const Wrapper<R(Args...)>&> {};

    // A null function pointer or an empty std::function makes an empty Variant (refused by compare).
    template <class T>
    static bool is_null(const T& f) noexcept {
        if constexpr (std::is_pointer<T>::value) {
            return f == nullptr;
        } else if constexpr (is_function_object<T>::value) {
            return !f;
        } else {
            return false;
        }
    }

    detail::Callback<void(std::size_t)> call_;
};

namespace detail {

// splitmix64 (Steele, Lea, Flood 2014): the block orders, the same on every platform. The seed is
// offset by a constant so that the orders do not follow the first outputs of another splitmix64
// seeded with the same number (as the simulator starts its noise generator).
class BlockOrder {
public:
    explicit BlockOrder(std::uint64_t seed) noexcept : state_(seed ^ 0x6A09E667F3BCC909ULL) {}
    std::uint64_t next() noexcept {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    /// Uniform in [0, bound), unbiased (rejection), bound >= 1.
    std::uint64_t below(std::uint64_t bound) noexcept {
        const std::uint64_t limit =
            std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % bound;
        std::uint64_t r = next();
        while (r >= limit) r = next();
        return r % bound;
    }
    /// A fresh random permutation of 0..order.size()-1 (Fisher-Yates).
    void shuffle(std::vector<std::size_t>& order) noexcept {
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        for (std::size_t i = order.size(); i > 1; --i) {
            const auto j = static_cast<std::size_t>(below(i));
            std::swap(order[i - 1], order[j]);
        }
    }

private:
    std::uint64_t state_;
};

inline std::string default_variant_name(std::size_t i) {
    if (i < 26) return std::string(1, static_cast<char>('a' + i));
    return "v" + std::to_string(i + 1);
}

inline std::string describe_compare_value(double value) {
    if (std::isnan(value)) return "nan";
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    char buffer[64];
    const std::to_chars_result r = std::to_chars(buffer, buffer + sizeof buffer, value);
    // decltype(r.ec) is std::errc, named without <system_error>.
    return r.ec == decltype(r.ec){} ? std::string(buffer, r.ptr) : std::to_string(value);
}

inline void check_compare_statistics(const char* where, double confidence, double min_effect) {
    if (!(confidence > 0.0 && confidence < 1.0))
        throw InvalidArgument(where, "confidence",
                              "must be in (0, 1), e.g. 0.95, got " + describe_compare_value(confidence));
    if (!(min_effect >= 0.0 && min_effect < 1.0))
        throw InvalidArgument(
            where, "min_effect",
            "must be a fraction in [0, 1), e.g. 0.02 for 2%, got " + describe_compare_value(min_effect));
}

inline void check_names(const char* where, const std::vector<std::string>& names, std::size_t variants) {
    if (names.empty()) return;
    if (names.size() != variants)
        throw InvalidArgument(where, "names",
                              "must name every variant: " + std::to_string(names.size()) + " names for " +
                                  std::to_string(variants) + " variants");
    for (std::size_t i = 0; i < names.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (names[i] == names[j])
                throw InvalidArgument(where, "names", "must be distinct; \"" + names[i] + "\" appears twice");
}

// Log durations, sorted. A zero duration (an empty call under a coarse clock) has no logarithm:
// zeros become half the smallest positive sample of the two sets, which keeps every rank.
inline void log_durations(const std::vector<Duration>& a, const std::vector<Duration>& b, std::vector<double>& la,
                          std::vector<double>& lb) {
    double smallest = std::numeric_limits<double>::infinity();
    for (const Duration d : a)
        if (d.count() > 0.0) smallest = std::min(smallest, d.count());
    for (const Duration d : b)
        if (d.count() > 0.0) smallest = std::min(smallest, d.count());
    const double zero = std::isinf(smallest) ? 1.0 : smallest / 2.0;
    auto convert = [zero](const std::vector<Duration>& in, std::vector<double>& out) {
        out.clear();
        out.reserve(in.size());
        for (const Duration d : in) out.push_back(std::log(d.count() > 0.0 ? d.count() : zero));
        std::sort(out.begin(), out.end());
    };
    convert(a, la);
    convert(b, lb);
}

inline Contrast contrast_of(const Stats& baseline, const Stats& candidate, double confidence, double min_effect) {
    std::vector<double> xs, ys;
    log_durations(candidate.samples(), baseline.samples(), xs, ys);
    const MannWhitneyResult test = mann_whitney_sorted(xs, ys, RankTestMethod::automatic);
    const ShiftEstimate shift = hodges_lehmann_sorted(xs, ys, confidence, test.exact);
    Contrast c;
    c.ratio = std::exp(shift.estimate);
    c.ratio_lower = std::exp(shift.lower);  // exp(-inf) = 0
    c.ratio_upper = std::exp(shift.upper);  // exp(+inf) = inf
    c.coverage = shift.coverage;
    c.p_value = test.p_value;
    c.u_statistic = test.u;
    c.exact_p = test.exact;
    c.confidence = confidence;
    c.min_effect = min_effect;
    c.samples = xs.size();
    c.baseline_samples = ys.size();
    c.verdict = verdict_of(c.ratio_lower, c.ratio_upper, min_effect);
    c.equivalent = rules_out_effect(c.ratio_lower, c.ratio_upper, min_effect);
    return c;
}

// Block by block: d_i = log(candidate_i) - log(baseline_i), the i-th steady sample of each (the
// same block), its signed-rank interval at `interval_confidence`.
inline Contrast paired_contrast_of(const std::vector<Duration>& baseline, const std::vector<Duration>& candidate,
                                   double interval_confidence, double confidence, double min_effect) {
    const std::size_t n = std::min(baseline.size(), candidate.size());
    double smallest = std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < n; ++i) {
        if (baseline[i].count() > 0.0) smallest = std::min(smallest, baseline[i].count());
        if (candidate[i].count() > 0.0) smallest = std::min(smallest, candidate[i].count());
    }
    const double zero = std::isinf(smallest) ? 1.0 : smallest / 2.0;  // keeps every rank
    std::vector<double> d(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double b = baseline[i].count() > 0.0 ? baseline[i].count() : zero;
        const double v = candidate[i].count() > 0.0 ? candidate[i].count() : zero;
        d[i] = std::log(v) - std::log(b);
    }
    std::sort(d.begin(), d.end());
    Contrast c;
    c.paired = true;
    c.confidence = confidence;
    c.min_effect = min_effect;
    c.samples = n;
    c.baseline_samples = n;
    if (n > 0) {
        const SignedRankResult test = wilcoxon_signed_rank_sorted(d, RankTestMethod::automatic);
        const ShiftEstimate shift = walsh_hodges_lehmann_sorted(d, interval_confidence, test.exact);
        c.ratio = std::exp(shift.estimate);
        c.ratio_lower = std::exp(shift.lower);  // exp(-inf) = 0
        c.ratio_upper = std::exp(shift.upper);  // exp(+inf) = inf
        c.coverage = shift.coverage;
        c.p_value = test.p_value;
        c.u_statistic = test.w_plus;
        c.exact_p = test.exact;
    }
    c.verdict = verdict_of(c.ratio_lower, c.ratio_upper, min_effect);
    c.equivalent = rules_out_effect(c.ratio_lower, c.ratio_upper, min_effect);
    return c;
}

// Looks at samples, 2 samples, 4 samples, ... blocks and a last one at max_samples.
inline std::size_t planned_looks(std::size_t samples, std::size_t max_samples) noexcept {
    std::size_t looks = 1;
    for (std::size_t n = samples; n<max_samples; n = n> max_samples / 2 ? max_samples : 2 * n) ++looks;
    return looks;
}

template <class Clock>
void compare_call(Clock& clock, const Variant& variant, std::size_t call, Stats& into) {
    const auto started = clock.mark();
    try {
        variant(call);
    } catch (...) {
        clock.release(started);  // a failed call is not a sample
        throw;
    }
    clock.stop(started, into);
    clock.synchronize();  // latency mode: one synchronisation per call
}

}  // namespace detail

/// One variant against a baseline from samples already measured (their steady samples), with
/// the options' confidence and min_effect (names: options.names[0] the baseline, [1] the
/// candidate, if given). Throws InvalidArgument for bad options or a Stats without steady samples.
inline Contrast compare_stats(const Stats& baseline, const Stats& candidate, const CompareOptions& options = {}) {
    detail::check_compare_statistics("compare_stats", options.confidence, options.min_effect);
    detail::check_names("compare_stats", options.names, 2);
    if (baseline.count() == 0) throw InvalidArgument("compare_stats", "baseline", "has no steady samples");
    if (candidate.count() == 0) throw InvalidArgument("compare_stats", "candidate", "has no steady samples");
    Contrast c = detail::contrast_of(baseline, candidate, options.confidence, options.min_effect);
    c.baseline_name = options.names.empty() ? "a" : options.names[0];
    c.name = options.names.empty() ? "b" : options.names[1];
    return c;
}

/// A whole Comparison of samples measured elsewhere (not interleaved by compare()): measured[0]
/// is the baseline, every other Stats a candidate compared with it by compare_stats. Names come
/// from options.names ("a", "b", ... without), confidence and min_effect from the options;
/// samples and warmup are 0, which the reports read as "measured elsewhere". Throws
/// InvalidArgument for fewer than 2 Stats (parameter "measured"), a Stats without steady samples
/// (parameter "measured", naming its index) and what compare_stats refuses in the options.
inline Comparison compare_measured(const std::vector<Stats>& measured, const CompareOptions& options = {}) {
    const char* where = "compare_measured";
    if (measured.size() < 2)
        throw InvalidArgument(
            where, "measured",
            "must hold at least 2 Stats (a baseline and a candidate), got " + std::to_string(measured.size()));
    detail::check_compare_statistics(where, options.confidence, options.min_effect);
    detail::check_names(where, options.names, measured.size());
    for (std::size_t i = 0; i < measured.size(); ++i)
        if (measured[i].count() == 0)
            throw InvalidArgument(where, "measured", "has no steady samples at index " + std::to_string(i));
    Comparison result;
    result.confidence = options.confidence;
    result.min_effect = options.min_effect;
    result.seed = options.seed;
    result.variants.resize(measured.size());
    for (std::size_t i = 0; i < measured.size(); ++i) {
        result.variants[i].name = options.names.empty() ? detail::default_variant_name(i) : options.names[i];
        result.variants[i].latency = measured[i];
    }
    for (std::size_t v = 1; v < measured.size(); ++v) {
        Contrast c = detail::contrast_of(measured[0], measured[v], options.confidence, options.min_effect);
        c.variant = v;
        c.baseline = 0;
        c.name = result.variants[v].name;
        c.baseline_name = result.variants[0].name;
        result.contrasts.push_back(std::move(c));
    }
    return result;
}

/// Runs `variants` interleaved in randomised blocks on `clock` and compares each with the first
/// (see the top of this header). Throws InvalidArgument for bad input before calling anything;
/// an exception from a variant propagates.
template <class Clock>
Comparison compare(Clock& clock, const std::vector<Variant>& variants, const CompareOptions& options = {}) {
    static_assert(detail::check_clock<Clock, Stats>());
    const char* where = "compare";
    if (variants.size() < 2)
        throw InvalidArgument(
            where, "variants",
            "must hold at least 2 callables (a baseline and a candidate), got " + std::to_string(variants.size()));
    for (std::size_t i = 0; i < variants.size(); ++i)
        if (!variants[i])
            throw InvalidArgument(where, "variants", "holds an empty callable at index " + std::to_string(i));
    if (options.samples == 0) throw InvalidArgument(where, "samples", "must be >= 1 measured call per variant");
    if (options.warmup == 0 && options.samples < 2)
        throw InvalidArgument(where, "samples",
                              "must be >= 2 when warmup is 0: the first call is kept apart, the rest are the samples");
    if (options.max_samples < options.samples)
        throw InvalidArgument(
            where, "max_samples",
            "must be >= samples (" + std::to_string(options.samples) + "), got " + std::to_string(options.max_samples));
    if (options.max_time.count() <= 0)
        throw InvalidArgument(where, "max_time",
                              "must be > 0 ns, got " + std::to_string(options.max_time.count()) + " ns");
    detail::check_compare_statistics(where, options.confidence, options.min_effect);
    detail::check_names(where, options.names, variants.size());

    const std::size_t k = variants.size();
    Comparison result;
    result.samples = 0;  // counted below
    result.warmup = options.warmup;
    result.seed = options.seed;
    result.confidence = options.confidence;
    result.min_effect = options.min_effect;
    result.device_timed = Clock::measures_device;
    result.variants.resize(k);
    for (std::size_t i = 0; i < k; ++i)
        result.variants[i].name = options.names.empty() ? detail::default_variant_name(i) : options.names[i];

    detail::BlockOrder order_source(options.seed);
    std::vector<std::size_t> order(k);
    std::vector<std::size_t> calls(k, 0);
    std::vector<Stats> warm(k);
    try {
        for (std::size_t block = 0; block < options.warmup; ++block) {
            order_source.shuffle(order);
            for (const std::size_t v : order) detail::compare_call(clock, variants[v], calls[v]++, warm[v]);
        }
        for (std::size_t v = 0; v < k; ++v) {
            VariantTiming& t = result.variants[v];
            if (warm[v].has_first_call()) {
                t.warmup.push_back(warm[v].first_call());
                t.latency.set_first_call(warm[v].first_call());
            }
            for (const Duration d : warm[v].samples()) t.warmup.push_back(d);
        }
        result.planned_looks = detail::planned_looks(options.samples, options.max_samples);
        result.look_confidence = 1.0 - (1.0 - options.confidence) / static_cast<double>(result.planned_looks);
        result.looks = 0;
        const auto started = clock.host_now();
        std::size_t target = options.samples;
        for (;;) {
            bool out_of_time = false;
            while (result.samples < target && !out_of_time) {
                order_source.shuffle(order);
                for (const std::size_t v : order)
                    detail::compare_call(clock, variants[v], calls[v]++, result.variants[v].latency);
                ++result.samples;
                out_of_time = clock.host_now() - started >= options.max_time;
            }
            clock.synchronize();
            ++result.looks;
            // The steady samples of every variant are in block order, and every variant lost the
            // same first block to its first call when there was no warm-up: samples()[i] of all
            // variants come from one block.
            result.contrasts.clear();
            bool all_decided = true;
            for (std::size_t v = 1; v < k; ++v) {
                Contrast c = detail::paired_contrast_of(result.variants[0].latency.samples(),
                                                        result.variants[v].latency.samples(), result.look_confidence,
                                                        options.confidence, options.min_effect);
                c.variant = v;
                c.baseline = 0;
                c.name = result.variants[v].name;
                c.baseline_name = result.variants[0].name;
                all_decided = all_decided && decided(c.verdict);
                result.contrasts.push_back(std::move(c));
            }
            if (all_decided) {
                result.stop = CompareStop::decided;
                break;
            }
            if (out_of_time) {
                result.stop = CompareStop::time_limit;
                break;
            }
            if (target >= options.max_samples) {
                result.stop = CompareStop::sample_limit;
                break;
            }
            target = target > options.max_samples / 2 ? options.max_samples : 2 * target;
        }
        result.wall = Duration(clock.host_now() - started);
    } catch (...) {
        try {
            clock.synchronize();  // settle what was in flight; the callable's error is the one to report
        } catch (...) {
        }
        throw;
    }
    return result;
}

/// compare(clock, {a, b}, options): `b` against the baseline `a`.
template <
    class Clock, class A, class B,
    std::enable_if_t<
        (std::is_invocable<std::decay_t<A>&>::value || std::is_invocable<std::decay_t<A>&, std::size_t>::value) &&
            (std::is_invocable<std::decay_t<B>&>::value || std::is_invocable<std::decay_t<B>&, std::size_t>::value),
        int> = 0>
Comparison compare(Clock& clock, A&& a, B&& b, const CompareOptions& options = {}) {
    std::vector<Variant> variants;
    variants.emplace_back(std::forward<A>(a));
    variants.emplace_back(std::forward<B>(b));
    return compare(clock, variants, options);
}

}  // namespace gputime
