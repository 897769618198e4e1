// SPDX-License-Identifier: MIT
// gputime/report/prometheus_protobuf.hpp: native histograms in io.prometheus.client.MetricFamily.
// The scrape body is parsed back with libprotobuf, its spans and deltas are expanded here, and
// every bucket is compared with counts computed independently from the bucket boundaries.
#include "support/hand_made_histogram.hpp"
#include "support/test_framework.hpp"

#include <gputime/core/error.hpp>
#include <gputime/report/prometheus_protobuf.hpp>
#include <gputime/stats/exponential_histogram.hpp>

#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/delimited_message_util.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace {

using io::prometheus::client::MetricFamily;

// A hand-made histogram at `scale`: bucket offset + k holds counts[k].
gputime::ExponentialHistogram histogram(int scale, std::int32_t offset, std::vector<std::uint64_t> counts,
                                        std::uint64_t zero_count = 0) {
    return gputime_test::hand_made_histogram(scale, offset, std::move(counts), zero_count, 0.75);
}

std::vector<MetricFamily> parse(const std::string& body) {
    std::vector<MetricFamily> out;
    google::protobuf::io::ArrayInputStream stream(body.data(), static_cast<int>(body.size()));
    for (;;) {
        MetricFamily family;
        bool clean_eof = false;
        if (!google::protobuf::util::ParseDelimitedFromZeroCopyStream(&family, &stream, &clean_eof)) {
            REQUIRE(clean_eof);
            break;
        }
        out.push_back(family);
    }
    return out;
}

// Prometheus's reading of spans and deltas: native index -> count.
std::map<std::int64_t, std::uint64_t> expand(const io::prometheus::client::Histogram& h) {
    std::map<std::int64_t, std::uint64_t> out;
    std::int64_t index = 0;
    std::int64_t count = 0;
    int delta = 0;
    for (int s = 0; s < h.positive_span_size(); ++s) {
        index += h.positive_span(s).offset();
        for (std::uint32_t k = 0; k < h.positive_span(s).length(); ++k) {
            count += h.positive_delta(delta++);
            REQUIRE(count >= 0);
            if (count > 0) out[index] = static_cast<std::uint64_t>(count);
            ++index;
        }
    }
    CHECK(delta == h.positive_delta_size());
    return out;
}

// Independent: the native bucket (at `schema`) whose range (2^((j-1)/2^schema), 2^(j/2^schema)]
// holds fine bucket i's range (2^(i/2^scale), 2^((i+1)/2^scale)], found by comparing exponents.
std::map<std::int64_t, std::uint64_t> expected_native(const gputime::ExponentialHistogram& h, int schema) {
    std::map<std::int64_t, std::uint64_t> out;
    for (std::size_t k = 0; k < h.counts.size(); ++k) {
        if (h.counts[k] == 0) continue;
        const double upper = (h.offset + static_cast<double>(k) + 1.0) / std::exp2(h.scale);  // log2 of the upper bound
        const auto j = static_cast<std::int64_t>(std::ceil(upper * std::exp2(schema) - 1e-9));
        CHECK((static_cast<double>(j) - 1.0) / std::exp2(schema) <=
              (h.offset + static_cast<double>(k)) / std::exp2(h.scale) + 1e-12);
        out[j] += h.counts[k];
    }
    return out;
}

}  // namespace

