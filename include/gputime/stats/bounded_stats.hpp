// SPDX-License-Identifier: MIT
// gputime/stats/bounded_stats.hpp - statistics of an unbounded stream of durations in 44 KiB.
//
// gputime::Stats keeps every sample (8 bytes each), which a serving loop that runs for days
// cannot afford. BoundedStats keeps counts in logarithmic buckets instead (the layout of
// HdrHistogram, the relative-error guarantee of DDSketch): memory is fixed, whatever the count,
// and every percentile is within a known relative error of the exact one.
//
// * Buckets. Each power of two from 1 ns to 2^44 ns (17592 s, 4.9 hours) is split into 128
//   equal buckets: a bucket is [a, b) with b / a <= 1 + 1/128, its bounds are exact doubles
//   (the bucket of x is read off x's exponent and top 7 mantissa bits; no log(), no rounding),
//   so the same samples give the same counts on every platform, and merging adds counts.
//   5632 buckets of 64-bit counts, plus one for [0, 1 ns) and one for [2^44 ns, inf):
//   memory_bytes() is 45072 bytes (44 KiB), allocated once at the first sample.
// * Percentiles use Stats' nearest-rank definition (rank ceil(p/100 * n), p read to 1e-9 %), on
//   the bucket counts: the bucket that holds the sample of that rank is found exactly, and
//   reported by the value that is closest to every point of it in relative terms,
//   2ab / (a + b), clamped to [min, max]. For a percentile whose exact value x lies in
//   [1 ns, 2^44 ns): |percentile(p) - x| / x <= max_relative_error = 1/257 (0.39%).
//   percentile(0) and percentile(100) are the exact min and max.
// * Outside [1 ns, 2^44 ns) nothing is lost but the relative bound does not hold: samples below
//   1 ns (0 included) are counted in one bucket (underflow_count()), samples at or above 2^44 ns
//   in another (overflow_count()); a percentile that falls among them is reported as the exact
//   min() (below) or max() (above). count(), mean(), min(), max(), total() count them exactly.
// * Exact where it can be: count(), min(), max() exactly; mean() and total() from a compensated
//   (Neumaier) sum of every sample; stddev() from Welford's update on the samples less the first
//   one (one pass, merged with Chan et al.'s formula), within ~1e-9 relative of the exact value
//   on ordinary latencies and on durations with a small spread on a large offset; Stats'
//   two-pass stddev is exact to the last digits.
// * mdape() (nanobench's err%) is computed on the bucket representatives: within
//   (2/256) * (1 + exact mdape) of the exact value (0.78 points at small err%) for samples in
//   range.
// * The first call is kept apart exactly as in Stats: the first duration added (or the one
//   given to set_first_call) is first_call(); merge() pools first calls and averages them.
// * merge() is exact on the counts: merging sketches of parts gives the sketch of the whole,
//   count for count, so percentiles, min and max are bit-identical to those of one sketch fed
//   everything (mean and stddev to rounding).
// * Bad input, as in Stats: add(), add_steady() and set_first_call() refuse a NaN, infinite or
//   negative duration with gputime::InvalidArgument (parameter() "duration"), percentile() a
//   p outside [0, 100] (parameter() "p"); the BoundedStats is then unchanged. Reading a
//   statistic without steady samples throws std::logic_error.
//
// Not thread-safe; gputime::SharedBoundedStats (gputime/stats/shared_stats.hpp) is, with per-thread
// shards merged on read.
#pragma once

#include <gputime/stats/detail/rank_select.hpp>
#include <gputime/core/detail/sample_checks.hpp>
#include <gputime/core/duration.hpp>
#include <gputime/core/error.hpp>
#include <gputime/stats/stats.hpp>

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

class BoundedStats {
public:
    /// Buckets per power of two (2^sub_bucket_bits).
    static constexpr int sub_bucket_bits = 7;
    /// Powers of two covered with the relative bound: [2^0 ns, 2^44 ns).
    static constexpr int binades = 44;
    static constexpr std::size_t bucket_count = std::size_t{binades} << sub_bucket_bits;  // 5632
    /// The range the relative bound covers: [lowest, highest) nanoseconds.
    static constexpr double lowest_ns = 1.0;
    static constexpr double highest_ns = 17592186044416.0;  // 2^44 ns = 17592 s
    /// |percentile(p) - exact| / exact for an exact percentile in [lowest_ns, highest_ns):
    /// the widest bucket is [a, a (1 + 1/128)), whose representative is (1/128) / (2 + 1/128)
    /// = 1/257 away from either end, relatively.
    static constexpr double max_relative_error = 1.0 / 257.0;

