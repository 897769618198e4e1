// SPDX-License-Identifier: MIT
// examples/libtorch_torchscript.cpp - gputime on a TorchScript model in LibTorch: the warm-up that
// lasts several calls, not one.
//
//   libtorch_torchscript [--quick] [--model PATH] [--calls N] [--warmup N] [--iterations N]
//                        [--batch N] [--image N] [--threads N]
//
// The model is the ResNet-18 of libtorch_eager.cpp, scripted by Python at build time
// (examples/torchscript/make_resnet18.py -> <build>/examples/resnet18.pt) and loaded here with
// torch::jit::load. TorchScript runs a model through its profiling graph executor: the first
// call(s) run an instrumented graph that records tensor shapes and types, and only then is the
// graph specialised and optimised, so several calls are slow, not one. PyTorch's maintainers say
// "the JIT will typically need two warmup runs" (pytorch/pytorch pull request 58801); issue 30902
// saw the first ~20 calls of a scripted Inception v3 run slow. A warm-up of one call, or a mean
// over the first calls, gets this wrong.
//
// Part 1: a freshly loaded model, called --calls times (60; each call on a new input prepared
// outside the timed call): every call's time in order (the first 30 printed), where the
// transient ends by MSER-5 (gputime::mser5_truncation: the truncation point that minimises the
// standard error of the mean of what is left, in batches of 5 calls), and the naive mean of the
// first 10 calls against the steady p50.
// Part 2: another fresh load, timed by WarmupRunner with a fixed warm-up long enough to cover
// the transient (--warmup, 30) and --iterations measured calls (100): the steady statistics.
// Inference settings: torch::NoGradGuard (as PyTorch's C++ loading tutorial does; the graph
// executor then compiles no autograd), module.eval(); threads as libtorch_eager (LibTorch's
// default unless --threads). --quick: batch 2 of 64x64 images, 30 calls, 5 + 10 in part 2 (the CI
// smoke test; at batch 1, images this small take LibTorch's slower non-oneDNN convolution path).
#include <gputime/core/duration.hpp>
#include <gputime/core/host_clock.hpp>
#include <gputime/integrations/run_options.hpp>
#include <gputime/measure/run_result.hpp>
#include <gputime/measure/warmup_runner.hpp>
#include <gputime/report/text.hpp>
#include <gputime/stats/stats.hpp>
#include <gputime/stats/warmup_detection.hpp>

#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

struct Options {
    std::string model =
#if defined(GPUTIME_RESNET18_PT)
        GPUTIME_RESNET18_PT;
#else
        "";
#endif
    std::size_t calls = 60;   // part 1
    std::size_t shown = 30;   // of which printed one by one
    std::size_t warmup = 30;  // part 2
    std::size_t measured = 100;
    std::int64_t batch = 1;
    std::int64_t image = 224;
    int threads = 0;
};

