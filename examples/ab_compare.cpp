// SPDX-License-Identifier: MIT
// examples/ab_compare.cpp - A/B with a verdict: which memory format runs a convolution faster?
//
// One 3x3 convolution (64 -> 64 channels, 56x56, batch 1, f32, bias + ReLU; a ResNet stage-1
// layer) on oneDNN's CPU engine, in two variants:
//   nchw     activations and weights in the plain layouts (nchw / oihw) a framework hands over;
//            oneDNN then runs a gemm-based convolution
//   blocked  format_tag::any everywhere: oneDNN picks the layout its fastest kernel wants
//            (blocked or nhwc on AVX-512 / AVX2 machines)
// Each variant runs on data already in its own layout (the layout conversion a network does once
// per tensor is not the question here), and builds its primitive on its first call, so the
// first call carries the primitive creation and JIT.
//
// gputime::compare runs the two interleaved in random-order blocks, so that whatever else the
// machine does during the run hits both alike, and prints the ratio of medians with its 95%
// interval, the Mann-Whitney p-value and the verdict. A second comparison of the blocked variant
// against itself (a separate primitive and buffers: an A/A test) shows what "no difference"
// looks like on this machine.
//
// Usage: ab_compare [--quick] [--json FILE] [--html FILE]
//   --quick: fewer calls, for CI; --json FILE: both comparisons as JSON with the machine's
//   context; --html FILE: a self-contained HTML report with both distributions side by side
#include <gputime/core/host_clock.hpp>
#include <gputime/core/host_context.hpp>
#include <gputime/integrations/run_options.hpp>
#include <gputime/measure/ab_compare.hpp>
#include <gputime/report/comparison_text.hpp>
#include <gputime/report/html.hpp>
#include <gputime/report/json_report.hpp>

#include <dnnl.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <unordered_map>

namespace {

using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

// One convolution in a fixed set of layouts; the primitive is created on the first run().
class Convolution {
public:
    Convolution(const dnnl::engine& engine, bool plain, int image = 56, int channels = 64)
        : engine_(engine), stream_(engine), plain_(plain), image_(image), channels_(channels) {}

    void run() {
        if (!ready_) build();
        primitive_.execute(stream_, args_);
        stream_.wait();
    }
    std::string implementation() const { return implementation_; }

private:
    void build() {
        const dnnl::memory::dim n = 1, c = channels_, hw = image_;
        const dnnl::memory::dims src_dims{n, c, hw, hw}, weight_dims{c, c, 3, 3}, bias_dims{c};
        const tag activations = plain_ ? tag::nchw : tag::any;
        const tag weights = plain_ ? tag::oihw : tag::any;
        const dnnl::memory::desc src(src_dims, dt::f32, activations), dst(src_dims, dt::f32, activations);
        const dnnl::memory::desc w(weight_dims, dt::f32, weights), b(bias_dims, dt::f32, tag::x);
        dnnl::post_ops ops;
        ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
        dnnl::primitive_attr attr;
        attr.set_post_ops(ops);
        const dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                                src, w, b, dst, {1, 1}, {1, 1}, {1, 1});
        const dnnl::convolution_forward::primitive_desc pd(d, attr, engine_);
        primitive_ = dnnl::convolution_forward(pd);
        implementation_ = pd.impl_info_str();
        // Buffers in the layouts the primitive chose, filled with a fixed pattern.
        args_ = {{DNNL_ARG_SRC, filled(pd.src_desc(), 1)},
                 {DNNL_ARG_WEIGHTS, filled(pd.weights_desc(), 2)},
                 {DNNL_ARG_BIAS, filled(pd.bias_desc(), 3)},
                 {DNNL_ARG_DST, dnnl::memory(pd.dst_desc(), engine_)}};
        ready_ = true;
    }
    dnnl::memory filled(const dnnl::memory::desc& desc, std::uint64_t seed) const {
        dnnl::memory m(desc, engine_);
        float* p = static_cast<float*>(m.get_data_handle());
        const std::size_t count = desc.get_size() / sizeof(float);
        std::uint64_t state = seed * 0x9E3779B97F4A7C15ULL;
        for (std::size_t i = 0; i < count; ++i) {
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            p[i] = static_cast<float>(state >> 40) / 16777216.0f - 0.5f;  // [-0.5, 0.5)
        }
        return m;
    }

    dnnl::engine engine_;
    dnnl::stream stream_;
    bool plain_;
    int image_, channels_;
    bool ready_ = false;
    dnnl::primitive primitive_;
    std::unordered_map<int, dnnl::memory> args_;
    std::string implementation_;
};

}  // namespace

int main(int argc, char** argv) {
    // The command line (gputime/integrations/run_options.hpp): --help lists it; a bad option or
    // an output that cannot be written exits 2 before anything is measured.
    gputime::ProgramInfo program;
    program.name = "ab_compare";
    program.summary = "A/B verdicts between two oneDNN convolution layouts, and an A/A check.";
    program.defaults.warmup = gputime::CompareOptions{}.warmup;
    program.defaults.iterations = gputime::CompareOptions{}.samples;
    gputime::RunOptions quick_settings = program.defaults;
    quick_settings.warmup = 5;
    quick_settings.iterations = 60;
    program.quick = quick_settings;
    program.quick_text = "5 warm-up + 60 calls per variant";
    program.standard = {"--warmup", "--iterations", "--json", "--html"};
    program.standard_help["--warmup"] = "calls of each variant before measuring";
    program.standard_help["--iterations"] = "measured calls of each variant, interleaved in random blocks";
    const gputime::RunOptions run = gputime::RunOptions::from_args(argc, argv, program);
    const std::string& json_path = run.json;
    const std::string& html_path = run.html;
    try {
        const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
        Convolution nchw(engine, true), blocked(engine, false), blocked_again(engine, false);
        gputime::HostClock clock;

        gputime::CompareOptions options;
        options.names = {"nchw", "blocked"};
        options.samples = run.iterations;  // calls per variant before the first look
        options.warmup = run.warmup;
        // --quick: a fixed budget (one look); otherwise blocks double until the intervals decide.
        options.max_samples = run.quick ? options.samples : std::max(options.max_samples, options.samples);
        std::printf("== A/B: a 3x3 convolution, 64 -> 64 channels, 56x56, batch 1, oneDNN CPU ==\n\n");
        const gputime::Comparison layouts = gputime::compare(
            clock, [&] { nchw.run(); }, [&] { blocked.run(); }, options);
        std::cout << layouts;
        std::printf("  implementations: nchw %s, blocked %s\n\n", nchw.implementation().c_str(),
                    blocked.implementation().c_str());

        options.names = {"blocked", "blocked again"};
        options.seed += 1;
        const gputime::Comparison same = gputime::compare(
            clock, [&] { blocked.run(); }, [&] { blocked_again.run(); }, options);
        std::printf("== A/A: the blocked variant against a copy of itself ==\n\n");
        std::cout << same;
        if (!json_path.empty()) {
            gputime::JsonReport json;
            json.add("layouts", layouts).add("a/a", same);
            std::ofstream file(json_path, std::ios::binary);
            file << json.str();
            if (!file) throw std::runtime_error("cannot write " + json_path);
            std::printf("\nwrote %s\n", json_path.c_str());
        }
        if (!html_path.empty()) {
            gputime::HtmlReport html("gputime ab_compare: oneDNN convolution layouts");
            html.add(layouts).add(same).add(gputime::read_host_context()).write(html_path);
            std::printf("wrote %s\n", html_path.c_str());
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ab_compare: %s\n", e.what());
        return 1;
    }
    return 0;
}
