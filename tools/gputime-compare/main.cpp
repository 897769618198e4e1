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
// One row per result: p50 (median), p99 and first call of both sides, the ratio of medians
// candidate / baseline with its confidence interval, and the verdict:
//   * both sides carry their samples (the default of gputime::JsonOptions): the ratio is the
//     Hodges-Lehmann estimate with its distribution-free interval and the verdict the two-sided
//     Mann-Whitney U test, as gputime::compare_stats computes them (method "rank");
//   * otherwise the ratio is of the two p50s and its interval is made of the two p50 intervals in
//     the files, [lower_b / upper_a, upper_b / lower_a] (method "intervals"): if each holds with
//     probability 1 - alpha, both do with at least 1 - 2 alpha, so the interval's coverage is at
//     least 90% for two 95% intervals; the difference counts as shown when it excludes 1.
//   SLOWER: shown and the ratio >= 1 + min effect; FASTER: shown and the ratio <= 1 - min effect;
//   SAME: neither, and the interval lies within [1 - min effect, 1 + min effect], so a difference
//   of the minimum effect is ruled out; inconclusive: neither, and the interval does not rule
//   one out (too few samples, too much noise). The verdicts and their labels are the library's
//   (gputime::compare_stats; gputime::verdict_of and rules_out_effect on an interval,
//   gputime/measure/verdict.hpp; gputime::verdict_label), and numbers are written as every
//   gputime report writes them (gputime/report/detail/number_text.hpp).
// Exit status (a CI gate): 1 when --fail-above PCT is given and a result is SLOWER with a ratio
// above 1 + PCT; 2 for a usage error or a file that cannot be read or is not gputime's JSON (the
// message says which and why); 0 otherwise (without --fail-above the tool only reports).
// The library itself has no third-party dependency; this tool reads JSON with nlohmann/json.
#include <gputime/measure/ab_compare.hpp>
#include <gputime/measure/comparison.hpp>
#include <gputime/report/comparison_text.hpp>
#include <gputime/report/detail/number_text.hpp>
#include <gputime/report/detail/text_table.hpp>
#include <gputime/core/duration.hpp>
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

// What one side knows of one result.
struct Measurement {
    std::optional<double> p50, p99, first_call;
    std::optional<double> p50_lower, p50_upper;  // the interval's ends; empty when open or absent
    std::vector<double> samples;                 // steady samples, when the file has them
    std::size_t steady_calls = 0;
};

struct Side {
    std::string description;                         // "a.json" or "dir/ (3 files)"
    std::vector<std::string> order;                  // result names in file order
    std::map<std::string, Measurement> results;
    std::vector<std::string> notes;                  // skipped files
    std::map<std::string, std::string> context;      // a few context fields, to warn when they differ
};

std::optional<double> number_at(const json& object, const char* key) {
    if (!object.is_object()) return std::nullopt;
    const auto it = object.find(key);
    if (it == object.end() || !it->is_number()) return std::nullopt;
    return it->get<double>();
}

Measurement measurement_of(const json& stats, const std::string& where) {
    if (!stats.is_object()) throw InputError(where + ": a statistics object was expected");
    Measurement m;
    m.p50 = number_at(stats, "p50");
    m.p99 = number_at(stats, "p99");
    m.first_call = number_at(stats, "first_call");
    if (const std::optional<double> n = number_at(stats, "steady_calls")) m.steady_calls = static_cast<std::size_t>(*n);
    const auto intervals = stats.find("intervals");
    if (intervals != stats.end() && intervals->is_object()) {
        const auto p50 = intervals->find("p50");
        if (p50 != intervals->end()) {
            m.p50_lower = number_at(*p50, "lower");
            m.p50_upper = number_at(*p50, "upper");
        }
    }
    const auto samples = stats.find("samples");
    if (samples != stats.end() && samples->is_array()) {
        m.samples.reserve(samples->size());
        for (const json& s : *samples) {
            if (!s.is_number() || !(s.get<double>() >= 0.0) || !std::isfinite(s.get<double>()))
                throw InputError(where + ": a sample that is not a finite duration >= 0");
            m.samples.push_back(s.get<double>());
        }
    }
    return m;
}

