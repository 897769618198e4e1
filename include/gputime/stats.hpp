// gputime/stats.hpp - the statistics of a set of durations, with the first call kept apart.
//
// Stats takes durations and nothing else, so every number it reports can be checked against
// hand-computed values on synthetic data.
//
// * The first call is not a steady-state sample. The first duration ever added (or the one
//   given to set_first_call) is kept apart: first_call() reports it, and count(), mean(),
//   percentile() etc. describe only the steady samples after it. The source documents show
//   first calls 5-20x slower than the rest; mixing them in would move the mean and p99.
// * first_call_overhead() = first_call() - p50(): the cost of being first.
// * Percentiles use the NEAREST-RANK definition (as nvbench, HdrHistogram and trtexec do):
//   percentile(p) is the smallest sample x such that at least p% of the samples are <= x,
//   i.e. sorted[ceil(p/100 * n) - 1], and percentile(0) is the minimum. Every reported
//   percentile is therefore a duration that was really measured; with n < 100, p99 is the max.
// * mean/stddev use Welford's update (stable with huge offsets), run over the kept samples when
//   first read and cached, so that add() costs a push_back; stddev is the sample standard
//   deviation (n - 1), 0 for a single sample.
// * mdape() is nanobench's "err%": the median over samples of |x - p50| / x.
// * merge() pools two accumulators exactly (samples are kept), e.g. from several threads.
//   The merged first_call() is the mean of the merged first calls; first_call_count() says
//   how many there were.
// Reading a statistic of an empty Stats throws std::logic_error; check count() first.
#pragma once

#include <gputime/detail/pending_samples.hpp>
#include <gputime/duration.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>
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

    /// Adds one measured duration: the first ever becomes the first call, later ones are steady samples.
    void add(Duration d) {
        if (first_call_count_ == 0) {
            set_first_call(d);
            return;
        }
        add_steady(d);
    }

    /// Records `d` as the first call explicitly (WarmupRunner gives it its first warm-up call),
    /// so that every later add() is a steady sample. Throws std::logic_error if one is set.
    void set_first_call(Duration d) {
        if (first_call_count_ != 0) throw std::logic_error("gputime::Stats: the first call is already recorded");
        first_call_sum_ = d.count();
        first_call_count_ = 1;
    }

    /// Adds a steady-state sample, bypassing the first-call rule.
    void add_steady(Duration d) {
        samples_.push_back(d);
        sorted_valid_ = false;
        moments_valid_ = false;
    }

    /// Pools `other` into this accumulator: its samples and its first calls.
    void merge(const Stats& other) {
        sync();
        other.sync();
        if (&other == this) {
            const Stats copy(other);
            merge(copy);
            return;
        }
        first_call_sum_ += other.first_call_sum_;
        first_call_count_ += other.first_call_count_;
        samples_.insert(samples_.end(), other.samples_.begin(), other.samples_.end());
        sorted_valid_ = false;
        moments_valid_ = false;
    }

    /// Steady samples (the first call is not counted).
    std::size_t count() const {
        sync();
        return samples_.size();
    }
    /// Every call recorded: steady samples plus first calls.
    std::size_t calls() const {
        sync();
        return samples_.size() + first_call_count_;
    }
    bool has_first_call() const {
        sync();
        return first_call_count_ != 0;
    }
    std::size_t first_call_count() const {
        sync();
        return first_call_count_;
    }
    Duration first_call() const {
        sync();
        if (first_call_count_ == 0) throw std::logic_error("gputime::Stats::first_call: nothing recorded");
        return Duration{first_call_sum_ / static_cast<double>(first_call_count_)};
    }
    /// first_call() - p50(): what the first call costs on top of a typical steady call.
    Duration first_call_overhead() const { return first_call() - p50(); }

    Duration mean() const { return Duration{moments("mean").mean}; }
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
    Duration total() const { return Duration{moments("total").mean * static_cast<double>(samples_.size())}; }

    /// Nearest-rank percentile, p in [0, 100]; see the header comment.
    Duration percentile(double p) const {
        if (!(p >= 0.0 && p <= 100.0))
            throw std::invalid_argument("gputime::Stats::percentile: p must be in [0, 100], got " + std::to_string(p));
        const std::vector<Duration>& s = sorted("percentile");
        return s[nearest_rank_index(p, s.size())];
    }
    Duration p50() const { return percentile(50.0); }
    Duration p90() const { return percentile(90.0); }
    Duration p99() const { return percentile(99.0); }
    Duration p999() const { return percentile(99.9); }
    Duration median() const { return p50(); }

    /// Median absolute percentage error, as a fraction (0.012 = 1.2%).
    double mdape() const {
        const std::vector<Duration>& s = sorted("mdape");
        const double median = s[nearest_rank_index(50.0, s.size())].count();
        std::vector<double> errors;
        errors.reserve(s.size());
        for (const Duration d : s) {
            const double x = d.count();
            errors.push_back(x == 0.0 ? (median == 0.0 ? 0.0 : std::numeric_limits<double>::infinity())
                                      : std::fabs(x - median) / x);
        }
        std::sort(errors.begin(), errors.end());
        return errors[nearest_rank_index(50.0, errors.size())];
    }

    /// The steady samples in the order they were added.
    const std::vector<Duration>& samples() const {
        sync();
        return samples_;
    }

    /// The index nearest-rank picks in a sorted array of n > 0 values.
    static std::size_t nearest_rank_index(double p, std::size_t n) {
        // p = 99.9 is not exact in binary: 99.9% of 1000 must be rank 999, not 1000, so a
        // product within rounding noise of a whole number counts as that number.
        const double exact = p * static_cast<double>(n) / 100.0;
        const double nearest = std::round(exact);
        const double rank = std::fabs(exact - nearest) <= 1e-9 * std::max(1.0, exact) ? nearest : std::ceil(exact);
        if (rank <= 1.0) return 0;
        return std::min(static_cast<std::size_t>(rank), n) - 1;
    }

