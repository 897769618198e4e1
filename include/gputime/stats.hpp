// gputime/stats.hpp - the statistics of a set of durations, with the first call kept apart.
//
// Stats keeps the durations it is given and computes everything from them, so every number it
// reports can be checked against hand-computed values on synthetic data.
//
// * The first call is not a steady-state sample. The first duration ever added (or the one
//   given to set_first_call) is kept apart: first_call() reports it, and count(), mean(),
//   percentile() etc. describe only the steady samples after it. First calls of inference code
//   are commonly 5-20x slower than the rest (lazy loading, JIT, autotuning); mixing one in
//   would move the mean and p99.
// * first_call_overhead() = first_call() - p50(): the cost of being first.
// * Percentiles use the NEAREST-RANK definition (as nvbench, HdrHistogram and trtexec do):
//   percentile(p) is the smallest sample x such that at least p% of the samples are <= x,
//   i.e. sorted[ceil(p/100 * n) - 1], and percentile(0) is the minimum. Every reported
//   percentile is therefore a duration that was really measured; with n < 100, p99 is the max.
//   The rank is computed exactly, in integers: p is read as a decimal with 9 digits after the
//   point (p is rounded to the nearest multiple of 1e-9 percent), so percentile(99.99) of
//   999999 samples is rank 999900 exactly, although the double 99.99 is slightly below 99.99.
//   Any p written with at most 9 decimals (99.9, 99.999, 12.345678) is taken as written, and
//   every rank of up to 1e11 samples can be asked for.
// * mean/stddev are computed on first read and cached, so that add() costs a push_back. The
//   mean is a compensated (Neumaier) sum divided by n; stddev is the corrected two-pass
//   formula over deviations from that mean, so samples on a huge offset with a small spread
//   (1e12 ns + fractions of a ns) keep every digit of their spread. stddev is the sample
//   standard deviation (n - 1), 0 for a single sample. total() is the compensated sum.
// * mdape() is nanobench's "err%": the median over samples of |x - p50| / x (cached too).
// * percentile_interval(p, confidence) brackets a percentile with two measured samples that
//   hold the true percentile with at least that confidence, whatever the distribution's shape
//   (gputime/percentile_interval.hpp); samples_needed(p, confidence) says how many samples
//   close it (368 for a p99 at 95%).
// * merge() pools two accumulators exactly (samples are kept), e.g. from several threads.
//   The merged first_call() is the mean of the merged first calls; first_call_count() says
//   how many there were.
//
// Errors:
// * Bad input is refused, and the Stats is left as it was: a duration that is NaN, infinite
//   or negative given to add(), add_steady() or set_first_call() throws gputime::InvalidArgument
//   (parameter() == "duration"), as does percentile(p) (and nearest_rank_index) with p NaN or
//   outside [0, 100] (parameter() == "p"). A zero duration is a valid sample (a -0 is stored as 0). The check
//   costs add() one well-predicted branch.
// * Reading a statistic of an empty Stats throws std::logic_error; check count() first.
// * Reads resolve pending GPU work. A Stats filled by a GPU clock can be owed samples the
//   device has not finished yet; every const read (count(), mean(), percentile(), samples()...)
//   first calls resolve(), which waits for and delivers them. A read can therefore throw what
//   resolving throws: gputime::CudaError (a failed CUDA call, or one a timer parked),
//   gputime::TimeoutError (a mark the device never reaches). Samples delivered before the
//   failure stay readable. Call resolve() yourself to choose where that wait happens.
#pragma once

#include <gputime/detail/pending_samples.hpp>
#include <gputime/duration.hpp>
#include <gputime/error.hpp>
#include <gputime/percentile_interval.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace gputime {