std::string string_at(const json& object, const char* key) {
    if (!object.is_object()) return {};
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

void add_result(Side& side, const std::string& name, const json& stats, const std::string& file) {
    if (side.results.count(name) != 0)
        throw InputError(file + ": result '" + name + "' appears twice in " + side.description +
                         "; results are matched by name, so names must be unique");
    side.results.emplace(name, measurement_of(stats, file + ": result '" + name + "'"));
    side.order.push_back(name);
}

const json& member(const json& object, const char* key, const std::string& where) {
    if (!object.is_object() || !object.contains(key))
        throw InputError(where + ": no \"" + key + "\" member");
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
        throw InputError(file + " is not a gputime results file (no \"schema\": \"gputime-results\"; write it "
                                "with gputime::to_json or gputime::JsonReport)");
    }
    const std::optional<double> version = number_at(doc, "schema_version");
    if (!version || *version < 1 || *version > newest_schema_version)
        throw InputError(file + ": schema_version " +
                         (version ? std::to_string(static_cast<int>(*version)) : std::string("missing")) +
                         "; this gputime-compare reads versions up to " + std::to_string(newest_schema_version));
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
    if (!results.is_array()) throw InputError(file + ": \"results\" is not an array");
    for (const json& r : results) {
        const std::string kind = string_at(r, "kind");
        const std::string name = string_at(r, "name");
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
                add_result(side, name + " / " + string_at(layer, "path"), member(layer, "stats", file), file);
        } else if (kind == "comparison") {
            for (const json& variant : member(r, "variants", file))
                add_result(side, name + " / " + string_at(variant, "name"), member(variant, "latency", file), file);
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

// The ratio of medians candidate / baseline, its interval, and the library's verdict on it.
struct Outcome {
    std::optional<gputime::Contrast> contrast;  // none without a steady sample on a side
    std::string verdict;  // gputime::verdict_label, or why there is none
    bool rank = false;    // from the samples (else from the intervals)
};

Outcome compare_one(const Measurement& a, const Measurement& b, const Options& o) {
    Outcome out;
    if (!a.samples.empty() && !b.samples.empty()) {
        gputime::Stats base, candidate;
        for (const double s : a.samples) base.add_steady(gputime::Duration{s});
        for (const double s : b.samples) candidate.add_steady(gputime::Duration{s});
        gputime::CompareOptions options;
        options.confidence = o.confidence;
        options.min_effect = o.min_effect;
        out.contrast = gputime::compare_stats(base, candidate, options);
        out.rank = true;
    } else if (a.p50 && b.p50 && *a.p50 > 0.0) {
        // From the files' p50 intervals: the library's verdict on that interval; no p-value.
        gputime::Contrast c;
        c.ratio = *b.p50 / *a.p50;
        if (b.p50_lower && a.p50_upper && *a.p50_upper > 0.0) c.ratio_lower = *b.p50_lower / *a.p50_upper;
        if (b.p50_upper && a.p50_lower && *a.p50_lower > 0.0) c.ratio_upper = *b.p50_upper / *a.p50_lower;
        c.p_value = std::numeric_limits<double>::quiet_NaN();
        c.confidence = o.confidence;
        c.min_effect = o.min_effect;
        c.verdict = gputime::verdict_of(c.ratio_lower, c.ratio_upper, o.min_effect);
        c.equivalent = gputime::rules_out_effect(c.ratio_lower, c.ratio_upper, o.min_effect);
        out.contrast = c;
    }
    out.verdict = out.contrast ? gputime::verdict_label(*out.contrast) : std::string("n/a");
    return out;
}

std::string duration_cell(const std::optional<double>& ns) {
    return ns ? gputime::format_duration(gputime::Duration{*ns}) : std::string("-");
}

using gputime::detail::percent_text;
using gputime::detail::ratio_text;

int run(const Options& o) {
    const Side a = read_side(o.baseline);
    const Side b = read_side(o.candidate);

    const char* p50 = gputime::statistic_info(gputime::Statistic::p50)->heading;
    const char* p99 = gputime::statistic_info(gputime::Statistic::p99)->heading;
    const char* first = gputime::statistic_info(gputime::Statistic::first_call)->heading;
    const std::string confidence = percent_text(o.confidence);
    gputime::detail::TextTable table(
        {"result", "base", "new", "base", "new", "base", "new", "ratio", confidence + " interval", "p",
         "verdict"},
        {"", p50, p50, p99, p99, first, first, "", "", "", ""});

    std::vector<std::string> names = a.order;
    for (const std::string& n : b.order)
        if (a.results.count(n) == 0) names.push_back(n);
    std::size_t rank_rows = 0, interval_rows = 0;
    std::vector<std::string> regressions;
    for (const std::string& name : names) {
        const auto in_a = a.results.find(name);
        const auto in_b = b.results.find(name);
        if (in_a == a.results.end() || in_b == b.results.end()) {
            const Measurement& m = in_a != a.results.end() ? in_a->second : in_b->second;
            const bool baseline_only = in_a != a.results.end();
            const auto base = [&](const std::optional<double>& v) { return baseline_only ? duration_cell(v) : "-"; };
            const auto cand = [&](const std::optional<double>& v) { return baseline_only ? "-" : duration_cell(v); };
            table.row({name, base(m.p50), cand(m.p50), base(m.p99), cand(m.p99), base(m.first_call), cand(m.first_call),
                       "-", "-", "-", baseline_only ? "only in baseline" : "only in candidate"});
            continue;
        }
        const Measurement& ma = in_a->second;
        const Measurement& mb = in_b->second;
        const Outcome out = compare_one(ma, mb, o);
        const gputime::Contrast* c = out.contrast ? &*out.contrast : nullptr;
        if (c != nullptr) (out.rank ? rank_rows : interval_rows) += 1;
        const std::string interval =
            c != nullptr ? "[" + ratio_text(c->ratio_lower) + ", " + ratio_text(c->ratio_upper) + "]" : std::string("-");
        table.row({name, duration_cell(ma.p50), duration_cell(mb.p50), duration_cell(ma.p99), duration_cell(mb.p99),
                   duration_cell(ma.first_call), duration_cell(mb.first_call),
                   c != nullptr ? ratio_text(c->ratio) + "x" : std::string("-"), interval,
                   c != nullptr ? gputime::detail::p_value_text(c->p_value) : std::string("-"), out.verdict});
        if (o.fail_above && c != nullptr && c->verdict == gputime::Verdict::slower && c->ratio > 1.0 + *o.fail_above)
            regressions.push_back(name + " (" + ratio_text(c->ratio) + "x)");
    }

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
    if (rank_rows > 0)
        method += "ratio from the samples: Hodges-Lehmann estimate of the ratio of medians, p from the two-sided "
                  "Mann-Whitney U test (" + std::to_string(rank_rows) + (rank_rows == 1 ? " result)" : " results)");
    if (interval_rows > 0) {
        if (!method.empty()) method += "; ";
        method += "ratio of p50s, interval from the files' p50 intervals, coverage at least " +
                  percent_text(1.0 - 2.0 * (1.0 - o.confidence)) + " (" + std::to_string(interval_rows) +
                  (interval_rows == 1 ? " result without samples)" : " results without samples)");
    }
    std::string verdicts = "SLOWER/FASTER: a difference shown at " + confidence +
                           " confidence and of at least " + percent_text(o.min_effect) +
                           "; SAME: the interval rules out one of " + percent_text(o.min_effect) +
                           "; inconclusive: neither (measure more, or on a quieter machine)";
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
