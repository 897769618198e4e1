// SPDX-License-Identifier: MIT
// gputime/report/prometheus.hpp: the text exposition format with classic `le` histograms. Every
// expected count is computed here independently (boundaries compared as numbers, not via the
// header's index arithmetic), and names/escaping are checked against the exposition format's rules.
#include "support/hand_made_histogram.hpp"
#include "support/test_framework.hpp"

#include <gputime/core/error.hpp>
#include <gputime/report/prometheus.hpp>
#include <gputime/stats/bounded_stats.hpp>
#include <gputime/stats/exponential_histogram.hpp>
#include <gputime/stats/shared_stats.hpp>

#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

// A hand-made histogram at `scale`: bucket offset + k holds counts[k].
gputime::ExponentialHistogram histogram(int scale, std::int32_t offset, std::vector<std::uint64_t> counts,
                                        std::uint64_t zero_count = 0) {
    return gputime_test::hand_made_histogram(scale, offset, std::move(counts), zero_count, 1.25);
}

// Every line of `text` that starts with `prefix`, as (label text, value).
std::vector<std::pair<std::string, std::string>> lines_of(const std::string& text, const std::string& prefix) {
    std::vector<std::pair<std::string, std::string>> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.compare(0, prefix.size(), prefix) != 0) continue;
        const auto space = line.rfind(' ');
        out.emplace_back(line.substr(prefix.size(), space - prefix.size()), line.substr(space + 1));
    }
    return out;
}

double le_of(const std::string& labels) {
    const auto at = labels.find("le=\"");
    const auto end = labels.find('"', at + 4);
    const std::string v = labels.substr(at + 4, end - at - 4);
    return v == "+Inf" ? INFINITY : std::stod(v);
}

}  // namespace

TEST_CASE("prometheus text: classic buckets count exactly the fine buckets below each boundary") {
    // scale 3 (8 buckets per power of two), around 1 ms; negative indices on purpose.
    std::mt19937_64 rng(7);
    std::vector<std::uint64_t> counts(200);
    for (auto& c : counts) c = rng() % 5;
    const std::int32_t offset = -90;  // 2^(-90/8) = 0.41 ms
    const auto h = histogram(3, offset, counts, 3);
    for (const int classic_scale : {-2, 0, 1, 2, 3}) {
        gputime::PrometheusClassicBuckets buckets;
        buckets.scale = classic_scale;
        buckets.lowest_seconds = 1e-4;
        buckets.highest_seconds = 1.0;
        const std::string text = gputime::to_prometheus_text({{"lat_seconds", "Latency.", {{{}, h}}}}, buckets);
        const auto bucket_lines = lines_of(text, "lat_seconds_bucket");
        REQUIRE(bucket_lines.size() >= 3);
        for (const auto& [labels, value] : bucket_lines) {
            const double le = le_of(labels);
            // Independent: a fine bucket counts when its upper bound 2^((i+1)/8) is <= le.
            std::uint64_t expected = h.zero_count;
            for (std::size_t k = 0; k < counts.size(); ++k)
                if (std::exp2((offset + static_cast<double>(k) + 1.0) / 8.0) <= le * (1.0 + 1e-10))
                    expected += counts[k];
            INFO("classic scale " << classic_scale << " le " << le);
            CHECK(std::stoull(value) == expected);
        }
        CHECK(bucket_lines.back().first == "{le=\"+Inf\"}");
        CHECK(std::stoull(bucket_lines.back().second) == h.count);
        // Boundaries cover [1e-4, 1] and step by 2^(2^-scale).
        CHECK(le_of(bucket_lines.front().first) <= 1e-4);
        CHECK(le_of(bucket_lines[bucket_lines.size() - 2].first) >= 1.0);
        CHECK(le_of(bucket_lines[1].first) / le_of(bucket_lines[0].first) ==
              gputime_test::Approx(std::exp2(std::exp2(-classic_scale))).epsilon(1e-9));
        CHECK(buckets.max_relative_error() == gputime_test::Approx(std::exp2(std::exp2(-classic_scale)) - 1.0));
    }
}