class Stats {
public:
    Stats() = default;
    Stats(const Stats& other) { copy_from(other); }
    // Moving takes the samples a clock still owes `other` along (no wait, no throw), so a
    // std::vector<Stats> moves its elements when it grows instead of copying every sample.
    Stats(Stats&& other) noexcept { move_from(other); }
    Stats& operator=(const Stats& other) {
        if (this != &other) {
            other.resolve();  // may throw: before anything of ours changes
            detach();
            copy_from(other);
        }
        return *this;
    }
    Stats& operator=(Stats&& other) noexcept {
        if (this != &other) {
            detach();
            move_from(other);
        }
        return *this;
    }
    ~Stats() { detach(); }

    /// Adds one measured duration: the first ever becomes the first call, later ones are steady
    /// samples. Throws InvalidArgument (parameter "duration") if `d` is NaN, infinite or
    /// negative; the Stats is then unchanged.
    void add(Duration d) {
        if (!valid_duration(d)) throw_invalid_duration("Stats::add", d);
        if (first_call_count_ == 0) {
            first_call_sum_ = d.count() + 0.0;  // + 0.0: a -0 is stored as 0
            first_call_count_ = 1;
            return;
        }
        push_steady(d);
    }

    /// Records `d` as the first call explicitly (WarmupRunner gives it its first warm-up call),
    /// so that every later add() is a steady sample. Throws InvalidArgument for a NaN, infinite
    /// or negative `d`, std::logic_error if a first call is already recorded.
    void set_first_call(Duration d) {
        if (!valid_duration(d)) throw_invalid_duration("Stats::set_first_call", d);
        if (first_call_count_ != 0) throw std::logic_error("gputime::Stats: the first call is already recorded");
        first_call_sum_ = d.count() + 0.0;
        first_call_count_ = 1;
    }

    /// Adds a steady-state sample, bypassing the first-call rule. Throws InvalidArgument for a
    /// NaN, infinite or negative `d`.
    void add_steady(Duration d) {
        if (!valid_duration(d)) throw_invalid_duration("Stats::add_steady", d);
        push_steady(d);
    }

    /// Pools `other` into this accumulator: its samples and its first calls.
    void merge(const Stats& other) {
        resolve();
        other.resolve();
        if (&other == this) {
            const Stats copy(other);
            merge(copy);
            return;
        }
        first_call_sum_ += other.first_call_sum_;
        first_call_count_ += other.first_call_count_;
        samples_.insert(samples_.end(), other.samples_.begin(), other.samples_.end());
        cached_ = 0;
    }

    /// Delivers the samples a clock still owes this Stats (GPU timings whose events the device
    /// may not have reached yet), waiting for them if needed. Every read below performs this
    /// step first; call it yourself to choose where the wait happens. Throws what resolving
    /// throws: gputime::CudaError (a failed CUDA call, or one a timer parked) or
    /// gputime::TimeoutError (a mark the device never reaches); samples delivered before the
    /// failure stay. Does nothing for a Stats that is owed nothing (e.g. host timings).
    void resolve() const {
        if (pending_ != nullptr) pending_->deliver_pending();
    }

    /// Steady samples (the first call is not counted).
    std::size_t count() const {
        resolve();
        return samples_.size();
    }
    /// Every call recorded: steady samples plus first calls.
    std::size_t calls() const {
        resolve();
        return samples_.size() + first_call_count_;
    }
    bool has_first_call() const {
        resolve();
        return first_call_count_ != 0;
    }
    std::size_t first_call_count() const {
        resolve();
        return first_call_count_;
    }
    Duration first_call() const {
        resolve();
        if (first_call_count_ == 0) throw std::logic_error("gputime::Stats::first_call: nothing recorded");
        return Duration{first_call_sum_ / static_cast<double>(first_call_count_)};
    }
    /// first_call() - p50(): what the first call costs on top of a typical steady call.
    Duration first_call_overhead() const { return first_call() - p50(); }

    Duration mean() const { return Duration{moments("mean").mean}; }
    /// Sample standard deviation (n - 1); 0 for a single sample.
    Duration stddev() const {
        const Moments& m = moments("stddev");
        return Duration{samples_.size() < 2 ? 0.0 : std::sqrt(m.m2 / static_cast<double>(samples_.size() - 1))};
    }
    /// Coefficient of variation, stddev / mean (0 when the mean is 0).
    double relative_stddev() const {
        const double m = mean().count();
        return m == 0.0 ? 0.0 : stddev().count() / m;
    }
    Duration min() const { return Duration{moments("min").min}; }
    Duration max() const { return Duration{moments("max").max}; }
    /// The sum of the steady samples (compensated summation).
    Duration total() const { return Duration{moments("total").sum}; }