private:
    friend struct detail::StatsAccess;

    // Resolve samples a clock still owes us before any read.
    void sync() const {
        if (pending_ != nullptr) pending_->deliver_pending();
    }
    void detach() {
        if (pending_ != nullptr) {
            detail::PendingSamples* source = pending_;
            pending_ = nullptr;
            source->forget_sink(this);
        }
    }
    const Stats& checked(const char* what) const {
        sync();
        if (samples_.empty()) throw std::logic_error(std::string("gputime::Stats::") + what + ": no steady samples");
        return *this;
    }
    struct Moments {
        double mean = 0.0;
        double m2 = 0.0;  // sum of squared deviations from the mean
        double min = 0.0;
        double max = 0.0;
    };
    // Welford's update over the samples, once per change of the samples.
    const Moments& moments(const char* what) const {
        checked(what);
        if (!moments_valid_) {
            Moments m;
            m.min = m.max = samples_.front().count();
            double n = 0.0;
            for (const Duration d : samples_) {
                const double x = d.count();
                n += 1.0;
                const double delta = x - m.mean;
                m.mean += delta / n;
                m.m2 += delta * (x - m.mean);
                m.min = std::min(m.min, x);
                m.max = std::max(m.max, x);
            }
            moments_ = m;
            moments_valid_ = true;
        }
        return moments_;
    }
    const std::vector<Duration>& sorted(const char* what) const {
        checked(what);
        if (!sorted_valid_) {
            sorted_ = samples_;
            std::sort(sorted_.begin(), sorted_.end());
            sorted_valid_ = true;
        }
        return sorted_;
    }
    void copy_from(const Stats& other) {
        other.sync();
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
        sorted_valid_ = false;
        moments_valid_ = false;
        first_call_sum_ = other.first_call_sum_;
        first_call_count_ = other.first_call_count_;
    }

    std::vector<Duration> samples_;
    mutable std::vector<Duration> sorted_;
    mutable bool sorted_valid_ = false;
    mutable Moments moments_;
    mutable bool moments_valid_ = false;
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
