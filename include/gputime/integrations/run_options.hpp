// SPDX-License-Identifier: MIT
// gputime/integrations/run_options.hpp - the standard command line of a program that measures:
// warm-up, iterations, precision target, limits, device and output files, from arguments and GPUTIME_*.
//
//   gputime::ProgramInfo info{"bench_model", "Times my model's forward pass."};
//   const gputime::RunOptions options = gputime::RunOptions::from_args(argc, argv, info);
//   gputime::WarmupRunner runner(clock);
//   options.apply_to(runner);                     // warm-up, count or precision target
//   if (!options.json.empty()) std::ofstream(options.json) << gputime::to_json(runner.run(forward));
//
// docs/run_options.md.
#pragma once

#include <gputime/core/error.hpp>
#include <gputime/measure/run_result.hpp>
#include <gputime/measure/warmup_runner.hpp>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#if defined(__has_include)
#if __has_include(<unistd.h>)
#include <unistd.h>
#define GPUTIME_DETAIL_RUN_OPTIONS_HAVE_ACCESS 1
#endif
#endif

namespace gputime {

/// A program's own option, next to the standard ones (e.g. layer_by_layer's --out DIR).
struct ProgramOption {
    /// What the option takes.
    enum class Kind {
        flag,              ///< no value: --autotune
        value,             ///< one value: --model PATH
        whole_number,      ///< a whole number >= minimum: --threads N (checked like --iterations)
        output_file,       ///< a file to write, checked before anything is measured
        output_directory,  ///< a directory to write into (made if missing), checked the same way
    };
    std::string name;          ///< "--out"
    Kind kind = Kind::value;   ///< What it takes.
    std::string value_name;    ///< "DIR", shown in --help
    std::string help;          ///< one line of --help
    std::string default_text;  ///< shown as "(default ...)"; empty: no default
    std::size_t minimum = 0;   ///< whole_number: the smallest value accepted
};

/// The standard settings of a run, read from the command line and the environment.
class RunOptions {
public:
    // --- measurement ---------------------------------------------------------------------------
    std::size_t warmup = 10;       ///< --warmup N: calls before measuring
    bool warmup_auto = false;      ///< --warmup auto: until MSER-5 sees the transient end
    std::size_t iterations = 100;  ///< --iterations N: measured calls (without --target)
    double target_percent = 0.0;   ///< --target PERCENT: measure until p50 is known to +-PERCENT; 0: off
    std::chrono::nanoseconds min_time = std::chrono::milliseconds(500);  ///< --min-time (with --target)
    std::chrono::nanoseconds max_time = std::chrono::seconds(15);        ///< --max-time (with --target)
    std::size_t min_samples = 10;                                        ///< --min-samples N (with --target)
    std::size_t max_samples = 10000000;                                  ///< --max-samples N (with --target)
    int device = 0;                                                      ///< --device N: the CUDA device
    bool quick = false;  ///< --quick: the program's short settings (CI smoke tests)
    // --- output files (empty: not written) -----------------------------------------------------
    std::string json;      ///< --json FILE
    std::string html;      ///< --html FILE
    std::string markdown;  ///< --markdown FILE
    std::string csv;       ///< --csv FILE
    // --- the program's own options -------------------------------------------------------------
    /// Whether the program option `name` ("--autotune") was given (command line only).
    bool has(const std::string& name) const { return program_values_.count(name) != 0; }
    /// Its value, or `fallback` when it was not given.
    std::string value(const std::string& name, const std::string& fallback = {}) const {
        const auto it = program_values_.find(name);
        return it == program_values_.end() ? fallback : it->second;
    }
    /// The value of a whole_number option (checked by parse()), or `fallback`.
    std::size_t number(const std::string& name, std::size_t fallback) const {
        const auto it = program_values_.find(name);
        return it == program_values_.end() ? fallback : std::stoull(it->second);
    }
    /// True when --help (or -h) was given: parse() sets it and stops there.
    bool help_requested = false;

    /// The precision target --target and the limits describe (relative half-width of the 95%
    /// interval of the median).
    PrecisionTarget precision_target() const {
        PrecisionTarget t;
        t.relative_half_width = target_percent / 100.0;
        t.min_time = min_time;
        t.max_time = max_time;
        t.min_samples = min_samples;
        t.max_samples = max_samples;
        return t;
    }

