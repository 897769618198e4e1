// SPDX-License-Identifier: MIT
// gputime/stats/stats.hpp - the statistics of a set of durations, with the first call kept apart.
//
//   gputime::Stats s;
//   s.add(first);  s.add(d1);  s.add(d2);               // the first duration is the first call
//   s.first_call();  s.p50();  s.p99();  s.mdape();     // the rest describe the steady samples
//
// Every sample is kept and every statistic computed from them; percentiles are nearest-rank
// (a duration that was measured). Bad input throws gputime::InvalidArgument; reading a Stats
// that a GPU clock still owes samples waits for them. The definitions, the cost at scale and
// the error rules: docs/statistics.md, "Stats".
#pragma once

#include <gputime/core/detail/sample_checks.hpp>
#include <gputime/core/duration.hpp>
#include <gputime/core/error.hpp>
#include <gputime/stats/detail/rank_select.hpp>
#include <gputime/stats/owed_samples.hpp>
#include <gputime/stats/percentile_interval.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace gputime {

/// Every duration kept (8 bytes each), the first call apart: exact percentiles with confidence
/// intervals, mean, stddev, err%. For unbounded streams use BoundedStats; for many threads,
/// SharedStats.
class Stats {
public:
    Stats() = default;
    /// Takes the samples `other` holds, after delivering to it what the device has already
    /// finished (no wait; an error stays owed to `other`). Samples still owed go to `other` only.
    Stats(const Stats& other) { copy_from(other); }
    // Moving takes the samples a clock still owes `other` along (no wait, no throw), so a
    // std::vector<Stats> moves its elements when it grows instead of copying every sample.
    /// Takes every sample of `other`, and the samples a clock still owes it; `other` is left empty.
    Stats(Stats&& other) noexcept { move_from(other); }
    /// As the copy constructor; what this Stats was still owed is dropped. Throws only
    /// std::bad_alloc, with this Stats unchanged.
    Stats& operator=(const Stats& other) {
        if (this != &other) {
            other.owed_.settle_ready();
            std::vector<Duration> samples = other.samples_;  // may throw: before anything changes
            owed_.forget();
            samples_ = std::move(samples);
            copy_scalars(other);
        }
        return *this;
    }
    /// As the move constructor; what this Stats was still owed is dropped.
    Stats& operator=(Stats&& other) noexcept {
        if (this != &other) move_from(other);
        return *this;
    }
    ~Stats() = default;

    /// Adds one measured duration: the first ever becomes the first call, later ones are steady
    /// samples. Throws InvalidArgument (parameter "duration") if `d` is NaN, infinite or
    /// negative; the Stats is then unchanged.
    void add(Duration d) {
        // One compare on the hot path: the sample's bits below steady_below_, which is 0 until a
        // first call is recorded and then the bits of +infinity, so that it passes exactly the
        // steady samples that are +0 or positive and finite. The rest (the first call, NaN,
        // infinities, negatives, -0) goes out of line.
        if (detail::order_key(d.count()) < steady_below_) {
            samples_.push_back(d);
            return;
        }
        add_rare(d.count());
    }

    /// Records `d` as the first call explicitly (WarmupRunner gives it its first warm-up call),
    /// so that every later add() is a steady sample. Throws InvalidArgument for a NaN, infinite
    /// or negative `d`, std::logic_error if a first call is already recorded.
    void set_first_call(Duration d) {
        if (!detail::valid_duration(d.count())) detail::throw_invalid_duration("Stats::set_first_call", d.count());
        if (first_call_count_ != 0) throw std::logic_error("gputime::Stats: the first call is already recorded");
        first_call_sum_ = d.count() + 0.0;
        set_first_call_count(1);
    }

    /// Adds a steady-state sample, bypassing the first-call rule. Throws InvalidArgument for a
    /// NaN, infinite or negative `d`.
    void add_steady(Duration d) {
        const double x = d.count();
        if (!detail::valid_duration(x)) detail::throw_invalid_duration("Stats::add_steady", x);
        samples_.push_back(Duration{x + 0.0});
    }

