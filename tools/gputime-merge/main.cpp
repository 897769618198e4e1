// SPDX-License-Identifier: MIT
// gputime-merge - pools the results of many gputime JSON files (one benchmark run on many
// machines, or many runs on one) into one file, result by result, exactly.
//
//   gputime-merge -o fleet.json host-a.json host-b.json results/host-c/
//
// Each input is a gputime results file (gputime::JsonReport, docs/json_schema.md) or a directory
// of them (every *.json in it, in name order). Results are matched by kind and name; every input
// must hold the same results. Each Stats object is pooled from its samples: calls and steady
// calls add, every statistic (mean, stddev, percentiles, intervals) is that of the pooled samples,
// the samples are concatenated in input order, and first calls pool as gputime::Stats::merge pools
// them (first_call is their mean). So merging the files of N machines gives the file one machine
// would have written had it measured every call. Per kind:
//   * stats: the Stats pooled.
//   * run: latency and enqueue pooled; warm-up calls, totals and durations added/concatenated,
//     wall time added, throughput recomputed from the pooled mean; complete and settled hold when
//     they hold in every input; stop_reason and hints are those of the inputs (distinct ones
//     joined). model, transient and target_interval describe one run's sequence of calls and are
//     null. time and settings must agree.
//   * layer_profile: iteration, unattributed and every layer pooled (share recomputed);
//     iteration counts added; the layers (their paths, in order) and time must agree.
//   * idle_gap_sweep: each point's run merged as a run; the gaps must agree.
//   * comparison, telemetry: refused (a comparison's verdict is not a pool of verdicts: merge the
//     runs and compare them with gputime-compare).
// The output has the first input's context and a "merged_from" list of every input's file and
// context. Inputs without samples (JsonOptions::samples off) cannot be pooled exactly: refused.
//
// Exit status: 0 merged; 2 for a usage error or an input that cannot be read, is not gputime's
// JSON, or is inconsistent (with itself: samples that contradict its statistics, counts that do
// not add up; or with the other inputs: a result missing, other settings); the message names the
// file and the field (results[3].latency.samples[17]). Nothing is written then.
#include <gputime/core/duration.hpp>
#include <gputime/core/version.hpp>
#include <gputime/report/detail/json_writer.hpp>
#include <gputime/report/json_report.hpp>
#include <gputime/stats/stats.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr int exit_merged = 0;
constexpr int exit_input = 2;

const char* const usage_text =
    "usage: gputime-merge [-o OUTPUT] INPUT...\n"
    "  INPUT      a gputime JSON results file, or a directory of them (every *.json)\n"
    "  -o OUTPUT  write the merged file there (default: standard output)\n"
    "Pools every result of the inputs, matched by kind and name: counts add, every statistic is\n"
    "that of the pooled samples. exit status: 0 merged, 2 usage error or bad/inconsistent input\n";

// An input or usage problem: exit status 2, the message names the file and the field.
struct InputError : std::runtime_error {
    using std::runtime_error::runtime_error;
};
// A command line that makes no sense: exit status 2, with the usage.
struct UsageError : InputError {
    using InputError::InputError;
};
[[noreturn]] void fail(const std::string& file, const std::string& field, const std::string& why) {
    throw InputError(file + (field.empty() ? "" : ": " + field) + ": " + why);
}

std::string number_text(double x) {
    std::ostringstream out;
    out.precision(17);
    out << x;
    return out.str();
}

struct Input {
    std::string file;
    json doc;
};

std::vector<std::string> expand(const std::string& path) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        std::vector<std::string> files;
        for (const auto& entry : fs::directory_iterator(path))
            if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path().string());
        std::sort(files.begin(), files.end());
        if (files.empty()) fail(path, "", "a directory without *.json files");
        return files;
    }
    return {path};
}