    /// Sets `runner`'s warm-up (a count, or automatic) and its end (a count, or the precision
    /// target with its limits). A precision target implies an automatic warm-up unless --warmup
    /// gave a count.
    template <class Clock>
    WarmupRunner<Clock>& apply_to(WarmupRunner<Clock>& runner) const {
        if (warmup_auto || (target_percent > 0.0 && !warmup_given_)) runner.warmup_auto();
        else runner.warmup(warmup);
        if (target_percent > 0.0) runner.until(precision_target());
        else runner.iterations(iterations);
        return runner;
    }

    /// Environment variables, by name (tests pass their own; from_args reads the process's).
    using Environment = std::map<std::string, std::string>;
    struct Program;

    /// Reads `args` (without the program name) over `env` over the program's defaults. Stops at
    /// --help (help_requested). Throws gputime::InvalidArgument whose parameter() is the option
    /// or variable at fault ("--iterations", "GPUTIME_TARGET"), changing nothing else. Does not
    /// check the output files: check_outputs() does.
    static RunOptions parse(const std::vector<std::string>& args, const Environment& env, const Program& program);

    /// Checks, without writing anything, that every output file can be written (its directory
    /// exists and is writable, and the file, when it exists, is writable) and that every output
    /// directory exists as a writable directory or can be made. Throws gputime::InvalidArgument
    /// naming the option.
    void check_outputs(const Program& program) const;

    /// The --help text: every option, its default (the program's) and its variable.
    static std::string help(const Program& program);

    /// The usual entry point of a program: parse(argv, the process's GPUTIME_* variables),
    /// then check_outputs(). --help: prints help() on stdout, exits 0. An error: prints
    /// "<program>: <what>" and a hint on stderr, exits 2.
    static RunOptions from_args(int argc, char** argv, const Program& program);

    /// The environment variables parse() reads, in the order of --help.
    static std::vector<std::string> environment_names();

private:
    std::map<std::string, std::string> program_values_;
    bool warmup_given_ = false;
};

/// What --help says about a program: its name and purpose, its defaults of the standard
/// settings (and with --quick), and its own options.
struct RunOptions::Program {
    std::string name;                    ///< "demo"
    std::string summary;                 ///< what it measures, one or two lines
    RunOptions defaults;                 ///< the program's defaults of the standard settings
    std::optional<RunOptions> quick;     ///< the settings --quick selects; none: --quick is not offered
    std::vector<ProgramOption> options;  ///< its own options
    std::string quick_text;              ///< what --quick does, for --help ("3 warm-up + 30 calls")
    /// The standard options it acts on ("--iterations", "--json", ...); empty: all of them. The
    /// others are not options of it, and their variables are ignored (meant for other programs).
    std::vector<std::string> standard;
    /// What a standard option means for this program, when it says more than the general line
    /// ({"--iterations", "forward passes per batch size"}).
    std::map<std::string, std::string> standard_help;
};
/// What --help says about a program (RunOptions::Program).
using ProgramInfo = RunOptions::Program;

namespace detail::run_options {

[[noreturn]] inline void fail(const std::string& parameter, const std::string& problem) {
    throw InvalidArgument("RunOptions", parameter, problem);
}

inline std::string quoted(const std::string& s) { return "'" + s + "'"; }

// A whole number in [low, high], all of `text`.
inline std::size_t whole_number(const std::string& parameter, const std::string& text, std::size_t low,
                                std::size_t high = static_cast<std::size_t>(-1)) {
    std::size_t n = 0;
    const char* end = text.data() + text.size();
    const std::from_chars_result r = std::from_chars(text.data(), end, n);
    if (text.empty() || r.ec != std::errc{} || r.ptr != end || n < low || n > high)
        fail(parameter, "needs a whole number" + (low > 0 ? " >= " + std::to_string(low) : std::string()) + ", got " +
                            quoted(text));
    return n;
}

// A finite decimal number, all of `text` but an optional suffix from `suffixes` (returned).
inline double decimal(const std::string& parameter, const std::string& text, const std::string& expected,
                      std::string* suffix = nullptr) {
    double x = 0.0;
    const char* begin = text.data();
    const char* end = text.data() + text.size();
    const std::from_chars_result r = std::from_chars(begin, end, x);
    if (text.empty() || r.ec != std::errc{} || !std::isfinite(x))
        fail(parameter, "needs " + expected + ", got " + quoted(text));
    const std::string rest(r.ptr, end);
    if (suffix != nullptr) *suffix = rest;
    else if (!rest.empty()) fail(parameter, "needs " + expected + ", got " + quoted(text));
    return x;
}

// Seconds: "2", "0.5", "0.5s", "500ms", "250us" (Google Benchmark 1.8 writes "0.5s").
inline std::chrono::nanoseconds seconds(const std::string& parameter, const std::string& text, bool allow_zero) {
    const std::string expected = "a time in seconds (2, 0.5, 0.5s, 500ms)";
    std::string suffix;
    const double x = decimal(parameter, text, expected, &suffix);
    double scale = 1e9;
    if (suffix == "ms") scale = 1e6;
    else if (suffix == "us") scale = 1e3;
    else if (!suffix.empty() && suffix != "s") fail(parameter, "needs " + expected + ", got " + quoted(text));
    const double ns = x * scale;
    if (ns < 0.0 || (!allow_zero && ns == 0.0) || ns > 1e18)
        fail(parameter,
             "needs a time " + std::string(allow_zero ? ">= 0" : "> 0") + " (and below 30 years), got " + quoted(text));
    return std::chrono::nanoseconds(static_cast<long long>(std::llround(ns)));
}

inline double percent(const std::string& parameter, const std::string& text) {
    std::string body = text;
    if (!body.empty() && body.back() == '%') body.pop_back();
    const double x = decimal(parameter, body, "a percentage in (0, 100), e.g. 1 or 0.5%");
    if (!(x > 0.0 && x < 100.0)) fail(parameter, "needs a percentage in (0, 100), e.g. 1 or 0.5%, got " + quoted(text));
    return x;
}

inline std::string format_seconds(std::chrono::nanoseconds d) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g s", static_cast<double>(d.count()) / 1e9);
    return buffer;
}

inline std::string decimal_text(double x) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", x);
    return buffer;
}

