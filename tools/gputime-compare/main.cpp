// SPDX-License-Identifier: MIT
// gputime-compare - compare two sets of gputime results (JSON files written by
// gputime::to_json / gputime::JsonReport) and say, per result, whether it got slower.
//
//   gputime-compare baseline.json candidate.json
//   gputime-compare --markdown --fail-above 5% results/main/ results/pr/
//
// Each argument is a gputime JSON file or a directory of them (every *.json in it; files that
// are not gputime results, a Chrome trace for instance, are skipped with a note). Results are
// matched by name: a run by its name, a Stats by the name it was written with, an idle-gap sweep
// point as "<name> @ idle gap <gap>", a layer profile as "<label>" (the iteration) and
// "<label> / <layer path>", an A/B comparison's variants as "<name> / <variant>".
// One row per result: p50 (median), p99 and first call of both sides, the ratio candidate /
// baseline with its confidence interval, the verdict (gputime::verdict_of: SLOWER only when the
// whole interval lies at or above 1 + min effect, SAME when it lies within 1 +- min effect, ...)
// and the evidence it rests on. Runs of one result are matched by name; the same name in several
// files of a directory is several runs (repetitions) of that result.
//   * every run carries its samples (the default of gputime::JsonOptions): gputime::compare_runs
//     (gputime/measure/run_to_run.hpp). With several runs on a side, run-level medians (Welch's
//     t, as Google Benchmark's compare.py compares repetitions; widened when the runs of a side
//     drift), evidence "N vs M runs". With one run per side, the Hodges-Lehmann interval of the
//     two runs' samples, widened by the drift each run shows between its segments, evidence
//     "1 run each, drift +-x%": load that changes between two runs taken one after the other is
//     invisible to a rank test of their samples, and one run per side can only account for the
//     load changes the runs themselves show (repeat the runs for more).
//   * otherwise one run per side: the ratio of the two p50s, its interval made of the two p50
//     intervals in the files, [lower_b / upper_a, upper_b / lower_a] (if each holds with
//     probability 1 - alpha, both do with at least 1 - 2 alpha), evidence "p50 intervals"; several
//     runs per side: their p50s as run-level values, evidence "N vs M run p50s".
// A file is refused (exit status 2, the file and the field named) when it is not what gputime
// writes, never compared: a field of the wrong type ("samples": "abc", "name": 123), a sample or
// statistic that is not a finite duration >= 0, samples that contradict the file's own
// statistics (steady_calls, min, p50, max), a schema_version that is not a whole number this tool
// reads.
// Exit status (a CI gate): 1 when --fail-above PCT is given and a result is SLOWER with a ratio
// above 1 + PCT; 2 for a usage error, a file that cannot be read or is not gputime's JSON, or
// when no result name appears on both sides (nothing compared: a renamed benchmark must not pass
// the gate); 0 otherwise (without --fail-above the tool only reports).
// The library itself has no third-party dependency; this tool reads JSON with nlohmann/json.
#include <gputime/core/duration.hpp>
#include <gputime/measure/ab_compare.hpp>
#include <gputime/measure/comparison.hpp>
#include <gputime/measure/run_to_run.hpp>
#include <gputime/measure/verdict.hpp>
#include <gputime/report/comparison_text.hpp>
#include <gputime/report/detail/number_text.hpp>
#include <gputime/report/detail/text_table.hpp>
#include <gputime/stats/statistic_catalogue.hpp>
#include <gputime/stats/stats.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr int exit_same = 0;
constexpr int exit_regression = 1;
constexpr int exit_usage = 2;
constexpr int newest_schema_version = 2;

const char* const usage_text =
    "usage: gputime-compare [--markdown] [--fail-above PCT] [--min-effect PCT] [--confidence C]\n"
    "                       BASELINE CANDIDATE\n"
    "  BASELINE, CANDIDATE  a gputime JSON file, or a directory of them (results matched by name)\n"
    "  --markdown           print a GitHub markdown table (for a pull-request comment)\n"
    "  --fail-above PCT     exit 1 when a result is SLOWER with a ratio above 1 + PCT (5% or 5)\n"
    "  --min-effect PCT     the smallest difference worth a verdict (default 2%)\n"
    "  --confidence C       confidence of the ratio's interval, 1 - the test's level (default 0.95)\n"
    "exit status: 0 no regression beyond --fail-above, 1 regression, 2 usage or input error\n";

