// SPDX-License-Identifier: MIT
// examples/libtorch_eager.cpp - gputime inside LibTorch (PyTorch's C++ library), eager mode: a
// ResNet-18 (torch::nn, random weights, examples/common/resnet18_torch.hpp) timed layer by layer
// for batch 1, 8 and 32, then end to end with WarmupRunner.
//
//   libtorch_eager [--quick] [--iterations N] [--warmup N] [--image N] [--threads N] [--out DIR]
//
// Part 1: each batch size gets a fresh network and its own LayerProfiler; 10 forward passes
// (--iterations), each on a new random input made outside the timed iteration, run stage by
// stage, each stage in a scope ("layer1" holds "layer1.0" and "layer1.1"). The first pass is
// every layer's first call: LibTorch's CPU convolutions mostly go through oneDNN, which creates
// (JIT-compiles) a primitive per new shape, and every activation buffer is allocated and faulted
// in for the first time. The table shows that first call next to the steady p50, per layer.
// Part 2: WarmupRunner on batch 1, inputs rotating between calls: the report, and what a naive
// mean of the first 10 calls would have said. Its first call is a fresh model's in a warm process
// (oneDNN keeps its primitives per shape, process-wide), so it is cheaper than part 1's.
// Part 3 (only against a CUDA build of LibTorch, with a GPU): the same on the GPU, timed with
// CUDA events on LibTorch's current stream. Debian's LibTorch is CPU-only: there this part is not
// compiled (CMake says so when it configures).
//
// Inference settings: c10::InferenceMode for the whole program (no autograd graph, no version
// counters; torch::NoGradGuard is the older, weaker guard) and net->eval() (BatchNorm uses its
// running statistics). Threads: LibTorch's own default intra-op thread count (1 on the project's
// 2-core CI machine) unless --threads N sets torch::set_num_threads(N); the count is printed, as
// it changes every number. Eager CPU operators return when their result is computed, so the
// host clock times them (a CUDA tensor's operators only enqueue: Part 3 uses CUDA events).
// --quick: 3 passes per batch size on 64x64 images, 3 + 10 calls end to end (the CI smoke test).
// --out DIR writes layers_batch_<N>.json, layers.csv and trace.json (open in ui.perfetto.dev).
#include "common/layer_by_layer_common.hpp"
#include "common/resnet18_torch.hpp"

#include <gputime/core/host_clock.hpp>
#include <gputime/measure/layer_profiler.hpp>
#include <gputime/measure/warmup_runner.hpp>
#include <gputime/report/layer_table.hpp>
#include <gputime/report/text.hpp>

#include <torch/torch.h>

#if defined(GPUTIME_EXAMPLE_TORCH_CUDA)
#include <gputime/cuda/gpu_clock.hpp>

#include <ATen/cuda/CUDAContext.h>
#endif

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Options {
    std::size_t iterations = 10;  // forward passes per batch size (part 1)
    std::int64_t image = 224;     // input height and width
    int threads = 0;              // 0: LibTorch's default
    std::size_t warmup = 10;      // part 2
    std::size_t measured = 100;
    std::string out_dir;
};

// The command line (gputime/integrations/run_options.hpp): --help lists it; a bad option or an
// output directory that cannot be written exits 2 before anything is measured.
Options parse(int argc, char** argv) {
    Options o;
    gputime::ProgramInfo program;
    program.name = "libtorch_eager";
    program.summary = "Times a torch::nn ResNet-18 layer by layer for batch 1, 8 and 32, then end to end.";
    program.defaults.iterations = o.iterations;
    program.defaults.warmup = o.warmup;
    gputime::RunOptions quick = program.defaults;
    quick.iterations = 3;
    quick.warmup = 3;
    program.quick = quick;
    program.quick_text = "3 passes per batch size on 64x64 images, 3 + 10 calls end to end";
    program.standard = {"--iterations", "--warmup"};
    program.standard_help["--iterations"] = "part 1: forward passes per batch size";
    program.standard_help["--warmup"] = "part 2: calls before the end-to-end measurement";
    program.options = {
        {"--image", gputime::ProgramOption::Kind::whole_number, "N", "input height and width", "224 (--quick: 64)", 32},
        {"--threads", gputime::ProgramOption::Kind::whole_number, "N", "torch::set_num_threads(N)", "LibTorch's", 1},
        {"--out", gputime::ProgramOption::Kind::output_directory, "DIR",
         "write layers_<batch>.json, layers.csv and trace.json there", ""},
    };
    const gputime::RunOptions run = gputime::RunOptions::from_args(argc, argv, program);
    o.iterations = run.iterations;  // part 1: forward passes per batch size
    o.warmup = run.warmup;          // part 2
    if (run.quick) {
        o.image = 64;
        o.measured = 10;
    }
    o.image = static_cast<std::int64_t>(run.number("--image", static_cast<std::size_t>(o.image)));
    o.threads = static_cast<int>(run.number("--threads", 0));
    o.out_dir = run.value("--out");
    return o;
}

resnet18::ResNet18 load_model(torch::Device device = torch::kCPU) {
    torch::manual_seed(1);  // the same random weights every run
    resnet18::ResNet18 net;
    net->eval();
    net->to(device);
    return net;
}