    BoundedStats() = default;
    BoundedStats(const BoundedStats&) = default;
    BoundedStats& operator=(const BoundedStats&) = default;
    /// A moved-from BoundedStats is empty (and usable).
    BoundedStats(BoundedStats&& other) noexcept { take(other); }
    BoundedStats& operator=(BoundedStats&& other) noexcept {
        if (this != &other) take(other);
        return *this;
    }
    ~BoundedStats() = default;

    /// Adds one duration: the first ever becomes the first call, later ones steady samples.
    /// Throws InvalidArgument (parameter "duration") for a NaN, infinite or negative `d`.
    void add(Duration d) {
        // As Stats::add: one compare passes the valid steady samples (+0 or positive, finite)
        // once a first call is recorded and the counts exist; the rest is out of line.
        const std::uint64_t key = detail::order_key(d.count());
        if (key < steady_below_) {
            record(d.count(), key);
            return;
        }
        add_rare(d.count());
    }
    /// Records `d` as the first call; every later add() is a steady sample. Throws
    /// InvalidArgument for a bad `d`, std::logic_error if a first call is already recorded.
    void set_first_call(Duration d) {
        if (!detail::valid_duration(d.count()))
            detail::throw_invalid_duration("BoundedStats::set_first_call", d.count());
        if (first_call_count_ != 0)
            throw std::logic_error("gputime::BoundedStats: the first call is already recorded");
        ensure_counts();
        first_call_sum_ = d.count() + 0.0;
        set_first_call_count(1);
    }
    /// Adds a steady sample, bypassing the first-call rule. Throws InvalidArgument for a bad `d`.
    void add_steady(Duration d) {
        const double x = d.count();
        if (!detail::valid_duration(x)) detail::throw_invalid_duration("BoundedStats::add_steady", x);
        ensure_counts();
        record(x + 0.0, detail::order_key(x + 0.0));
    }

    /// Pools `other` into this sketch: counts add exactly, first calls pool.
    void merge(const BoundedStats& other) {
        if (&other == this) {
            const BoundedStats copy(other);
            merge(copy);
            return;
        }
        if (other.count_ != 0) {
            ensure_counts();
            for (std::size_t i = 0; i < slots; ++i) counts_[i] += other.counts_[i];
            if (count_ == 0) {
                min_ = other.min_;
                max_ = other.max_;
            } else {
                min_ = std::min(min_, other.min_);
                max_ = std::max(max_, other.max_);
            }
            sum_.add(other.sum_.sum);
            sum_.add(other.sum_.compensation);
            // Chan, Golub & LeVeque: the pooled sum of squared deviations (means relative to
            // this sketch's shift).
            if (count_ == 0) {
                shift_ = other.shift_;
                welford_mean_ = other.welford_mean_;
                m2_ = other.m2_;
            } else {
                const double na = static_cast<double>(count_), nb = static_cast<double>(other.count_);
                const double delta = (other.shift_ - shift_) + (other.welford_mean_ - welford_mean_);
                const double n = na + nb;
                welford_mean_ += delta * (nb / n);
                m2_ += other.m2_ + delta * delta * (na * nb / n);
            }
            count_ += other.count_;
        }
        if (other.first_call_count_ != 0) {
            ensure_counts();
            first_call_sum_ += other.first_call_sum_;
            set_first_call_count(first_call_count_ + other.first_call_count_);
        }
    }

    /// Steady samples (the first call is not counted).
    std::uint64_t count() const noexcept { return count_; }
    /// Every call recorded: steady samples plus first calls.
    std::uint64_t calls() const noexcept { return count_ + first_call_count_; }
    bool has_first_call() const noexcept { return first_call_count_ != 0; }
    std::uint64_t first_call_count() const noexcept { return first_call_count_; }
    Duration first_call() const {
        if (first_call_count_ == 0) throw std::logic_error("gputime::BoundedStats::first_call: nothing recorded");
        return Duration{first_call_sum_ / static_cast<double>(first_call_count_)};
    }
    /// first_call() - p50().
    Duration first_call_overhead() const { return first_call() - p50(); }

    Duration mean() const {
        checked("mean");
        return Duration{std::min(std::max(sum_.value() / static_cast<double>(count_), min_), max_)};
    }
    /// Sample standard deviation (n - 1), 0 for a single sample (Welford; see the header).
    Duration stddev() const {
        checked("stddev");
        return Duration{count_ < 2 ? 0.0 : std::sqrt(std::max(0.0, m2_) / static_cast<double>(count_ - 1))};
    }
    double relative_stddev() const {
        const double m = mean().count();
        return m == 0.0 ? 0.0 : stddev().count() / m;
    }
    Duration min() const {
        checked("min");
        return Duration{min_};
    }
    Duration max() const {
        checked("max");
        return Duration{max_};
    }
    Duration total() const {
        checked("total");
        return Duration{sum_.value()};
    }

