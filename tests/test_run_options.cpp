// SPDX-License-Identifier: MIT
// RunOptions: the standard command line of a measuring program. Values, precedence (command
// line > GPUTIME_* environment > the program's defaults or --quick settings), errors naming the
// option or variable, the --help text, output files checked before measuring, and what
// apply_to() makes a WarmupRunner do (against a scripted clock).
#include "support/test_framework.hpp"
#include "support/test_helpers.hpp"

#include "support/scripted_clock.hpp"

#include <gputime/integrations/run_options.hpp>

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

using gputime::ProgramInfo;
using gputime::ProgramOption;
using gputime::RunOptions;
using namespace std::chrono_literals;

using gputime_test::contains;

using gputime_test::invalid_argument_of;

// A program like the demo: its own defaults, --quick settings and two options of its own.
ProgramInfo demo_program() {
    ProgramInfo p;
    p.name = "demo";
    p.summary = "Times a network.";
    p.defaults.iterations = 200;
    RunOptions quick;
    quick.warmup = 3;
    quick.iterations = 30;
    p.quick = quick;
    p.quick_text = "3 warm-up + 30 calls";
    p.options.push_back({"--out", ProgramOption::Kind::output_directory, "DIR", "write the tables there", ""});
    p.options.push_back({"--autotune", ProgramOption::Kind::flag, "", "autotune convolutions", ""});
    p.options.push_back({"--threads", ProgramOption::Kind::whole_number, "N", "threads", "LibTorch's", 1});
    p.options.push_back({"--model", ProgramOption::Kind::value, "PATH", "the model", ""});
    return p;
}

RunOptions parse(const std::vector<std::string>& args, const RunOptions::Environment& env = {}) {
    return RunOptions::parse(args, env, demo_program());
}

std::string parameter_of_error(const std::vector<std::string>& args, const RunOptions::Environment& env = {}) {
    return invalid_argument_of([&] { (void)parse(args, env); }).parameter();
}

}  // namespace

TEST_CASE("RunOptions: the program's defaults without arguments, each option read in both spellings") {
    const RunOptions none = parse({});
    CHECK(none.iterations == 200);
    CHECK(none.warmup == 10);
    CHECK_FALSE(none.warmup_auto);
    CHECK(none.target_percent == 0.0);
    CHECK(none.min_time == 500ms);
    CHECK(none.max_time == 15s);
    CHECK(none.device == 0);
    CHECK(none.json.empty());
    CHECK_FALSE(none.quick);
    CHECK_FALSE(none.help_requested);

    const RunOptions o = parse(
        {"--warmup",      "4",    "--iterations=17", "--target", "0.5%",       "--min-time", "250ms",  "--max-time=2.5",
         "--min-samples", "20",   "--max-samples",   "900",      "--device=1", "--json",     "r.json", "--html=r.html",
         "--markdown",    "r.md", "--csv",           "r.csv"});
    CHECK(o.warmup == 4);
    CHECK(o.iterations == 17);
    CHECK(o.target_percent == 0.5);
    CHECK(o.min_time == 250ms);
    CHECK(o.max_time == 2500ms);
    CHECK(o.min_samples == 20);
    CHECK(o.max_samples == 900);
    CHECK(o.device == 1);
    CHECK(o.json == "r.json");
    CHECK(o.html == "r.html");
    CHECK(o.markdown == "r.md");
    CHECK(o.csv == "r.csv");

    // nvbench's names: --timeout for the time limit, --devices for the device.
    const RunOptions nv = parse({"--timeout", "3s", "--devices", "2"});
    CHECK(nv.max_time == 3s);
    CHECK(nv.device == 2);
    CHECK(parse({"--warmup", "auto"}).warmup_auto);
    CHECK(parse({"--min-time", "0"}).min_time == 0ns);
    CHECK(parse({"--min-time", "20us"}).min_time == 20us);
}

