// SPDX-License-Identifier: MIT
// gputime/report/prometheus.hpp - bounded statistics as Prometheus metrics: the text exposition
// format (version 0.0.4) with classic `le` histograms.
//
//   gputime::PrometheusRegistry registry;                // request_device: a SharedBoundedStats
//   registry.add("gputime_request_seconds", "Time per request.",
//                {{"model", "resnet50"}, {"time", "device"}}, request_device);
//   std::string body = gputime::to_prometheus_text(registry.collect());  // GET /metrics
//
// docs/prometheus.md; native histograms: gputime/report/prometheus_protobuf.hpp (libprotobuf).
#pragma once

#include <gputime/core/error.hpp>
#include <gputime/report/detail/prometheus_names.hpp>
#include <gputime/stats/exponential_histogram.hpp>
#include <gputime/stats/shared_stats.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace gputime {

/// One label of a Prometheus series: name="value".
struct PrometheusLabel {
    std::string name;   ///< [a-zA-Z_][a-zA-Z0-9_]*, not "le", "quantile" or "__..."
    std::string value;  ///< any UTF-8 text (escaped on output)
};

/// One series at one scrape: its labels and its histogram (steady calls in the buckets, first
/// calls apart, in seconds).
struct PrometheusSeries {
    std::vector<PrometheusLabel> labels;  ///< as registered
    ExponentialHistogram histogram;       ///< a snapshot of the statistics
};

/// One metric at one scrape: its name, its help text and every series of it.
struct PrometheusFamily {
    std::string name;                      ///< ends in "_seconds"
    std::string help;                      ///< what it measures
    std::vector<PrometheusSeries> series;  ///< in the order they were registered
};

/// The name of the first-call summary of metric `name`: "x_seconds" -> "x_first_call_seconds".
inline std::string prometheus_first_call_name(const std::string& name) {
    static const std::string unit = "_seconds";
    return name.substr(0, name.size() - unit.size()) + "_first_call" + unit;
}

/// The boundaries of classic `le` histograms: every power of 2^(2^-scale) seconds from
/// lowest_seconds (rounded down to one) to highest_seconds (rounded up), plus +Inf.
struct PrometheusClassicBuckets {
    /// Boundaries at powers of 2^(2^-scale): -4 .. 8, and at most the statistics' own scale.
    int scale = 2;
    /// The lowest boundary (rounded down to a power of the base): below it, a percentile is
    /// interpolated from 0 and the bound does not hold. 2^-20 s (0.95 us) by default.
    double lowest_seconds = 1.0 / 1048576.0;
    /// The highest finite boundary (rounded up): above it only +Inf counts. 2^5 s by default.
    double highest_seconds = 32.0;

    /// Largest finite boundaries allowed, to keep a scrape small (each is a series).
    static constexpr std::size_t max_boundaries = 2048;

    /// The bound on |histogram_quantile - exact| / exact for an exact percentile between the
    /// lowest and the highest boundary: the width of one bucket, 2^(2^-scale) - 1.
    double max_relative_error() const { return std::exp2(std::exp2(-scale)) - 1.0; }

    /// The finite boundaries as powers of the base: boundary m is 2^(m / 2^scale).
    /// Throws InvalidArgument (parameter "buckets") for settings that make no sense.
    std::pair<std::int64_t, std::int64_t> boundary_range() const {
        if (scale < -4 || scale > 8)
            throw InvalidArgument("PrometheusClassicBuckets", "buckets",
                                  "scale must be in -4..8, got " + std::to_string(scale));
        if (!(lowest_seconds > 0.0) || !std::isfinite(highest_seconds) || !(highest_seconds > lowest_seconds))
            throw InvalidArgument("PrometheusClassicBuckets", "buckets",
                                  "needs 0 < lowest_seconds < highest_seconds < infinity");
        const double per_binade = std::exp2(scale);
        const auto lo = static_cast<std::int64_t>(std::floor(std::log2(lowest_seconds) * per_binade));
        const auto hi = static_cast<std::int64_t>(std::ceil(std::log2(highest_seconds) * per_binade));
        if (static_cast<std::size_t>(hi - lo + 1) > max_boundaries)
            throw InvalidArgument(
                "PrometheusClassicBuckets", "buckets",
                "gives " + std::to_string(hi - lo + 1) + " boundaries, more than " + std::to_string(max_boundaries));
        return {lo, hi};
    }
};

/// The Content-Type of to_prometheus_text's output.
inline constexpr const char* prometheus_text_content_type = "text/plain; version=0.0.4; charset=utf-8";