    /// Nearest-rank percentile: the sample at rank ceil(p/100 * n), the minimum for a rank of 0.
    /// p in [0, 100], read as a decimal with 9 digits after the point (rounded to the nearest
    /// multiple of 1e-9 percent), the rank then computed exactly; see the header comment.
    /// Throws InvalidArgument (parameter "p") for a NaN p or one outside [0, 100].
    Duration percentile(double p) const {
        check_percent("Stats::percentile", p);
        const std::vector<Duration>& s = sorted("percentile");
        return s[nearest_rank_index(p, s.size())];
    }
    /// The sample of 1-based `rank` in sorted order: order_statistic(1) is the minimum.
    /// Throws InvalidArgument (parameter "rank") for a rank of 0 or above count().
    Duration order_statistic(std::size_t rank) const {
        const std::vector<Duration>& s = sorted("order_statistic");
        if (rank == 0 || rank > s.size())
            throw InvalidArgument("Stats::order_statistic", "rank",
                                  "must be in [1, " + std::to_string(s.size()) + "], got " + std::to_string(rank));
        return s[rank - 1];
    }
    /// The percentile with its distribution-free confidence interval (order statistics chosen
    /// from the binomial distribution; see gputime/percentile_interval.hpp). A side with too
    /// few samples to bound it is reported open. Throws InvalidArgument for a bad p
    /// (parameter "p") or a confidence outside (0, 1) (parameter "confidence").
    PercentileInterval percentile_interval(double p, double confidence = 0.95) const {
        const PercentileRanks ranks = percentile_ranks(count(), p, confidence);
        PercentileInterval interval;
        interval.p = p;
        interval.confidence = confidence;
        interval.ranks = ranks;
        interval.estimate = percentile(p);
        const std::vector<Duration>& s = sorted("percentile_interval");
        interval.lower_open = ranks.lower == 0;
        interval.upper_open = ranks.upper > s.size();
        if (!interval.lower_open) interval.lower = s[ranks.lower - 1];
        if (!interval.upper_open) interval.upper = s[ranks.upper - 1];
        return interval;
    }
    Duration p50() const { return percentile(50.0); }
    Duration p90() const { return percentile(90.0); }
    Duration p99() const { return percentile(99.0); }
    Duration p999() const { return percentile(99.9); }
    Duration median() const { return p50(); }

    /// Median absolute percentage error, as a fraction (0.012 = 1.2%): the nearest-rank median
    /// over samples of |x - p50| / x (a zero sample counts 0 if p50 is 0, else infinity).
    /// Computed on first read and cached until the samples change.
    double mdape() const {
        const std::vector<Duration>& s = sorted("mdape");
        if ((cached_ & mdape_cached) == 0) {
            const std::size_t middle = nearest_rank_index(50.0, s.size());
            const double median = s[middle].count();
            std::vector<double> errors;
            errors.reserve(s.size());
            for (const Duration d : s) {
                const double x = d.count();
                errors.push_back(x == 0.0 ? (median == 0.0 ? 0.0 : std::numeric_limits<double>::infinity())
                                          : std::fabs(x - median) / x);
            }
            std::nth_element(errors.begin(), errors.begin() + static_cast<std::ptrdiff_t>(middle), errors.end());
            mdape_ = errors[middle];
            cached_ |= mdape_cached;
        }
        return mdape_;
    }

    /// The steady samples in the order they were added.
    const std::vector<Duration>& samples() const {
        resolve();
        return samples_;
    }

    /// Percentiles are read to this resolution: p is rounded to the nearest multiple of
    /// 1 / percent_scale percent (1e-9 %) before its rank is computed.
    static constexpr std::uint64_t percent_scale = 1000000000;