TEST_CASE("prometheus text: sum, count, first-call summary and escaped labels, line for line") {
    auto h = histogram(0, 0, {2, 0, 1});  // (1,2]: 2, (4,8]: 1 seconds
    h.first_call_count = 4;
    h.first_call_sum_seconds = 0.5;
    gputime::PrometheusSeries series{{{"model", "a\\b\"c\nd"}, {"time", "device"}}, h};
    gputime::PrometheusClassicBuckets buckets;
    buckets.scale = 0;
    buckets.lowest_seconds = 1.0;
    buckets.highest_seconds = 8.0;
    const std::string text = gputime::to_prometheus_text({{"x_seconds", "Help \\ with\nnewline.", {series}}}, buckets);
    const std::string labels = "model=\"a\\\\b\\\"c\\nd\",time=\"device\"";
    const std::string expected =
        "# HELP x_seconds Help \\\\ with\\nnewline.\n"
        "# TYPE x_seconds histogram\n"
        "x_seconds_bucket{" +
        labels +
        ",le=\"1\"} 0\n"
        "x_seconds_bucket{" +
        labels +
        ",le=\"2\"} 2\n"
        "x_seconds_bucket{" +
        labels +
        ",le=\"4\"} 2\n"
        "x_seconds_bucket{" +
        labels +
        ",le=\"8\"} 3\n"
        "x_seconds_bucket{" +
        labels +
        ",le=\"+Inf\"} 3\n"
        "x_seconds_sum{" +
        labels +
        "} 1.25\n"
        "x_seconds_count{" +
        labels +
        "} 3\n"
        "# HELP x_first_call_seconds First call of each recording thread (Help \\\\ with\\nnewline.)\n"
        "# TYPE x_first_call_seconds summary\n"
        "x_first_call_seconds_sum{" +
        labels +
        "} 0.5\n"
        "x_first_call_seconds_count{" +
        labels + "} 4\n";
    CHECK(text == expected);
}

TEST_CASE("prometheus text: bad classic settings and a scale finer than the data are refused") {
    const auto h = histogram(2, 0, {1});
    const std::vector<gputime::PrometheusFamily> families{{"x_seconds", "h", {{{}, h}}}};
    gputime::PrometheusClassicBuckets finer;
    finer.scale = 3;
    CHECK_THROWS_AS(gputime::to_prometheus_text(families, finer), gputime::InvalidArgument);
    for (const auto& [scale, lo, hi] : std::vector<std::tuple<int, double, double>>{{9, 1e-6, 1.0},
                                                                                    {-5, 1e-6, 1.0},
                                                                                    {2, 0.0, 1.0},
                                                                                    {2, 1.0, 1.0},
                                                                                    {2, 1e-6, INFINITY},
                                                                                    {2, NAN, 1.0},
                                                                                    {8, 1e-300, 1e300}}) {
        gputime::PrometheusClassicBuckets bad;
        bad.scale = scale;
        bad.lowest_seconds = lo;
        bad.highest_seconds = hi;
        try {
            (void)gputime::to_prometheus_text(families, bad);
            INFO("accepted bad classic buckets");
            CHECK(false);
        } catch (const gputime::InvalidArgument& e) {
            CHECK(e.parameter() == "buckets");
        }
    }
}