inline std::string file_name(const std::string& parameter, const std::string& value) {
    if (value.empty()) fail(parameter, "needs a file name, got ''");
    return value;
}

// One standard option: its names, its variable, its help and how it sets RunOptions.
struct Standard {
    const char* name;        // "--iterations"
    const char* alias;       // "--timeout" (nvbench), or nullptr
    const char* variable;    // "GPUTIME_ITERATIONS"
    const char* value_name;  // "N", or nullptr for a flag
    const char* help;
    std::string (*show_default)(const RunOptions&);
    void (*set)(RunOptions&, const std::string& parameter, const std::string& value);
};

inline const std::vector<Standard>& standard_options() {
    static const std::vector<Standard> options = {
        {"--warmup", nullptr, "GPUTIME_WARMUP", "N|auto", "calls before measuring, or auto (until MSER-5 ends it)",
         [](const RunOptions& o) { return o.warmup_auto ? std::string("auto") : std::to_string(o.warmup); },
         [](RunOptions& o, const std::string& p, const std::string& v) {
             if (v == "auto") {
                 o.warmup_auto = true;
             } else {
                 o.warmup = whole_number(p, v, 0);
                 o.warmup_auto = false;
             }
         }},
        {"--iterations", nullptr, "GPUTIME_ITERATIONS", "N", "measured calls (without --target)",
         [](const RunOptions& o) { return std::to_string(o.iterations); },
         [](RunOptions& o, const std::string& p, const std::string& v) { o.iterations = whole_number(p, v, 1); }},
        {"--target", nullptr, "GPUTIME_TARGET", "PERCENT", "measure until the median is known to +-PERCENT (95%)",
         [](const RunOptions& o) {
             return o.target_percent > 0.0 ? decimal_text(o.target_percent) + "%" : std::string("off (a fixed count)");
         },
         [](RunOptions& o, const std::string& p, const std::string& v) { o.target_percent = percent(p, v); }},
        {"--min-time", nullptr, "GPUTIME_MIN_TIME", "SECONDS", "with --target: measure at least this long",
         [](const RunOptions& o) { return format_seconds(o.min_time); },
         [](RunOptions& o, const std::string& p, const std::string& v) { o.min_time = seconds(p, v, true); }},
        {"--max-time", "--timeout", "GPUTIME_MAX_TIME", "SECONDS", "with --target: stop after this long",
         [](const RunOptions& o) { return format_seconds(o.max_time); },
         [](RunOptions& o, const std::string& p, const std::string& v) { o.max_time = seconds(p, v, false); }},
        {"--min-samples", nullptr, "GPUTIME_MIN_SAMPLES", "N", "with --target: measure at least N calls",
         [](const RunOptions& o) { return std::to_string(o.min_samples); },
         [](RunOptions& o, const std::string& p, const std::string& v) { o.min_samples = whole_number(p, v, 1); }},
        {"--max-samples", nullptr, "GPUTIME_MAX_SAMPLES", "N", "with --target: stop after N calls",
         [](const RunOptions& o) { return std::to_string(o.max_samples); },
         [](RunOptions& o, const std::string& p, const std::string& v) { o.max_samples = whole_number(p, v, 1); }},
        {"--device", "--devices", "GPUTIME_DEVICE", "N", "the CUDA device to measure on",
         [](const RunOptions& o) { return std::to_string(o.device); },
         [](RunOptions& o, const std::string& p, const std::string& v) {
             o.device = static_cast<int>(whole_number(p, v, 0, 1023));
         }},
        {"--json", nullptr, "GPUTIME_JSON", "FILE", "write the results as JSON, with the machine's context",
         [](const RunOptions& o) { return o.json.empty() ? std::string("none") : o.json; },
         [](RunOptions& o, const std::string& p, const std::string& v) { o.json = file_name(p, v); }},
        {"--html", nullptr, "GPUTIME_HTML", "FILE", "write a self-contained HTML report with plots",
         [](const RunOptions& o) { return o.html.empty() ? std::string("none") : o.html; },
         [](RunOptions& o, const std::string& p, const std::string& v) { o.html = file_name(p, v); }},
        {"--markdown", nullptr, "GPUTIME_MARKDOWN", "FILE", "write the results as markdown tables",
         [](const RunOptions& o) { return o.markdown.empty() ? std::string("none") : o.markdown; },
         [](RunOptions& o, const std::string& p, const std::string& v) { o.markdown = file_name(p, v); }},
        {"--csv", nullptr, "GPUTIME_CSV", "FILE", "write the results as CSV",
         [](const RunOptions& o) { return o.csv.empty() ? std::string("none") : o.csv; },
         [](RunOptions& o, const std::string& p, const std::string& v) { o.csv = file_name(p, v); }},
    };
    return options;
}

