// SPDX-License-Identifier: MIT
// examples/html_report.cpp - write gputime's HTML report from a run on the CPU.
//
//   html_report [--quick] [--iterations N] [--html FILE]   (default FILE: gputime_report.html;
//                                                          --out FILE says the same; --help)
//
// A small network in plain C++ (no dependency) with the first-call behaviour of a real
// framework: its first call builds an embedding table and its buffers, and its GEMM autotunes
// over its first calls (it tries one tile size per call, then keeps the fastest: what cuDNN's
// benchmark mode and oneDNN's JIT do), so the warm-up transient lasts several calls, longer
// than the 3 warm-up calls the runner is given. The report shows
//   1. the run: every call in order with the first call and the end of the warm-up marked
//      (MSER-5 finds the transient longer than the warm-up count), the distribution of the
//      steady calls with p50/p99 and their 95% intervals;
//   2. the same network layer by layer: steady p50 against each layer's first call;
//   3. latency against an idle gap before each call (sleeping between calls);
//   4. an A/B comparison of two GEMM loop orders (gputime::compare: interleaved, with a verdict);
//   5. for contrast, a simulated GPU (gputime::sim::Runtime: a model, not a measurement) with lazy
//      module loading and a clock that drops when idle, which is what the idle-gap chart is for.
// Open the file in any browser: it is one self-contained page.
#include <gputime/core/host_clock.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/integrations/run_options.hpp>
#include <gputime/measure/ab_compare.hpp>
#include <gputime/measure/idle_gap_sweep.hpp>
#include <gputime/measure/layer_profiler.hpp>
#include <gputime/measure/warmup_runner.hpp>
#include <gputime/report/html.hpp>
#include <gputime/report/run_context.hpp>
#include <gputime/sim/runtime.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

namespace {

constexpr std::size_t dim = 96;  // GEMM size: dim x dim x dim

// C = A * B, blocked by `tile` (tile == dim: the plain i-j-k order, slow on the CPU's caches).
void gemm(const std::vector<float>& a, const std::vector<float>& b, std::vector<float>& c, std::size_t tile) {
    std::fill(c.begin(), c.end(), 0.0f);
    if (tile >= dim) {
        for (std::size_t i = 0; i < dim; ++i)
            for (std::size_t j = 0; j < dim; ++j) {
                float sum = 0.0f;
                for (std::size_t k = 0; k < dim; ++k) sum += a[i * dim + k] * b[k * dim + j];
                c[i * dim + j] = sum;
            }
        return;
    }
    for (std::size_t i0 = 0; i0 < dim; i0 += tile)
        for (std::size_t k0 = 0; k0 < dim; k0 += tile)
            for (std::size_t i = i0; i < std::min(dim, i0 + tile); ++i)
                for (std::size_t k = k0; k < std::min(dim, k0 + tile); ++k) {
                    const float aik = a[i * dim + k];
                    for (std::size_t j = 0; j < dim; ++j) c[i * dim + j] += aik * b[k * dim + j];
                }
}

// A toy network: embed -> conv -> gemm -> softmax, with a framework's first-call habits.
class TinyNet {
public:
    static constexpr const char* layer_names[] = {"embed", "conv 3x3", "gemm <autotuned>", "softmax"};

    void set_input(std::size_t call) { token_ = (call * 7919) % 4096; }