TEST_CASE("prometheus registry: names and labels Prometheus would refuse are refused when registered") {
    gputime::SharedBoundedStats stats;
    gputime::PrometheusRegistry registry;
    registry.add("gputime_request_seconds", "Time per request.", {{"model", "m"}, {"time", "device"}}, stats);
    const auto refused = [&](const std::string& name, const std::string& help,
                             std::vector<gputime::PrometheusLabel> labels, const std::string& parameter) {
        try {
            registry.add(name, help, std::move(labels), stats);
            INFO("accepted " << name);
            CHECK(false);
        } catch (const gputime::InvalidArgument& e) {
            CHECK(e.parameter() == parameter);
        }
        CHECK(registry.series_count() == 1);  // nothing registered
    };
    refused("", "h", {}, "name");
    refused("1abc_seconds", "h", {}, "name");
    refused("a-b_seconds", "h", {}, "name");
    refused("__x_seconds", "h", {}, "name");
    refused("gputime_request", "h", {}, "name");                     // no unit
    refused("gputime_request_first_call_seconds", "h", {}, "name");  // the first-call summary's name
    refused("gputime_request_seconds", "other help", {{"model", "n"}}, "help");
    refused("x_seconds", std::string("\xff"), {}, "help");
    refused("x_seconds", "h", {{"le", "1"}}, "labels");
    refused("x_seconds", "h", {{"quantile", "1"}}, "labels");
    refused("x_seconds", "h", {{"__name__", "1"}}, "labels");
    refused("x_seconds", "h", {{"a:b", "1"}}, "labels");
    refused("x_seconds", "h", {{"", "1"}}, "labels");
    refused("x_seconds", "h", {{"a", "1"}, {"a", "2"}}, "labels");
    refused("x_seconds", "h", {{"a", std::string("\xc3\x28")}}, "labels");      // invalid UTF-8
    refused("x_seconds", "h", {{"a", std::string("\xed\xa0\x80")}}, "labels");  // a surrogate
    refused("x_seconds", "h", {{"a", std::string("\xe2\x82")}}, "labels");      // truncated
    refused("gputime_request_seconds", "Time per request.", {{"time", "device"}, {"model", "m"}},
            "labels");  // same set
    // Accepted: a colon in a metric name, UTF-8 values, another label set, the same name.
    registry.add("ns:x_seconds", "h", {{"layer", "conv \xe2\x80\x94 3x3 \"same\""}}, stats);
    registry.add("gputime_request_seconds", "Time per request.", {{"model", "m"}, {"time", "host"}}, stats);
    CHECK(registry.series_count() == 3);
    registry.add("y_seconds", "h", {}, stats);
    try {
        registry.add("y_first_call_seconds", "h", {}, stats);
        INFO("accepted a clash with a first-call summary");
        CHECK(false);
    } catch (const gputime::InvalidArgument& e) {
        CHECK(e.parameter() == "name");
    }
    try {
        registry.add("z_first_call_seconds", "h", {}, stats);
        registry.add("z_seconds", "h", {}, stats);
        INFO("accepted a clash with a first-call summary");
        CHECK(false);
    } catch (const gputime::InvalidArgument& e) {
        CHECK(e.parameter() == "name");
    }
}

TEST_CASE("prometheus registry: a scrape while threads record counts everything recorded before it") {
    gputime::SharedBoundedStats stats;
    gputime::PrometheusRegistry registry;
    registry.add("r_seconds", "h", {{"time", "device"}}, stats);
    constexpr int threads = 4;
    constexpr int per_thread = 2000;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
        workers.emplace_back([&stats, t] {
            for (int i = 0; i < per_thread; ++i) stats.add(gputime::Duration(1000.0 * (1 + (i + t) % 977)));
        });
    std::uint64_t last = 0;
    for (int scrape = 0; scrape < 50; ++scrape) {
        const auto families = registry.collect();
        const auto& s = families.at(0).series.at(0);
        const std::uint64_t seen = s.histogram.count + s.histogram.first_call_count;
        CHECK(seen >= last);  // counts never go back
        last = seen;
        (void)gputime::to_prometheus_text(families);
    }
    for (auto& w : workers) w.join();
    const auto s = registry.collect().at(0).series.at(0);
    CHECK(s.histogram.first_call_count == threads);
    CHECK(s.histogram.count == std::uint64_t{threads} * (per_thread - 1));
    // The exact total of every steady sample, in seconds.
    double total_ns = 0;
    for (int t = 0; t < threads; ++t)
        for (int i = 1; i < per_thread; ++i) total_ns += 1000.0 * (1 + (i + t) % 977);
    CHECK(s.histogram.sum_seconds == gputime_test::Approx(total_ns * 1e-9).epsilon(1e-12));
    double first_ns = 0;  // each thread's first sample, i = 0
    for (int t = 0; t < threads; ++t) first_ns += 1000.0 * (1 + t % 977);
    CHECK(s.histogram.first_call_sum_seconds == gputime_test::Approx(first_ns * 1e-9).epsilon(1e-12));
    // The buckets hold every steady sample: each one's bucket, found independently from its value.
    std::map<std::int64_t, std::uint64_t> expected;
    for (int t = 0; t < threads; ++t)
        for (int i = 1; i < per_thread; ++i) {
            const double seconds = 1e-6 * (1 + (i + t) % 977);
            expected[static_cast<std::int64_t>(std::ceil(std::log2(seconds) * std::exp2(s.histogram.scale) - 1e-9)) -
                     1] += 1;
        }
    std::map<std::int64_t, std::uint64_t> got;
    for (std::size_t k = 0; k < s.histogram.counts.size(); ++k)
        if (s.histogram.counts[k] != 0) got[s.histogram.offset + static_cast<std::int64_t>(k)] = s.histogram.counts[k];
    CHECK(got == expected);
}
