// SPDX-License-Identifier: MIT
// examples/common/layer_by_layer_common.hpp - what the two layer_by_layer examples share:
// the command line, the report they print and the files they write. The examples themselves
// keep only what differs (the network and the clock), so they can be read side by side.
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/integrations/run_options.hpp>
#include <gputime/measure/layer_profile.hpp>
#include <gputime/report/chrome_trace.hpp>
#include <gputime/report/layer_csv.hpp>
#include <gputime/report/layer_table.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace layer_example {

struct Options {
    std::size_t iterations = 30;
    std::string out_dir;
    bool autotune = false;    // cuDNN only: autotune each conv on its first call
    gputime::RunOptions run;  // the standard options: --json, --html, --markdown, --csv files
};

// The command line (gputime/integrations/run_options.hpp): --help prints the options and exits
// 0; a bad option or an output that cannot be written says which and exits 2, before measuring.
// --json and --html are offered when the program writes them itself (writes_json_and_html).
inline Options parse(int argc, char** argv, const char* program, bool accepts_autotune = false,
                     bool writes_json_and_html = false) {
    gputime::ProgramInfo info;
    info.name = program;
    info.summary = std::string("Times a VGG-style CNN layer by layer for batch 1, 8 and 32: first call and steady\n") +
                   "p50 per layer, the T(N) model, a trtexec-style profile per batch size.";
    info.defaults.iterations = 30;
    gputime::RunOptions quick = info.defaults;
    quick.iterations = 3;
    info.quick = quick;
    info.quick_text = "3 forward passes per batch size";
    info.standard = {"--iterations", "--markdown", "--csv"};
    info.standard_help["--iterations"] = "forward passes per batch size (the first is the first call)";
    if (writes_json_and_html) info.standard.insert(info.standard.end(), {"--json", "--html"});
    info.options.push_back({"--out", gputime::ProgramOption::Kind::output_directory, "DIR",
                            "write layers_<batch>.json, layers.csv and trace.json there", ""});
    if (accepts_autotune)
        info.options.push_back({"--autotune", gputime::ProgramOption::Kind::flag, "",
                                "autotune each convolution on its first call (cudnnFind...Ex)", ""});
    Options o;
    o.run = gputime::RunOptions::from_args(argc, argv, info);
    o.iterations = o.run.iterations;
    o.out_dir = o.run.value("--out");
    o.autotune = o.run.has("--autotune");
    return o;
}

// "batch 8   first forward 63.6 ms vs steady p50 11.7 ms: overhead 51.9 ms; fc1 38.3 ms (74%), ..."
inline void print_first_call_summary(const gputime::LayerProfile& p) {
    const gputime::Stats& total = p.iteration_total();
    if (total.count() == 0) return;
    const double overhead = total.first_call_overhead().count();
    std::vector<const gputime::LayerStats*> layers;
    for (const gputime::LayerStats& l : p.layers())
        if (l.time.count() > 0 && l.top_level()) layers.push_back(&l);
    std::sort(layers.begin(), layers.end(), [](const gputime::LayerStats* a, const gputime::LayerStats* b) {
        return a->time.first_call_overhead() > b->time.first_call_overhead();
    });
    std::printf("  %-9s first forward %s vs steady p50 %s: overhead %s; largest:", p.label().c_str(),
                gputime::format_duration(total.first_call()).c_str(), gputime::format_duration(total.p50()).c_str(),
                gputime::format_duration(total.first_call_overhead()).c_str());
    for (std::size_t i = 0; i < layers.size() && i < 3; ++i) {
        const double o = layers[i]->time.first_call_overhead().count();
        std::printf("%s %s %s (%.0f%%)", i == 0 ? "" : ",", layers[i]->name.c_str(),
                    gputime::format_duration(gputime::Duration{o}).c_str(), overhead > 0 ? 100.0 * o / overhead : 0.0);
    }
    std::printf("\n");
}

