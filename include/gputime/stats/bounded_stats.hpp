// SPDX-License-Identifier: MIT
// gputime/stats/bounded_stats.hpp - statistics of an unbounded stream of durations in at most
// 64 KiB, in the bucket layout of OpenTelemetry's exponential histograms and Prometheus' native
// histograms.
//
//   gputime::BoundedStats latency;                 // scale 7: every percentile within 0.271%
//   latency.add(d);                                // a few ns, no allocation once warm
//   latency.p99();  latency.histogram();           // ExponentialHistogram for an exporter
//
// Fixed memory, every percentile within max_relative_error(), exact merges. The rules (buckets,
// accuracy, merging, bad input): docs/statistics.md, "BoundedStats".
#pragma once

#include <gputime/core/detail/sample_checks.hpp>
#include <gputime/core/duration.hpp>
#include <gputime/core/error.hpp>
#include <gputime/stats/detail/exponential_index.hpp>
#include <gputime/stats/detail/rank_select.hpp>
#include <gputime/stats/detail/shifted_moments.hpp>
#include <gputime/stats/exponential_histogram.hpp>
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

class SharedBoundedStats;

/// Statistics of an unbounded stream of durations in bounded memory (at most 64 KiB): exact
/// count, min, max, mean and first call; percentiles within max_relative_error() (0.271% at the
/// default scale) from exponential buckets that export to OpenTelemetry and Prometheus as they
/// are. Not thread-safe: SharedBoundedStats is.
class BoundedStats {
public:
    /// base = 2^(2^-7) = 1.00543: percentiles within 0.271%.
    static constexpr int default_scale = 7;
    /// The most buckets kept (64 KiB of counts); a wider stream lowers the scale.
    static constexpr std::size_t max_buckets = 8192;

    BoundedStats() : BoundedStats(default_scale) {}
    /// Throws InvalidArgument ("scale") for a scale outside [-4, 8].
    explicit BoundedStats(int scale) : indexer_(checked_scale(scale)), scale_(scale) {}
    BoundedStats(const BoundedStats&) = default;             ///< Copies every count.
    BoundedStats& operator=(const BoundedStats&) = default;  ///< Copies every count.
    /// A moved-from BoundedStats is empty (and usable, at the scale `other` had when moved).
    BoundedStats(BoundedStats&& other) noexcept : indexer_(other.indexer_), scale_(other.scale_) { take(other); }
    /// As the move constructor: `other` is left empty.
    BoundedStats& operator=(BoundedStats&& other) noexcept {
        if (this != &other) take(other);
        return *this;
    }
    ~BoundedStats() = default;

    /// Adds one duration: the first ever becomes the first call, later ones steady samples.
    /// Throws InvalidArgument (parameter "duration") for a NaN, infinite or negative `d`.
    void add(Duration d) {
        // As Stats::add: one compare passes the valid steady samples (+0 or positive, finite)
        // once a first call and a first steady sample are recorded; the rest is out of line.
        const double x = d.count();
        if (detail::order_key(x) < steady_below_) {
            record(x);
            return;
        }
        add_rare(x);
    }
    /// Records `d` as the first call; every later add() is a steady sample. Throws
    /// InvalidArgument for a bad `d`, std::logic_error if a first call is already recorded.
    void set_first_call(Duration d) {
        if (!detail::valid_duration(d.count()))
            detail::throw_invalid_duration("BoundedStats::set_first_call", d.count());
        if (first_call_count_ != 0) throw std::logic_error("gputime::BoundedStats: the first call is already recorded");
        first_call_sum_ = d.count() + 0.0;
        set_first_call_count(1);
    }
    /// Adds a steady sample, bypassing the first-call rule. Throws InvalidArgument for a bad `d`.
    void add_steady(Duration d) {
        const double x = d.count();
        if (!detail::valid_duration(x)) detail::throw_invalid_duration("BoundedStats::add_steady", x);
        record_any(x + 0.0);
    }