Input load(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) fail(file, "", "cannot be read");
    Input input{file, {}};
    try {
        input.doc = json::parse(in);
    } catch (const json::exception& e) {
        fail(file, "", std::string("not JSON: ") + e.what());
    }
    const json& d = input.doc;
    if (!d.is_object()) fail(file, "", "not a gputime results file (the document is not an object)");
    if (!d.contains("schema") || d["schema"] != "gputime-results") fail(file, "schema", "must be \"gputime-results\"");
    const json& version = d.contains("schema_version") ? d["schema_version"] : json();
    if (!version.is_number_integer() || version.get<std::int64_t>() != gputime::json_schema_version)
        fail(file, "schema_version",
             "must be " + std::to_string(gputime::json_schema_version) + ", got " +
                 (version.is_null() ? "nothing" : version.dump()));
    if (!d.contains("results") || !d["results"].is_array()) fail(file, "results", "must be an array");
    if (!d.contains("context") || !d["context"].is_object()) fail(file, "context", "must be an object");
    return input;
}

// One Stats object of one input, checked against its own samples.
struct StatsPart {
    gputime::Stats stats;
    double confidence = 0.0;  // of its intervals; 0 when it has none (no steady sample)
};

std::uint64_t count_at(const json& o, const std::string& file, const std::string& field, const char* key) {
    if (!o.contains(key)) fail(file, field + "." + key, "missing");
    const json& v = o[key];
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0))
        fail(file, field + "." + key, "must be a whole number >= 0, got " + v.dump());
    return v.get<std::uint64_t>();
}

StatsPart read_stats(const json& o, const std::string& file, const std::string& field) {
    if (!o.is_object()) fail(file, field, "must be a statistics object");
    if (!o.contains("samples"))
        fail(file, field + ".samples",
             "missing: the file was written without samples (JsonOptions::samples), and pooling needs every sample");
    const json& samples = o["samples"];
    if (!samples.is_array()) fail(file, field + ".samples", "must be an array of durations, got " + samples.dump());
    StatsPart part;
    const std::uint64_t steady = count_at(o, file, field, "steady_calls");
    const std::uint64_t calls = count_at(o, file, field, "calls");
    if (steady != samples.size())
        fail(file, field + ".steady_calls",
             "is " + std::to_string(steady) + " but samples holds " + std::to_string(samples.size()));
    if (calls < steady)
        fail(file, field + ".calls",
             "is " + std::to_string(calls) + ", fewer than steady_calls (" + std::to_string(steady) + ")");
    const std::uint64_t first_calls = calls - steady;
    const json& first = o.contains("first_call") ? o["first_call"] : json();
    if (first_calls != 0) {
        if (!first.is_number() || !(first.get<double>() >= 0.0) || !std::isfinite(first.get<double>()))
            fail(file, field + ".first_call",
                 "must be a finite duration >= 0 (calls - steady_calls = " + std::to_string(first_calls) + "), got " +
                     first.dump());
        for (std::uint64_t i = 0; i < first_calls; ++i) {
            gputime::Stats one;
            one.set_first_call(gputime::Duration{first.get<double>()});
            part.stats.merge(one);
        }
    } else if (!first.is_null()) {
        fail(file, field + ".first_call", "must be null when calls == steady_calls, got " + first.dump());
    }
    part.stats.reserve(samples.size());
    for (std::size_t k = 0; k < samples.size(); ++k) {
        const json& s = samples[k];
        if (!s.is_number() || !(s.get<double>() >= 0.0) || !std::isfinite(s.get<double>()))
            fail(file, field + ".samples[" + std::to_string(k) + "]",
                 "must be a finite duration >= 0, got " + s.dump());
        part.stats.add_steady(gputime::Duration{s.get<double>()});
    }
    if (steady == 0) return part;
    // The file's own statistics must be those of its samples.
    const auto agrees = [&](const char* key, double expected, double tolerance) {
        const json& v = o.contains(key) ? o[key] : json();
        if (!v.is_number() || !(std::fabs(v.get<double>() - expected) <= tolerance * std::fabs(expected)))
            fail(file, field + "." + key, "is " + v.dump() + " but the samples give " + number_text(expected));
    };
    agrees("min", part.stats.min().count(), 0.0);
    agrees("max", part.stats.max().count(), 0.0);
    agrees("p50", part.stats.p50().count(), 0.0);
    agrees("p99", part.stats.p99().count(), 0.0);
    agrees("mean", part.stats.mean().count(), 1e-9);
    const json& intervals = o.contains("intervals") ? o["intervals"] : json();
    if (!intervals.is_object() || !intervals.contains("confidence") || !intervals["confidence"].is_number() ||
        !(intervals["confidence"].get<double>() > 0.0 && intervals["confidence"].get<double>() < 1.0))
        fail(file, field + ".intervals.confidence", "must be a number in (0, 1)");
    part.confidence = intervals["confidence"].get<double>();
    return part;
}

