// SPDX-License-Identifier: MIT
// Whole reports compared with approved golden files (tests/golden/), on deterministic input: a
// scripted clock, a manual clock and the simulated GPU (virtual time). A changed report fails
// here with the first line that differs; approve an intended change with GPUTIME_APPROVE=1 and
// review the diff (tests/support/golden_file.hpp).
#include "support/fixed_context.hpp"
#include "support/golden_file.hpp"
#include "support/manual_clock.hpp"
#include "support/scripted_clock.hpp"
#include "support/test_framework.hpp"

#include <gputime/cuda/event_clock.hpp>
#include <gputime/measure/ab_compare.hpp>
#include <gputime/measure/idle_gap_sweep.hpp>
#include <gputime/measure/layer_profiler.hpp>
#include <gputime/measure/warmup_runner.hpp>
#include <gputime/report/chrome_trace.hpp>
#include <gputime/report/idle_gap_text.hpp>
#include <gputime/report/json_report.hpp>
#include <gputime/report/layer_csv.hpp>
#include <gputime/report/layer_table.hpp>
#include <gputime/report/text.hpp>
#include <gputime/sim/runtime.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

using gputime::Duration;
using gputime::LayerMetric;
using gputime::LayerProfile;
using gputime_test::ManualClock;
using gputime_test::ScriptedClock;