    /// Nearest-rank percentile on the bucket counts (see the header): within
    /// max_relative_error of the exact one for samples in [lowest_ns, highest_ns).
    /// Throws InvalidArgument (parameter "p") for a NaN p or one outside [0, 100].
    Duration percentile(double p) const {
        detail::check_percent("BoundedStats::percentile", p);
        checked("percentile");
        return Duration{value_at(Stats::nearest_rank_index(p, static_cast<std::size_t>(count_)))};
    }
    Duration p50() const { return percentile(50.0); }
    Duration p90() const { return percentile(90.0); }
    Duration p99() const { return percentile(99.0); }
    Duration p999() const { return percentile(99.9); }
    Duration median() const { return p50(); }

    /// nanobench's err% on the bucket representatives (see the header for its accuracy).
    double mdape() const {
        checked("mdape");
        const std::size_t middle = Stats::nearest_rank_index(50.0, static_cast<std::size_t>(count_));
        const std::size_t median_slot = slot_of_rank(middle);
        const double median = value_at(middle);
        const auto error_of = [&](std::size_t slot) {
            const double v = representative(slot);
            return v == 0.0 ? (median == 0.0 ? 0.0 : std::numeric_limits<double>::infinity())
                            : std::fabs(v - median) / v;
        };
        // The errors grow away from the median's bucket on both sides: merge the two runs
        // (down from the median's bucket, up from the one above it) until the middle rank.
        std::size_t down = median_slot + 1;  // next slot to take going down is down - 1
        std::size_t up = median_slot + 1;
        std::uint64_t taken = 0;
        double error = 0.0;
        for (;;) {
            while (down > 0 && counts_[down - 1] == 0) --down;
            while (up < slots && counts_[up] == 0) ++up;
            const bool has_down = down > 0, has_up = up < slots;
            if (!has_down && !has_up) break;  // not reached: the counts hold count_ samples
            const double e_down = has_down ? error_of(down - 1) : std::numeric_limits<double>::infinity();
            const double e_up = has_up ? error_of(up) : std::numeric_limits<double>::infinity();
            std::size_t slot = 0;
            if (has_down && (!has_up || e_down <= e_up)) {
                slot = --down;
                error = e_down;
            } else {
                slot = up++;
                error = e_up;
            }
            taken += counts_[slot];
            if (taken > middle) break;
        }
        return error;
    }

    /// Samples below lowest_ns (0 included) and at or above highest_ns: counted, but outside
    /// the relative bound.
    std::uint64_t underflow_count() const noexcept { return counts_.empty() ? 0 : counts_.front(); }
    std::uint64_t overflow_count() const noexcept { return counts_.empty() ? 0 : counts_.back(); }

    /// The steady samples counted in bucket i (0 .. bucket_count - 1), i.e. in
    /// [bucket_lower(i), bucket_upper(i)).
    std::uint64_t bucket(std::size_t i) const {
        if (i >= bucket_count)
            throw InvalidArgument("BoundedStats::bucket", "i",
                                  "must be below " + std::to_string(bucket_count) + ", got " + std::to_string(i));
        return counts_.empty() ? 0 : counts_[i + 1];
    }
    static Duration bucket_lower(std::size_t i) noexcept {
        return Duration{detail::key_value((static_cast<std::uint64_t>(i) + base_slot) << mantissa_shift)};
    }
    static Duration bucket_upper(std::size_t i) noexcept { return bucket_lower(i + 1); }
    /// The bucket a duration in [lowest_ns, highest_ns) falls in; bucket_count for one outside.
    static std::size_t bucket_index(Duration d) noexcept {
        const double x = d.count();
        if (!(x >= lowest_ns && x < highest_ns)) return bucket_count;
        return static_cast<std::size_t>((detail::order_key(x) >> mantissa_shift) - base_slot);
    }

    /// Heap bytes held: the counts (45072 bytes once a sample was added), whatever the count.
    std::size_t memory_bytes() const noexcept { return counts_.capacity() * sizeof(std::uint64_t); }

    /// Same counts, first calls, min and max (so the same percentiles); mean and stddev may
    /// differ by rounding.
    friend bool same_counts(const BoundedStats& a, const BoundedStats& b) {
        if (a.count_ != b.count_ || a.first_call_count_ != b.first_call_count_) return false;
        if (a.count_ != 0 && (a.min_ != b.min_ || a.max_ != b.max_)) return false;
        for (std::size_t i = 0; i < slots; ++i) {
            const std::uint64_t ca = a.counts_.empty() ? 0 : a.counts_[i];
            const std::uint64_t cb = b.counts_.empty() ? 0 : b.counts_[i];
            if (ca != cb) return false;
        }
        return true;
    }

private:
    // counts_[0]: [0, 1 ns); counts_[1 + i]: bucket i; counts_[slots - 1]: [2^44 ns, inf).
    static constexpr std::size_t slots = bucket_count + 2;
    static constexpr unsigned mantissa_shift = 52 - sub_bucket_bits;
    // (key of 1.0) >> mantissa_shift: bucket i is (key >> mantissa_shift) - base_slot.
    static constexpr std::uint64_t base_slot = std::uint64_t{0x3FF0000000000000} >> mantissa_shift;

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