    /// Makes room for `n` steady samples in all: adding up to that many then never moves the
    /// samples, and no growth slack is kept (8 bytes a sample). A serving loop that knows how
    /// many calls it times calls this once. Without it the samples grow as a std::vector does
    /// (its capacity doubles: up to 8 bytes of slack a sample).
    void reserve(std::size_t n) { samples_.reserve(n); }

    /// Heap bytes this Stats holds: its samples (capacity included) and what reads cached
    /// (bounded by a constant, not by the number of samples).
    std::size_t memory_bytes() const noexcept {
        return samples_.capacity() * sizeof(Duration) +
               buckets_.buckets.capacity() * sizeof(detail::KeyBuckets::Bucket);
    }

    /// Pools `other` into this accumulator: its samples and its first calls.
    void merge(const Stats& other) {
        resolve();
        other.resolve();
        if (&other == this) {
            merge(Stats(other));  // a copy: merging into itself would read what it writes
            return;
        }
        samples_.insert(samples_.end(), other.samples_.begin(), other.samples_.end());
        first_call_sum_ += other.first_call_sum_;
        set_first_call_count(first_call_count_ + other.first_call_count_);
    }

    /// Delivers the samples a clock still owes this Stats (GPU timings whose events the device
    /// may not have reached yet), waiting for them if needed. Every read below performs this
    /// step first; call it yourself to choose where the wait happens. Throws what resolving
    /// throws: gputime::CudaError (a failed CUDA call, or one a timer parked) or
    /// gputime::TimeoutError (a mark the device never reaches); samples delivered before the
    /// failure stay. Does nothing for a Stats that is owed nothing (e.g. host timings).
    void resolve() const { owed_.settle(); }

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
    /// A first call is recorded.
    bool has_first_call() const {
        resolve();
        return first_call_count_ != 0;
    }
    /// First calls pooled here: 1, or more after merge() (one per merged part that had one).
    std::size_t first_call_count() const {
        resolve();
        return first_call_count_;
    }
    /// The first call (the mean of the pooled first calls after a merge()). Throws
    /// std::logic_error when none is recorded.
    Duration first_call() const {
        resolve();
        if (first_call_count_ == 0) throw std::logic_error("gputime::Stats::first_call: nothing recorded");
        return Duration{first_call_sum_ / static_cast<double>(first_call_count_)};
    }
    /// first_call() - p50(): what the first call costs on top of a typical steady call.
    Duration first_call_overhead() const { return first_call() - p50(); }

    /// Mean of the steady samples. As every statistic below, throws std::logic_error when there
    /// is no steady sample.
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
    Duration min() const { return Duration{moments("min").min}; }  ///< Smallest steady sample.
    Duration max() const { return Duration{moments("max").max}; }  ///< Largest steady sample.
    /// The sum of the steady samples (compensated summation).
    Duration total() const { return Duration{moments("total").sum}; }

