// SPDX-License-Identifier: MIT
// Exports of a layer profile: JSON and CSV of the per-layer statistics, and the Chrome trace of the
// measured iterations, at their real times. Every JSON document is read back with a strict RFC 8259 parser.
#include "support/fixed_context.hpp"
#include "support/json_checker.hpp"
#include "support/manual_clock.hpp"
#include "support/test_framework.hpp"

#include <gputime/core/detail/escape.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/measure/layer_profiler.hpp>
#include <gputime/report/chrome_trace.hpp>
#include <gputime/report/json_report.hpp>
#include <gputime/report/layer_csv.hpp>
#include <gputime/sim/runtime.hpp>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

using gputime::LayerProfile;
using gputime_test::JsonValue;
using gputime_test::ManualClock;
using gputime_test::parse_json;

namespace {

// Names a framework might really produce, and some it should not but might.
const std::string quoted = "conv \"3x3\", same";
const std::string awkward = "path\\to\tlayer\nline2\x01";
const std::string unicode = "r\xC3\xA9sum\xC3\xA9_\xE5\xB1\x82";  // "résumé_层"
const std::string broken_utf8 = "bad\xFFname";

// Three iterations; `quoted` is nested in `awkward`; "once" runs only in the first iteration.
LayerProfile sample_profile(const std::string& label = "batch 8") {
    ManualClock clock;
    gputime::LayerProfiler prof(clock);
    prof.label(label);
    for (int it = 0; it < 3; ++it) {
        auto iteration = prof.iteration();
        clock.advance(10);
        prof.time("conv1", [&] { clock.advance(it == 0 ? 5000 : 1000); });
        {
            auto outer = prof.scope(awkward);
            clock.advance(7);
            prof.time(quoted, [&] { clock.advance(300); });
        }
        prof.time(unicode, [&] { clock.advance(40); });
        prof.time(broken_utf8, [&] { clock.advance(2); });
        if (it == 0) prof.time("once", [&] { clock.advance(1); });
        clock.advance(3);
    }
    return prof.profile();
}

bool valid_utf8(const std::string& s) {
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t n = gputime::detail::utf8_sequence_length(s, i);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

const JsonValue& find_layer(const JsonValue& doc, const std::string& path) {
    for (const JsonValue& l : doc["layers"].array)
        if (l["path"].string == path) return l;
    throw std::runtime_error("no layer " + path);
}

// RFC 4180 records (CRLF line ends, quoted fields).
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string field;
    bool in_quotes = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_quotes) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                in_quotes = false;
            } else {
                field += c;
            }
        } else if (c == '"') {
            in_quotes = true;
        } else if (c == ',') {
            row.push_back(field);
            field.clear();
        } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
            row.push_back(field);
            field.clear();
            rows.push_back(row);
            row.clear();
            ++i;
        } else {
            field += c;
        }
    }
    if (!field.empty() || !row.empty()) throw std::runtime_error("csv: last record without CRLF");
    return rows;
}

}  // namespace