    /// Pools `other` into this sketch: counts add exactly (at the coarser scale), first calls pool.
    void merge(const BoundedStats& other) {
        if (&other == this) {
            merge(BoundedStats(other));  // a copy: merging into itself would read what it writes
            return;
        }
        if (other.count_ != 0) {
            if (other.scale_ < scale_) downscale_by(scale_ - other.scale_);
            std::size_t first = 0, end = other.counts_.size();
            while (first < end && other.counts_[first] == 0) ++first;
            while (end > first && other.counts_[end - 1] == 0) --end;
            if (first < end) {
                cover(other.offset_ + static_cast<std::int64_t>(first),
                      other.offset_ + static_cast<std::int64_t>(end) - 1, other.scale_);
                const int d = other.scale_ - scale_;
                for (std::size_t i = first; i < end; ++i)
                    counts_[static_cast<std::size_t>(
                        detail::floor_shift(other.offset_ + static_cast<std::int64_t>(i), d) - offset_)] +=
                        other.counts_[i];
            }
            zero_count_ += other.zero_count_;
            if (count_ == 0) {
                min_ = other.min_;
                max_ = other.max_;
            } else {
                min_ = std::min(min_, other.min_);
                max_ = std::max(max_, other.max_);
            }
            count_ += other.count_;
            moments_.merge(other.moments_);
        }
        if (other.first_call_count_ != 0) {
            first_call_sum_ += other.first_call_sum_;
            first_call_count_ += other.first_call_count_;
        }
        update_steady_below();
    }

    /// The counts as an exponential histogram (seconds), for exporters: see
    /// gputime/stats/exponential_histogram.hpp.
    ExponentialHistogram histogram() const {
        ExponentialHistogram h;
        h.scale = scale_;
        h.zero_count = zero_count_;
        std::size_t first = 0, end = counts_.size();
        while (first < end && counts_[first] == 0) ++first;
        while (end > first && counts_[end - 1] == 0) --end;
        h.offset = static_cast<std::int32_t>(first < end ? offset_ + static_cast<std::int64_t>(first) : 0);
        h.counts.assign(counts_.begin() + static_cast<std::ptrdiff_t>(first),
                        counts_.begin() + static_cast<std::ptrdiff_t>(end));
        h.count = count_;
        if (count_ != 0) {
            h.sum_seconds = moments_.sum() / 1e9;
            h.min_seconds = min_ / 1e9;
            h.max_seconds = max_ / 1e9;
            h.sum_squared_deviations = moments_.sum_squared_deviations() / 1e18;
        }
        h.first_call_count = first_call_count_;
        h.first_call_sum_seconds = first_call_sum_ / 1e9;
        return h;
    }
    /// The sketch an ExponentialHistogram describes (e.g. one read back from another process):
    /// the same counts (buckets at or below the zero threshold, 2^-48 s, join zero_count); min,
    /// max, mean and stddev to rounding (seconds to nanoseconds). Throws
    /// InvalidArgument naming the field that is out of range or inconsistent ("scale",
    /// "count", "min_seconds", ...).
    static BoundedStats from_histogram(const ExponentialHistogram& h) {
        const char* where = "BoundedStats::from_histogram";
        ExponentialHistogram::check_scale(where, h.scale);
        std::uint64_t total = h.zero_count;
        for (const std::uint64_t c : h.counts) {
            if (total + c < total) throw InvalidArgument(where, "counts", "their sum overflows 64 bits");
            total += c;
        }
        if (total != h.count)
            throw InvalidArgument(where, "count",
                                  "must be zero_count + the sum of counts (" + std::to_string(total) + "), got " +
                                      std::to_string(h.count));
        if (static_cast<std::int64_t>(h.offset) + static_cast<std::int64_t>(h.counts.size()) >
            std::numeric_limits<std::int32_t>::max())
            throw InvalidArgument(where, "offset", "the last bucket's index overflows 32 bits");
        const auto check_value = [&](const char* field, double v) {
            if (!detail::valid_duration(v))
                throw InvalidArgument(where, field, "must be finite and >= 0, got " + detail::describe_number(v));
        };
        check_value("first_call_sum_seconds", h.first_call_sum_seconds);
        if (h.first_call_count == 0 && h.first_call_sum_seconds != 0.0)
            throw InvalidArgument(where, "first_call_sum_seconds", "must be 0 without a first call");
        BoundedStats b(h.scale);
        if (h.count != 0) {
            check_value("min_seconds", h.min_seconds);
            check_value("max_seconds", h.max_seconds);
            check_value("sum_seconds", h.sum_seconds);
            check_value("sum_squared_deviations", h.sum_squared_deviations);
            if (h.min_seconds > h.max_seconds)
                throw InvalidArgument(where, "min_seconds",
                                      "must not exceed max_seconds (" + detail::describe_number(h.max_seconds) +
                                          "), got " + detail::describe_number(h.min_seconds));
            b.min_ = h.min_seconds * 1e9;
            b.max_ = h.max_seconds * 1e9;
            b.count_ = h.count;
            b.zero_count_ = h.zero_count;
            std::size_t first = 0, end = h.counts.size();
            // Buckets at or below the zero threshold hold what add() counts as zero.
            while (first < end && h.offset + static_cast<std::int64_t>(first) < zero_index(h.scale))
                b.zero_count_ += h.counts[first++];
            while (first < end && h.counts[first] == 0) ++first;
            while (end > first && h.counts[end - 1] == 0) --end;
            if (first < end) {
                const std::int64_t lo = h.offset + static_cast<std::int64_t>(first);
                b.cover(lo, h.offset + static_cast<std::int64_t>(end) - 1, h.scale);
                const int d = h.scale - b.scale_;
                for (std::size_t i = first; i < end; ++i)
                    b.counts_[static_cast<std::size_t>(detail::floor_shift(h.offset + static_cast<std::int64_t>(i), d) -
                                                       b.offset_)] += h.counts[i];
            }
            b.moments_ = detail::ShiftedMoments::from_summary(
                h.count, h.sum_seconds * 1e9 / static_cast<double>(h.count), h.sum_squared_deviations * 1e18);
        }
        b.first_call_count_ = h.first_call_count;
        b.first_call_sum_ = h.first_call_sum_seconds * 1e9;
        b.update_steady_below();
        return b;
    }

