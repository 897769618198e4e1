// SPDX-License-Identifier: MIT
// JSON for every result (gputime/report/json_report.hpp), the statistic catalogue every output reads
// (gputime/stats/statistic_catalogue.hpp) and the context block (gputime/report/run_context.hpp). Documents are
// read back with a strict RFC 8259 parser and their values checked exactly.
#include "support/fixed_context.hpp"
#include "support/json_checker.hpp"
#include "support/scripted_clock.hpp"
#include "support/test_framework.hpp"
#include "support/test_helpers.hpp"

#include <gputime/core/error.hpp>
#include <gputime/core/version.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/measure/ab_compare.hpp>
#include <gputime/measure/idle_gap_sweep.hpp>
#include <gputime/measure/warmup_runner.hpp>
#include <gputime/report/detail/json_writer.hpp>
#include <gputime/report/json_report.hpp>
#include <gputime/report/run_context.hpp>
#include <gputime/report/telemetry_text.hpp>
#include <gputime/sim/runtime.hpp>
#include <gputime/stats/statistic_catalogue.hpp>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <limits>
#include <set>
#include <string>
#include <vector>

using gputime::Duration;
using gputime::Statistic;
using gputime_test::JsonValue;
using gputime_test::parse_json;
using gputime_test::ScriptedClock;

namespace {

gputime::JsonOptions fixed(bool samples = true) {
    gputime::JsonOptions options;
    options.context = gputime_test::fixed_context();
    options.samples = samples;
    return options;
}

gputime::Stats stats_of(std::vector<double> steady, double first = 5000) {
    gputime::Stats s;
    s.add(Duration{first});
    for (const double d : steady) s.add(Duration{d});
    return s;
}

using gputime_test::invalid_argument_of;

}  // namespace

TEST_CASE("statistic catalogue: one entry per statistic, in order, with unique keys and headings") {
    std::set<std::string> keys, headings;
    for (std::size_t i = 0; i < gputime::statistic_catalogue.size(); ++i) {
        const gputime::StatisticInfo& info = gputime::statistic_catalogue[i];
        CHECK(static_cast<std::size_t>(info.statistic) == i);
        CHECK(gputime::statistic_info(info.statistic) == &info);
        CHECK(gputime::statistic_info(std::string(info.key)) == &info);
        keys.insert(info.key);
        headings.insert(info.heading);
        CHECK(std::string(info.description).size() > 10);
    }
    CHECK(keys.size() == gputime::statistic_catalogue.size());
    CHECK(headings.size() == gputime::statistic_catalogue.size());
    CHECK(gputime::statistic_info("p99.9") == nullptr);  // the key is p999, the heading p99.9
    CHECK(std::string(gputime::statistic_info(Statistic::p999)->heading) == "p99.9");
    CHECK(gputime::statistic_info(Statistic::p999)->percentile == 99.9);
    CHECK(gputime::statistic_info(Statistic::mean)->percentile < 0);
    CHECK(gputime::statistic_info(static_cast<Statistic>(99)) == nullptr);
    CHECK_FALSE(gputime::statistic_info(Statistic::calls)->summable);
    CHECK_FALSE(gputime::statistic_info(Statistic::stddev)->summable);
    CHECK(gputime::statistic_info(Statistic::first_call)->summable);
}

TEST_CASE("statistic catalogue: values of a Stats, and their text by unit") {
    const gputime::Stats s = stats_of({1000, 1200, 900, 1100, 1000});
    const auto value = [&](Statistic st) { return *gputime::statistic_value(s, st); };
    CHECK(value(Statistic::calls) == 6);
    CHECK(value(Statistic::steady_calls) == 5);
    CHECK(value(Statistic::first_call) == 5000);
    CHECK(value(Statistic::first_call_overhead) == 4000);
    CHECK(value(Statistic::mean) == 1040);
    CHECK(value(Statistic::p50) == 1000);
    CHECK(value(Statistic::p90) == 1200);
    CHECK(value(Statistic::total) == 5200);
    CHECK(value(Statistic::mdape) == gputime_test::Approx(100.0 / 1100.0));  // median of 0, 0, 1/11, 1/9, 1/6
    CHECK_FALSE(gputime::statistic_value(s, Statistic::share).has_value());  // share needs a whole
    const gputime::Stats whole = stats_of({2000, 2400, 1800, 2200, 2000});
    CHECK(*gputime::statistic_value(s, Statistic::share, &whole) == gputime_test::Approx(0.5));
    CHECK_FALSE(gputime::statistic_value(gputime::Stats{}, Statistic::p50).has_value());
    CHECK(*gputime::statistic_value(gputime::Stats{}, Statistic::calls) == 0);

    CHECK(gputime::format_statistic(Statistic::p50, 1'325'000.0) == "1.325 ms");
    CHECK(gputime::format_statistic(Statistic::steady_calls, 200.0) == "200");
    CHECK(gputime::format_statistic(Statistic::mdape, 0.0123) == "1.23%");
    CHECK(gputime::format_statistic(Statistic::share, 0.25) == "25.0%");
    CHECK(gputime::format_statistic(Statistic::p50, std::nullopt) == "-");
    CHECK(gputime::format_statistic(static_cast<Statistic>(99), 1.0) == "-");
    CHECK(std::string(gputime::unit_name(gputime::StatisticUnit::fraction)) == "fraction");
}