// An input problem (a file that cannot be read, is not gputime's JSON, ...): exit status 2.
struct InputError : std::runtime_error {
    using std::runtime_error::runtime_error;
};
// A command line that makes no sense: exit status 2, with the usage.
struct UsageError : InputError {
    using InputError::InputError;
};

struct Options {
    bool markdown = false;
    std::optional<double> fail_above;  // a fraction
    double min_effect = 0.02;
    double confidence = 0.95;
    std::string baseline;
    std::string candidate;
};

// "5%", "5" -> 0.05; "0.5%" -> 0.005.
double parse_percent(const std::string& option, const std::string& text) {
    std::string digits = text;
    if (!digits.empty() && digits.back() == '%') digits.pop_back();
    char* end = nullptr;
    const double value = std::strtod(digits.c_str(), &end);
    if (digits.empty() || end != digits.c_str() + digits.size() || !std::isfinite(value) || value < 0.0 ||
        value >= 100.0)
        throw UsageError(option + " needs a percentage in [0, 100), like 5% or 5; got '" + text + "'");
    return value / 100.0;
}

Options parse_arguments(int argc, char** argv) {
    Options o;
    std::vector<std::string> positional;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const auto next = [&]() -> std::string {
            if (i + 1 >= argc) throw UsageError(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--markdown") {
            o.markdown = true;
        } else if (arg == "--fail-above") {
            o.fail_above = parse_percent(arg, next());
        } else if (arg == "--min-effect") {
            o.min_effect = parse_percent(arg, next());
        } else if (arg == "--confidence") {
            const std::string text = next();
            char* end = nullptr;
            o.confidence = std::strtod(text.c_str(), &end);
            if (text.empty() || end != text.c_str() + text.size() || !(o.confidence > 0.0 && o.confidence < 1.0))
                throw UsageError("--confidence needs a number in (0, 1), like 0.95; got '" + text + "'");
        } else if (arg == "-h" || arg == "--help") {
            std::cout << usage_text;
            std::exit(exit_same);
        } else if (arg.size() > 1 && arg[0] == '-') {
            throw UsageError("unknown option '" + arg + "'");
        } else {
            positional.push_back(arg);
        }
    }
    if (positional.size() != 2)
        throw UsageError("expected two arguments, BASELINE and CANDIDATE; got " + std::to_string(positional.size()));
    o.baseline = positional[0];
    o.candidate = positional[1];
    return o;
}

// What one run of one result holds.
struct Measurement {
    std::optional<double> p50, p99, first_call;
    std::optional<double> p50_lower, p50_upper;  // the interval's ends; empty when open or absent
    std::vector<double> samples;                 // steady samples, when the file has them
    bool has_samples = false;
};

// What one side knows: every run of every result, by name.
struct Side {
    std::string description;                                  // "a.json" or "dir/ (3 files)"
    std::vector<std::string> order;                           // result names in file order
    std::map<std::string, std::vector<Measurement>> results;  // runs of each result
    std::vector<std::string> notes;                           // skipped files
    std::map<std::string, std::string> context;               // a few context fields, to warn when they differ
    std::set<std::string> in_this_file;                       // names seen in the file being read
};

std::optional<double> number_at(const json& object, const char* key) {
    if (!object.is_object()) return std::nullopt;
    const auto it = object.find(key);
    if (it == object.end() || !it->is_number()) return std::nullopt;
    return it->get<double>();
}

// A field that is not what gputime writes: the file is refused, naming it.
[[noreturn]] void bad_field(const std::string& where, const std::string& field, const std::string& why,
                            const json& value) {
    throw InputError(where + ": field \"" + field + "\" " + why + ", got " + value.dump());
}

// A duration field: absent or null (open, or no sample), else a finite number >= 0.
std::optional<double> duration_at(const json& object, const char* key, const std::string& where) {
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) return std::nullopt;
    if (!it->is_number() || !(it->get<double>() >= 0.0) || !std::isfinite(it->get<double>()))
        bad_field(where, key, "must be a duration in ns (a finite number >= 0)", *it);
    return it->get<double>();
}