    /// Nearest-rank percentile: the sample at rank ceil(p/100 * n), the minimum for a rank of 0.
    /// p in [0, 100], read as a decimal with 9 digits after the point (rounded to the nearest
    /// multiple of 1e-9 percent), the rank then computed exactly; see the header comment.
    /// Throws InvalidArgument (parameter "p") for a NaN p or one outside [0, 100].
    Duration percentile(double p) const {
        detail::check_percent("Stats::percentile", p);
        checked("percentile");
        return Duration{value_at(nearest_rank_index(p, samples_.size()))};
    }
    /// The sample of 1-based `rank` in sorted order: order_statistic(1) is the minimum.
    /// Throws InvalidArgument (parameter "rank") for a rank of 0 or above count().
    Duration order_statistic(std::size_t rank) const {
        checked("order_statistic");
        if (rank == 0 || rank > samples_.size())
            throw InvalidArgument(
                "Stats::order_statistic", "rank",
                "must be in [1, " + std::to_string(samples_.size()) + "], got " + std::to_string(rank));
        return Duration{value_at(rank - 1)};
    }
    /// The percentile with its distribution-free confidence interval (order statistics chosen
    /// from the binomial distribution; see gputime/stats/percentile_interval.hpp). A side with too
    /// few samples to bound it is reported open. Throws InvalidArgument for a bad p
    /// (parameter "p") or a confidence outside (0, 1) (parameter "confidence").
    PercentileInterval percentile_interval(double p, double confidence = 0.95) const {
        const PercentileRanks ranks =
            detail::percentile_ranks_for("Stats::percentile_interval", count(), p, confidence);
        PercentileInterval interval;
        interval.p = p;
        interval.confidence = confidence;
        interval.ranks = ranks;
        interval.estimate = percentile(p);
        interval.lower_open = ranks.lower == 0;
        interval.upper_open = ranks.upper > samples_.size();
        if (!interval.lower_open) interval.lower = Duration{value_at(ranks.lower - 1)};
        if (!interval.upper_open) interval.upper = Duration{value_at(ranks.upper - 1)};
        return interval;
    }
    Duration p50() const { return percentile(50.0); }   ///< percentile(50).
    Duration p90() const { return percentile(90.0); }   ///< percentile(90).
    Duration p99() const { return percentile(99.0); }   ///< percentile(99).
    Duration p999() const { return percentile(99.9); }  ///< percentile(99.9).
    Duration median() const { return p50(); }           ///< p50().