inline bool truthy(const std::string& parameter, const std::string& value) {
    if (value == "1" || value == "ON" || value == "on" || value == "true" || value == "yes") return true;
    if (value == "0" || value == "OFF" || value == "off" || value == "false" || value == "no" || value.empty())
        return false;
    fail(parameter, "needs 1 or 0 (on/off, true/false, yes/no), got " + quoted(value));
}

inline bool writable(const std::filesystem::path& p) {
#if defined(GPUTIME_DETAIL_RUN_OPTIONS_HAVE_ACCESS)
    return ::access(p.c_str(), W_OK) == 0;
#else
    (void)p;
    return true;  // no portable test without writing: the write itself will say
#endif
}

// Why `path` cannot be written as a file, or "" when it can (nothing is created).
inline std::string file_problem(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path p(path);
    if (fs::is_directory(p, ec)) return "is a directory: " + path;
    fs::path dir = p.parent_path();
    if (dir.empty()) dir = ".";
    if (!fs::is_directory(dir, ec)) return "cannot be written: the directory " + dir.string() + " does not exist";
    if (fs::exists(p, ec)) {
        if (!writable(p)) return "cannot be written: " + path + " is not writable";
    } else if (!writable(dir)) {
        return "cannot be written: the directory " + dir.string() + " is not writable";
    }
    return {};
}

// Why `path` cannot be a directory to write into, or "" (it exists writable, or can be made).
inline std::string directory_problem(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::path p(path);
    if (fs::exists(p, ec)) {
        if (!fs::is_directory(p, ec)) return "is not a directory: " + path;
        return writable(p) ? std::string() : "cannot be written: " + path + " is not writable";
    }
    // The nearest existing ancestor must be a writable directory: create_directories will do the rest.
    fs::path parent = p.parent_path();
    while (!parent.empty() && !fs::exists(parent, ec)) parent = parent.parent_path();
    if (parent.empty()) parent = ".";
    if (!fs::is_directory(parent, ec)) return "cannot be made: " + parent.string() + " is not a directory";
    if (!writable(parent)) return "cannot be made: " + parent.string() + " is not writable";
    return {};
}

// Whether the program acts on this standard option (Program::standard; empty: all).
inline bool offered(const Standard& s, const RunOptions::Program& program) {
    if (program.standard.empty()) return true;
    for (const std::string& o : program.standard)
        if (o == s.name) return true;
    return false;
}