Measurement measurement_of(const json& stats, const std::string& where) {
    if (!stats.is_object()) throw InputError(where + ": a statistics object was expected, got " + stats.dump());
    Measurement m;
    m.p50 = duration_at(stats, "p50", where);
    m.p99 = duration_at(stats, "p99", where);
    m.first_call = duration_at(stats, "first_call", where);
    const std::optional<double> min = duration_at(stats, "min", where);
    const std::optional<double> max = duration_at(stats, "max", where);
    std::optional<std::uint64_t> steady_calls;
    if (const auto n = stats.find("steady_calls"); n != stats.end()) {
        if (!n->is_number_unsigned() && !(n->is_number_integer() && n->get<std::int64_t>() >= 0))
            bad_field(where, "steady_calls", "must be a whole number >= 0", *n);
        steady_calls = n->get<std::uint64_t>();
    }
    const auto intervals = stats.find("intervals");
    if (intervals != stats.end() && !intervals->is_null()) {
        if (!intervals->is_object()) bad_field(where, "intervals", "must be an object", *intervals);
        const auto p50 = intervals->find("p50");
        if (p50 != intervals->end() && !p50->is_null()) {
            if (!p50->is_object()) bad_field(where, "intervals.p50", "must be an object", *p50);
            m.p50_lower = duration_at(*p50, "lower", where + ": intervals.p50");
            m.p50_upper = duration_at(*p50, "upper", where + ": intervals.p50");
        }
    }
    const auto samples = stats.find("samples");
    if (samples != stats.end()) {
        if (!samples->is_array()) bad_field(where, "samples", "must be an array of durations in ns", *samples);
        m.has_samples = true;
        m.samples.reserve(samples->size());
        for (std::size_t k = 0; k < samples->size(); ++k) {
            const json& v = (*samples)[k];
            if (!v.is_number() || !(v.get<double>() >= 0.0) || !std::isfinite(v.get<double>()))
                bad_field(where, "samples[" + std::to_string(k) + "]",
                          "must be a duration in ns (a finite number >= 0)", v);
            m.samples.push_back(v.get<double>());
        }
        // The file's own statistics must be those of its samples (gputime writes both).
        if (steady_calls && *steady_calls != m.samples.size())
            bad_field(where, "steady_calls", "contradicts the " + std::to_string(m.samples.size()) + " samples",
                      stats.at("steady_calls"));
        if (!m.samples.empty()) {
            gputime::Stats check;
            for (const double v : m.samples) check.add_steady(gputime::Duration{v});
            const std::pair<const char*, std::pair<std::optional<double>, double>> own[] = {
                {"p50", {m.p50, check.p50().count()}},
                {"min", {min, check.min().count()}},
                {"max", {max, check.max().count()}},
            };
            for (const auto& [key, values] : own)
                if (values.first && *values.first != values.second)
                    bad_field(where, key,
                              "contradicts the samples (they give " +
                                  gputime::format_duration(gputime::Duration{values.second}) + ")",
                              stats.at(key));
        }
    }
    return m;
}

std::string string_at(const json& object, const char* key) {
    if (!object.is_object()) return {};
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A string field that must be a string when it is there (a result's name, kind, a layer's path).
std::string text_field(const json& object, const char* key, const std::string& where) {
    if (!object.is_object()) throw InputError(where + ": an object was expected, got " + object.dump());
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) return {};
    if (!it->is_string()) bad_field(where, key, "must be a string", *it);
    return it->get<std::string>();
}

// One run of result `name`; the same name in another file of the side is another run of it.
void add_result(Side& side, const std::string& name, const json& stats, const std::string& file) {
    if (!side.in_this_file.insert(name).second)
        throw InputError(file + ": result '" + name +
                         "' appears twice in one file; results are matched by name, so names must be unique "
                         "within a file (runs of one result go in separate files)");
    std::vector<Measurement>& runs = side.results[name];
    if (runs.empty()) side.order.push_back(name);
    runs.push_back(measurement_of(stats, file + ": result '" + name + "'"));
}

const json& member(const json& object, const char* key, const std::string& where) {
    if (!object.is_object() || !object.contains(key)) throw InputError(where + ": no \"" + key + "\" member");
    return object.at(key);
}