    /// Median absolute percentage error, as a fraction (0.012 = 1.2%): the nearest-rank median
    /// over samples of |x - p50| / x (a zero sample counts 0 if p50 is 0, else infinity).
    /// Computed on first read and cached until the samples change; selected in place, without
    /// an array of the errors.
    double mdape() const {
        checked("mdape");
        sync_caches();
        if ((cached_ & mdape_cached) == 0) {
            const std::size_t n = samples_.size();
            const std::size_t middle = nearest_rank_index(50.0, n);
            const double median = value_at(middle);
            const Duration* s = samples_.data();
            const double zero_error = median == 0.0 ? 0.0 : std::numeric_limits<double>::infinity();
            const auto error_of = [median, zero_error](double x) {
                return x == 0.0 ? zero_error : std::fabs(x - median) / x;
            };
            const auto error_key = [s, &error_of](std::size_t i) { return detail::order_key(error_of(s[i].count())); };
            double found = 0.0;
            if ((cached_ & buckets_cached) == 0 || !mdape_from_buckets(middle, error_of, found))
                found = detail::key_value(detail::select_key(n, error_key, detail::key_range(n, error_key), middle));
            mdape_ = found;
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
        detail::check_percent("Stats::nearest_rank_index", p);
        // |error of the double p| <= 100 * 2^-53 and the product's rounding <= 2^-17: far below
        // the half unit that llround could cross for a p written with <= 9 decimals.
        const auto scaled = static_cast<std::uint64_t>(std::llround(p * static_cast<double>(percent_scale)));
        const std::uint64_t rank = ceil_mul_div(scaled, static_cast<std::uint64_t>(n), 100 * percent_scale);
        if (rank <= 1) return 0;
        return static_cast<std::size_t>(std::min<std::uint64_t>(rank, n) - 1);
    }

private:
    // How a clock reaches the slot (gputime/stats/owed_samples.hpp): found by argument-dependent
    // lookup only, so it adds nothing to the public members.
    friend OwedSamples& owed_samples_of(Stats& s) noexcept { return s.owed_; }

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

    // add()'s rare cases, out of line: a refused duration, the first call, a -0.
    GPUTIME_NOINLINE_COLD void add_rare(double x) {
        if (!detail::valid_duration(x)) detail::throw_invalid_duration("Stats::add", x);
        if (first_call_count_ == 0) {
            first_call_sum_ = x + 0.0;  // + 0.0: a -0 is stored as 0
            set_first_call_count(1);
            return;
        }
        samples_.push_back(Duration{x + 0.0});  // a -0: stored as 0
    }
    void set_first_call_count(std::size_t count) noexcept {
        first_call_count_ = count;
        steady_below_ = count == 0 ? 0 : detail::order_key(std::numeric_limits<double>::infinity());
    }
    const Stats& checked(const char* what) const {
        resolve();
        if (samples_.empty()) throw std::logic_error(std::string("gputime::Stats::") + what + ": no steady samples");
        return *this;
    }
    // The caches describe the samples as they were when cache_count_ of them were held: samples
    // are only ever appended (add, merge) or replaced wholesale (copy, move, which reset the
    // caches), so a change of the count is a change of the samples. add() touches no cache.
    void sync_caches() const noexcept {
        if (cache_count_ != samples_.size()) {
            cached_ = 0;
            recent_used_ = recent_next_ = 0;
            cache_count_ = samples_.size();
        }
    }
    void reset_caches() noexcept {
        cached_ = 0;
        recent_used_ = recent_next_ = 0;
        cache_count_ = no_cache;
    }
    struct Moments {
        double sum = 0.0;
        double mean = 0.0;
        double m2 = 0.0;  // sum of squared deviations from the mean
        double min = 0.0;
        double max = 0.0;
    };
    // Neumaier's compensated sum: sum + compensation carries what plain addition rounds away.
    // The rounding error of each addition is Knuth's TwoSum, exact whatever the magnitudes (the
    // same value as Neumaier's ordered form) and free of its data-dependent branch.
    struct CompensatedSum {
        double sum = 0.0;
        double compensation = 0.0;
        void add(double x) noexcept {
            const double t = sum + x;
            const double z = t - sum;
            compensation += (sum - (t - z)) + (x - z);
            sum = t;
        }
        double value() const noexcept { return sum + compensation; }
    };
    // Two passes over the samples, once per change of the samples: the sum (then the mean),
    // min and max; then the squared deviations from that mean, corrected by the deviations'
    // own sum for the rounding of the mean (Chan, Golub & LeVeque's corrected two-pass).
    const Moments& moments(const char* what) const {
        checked(what);
        sync_caches();
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

    // Order statistics. Up to collect_limit samples, a rank is one pass collecting them and an
    // nth_element; above, the first pass counts the samples per bucket of [min, max], with each
    // bucket's smallest and largest sample (kept: buckets_), so that each rank after it costs
    // nothing when its bucket holds one distinct value, else one pass collecting that bucket's
    // samples (more only where a bucket holds over collect_limit samples, e.g. a tight cluster
    // far from an outlier). The last few values found are kept too: reading p99 twice scans once.
    static constexpr std::size_t recent_capacity = 8;
    struct RecentRank {
        std::size_t index = 0;
        double value = 0.0;
    };
    static std::size_t first_level_buckets(std::size_t n) noexcept {
        std::size_t b = 1024;
        while (b < 32768 && b * 16 < n) b *= 2;  // about 16 samples a bucket, at most 768 KiB
        return b;
    }
    // The sample of 0-based `index` in ascending order (checked() already called).
    double value_at(std::size_t index) const {
        const Moments& m = moments("percentile");
        const std::size_t n = samples_.size();
        if (index == 0) return m.min;
        if (index + 1 == n) return m.max;
        for (std::size_t i = 0; i < recent_used_; ++i)
            if (recent_[i].index == index) return recent_[i].value;

        const Duration* s = samples_.data();
        const auto key_at = [s](std::size_t i) { return detail::order_key(s[i].count()); };
        detail::KeyRange range;
        range.lo = detail::order_key(m.min);
        range.hi = detail::order_key(m.max);
        range.count = n;
        const detail::SelectLimits limits;
        if (n > limits.collect_limit) {
            if ((cached_ & buckets_cached) == 0) {
                detail::count_buckets(n, key_at, range, first_level_buckets(n), buckets_);
                cached_ |= buckets_cached;
            }
            range = buckets_.bucket_of(index);
        }
        const double value = detail::key_value(detail::select_key(n, key_at, range, index, limits));
        recent_[recent_next_] = RecentRank{index, value};  // replaces the oldest when full
        recent_next_ = (recent_next_ + 1) % recent_capacity;
        recent_used_ = std::min(recent_used_ + 1, recent_capacity);
        return value;
    }

    // mdape in one pass over the samples, from the first-level buckets of the samples: the
    // error |x - m| / x falls as x rises to m and rises as x grows past it, so a bucket of
    // samples in [lo, hi] has errors between those of its ends (widened by ~90 units in the last
    // place for the rounding of the computed errors; exact for a bucket of one distinct value).
    // The middle error then lies between A, the middle of the buckets' lower bounds (each counted
    // as often as its bucket holds samples), and B, the middle of their upper bounds. One pass
    // counts the errors below A and collects those in [A, B], computing errors only for the few
    // buckets whose bounds straddle them; a bucket of one value adds its count at once. False
    // (nothing found) when that would collect more than a bounded number of samples.
    template <class ErrorOf>
    bool mdape_from_buckets(std::size_t middle, const ErrorOf& error_of, double& found) const {
        const detail::KeyBuckets& level = buckets_;
        const std::size_t used = level.buckets.size();
        // Values, each counted `count` times: two vectors of types every includer has already
        // instantiated, not a vector of a struct (docs/architecture.md, "Cheap to include").
        struct Bounds {
            std::vector<double> value;
            std::vector<std::size_t> count;
            void reserve(std::size_t n) {
                value.reserve(n);
                count.reserve(n);
            }
            void add(double v, std::size_t c) {
                value.push_back(v);
                count.push_back(c);
            }
        };
        // The smallest value whose bounds number more than `rank`, else the largest: a binary
        // search over the sorted values (std::sort on doubles, as the warm-up detection sorts).
        const auto weighted_rank = [](const Bounds& v, std::size_t rank) {
            std::vector<double> values = v.value;
            std::sort(values.data(), values.data() + values.size());
            if (values.empty()) return 0.0;
            std::size_t lo = 0, hi = values.size() - 1;
            while (lo < hi) {
                const std::size_t mid = lo + (hi - lo) / 2;
                std::size_t weight = 0;
                for (std::size_t i = 0; i < v.value.size(); ++i)
                    if (v.value[i] <= values[mid]) weight += v.count[i];
                if (weight > rank) hi = mid;
                else lo = mid + 1;
            }
            return values[lo];
        };
        const double median = value_at(middle);
        constexpr double widen = 1e-14;
        constexpr double tiny = 4 * std::numeric_limits<double>::denorm_min();
        std::vector<double> bucket_lower(used), bucket_upper(used);
        Bounds lower, upper;
        lower.reserve(used);
        upper.reserve(used);
        for (std::size_t b = 0; b < used; ++b) {
            const detail::KeyBuckets::Bucket& bucket = level.buckets[b];
            if (bucket.count == 0) continue;
            const double x_lo = detail::key_value(bucket.low), x_hi = detail::key_value(bucket.high);
            const double e_lo = error_of(x_lo), e_hi = error_of(x_hi);
            double lo = 0.0, hi = 0.0;
            if (bucket.low == bucket.high) {
                lo = hi = e_lo;  // one value: its error, exactly
            } else {
                if (x_hi < median) {
                    lo = e_hi;
                    hi = e_lo;
                } else if (x_lo > median) {
                    lo = e_lo;
                    hi = e_hi;
                } else {
                    hi = std::max(e_lo, e_hi);  // holds the median: errors from 0 up
                }
                lo = std::max(0.0, lo * (1 - widen) - tiny);
                hi = hi * (1 + widen) + tiny;
            }
            bucket_lower[b] = lo;
            bucket_upper[b] = hi;
            lower.add(lo, bucket.count);
            upper.add(hi, bucket.count);
        }
        const double a = weighted_rank(lower, middle), b_bound = weighted_rank(upper, middle);

        // The buckets whose samples are collected, one bit each (the rest have every error below
        // A, above B, or are settled).
        std::vector<std::uint64_t> collect((used + 63) / 64, 0);
        Bounds settled;  // buckets of one value with its error in [A, B]
        std::size_t below = 0, candidates = 0;
        for (std::size_t b = 0; b < used; ++b) {
            const detail::KeyBuckets::Bucket& bucket = level.buckets[b];
            if (bucket.count == 0) continue;
            if (bucket_upper[b] < a) {
                below += bucket.count;
            } else if (bucket_lower[b] <= b_bound) {
                if (bucket.low == bucket.high) {
                    settled.add(bucket_lower[b], bucket.count);
                } else {
                    collect[b / 64] |= std::uint64_t{1} << (b % 64);
                    candidates += bucket.count;
                }
            }
        }
        const detail::SelectLimits limits;
        if (candidates > 4 * limits.collect_limit) return false;
        if (candidates > 0) {
            const Duration* s = samples_.data();
            const std::uint64_t lo_key = level.range.lo;
            const unsigned shift = level.shift;
            std::vector<double> collected;
            collected.reserve(candidates);
            for (std::size_t i = 0; i < samples_.size(); ++i) {
                const double x = s[i].count();
                const auto b = static_cast<std::size_t>((detail::order_key(x) - lo_key) >> shift);
                if (((collect[b / 64] >> (b % 64)) & 1) == 0) continue;
                const double e = error_of(x);
                if (e < a) ++below;
                else if (e <= b_bound) collected.push_back(e);
            }
            for (const double e : collected) settled.add(e, 1);
        }
        if (middle < below) return false;  // not reached: A bounds the middle error from below
        std::size_t in_range = 0;
        for (const std::size_t c : settled.count) in_range += c;
        if (middle - below >= in_range) return false;  // not reached: B bounds it from above
        found = weighted_rank(settled, middle - below);
        return true;
    }

    void copy_from(const Stats& other) {
        other.owed_.settle_ready();
        samples_ = other.samples_;
        copy_scalars(other);
    }

    void move_from(Stats& other) noexcept {
        samples_ = std::move(other.samples_);
        copy_scalars(other);
        owed_.take_from(other.owed_, this);
        other.samples_.clear();
        other.reset_caches();
        other.first_call_sum_ = 0.0;
        other.set_first_call_count(0);
    }
    void copy_scalars(const Stats& other) noexcept {
        reset_caches();
        first_call_sum_ = other.first_call_sum_;
        set_first_call_count(other.first_call_count_);
    }

    // Which derived values are up to date (bits), for the samples counted by cache_count_.
    static constexpr unsigned char moments_cached = 1;
    static constexpr unsigned char mdape_cached = 2;
    static constexpr unsigned char buckets_cached = 4;
    static constexpr std::size_t no_cache = static_cast<std::size_t>(-1);

    std::vector<Duration> samples_;
    double first_call_sum_ = 0.0;
    std::size_t first_call_count_ = 0;
    std::uint64_t steady_below_ = 0;  // see add(): 0 without a first call, else the bits of +inf
    OwedSamples owed_;                // a clock that still owes this Stats samples (or an error)
    mutable std::size_t cache_count_ = no_cache;
    mutable unsigned char cached_ = 0;
    mutable std::size_t recent_used_ = 0;
    mutable std::size_t recent_next_ = 0;
    mutable RecentRank recent_[recent_capacity];
    mutable Moments moments_;
    mutable double mdape_ = 0.0;
    mutable detail::KeyBuckets buckets_;
};

}  // namespace gputime
