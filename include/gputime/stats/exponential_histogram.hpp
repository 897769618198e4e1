// SPDX-License-Identifier: MIT
// gputime/stats/exponential_histogram.hpp - bucket counts in the exponential layout that
// OpenTelemetry and Prometheus native histograms use, as plain data for exporters.
//
//   gputime::ExponentialHistogram h = bounded.histogram();   // or shared.snapshot().histogram()
//   for (std::size_t i = 0; i < h.counts.size(); ++i)
//       emit(h.lower_seconds(i), h.upper_seconds(i), h.counts[i]);   // (lower, upper]
//
// Bucket `offset + i` holds the counts[i] durations whose value in seconds lies in
// (base^(offset+i), base^(offset+i+1)], base = 2^(2^-scale): OpenTelemetry's
// ExponentialHistogramDataPoint (scale, zero_count, positive.offset, positive.bucket_counts) and
// Prometheus' native histogram (schema == scale, the same buckets) with no count split.
// Prometheus numbers a bucket by its upper bound, so its index is this one + 1 (1 s is in
// OpenTelemetry bucket -1, Prometheus bucket 0). Durations of at most zero_threshold_seconds
// (2^-48 s, 0 included) are zero_count. docs/statistics.md gives the field-by-field mapping.
#pragma once

#include <gputime/core/detail/sample_checks.hpp>
#include <gputime/core/duration.hpp>
#include <gputime/core/error.hpp>
#include <gputime/stats/detail/exponential_index.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace gputime {

/// A BoundedStats' bucket counts and exact sums as plain data, in OpenTelemetry's exponential
/// layout (BoundedStats::histogram(); BoundedStats::from_histogram() reads one back).
struct ExponentialHistogram {
    /// Bucket boundaries are powers of base in this unit: seconds, Prometheus' convention.
    static constexpr double unit_seconds = 1.0;
    /// The scales gputime records at: Prometheus' native-histogram schemas.
    static constexpr int min_scale = -4;
    static constexpr int max_scale = 8;  ///< The finest scale (base 1.0027, percentiles within 0.135%).
    /// Durations <= this (in seconds) are counted in zero_count: 2^-48 s (3.6e-6 ns), a bucket
    /// boundary at every scale.
    static constexpr double zero_threshold_seconds = 0x1p-48;

    /// base = 2^(2^-scale); scale 7: base 1.00543, every percentile within 0.271%.
    int scale = 7;
    /// Durations of at most zero_threshold_seconds.
    std::uint64_t zero_count = 0;
    /// Index of counts[0]: counts[i] covers (base^(offset+i), base^(offset+i+1)] seconds.
    std::int32_t offset = 0;
    /// Counts of consecutive buckets; the first and last are non-zero (empty when all are 0).
    std::vector<std::uint64_t> counts;
    /// zero_count + the sum of counts: the steady samples (the first call is apart).
    std::uint64_t count = 0;
    /// Sum of the steady samples, in seconds.
    double sum_seconds = 0.0;
    /// Exact smallest and largest steady sample, in seconds (0 when count is 0).
    double min_seconds = 0.0;
    double max_seconds = 0.0;  ///< Exact largest steady sample, in seconds (0 when count is 0).
    /// Sum of squared deviations from the mean, in s^2: the sample variance is
    /// sum_squared_deviations / (count - 1).
    double sum_squared_deviations = 0.0;
    /// First calls (one per recording thread or merged part) and their sum, in seconds: a series
    /// of their own, never in the buckets.
    std::uint64_t first_call_count = 0;
    double first_call_sum_seconds = 0.0;  ///< Sum of the first calls, in seconds.

    /// 2^(2^-scale).
    double base() const noexcept { return std::exp2(std::ldexp(1.0, -scale)); }
    /// base^index in seconds: the lower (exclusive) bound of bucket `index`.
    static double bound_seconds(int scale, std::int64_t index) noexcept {
        // 2^(index / 2^scale): integer and fractional parts apart, so large indices keep every digit.
        if (scale <= 0) return std::ldexp(1.0, static_cast<int>(index * (std::int64_t{1} << -scale)));
        const std::int64_t per_binade = std::int64_t{1} << scale;
        const std::int64_t whole = detail::floor_shift(index, scale);
        const std::int64_t part = index - whole * per_binade;
        return std::ldexp(std::exp2(static_cast<double>(part) / static_cast<double>(per_binade)),
                          static_cast<int>(whole));
    }
    /// (lower_seconds(i), upper_seconds(i)] is the range of counts[i].
    double lower_seconds(std::size_t i) const noexcept {
        return bound_seconds(scale, static_cast<std::int64_t>(offset) + static_cast<std::int64_t>(i));
    }
    /// base^(offset + i + 1) in seconds: the upper (inclusive) bound of counts[i].
    double upper_seconds(std::size_t i) const noexcept {
        return bound_seconds(scale, static_cast<std::int64_t>(offset) + static_cast<std::int64_t>(i) + 1);
    }