// Reads one gputime JSON file into `side`. Returns false (and leaves `side` alone) when the
// file is JSON but not gputime results and `skip_foreign` is set.
bool read_file(Side& side, const fs::path& path, bool skip_foreign) {
    const std::string file = path.string();
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError("cannot open " + file);
    json doc;
    try {
        doc = json::parse(in);
    } catch (const json::parse_error& e) {
        throw InputError("cannot parse " + file + ": not valid JSON (at byte " + std::to_string(e.byte) + ")");
    } catch (const json::exception& e) {
        throw InputError("cannot parse " + file + ": " + e.what());
    }
    if (!doc.is_object() || string_at(doc, "schema") != "gputime-results") {
        if (skip_foreign) {
            side.notes.push_back("skipped " + file + ": not a gputime results file");
            return false;
        }
        throw InputError(file +
                         " is not a gputime results file (no \"schema\": \"gputime-results\"; write it "
                         "with gputime::to_json or gputime::JsonReport)");
    }
    const auto version = doc.find("schema_version");
    if (version == doc.end())
        throw InputError(file + ": field \"schema_version\" is missing; this gputime-compare reads versions 1 to " +
                         std::to_string(newest_schema_version));
    if (!version->is_number_integer() || version->get<std::int64_t>() < 1 ||
        version->get<std::int64_t>() > newest_schema_version)
        bad_field(file, "schema_version",
                  "must be a version this gputime-compare reads, a whole number from 1 to " +
                      std::to_string(newest_schema_version),
                  *version);
    const json& context = doc.contains("context") ? doc.at("context") : json::object();
    const json host = context.is_object() && context.contains("host") ? context.at("host") : json::object();
    const json build = context.is_object() && context.contains("build") ? context.at("build") : json::object();
    const json gpu = context.is_object() && context.contains("gpu") ? context.at("gpu") : json();
    const std::pair<const char*, std::string> fields[] = {
        {"CPU", string_at(host, "cpu_model")},
        {"GPU", gpu.is_object() ? string_at(gpu, "name") : std::string("none")},
        {"build", string_at(build, "build_type")},
        {"compiler", string_at(build, "compiler")},
    };
    for (const auto& [field, value] : fields)
        if (side.context.count(field) == 0) side.context[field] = value;

    const json& results = member(doc, "results", file);
    if (!results.is_array()) bad_field(file, "results", "must be an array", results);
    side.in_this_file.clear();
    for (std::size_t index = 0; index < results.size(); ++index) {
        const json& r = results[index];
        const std::string at = file + ": results[" + std::to_string(index) + "]";
        const std::string kind = text_field(r, "kind", at);
        const std::string name = text_field(r, "name", at);
        if (kind == "run") {
            add_result(side, name, member(r, "latency", file), file);
        } else if (kind == "stats") {
            add_result(side, name, member(r, "stats", file), file);
        } else if (kind == "idle_gap_sweep") {
            for (const json& point : member(r, "points", file)) {
                const std::optional<double> gap = number_at(point, "idle_gap");
                const std::string label = name + " @ idle gap " +
                                          (gap ? gputime::format_duration(gputime::Duration{*gap}) : std::string("?"));
                add_result(side, label, member(member(point, "run", file), "latency", file), file);
            }
        } else if (kind == "layer_profile") {
            add_result(side, name, member(r, "iteration", file), file);
            for (const json& layer : member(r, "layers", file))
                add_result(side, name + " / " + text_field(layer, "path", at), member(layer, "stats", file), file);
        } else if (kind == "comparison") {
            for (const json& variant : member(r, "variants", file))
                add_result(side, name + " / " + text_field(variant, "name", at), member(variant, "latency", file),
                           file);
        } else {
            side.notes.push_back("skipped result '" + name + "' of " + file + ": unknown kind '" + kind + "'");
        }
    }
    return true;
}

Side read_side(const std::string& argument) {
    Side side;
    const fs::path path(argument);
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        std::vector<fs::path> files;
        for (const fs::directory_entry& e : fs::directory_iterator(path, ec))
            if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
        if (ec) throw InputError("cannot list " + argument + ": " + ec.message());
        std::sort(files.begin(), files.end());
        side.description = argument;
        std::size_t read = 0;
        for (const fs::path& f : files) read += read_file(side, f, true) ? 1 : 0;
        if (read == 0) throw InputError(argument + " holds no gputime results file (*.json)");
        side.description = argument + " (" + std::to_string(read) + (read == 1 ? " file)" : " files)");
        return side;
    }
    if (!fs::exists(path, ec)) throw InputError(argument + " does not exist");
    side.description = argument;
    read_file(side, path, false);
    return side;
}