    /// The current scale: the one it was made with, unless a wide stream or a merge lowered it.
    int scale() const noexcept { return scale_; }
    /// The percentile bound at this scale: (base - 1) / (base + 1), plus 1e-12 of it for the
    /// rounding of the computed bucket bounds.
    double max_relative_error() const noexcept { return relative_error_of(scale_); }
    /// max_relative_error() at `scale`: 0.00271 at 7, 0.00542 at 6, 0.00135 at 8.
    static double relative_error_of(int scale) noexcept {
        const double base = std::exp2(std::ldexp(1.0, -scale));
        return (base - 1.0) / (base + 1.0) * (1.0 + 1e-12);
    }

    /// Steady samples (the first call is not counted).
    std::uint64_t count() const noexcept { return count_; }
    /// Every call recorded: steady samples plus first calls.
    std::uint64_t calls() const noexcept { return count_ + first_call_count_; }
    /// A first call is recorded.
    bool has_first_call() const noexcept { return first_call_count_ != 0; }
    /// First calls pooled here: 1, or more after merge() (one per merged part that had one).
    std::uint64_t first_call_count() const noexcept { return first_call_count_; }
    /// The first call (the mean of the pooled first calls after a merge()). Throws
    /// std::logic_error when none is recorded.
    Duration first_call() const {
        if (first_call_count_ == 0) throw std::logic_error("gputime::BoundedStats::first_call: nothing recorded");
        return Duration{first_call_sum_ / static_cast<double>(first_call_count_)};
    }
    /// first_call() - p50().
    Duration first_call_overhead() const { return first_call() - p50(); }
    /// Steady samples of at most 2^-48 s (0 included): counted apart from the buckets.
    std::uint64_t zero_count() const noexcept { return zero_count_; }