    // x valid and not -0; key its bits; counts_ allocated.
    void record(double x, std::uint64_t key) noexcept {
        const std::uint64_t bucket = (key >> mantissa_shift) - base_slot;  // wraps below 1 ns
        std::size_t slot = bucket < bucket_count ? static_cast<std::size_t>(bucket) + 1
                                                 : (x < lowest_ns ? 0 : slots - 1);
        ++counts_[slot];
        if (count_ == 0) {
            min_ = max_ = x;
        } else {
            min_ = std::min(min_, x);
            max_ = std::max(max_, x);
        }
        ++count_;
        sum_.add(x);
        // Welford's update on x - shift_ (the first steady sample): shifted, durations on a
        // large offset keep the digits of their spread (x - shift_ is exact within a factor 2).
        if (count_ == 1) shift_ = x;
        const double y = x - shift_;
        const double delta = y - welford_mean_;
        welford_mean_ += delta / static_cast<double>(count_);
        m2_ += delta * (y - welford_mean_);
    }
    GPUTIME_NOINLINE_COLD void add_rare(double x) {
        if (!detail::valid_duration(x)) detail::throw_invalid_duration("BoundedStats::add", x);
        ensure_counts();
        if (first_call_count_ == 0) {
            first_call_sum_ = x + 0.0;
            set_first_call_count(1);
            return;
        }
        record(x + 0.0, detail::order_key(x + 0.0));  // a -0 (or a first sample after a move)
    }
    void ensure_counts() {
        if (counts_.empty()) {
            counts_.assign(slots, 0);
            set_first_call_count(first_call_count_);
        }
    }
    void set_first_call_count(std::uint64_t count) noexcept {
        first_call_count_ = count;
        steady_below_ = count == 0 || counts_.empty() ? 0 : detail::order_key(std::numeric_limits<double>::infinity());
    }
    void checked(const char* what) const {
        if (count_ == 0) throw std::logic_error(std::string("gputime::BoundedStats::") + what + ": no steady samples");
    }
    // The value reported for a slot: its bucket's representative, clamped to [min, max].
    double representative(std::size_t slot) const noexcept {
        if (slot == 0) return min_;
        if (slot == slots - 1) return max_;
        const double a = bucket_lower(slot - 1).count(), b = bucket_upper(slot - 1).count();
        return std::min(std::max(2.0 * a * b / (a + b), min_), max_);
    }
    std::size_t slot_of_rank(std::size_t index) const noexcept {
        std::uint64_t below = 0;
        for (std::size_t slot = 0; slot < slots; ++slot) {
            below += counts_[slot];
            if (below > index) return slot;
        }
        return slots - 1;
    }
    double value_at(std::size_t index) const noexcept {
        if (index == 0) return min_;
        if (index + 1 == count_) return max_;
        return representative(slot_of_rank(index));
    }

    void take(BoundedStats& other) noexcept {
        counts_ = std::move(other.counts_);
        other.counts_.clear();
        steady_below_ = other.steady_below_;
        count_ = other.count_;
        min_ = other.min_;
        max_ = other.max_;
        sum_ = other.sum_;
        shift_ = other.shift_;
        welford_mean_ = other.welford_mean_;
        m2_ = other.m2_;
        first_call_sum_ = other.first_call_sum_;
        first_call_count_ = other.first_call_count_;
        other.steady_below_ = 0;  // no counts: its next add() goes out of line and makes them
        other.count_ = 0;
        other.min_ = other.max_ = 0.0;
        other.sum_ = CompensatedSum{};
        other.shift_ = other.welford_mean_ = other.m2_ = 0.0;
        other.first_call_sum_ = 0.0;
        other.first_call_count_ = 0;
    }

    std::vector<std::uint64_t> counts_;  // empty until the first sample
    std::uint64_t steady_below_ = 0;     // see add(): 0 until a first call and the counts exist
    std::uint64_t count_ = 0;
    double min_ = 0.0;
    double max_ = 0.0;
    CompensatedSum sum_;
    double shift_ = 0.0;         // the first steady sample: Welford runs on x - shift_
    double welford_mean_ = 0.0;  // mean of x - shift_
    double m2_ = 0.0;
    double first_call_sum_ = 0.0;
    std::uint64_t first_call_count_ = 0;
};

}  // namespace gputime