// The ratio candidate / baseline, its interval, the library's verdict on it, and what it rests on.
struct Outcome {
    bool compared = false;  // false without a steady sample on a side
    double ratio = 1.0, lower = 0.0, upper = std::numeric_limits<double>::infinity();
    double p_value = std::numeric_limits<double>::quiet_NaN();
    gputime::Verdict verdict = gputime::Verdict::inconclusive;
    std::string evidence;  // short, for the table
    enum class Method { samples, one_run_each, p50_intervals, run_p50s } method = Method::samples;
};

Outcome compare_one(const std::vector<Measurement>& a, const std::vector<Measurement>& b, const Options& o) {
    Outcome out;
    gputime::RunToRunOptions options;
    options.confidence = o.confidence;
    options.min_effect = o.min_effect;
    const auto all_samples = [](const std::vector<Measurement>& runs) {
        for (const Measurement& m : runs)
            if (m.samples.empty()) return false;
        return true;
    };
    const auto runs_text = [&](const char* what) {
        return std::to_string(a.size()) + " vs " + std::to_string(b.size()) + " " + what;
    };
    if (all_samples(a) && all_samples(b)) {
        auto runs_of = [](const std::vector<Measurement>& side) {
            std::vector<std::vector<gputime::Duration>> runs;
            for (const Measurement& m : side) {
                runs.emplace_back();
                for (const double v : m.samples) runs.back().emplace_back(v);
            }
            return runs;
        };
        const gputime::RunToRunComparison c = gputime::compare_runs(runs_of(a), runs_of(b), options);
        out.compared = true;
        out.ratio = c.ratio;
        out.lower = c.ratio_lower;
        out.upper = c.ratio_upper;
        out.p_value = c.p_value;
        out.verdict = c.verdict;
        switch (c.evidence) {
            case gputime::RunEvidence::repeated_runs: out.evidence = runs_text("runs"); break;
            case gputime::RunEvidence::one_run_each:
                out.method = Outcome::Method::one_run_each;
                out.evidence = "1 run each, drift +-" + gputime::detail::percent_text(c.drift_allowance, 1);
                break;
            case gputime::RunEvidence::one_run_each_short:
                out.method = Outcome::Method::one_run_each;
                out.evidence = "1 run each, too short for drift";
                break;
        }
        return out;
    }
    const auto p50s = [](const std::vector<Measurement>& side) {
        for (const Measurement& m : side)
            if (!m.p50 || !(*m.p50 > 0.0)) return false;
        return true;
    };
    if (!p50s(a) || !p50s(b)) return out;  // no steady sample on a side
    out.compared = true;
    out.method = Outcome::Method::p50_intervals;
    if (a.size() == 1 && b.size() == 1) {
        // From the files' p50 intervals; there is no p-value.
        out.ratio = *b[0].p50 / *a[0].p50;
        if (b[0].p50_lower && a[0].p50_upper && *a[0].p50_upper > 0.0) out.lower = *b[0].p50_lower / *a[0].p50_upper;
        if (b[0].p50_upper && a[0].p50_lower && *a[0].p50_lower > 0.0) out.upper = *b[0].p50_upper / *a[0].p50_lower;
        out.verdict = gputime::verdict_of(out.lower, out.upper, o.min_effect);
        out.evidence = "p50 intervals";
        return out;
    }
    // Several runs without samples: each run's p50 is its run-level value.
    auto p50_runs = [](const std::vector<Measurement>& side) {
        std::vector<std::vector<gputime::Duration>> runs;
        for (const Measurement& m : side) runs.push_back({gputime::Duration{*m.p50}});
        return runs;
    };
    const gputime::RunToRunComparison c = gputime::compare_runs(p50_runs(a), p50_runs(b), options);
    out.ratio = c.ratio;
    out.lower = c.ratio_lower;
    out.upper = c.ratio_upper;
    out.p_value = c.p_value;
    out.verdict = c.verdict;
    out.method = Outcome::Method::run_p50s;
    out.evidence = runs_text("run p50s");
    return out;
}