    /// Mean of the steady samples (exact to ~1e-15 relative). As every statistic below, throws
    /// std::logic_error when there is no steady sample.
    Duration mean() const {
        checked("mean");
        return Duration{std::min(std::max(moments_.mean(), min_), max_)};
    }
    /// Sample standard deviation (n - 1), 0 for a single sample.
    Duration stddev() const {
        checked("stddev");
        return Duration{std::sqrt(moments_.variance())};
    }
    /// stddev() / mean(); 0 when the mean is 0.
    double relative_stddev() const {
        const double m = mean().count();
        return m == 0.0 ? 0.0 : stddev().count() / m;
    }
    /// Smallest steady sample, exact.
    Duration min() const {
        checked("min");
        return Duration{min_};
    }
    /// Largest steady sample, exact.
    Duration max() const {
        checked("max");
        return Duration{max_};
    }
    /// Sum of the steady samples.
    Duration total() const {
        checked("total");
        return Duration{moments_.sum()};
    }

    /// Nearest-rank percentile on the bucket counts (see the header): within
    /// max_relative_error() of the exact one for samples above 2^-48 s.
    /// Throws InvalidArgument (parameter "p") for a NaN p or one outside [0, 100].
    Duration percentile(double p) const {
        detail::check_percent("BoundedStats::percentile", p);
        checked("percentile");
        return Duration{value_at(Stats::nearest_rank_index(p, static_cast<std::size_t>(count_)))};
    }
    Duration p50() const { return percentile(50.0); }   ///< percentile(50).
    Duration p90() const { return percentile(90.0); }   ///< percentile(90).
    Duration p99() const { return percentile(99.0); }   ///< percentile(99).
    Duration p999() const { return percentile(99.9); }  ///< percentile(99.9).
    Duration median() const { return p50(); }           ///< p50().

    /// nanobench's err% on the bucket representatives (see the header for its accuracy).
    double mdape() const {
        checked("mdape");
        const std::size_t middle = Stats::nearest_rank_index(50.0, static_cast<std::size_t>(count_));
        const std::size_t median_slot = slot_of_rank(middle);
        const double median = value_at(middle);
        const auto error_of = [&](std::size_t slot) {
            const double v = slot_value(slot);
            return v == 0.0 ? (median == 0.0 ? 0.0 : std::numeric_limits<double>::infinity())
                            : std::fabs(v - median) / v;
        };
        // The errors grow away from the median's slot on both sides: merge the two runs
        // (down from the median's slot, up from the one above it) until the middle rank.
        const std::size_t slots = counts_.size() + 1;
        std::size_t down = median_slot + 1;  // next slot to take going down is down - 1
        std::size_t up = median_slot + 1;
        std::uint64_t taken = 0;
        double error = 0.0;
        for (;;) {
            while (down > 0 && slot_count(down - 1) == 0) --down;
            while (up < slots && slot_count(up) == 0) ++up;
            const bool has_down = down > 0, has_up = up < slots;
            if (!has_down && !has_up) break;  // not reached: the slots hold count_ samples
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
            taken += slot_count(slot);
            if (taken > middle) break;
        }
        return error;
    }

    /// Heap bytes held: 8 per bucket between the smallest and largest duration (at most 64 KiB).
    std::size_t memory_bytes() const noexcept { return counts_.capacity() * sizeof(std::uint64_t); }

    /// Same scale, counts, first calls, min and max (so the same percentiles); mean and stddev
    /// may differ by rounding.
    friend bool same_counts(const BoundedStats& a, const BoundedStats& b) {
        if (a.scale_ != b.scale_ || a.count_ != b.count_ || a.zero_count_ != b.zero_count_ ||
            a.first_call_count_ != b.first_call_count_)
            return false;
        if (a.count_ != 0 && (a.min_ != b.min_ || a.max_ != b.max_)) return false;
        const ExponentialHistogram ha = a.histogram(), hb = b.histogram();
        return ha.offset == hb.offset && ha.counts == hb.counts;
    }

private:
    friend class SharedBoundedStats;

    static int checked_scale(int scale) {
        ExponentialHistogram::check_scale("BoundedStats", scale);
        return scale;
    }
    // The lowest bucket index above the zero threshold (2^-48 s is a boundary at every scale).
    static std::int64_t zero_index(int scale) noexcept {
        return scale >= 0 ? -48 * (std::int64_t{1} << scale) : -(std::int64_t{48} >> -scale);
    }