namespace {

template <class T>
std::string printed(const T& value) {
    std::ostringstream os;
    os << value;
    return os.str();
}

// 3 warm-up calls settling from a 25 ms first call, then 200 calls alternating 1.30 / 1.35 ms.
gputime::RunResult steady_run() {
    std::vector<double> script{25'000'000, 2'000'000, 1'700'000};
    for (int i = 0; i < 200; ++i) script.push_back(i % 2 == 0 ? 1'300'000 : 1'350'000);
    ScriptedClock clock(script);
    return gputime::WarmupRunner(clock).warmup(3).iterations(200).name("vgg").run([] {});
}

// 12 noisy calls, no warm-up: every hint that applies to a small, unstable sample.
gputime::RunResult noisy_run() {
    ScriptedClock clock(
        {900'000, 100'000, 180'000, 95'000, 240'000, 100'000, 130'000, 99'000, 310'000, 101'000, 150'000, 97'000});
    return gputime::WarmupRunner(clock)
        .warmup(0)
        .iterations(12)
        .name("noisy")
        .mode(gputime::RunMode::throughput)
        .run([] {});
}

// A VGG-like network, three iterations: a heavy first call on block1_conv1, a nested block,
// host work between layers. Every duration is multiplied by `scale` (a bigger batch).
LayerProfile vgg_like(const char* label, double scale) {
    ManualClock clock;
    gputime::LayerProfiler prof(clock);
    prof.label(label);
    for (int it = 0; it < 3; ++it) {
        auto iteration = prof.iteration();
        prof.time("block1_conv1", [&] { clock.advance(scale * (it == 0 ? 25'000'000 : 1'300'000 + 1000 * it)); });
        clock.advance(scale * 1000);
        {
            auto block = prof.scope("block2");
            prof.time("conv", [&] { clock.advance(scale * 500); });
            clock.advance(20);
        }
        prof.time("fc1", [&] { clock.advance(scale * (it == 0 ? 900 : 2000)); });
    }
    return prof.profile();
}

// Latency against the idle gap on the simulated GPU: a cycle-count kernel slows down when the
// device clock drops during the gaps.
std::vector<gputime::IdleGapPoint> simulated_sweep() {
    gputime::sim::Config config;
    config.clock.enabled = true;
    gputime::sim::Runtime gpu(config);
    gputime::CudaEventClock<gputime::sim::Runtime> clock(gpu);
    using std::chrono::milliseconds;
    return gputime::sweep_idle_gaps(
        gputime::WarmupRunner(clock).warmup(2).iterations(20).name("gemm"),
        {milliseconds(0), milliseconds(1), milliseconds(5)},
        [&] { gpu.launch(gputime::sim::Stream{}, gputime::sim::Kernel::cycles("gemm", 990'000)); });
}

gputime::JsonOptions golden_json(bool samples = true) {
    gputime::JsonOptions options;
    options.context = gputime_test::fixed_context();
    options.samples = samples;
    return options;
}

// Deterministic jitter: splitmix64 mapped to [-1, 1).
class Jitter {
public:
    explicit Jitter(std::uint64_t seed) : state_(seed) {}
    double next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        z ^= z >> 31;
        return static_cast<double>(z >> 11) / 4503599627370496.0 - 1.0;  // 2^52
    }

private:
    std::uint64_t state_;
};

// A run of `calls` measured calls around `median_ns` (+-`spread`, uniform), after 3 warm-up calls
// of which the first is 10x slower.
gputime::RunResult jittered_run(const char* name, double median_ns, double spread, std::uint64_t seed,
                                std::size_t calls = 200) {
    Jitter jitter(seed);
    std::vector<double> script{10 * median_ns, 1.5 * median_ns, 1.1 * median_ns};
    for (std::size_t i = 0; i < calls; ++i) script.push_back(std::round(median_ns * (1.0 + spread * jitter.next())));
    ScriptedClock clock(script);
    return gputime::WarmupRunner(clock).warmup(3).iterations(calls).name(name).run([] {});
}

gputime::Stats jittered_stats(double median_ns, double spread, std::uint64_t seed, std::size_t calls = 200) {
    Jitter jitter(seed);
    gputime::Stats s;
    s.add(Duration{20 * median_ns});
    for (std::size_t i = 0; i < calls; ++i) s.add(Duration{std::round(median_ns * (1.0 + spread * jitter.next()))});
    return s;
}

// 40 iterations of four layers; `fc1_factor` slows fc1 down.
LayerProfile jittered_layers(std::uint64_t seed, double fc1_factor) {
    Jitter jitter(seed);
    ManualClock clock;
    gputime::LayerProfiler prof(clock);
    prof.label("vgg batch 8").trace_iterations(0);
    const auto advance = [&](double ns) { clock.advance(std::round(ns * (1.0 + 0.01 * jitter.next()))); };
    for (int it = 0; it < 40; ++it) {
        auto iteration = prof.iteration();
        prof.time("conv1", [&] { advance(it == 0 ? 9e6 : 800'000); });
        {
            auto block = prof.scope("block2");
            prof.time("conv", [&] { advance(600'000); });
            advance(2'000);
        }
        prof.time("fc1", [&] { advance(150'000 * fc1_factor); });
        advance(5'000);
    }
    return prof.profile();
}

// The results the gputime-compare tests read (tools/gputime-compare/CMakeLists.txt): a baseline
// ("main"), a rerun of the same code ("same") and a change ("pr") that makes resnet18 10% and
// fc1 4% slower, and the tokenizer 8% faster.
struct ModelRuns {
    gputime::RunResult resnet, bert;
    gputime::Stats tokenizer;
    LayerProfile layers;
};
ModelRuns model_runs(std::uint64_t seed, double resnet_factor, double tokenizer_factor, double fc1_factor) {
    return ModelRuns{jittered_run("resnet18", 2'000'000 * resnet_factor, 0.02, seed),
                     jittered_run("bert", 5'000'000, 0.02, seed + 1),
                     jittered_stats(40'000 * tokenizer_factor, 0.05, seed + 2), jittered_layers(seed + 3, fc1_factor)};
}
std::string models_json(const ModelRuns& runs, bool samples = true, bool gpu = true) {
    gputime::JsonOptions options = golden_json(samples);
    if (!gpu) options.context = gputime_test::fixed_context_without_gpu();
    return gputime::JsonReport(options).add(runs.resnet).add(runs.bert).add("tokenizer", runs.tokenizer).str();
}
std::string layers_json(const ModelRuns& runs) { return gputime::to_json(runs.layers, golden_json()); }

// A clock on the simulated host's virtual time: what a host timer around the launches reads.
class SimHostClock {
public:
    using Mark = std::chrono::nanoseconds;
    static constexpr bool measures_device = false;
    explicit SimHostClock(gputime::sim::Runtime& gpu) : gpu_(gpu) {}
    Mark mark() const { return gpu_.host_now(); }
    void stop(const Mark& started, gputime::Stats& into) const noexcept {
        try {
            into.add(Duration(mark() - started));
        } catch (...) {
        }
    }
    Duration elapsed(const Mark& from, const Mark& to) const { return Duration(to - from); }
    void release(const Mark&) const noexcept {}
    void synchronize() const noexcept {}
    std::chrono::nanoseconds host_now() const { return gpu_.host_now(); }
    void idle_for(std::chrono::nanoseconds gap) const { gpu_.host_work(gap); }

private:
    gputime::sim::Runtime& gpu_;
};

}  // namespace

TEST_CASE("golden: the text report of a run") {
    CHECK_GOLDEN("report_run.txt", printed(steady_run()));
    CHECK_GOLDEN("report_run_noisy.txt", printed(noisy_run()));
}

TEST_CASE("golden: the text report of a Stats") {
    gputime::Stats s;
    for (const double d : {7000.0, 1000.0, 1200.0, 900.0, 1100.0, 1000.0, 5000.0}) s.add(Duration{d});
    gputime::Stats only_first;
    only_first.add(Duration{2500.0});
    CHECK_GOLDEN("report_stats.txt", printed(s) + "--\n" + printed(only_first) + "--\n" + printed(gputime::Stats{}));
}

TEST_CASE("golden: the idle-gap table on the simulated GPU") {
    CHECK_GOLDEN("idle_gap_table.txt", gputime::to_text(simulated_sweep()));
}

TEST_CASE("golden: layer tables and the profile table") {
    const LayerProfile b1 = vgg_like("batch 1", 1);
    const LayerProfile b8 = vgg_like("batch 8", 8);
    gputime::LayerTable table;
    table.title("VGG per layer").note("SUM adds the layers; iteration is the measured whole.");
    for (const LayerProfile* p : {&b1, &b8})
        table.column(*p, LayerMetric::first_call, "first", p->label()).column(*p, LayerMetric::p50, "p50", p->label());
    CHECK_GOLDEN("layer_table.txt", table.str());
    CHECK_GOLDEN("profile_table.txt", gputime::to_text(b8) + "\n" + gputime::to_text(b8, gputime::LayerOrder::cost));
}

TEST_CASE("golden: layer CSV") {
    const LayerProfile b1 = vgg_like("batch 1", 1);
    const LayerProfile b8 = vgg_like("batch 8", 8);
    CHECK_GOLDEN("layers.csv", gputime::to_csv(b1) + gputime::to_csv(b8, gputime::CsvHeader::omit));
}

TEST_CASE("golden: layer table as markdown") {
    const LayerProfile b1 = vgg_like("batch 1", 1);
    const LayerProfile b8 = vgg_like("batch 8", 8);
    gputime::LayerTable table;
    table.title("VGG per layer").note("SUM adds the layers.");
    for (const LayerProfile* p : {&b1, &b8})
        table.column(*p, LayerMetric::first_call, "first", p->label()).column(*p, LayerMetric::p50, "p50", p->label());
    table.column(b8, LayerMetric::share).column(b8, LayerMetric::mdape).column(b8, LayerMetric::steady_calls);
    CHECK_GOLDEN("layer_table.md", gputime::to_markdown(table));
}

TEST_CASE("golden: JSON of a run, a Stats, an idle-gap sweep, a layer profile and a comparison") {
    CHECK_GOLDEN("json/run.json", gputime::to_json(steady_run(), golden_json()));
    gputime::JsonOptions no_gpu = golden_json(false);
    no_gpu.context = gputime_test::fixed_context_without_gpu();
    CHECK_GOLDEN("json/run_without_samples_or_gpu.json", gputime::to_json(noisy_run(), no_gpu));
    CHECK_GOLDEN("json/stats.json", gputime::to_json(jittered_stats(1000, 0.1, 7, 20), "decode", golden_json()));
    CHECK_GOLDEN("json/idle_gap_sweep.json", gputime::to_json(simulated_sweep(), golden_json(false)));
    CHECK_GOLDEN("json/layer_profile.json", gputime::to_json(vgg_like("batch 8", 8), golden_json()));

    gputime::sim::Runtime gpu;
    gputime::CudaEventClock<gputime::sim::Runtime> clock(gpu);
    gputime::CompareOptions options;
    options.samples = 12;
    options.warmup = 2;
    options.names = {"nchw", "blocked"};
    const auto launch = [&](std::chrono::nanoseconds d) {
        return [&gpu, d] { gpu.launch(gputime::sim::Stream{}, gputime::sim::Kernel::fixed("conv", d)); };
    };
    const gputime::Comparison c =
        gputime::compare(clock, launch(std::chrono::microseconds(100)), launch(std::chrono::microseconds(90)), options);
    CHECK_GOLDEN("json/comparison.json", gputime::to_json(c, "conv layout", golden_json()));
}

TEST_CASE("golden: the JSON files gputime-compare is tested on") {
    const ModelRuns main_runs = model_runs(100, 1.0, 1.0, 1.0);
    const ModelRuns same_runs = model_runs(200, 1.0, 1.0, 1.0);
    const ModelRuns pr_runs = model_runs(300, 1.10, 0.92, 1.04);
    CHECK_GOLDEN("compare/main/models.json", models_json(main_runs));
    CHECK_GOLDEN("compare/main/layers.json", layers_json(main_runs));
    CHECK_GOLDEN("compare/same/models.json", models_json(same_runs));
    CHECK_GOLDEN("compare/pr/models.json", models_json(pr_runs));
    CHECK_GOLDEN("compare/pr/layers.json", layers_json(pr_runs));
    CHECK_GOLDEN("compare/no_samples/main.json", models_json(main_runs, false));
    CHECK_GOLDEN("compare/no_samples/pr.json", models_json(pr_runs, false));
    CHECK_GOLDEN("compare/other_machine/models.json", models_json(same_runs, true, false));
    // Not results: the directory comparison skips it, the file comparison refuses it.
    CHECK_GOLDEN("compare/main/trace.json", gputime::to_chrome_trace(vgg_like("batch 1", 1)));
    CHECK_GOLDEN("compare/not_results.txt", "these are not the results you are looking for\n");
}

TEST_CASE("golden: a Chrome trace of device and host profiles on one timeline (simulated GPU)") {
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
    for (int i = 0; i < 3; ++i) {
        gpu.host_work(microseconds(100));  // the next input, outside the iterations
        auto device_iteration = device.iteration();
        auto host_iteration = host.iteration();
        for (const auto& [name, length] : {std::pair<const char*, int>{"conv1", 200}, {"conv2", 300}, {"fc", 50}}) {
            auto on_device = device.scope(name);
            auto on_host = host.scope(name);
            gpu.launch(gputime::sim::Stream{}, gputime::sim::Kernel::fixed(name, microseconds(length)));
        }
        gpu.host_work(microseconds(1000));  // post-processing on the host while the device works
    }
    CHECK_GOLDEN("trace.json", gputime::to_chrome_trace({&device.profile(), &host.profile()}));
}