TEST_CASE(
    "prometheus protobuf: native buckets are the statistics' own, merged exactly to a coarser schema on request") {
    std::mt19937_64 rng(11);
    for (const int scale : {-2, 0, 3, 7, 8}) {
        for (const std::int32_t offset : {-3000, -17, 0, 5}) {
            std::vector<std::uint64_t> counts(300);
            for (auto& c : counts) c = rng() % 4 == 0 ? rng() % 50 : 0;  // runs of empty buckets too
            auto h = histogram(scale, offset, counts, 2);
            h.first_call_count = 3;
            h.first_call_sum_seconds = 0.25;
            const std::vector<gputime::PrometheusFamily> families{
                {"g_seconds", "Device time.", {{{{"model", "m"}, {"time", "device"}}, h}}}};
            for (const int max_scale : {8, 3, -1}) {
                gputime::PrometheusNativeOptions options;
                options.max_scale = max_scale;
                const auto parsed = parse(gputime::to_prometheus_protobuf(families, options));
                REQUIRE(parsed.size() == 2);
                CHECK(parsed[0].name() == "g_seconds");
                CHECK(parsed[0].type() == io::prometheus::client::HISTOGRAM);
                REQUIRE(parsed[0].metric_size() == 1);
                const auto& metric = parsed[0].metric(0);
                REQUIRE(metric.label_size() == 2);
                CHECK(metric.label(0).name() == "model");
                CHECK(metric.label(1).value() == "device");
                const auto& native = metric.histogram();
                const int schema = std::min(scale, max_scale);
                INFO("scale " << scale << " offset " << offset << " max_scale " << max_scale);
                CHECK(native.schema() == schema);
                CHECK(native.sample_count() == h.count);
                CHECK(native.sample_sum() == 0.75);
                CHECK(native.zero_count() == 2);
                CHECK(native.zero_threshold() > 0.0);
                CHECK(native.bucket_size() == 0);
                CHECK(expand(native) == expected_native(h, schema));
                // Prometheus starts a new span only after more than two empty buckets.
                for (int s = 1; s < native.positive_span_size(); ++s) CHECK(native.positive_span(s).offset() > 2);
                CHECK(parsed[1].name() == "g_first_call_seconds");
                CHECK(parsed[1].type() == io::prometheus::client::SUMMARY);
                CHECK(parsed[1].metric(0).summary().sample_count() == 3);
                CHECK(parsed[1].metric(0).summary().sample_sum() == 0.25);
            }
        }
    }
}

TEST_CASE("prometheus protobuf: an empty histogram still reads as native, classic buckets on request") {
    const auto empty = histogram(7, 0, {});
    auto parsed = parse(gputime::to_prometheus_protobuf({{"e_seconds", "h", {{{}, empty}}}}));
    const auto& native = parsed.at(0).metric(0).histogram();
    CHECK(native.zero_threshold() > 0.0);  // Prometheus reads a histogram as native by its zero bucket or spans
    CHECK(native.zero_threshold() == std::ldexp(1.0, -48));
    CHECK(native.positive_span_size() == 0);
    CHECK(native.sample_count() == 0);

    const auto h = histogram(2, 0, {1, 2, 3, 4});  // (1, 2^0.25], ... (2^0.75, 2] seconds
    gputime::PrometheusNativeOptions options;
    options.classic_buckets = true;
    options.classic.scale = 1;
    options.classic.lowest_seconds = 1.0;
    options.classic.highest_seconds = 2.0;
    parsed = parse(gputime::to_prometheus_protobuf({{"c_seconds", "h", {{{}, h}}}}, options));
    const auto& both = parsed.at(0).metric(0).histogram();
    REQUIRE(both.bucket_size() == 3);  // 1, sqrt 2, 2
    CHECK(both.bucket(0).upper_bound() == 1.0);
    CHECK(both.bucket(0).cumulative_count() == 0);
    CHECK(both.bucket(1).upper_bound() == gputime_test::Approx(std::sqrt(2.0)));
    CHECK(both.bucket(1).cumulative_count() == 3);
    CHECK(both.bucket(2).cumulative_count() == 10);
    CHECK(both.schema() == 2);

    options.max_scale = 9;
    CHECK_THROWS_AS(gputime::to_prometheus_protobuf({{"c_seconds", "h", {{{}, h}}}}, options),
                    gputime::InvalidArgument);
    options.max_scale = 8;
    options.classic.scale = 3;  // finer than the data
    CHECK_THROWS_AS(gputime::to_prometheus_protobuf({{"c_seconds", "h", {{{}, h}}}}, options),
                    gputime::InvalidArgument);
}

TEST_CASE("prometheus protobuf: the Accept header of a native-histogram scrape selects it") {
    // Prometheus 2.42 with --enable-feature=native-histograms:
    CHECK(gputime::accepts_prometheus_protobuf(
        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,"
        "text/plain;version=0.0.4;q=0.3,*/*;q=0.2"));
    // ... and without it:
    CHECK_FALSE(gputime::accepts_prometheus_protobuf(
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
        "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"));
    CHECK_FALSE(gputime::accepts_prometheus_protobuf("application/vnd.google.protobuf;encoding=text"));
}