namespace detail {

// `h`'s buckets at `scale` (exact: whole buckets merge), or InvalidArgument naming `parameter`.
inline ExponentialHistogram at_scale(const ExponentialHistogram& h, int scale, const char* where,
                                     const char* parameter) {
    if (scale > h.scale)
        throw InvalidArgument(
            where, parameter,
            "scale " + std::to_string(scale) + " is finer than the statistics' scale " + std::to_string(h.scale));
    ExponentialHistogram coarse = h;
    coarse.downscale(scale);
    return coarse;
}

// Cumulative counts at boundaries 2^(m / 2^scale), m in [range.first, range.second], of `coarse`
// (already at that scale): boundary m counts the buckets whose upper bound, base^(j+1), is at most
// base^m, i.e. j <= m - 1, plus the zero bucket.
template <class Emit>
void for_each_classic_bucket(const ExponentialHistogram& coarse, std::pair<std::int64_t, std::int64_t> range,
                             Emit emit) {
    std::uint64_t cumulative = coarse.zero_count;
    std::size_t next = 0;
    for (std::int64_t m = range.first; m <= range.second; ++m) {
        while (next < coarse.counts.size() &&
               static_cast<std::int64_t>(coarse.offset) + static_cast<std::int64_t>(next) <= m - 1)
            cumulative += coarse.counts[next++];
        emit(m, cumulative);
    }
}

inline void append_number(std::string& out, double x) {
    if (std::isnan(x)) {
        out += "NaN";
        return;
    }
    if (std::isinf(x)) {
        out += x > 0 ? "+Inf" : "-Inf";
        return;
    }
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, x);
    out.append(buffer, result.ptr);
}

inline void append_count(std::string& out, std::uint64_t n) {
    char buffer[24];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, n);
    out.append(buffer, result.ptr);
}

// A boundary's text: the same on every replica, whatever its libm's last bit (Prometheus sums
// classic buckets by the text of `le`), so 12 significant digits.
inline std::string boundary_text(std::int64_t m, int scale) {
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%.12g", ExponentialHistogram::bound_seconds(scale, m));
    return buffer;
}

inline void append_labels(std::string& out, const std::vector<PrometheusLabel>& labels, const char* le) {
    if (labels.empty() && le == nullptr) return;
    out += '{';
    bool first = true;
    for (const auto& label : labels) {
        if (!first) out += ',';
        first = false;
        out += label.name;
        out += "=\"";
        append_escaped_label_value(out, label.value);
        out += '"';
    }
    if (le != nullptr) {
        if (!first) out += ',';
        out += "le=\"";
        out += le;
        out += '"';
    }
    out += '}';
}

}  // namespace detail

/// Every family in the Prometheus text format (version 0.0.4): a classic histogram per series
/// with the boundaries of `buckets`, and a first-call summary per family. Throws InvalidArgument
/// (parameter "buckets") for bad settings or a scale finer than a histogram's own.
inline std::string to_prometheus_text(const std::vector<PrometheusFamily>& families,
                                      const PrometheusClassicBuckets& buckets = {}) {
    const auto range = buckets.boundary_range();
    std::vector<std::string> le_text;
    for (std::int64_t m = range.first; m <= range.second; ++m)
        le_text.push_back(detail::boundary_text(m, buckets.scale));
    std::string out;
    for (const auto& family : families) {
        out += "# HELP ";
        out += family.name;
        out += ' ';
        detail::append_escaped_help(out, family.help);
        out += "\n# TYPE ";
        out += family.name;
        out += " histogram\n";
        for (const auto& series : family.series) {
            const ExponentialHistogram& h = series.histogram;
            const ExponentialHistogram coarse = detail::at_scale(h, buckets.scale, "to_prometheus_text", "buckets");
            // `name_bucket{labels,le="` once per series, then only the boundary and the count.
            std::string prefix = family.name + "_bucket";
            detail::append_labels(prefix, series.labels, "");
            prefix.resize(prefix.size() - 2);  // drop `"}`: the boundary goes there
            detail::for_each_classic_bucket(coarse, range, [&](std::int64_t m, std::uint64_t cumulative) {
                out += prefix;
                out += le_text[static_cast<std::size_t>(m - range.first)];
                out += "\"} ";
                detail::append_count(out, cumulative);
                out += '\n';
            });
            out += family.name;
            out += "_bucket";
            detail::append_labels(out, series.labels, "+Inf");
            out += ' ';
            detail::append_count(out, h.count);
            out += '\n';
            out += family.name;
            out += "_sum";
            detail::append_labels(out, series.labels, nullptr);
            out += ' ';
            detail::append_number(out, h.sum_seconds);
            out += '\n';
            out += family.name;
            out += "_count";
            detail::append_labels(out, series.labels, nullptr);
            out += ' ';
            detail::append_count(out, h.count);
            out += '\n';
        }
        const std::string first = prometheus_first_call_name(family.name);
        out += "# HELP " + first + " First call of each recording thread (";
        detail::append_escaped_help(out, family.help);
        out += ")\n# TYPE " + first + " summary\n";
        for (const auto& series : family.series) {
            out += first;
            out += "_sum";
            detail::append_labels(out, series.labels, nullptr);
            out += ' ';
            detail::append_number(out, series.histogram.first_call_sum_seconds);
            out += '\n';
            out += first;
            out += "_count";
            detail::append_labels(out, series.labels, nullptr);
            out += ' ';
            detail::append_count(out, series.histogram.first_call_count);
            out += '\n';
        }
    }
    return out;
}