// A Stats object pooled over the inputs, with the confidence of their intervals.
struct StatsPool {
    gputime::Stats stats;
    double confidence = 0.0;
    std::string confidence_file;

    void add(const json& o, const std::string& file, const std::string& field) {
        StatsPart part = read_stats(o, file, field);
        if (part.confidence != 0.0) {
            if (confidence != 0.0 && part.confidence != confidence)
                fail(file, field + ".intervals.confidence",
                     "is " + number_text(part.confidence) + " but " + confidence_file + " has " +
                         number_text(confidence));
            if (confidence == 0.0) confidence_file = file;
            confidence = part.confidence;
        }
        stats.merge(part.stats);
    }
    void write(gputime::detail::JsonWriter& w, const gputime::Stats* whole = nullptr) const {
        gputime::JsonOptions options;
        options.samples = true;
        if (confidence != 0.0) options.interval_confidence = confidence;
        gputime::detail::write_stats(w, stats, options, whole);
    }
};

// Any JSON value through gputime's writer (numbers as gputime writes them).
void write_value(gputime::detail::JsonWriter& w, const json& v) {
    using Layout = gputime::detail::JsonWriter::Layout;
    switch (v.type()) {
        case json::value_t::object:
            w.begin_object();
            for (auto it = v.begin(); it != v.end(); ++it) {
                w.key(it.key());
                write_value(w, it.value());
            }
            w.end_object();
            break;
        case json::value_t::array: {
            const bool flat = std::all_of(v.begin(), v.end(), [](const json& e) { return e.is_primitive(); });
            w.begin_array(flat ? Layout::one_line : Layout::block);
            for (const json& e : v) write_value(w, e);
            w.end_array();
            break;
        }
        case json::value_t::string: w.value(v.get<std::string>()); break;
        case json::value_t::boolean: w.value(v.get<bool>()); break;
        case json::value_t::number_unsigned: w.value(v.get<std::uint64_t>()); break;
        case json::value_t::number_integer: w.value(v.get<std::int64_t>()); break;
        case json::value_t::number_float: w.value(v.get<double>()); break;
        default: w.null(); break;
    }
}

// A result of every input: result i of input k is parts[k].
struct Matched {
    std::vector<const json*> parts;
    std::vector<std::string> fields;  // "results[i]" in each input
};

const json& member(const json& o, const std::string& file, const std::string& field, const char* key) {
    if (!o.is_object() || !o.contains(key)) fail(file, field + "." + key, "missing");
    return o[key];
}

void require_equal(const Matched& m, const std::vector<Input>& inputs, const char* key) {
    const json& first = member(*m.parts[0], inputs[0].file, m.fields[0], key);
    for (std::size_t k = 1; k < m.parts.size(); ++k) {
        const json& other = member(*m.parts[k], inputs[k].file, m.fields[k], key);
        if (other == first) continue;
        std::string where = std::string(".") + key;
        json there = first, here = other;
        if (first.is_object() && other.is_object())  // name the member that differs
            for (auto it = first.begin(); it != first.end(); ++it)
                if (!other.contains(it.key()) || other[it.key()] != it.value()) {
                    where += "." + it.key();
                    there = it.value();
                    here = other.contains(it.key()) ? other[it.key()] : json();
                    break;
                }
        fail(inputs[k].file, m.fields[k] + where,
             "differs from " + inputs[0].file + " (" + there.dump() + " there, " + here.dump() + " here)");
    }
}