TEST_CASE("RunOptions: the program's own options, flags and values") {
    const RunOptions o = parse({"--autotune", "--threads", "4", "--out=tables"});
    CHECK(o.has("--autotune"));
    CHECK(o.value("--autotune") == "");
    CHECK(o.value("--threads") == "4");
    CHECK(o.number("--threads", 0) == 4);
    CHECK(parse({}).number("--threads", 7) == 7);
    CHECK(parse({"--model", "m.pt"}).value("--model") == "m.pt");
    CHECK(parameter_of_error({"--threads", "0"}) == "--threads");  // below its minimum, 1
    CHECK(parameter_of_error({"--threads", "two"}) == "--threads");
    CHECK(o.value("--out") == "tables");
    CHECK_FALSE(parse({}).has("--threads"));
    CHECK(parse({}).value("--threads", "default") == "default");
    CHECK(parameter_of_error({"--autotune=1"}) == "--autotune");  // a flag takes no value
    CHECK(parameter_of_error({"--threads"}) == "--threads");      // a value is missing
    CHECK(parameter_of_error({"--threads", ""}) == "--threads");
}

TEST_CASE("RunOptions: a bad value or an unknown option is refused, naming it") {
    struct Case {
        std::vector<std::string> args;
        const char* parameter;
        const char* says;
    };
    const std::vector<Case> cases = {
        {{"--bogus"}, "--bogus", "is not an option of demo"},
        {{"--bogus=1"}, "--bogus", "is not an option of demo"},
        {{"positional"}, "positional", "is not an option"},
        {{"-x"}, "-x", "is not an option"},
        {{"--iterations"}, "--iterations", "needs a value (N)"},
        {{"--iterations", "0"}, "--iterations", "needs a whole number >= 1, got '0'"},
        {{"--iterations", "12x"}, "--iterations", "got '12x'"},
        {{"--iterations", "-3"}, "--iterations", "got '-3'"},
        {{"--iterations", "99999999999999999999999"}, "--iterations", "needs a whole number"},
        {{"--warmup", "some"}, "--warmup", "got 'some'"},
        {{"--target", "0"}, "--target", "needs a percentage in (0, 100)"},
        {{"--target", "100"}, "--target", "needs a percentage in (0, 100)"},
        {{"--target", "nan"}, "--target", "needs a percentage"},
        {{"--target", "1%%"}, "--target", "needs a percentage"},
        {{"--min-time", "-1"}, "--min-time", "needs a time >= 0"},
        {{"--max-time", "0"}, "--max-time", "needs a time > 0"},
        {{"--max-time", "5min"}, "--max-time", "needs a time in seconds"},
        {{"--timeout", "inf"}, "--timeout", "needs a time in seconds"},
        {{"--device", "1024"}, "--device", "needs a whole number"},
        {{"--json", ""}, "--json", "needs a file name"},
        {{"--json"}, "--json", "needs a value (FILE)"},
        {{"--target", "1", "--min-samples", "50", "--max-samples", "10"},
         "--min-samples",
         "must not exceed --max-samples"},
        {{"--target", "1", "--min-time", "20", "--max-time", "10"}, "--min-time", "must not exceed --max-time"},
    };
    for (const Case& c : cases) {
        INFO(c.args.front());
        const gputime::InvalidArgument e = invalid_argument_of([&] { (void)parse(c.args); });
        CHECK(e.parameter() == c.parameter);
        CHECK(contains(e.what(), c.says));
    }
}