TEST_CASE("JsonWriter one_line layout: items of a container on one line, inside an indented file") {
    gputime::detail::JsonWriter w(2);
    w.begin_object().key("samples").begin_array(gputime::detail::JsonWriter::Layout::one_line);
    for (const double d : {1.0, 2.5, 3.0}) w.value(d);
    w.end_array();
    w.key("event").begin_object(gputime::detail::JsonWriter::Layout::one_line).key("ts").value(1.5);
    w.key("args").begin_object().key("name").value("x").end_object().end_object();
    w.key("empty").begin_array(gputime::detail::JsonWriter::Layout::one_line).end_array().end_object();
    CHECK(
        std::move(w).str() ==
        "{\n  \"samples\": [1, 2.5, 3],\n  \"event\": {\"ts\": 1.5, \"args\": {\"name\": \"x\"}},\n  \"empty\": []\n}");
    gputime::detail::JsonWriter compact(0);
    compact.begin_array(gputime::detail::JsonWriter::Layout::one_line).value(1).value(2).end_array();
    CHECK(std::move(compact).str() == "[1,2]");
}

TEST_CASE("json: every file starts with the schema, the library version, the context and the statistic legend") {
    const JsonValue doc = parse_json(gputime::to_json(stats_of({1000, 2000}), "decode", fixed()));
    CHECK(doc.object[0].first == "schema");
    CHECK(doc["schema"].string == "gputime-results");
    CHECK(doc["schema_version"].number == 2);
    CHECK(doc["gputime_version"].string == GPUTIME_VERSION);

    const JsonValue& c = doc["context"];
    CHECK(c["host_name"].string == "golden-host");
    CHECK(c["date_utc"].string == "2026-01-02T03:04:05Z");
    CHECK(c["host"]["cpu_model"].string == "Example CPU @ 3.00GHz");
    CHECK(c["host"]["logical_cores"].number == 16);
    CHECK(c["host"]["scaling_governor"].string == "performance");
    CHECK(c["host"]["turbo"].kind == JsonValue::Kind::boolean);
    CHECK_FALSE(c["host"]["turbo"].boolean);
    CHECK(c["host"]["hints"].size() == 0);  // performance governor, no turbo, optimised build
    CHECK(c["build"]["compiler"].string == "g++ 12.2.0");
    CHECK(c["build"]["build_type"].string == "optimised (NDEBUG)");
    CHECK(c["build"]["gputime_version"].string == GPUTIME_VERSION);
    const JsonValue& gpu = c["gpu"];
    CHECK(gpu["name"].string == "NVIDIA H100 80GB HBM3");
    CHECK(gpu["compute_capability"].string == "9.0");
    CHECK(gpu["multiprocessors"].number == 132);
    CHECK(gpu["memory_bytes"].number == 85'520'809'984.0);
    CHECK(gpu["sm_clock_mhz"].number == 1980);
    CHECK(gpu["memory_clock_mhz"].number == 2619);
    CHECK(gpu["driver_cuda_version"].string == "12.4");
    CHECK(gpu["runtime_cuda_version"].string == "12.4");
    CHECK_FALSE(c.has("no_gpu_reason"));

    const JsonValue& legend = doc["statistics"];
    REQUIRE(legend.size() == gputime::statistic_catalogue.size());
    for (std::size_t i = 0; i < legend.size(); ++i) {
        const gputime::StatisticInfo& info = gputime::statistic_catalogue[i];
        CHECK(legend.object[i].first == info.key);
        CHECK(legend.object[i].second["heading"].string == info.heading);
        CHECK(legend.object[i].second["hint"].string == gputime::unit_name(info.unit));
        CHECK(legend.object[i].second.has("percentile") == (info.percentile >= 0));
    }
    CHECK(legend["p50"]["unit"].string == "ns");
    CHECK(legend["calls"]["unit"].string == "calls");
    CHECK(legend["share"]["unit"].string == "1");
}

TEST_CASE("json: a context without a GPU says why, what is unknown is null") {
    gputime::JsonOptions options;
    gputime::RunContext context;  // nothing known
    context.no_gpu_reason = "built without the CUDA toolkit";
    options.context = context;
    const JsonValue c = parse_json(gputime::to_json(gputime::Stats{}, "nothing", options))["context"];
    CHECK(c["gpu"].is_null());
    CHECK(c["no_gpu_reason"].string == "built without the CUDA toolkit");
    CHECK(c["host_name"].is_null());
    CHECK(c["host"]["cpu_model"].is_null());
    CHECK(c["host"]["logical_cores"].is_null());
    CHECK(c["host"]["turbo"].is_null());
    CHECK(c["build"]["gputime_version"].string == GPUTIME_VERSION);
}

TEST_CASE("run context: this machine's host, and a GPU or the reason there is none") {
    const gputime::RunContext c = gputime::read_run_context();
    CHECK_FALSE(c.host.date_utc.empty());
    CHECK(c.host.logical_cores > 0);
    CHECK(c.gpu.has_value() == c.no_gpu_reason.empty());
    if (c.gpu) {
        CHECK_FALSE(c.gpu->name.empty());
        CHECK(c.gpu->compute_capability_major > 0);
    }
    CHECK(gputime::cuda_version_text(12040) == "12.4");
    CHECK(gputime::cuda_version_text(13000) == "13.0");
    CHECK(gputime::cuda_version_text(11080) == "11.8");
    CHECK(gputime::cuda_version_text(0).empty());
}

TEST_CASE("json: a Stats with every catalogue statistic, the percentile intervals and the samples") {
    std::vector<double> steady;
    for (int i = 1; i <= 400; ++i) steady.push_back(1000.0 + i);
    const gputime::Stats s = stats_of(steady);
    const JsonValue doc = parse_json(gputime::to_json(s, "decode", fixed()));
    REQUIRE(doc["results"].size() == 1);
    const JsonValue& r = doc["results"][0];
    CHECK(r["kind"].string == "stats");
    CHECK(r["name"].string == "decode");
    const JsonValue& st = r["stats"];
    for (const gputime::StatisticInfo& info : gputime::statistic_catalogue) {
        if (info.statistic == Statistic::share) {
            CHECK_FALSE(st.has("share"));  // a Stats of its own is no share of anything
            continue;
        }
        INFO(info.key);
        CHECK(st[info.key].number == gputime_test::Approx(*gputime::statistic_value(s, info.statistic)));
    }
    CHECK(st["p50"].number == 1200);
    CHECK(st["p99"].number == 1396);
    CHECK(st["steady_calls"].number == 400);

    const JsonValue& intervals = st["intervals"];
    CHECK(intervals["confidence"].number == 0.95);
    for (const char* key : {"p50", "p90", "p99", "p999"}) {
        const gputime::PercentileInterval expected =
            s.percentile_interval(gputime::statistic_info(std::string(key))->percentile, 0.95);
        INFO(key);
        if (expected.lower_open) CHECK(intervals[key]["lower"].is_null());
        else CHECK(intervals[key]["lower"].number == expected.lower.count());
        if (expected.upper_open) CHECK(intervals[key]["upper"].is_null());
        else CHECK(intervals[key]["upper"].number == expected.upper.count());
        CHECK(intervals[key]["coverage"].number == expected.ranks.coverage);
    }
    CHECK(intervals["p99"]["upper"].number == 1400);  // 400 samples close a p99's interval (368 needed)
    CHECK(intervals["p999"]["upper"].is_null());      // a p99.9 needs 3688
    REQUIRE(st["samples"].size() == 400);
    CHECK(st["samples"][0].number == 1001);
    CHECK(st["samples"][399].number == 1400);

    SECTION("without samples, at another confidence, on one line") {
        gputime::JsonOptions options = fixed(false);
        options.interval_confidence = 0.99;
        options.indent = 0;
        const std::string text = gputime::to_json(s, "decode", options);
        CHECK(text.find('\n') == text.size() - 1);
        const JsonValue st99 = parse_json(text)["results"][0]["stats"];
        CHECK_FALSE(st99.has("samples"));
        CHECK(st99["intervals"]["confidence"].number == 0.99);
        CHECK(st99["intervals"]["p50"]["lower"].number == s.percentile_interval(50, 0.99).lower.count());
    }
}

TEST_CASE("json: a run carries its settings, warm-up calls, statistics, model and hints") {
    ScriptedClock clock({9000, 1500, 1100, 1000, 1040, 980, 1020, 1000});
    const gputime::RunResult run = gputime::WarmupRunner(clock).warmup(3).iterations(5).name("net").run([] {});
    const JsonValue r = parse_json(gputime::to_json(run, fixed()))["results"][0];
    CHECK(r["kind"].string == "run");
    CHECK(r["name"].string == "net");
    CHECK(r["time"].string == "host");
    CHECK(r["complete"].boolean);
    CHECK(r["settings"]["mode"].string == "latency");
    CHECK(r["settings"]["warmup_calls"].number == 3);
    CHECK(r["settings"]["iterations"].number == 5);
    CHECK(r["warmup"]["calls"].number == 3);
    CHECK(r["warmup"]["total"].number == 11600);
    CHECK(r["warmup"]["durations"].size() == 3);
    CHECK(r["warmup"]["durations"][0].number == 9000);
    CHECK(r["latency"]["first_call"].number == 9000);
    CHECK(r["latency"]["steady_calls"].number == 5);
    CHECK(r["latency"]["p50"].number == 1000);
    CHECK(r["latency"]["mean"].number == 1008);
    CHECK(r["enqueue"].is_null());  // a host clock: enqueue time would repeat the latency
    CHECK(r["wall"].number == 5040);
    CHECK(r["throughput_per_second"].number == gputime_test::Approx(1e9 / 1008.0));
    CHECK(r["model"]["calls"].number == 8);
    CHECK(r["model"]["predicted_total"].number == 9000 + 7 * 1000);
    CHECK(r["model"]["measured_total"].number == 9000 + 1500 + 1100 + 1000 + 1040 + 980 + 1020 + 1000);
    REQUIRE(r["hints"].size() == gputime::hints(run).size());
    CHECK(r["hints"][0].string == gputime::hints(run)[0]);
}

TEST_CASE("json: a device-timed run has its enqueue times, an idle-gap sweep one run per gap") {
    gputime::sim::Runtime gpu;
    gputime::CudaEventClock<gputime::sim::Runtime> clock(gpu);
    using std::chrono::microseconds;
    const auto points = gputime::sweep_idle_gaps(
        gputime::WarmupRunner(clock).warmup(1).iterations(10).name("conv"), {microseconds(0), microseconds(2000)},
        [&] { gpu.launch(gputime::sim::Stream{}, gputime::sim::Kernel::fixed("conv", microseconds(100))); });
    const JsonValue r = parse_json(gputime::to_json(points, fixed()))["results"][0];
    CHECK(r["kind"].string == "idle_gap_sweep");
    CHECK(r["name"].string == "conv");
    REQUIRE(r["points"].size() == 2);
    CHECK(r["points"][0]["idle_gap"].number == 0);
    CHECK(r["points"][1]["idle_gap"].number == 2'000'000);
    const JsonValue& run = r["points"][1]["run"];
    CHECK(run["time"].string == "device");
    CHECK(run["latency"]["p50"].number == points[1].result.latency.p50().count());
    CHECK(run["enqueue"]["p50"].number == points[1].result.enqueue.p50().count());
    CHECK(run["enqueue"]["steady_calls"].number == points[1].result.enqueue.count());
}

TEST_CASE("json: a comparison, its variants and its verdicts") {
    gputime::sim::Runtime gpu;
    gputime::CudaEventClock<gputime::sim::Runtime> clock(gpu);
    gputime::CompareOptions options;
    options.samples = 30;
    options.names = {"before", "after"};
    using std::chrono::microseconds;
    const gputime::Comparison c = gputime::compare(
        clock, [&] { gpu.launch(gputime::sim::Stream{}, gputime::sim::Kernel::fixed("a", microseconds(100))); },
        [&] { gpu.launch(gputime::sim::Stream{}, gputime::sim::Kernel::fixed("b", microseconds(80))); }, options);
    const JsonValue r = parse_json(gputime::to_json(c, "kernel rewrite", fixed()))["results"][0];
    CHECK(r["kind"].string == "comparison");
    CHECK(r["name"].string == "kernel rewrite");
    CHECK(r["time"].string == "device");
    CHECK(r["settings"]["samples"].number == 30);
    CHECK(r["settings"]["min_effect"].number == 0.02);
    REQUIRE(r["variants"].size() == 2);
    CHECK(r["variants"][0]["name"].string == "before");
    CHECK(r["variants"][1]["latency"]["p50"].number == c.variants[1].latency.p50().count());
    REQUIRE(r["contrasts"].size() == 1);
    const JsonValue& k = r["contrasts"][0];
    CHECK(k["variant"].string == "after");
    CHECK(k["baseline"].string == "before");
    CHECK(k["ratio"].number == c.contrasts[0].ratio);
    CHECK(k["ratio_lower"].number == c.contrasts[0].ratio_lower);
    CHECK(k["verdict"].string == "FASTER");
    CHECK(k["p_value"].number == c.contrasts[0].p_value);
}

TEST_CASE("json report: several results in one file, in the order added") {
    ScriptedClock clock(std::vector<double>(20, 100.0));
    const gputime::RunResult a = gputime::WarmupRunner(clock).warmup(1).iterations(4).name("a").run([] {});
    const gputime::RunResult b = gputime::WarmupRunner(clock).warmup(1).iterations(4).name("").run([] {});
    gputime::JsonReport report(fixed());
    CHECK(report.size() == 0);
    CHECK(parse_json(report.str())["results"].size() == 0);
    report.add(a).add(b).add("s", stats_of({1, 2, 3}));
    CHECK(report.size() == 3);
    const JsonValue doc = parse_json(report.str());
    REQUIRE(doc["results"].size() == 3);
    CHECK(doc["results"][0]["name"].string == "a");
    CHECK(doc["results"][1]["name"].string == "run");  // an unnamed run
    CHECK(doc["results"][2]["kind"].string == "stats");
    CHECK(report.str() == report.str());  // str() leaves the report as it was
}

TEST_CASE("json: bad options are refused with InvalidArgument naming them") {
    for (const double confidence : {0.0, 1.0, -0.5, std::nan("")}) {
        gputime::JsonOptions options = fixed();
        options.interval_confidence = confidence;
        const gputime::InvalidArgument e = invalid_argument_of([&] { gputime::JsonReport report(options); });
        CHECK(e.parameter() == "options");
        CHECK(e.where() == "JsonReport");
    }
    gputime::JsonOptions options = fixed();
    options.indent = -1;
    CHECK(invalid_argument_of([&] { (void)gputime::to_json(gputime::Stats{}, "x", options); }).parameter() ==
          "options");
}

TEST_CASE("json: GPU telemetry as a result, and the one comparison layout") {
    gputime::TelemetrySummary t;
    t.source = "simulator";
    t.device_name = "sim GPU";
    t.calls = 10;
    t.sampled = 8;
    t.throttled = 2;
    t.thermal = 2;
    t.sm_clock_min_mhz = 900.0;
    t.sm_clock_mean_mhz = 1500.0;
    t.sm_clock_max_mhz = 1980.0;
    t.expected_clock_mhz = 1980.0;
    t.clocks_locked = false;
    t.throttled_calls = {4, 7};
    const JsonValue r = parse_json(gputime::to_json(t, "gemm telemetry", fixed()))["results"][0];
    CHECK(r["kind"].string == "telemetry");
    CHECK(r["name"].string == "gemm telemetry");
    CHECK(r["source"].string == "simulator");
    CHECK(r["device"].string == "sim GPU");
    CHECK(r["available"].boolean);
    CHECK(r["sampled"].number == 8);
    CHECK(r["throttled_fraction"].number == 0.25);
    CHECK(r["sm_clock_min_mhz"].number == 900.0);
    CHECK(r["memory_clock_mhz"].is_null());
    CHECK(r["clocks_locked"].boolean == false);
    REQUIRE(r["throttled_calls"].size() == 2);
    CHECK(r["throttled_calls"][1].number == 7);
    // The hints are the text report's, word for word.
    const std::vector<std::string> hints = gputime::hints(t);
    REQUIRE(r["hints"].size() == hints.size());
    REQUIRE(hints.size() == 2);
    CHECK(r["hints"][1].string == hints[1]);
    CHECK(hints[1].rfind("throttled during 25.0% of samples (thermal)", 0) == 0);

    // The same object through the writer, for a document of one's own.
    gputime::detail::JsonWriter w(0);
    gputime::detail::write_telemetry(w, t);
    const JsonValue own = parse_json(std::move(w).str());
    CHECK(own["throttled"].number == 2);
    CHECK_FALSE(own.has("kind"));

    // A comparison has one JSON layout: the catalogue's, under "contrasts" (no "comparisons",
    // no "p50_ns").
    gputime::Stats a = stats_of({1000, 1010, 1020, 1030, 1040, 1050});
    gputime::Stats b = stats_of({2000, 2010, 2020, 2030, 2040, 2050});
    const std::string text = gputime::to_json(gputime::compare_measured({a, b}), "ab", fixed());
    CHECK(text.find("\"contrasts\"") != std::string::npos);
    CHECK(text.find("\"comparisons\"") == std::string::npos);
    CHECK(text.find("_ns\"") == std::string::npos);
}