    void run_layer(std::size_t layer) {
        switch (layer) {
            case 0: embed(); break;
            case 1: conv(); break;
            case 2: tuned_gemm(); break;
            default: softmax(); break;
        }
    }
    void forward() {
        for (std::size_t l = 0; l < 4; ++l) run_layer(l);
    }
    float output() const { return out_.empty() ? 0.0f : out_[0]; }

private:
    void embed() {
        if (table_.empty()) {  // built on first use, like lazily loaded weights
            table_.resize(std::size_t{1} << 21);
            for (std::size_t i = 0; i < table_.size(); ++i) table_[i] = static_cast<float>(i % 97) * 0.01f;
            image_.assign(dim * dim, 0.0f);
        }
        for (std::size_t i = 0; i < image_.size(); ++i) image_[i] = table_[(token_ * 31 + i) % table_.size()];
    }
    void conv() {
        if (conv_out_.empty()) conv_out_.assign(dim * dim, 0.0f);
        static constexpr float w[3][3] = {{0.1f, 0.2f, 0.1f}, {0.2f, 0.4f, 0.2f}, {0.1f, 0.2f, 0.1f}};
        for (std::size_t y = 1; y + 1 < dim; ++y)
            for (std::size_t x = 1; x + 1 < dim; ++x) {
                float s = 0.0f;
                for (std::size_t dy = 0; dy < 3; ++dy)
                    for (std::size_t dx = 0; dx < 3; ++dx) s += w[dy][dx] * image_[(y + dy - 1) * dim + x + dx - 1];
                conv_out_[y * dim + x] = s;
            }
    }
    // Autotuning: one candidate tile per call until every candidate has run, then the fastest.
    void tuned_gemm() {
        if (weights_.empty()) {
            weights_.assign(dim * dim, 0.5f);
            out_.assign(dim * dim, 0.0f);
        }
        static constexpr std::size_t candidates[] = {dim, 4, 64, 8, 32, 16};
        if (tried_ < std::size(candidates)) {
            const auto start = std::chrono::steady_clock::now();
            gemm(conv_out_, weights_, out_, candidates[tried_]);
            const auto took = std::chrono::steady_clock::now() - start;
            if (tried_ == 0 || took < best_time_) {
                best_time_ = took;
                best_tile_ = candidates[tried_];
            }
            ++tried_;
            return;
        }
        gemm(conv_out_, weights_, out_, best_tile_);
    }
    void softmax() {
        float total = 0.0f;
        for (std::size_t i = 0; i < dim; ++i) total += out_[i] * 1e-3f;
        out_[0] = total;
    }

    std::size_t token_ = 0;
    std::vector<float> table_, image_, conv_out_, weights_, out_;
    std::size_t tried_ = 0;
    std::size_t best_tile_ = 16;
    std::chrono::steady_clock::duration best_time_{};
};

struct Settings {
    std::size_t iterations = 300;
    std::size_t layer_iterations = 60;
    std::size_t gap_iterations = 40;
    std::size_t ab_samples = 200;
    std::string out = "gputime_report.html";
};

void simulated_gpu_part(gputime::HtmlReport& report, const Settings& s) {
    using namespace std::chrono_literals;
    namespace sim = gputime::sim;
    sim::Config config;
    config.lazy_load_cost = 3ms;  // CUDA's lazy module loading on each kernel's first launch
    config.clock.enabled = true;  // the SM clock drops after an idle gap and ramps back up
    config.noise.relative_stddev = 0.03;
    config.noise.seed = 7;
    sim::Runtime gpu(config);
    gputime::CudaEventClock<sim::Runtime> clock(gpu);
    const auto forward = [&] {
        gpu.launch(sim::Stream{}, sim::Kernel::cycles("conv", 200000));  // ~100 us at full clock
        gpu.launch(sim::Stream{}, sim::Kernel::fixed("copy", 20us));
    };
    report.add(gputime::WarmupRunner(clock)
                   .name("simulated GPU: conv + copy (gputime::sim::Runtime, a model, not a measurement)")
                   .warmup(5)
                   .iterations(s.iterations)
                   .run(forward));
    report.add(gputime::sweep_idle_gaps(gputime::WarmupRunner(clock).warmup(5).iterations(s.gap_iterations),
                                        {0ms, 100us, 1ms, 10ms, 100ms}, forward),
               "Idle-gap sweep on the simulated GPU (its clock model drops the SM clock after 1 ms idle)");
}

}  // namespace