// Part 1: one scope per stage and block; one iteration per forward pass.
template <class Clock>
gputime::LayerProfile profile_batch(Clock& clock, std::int64_t batch, const Options& o,
                                    torch::Device device = torch::kCPU) {
    resnet18::ResNet18 net = load_model(device);  // "model load": no operator has run yet
    gputime::LayerProfiler prof(clock);
    prof.label("batch " + std::to_string(batch)).reserve(32);
    torch::Tensor logits;
    for (std::size_t i = 0; i < o.iterations; ++i) {
        // A new input every time (not one dummy tensor), made outside the timed iteration.
        const torch::Tensor input = torch::randn({batch, 3, o.image, o.image}, device);
        auto iteration = prof.iteration();
        logits = net->forward_with(input, [&](std::string_view name, auto&& fn) { return prof.time(name, fn); });
    }
    return prof.profile();
}

// Part 2: the whole forward pass, warm-up kept apart.
template <class Clock>
gputime::RunResult end_to_end(Clock& clock, const Options& o, const std::string& name,
                              torch::Device device = torch::kCPU) {
    resnet18::ResNet18 net = load_model(device);
    std::vector<torch::Tensor> inputs;
    for (int i = 0; i < 8; ++i) inputs.push_back(torch::randn({1, 3, o.image, o.image}, device));
    torch::Tensor input;
    torch::Tensor logits;
    return gputime::WarmupRunner(clock)
        .name(name)
        .warmup(o.warmup)
        .iterations(o.measured)
        .between_calls([&](std::size_t call) { input = inputs[call % inputs.size()]; })
        .run([&] { logits = net->forward(input); });
}

void print_naive(const gputime::RunResult& r) {
    const std::size_t n = std::min<std::size_t>(10, r.calls_in_order().size());
    const gputime::Duration naive = r.measured_total(n) / static_cast<double>(n);
    std::printf("  A naive mean of the first %zu calls says %s per call: %.2fx the steady p50 of %s.\n", n,
                gputime::format_duration(naive).c_str(), naive.count() / r.latency.p50().count(),
                gputime::format_duration(r.latency.p50()).c_str());
}

#if defined(GPUTIME_EXAMPLE_TORCH_CUDA)
// Part 3: LibTorch's CUDA operators only enqueue kernels on the current stream; CUDA events on
// that stream time the GPU work (one wait per forward pass, none per layer).
void cuda_part(const Options& o) {
    std::printf("\n== Part 3: the same on the GPU (CUDA events on at::cuda::getCurrentCUDAStream()) ==\n\n");
    if (!torch::cuda::is_available()) {
        std::printf("  LibTorch sees no CUDA device: skipped.\n");
        return;
    }
    const torch::Device cuda(torch::kCUDA);
    gputime::GpuClock clock(at::cuda::getCurrentCUDAStream().stream());
    std::vector<gputime::LayerProfile> runs;
    for (const std::int64_t batch : {1, 8, 32}) runs.push_back(profile_batch(clock, batch, o, cuda));
    layer_example::print_report(runs, "device time");
    std::cout << end_to_end(clock, o, "resnet18 forward, LibTorch eager CUDA, batch 1", cuda);
}
#endif

}  // namespace

int main(int argc, char** argv) {
    try {
        const Options o = parse(argc, argv);
        if (o.threads > 0) torch::set_num_threads(o.threads);
        c10::InferenceMode inference;  // no autograd bookkeeping anywhere below

        std::printf(
            "gputime libtorch_eager: ResNet-18 (torch::nn, random weights), LibTorch %d.%d.%d, CPU, f32, "
            "%lldx%lld images,\n%d intra-op thread(s)%s.\n\n",
            TORCH_VERSION_MAJOR, TORCH_VERSION_MINOR, TORCH_VERSION_PATCH, static_cast<long long>(o.image),
            static_cast<long long>(o.image), torch::get_num_threads(),
            o.threads > 0 ? " (--threads)" : " (LibTorch's default)");

        std::printf(
            "== Part 1: layer by layer, %zu forward passes per batch size; the first pass is every layer's "
            "first call ==\n\n",
            o.iterations);
        gputime::HostClock clock;
        std::vector<gputime::LayerProfile> runs;
        for (const std::int64_t batch : {1, 8, 32}) runs.push_back(profile_batch(clock, batch, o));
        layer_example::print_report(runs, "host time");
        layer_example::write_outputs(o.out_dir, runs);

        std::printf("== Part 2: end to end, batch 1, WarmupRunner ==\n\n");
        const gputime::RunResult result = end_to_end(clock, o, "resnet18 forward, LibTorch eager CPU, batch 1");
        std::cout << result;
        print_naive(result);
        std::printf(
            "  (A fresh model, but not a fresh process: part 1 ran these shapes already, so oneDNN's primitive\n"
            "  cache and the allocator are warm. The cold first call is part 1's batch 1 column.)\n");

#if defined(GPUTIME_EXAMPLE_TORCH_CUDA)
        cuda_part(o);
#else
        std::printf(
            "\n(Part 3, the GPU, is not built: this LibTorch is CPU-only. Against a CUDA LibTorch it times\n"
            " the same network with gputime::GpuClock on at::cuda::getCurrentCUDAStream().)\n");
#endif
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "libtorch_eager: %s\n", e.what());
        return 1;
    }
}