inline const ProgramOption* find_program_option(const RunOptions::Program& program, const std::string& name) {
    for (const ProgramOption& o : program.options)
        if (o.name == name) return &o;
    return nullptr;
}

}  // namespace detail::run_options

inline std::vector<std::string> RunOptions::environment_names() {
    std::vector<std::string> names;
    for (const detail::run_options::Standard& s : detail::run_options::standard_options()) names.push_back(s.variable);
    names.push_back("GPUTIME_QUICK");
    return names;
}

inline RunOptions RunOptions::parse(const std::vector<std::string>& args, const Environment& env,
                                    const Program& program) {
    namespace d = detail::run_options;
    // --help first: it wins over anything else on the line, bad values included.
    for (const std::string& a : args) {
        if (a == "--") break;
        if (a == "--help" || a == "-h") {
            RunOptions o = program.defaults;
            o.help_requested = true;
            return o;
        }
    }
    // --quick (or GPUTIME_QUICK) chooses the base the rest applies to.
    bool quick = false;
    if (const auto it = env.find("GPUTIME_QUICK"); it != env.end()) quick = d::truthy("GPUTIME_QUICK", it->second);
    for (const std::string& a : args)
        if (a == "--quick") quick = true;
    if (quick && !program.quick)
        d::fail(env.count("GPUTIME_QUICK") != 0 ? "GPUTIME_QUICK" : "--quick", "is not offered by " + program.name);
    RunOptions o = quick ? *program.quick : program.defaults;
    o.quick = quick;
    o.help_requested = false;
    o.program_values_.clear();
    o.warmup_given_ = false;

    for (const d::Standard& s : d::standard_options()) {
        const auto it = env.find(s.variable);
        if (it == env.end() || !d::offered(s, program)) continue;
        s.set(o, s.variable, it->second);
        if (std::string(s.name) == "--warmup") o.warmup_given_ = true;
    }

    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--quick") continue;
        if (a.size() < 3 || a.compare(0, 2, "--") != 0) d::fail(a.empty() ? "''" : a, "is not an option");
        // --name=value or --name value
        const std::size_t eq = a.find('=');
        const std::string name = a.substr(0, eq);
        const bool inline_value = eq != std::string::npos;
        auto take_value = [&](const std::string& value_name) {
            if (inline_value) return a.substr(eq + 1);
            if (i + 1 >= args.size()) d::fail(name, "needs a value (" + value_name + ")");
            return args[++i];
        };
        const d::Standard* standard = nullptr;
        for (const d::Standard& s : d::standard_options())
            if ((name == s.name || (s.alias != nullptr && name == s.alias)) && d::offered(s, program)) standard = &s;
        if (standard != nullptr) {
            standard->set(o, name, take_value(standard->value_name));
            if (std::string(standard->name) == "--warmup") o.warmup_given_ = true;
            continue;
        }
        const ProgramOption* own = d::find_program_option(program, name);
        if (own == nullptr) d::fail(name, "is not an option of " + program.name);
        if (own->kind == ProgramOption::Kind::flag) {
            if (inline_value) d::fail(name, "takes no value, got " + d::quoted(a.substr(eq + 1)));
            o.program_values_[name] = "";
        } else {
            std::string value = take_value(own->value_name);
            if (value.empty()) d::fail(name, "needs a value (" + own->value_name + "), got ''");
            if (own->kind == ProgramOption::Kind::whole_number)
                value = std::to_string(d::whole_number(name, value, own->minimum));
            o.program_values_[name] = std::move(value);
        }
    }
    if (o.target_percent > 0.0 && o.min_samples > o.max_samples)
        d::fail("--min-samples", "must not exceed --max-samples (" + std::to_string(o.min_samples) + " > " +
                                     std::to_string(o.max_samples) + ")");
    if (o.target_percent > 0.0 && o.min_time > o.max_time)
        d::fail("--min-time", "must not exceed --max-time (" + d::format_seconds(o.min_time) + " > " +
                                  d::format_seconds(o.max_time) + ")");
    return o;
}

inline void RunOptions::check_outputs(const Program& program) const {
    namespace d = detail::run_options;
    const std::pair<const char*, const std::string*> files[] = {{"--json", &json},
                                                                {"--html", &html},
                                                                {"--markdown", &markdown},
                                                                {"--csv", &csv}};
    for (const auto& [name, path] : files) {
        if (path->empty()) continue;
        const std::string problem = d::file_problem(*path);
        if (!problem.empty()) d::fail(name, problem);
    }
    for (const ProgramOption& own : program.options) {
        if (!has(own.name)) continue;
        if (own.kind == ProgramOption::Kind::output_file) {
            const std::string problem = d::file_problem(value(own.name));
            if (!problem.empty()) d::fail(own.name, problem);
        } else if (own.kind == ProgramOption::Kind::output_directory) {
            const std::string problem = d::directory_problem(value(own.name));
            if (!problem.empty()) d::fail(own.name, problem);
        }
    }
}