std::uint64_t sum_counts(const Matched& m, const std::vector<Input>& inputs, const std::string& sub, const char* key) {
    std::uint64_t total = 0;
    for (std::size_t k = 0; k < m.parts.size(); ++k) {
        const json& o = sub.empty() ? *m.parts[k] : member(*m.parts[k], inputs[k].file, m.fields[k], sub.c_str());
        total += count_at(o, inputs[k].file, m.fields[k] + (sub.empty() ? "" : "." + sub), key);
    }
    return total;
}

// The members of a run (a "run" result, or a sweep point's "run"), from "time" on.
void write_run(gputime::detail::JsonWriter& w, const Matched& m, const std::vector<Input>& inputs) {
    require_equal(m, inputs, "time");
    require_equal(m, inputs, "settings");
    const auto each = [&](const char* key) {
        std::vector<const json*> v;
        for (std::size_t k = 0; k < m.parts.size(); ++k)
            v.push_back(&member(*m.parts[k], inputs[k].file, m.fields[k], key));
        return v;
    };
    w.key("time");
    write_value(w, (*m.parts[0])["time"]);
    w.key("settings");
    write_value(w, (*m.parts[0])["settings"]);
    bool complete = true;
    for (const json* c : each("complete")) {
        if (!c->is_boolean()) fail(inputs[0].file, m.fields[0] + ".complete", "must be true or false");
        complete = complete && c->get<bool>();
    }
    w.key("complete").value(complete);
    if (m.parts[0]->contains("stop_reason")) {
        std::vector<std::string> reasons;
        for (std::size_t k = 0; k < m.parts.size(); ++k) {
            const json& r = member(*m.parts[k], inputs[k].file, m.fields[k], "stop_reason");
            if (!r.is_string()) fail(inputs[k].file, m.fields[k] + ".stop_reason", "must be a string");
            if (std::find(reasons.begin(), reasons.end(), r.get<std::string>()) == reasons.end())
                reasons.push_back(r.get<std::string>());
        }
        std::string joined;
        for (const std::string& r : reasons) joined += (joined.empty() ? "" : "; ") + r;
        w.key("stop_reason").value(joined);
    }
    // The samples first: an input without them is refused for that, whatever else it lacks.
    StatsPool latency, enqueue;
    for (std::size_t k = 0; k < m.parts.size(); ++k)
        latency.add(member(*m.parts[k], inputs[k].file, m.fields[k], "latency"), inputs[k].file,
                    m.fields[k] + ".latency");
    const std::vector<const json*> enqueues = each("enqueue");
    const bool has_enqueue = !enqueues[0]->is_null();
    for (std::size_t k = 0; k < enqueues.size(); ++k) {
        if (enqueues[k]->is_null() == has_enqueue)
            fail(inputs[k].file, m.fields[k] + ".enqueue",
                 std::string(has_enqueue ? "is null here but recorded in " : "is recorded here but null in ") +
                     inputs[0].file);
        if (has_enqueue) enqueue.add(*enqueues[k], inputs[k].file, m.fields[k] + ".enqueue");
    }
    // Warm-up: counts and totals add, durations concatenate.
    std::uint64_t warmup_calls = 0;
    double warmup_total = 0.0;
    bool settled = true;
    json durations = json::array();
    for (std::size_t k = 0; k < m.parts.size(); ++k) {
        const std::string field = m.fields[k] + ".warmup";
        const json& wu = member(*m.parts[k], inputs[k].file, m.fields[k], "warmup");
        warmup_calls += count_at(wu, inputs[k].file, field, "calls");
        const json& total = member(wu, inputs[k].file, field, "total");
        if (!total.is_number()) fail(inputs[k].file, field + ".total", "must be a duration");
        warmup_total += total.get<double>();
        const json& s = member(wu, inputs[k].file, field, "settled");
        if (!s.is_boolean()) fail(inputs[k].file, field + ".settled", "must be true or false");
        settled = settled && s.get<bool>();
        if (!wu.contains("durations"))
            fail(inputs[k].file, field + ".durations",
                 "missing: the file was written without samples (JsonOptions::samples), and pooling needs every call");
        const json& d = wu["durations"];
        if (!d.is_array() || d.size() != count_at(wu, inputs[k].file, field, "calls"))
            fail(inputs[k].file, field + ".durations", "must be an array of warmup.calls durations");
        for (const json& x : d) durations.push_back(x);
    }
    w.key("warmup").begin_object();
    w.key("calls").value(warmup_calls);
    w.key("total").value(warmup_total);
    w.key("settled").value(settled);
    w.key("durations");
    write_value(w, durations);
    w.end_object();
    w.key("latency");
    latency.write(w);
    w.key("enqueue");
    if (has_enqueue) enqueue.write(w);
    else w.null();
    double wall = 0.0;
    for (std::size_t k = 0; k < m.parts.size(); ++k) {
        const json& x = member(*m.parts[k], inputs[k].file, m.fields[k], "wall");
        if (!x.is_number()) fail(inputs[k].file, m.fields[k] + ".wall", "must be a duration");
        wall += x.get<double>();
    }
    w.key("wall").value(wall);
    w.key("throughput_per_second");
    if (latency.stats.count() > 0 && latency.stats.mean().count() > 0.0) w.value(1e9 / latency.stats.mean().count());
    else w.null();
    w.key("model").null();  // one run's sequence of calls: not a property of the pool
    if (m.parts[0]->contains("transient")) w.key("transient").null();
    if (m.parts[0]->contains("target_interval")) w.key("target_interval").null();
    std::vector<std::string> hints;
    for (std::size_t k = 0; k < m.parts.size(); ++k) {
        const json& h = member(*m.parts[k], inputs[k].file, m.fields[k], "hints");
        if (!h.is_array()) fail(inputs[k].file, m.fields[k] + ".hints", "must be an array of strings");
        for (const json& x : h)
            if (x.is_string() && std::find(hints.begin(), hints.end(), x.get<std::string>()) == hints.end())
                hints.push_back(x.get<std::string>());
    }
    w.key("hints").begin_array();
    for (const std::string& h : hints) w.value(h);
    w.end_array();
}