    // A valid steady sample (+0 or positive, finite, not -0) once the window exists.
    void record(double x) noexcept {
        const std::int64_t index = indexer_(x);
        const std::uint64_t slot = static_cast<std::uint64_t>(index - offset_);
        if (slot < counts_.size()) ++counts_[static_cast<std::size_t>(slot)];
        else record_outside(x, index);
        ++count_;
        min_ = x < min_ ? x : min_;
        max_ = x > max_ ? x : max_;
        moments_.add(x);
    }
    GPUTIME_NOINLINE_COLD void record_outside(double x, std::int64_t index) {
        if (x <= ExponentialHistogram::zero_threshold_ns) {
            ++zero_count_;
            return;
        }
        const int before = scale_;
        cover(index, index, before);
        ++counts_[static_cast<std::size_t>(detail::floor_shift(index, before - scale_) - offset_)];
    }
    // A valid steady sample, +0 for -0, whatever the state.
    void record_any(double x) {
        if (count_ != 0) {
            record(x);
            return;
        }
        count_ = 0;
        min_ = max_ = x;
        moments_.start(x);
        if (x <= ExponentialHistogram::zero_threshold_ns) {
            zero_count_ = 1;
        } else {
            const std::int64_t index = indexer_(x);
            cover(index, index, scale_);
            ++counts_[static_cast<std::size_t>(index - offset_)];
        }
        count_ = 1;
        update_steady_below();
    }
    GPUTIME_NOINLINE_COLD void add_rare(double x) {
        if (!detail::valid_duration(x)) detail::throw_invalid_duration("BoundedStats::add", x);
        if (first_call_count_ == 0) {
            first_call_sum_ = x + 0.0;
            set_first_call_count(1);
            return;
        }
        record_any(x + 0.0);  // the first steady sample, or a -0
    }
    void set_first_call_count(std::uint64_t count) noexcept {
        first_call_count_ = count;
        update_steady_below();
    }
    void update_steady_below() noexcept {
        steady_below_ =
            first_call_count_ == 0 || count_ == 0 ? 0 : detail::order_key(std::numeric_limits<double>::infinity());
    }
    void checked(const char* what) const {
        if (count_ == 0) throw std::logic_error(std::string("gputime::BoundedStats::") + what + ": no steady samples");
    }

    // Makes the window hold the buckets [lo, hi] given at scale `at` (>= scale_), growing it
    // (doubling, at most max_buckets) or lowering the scale until their span fits.
    void cover(std::int64_t lo, std::int64_t hi, int at) {
        for (;;) {
            const int d = at - scale_;
            const std::int64_t l = detail::floor_shift(lo, d), h = detail::floor_shift(hi, d);
            const std::int64_t size = static_cast<std::int64_t>(counts_.size());
            if (size != 0 && l >= offset_ && h < offset_ + size) return;
            // The buckets in use (not the window's empty margins) and [l, h].
            std::int64_t used_lo = 0, used_hi = size - 1;
            while (used_lo < size && counts_[static_cast<std::size_t>(used_lo)] == 0) ++used_lo;
            while (used_hi >= used_lo && counts_[static_cast<std::size_t>(used_hi)] == 0) --used_hi;
            const bool any = used_lo <= used_hi;
            const std::int64_t need_lo = any ? std::min(offset_ + used_lo, l) : l;
            const std::int64_t need_hi = any ? std::max(offset_ + used_hi, h) : h;
            const std::int64_t needed = need_hi - need_lo + 1;
            if (needed <= static_cast<std::int64_t>(max_buckets)) {
                // A quarter more than needed (a tail that keeps extending grows the window a few
                // times, not once per sample), four binades at first, half of the margin on each side.
                const std::int64_t initial = std::int64_t{4} << std::max(scale_, 0);
                const std::int64_t new_size = std::min<std::int64_t>(static_cast<std::int64_t>(max_buckets),
                                                                     std::max(needed + needed / 4 + 16, initial));
                const std::int64_t extra = new_size - needed;
                const std::int64_t new_lo = std::max(need_lo - extra / 2, zero_index(scale_));
                std::vector<std::uint64_t> grown(static_cast<std::size_t>(new_size), 0);
                for (std::int64_t i = used_lo; i <= used_hi; ++i)
                    grown[static_cast<std::size_t>(offset_ + i - new_lo)] = counts_[static_cast<std::size_t>(i)];
                counts_ = std::move(grown);
                offset_ = new_lo;
                return;
            }
            downscale_by(1);
        }
    }
    void downscale_by(int d) {
        if (d <= 0) return;
        scale_ -= d;
        indexer_ = detail::ExponentialIndexer(scale_);
        if (counts_.empty()) return;
        const std::int64_t lo = detail::floor_shift(offset_, d);
        const std::int64_t hi = detail::floor_shift(offset_ + static_cast<std::int64_t>(counts_.size()) - 1, d);
        std::vector<std::uint64_t> merged(static_cast<std::size_t>(hi - lo + 1), 0);
        for (std::size_t i = 0; i < counts_.size(); ++i)
            merged[static_cast<std::size_t>(detail::floor_shift(offset_ + static_cast<std::int64_t>(i), d) - lo)] +=
                counts_[i];
        counts_ = std::move(merged);
        offset_ = lo;
    }