// The model of N forwards on a fresh network: T(N) = first + (N - 1) * steady p50.
inline void print_model(const gputime::LayerProfile& p) {
    const gputime::Stats& t = p.iteration_total();
    if (t.count() == 0) return;
    const std::size_t n = t.calls();
    const gputime::Duration predicted = t.first_call() + static_cast<double>(n - 1) * t.p50();
    const gputime::Duration measured = t.first_call() + t.total();
    std::printf("  %-9s T(%zu) = first + (N-1) * p50: %s predicted, %s measured\n", p.label().c_str(), n,
                gputime::format_duration(predicted).c_str(), gputime::format_duration(measured).c_str());
}

// The hand-made table's layout (layers x runs, first call and steady p50 per run, SUM row), the first-call
// summary, the T(N) model and a trtexec-style profile per run.
inline void print_report(const std::vector<gputime::LayerProfile>& runs, const char* what) {
    gputime::LayerTable table;
    table.title(std::string("Per layer, ") + what + ": first call and steady p50");
    for (const gputime::LayerProfile& run : runs) {
        table.column(run, gputime::LayerMetric::first_call, "first", run.label());
        table.column(run, gputime::LayerMetric::p50, "p50", run.label());
    }
    table.note("SUM adds the layers; unattributed = time between layers; iteration = the measured whole forward.");
    std::cout << table << "\n";

    std::printf("Where the first-call cost lands (per layer: first call - steady p50):\n");
    for (const gputime::LayerProfile& run : runs) print_first_call_summary(run);
    std::printf("\n");
    for (const gputime::LayerProfile& run : runs) print_model(run);
    std::printf("\n");
    for (const gputime::LayerProfile& run : runs) std::cout << gputime::to_text(run, gputime::LayerOrder::cost) << "\n";
}

inline void write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream file(path, std::ios::binary);
    file << text;
    if (!file) throw std::runtime_error("cannot write " + path.string());
    std::printf("  wrote %s\n", path.string().c_str());
}

// <dir>/layers_<label>.json per run, <dir>/layers.csv with every run, <dir>/trace.json with one
// process per run.
inline void write_outputs(const std::string& out_dir, const std::vector<gputime::LayerProfile>& runs);

// --markdown FILE: each run's profile as a markdown table; --csv FILE: every run in one CSV;
// --out DIR: the files of write_outputs() below.
inline void write_outputs(const Options& options, const std::vector<gputime::LayerProfile>& runs) {
    if (!options.run.markdown.empty()) {
        std::string markdown;
        for (const gputime::LayerProfile& run : runs)
            markdown += "### " + run.label() + "\n\n" + gputime::to_markdown(run) + "\n";
        write_file(options.run.markdown, markdown);
    }
    if (!options.run.csv.empty()) {
        std::string csv;
        for (std::size_t i = 0; i < runs.size(); ++i)
            csv += gputime::to_csv(runs[i], i == 0 ? gputime::CsvHeader::include : gputime::CsvHeader::omit);
        write_file(options.run.csv, csv);
    }
    write_outputs(options.out_dir, runs);
}

inline void write_outputs(const std::string& out_dir, const std::vector<gputime::LayerProfile>& runs) {
    if (out_dir.empty()) return;
    const std::filesystem::path dir(out_dir);
    std::filesystem::create_directories(dir);
    std::string csv;
    std::vector<const gputime::LayerProfile*> all;
    for (std::size_t i = 0; i < runs.size(); ++i) {
        std::string name = runs[i].label();
        std::replace(name.begin(), name.end(), ' ', '_');
        write_file(dir / ("layers_" + name + ".json"), gputime::to_json(runs[i]));
        csv += gputime::to_csv(runs[i], i == 0 ? gputime::CsvHeader::include : gputime::CsvHeader::omit);
        all.push_back(&runs[i]);
    }
    write_file(dir / "layers.csv", csv);
    write_file(dir / "trace.json", gputime::to_chrome_trace(all));
}

}  // namespace layer_example