void write_layer_profile(gputime::detail::JsonWriter& w, const Matched& m, const std::vector<Input>& inputs) {
    require_equal(m, inputs, "time");
    w.key("time");
    write_value(w, (*m.parts[0])["time"]);
    for (const char* key : {"iterations", "abandoned_iterations", "untraced_iterations"})
        w.key(key).value(sum_counts(m, inputs, "", key));
    StatsPool iteration, unattributed;
    for (std::size_t k = 0; k < m.parts.size(); ++k) {
        iteration.add(member(*m.parts[k], inputs[k].file, m.fields[k], "iteration"), inputs[k].file,
                      m.fields[k] + ".iteration");
        unattributed.add(member(*m.parts[k], inputs[k].file, m.fields[k], "unattributed"), inputs[k].file,
                         m.fields[k] + ".unattributed");
    }
    w.key("iteration");
    iteration.write(w, &iteration.stats);
    w.key("unattributed");
    unattributed.write(w, &iteration.stats);
    const json& layers0 = member(*m.parts[0], inputs[0].file, m.fields[0], "layers");
    if (!layers0.is_array()) fail(inputs[0].file, m.fields[0] + ".layers", "must be an array");
    for (std::size_t k = 1; k < m.parts.size(); ++k) {
        const json& layers = member(*m.parts[k], inputs[k].file, m.fields[k], "layers");
        if (!layers.is_array() || layers.size() != layers0.size())
            fail(inputs[k].file, m.fields[k] + ".layers",
                 "must list the same " + std::to_string(layers0.size()) + " layers as " + inputs[0].file);
        for (std::size_t j = 0; j < layers.size(); ++j)
            if (!layers[j].is_object() || !layers[j].contains("path") || layers[j]["path"] != layers0[j]["path"])
                fail(inputs[k].file, m.fields[k] + ".layers[" + std::to_string(j) + "].path",
                     "differs from " + inputs[0].file + " (" + layers0[j].value("path", json()).dump() + " there)");
    }
    w.key("layers").begin_array();
    for (std::size_t j = 0; j < layers0.size(); ++j) {
        StatsPool pool;
        for (std::size_t k = 0; k < m.parts.size(); ++k) {
            const std::string field = m.fields[k] + ".layers[" + std::to_string(j) + "]";
            pool.add(member((*m.parts[k])["layers"][j], inputs[k].file, field, "stats"), inputs[k].file,
                     field + ".stats");
        }
        w.begin_object();
        for (const char* key : {"name", "path", "depth", "parent"}) {
            w.key(key);
            write_value(w, layers0[j].contains(key) ? layers0[j][key] : json());
        }
        w.key("stats");
        pool.write(w, &iteration.stats);
        w.end_object();
    }
    w.end_array();
}