TEST_CASE("RunOptions: the command line wins over GPUTIME_* variables, which win over the defaults and --quick") {
    const RunOptions::Environment env = {{"GPUTIME_ITERATIONS", "7"},
                                         {"GPUTIME_JSON", "env.json"},
                                         {"GPUTIME_TARGET", "2"},
                                         {"GPUTIME_WARMUP", "auto"}};
    const RunOptions from_env = parse({}, env);
    CHECK(from_env.iterations == 7);
    CHECK(from_env.json == "env.json");
    CHECK(from_env.target_percent == 2.0);
    CHECK(from_env.warmup_auto);

    const RunOptions args_win = parse({"--iterations", "9", "--json", "arg.json", "--warmup", "5"}, env);
    CHECK(args_win.iterations == 9);
    CHECK(args_win.json == "arg.json");
    CHECK(args_win.warmup == 5);
    CHECK_FALSE(args_win.warmup_auto);  // --warmup N replaces the variable's auto

    // --quick selects the program's short settings as the base; variables and arguments still win.
    const RunOptions quick = parse({"--quick"});
    CHECK(quick.quick);
    CHECK(quick.warmup == 3);
    CHECK(quick.iterations == 30);
    CHECK(parse({"--quick"}, {{"GPUTIME_ITERATIONS", "7"}}).iterations == 7);
    CHECK(parse({"--iterations", "8", "--quick"}).iterations == 8);  // order does not matter
    CHECK(parse({}, {{"GPUTIME_QUICK", "1"}}).iterations == 30);
    CHECK_FALSE(parse({}, {{"GPUTIME_QUICK", "0"}}).quick);

    // A bad variable is named like an option, even when the command line would replace it.
    CHECK(parameter_of_error({}, {{"GPUTIME_ITERATIONS", "x"}}) == "GPUTIME_ITERATIONS");
    CHECK(parameter_of_error({"--iterations", "5"}, {{"GPUTIME_ITERATIONS", "x"}}) == "GPUTIME_ITERATIONS");
    CHECK(parameter_of_error({}, {{"GPUTIME_QUICK", "maybe"}}) == "GPUTIME_QUICK");
    CHECK(parameter_of_error({}, {{"GPUTIME_MAX_TIME", "0"}}) == "GPUTIME_MAX_TIME");
    // Variables gputime does not know are not its business.
    CHECK(parse({}, {{"GPUTIME_SOMETHING_ELSE", "x"}}).iterations == 200);

    ProgramInfo no_quick = demo_program();
    no_quick.quick.reset();
    CHECK(invalid_argument_of([&] { (void)RunOptions::parse({"--quick"}, {}, no_quick); }).parameter() == "--quick");
}

TEST_CASE("RunOptions: a program offers only the standard options it acts on") {
    ProgramInfo json_only = demo_program();
    json_only.standard = {"--iterations", "--json"};
    CHECK(RunOptions::parse({"--json", "r.json"}, {}, json_only).json == "r.json");
    CHECK(invalid_argument_of([&] {
              (void)RunOptions::parse({"--csv", "r.csv"}, {}, json_only);
          }).parameter() == "--csv");
    // A variable for another program's output is not this program's business.
    CHECK(RunOptions::parse({}, {{"GPUTIME_CSV", "r.csv"}}, json_only).csv.empty());
    const std::string help = RunOptions::help(json_only);
    CHECK(contains(help, "--json FILE"));
    CHECK_FALSE(contains(help, "--csv"));
    CHECK_FALSE(contains(help, "GPUTIME_MARKDOWN"));
    CHECK_FALSE(contains(help, "--target"));
    CHECK(contains(help, "--iterations N"));
    CHECK(invalid_argument_of([&] {
              (void)RunOptions::parse({"--target", "1"}, {}, json_only);
          }).parameter() == "--target");
    CHECK(RunOptions::parse({}, {{"GPUTIME_TARGET", "1"}}, json_only).target_percent == 0.0);
}

TEST_CASE("RunOptions: --help lists every option with the program's default and its variable") {
    const RunOptions o = parse({"--iterations", "oops", "--help"});  // --help wins over a bad value
    CHECK(o.help_requested);
    CHECK(parse({"-h"}).help_requested);

    const std::string help = RunOptions::help(demo_program());
    CHECK(contains(help, "usage: demo [options]"));
    CHECK(contains(help, "Times a network."));
    for (const std::string& variable : RunOptions::environment_names()) {
        INFO(variable);
        CHECK(contains(help, variable));
    }
    for (const char* option : {"--warmup N|auto", "--iterations N", "--target PERCENT", "--min-time SECONDS",
                               "--max-time SECONDS", "--min-samples N", "--max-samples N", "--device N", "--json FILE",
                               "--html FILE", "--markdown FILE", "--csv FILE", "--quick", "--out DIR", "--autotune",
                               "--threads N", "--help", "also --timeout", "also --devices"}) {
        INFO(option);
        CHECK(contains(help, option));
    }
    // Defaults are the program's, not the library's.
    CHECK(contains(help, "default 200, env GPUTIME_ITERATIONS"));
    CHECK(contains(help, "default 10, env GPUTIME_WARMUP"));
    CHECK(contains(help, "default 15 s, env GPUTIME_MAX_TIME"));
    CHECK(contains(help, "default off (a fixed count), env GPUTIME_TARGET"));
    CHECK(contains(help, "3 warm-up + 30 calls"));
    CHECK(contains(help, "default LibTorch's"));
    // Readable in an 80-column terminal.
    std::size_t start = 0;
    while (start < help.size()) {
        std::size_t end = help.find('\n', start);
        if (end == std::string::npos) end = help.size();
        INFO(help.substr(start, end - start));
        CHECK(end - start <= 80);
        start = end + 1;
    }
}