// The command line (gputime/integrations/run_options.hpp): --help lists it; a bad option exits 2
// before anything is measured.
Options parse(int argc, char** argv) {
    Options o;
    gputime::ProgramInfo program;
    program.name = "libtorch_torchscript";
    program.summary =
        "Times a freshly loaded TorchScript ResNet-18 call by call (its warm-up transient),\n"
        "then with WarmupRunner after a warm-up longer than the transient.";
    program.defaults.warmup = o.warmup;
    program.defaults.iterations = o.measured;
    gputime::RunOptions quick = program.defaults;
    quick.warmup = 5;
    quick.iterations = 10;
    program.quick = quick;
    program.quick_text = "batch 2 of 64x64 images, 30 calls, 5 + 10 in part 2";
    program.standard = {"--warmup", "--iterations"};
    program.standard_help["--warmup"] = "part 2: calls before measuring (longer than the transient)";
    program.standard_help["--iterations"] = "part 2: measured calls";
    program.options = {
        {"--model", gputime::ProgramOption::Kind::value, "PATH", "the TorchScript .pt to load",
         o.model.empty() ? std::string("none: required") : o.model},
        {"--calls", gputime::ProgramOption::Kind::whole_number, "N", "part 1: calls of the fresh model", "60", 2},
        {"--batch", gputime::ProgramOption::Kind::whole_number, "N", "inputs per call", "1 (--quick: 2)", 1},
        {"--image", gputime::ProgramOption::Kind::whole_number, "N", "input height and width", "224 (--quick: 64)", 32},
        {"--threads", gputime::ProgramOption::Kind::whole_number, "N", "torch::set_num_threads(N)", "LibTorch's", 1},
    };
    const gputime::RunOptions run = gputime::RunOptions::from_args(argc, argv, program);
    o.warmup = run.warmup;
    o.measured = run.iterations;
    if (run.quick) {
        o.calls = 30;
        o.shown = 30;
        o.batch = 2;
        o.image = 64;
    }
    o.model = run.value("--model", o.model);
    o.calls = run.number("--calls", o.calls);
    o.batch = static_cast<std::int64_t>(run.number("--batch", static_cast<std::size_t>(o.batch)));
    o.image = static_cast<std::int64_t>(run.number("--image", static_cast<std::size_t>(o.image)));
    o.threads = static_cast<int>(run.number("--threads", 0));
    if (o.model.empty()) {
        std::fprintf(stderr, "libtorch_torchscript: no model: pass --model PATH (a TorchScript .pt)\n");
        std::exit(2);
    }
    return o;
}

// A freshly loaded module: its graph executor has seen no call yet.
torch::jit::Module load(const std::string& path, gputime::Duration* took = nullptr) {
    gputime::HostClock clock;
    const auto started = clock.mark();
    torch::jit::Module module = torch::jit::load(path);
    module.eval();
    if (took != nullptr) *took = clock.elapsed(started, clock.mark());
    return module;
}

// Inputs rotate: each call sees a new tensor, prepared outside the timed call.
std::vector<torch::jit::IValue> make_inputs(const Options& o) {
    std::vector<torch::jit::IValue> inputs;
    for (int i = 0; i < 8; ++i) inputs.emplace_back(torch::randn({o.batch, 3, o.image, o.image}));
    return inputs;
}

std::string fmt(gputime::Duration d) { return gputime::format_duration(d); }