void write_sweep(gputime::detail::JsonWriter& w, const Matched& m, const std::vector<Input>& inputs) {
    const json& points0 = member(*m.parts[0], inputs[0].file, m.fields[0], "points");
    if (!points0.is_array()) fail(inputs[0].file, m.fields[0] + ".points", "must be an array");
    for (std::size_t k = 1; k < m.parts.size(); ++k) {
        const json& points = member(*m.parts[k], inputs[k].file, m.fields[k], "points");
        if (!points.is_array() || points.size() != points0.size())
            fail(inputs[k].file, m.fields[k] + ".points",
                 "must hold the same " + std::to_string(points0.size()) + " idle gaps as " + inputs[0].file);
        for (std::size_t j = 0; j < points.size(); ++j)
            if (!points[j].is_object() || !points[j].contains("idle_gap") ||
                points[j]["idle_gap"] != points0[j]["idle_gap"])
                fail(inputs[k].file, m.fields[k] + ".points[" + std::to_string(j) + "].idle_gap",
                     "differs from " + inputs[0].file);
    }
    w.key("points").begin_array();
    for (std::size_t j = 0; j < points0.size(); ++j) {
        Matched run;
        for (std::size_t k = 0; k < m.parts.size(); ++k) {
            const std::string field = m.fields[k] + ".points[" + std::to_string(j) + "]";
            run.parts.push_back(&member((*m.parts[k])["points"][j], inputs[k].file, field, "run"));
            run.fields.push_back(field + ".run");
        }
        w.begin_object();
        w.key("idle_gap");
        write_value(w, points0[j]["idle_gap"]);
        w.key("run").begin_object();
        write_run(w, run, inputs);
        w.end_object();
        w.end_object();
    }
    w.end_array();
}