TEST_CASE("RunOptions::check_outputs refuses a file or directory that cannot be written, writing nothing") {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / "gputime_test_run_options";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const ProgramInfo program = demo_program();
    auto problem_parameter = [&](const std::vector<std::string>& args) {
        const RunOptions o = RunOptions::parse(args, {}, program);
        return invalid_argument_of([&] { o.check_outputs(program); }).parameter();
    };

    const std::string missing_dir = (dir / "no_such_dir" / "x.json").string();
    CHECK(problem_parameter({"--json", missing_dir}) == "--json");
    CHECK(problem_parameter({"--csv", dir.string()}) == "--csv");  // a directory is not a file
    CHECK(problem_parameter({"--html", (dir / "a" / "b.html").string()}) == "--html");
    // --out DIR: a file in the way, or under a file.
    std::ofstream(dir / "plain_file") << "x";
    CHECK(problem_parameter({"--out", (dir / "plain_file").string()}) == "--out");
    CHECK(problem_parameter({"--out", (dir / "plain_file" / "sub").string()}) == "--out");
    // Writable: a new file in an existing directory, an existing file, a directory to be made.
    const RunOptions ok = RunOptions::parse({"--json", (dir / "new.json").string(), "--markdown",
                                             (dir / "plain_file").string(), "--out", (dir / "x" / "y").string()},
                                            {}, program);
    CHECK_NOTHROW(ok.check_outputs(program));
    CHECK_FALSE(fs::exists(dir / "new.json"));  // nothing was created
    CHECK_FALSE(fs::exists(dir / "x"));
    fs::remove_all(dir);
}

TEST_CASE("RunOptions::apply_to sets the runner's warm-up and end: a count, or the precision target") {
    gputime_test::ScriptedClock clock(std::vector<double>(4000, 1000.0));  // every call 1 us
    gputime::WarmupRunner<gputime_test::ScriptedClock> runner(clock);
    const RunOptions counted = parse({"--warmup", "4", "--iterations", "25"});
    const gputime::RunResult r = counted.apply_to(runner).run([] {});
    CHECK(r.warmup.size() == 4);
    CHECK(r.latency.count() == 25);
    CHECK(r.stop_reason == gputime::StopReason::iteration_count);

    // --target: an automatic warm-up (MSER-5), then until +-2% with the given limits. Every call
    // takes 1 us, so the interval has width 0 as soon as min_samples and min_time are met.
    const RunOptions target = parse({"--target", "2", "--min-samples", "40", "--min-time", "0"});
    gputime::WarmupRunner<gputime_test::ScriptedClock> runner2(clock);
    const gputime::RunResult t = target.apply_to(runner2).run([] {});
    CHECK(t.settings.warmup_rule == gputime::WarmupRule::mser5);
    CHECK(t.stop_reason == gputime::StopReason::precision_reached);
    CHECK(t.latency.count() == 40);
    REQUIRE(t.settings.target.has_value());
    CHECK(t.settings.target->relative_half_width == 0.02);
    CHECK(t.settings.target->min_samples == 40);

    // --target with --warmup N keeps the counted warm-up.
    gputime::WarmupRunner<gputime_test::ScriptedClock> runner3(clock);
    const gputime::RunResult c =
        parse({"--target", "2", "--warmup", "6", "--min-time", "0"}).apply_to(runner3).run([] {});
    CHECK(c.settings.warmup_rule == gputime::WarmupRule::fixed_count);
    CHECK(c.warmup.size() == 6);
}