// A statistic over a side's runs for the table: its value in the one run, the median over several.
std::optional<double> over_runs(const std::vector<Measurement>& runs, std::optional<double> Measurement::*field) {
    std::vector<double> values;
    for (const Measurement& m : runs)
        if (m.*field) values.push_back(*(m.*field));
    if (values.empty()) return std::nullopt;
    std::sort(values.begin(), values.end());
    return values[(values.size() - 1) / 2];
}

using gputime::detail::percent_text;
using gputime::detail::ratio_text;

std::string duration_cell(const std::optional<double>& ns) {
    return ns ? gputime::format_duration(gputime::Duration{*ns}) : std::string("-");
}

int run(const Options& o) {
    const Side a = read_side(o.baseline);
    const Side b = read_side(o.candidate);

    const char* p50 = gputime::statistic_info(gputime::Statistic::p50)->heading;
    const char* p99 = gputime::statistic_info(gputime::Statistic::p99)->heading;
    const char* first = gputime::statistic_info(gputime::Statistic::first_call)->heading;
    const std::string confidence = percent_text(o.confidence);
    gputime::detail::TextTable table({"result", "base", "new", "base", "new", "base", "new", "ratio",
                                      confidence + " interval", "p", "verdict", "evidence"},
                                     {"", p50, p50, p99, p99, first, first, "", "", "", "", ""});

    std::vector<std::string> names = a.order;
    for (const std::string& n : b.order)
        if (a.results.count(n) == 0) names.push_back(n);
    std::size_t sample_rows = 0, one_run_rows = 0, interval_rows = 0, p50_run_rows = 0, matched = 0;
    std::vector<std::string> regressions;
    for (const std::string& name : names) {
        const auto in_a = a.results.find(name);
        const auto in_b = b.results.find(name);
        const auto p50_of = [](const std::vector<Measurement>& runs) { return over_runs(runs, &Measurement::p50); };
        const auto p99_of = [](const std::vector<Measurement>& runs) { return over_runs(runs, &Measurement::p99); };
        const auto first_of = [](const std::vector<Measurement>& runs) {
            return over_runs(runs, &Measurement::first_call);
        };
        if (in_a == a.results.end() || in_b == b.results.end()) {
            const std::vector<Measurement>& m = in_a != a.results.end() ? in_a->second : in_b->second;
            const bool baseline_only = in_a != a.results.end();
            const auto base = [&](const std::optional<double>& v) { return baseline_only ? duration_cell(v) : "-"; };
            const auto cand = [&](const std::optional<double>& v) { return baseline_only ? "-" : duration_cell(v); };
            table.row({name, base(p50_of(m)), cand(p50_of(m)), base(p99_of(m)), cand(p99_of(m)), base(first_of(m)),
                       cand(first_of(m)), "-", "-", "-", baseline_only ? "only in baseline" : "only in candidate",
                       "-"});
            continue;
        }
        ++matched;
        const std::vector<Measurement>& ma = in_a->second;
        const std::vector<Measurement>& mb = in_b->second;
        const Outcome out = compare_one(ma, mb, o);
        if (out.compared) {
            switch (out.method) {
                case Outcome::Method::samples: ++sample_rows; break;
                case Outcome::Method::one_run_each: ++one_run_rows; break;
                case Outcome::Method::p50_intervals: ++interval_rows; break;
                case Outcome::Method::run_p50s: ++p50_run_rows; break;
            }
        }
        const std::string interval =
            out.compared ? "[" + ratio_text(out.lower) + ", " + ratio_text(out.upper) + "]" : std::string("-");
        table.row(
            {name, duration_cell(p50_of(ma)), duration_cell(p50_of(mb)), duration_cell(p99_of(ma)),
             duration_cell(p99_of(mb)), duration_cell(first_of(ma)), duration_cell(first_of(mb)),
             out.compared ? ratio_text(out.ratio) + "x" : std::string("-"), interval,
             out.compared && !std::isnan(out.p_value) ? gputime::detail::p_value_text(out.p_value) : std::string("-"),
             out.compared ? std::string(gputime::to_string(out.verdict)) : std::string("n/a"),
             out.compared ? out.evidence : std::string("-")});
        if (o.fail_above && out.compared && out.verdict == gputime::Verdict::slower && out.ratio > 1.0 + *o.fail_above)
            regressions.push_back(name + " (" + ratio_text(out.ratio) + "x)");
    }
    if (matched == 0 && !names.empty())
        throw InputError("no result name appears on both sides (" + std::to_string(a.results.size()) + " in " +
                         a.description + ", " + std::to_string(b.results.size()) + " in " + b.description +
                         "): nothing was compared; a renamed or missing benchmark must not pass as no regression");

    std::vector<std::string> notes;
    for (const auto& [field, value] : a.context) {
        const auto other = b.context.find(field);
        if (other != b.context.end() && other->second != value)
            notes.push_back(std::string("the runs differ in ") + field + ": '" + value + "' vs '" + other->second +
                            "'");
    }
    for (const Side* side : {&a, &b})
        for (const std::string& n : side->notes) notes.push_back(n);
    std::string method;
    if (sample_rows > 0)
        method += "repeated runs: Welch's t on run-level medians, widened by the drift between the runs of a side (" +
                  std::to_string(sample_rows) + (sample_rows == 1 ? " result)" : " results)");
    if (one_run_rows > 0) {
        if (!method.empty()) method += "; ";
        method +=
            "one run each: Hodges-Lehmann interval of the ratio of medians from the samples, widened by the "
            "drift the runs show between their segments; a load change the runs do not show cannot be told "
            "from a change of code: repeat the runs (" +
            std::to_string(one_run_rows) + (one_run_rows == 1 ? " result)" : " results)");
    }
    if (interval_rows > 0) {
        if (!method.empty()) method += "; ";
        method += "ratio of p50s, interval from the files' p50 intervals, coverage at least " +
                  percent_text(1.0 - 2.0 * (1.0 - o.confidence)) + " (" + std::to_string(interval_rows) +
                  (interval_rows == 1 ? " result without samples)" : " results without samples)");
    }
    if (p50_run_rows > 0) {
        if (!method.empty()) method += "; ";
        method += "repeated runs without samples: Welch's t on the runs' p50s (" + std::to_string(p50_run_rows) +
                  (p50_run_rows == 1 ? " result)" : " results)");
    }
    std::string verdicts = "SLOWER/FASTER: the whole " + confidence + " interval at least " +
                           percent_text(o.min_effect) + " from 1; SAME: the interval within " +
                           percent_text(o.min_effect) +
                           " of 1; otherwise what the interval shows (inconclusive: "
                           "measure more, or on a quieter machine)";
    std::string gate;
    if (o.fail_above)
        gate = regressions.empty()
                   ? "no result is slower by more than " + percent_text(*o.fail_above)
                   : std::to_string(regressions.size()) + (regressions.size() == 1 ? " result is" : " results are") +
                         " slower by more than " + percent_text(*o.fail_above) + ": ";
    for (std::size_t i = 0; i < regressions.size(); ++i) gate += (i == 0 ? "" : ", ") + regressions[i];

    if (o.markdown) {
        std::cout << "### gputime-compare: `" << a.description << "` -> `" << b.description << "`\n\n";
        std::cout << table.markdown() << "\n";
        if (!method.empty()) std::cout << "- " << method << "\n";
        std::cout << "- " << verdicts << "\n";
        for (const std::string& n : notes) std::cout << "- note: " << n << "\n";
        if (!gate.empty()) std::cout << "\n**" << (regressions.empty() ? "OK" : "REGRESSION") << "**: " << gate << "\n";
    } else {
        std::cout << "gputime-compare: " << a.description << " -> " << b.description << "\n";
        std::cout << table.str();
        if (!method.empty()) std::cout << method << "\n";
        std::cout << verdicts << "\n";
        for (const std::string& n : notes) std::cout << "note: " << n << "\n";
        if (!gate.empty()) std::cout << (regressions.empty() ? "OK: " : "REGRESSION: ") << gate << "\n";
    }
    return regressions.empty() ? exit_same : exit_regression;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(parse_arguments(argc, argv));
    } catch (const UsageError& e) {
        std::cerr << "gputime-compare: " << e.what() << "\n" << usage_text;
        return exit_usage;
    } catch (const InputError& e) {
        std::cerr << "gputime-compare: " << e.what() << "\n";
        return exit_usage;
    } catch (const std::exception& e) {
        std::cerr << "gputime-compare: " << e.what() << "\n";
        return exit_usage;
    }
}
