// SPDX-License-Identifier: MIT
// examples/layer_by_layer.cpp - per-layer timing on a real network: a VGG-style CNN (oneDNN, CPU) timed
// layer by layer for batch 1, 8 and 32, to see which layers carry the first-call cost.
//
//   layer_by_layer [--quick] [--iterations N] [--out DIR] [--json FILE] [--html FILE]
//                  [--markdown FILE] [--csv FILE]          (layer_by_layer --help: every option)
//
// Each batch size gets a fresh network and its own LayerProfiler; every iteration feeds a new
// input (set_input, outside the timed iteration) and runs the layers one by one, each in a
// scope named after the layer. The first iteration is every layer's first call (oneDNN creates
// primitives, JIT-compiles kernels and faults in buffers lazily); the statistics keep it apart,
// so the tables show first call and steady p50 side by side.
// --out DIR writes layers_batch_<N>.json, layers.csv (all runs) and trace.json (Chrome trace
// event format: open it in https://ui.perfetto.dev; one process per batch size).
// --json FILE writes the three profiles to FILE as one JSON file with the machine's context;
// --html FILE writes them as a self-contained HTML report (steady time against first-call cost)
// (gputime/report/json_report.hpp: per layer every statistic, its intervals and samples; compare two such
// files with gputime-compare, which matches each layer of each batch size by name).
// --quick runs 3 iterations per batch size (the CI smoke test).
// The GPU twin of this program is layer_by_layer_cudnn.cu.
#include "common/layer_by_layer_common.hpp"
#include "common/vgg_onednn.hpp"

#include <gputime/core/host_clock.hpp>
#include <gputime/cuda/nvtx.hpp>
#include <gputime/measure/layer_profiler.hpp>
#include <gputime/report/html.hpp>
#include <gputime/report/json_report.hpp>

#include <cstddef>
#include <cstdio>
#include <exception>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

gputime::LayerProfile profile_batch(int batch, std::size_t iterations) {
    vgg::OneDnnVgg net(batch);  // "model load": no oneDNN primitive exists yet
    gputime::HostClock clock;   // run_layer() waits for oneDNN's stream: host time is the layer's time
    // NVTX ranges put the same names on Nsight Systems' CPU rows (a no-op without NVTX).
    gputime::LayerProfiler prof(clock, gputime::NvtxRanges{});
    prof.label("batch " + std::to_string(batch)).reserve(net.layer_count());
    for (std::size_t i = 0; i < iterations; ++i) {
        net.set_input(i);  // a new image every time (not one dummy input), outside the timed iteration
        auto iteration = prof.iteration();
        for (std::size_t l = 0; l < net.layer_count(); ++l) prof.time(net.layer_name(l), [&] { net.run_layer(l); });
    }
    return prof.profile();
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const layer_example::Options options = layer_example::parse(argc, argv, "layer_by_layer", false, true);
        const std::string& json_path = options.run.json;
        const std::string& html_path = options.run.html;
        std::optional<gputime::JsonReport> json;
        if (!json_path.empty()) json.emplace();  // reads the machine's context before anything is measured
        std::vector<gputime::LayerProfile> runs;
        for (const int batch : {1, 8, 32}) runs.push_back(profile_batch(batch, options.iterations));

        std::printf(
            "gputime layer_by_layer: VGG-style CNN on oneDNN (CPU, f32, 64x64 images), %zu forward passes per "
            "batch size;\nhost clock, one scope per layer; the first pass is every layer's first call.\n\n",
            options.iterations);
        layer_example::print_report(runs, "host time");
        layer_example::write_outputs(options, runs);  // --out DIR, --markdown FILE, --csv FILE
        if (json) {
            for (const gputime::LayerProfile& run : runs) json->add(run);
            std::ofstream file(json_path, std::ios::binary);
            file << json->str();
            if (!file) throw std::runtime_error("cannot write " + json_path);
            std::printf("  wrote %s\n", json_path.c_str());
        }
        if (!html_path.empty()) {
            gputime::HtmlReport html("gputime layer_by_layer: VGG-style CNN on oneDNN, batch 1, 8 and 32");
            html.add(runs).add(gputime::read_host_context()).write(html_path);
            std::printf("  wrote %s\n", html_path.c_str());
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "layer_by_layer: %s\n", e.what());
        return 1;
    }
}