    // Slots: 0 is the zero count, 1 + i the window's bucket i.
    std::uint64_t slot_count(std::size_t slot) const noexcept { return slot == 0 ? zero_count_ : counts_[slot - 1]; }
    // The value reported for a slot: its bucket's representative, clamped to [min, max].
    double slot_value(std::size_t slot) const noexcept {
        if (slot == 0) return min_;
        const std::int64_t index = offset_ + static_cast<std::int64_t>(slot) - 1;
        const double a = 1e9 * ExponentialHistogram::bound_seconds(scale_, index);
        const double b = 1e9 * ExponentialHistogram::bound_seconds(scale_, index + 1);
        return std::min(std::max(2.0 * a * b / (a + b), min_), max_);
    }
    std::size_t slot_of_rank(std::size_t index) const noexcept {
        std::uint64_t below = 0;
        const std::size_t slots = counts_.size() + 1;
        for (std::size_t slot = 0; slot < slots; ++slot) {
            below += slot_count(slot);
            if (below > index) return slot;
        }
        return slots - 1;
    }
    double value_at(std::size_t index) const noexcept {
        if (index == 0) return min_;
        if (index + 1 == count_) return max_;
        return slot_value(slot_of_rank(index));
    }

    void take(BoundedStats& other) noexcept {
        counts_ = std::move(other.counts_);
        other.counts_.clear();
        other.counts_.shrink_to_fit();
        indexer_ = other.indexer_;
        scale_ = other.scale_;
        offset_ = other.offset_;
        steady_below_ = other.steady_below_;
        count_ = other.count_;
        zero_count_ = other.zero_count_;
        min_ = other.min_;
        max_ = other.max_;
        moments_ = other.moments_;
        first_call_sum_ = other.first_call_sum_;
        first_call_count_ = other.first_call_count_;
        other.offset_ = 0;
        other.steady_below_ = 0;  // empty: its next add() goes out of line
        other.count_ = other.zero_count_ = 0;
        other.min_ = other.max_ = 0.0;
        other.moments_ = detail::ShiftedMoments{};
        other.first_call_sum_ = 0.0;
        other.first_call_count_ = 0;
    }

    detail::ExponentialIndexer indexer_;  // the bucket of a duration at scale_
    int scale_;
    std::int64_t offset_ = 0;            // bucket index of counts_[0]
    std::vector<std::uint64_t> counts_;  // the window of buckets; empty until a sample needs one
    std::uint64_t steady_below_ = 0;     // see add(): 0 until a first call and a steady sample exist
    std::uint64_t count_ = 0;            // steady samples: zero_count_ + the window's counts
    std::uint64_t zero_count_ = 0;
    double min_ = 0.0;
    double max_ = 0.0;
    detail::ShiftedMoments moments_;
    double first_call_sum_ = 0.0;
    std::uint64_t first_call_count_ = 0;
};

}  // namespace gputime