std::string merge(const std::vector<Input>& inputs) {
    // Every input's results by (kind, name), checked; the first input's order.
    struct Key {
        std::string kind, name;
        bool operator<(const Key& o) const { return std::tie(kind, name) < std::tie(o.kind, o.name); }
    };
    std::vector<Key> order;
    std::vector<std::map<Key, std::size_t>> index(inputs.size());
    for (std::size_t k = 0; k < inputs.size(); ++k) {
        const json& results = inputs[k].doc["results"];
        for (std::size_t i = 0; i < results.size(); ++i) {
            const std::string field = "results[" + std::to_string(i) + "]";
            const json& r = results[i];
            if (!r.is_object()) fail(inputs[k].file, field, "must be an object");
            if (!r.contains("kind") || !r["kind"].is_string())
                fail(inputs[k].file, field + ".kind", "must be a string");
            if (!r.contains("name") || !r["name"].is_string())
                fail(inputs[k].file, field + ".name",
                     "must be a string, got " + (r.contains("name") ? r["name"].dump() : "nothing"));
            const Key key{r["kind"].get<std::string>(), r["name"].get<std::string>()};
            if (key.kind == "comparison" || key.kind == "telemetry")
                fail(inputs[k].file, field + ".kind",
                     "a " + key.kind +
                         " result is not merged (a verdict or a device's clock readings are not a pool of "
                         "samples): merge the runs it came from, then compare them with gputime-compare");
            if (key.kind != "stats" && key.kind != "run" && key.kind != "layer_profile" && key.kind != "idle_gap_sweep")
                fail(inputs[k].file, field + ".kind", "\"" + key.kind + "\" is not a kind this version knows");
            if (!index[k].emplace(key, i).second)
                fail(inputs[k].file, field + ".name",
                     "\"" + key.name + "\" (" + key.kind + ") appears twice in the file");
            if (k == 0) order.push_back(key);
        }
    }
    for (std::size_t k = 1; k < inputs.size(); ++k) {
        for (const Key& key : order)
            if (index[k].count(key) == 0)
                fail(inputs[k].file, "results",
                     "has no " + key.kind + " result \"" + key.name + "\" (" + inputs[0].file + " has one)");
        for (const auto& [key, i] : index[k])
            if (index[0].count(key) == 0)
                fail(inputs[k].file, "results[" + std::to_string(i) + "]",
                     key.kind + " result \"" + key.name + "\" is not in " + inputs[0].file);
    }

    gputime::detail::JsonWriter w(2);
    w.begin_object();
    w.key("schema").value("gputime-results");
    w.key("schema_version").value(gputime::json_schema_version);
    w.key("gputime_version").value(GPUTIME_VERSION);
    w.key("context");
    write_value(w, inputs[0].doc["context"]);
    w.key("statistics");
    gputime::detail::write_statistic_legend(w);
    w.key("results").begin_array();
    for (const Key& key : order) {
        Matched m;
        for (std::size_t k = 0; k < inputs.size(); ++k) {
            const std::size_t i = index[k][key];
            m.parts.push_back(&inputs[k].doc["results"][i]);
            m.fields.push_back("results[" + std::to_string(i) + "]");
        }
        w.begin_object();
        w.key("kind").value(key.kind);
        w.key("name").value(key.name);
        if (key.kind == "stats") {
            StatsPool pool;
            for (std::size_t k = 0; k < inputs.size(); ++k)
                pool.add(member(*m.parts[k], inputs[k].file, m.fields[k], "stats"), inputs[k].file,
                         m.fields[k] + ".stats");
            w.key("stats");
            pool.write(w);
        } else if (key.kind == "run") {
            write_run(w, m, inputs);
        } else if (key.kind == "layer_profile") {
            write_layer_profile(w, m, inputs);
        } else {
            write_sweep(w, m, inputs);
        }
        w.end_object();
    }
    w.end_array();
    w.key("merged_from").begin_array();
    for (const Input& input : inputs) {
        w.begin_object();
        w.key("file").value(input.file);
        w.key("context");
        write_value(w, input.doc["context"]);
        w.end_object();
    }
    w.end_array();
    w.end_object();
    return w.str() + "\n";
}

}  // namespace

int main(int argc, char** argv) {
    try {
        std::string output;
        std::vector<std::string> paths;
        for (int i = 1; i < argc; ++i) {
            const std::string arg = argv[i];
            if (arg == "-h" || arg == "--help") {
                std::cout << usage_text;
                return exit_merged;
            }
            if (arg == "-o") {
                if (i + 1 >= argc) throw UsageError("-o needs a file name");
                output = argv[++i];
            } else if (arg.size() > 1 && arg[0] == '-') {
                throw UsageError("unknown option '" + arg + "'");
            } else {
                paths.push_back(arg);
            }
        }
        if (paths.empty()) throw UsageError("no input given");
        std::vector<Input> inputs;
        for (const std::string& path : paths)
            for (const std::string& file : expand(path)) inputs.push_back(load(file));
        const std::string merged = merge(inputs);
        if (output.empty()) {
            std::cout << merged;
        } else {
            std::ofstream out(output, std::ios::binary);
            out << merged;
            if (!out.flush()) throw InputError(output + ": cannot be written");
        }
        return exit_merged;
    } catch (const UsageError& e) {
        std::cerr << "gputime-merge: " << e.what() << "\n" << usage_text;
        return exit_input;
    } catch (const InputError& e) {
        std::cerr << "gputime-merge: " << e.what() << "\n";
        return exit_input;
    } catch (const std::exception& e) {
        std::cerr << "gputime-merge: " << e.what() << "\n";
        return exit_input;
    }
}