inline std::string RunOptions::help(const Program& program) {
    namespace d = detail::run_options;
    std::string out = "usage: " + program.name + " [options]\n";
    if (!program.summary.empty()) out += "\n" + program.summary + "\n";
    // "  --name VALUE    what it does" and, indented below, the default and the variable.
    auto line = [&out](const std::string& left, const std::string& text, const std::string& more = {}) {
        std::string l = "  " + left;
        if (l.size() < 24) l.append(24 - l.size(), ' ');
        else l += "\n" + std::string(24, ' ');
        out += l + text + "\n";
        if (!more.empty()) out += std::string(24, ' ') + more + "\n";
    };
    auto offers = [&](const char* name) {
        for (const d::Standard& s : d::standard_options())
            if (name == std::string(s.name)) return d::offered(s, program);
        return false;
    };
    auto section = [&](bool outputs) {
        for (const d::Standard& s : d::standard_options()) {
            const bool is_output = std::string(s.value_name) == "FILE";
            if (is_output != outputs || !d::offered(s, program)) continue;
            std::string more = "default " + s.show_default(program.defaults) + ", env " + s.variable;
            if (s.alias != nullptr) more += std::string(", also ") + s.alias;
            const auto own = program.standard_help.find(s.name);
            std::string text = own != program.standard_help.end() ? own->second : std::string(s.help);
            if (own == program.standard_help.end() && std::string(s.name) == "--iterations" && !offers("--target"))
                text = "measured calls";
            line(std::string(s.name) + " " + s.value_name, text, more);
        }
    };
    auto any_offered = [&](bool outputs) {
        for (const d::Standard& s : d::standard_options())
            if ((std::string(s.value_name) == "FILE") == outputs && d::offered(s, program)) return true;
        return false;
    };
    if (any_offered(false) || program.quick) out += "\nmeasurement:\n";
    section(false);
    if (program.quick)
        line("--quick", "a short run for smoke tests",
             (program.quick_text.empty() ? std::string() : program.quick_text + ", ") + "env GPUTIME_QUICK=1");
    if (any_offered(true)) {
        out += "\noutput:\n";
        section(true);
    }
    if (!program.options.empty()) {
        out += "\n" + program.name + ":\n";
        for (const ProgramOption& o : program.options) {
            const std::string left = o.name + (o.kind == ProgramOption::Kind::flag ? "" : " " + o.value_name);
            line(left, o.help, o.default_text.empty() ? std::string() : "default " + o.default_text);
        }
    }
    out += "\n";
    line("-h, --help", "this text");
    out +=
        "\n--name VALUE or --name=VALUE; SECONDS as 2, 0.5, 0.5s or 500ms. The command\n"
        "line wins over GPUTIME_* variables, which win over the defaults. An unknown\n"
        "option, a bad value or an output file that cannot be written exits with\n"
        "status 2 before anything is measured.\n";
    return out;
}

inline RunOptions RunOptions::from_args(int argc, char** argv, const Program& program) {
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
    Environment env;
    for (const std::string& name : environment_names())
        if (const char* value = std::getenv(name.c_str())) env[name] = value;
    Program named = program;
    if (named.name.empty())
        named.name = argc > 0 && argv[0] != nullptr ? std::filesystem::path(argv[0]).filename().string() : "program";
    try {
        RunOptions o = parse(args, env, named);
        if (o.help_requested) {
            std::fputs(help(named).c_str(), stdout);
            std::fflush(stdout);
            std::exit(0);
        }
        o.check_outputs(named);
        return o;
    } catch (const InvalidArgument& e) {
        // "gputime::RunOptions: --iterations needs ..." -> "demo: --iterations needs ..."
        std::string what = e.what();
        const std::string prefix = "gputime::RunOptions: ";
        if (what.compare(0, prefix.size(), prefix) == 0) what.erase(0, prefix.size());
        std::fprintf(stderr, "%s: %s\n(%s --help lists the options)\n", named.name.c_str(), what.c_str(),
                     named.name.c_str());
        std::exit(2);
    }
}

}  // namespace gputime