    /// The bucket index of `d` at `scale`: the i with base^i < d (in seconds) <= base^(i+1),
    /// exactly (no log(); see detail/exponential_index.hpp). Throws InvalidArgument for a scale
    /// outside [min_scale, max_scale] ("scale") and for a duration that is not finite or not
    /// above zero_threshold_seconds ("duration": it belongs to zero_count).
    static std::int32_t index_of(Duration d, int scale) {
        check_scale("ExponentialHistogram::index_of", scale);
        if (!(d.count() > zero_threshold_ns && d.count() <= 1.7976931348623157e308))
            throw InvalidArgument("ExponentialHistogram::index_of", "duration",
                                  "must be finite and above the zero threshold (2^-48 s), got " +
                                      detail::describe_number(d.count()) + " ns");
        return static_cast<std::int32_t>(detail::ExponentialIndexer(scale)(d.count()));
    }

    /// The same counts at a coarser scale (bucket i becomes floor(i / 2^(scale - to_scale))):
    /// exact, as OpenTelemetry downscales. Throws InvalidArgument ("to_scale") for a scale
    /// finer than this one or below min_scale.
    void downscale(int to_scale) {
        if (to_scale > scale || to_scale < min_scale)
            throw InvalidArgument("ExponentialHistogram::downscale", "to_scale",
                                  "must be in [" + std::to_string(min_scale) + ", " + std::to_string(scale) +
                                      "], got " + std::to_string(to_scale));
        const int d = scale - to_scale;
        scale = to_scale;
        if (d == 0 || counts.empty()) return;
        const std::int64_t first = detail::floor_shift(offset, d);
        const std::int64_t last =
            detail::floor_shift(static_cast<std::int64_t>(offset) + static_cast<std::int64_t>(counts.size()) - 1, d);
        std::vector<std::uint64_t> merged(static_cast<std::size_t>(last - first + 1), 0);
        for (std::size_t i = 0; i < counts.size(); ++i)
            merged[static_cast<std::size_t>(
                detail::floor_shift(static_cast<std::int64_t>(offset) + static_cast<std::int64_t>(i), d) - first)] +=
                counts[i];
        counts = std::move(merged);
        offset = static_cast<std::int32_t>(first);
    }

    /// Pools `other` into this histogram: at the coarser of the two scales, counts add exactly;
    /// min, max, sums, the sum of squared deviations (Chan et al.) and first calls pool.
    void merge(const ExponentialHistogram& other) {
        if (other.scale < scale) downscale(other.scale);
        ExponentialHistogram coarse;
        const ExponentialHistogram* from = &other;
        if (other.scale > scale) {
            coarse = other;
            coarse.downscale(scale);
            from = &coarse;
        }
        if (!from->counts.empty()) {
            if (counts.empty()) {
                counts = from->counts;
                offset = from->offset;
            } else {
                const std::int64_t first = std::min<std::int64_t>(offset, from->offset);
                const std::int64_t end = std::max<std::int64_t>(
                    static_cast<std::int64_t>(offset) + static_cast<std::int64_t>(counts.size()),
                    static_cast<std::int64_t>(from->offset) + static_cast<std::int64_t>(from->counts.size()));
                std::vector<std::uint64_t> merged(static_cast<std::size_t>(end - first), 0);
                for (std::size_t i = 0; i < counts.size(); ++i)
                    merged[static_cast<std::size_t>(offset - first) + i] += counts[i];
                for (std::size_t i = 0; i < from->counts.size(); ++i)
                    merged[static_cast<std::size_t>(from->offset - first) + i] += from->counts[i];
                counts = std::move(merged);
                offset = static_cast<std::int32_t>(first);
            }
        }
        if (from->count != 0) {
            if (count == 0) {
                min_seconds = from->min_seconds;
                max_seconds = from->max_seconds;
                sum_squared_deviations = from->sum_squared_deviations;
            } else {
                min_seconds = std::min(min_seconds, from->min_seconds);
                max_seconds = std::max(max_seconds, from->max_seconds);
                const double na = static_cast<double>(count), nb = static_cast<double>(from->count);
                const double delta = from->sum_seconds / nb - sum_seconds / na;
                sum_squared_deviations += from->sum_squared_deviations + delta * delta * (na * nb / (na + nb));
            }
        }
        zero_count += from->zero_count;
        count += from->count;
        sum_seconds += from->sum_seconds;
        first_call_count += from->first_call_count;
        first_call_sum_seconds += from->first_call_sum_seconds;
    }

    /// Throws InvalidArgument (naming `where` and "scale") for a scale outside [min_scale, max_scale].
    static void check_scale(const char* where, int scale) {
        if (scale < min_scale || scale > max_scale)
            throw InvalidArgument(where, "scale",
                                  "must be in [" + std::to_string(min_scale) + ", " + std::to_string(max_scale) +
                                      "], got " + std::to_string(scale));
    }

    /// zero_threshold_seconds in nanoseconds, exactly: 1e9 * 2^-48 = 1953125 * 2^-39.
    static constexpr double zero_threshold_ns = 1953125.0 * 0x1p-39;
};

}  // namespace gputime