    /// The index nearest-rank picks for p in a sorted array of n > 0 values:
    /// rank = ceil(P * n / (100 * percent_scale)) with P = p * percent_scale rounded to an
    /// integer, computed in exact integer arithmetic for every n; rank 0 picks index 0.
    /// Throws InvalidArgument (parameter "p") for a NaN p or one outside [0, 100].
    static std::size_t nearest_rank_index(double p, std::size_t n) {
        check_percent("Stats::nearest_rank_index", p);
        // |error of the double p| <= 100 * 2^-53 and the product's rounding <= 2^-17: far below
        // the half unit that llround could cross for a p written with <= 9 decimals.
        const auto scaled = static_cast<std::uint64_t>(std::llround(p * static_cast<double>(percent_scale)));
        const std::uint64_t rank = ceil_mul_div(scaled, static_cast<std::uint64_t>(n), 100 * percent_scale);
        if (rank <= 1) return 0;
        return static_cast<std::size_t>(std::min<std::uint64_t>(rank, n) - 1);
    }

private:
    friend struct detail::StatsAccess;

    static bool valid_duration(Duration d) noexcept {
        // One compare on the hot path: false for NaN, negatives and +infinity.
        return d.count() >= 0.0 && d.count() < std::numeric_limits<double>::infinity();
    }
    static std::string describe(double value) {
        if (std::isnan(value)) return "nan";
        if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
        char buffer[64];
        const std::to_chars_result r = std::to_chars(buffer, buffer + sizeof buffer, value);
        return r.ec == std::errc{} ? std::string(buffer, r.ptr) : std::to_string(value);
    }
    [[noreturn]] static void throw_invalid_duration(const char* where, Duration d) {
        throw InvalidArgument(where, "duration", "must be finite and >= 0 ns, got " + describe(d.count()));
    }
    static void check_percent(const char* where, double p) {
        if (!(p >= 0.0 && p <= 100.0)) throw InvalidArgument(where, "p", "must be in [0, 100], got " + describe(p));
    }

    // ceil(a * b / d) for a <= d < 2^48, so that the result is <= b: the 128-bit product is
    // formed from 32-bit halves and divided 16 bits at a time (portable, no __int128).
    static std::uint64_t ceil_mul_div(std::uint64_t a, std::uint64_t b, std::uint64_t d) noexcept {
        constexpr std::uint64_t low32 = 0xffffffffu;
        const std::uint64_t a_lo = a & low32, a_hi = a >> 32, b_lo = b & low32, b_hi = b >> 32;
        const std::uint64_t lo_lo = a_lo * b_lo, lo_hi = a_lo * b_hi, hi_lo = a_hi * b_lo, hi_hi = a_hi * b_hi;
        const std::uint64_t middle = (lo_lo >> 32) + (lo_hi & low32) + (hi_lo & low32);
        const std::uint64_t product_lo = (lo_lo & low32) | (middle << 32);
        const std::uint64_t product_hi = hi_hi + (lo_hi >> 32) + (hi_lo >> 32) + (middle >> 32);
        // Long division, most significant 16-bit digit first; remainder < d < 2^48 keeps
        // (remainder << 16) + digit below 2^64. The quotient is <= b, so its top bits are 0.
        std::uint64_t quotient = 0, remainder = 0;
        for (int shift = 112; shift >= 0; shift -= 16) {
            const std::uint64_t word = shift >= 64 ? product_hi >> (shift - 64) : product_lo >> shift;
            const std::uint64_t current = (remainder << 16) | (word & 0xffffu);
            quotient = (quotient << 16) | (current / d);
            remainder = current % d;
        }
        return quotient + (remainder != 0 ? 1 : 0);
    }