/// The SharedBoundedStats a /metrics endpoint exports, by metric name and labels. Registration
/// is checked (see the header); collect() snapshots them all. Thread-safe: add() and collect()
/// may run in any threads. Each SharedBoundedStats must outlive the registry.
class PrometheusRegistry {
public:
    /// Exports `stats` as the series `labels` of metric `name` (a histogram, in seconds).
    /// Throws InvalidArgument: parameter "name" (not a Prometheus metric name, not ending in
    /// "_seconds", or clashing with another metric's first-call name), "help" (not UTF-8, or
    /// not the help this name was first registered with), "labels" (a bad or duplicate label
    /// name, a value that is not UTF-8, or a label set this name already has). Nothing is
    /// registered then.
    void add(const std::string& name, const std::string& help, std::vector<PrometheusLabel> labels,
             const SharedBoundedStats& stats) {
        static constexpr const char* where = "PrometheusRegistry::add";
        detail::check_metric_name(where, "name", name);
        static const std::string unit = "_seconds";
        if (name.size() <= unit.size() || name.compare(name.size() - unit.size(), unit.size(), unit) != 0)
            throw InvalidArgument(where, "name",
                                  "must end in \"_seconds\" (values are exported in seconds), got \"" + name + "\"");
        detail::check_utf8(where, "help", help);
        for (std::size_t i = 0; i < labels.size(); ++i) {
            detail::check_label_name(where, "labels", labels[i].name);
            detail::check_utf8(where, "labels", labels[i].value);
            for (std::size_t j = 0; j < i; ++j)
                if (labels[j].name == labels[i].name)
                    throw InvalidArgument(where, "labels", "has \"" + labels[i].name + "\" twice");
        }
        const std::lock_guard<std::mutex> lock(mutex_);
        const std::string first = prometheus_first_call_name(name);
        Family* family = nullptr;
        for (auto& f : families_) {
            if (f.name == name) family = &f;
            else if (prometheus_first_call_name(f.name) == name || f.name == first)
                throw InvalidArgument(where, "name",
                                      "\"" + name + "\" clashes with the first-call summary of \"" +
                                          (f.name == first ? name : f.name) + "\"");
        }
        if (family != nullptr) {
            if (family->help != help)
                throw InvalidArgument(where, "help", "differs from the help \"" + name + "\" was registered with");
            for (const auto& entry : family->entries)
                if (same_label_set(entry.labels, labels))
                    throw InvalidArgument(where, "labels", "\"" + name + "\" already has a series with these labels");
        } else {
            families_.push_back(Family{name, help, {}});
            family = &families_.back();
        }
        family->entries.push_back(Entry{std::move(labels), &stats});
    }

    /// A snapshot of every registered series, by family in registration order.
    std::vector<PrometheusFamily> collect() const {
        std::vector<std::pair<std::string, std::string>> names;
        std::vector<std::vector<Entry>> entries;
        {
            const std::lock_guard<std::mutex> lock(mutex_);  // the registry only, never a shard
            for (const auto& f : families_) {
                names.emplace_back(f.name, f.help);
                entries.push_back(f.entries);
            }
        }
        std::vector<PrometheusFamily> out;
        out.reserve(names.size());
        for (std::size_t i = 0; i < names.size(); ++i) {
            PrometheusFamily family{names[i].first, names[i].second, {}};
            family.series.reserve(entries[i].size());
            for (const auto& entry : entries[i])
                family.series.push_back(PrometheusSeries{entry.labels, entry.stats->histogram()});
            out.push_back(std::move(family));
        }
        return out;
    }

    /// Series registered, over every metric.
    std::size_t series_count() const {
        const std::lock_guard<std::mutex> lock(mutex_);
        std::size_t n = 0;
        for (const auto& f : families_) n += f.entries.size();
        return n;
    }

private:
    struct Entry {
        std::vector<PrometheusLabel> labels;
        const SharedBoundedStats* stats;
    };
    struct Family {
        std::string name;
        std::string help;
        std::vector<Entry> entries;
    };
    static bool same_label_set(const std::vector<PrometheusLabel>& a, const std::vector<PrometheusLabel>& b) {
        if (a.size() != b.size()) return false;
        return std::all_of(a.begin(), a.end(), [&](const PrometheusLabel& x) {
            return std::any_of(b.begin(), b.end(),
                               [&](const PrometheusLabel& y) { return x.name == y.name && x.value == y.value; });
        });
    }

    mutable std::mutex mutex_;
    std::vector<Family> families_;  // std::vector of Family: add() never holds a pointer across a push
};

}  // namespace gputime