int main(int argc, char** argv) {
    // The command line (gputime/integrations/run_options.hpp): --help lists it; a bad option or
    // an output that cannot be written exits 2 before anything is measured.
    Settings s;
    gputime::ProgramInfo program;
    program.name = "html_report";
    program.summary = "Writes gputime's HTML report of a toy network timed on the CPU (and a simulated GPU).";
    program.defaults.iterations = s.iterations;
    program.defaults.html = s.out;
    gputime::RunOptions quick = program.defaults;
    quick.iterations = 150;
    program.quick = quick;
    program.quick_text = "150 calls (layers 30, idle gaps 25, A/B 120 per variant)";
    program.standard = {"--iterations", "--html"};
    program.options.push_back(
        {"--out", gputime::ProgramOption::Kind::output_file, "FILE", "the same as --html FILE", ""});
    const gputime::RunOptions run = gputime::RunOptions::from_args(argc, argv, program);
    s.iterations = run.iterations;
    s.out = run.value("--out", run.html);
    if (run.quick) {
        s.layer_iterations = 30;
        s.gap_iterations = 25;
        s.ab_samples = 120;
    }
    try {
        using namespace std::chrono_literals;
        gputime::HostClock clock;
        gputime::HtmlReport report("gputime HTML report: a toy network on the CPU");
        report.add_note(
            "A toy network in plain C++ (embed, 3x3 conv, autotuned GEMM, softmax), timed on the host "
            "clock. Its GEMM tries one tile size per call over its first 6 calls, so the warm-up "
            "transient outlasts the 3 warm-up calls the runner was given.");

        TinyNet net;
        volatile float sink = 0.0f;
        report.add(gputime::WarmupRunner(clock)
                       .name("tiny net forward, CPU, host clock")
                       .warmup(3)
                       .iterations(s.iterations)
                       .between_calls([&](std::size_t call) { net.set_input(call); })
                       .run([&] {
                           net.forward();
                           sink = net.output();
                       }));

        // The same network layer by layer, fresh, so that each layer's first call is in the profile.
        TinyNet fresh;
        gputime::LayerProfiler profiler(clock);
        profiler.label("fresh network, batch 1");
        for (std::size_t i = 0; i < s.layer_iterations; ++i) {
            fresh.set_input(i);
            auto iteration = profiler.iteration();
            for (std::size_t l = 0; l < 4; ++l) profiler.time(TinyNet::layer_names[l], [&] { fresh.run_layer(l); });
        }
        report.add(profiler.profile());

        // Latency against the idle gap before each call (the host sleeps, outside the timed region).
        report.add(gputime::sweep_idle_gaps(gputime::WarmupRunner(clock).warmup(3).iterations(s.gap_iterations),
                                            {0ms, 1ms, 5ms}, [&] { net.forward(); }),
                   "Idle-gap sweep on the CPU");

        // A/B: the plain i-j-k GEMM against the 16-wide tiled one, interleaved.
        std::vector<float> a(dim * dim, 0.25f), b(dim * dim, 0.5f), c(dim * dim, 0.0f);
        gputime::CompareOptions options;
        options.samples = s.ab_samples;
        if (run.quick) options.max_samples = options.samples;  // a fixed budget, one look
        options.warmup = 5;
        options.names = {"gemm i-j-k", "gemm tiled 16"};
        report.add(gputime::compare(
            clock, [&] { gemm(a, b, c, dim); }, [&] { gemm(a, b, c, 16); }, options));

        simulated_gpu_part(report, s);
        report.add(gputime::read_run_context());  // the machine, the build, and the GPU or why there is none
        report.write(s.out);
        std::printf("html_report: wrote %s (%zu charts)\n", s.out.c_str(), report.charts());
        return sink == 12345.0f ? 3 : 0;  // reads sink, so the work is not optimised away
    } catch (const std::exception& e) {
        std::fprintf(stderr, "html_report: %s\n", e.what());
        return 1;
    }
}