gputime::Duration median(std::vector<gputime::Duration> v) {
    std::sort(v.begin(), v.end());
    return v[gputime::Stats::nearest_rank_index(50.0, v.size())];
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const Options o = parse(argc, argv);
        if (o.threads > 0) torch::set_num_threads(o.threads);
        torch::NoGradGuard no_grad;

        std::printf(
            "gputime libtorch_torchscript: ResNet-18 scripted by Python, loaded with torch::jit::load;\n"
            "LibTorch %d.%d.%d, CPU, f32, batch %lld, %lldx%lld images, %d intra-op thread(s).\n"
            "Graph executor: %s, %zu profiled run(s) before optimising, bailout depth %zu.\n\n",
            TORCH_VERSION_MAJOR, TORCH_VERSION_MINOR, TORCH_VERSION_PATCH, static_cast<long long>(o.batch),
            static_cast<long long>(o.image), static_cast<long long>(o.image), torch::get_num_threads(),
            torch::jit::getProfilingMode() ? "profiling" : "legacy", torch::jit::getNumProfiledRuns().load(),
            torch::jit::getBailoutDepth());

        gputime::HostClock clock;
        const std::vector<torch::jit::IValue> inputs = make_inputs(o);
        std::vector<torch::jit::IValue> args(1);
        torch::Tensor logits;
        const auto rotate = [&](std::size_t call) { args[0] = inputs[call % inputs.size()]; };
        const auto forward = [&](torch::jit::Module& m) { logits = m.forward(args).toTensor(); };

        // ---- Part 1: the transient, call by call ----
        gputime::Duration load_time{0.0};
        torch::jit::Module fresh = load(o.model, &load_time);
        std::printf("== Part 1: a freshly loaded model (torch::jit::load: %s), %zu calls in a row ==\n\n",
                    fmt(load_time).c_str(), o.calls);
        const gputime::RunResult series_run =
            gputime::WarmupRunner(clock).warmup(0).iterations(o.calls).between_calls(rotate).run(
                [&] { forward(fresh); });
        const std::vector<gputime::Duration> series = series_run.calls_in_order();
        const std::size_t steady_from = gputime::mser5_truncation(series);  // series.size(): cannot tell yet
        const bool conclusive = steady_from < series.size();
        // The steady p50: the calls after the transient (when MSER-5 cannot tell yet: the last half).
        const std::size_t steady_begin = conclusive ? steady_from : series.size() / 2;
        const gputime::Duration steady_p50 = median(
            std::vector<gputime::Duration>(series.begin() + static_cast<std::ptrdiff_t>(steady_begin), series.end()));
        const double slow_factor = 1.25;
        std::size_t slow = 0;
        gputime::Duration excess_first{0.0};
        gputime::Duration excess_rest{0.0};
        for (std::size_t i = 0; i < steady_begin; ++i) {
            slow += series[i] > slow_factor * steady_p50 ? 1 : 0;
            (i == 0 ? excess_first : excess_rest) += series[i] - steady_p50;
        }

        std::printf("  call        time   / steady p50\n");
        for (std::size_t i = 0; i < series.size() && i < o.shown; ++i) {
            if (conclusive && i == steady_from && i > 0)
                std::printf("  ---- MSER-5: steady from call %zu on ----\n", i + 1);
            const double ratio = series[i] / steady_p50;
            std::printf("  %4zu  %10s  %6.2fx%s\n", i + 1, fmt(series[i]).c_str(), ratio,
                        i < steady_begin && ratio > slow_factor ? "  slow" : "");
        }
        if (series.size() > o.shown) std::printf("  ... %zu more calls\n", series.size() - o.shown);
        std::printf("\n");
        if (conclusive && steady_from > 0) {
            std::printf("  warm-up transient: %zu calls slow, ends at call %zu (MSER-5)\n", slow, steady_from);
        } else if (conclusive) {
            std::printf("  warm-up transient: none found; MSER-5 keeps every call\n");
        } else {
            std::printf(
                "  warm-up transient: %zu calls slow; MSER-5 cannot place its end in %zu calls (it needs 20 or more,\n"
                "  and the end in their first half): run with more --calls\n",
                slow, series.size());
        }
        std::printf(
            "  steady p50 %s (calls %zu-%zu); slow = more than %.2fx that. MSER-5 cuts in batches of 5 calls.\n",
            fmt(steady_p50).c_str(), steady_begin + 1, series.size(), slow_factor);
        if (conclusive && steady_from > 1)
            std::printf("  time lost to the transient beyond the steady p50: the first call %s, calls 2-%zu %s\n",
                        fmt(excess_first).c_str(), steady_begin, fmt(excess_rest).c_str());
        const std::size_t naive_calls = std::min<std::size_t>(10, series.size());
        const gputime::Duration naive = series_run.measured_total(naive_calls) / static_cast<double>(naive_calls);
        std::printf("  naive mean of the first %zu calls: %s = %.2fx the steady p50\n\n", naive_calls,
                    fmt(naive).c_str(), naive / steady_p50);

        // ---- Part 2: WarmupRunner with a fixed warm-up longer than the transient ----
        std::printf("== Part 2: another fresh load, WarmupRunner: %zu warm-up calls, %zu measured ==\n\n", o.warmup,
                    o.measured);
        torch::jit::Module model = load(o.model);
        const gputime::RunResult result =
            gputime::WarmupRunner(clock)
                .name("resnet18 TorchScript, LibTorch CPU, batch " + std::to_string(o.batch))
                .warmup(o.warmup)
                .iterations(o.measured)
                .between_calls(rotate)
                .run([&] { forward(model); });
        std::cout << result;
        if (conclusive && steady_from > o.warmup)
            std::printf(
                "  Part 1's transient (%zu calls) is longer than this warm-up (%zu): use --warmup %zu or more.\n",
                steady_from, o.warmup, steady_from);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "libtorch_torchscript: %s\n", e.what());
        return 1;
    }
}