TEST_CASE("json escaping: every string round-trips through a strict parser, invalid UTF-8 becomes U+FFFD") {
    for (const std::string& s : {quoted, awkward, unicode, std::string("\x7F/\b\f\r"), std::string()}) {
        std::string json;
        gputime::detail::append_json_string(json, s);
        INFO(json);
        CHECK(parse_json(json).string == s);
    }
    std::string json;
    gputime::detail::append_json_string(json, broken_utf8);
    CHECK(json == "\"bad\\ufffdname\"");
    CHECK(parse_json(json).string == "bad\xEF\xBF\xBDname");
    std::string overlong;
    gputime::detail::append_json_string(overlong, "\xC0\xAF\xED\xA0\x80");  // overlong '/', a surrogate
    CHECK(overlong == "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"");
}

TEST_CASE("json numbers: shortest round trip, plain digits for nanoseconds, null for what JSON cannot hold") {
    const auto number = [](double v) {
        std::string out;
        gputime::detail::append_json_number(out, v);
        return out;
    };
    CHECK(number(25'000'000.0) == "25000000");
    CHECK(number(1234.5) == "1234.5");
    CHECK(number(0.25) == "0.25");
    CHECK(number(-0.0) == "0");
    CHECK(number(-1100.0) == "-1100");
    CHECK(number(1e300) == "1e+300");
    CHECK(number(std::nan("")) == "null");
    CHECK(number(HUGE_VAL) == "null");
    CHECK(parse_json(number(0.1 + 0.2)).number == 0.1 + 0.2);
    CHECK(parse_json(number(123.456789e-9)).number == 123.456789e-9);
}

TEST_CASE("layer json: the per-layer statistics, exact, in a valid document") {
    const LayerProfile p = sample_profile();
    gputime::JsonOptions options;
    options.context = gputime_test::fixed_context();
    const std::string text = gputime::to_json(p, options);
    INFO(text);
    CHECK(valid_utf8(text));
    const JsonValue doc = parse_json(text);
    CHECK(doc["schema"].string == "gputime-results");
    CHECK(doc["schema_version"].number == gputime::json_schema_version);
    REQUIRE(doc["results"].size() == 1);
    const JsonValue& run = doc["results"][0];
    CHECK(run["kind"].string == "layer_profile");
    CHECK(run["name"].string == "batch 8");
    CHECK(run["time"].string == "host");
    CHECK(run["iterations"].number == 3);
    CHECK(run["abandoned_iterations"].number == 0);
    CHECK(run["untraced_iterations"].number == 0);
    REQUIRE(run["layers"].size() == 6);

    const JsonValue& conv1 = run["layers"][0];
    CHECK(conv1["name"].string == "conv1");
    CHECK(conv1["parent"].is_null());
    CHECK(conv1["depth"].number == 0);
    const JsonValue& conv1_stats = conv1["stats"];
    CHECK(conv1_stats["calls"].number == 3);
    CHECK(conv1_stats["steady_calls"].number == 2);
    CHECK(conv1_stats["first_call"].number == 5000);
    CHECK(conv1_stats["first_call_overhead"].number == 4000);
    CHECK(conv1_stats["p50"].number == 1000);
    CHECK(conv1_stats["p99"].number == 1000);
    CHECK(conv1_stats["total"].number == 2000);
    CHECK(conv1_stats["samples"].size() == 2);
    CHECK(conv1_stats["samples"][1].number == 1000);
    // steady iteration: 10 + 1000 + 307 + 40 + 2 + 3 = 1362
    CHECK(conv1_stats["share"].number == gputime_test::Approx(1000.0 / 1362.0));

    // Paths escape '\\' and '/' inside names (awkward holds a backslash), so each names one layer.
    const JsonValue& nested = find_layer(run, gputime::layer_path({awkward, quoted}));
    CHECK(gputime::layer_path({awkward, quoted}) == "path\\\\to\tlayer\nline2\x01/" + quoted);
    CHECK(nested["name"].string == quoted);
    CHECK(nested["parent"].string == gputime::layer_path({awkward}));
    CHECK(nested["depth"].number == 1);
    CHECK(nested["stats"]["p50"].number == 300);
    CHECK(find_layer(run, unicode)["stats"]["first_call"].number == 40);
    CHECK(find_layer(run, "bad\xEF\xBF\xBDname")["stats"]["p50"].number == 2);

    const JsonValue& once = find_layer(run, "once")["stats"];  // one call: no steady statistics
    CHECK(once["calls"].number == 1);
    CHECK(once["first_call"].number == 1);
    CHECK(once["p50"].is_null());
    CHECK(once["share"].is_null());
    CHECK(once["first_call_overhead"].is_null());
    CHECK(once["intervals"].is_null());
    CHECK(once["samples"].size() == 0);

    CHECK(run["iteration"]["first_call"].number == 10 + 5000 + 307 + 40 + 2 + 1 + 3);
    CHECK(run["iteration"]["p50"].number == 1362);
    CHECK(run["iteration"]["share"].number == 1);
    CHECK(run["unattributed"]["p50"].number == 13);
    CHECK(run["unattributed"]["share"].number == gputime_test::Approx(26.0 / 2724.0));

    SECTION("an empty profile is a valid document too") {
        const JsonValue empty = parse_json(gputime::to_json(LayerProfile{}, options))["results"][0];
        CHECK(empty["layers"].size() == 0);
        CHECK(empty["iterations"].number == 0);
        CHECK(empty["iteration"]["first_call"].is_null());
    }
}

TEST_CASE("layer csv: one row per layer plus unattributed and iteration, names quoted per RFC 4180") {
    const LayerProfile p = sample_profile("batch, 8");
    const std::string text = gputime::to_csv(p);
    const auto rows = parse_csv(text);
    REQUIRE(rows.size() == 1 + 6 + 2);
    // label, layer, path, depth, then the statistic catalogue in its order, durations in ns.
    const std::vector<std::string> header{
        "label",   "layer",     "path",  "depth",  "calls",  "steady_calls", "first_call_ns", "first_call_overhead_ns",
        "mean_ns", "stddev_ns", "mdape", "min_ns", "p50_ns", "p90_ns",       "p99_ns",        "p999_ns",
        "max_ns",  "total_ns",  "share"};
    CHECK(rows[0] == header);
    for (const auto& row : rows) CHECK(row.size() == header.size());
    CHECK(rows[1][0] == "batch, 8");
    CHECK(rows[1][1] == "conv1");
    CHECK(rows[1][4] == "3");
    CHECK(rows[1][5] == "2");
    CHECK(rows[1][6] == "5000");
    CHECK(rows[1][10] == "0");  // err%: both steady calls are 1000 ns
    CHECK(rows[1][12] == "1000");
    CHECK(std::stod(rows[1][18]) == gputime_test::Approx(1000.0 / 1362.0));
    CHECK(rows[3][1] == quoted);
    CHECK(rows[3][2] == gputime::layer_path({awkward, quoted}));
    CHECK(rows[3][3] == "1");
    CHECK(rows[2][1] == awkward);  // a newline inside a quoted field
    CHECK(rows[6][1] == "once");
    CHECK(rows[6][12].empty());  // no steady p50
    CHECK(rows[7][1] == "(unattributed)");
    CHECK(rows[7][12] == "13");
    CHECK(rows[8][1] == "(iteration)");
    CHECK(rows[8][18] == "1");

    SECTION("several runs in one file: the header only once") {
        const std::string two =
            gputime::to_csv(p) + gputime::to_csv(sample_profile("batch 32"), gputime::CsvHeader::omit);
        const auto all = parse_csv(two);
        CHECK(all.size() == 1 + 2 * 8);
        CHECK(all[9][0] == "batch 32");
    }
}

TEST_CASE("chrome trace: valid trace-event JSON, layers inside their iteration, iterations at their real times") {
    ManualClock clock;
    gputime::LayerProfiler prof(clock);
    prof.label("batch \"1\"").trace_iterations(2);
    for (int it = 0; it < 3; ++it) {
        clock.advance(50'000);  // the next input: 50 us between iterations, outside them
        auto iteration = prof.iteration();
        clock.advance(1500);
        prof.time("conv1", [&] { clock.advance(it == 0 ? 2'000'000 : 100'250); });
        {
            auto block = prof.scope("block2");
            clock.advance(10);
            prof.time("conv", [&] { clock.advance(333); });
        }
        clock.advance(7);
    }
    const LayerProfile first = prof.profile();
    const LayerProfile second = sample_profile();
    const std::string text = gputime::to_chrome_trace({&first, &second});
    INFO(text.substr(0, 2000));
    CHECK(valid_utf8(text));
    const JsonValue doc = parse_json(text);
    REQUIRE(doc.is_object());
    CHECK(doc["displayTimeUnit"].string == "ns");
    const std::vector<JsonValue>& events = doc["traceEvents"].array;

    std::vector<const JsonValue*> x1;  // the complete events of process 1, in file order
    std::size_t metadata = 0;
    for (const JsonValue& e : events) {
        REQUIRE(e.is_object());
        REQUIRE(e["name"].is_string());
        REQUIRE(e["ph"].is_string());
        REQUIRE(e["pid"].is_number());
        REQUIRE(e["tid"].is_number());
        REQUIRE(e["args"].is_object());
        if (e["ph"].string == "M") {
            ++metadata;
            continue;
        }
        REQUIRE(e["ph"].string == "X");
        REQUIRE(e["ts"].is_number());
        REQUIRE(e["dur"].is_number());
        CHECK(e["ts"].number >= 0);
        CHECK(e["dur"].number >= 0);
        if (e["pid"].number == 1) x1.push_back(&e);
    }
    CHECK(metadata == 4);  // process_name + thread_name per profile
    CHECK(events[0]["args"]["name"].string == "batch \"1\"");

    // Two traced iterations of 4 events each (the third is over the cap).
    REQUIRE(x1.size() == 2 * 4);
    const JsonValue& it0 = *x1[0];
    const JsonValue& it1 = *x1[4];
    CHECK(it0["name"].string == "iteration 0");
    CHECK(it0["cat"].string == "iteration");
    // ts 0 is the earliest trace origin: the second profile's first iteration started at host
    // time 0 on its clock, this one's after 50 us of input preparation.
    CHECK(it0["ts"].number == 50);
    CHECK(it0["dur"].number == gputime_test::Approx(2001.85));  // us
    CHECK(it1["name"].string == "iteration 1");
    // Where it really started: after the first iteration and the 50 us between them.
    CHECK(it1["ts"].number == gputime_test::Approx(it0["ts"].number + it0["dur"].number + 50.0));
    CHECK(first.trace_iterations()[1].start.count() == 2'001'850.0 + 50'000.0);
    CHECK(first.trace_origin().count() == 50'000);  // the host time of the first iteration's start
    // Layer offsets come from the iteration start mark: conv1 starts 1.5 us in.
    const JsonValue& conv1 = *x1[5];
    CHECK(conv1["name"].string == "conv1");
    CHECK(conv1["cat"].string == "layer");
    CHECK(conv1["ts"].number == gputime_test::Approx(it1["ts"].number + 1.5));
    CHECK(conv1["dur"].number == gputime_test::Approx(100.25));
    CHECK(conv1["args"]["duration_ns"].number == 100250);
    CHECK(conv1["args"]["iteration"].number == 1);
    const JsonValue& block = *x1[6];
    const JsonValue& nested = *x1[7];
    CHECK(nested["args"]["path"].string == "block2/conv");
    // Each layer lies inside its iteration, and a nested layer inside its parent.
    for (std::size_t k = 0; k < x1.size(); ++k) {
        const JsonValue& iteration = *x1[k < 4 ? 0 : 4];
        CHECK(x1[k]->operator[]("ts").number >= iteration["ts"].number - 1e-9);
        CHECK(x1[k]->operator[]("ts").number + x1[k]->operator[]("dur").number <=
              iteration["ts"].number + iteration["dur"].number + 1e-9);
    }
    CHECK(nested["ts"].number >= block["ts"].number);
    CHECK(nested["ts"].number + nested["dur"].number <= block["ts"].number + block["dur"].number + 1e-9);

    // The second profile is process 2, with its awkward names escaped and intact.
    bool found_awkward = false;
    for (const JsonValue& e : events)
        if (e["pid"].number == 2 && e["name"].string == quoted)
            found_awkward = e["args"]["path"].string == gputime::layer_path({awkward, quoted});
    CHECK(found_awkward);

    SECTION("a single profile, and no profile at all") {
        CHECK(parse_json(gputime::to_chrome_trace(second))["traceEvents"].size() ==
              2 + 7 + 6 + 6);  // "once" only in iteration 0
        CHECK(parse_json(gputime::to_chrome_trace(std::vector<const LayerProfile*>{}))["traceEvents"].size() == 0);
        CHECK(gputime::to_chrome_trace({}) == "{\n  \"traceEvents\": [],\n  \"displayTimeUnit\": \"ns\"\n}\n");
    }
    SECTION("a null entry is skipped but keeps its process number") {
        const JsonValue skipped = parse_json(gputime::to_chrome_trace({nullptr, &first}));
        CHECK(skipped["traceEvents"].size() == 2 + 2 * 4);
        for (const JsonValue& e : skipped["traceEvents"].array) CHECK(e["pid"].number == 2);
    }
}

namespace {
// A host clock on the simulated GPU's virtual host time: what a host timer around the launches reads.
class SimHostClock {
public:
    using Mark = std::chrono::nanoseconds;
    static constexpr bool measures_device = false;
    explicit SimHostClock(gputime::sim::Runtime& gpu) : gpu_(gpu) {}
    Mark mark() const { return gpu_.host_now(); }
    void stop(const Mark& started, gputime::Stats& into) const noexcept {
        try {
            into.add(gputime::Duration(mark() - started));
        } catch (...) {
        }
    }
    gputime::Duration elapsed(const Mark& from, const Mark& to) const { return gputime::Duration(to - from); }
    void release(const Mark&) const noexcept {}
    void synchronize() const noexcept {}
    std::chrono::nanoseconds host_now() const { return gpu_.host_now(); }
    void idle_for(std::chrono::nanoseconds gap) const { gpu_.host_work(gap); }

private:
    gputime::sim::Runtime& gpu_;
};

// The ts (us) of the events named `name` in process `pid`, in file order.
std::vector<double> starts_of(const JsonValue& trace, double pid, const std::string& name) {
    std::vector<double> ts;
    for (const JsonValue& e : trace["traceEvents"].array)
        if (e["ph"].string == "X" && e["pid"].number == pid && e["name"].string == name) ts.push_back(e["ts"].number);
    return ts;
}
}  // namespace

TEST_CASE("chrome trace: device and host profiles of one loop on one timeline (simulated GPU, exact times)") {
    // Each iteration: the host prepares the next input (100 us), launches three kernels (5 us each
    // to launch) that the device runs back to back, and post-processes on the host for 1 ms while
    // the device works, so the device is done when the iteration ends (no wait to time).
    gputime::sim::Config config;
    config.api_cost = std::chrono::nanoseconds(0);
    config.event_resolution = std::chrono::nanoseconds(0);
    gputime::sim::Runtime gpu(config);
    gputime::CudaEventClock<gputime::sim::Runtime> device_clock(gpu);
    SimHostClock host_clock(gpu);
    gputime::LayerProfiler device(device_clock);
    gputime::LayerProfiler host(host_clock);
    device.label("device");
    host.label("enqueue");
    using std::chrono::microseconds;
    gpu.host_work(microseconds(1000));  // the program ran for a while before: ts 0 is the first iteration
    for (int i = 0; i < 3; ++i) {
        gpu.host_work(microseconds(100));
        auto device_iteration = device.iteration();
        auto host_iteration = host.iteration();
        for (const auto& [name, length] : {std::pair<const char*, int>{"conv1", 200}, {"conv2", 300}, {"fc", 50}}) {
            auto on_device = device.scope(name);
            auto on_host = host.scope(name);
            gpu.launch(gputime::sim::Stream{}, gputime::sim::Kernel::fixed(name, microseconds(length)));
        }
        gpu.host_work(microseconds(1000));
    }
    const LayerProfile& d = device.profile();
    const LayerProfile& h = host.profile();
    CHECK(d.trace_origin() == microseconds(1100));
    CHECK(h.trace_origin() == microseconds(1100));
    const JsonValue trace = parse_json(gputime::to_chrome_trace({&d, &h}));
    // An iteration lasts 15 + 1000 us on the host (three launches, then post-processing), and so
    // on the device, whose end mark is recorded after it; with the next input 1115 us apart.
    CHECK(starts_of(trace, 1, "iteration 0") == std::vector<double>{0});
    CHECK(starts_of(trace, 1, "iteration 1") == std::vector<double>{1115});
    CHECK(starts_of(trace, 1, "iteration 2") == std::vector<double>{2230});
    CHECK(starts_of(trace, 2, "iteration 2") == std::vector<double>{2230});
    // The host issues conv2 5 us into the iteration; the device starts it when conv1 is done
    // (5 us launch + 200 us), and fc after conv2's 300 us.
    CHECK(starts_of(trace, 2, "conv2") == std::vector<double>{5, 1120, 2235});
    CHECK(starts_of(trace, 1, "conv2") == std::vector<double>{205, 1320, 2435});
    CHECK(starts_of(trace, 1, "fc") == std::vector<double>{505, 1620, 2735});
    CHECK(d.find("fc")->time.p50().count() == 50'000.0);
    CHECK(h.find("fc")->time.p50().count() == 5'000.0);
    // One event more than an iteration needs: the origin, held while the trace records.
    CHECK(gpu.counters().event_creates == 2 * 3 + 2 + 1);
}

TEST_CASE("chrome trace: a full trace releases its origin event, raising the limit later does not reopen it") {
    gputime::sim::Config config;
    config.api_cost = std::chrono::nanoseconds(0);
    gputime::sim::Runtime gpu(config);
    gputime::CudaEventClock<gputime::sim::Runtime> clock(gpu);
    gputime::LayerProfiler prof(clock);
    prof.trace_iterations(2);
    const auto iteration = [&] {
        auto it = prof.iteration();
        prof.time("k", [&] {
            gpu.launch(gputime::sim::Stream{}, gputime::sim::Kernel::fixed("k", std::chrono::microseconds(10)));
        });
    };
    iteration();
    iteration();  // the trace is full: the origin event goes back to the pool
    const std::size_t created = clock.events_created();
    prof.trace_iterations(10);
    iteration();
    iteration();
    CHECK(clock.events_created() == created);  // steady: the pool has every event back
    CHECK(prof.profile().trace_iterations().size() == 2);
    CHECK(prof.profile().untraced_iterations() == 2);
}

TEST_CASE("json checker: it does refuse what other readers refuse") {
    for (const char* bad :
         {"{\"a\": 1,}", "[1, 2", "{\"a\" 1}", "\"tab\there\"", "01", "NaN", "\"\\x\"", "{} x", "\"\\ud800\""}) {
        INFO(bad);
        CHECK_THROWS_AS(parse_json(bad), std::runtime_error);
    }
    CHECK(parse_json(" {\"a\": [true, false, null, -1.5e3, \"\\u00e9\\ud83d\\ude00\"]} ")["a"][4].string ==
          "\xC3\xA9\xF0\x9F\x98\x80");
}