    void push_steady(Duration d) {
        samples_.push_back(Duration{d.count() + 0.0});
        cached_ = 0;
    }
    void detach() {
        if (pending_ != nullptr) {
            detail::PendingSamples* source = pending_;
            pending_ = nullptr;
            source->forget_sink(this);
        }
    }
    const Stats& checked(const char* what) const {
        resolve();
        if (samples_.empty()) throw std::logic_error(std::string("gputime::Stats::") + what + ": no steady samples");
        return *this;
    }
    struct Moments {
        double sum = 0.0;
        double mean = 0.0;
        double m2 = 0.0;  // sum of squared deviations from the mean
        double min = 0.0;
        double max = 0.0;
    };
    // Neumaier's compensated sum: sum + compensation carries what plain addition rounds away.
    struct CompensatedSum {
        double sum = 0.0;
        double compensation = 0.0;
        void add(double x) noexcept {
            const double t = sum + x;
            compensation += std::fabs(sum) >= std::fabs(x) ? (sum - t) + x : (x - t) + sum;
            sum = t;
        }
        double value() const noexcept { return sum + compensation; }
    };
    // Two passes over the samples, once per change of the samples: the sum (then the mean),
    // min and max; then the squared deviations from that mean, corrected by the deviations'
    // own sum for the rounding of the mean (Chan, Golub & LeVeque's corrected two-pass).
    const Moments& moments(const char* what) const {
        checked(what);
        if ((cached_ & moments_cached) == 0) {
            Moments m;
            m.min = m.max = samples_.front().count();
            CompensatedSum sum;
            for (const Duration d : samples_) {
                const double x = d.count();
                sum.add(x);
                m.min = std::min(m.min, x);
                m.max = std::max(m.max, x);
            }
            const double n = static_cast<double>(samples_.size());
            m.sum = sum.value();
            if (m.min == m.max) {
                m.mean = m.min;  // identical samples: exactly that value, no spread
            } else {
                m.mean = std::min(std::max(m.sum / n, m.min), m.max);
                CompensatedSum deviations, squares;
                for (const Duration d : samples_) {
                    const double deviation = d.count() - m.mean;
                    deviations.add(deviation);
                    squares.add(deviation * deviation);
                }
                const double drift = deviations.value();
                m.m2 = std::max(0.0, squares.value() - drift * drift / n);
            }
            moments_ = m;
            cached_ |= moments_cached;
        }
        return moments_;
    }
    const std::vector<Duration>& sorted(const char* what) const {
        checked(what);
        if ((cached_ & sorted_cached) == 0) {
            sorted_ = samples_;
            std::sort(sorted_.begin(), sorted_.end());
            cached_ |= sorted_cached;
        }
        return sorted_;
    }
    void copy_from(const Stats& other) {
        other.resolve();
        samples_ = other.samples_;
        copy_scalars(other);
    }

    void move_from(Stats& other) noexcept {
        samples_ = std::move(other.samples_);
        copy_scalars(other);
        pending_ = other.pending_;
        if (pending_ != nullptr) pending_->move_sink(&other, this);
        other.samples_.clear();
        other.copy_scalars(Stats{});
        other.pending_ = nullptr;
    }
    void copy_scalars(const Stats& other) noexcept {
        sorted_.clear();
        cached_ = 0;
        first_call_sum_ = other.first_call_sum_;
        first_call_count_ = other.first_call_count_;
    }

    // Which derived values are up to date (bits); add() clears them with one store.
    static constexpr unsigned char sorted_cached = 1;
    static constexpr unsigned char moments_cached = 2;
    static constexpr unsigned char mdape_cached = 4;

    std::vector<Duration> samples_;
    mutable std::vector<Duration> sorted_;
    mutable Moments moments_;
    mutable double mdape_ = 0.0;
    mutable unsigned char cached_ = 0;
    double first_call_sum_ = 0.0;
    std::size_t first_call_count_ = 0;
    detail::PendingSamples* pending_ = nullptr;
};

namespace detail {
// What a clock may do to a Stats beyond its public API: link itself as the pending source.
struct StatsAccess {
    static PendingSamples* pending_source(const Stats& s) { return s.pending_; }
    static void set_pending_source(Stats& s, PendingSamples* source) { s.pending_ = source; }
};
}  // namespace detail

}  // namespace gputime
