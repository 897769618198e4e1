// SPDX-License-Identifier: MIT
// gputime/report/prometheus_protobuf.hpp - bounded statistics as Prometheus native histograms,
// in Prometheus's protobuf exposition format (io.prometheus.client.MetricFamily, delimited).
//
//   #include <gputime/report/prometheus_protobuf.hpp>   // CMake: gputime::prometheus_protobuf
//   if (gputime::accepts_prometheus_protobuf(accept_header))
//       body = gputime::to_prometheus_protobuf(registry.collect());   // native histograms
//   else
//       body = gputime::to_prometheus_text(registry.collect());       // classic `le` buckets
//
// docs/prometheus.md, "Native histograms and classic buckets" and "The protobuf format is optional".
#pragma once

#include <gputime/core/error.hpp>
#include <gputime/report/prometheus.hpp>

#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/delimited_message_util.h>
#include <io/prometheus/client/metrics.pb.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace gputime {

/// How to_prometheus_protobuf writes histograms.
struct PrometheusNativeOptions {
    /// The finest schema written: -4 .. 8 (Prometheus accepts -4 .. 8). A histogram with a finer
    /// scale is merged down to it exactly.
    int max_scale = 8;
    /// Also write classic buckets (with the boundaries of `classic`) beside the native ones.
    bool classic_buckets = false;
    /// The classic boundaries, when classic_buckets is set.
    PrometheusClassicBuckets classic{};
};

/// The Content-Type of to_prometheus_protobuf's output.
inline constexpr const char* prometheus_protobuf_content_type =
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

/// True when an HTTP Accept header asks for the delimited protobuf format (Prometheus sends
/// "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,...").
inline bool accepts_prometheus_protobuf(const std::string& accept) {
    return accept.find("application/vnd.google.protobuf") != std::string::npos &&
           accept.find("proto=io.prometheus.client.MetricFamily") != std::string::npos &&
           accept.find("encoding=delimited") != std::string::npos;
}

namespace detail {

// Prometheus reads a histogram as native when it has a zero threshold, a zero count or buckets:
// the threshold is always set (2^-48 s, above zero), so an empty histogram reads as native too.
inline void fill_native(io::prometheus::client::Histogram& out, const ExponentialHistogram& h, int max_scale) {
    const ExponentialHistogram coarse =
        at_scale(h, std::min(h.scale, max_scale), "to_prometheus_metric_families", "options");
    out.set_schema(coarse.scale);
    out.set_zero_threshold(ExponentialHistogram::zero_threshold_seconds);
    out.set_zero_count(coarse.zero_count);
    std::vector<std::pair<std::int64_t, std::int64_t>> buckets;  // (OpenTelemetry index, count), non-empty
    for (std::size_t k = 0; k < coarse.counts.size(); ++k)
        if (coarse.counts[k] != 0)
            buckets.emplace_back(static_cast<std::int64_t>(coarse.offset) + static_cast<std::int64_t>(k),
                                 static_cast<std::int64_t>(coarse.counts[k]));
    // Spans of buckets; a gap of up to two empty buckets is cheaper inside a span (as
    // client_golang writes them).
    std::int64_t previous_index = 0;
    std::int64_t previous_count = 0;
    io::prometheus::client::BucketSpan* span = nullptr;
    for (std::size_t i = 0; i < buckets.size(); ++i) {
        const std::int64_t index = buckets[i].first + 1;  // Prometheus: index of the upper bound
        const std::int64_t count = buckets[i].second;
        if (span != nullptr && index - previous_index - 1 <= 2) {
            for (std::int64_t gap = previous_index + 1; gap < index; ++gap) {
                out.add_positive_delta(-previous_count);
                previous_count = 0;
            }
            span->set_length(span->length() + static_cast<std::uint32_t>(index - previous_index));
        } else {
            span = out.add_positive_span();
            span->set_offset(
                static_cast<std::int32_t>(out.positive_span_size() == 1 ? index : index - previous_index - 1));
            span->set_length(1);
        }
        out.add_positive_delta(count - previous_count);
        previous_count = count;
        previous_index = index;
    }
}

inline void fill_labels(io::prometheus::client::Metric& metric, const std::vector<PrometheusLabel>& labels) {
    for (const auto& label : labels) {
        auto* pair = metric.add_label();
        pair->set_name(label.name);
        pair->set_value(label.value);
    }
}

}  // namespace detail

/// The MetricFamily messages of `families`: per family, one histogram metric (native buckets,
/// optionally classic ones too) and one first-call summary. Throws InvalidArgument (parameter
/// "options") for a max_scale outside -4..8 or classic settings to_prometheus_text refuses.
inline std::vector<io::prometheus::client::MetricFamily> to_prometheus_metric_families(
    const std::vector<PrometheusFamily>& families, const PrometheusNativeOptions& options = {}) {
    if (options.max_scale < -4 || options.max_scale > 8)
        throw InvalidArgument("to_prometheus_metric_families", "options",
                              "max_scale must be in -4..8, got " + std::to_string(options.max_scale));
    std::pair<std::int64_t, std::int64_t> range{0, -1};
    if (options.classic_buckets) range = options.classic.boundary_range();
    std::vector<io::prometheus::client::MetricFamily> out;
    out.reserve(2 * families.size());
    for (const auto& family : families) {
        io::prometheus::client::MetricFamily histogram;
        histogram.set_name(family.name);
        histogram.set_help(family.help);
        histogram.set_type(io::prometheus::client::HISTOGRAM);
        io::prometheus::client::MetricFamily first;
        first.set_name(prometheus_first_call_name(family.name));
        first.set_help("First call of each recording thread (" + family.help + ")");
        first.set_type(io::prometheus::client::SUMMARY);
        for (const auto& series : family.series) {
            const ExponentialHistogram& h = series.histogram;
            auto* metric = histogram.add_metric();
            detail::fill_labels(*metric, series.labels);
            auto* hist = metric->mutable_histogram();
            hist->set_sample_count(h.count);
            hist->set_sample_sum(h.sum_seconds);
            detail::fill_native(*hist, h, options.max_scale);
            if (options.classic_buckets) {
                const ExponentialHistogram coarse =
                    detail::at_scale(h, options.classic.scale, "to_prometheus_metric_families", "options");
                detail::for_each_classic_bucket(coarse, range, [&](std::int64_t m, std::uint64_t cumulative) {
                    auto* bucket = hist->add_bucket();
                    bucket->set_upper_bound(ExponentialHistogram::bound_seconds(coarse.scale, m));
                    bucket->set_cumulative_count(cumulative);
                });
            }
            auto* summary = first.add_metric();
            detail::fill_labels(*summary, series.labels);
            summary->mutable_summary()->set_sample_count(h.first_call_count);
            summary->mutable_summary()->set_sample_sum(h.first_call_sum_seconds);
        }
        out.push_back(std::move(histogram));
        out.push_back(std::move(first));
    }
    return out;
}

/// A scrape body in the delimited protobuf format (each MetricFamily preceded by its varint
/// length), to be sent with prometheus_protobuf_content_type.
inline std::string to_prometheus_protobuf(const std::vector<PrometheusFamily>& families,
                                          const PrometheusNativeOptions& options = {}) {
    std::string body;
    {
        google::protobuf::io::StringOutputStream stream(&body);
        for (const auto& family : to_prometheus_metric_families(families, options))
            if (!google::protobuf::util::SerializeDelimitedToZeroCopyStream(family, &stream))
                throw Error("gputime::to_prometheus_protobuf: a MetricFamily could not be serialised");
    }
    return body;
}

}  // namespace gputime
