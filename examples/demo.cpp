// SPDX-License-Identifier: MIT
// examples/demo.cpp - gputime's main job: time a real CNN's inference the right way.
//
// Part 1 (every machine): a VGG-style network on oneDNN, on the CPU. A fresh network's first
// forward pays for building its primitives (oneDNN's JIT), exactly like a framework's first
// predict() or session run. WarmupRunner keeps that first call apart, reports its overhead,
// and checks the model T(N) = first + (N-1) * steady against the measured totals.
// Part 2 (only with a GPU): a cuBLAS SGEMM timed with CUDA events, showing device time next
// to the host-side enqueue time a naive host timer would have reported, and how its latency
// moves with the idle gap between calls.
//
// Usage: demo [options]; `demo --help` lists them (gputime/integrations/run_options.hpp): --quick
// for CI smoke tests, --warmup/--iterations, --target PERCENT (part 1 measures until the median
// is known to +-PERCENT, after an automatic warm-up), --json FILE (every result with the
// machine's context; compare two such files with gputime-compare), --html FILE (plots).
#include <gputime/gputime.hpp>
#include <gputime/integrations/run_options.hpp>
#include <gputime/report/html.hpp>
#include <gputime/report/json_report.hpp>

#include "common/vgg_onednn.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>

#if defined(GPUTIME_DEMO_WITH_CUBLAS)
#include <gputime/cuda/gpu_clock.hpp>

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <memory>
#include <stdexcept>
#include <vector>
#endif

namespace {

struct Settings {
    gputime::RunOptions run;  // the standard options: warm-up, iterations, --target, limits, device
    std::string json_path;    // --json FILE
    std::string html_path;    // --html FILE
};

// What `demo --help` says, and the demo's defaults.
gputime::ProgramInfo demo_program() {
    gputime::ProgramInfo p;
    p.name = "demo";
    p.summary = "Times a VGG-style CNN on oneDNN (CPU), and a cuBLAS SGEMM on a GPU when there is one.";
    p.defaults.warmup = 10;
    p.defaults.iterations = 200;
    gputime::RunOptions quick = p.defaults;
    quick.warmup = 3;
    quick.iterations = 30;
    p.quick = quick;
    p.quick_text = "3 warm-up + 30 measured calls";
    p.standard = {"--warmup",      "--iterations",  "--target", "--min-time", "--max-time",
                  "--min-samples", "--max-samples", "--device", "--json",     "--html"};
    return p;
}

void print_model_check(const gputime::RunResult& r) {
    std::printf("\n  The model T(N) = first + (N-1) * steady p50, against the measured total:\n");
    std::printf("  %8s  %12s  %12s  %8s\n", "N calls", "predicted", "measured", "error");
    const std::size_t total = r.calls_in_order().size();
    for (const std::size_t n : {std::size_t{1}, std::size_t{10}, std::size_t{100}, total}) {
        if (n > total || (n == total && n == 100)) continue;
        const double predicted = r.predicted_total(n).count();
        const double measured = r.measured_total(n).count();
        std::printf("  %8zu  %12s  %12s  %+7.1f%%\n", n, gputime::format_duration(r.predicted_total(n)).c_str(),
                    gputime::format_duration(r.measured_total(n)).c_str(), (predicted - measured) / measured * 100.0);
    }
    const std::size_t naive_calls = total < 10 ? total : 10;
    const gputime::Duration naive = r.measured_total(naive_calls) / static_cast<double>(naive_calls);
    std::printf("\n  A naive mean of the first %zu calls says %s per call: %.1fx the steady p50 of %s.\n", naive_calls,
                gputime::format_duration(naive).c_str(), naive.count() / r.latency.p50().count(),
                gputime::format_duration(r.latency.p50()).c_str());
}

void cpu_part(const Settings& s, gputime::JsonReport* json, gputime::HtmlReport* html) {
    std::printf("== Part 1: VGG-style CNN (11 layers, 64x64 input) on oneDNN, CPU, batch 1 ==\n\n");
    gputime::HostClock clock;
    vgg::OneDnnVgg net(/*batch=*/1);  // "model load": weights only; primitives are built on first use
    gputime::WarmupRunner<gputime::HostClock> runner(clock);
    runner.name("vgg forward, oneDNN CPU, batch 1").between_calls([&](std::size_t call) { net.set_input(call); });
    s.run.apply_to(runner);  // a count, or --target: until the precision, after an automatic warm-up
    const gputime::RunResult result = runner.run([&] { net.forward(); });
    std::cout << result;
    print_model_check(result);
    if (json != nullptr) json->add(result);
    if (html != nullptr) html->add(result);
}

#if defined(GPUTIME_DEMO_WITH_CUBLAS)
void check_cuda(cudaError_t status, const char* call) {
    if (status != cudaSuccess) throw std::runtime_error(std::string(call) + ": " + cudaGetErrorString(status));
}
void check_cublas(cublasStatus_t status, const char* call) {
    if (status != CUBLAS_STATUS_SUCCESS)
        throw std::runtime_error(std::string(call) + " failed with cuBLAS status " + std::to_string(status));
}

// Owns one device buffer, so that an exception on the way frees it.
class DeviceBuffer {
public:
    explicit DeviceBuffer(std::size_t bytes) {
        void* p = nullptr;
        check_cuda(cudaMalloc(&p, bytes), "cudaMalloc");
        data_ = static_cast<float*>(p);
    }
    ~DeviceBuffer() { cudaFree(data_); }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    float* get() const { return data_; }

private:
    float* data_ = nullptr;
};

// Runs part 2; returns why it was skipped, or "" when it ran.
std::string gpu_part(const Settings& s, gputime::JsonReport* json, gputime::HtmlReport* html) {
    std::printf("\n== Part 2: cuBLAS SGEMM 2048x2048, GPU, timed with CUDA events ==\n\n");
    cudaStream_t stream = nullptr;
    std::unique_ptr<gputime::GpuClock> clock;
    try {
        clock = std::make_unique<gputime::GpuClock>();  // throws CudaError without a usable GPU
    } catch (const gputime::CudaError& e) {
        std::printf("  No usable GPU, so the GPU part is skipped (the CPU results above stand):\n  %s\n", e.what());
        return std::string("no usable GPU: ") + e.what();
    }
    check_cuda(cudaSetDevice(s.run.device), "cudaSetDevice (--device)");
    check_cuda(cudaStreamCreate(&stream), "cudaStreamCreate");
    clock = std::make_unique<gputime::GpuClock>(stream);
    const int n = 2048;
    const std::size_t bytes = sizeof(float) * static_cast<std::size_t>(n) * n;
    const DeviceBuffer a(bytes);
    const DeviceBuffer b(bytes);
    const DeviceBuffer c(bytes);
    const std::vector<float> host(static_cast<std::size_t>(n) * n, 0.5f);
    check_cuda(cudaMemcpy(a.get(), host.data(), bytes, cudaMemcpyHostToDevice), "cudaMemcpy");
    check_cuda(cudaMemcpy(b.get(), host.data(), bytes, cudaMemcpyHostToDevice), "cudaMemcpy");
    cublasHandle_t handle = nullptr;
    check_cublas(cublasCreate(&handle), "cublasCreate");
    check_cublas(cublasSetStream(handle, stream), "cublasSetStream");
    const float one = 1.0f;
    const float zero = 0.0f;
    const gputime::RunResult result = gputime::WarmupRunner(*clock)
                                          .name("cublasSgemm 2048^3, device time")
                                          .warmup(s.run.warmup)
                                          .iterations(s.run.iterations)
                                          .run([&] {
                                              check_cublas(cublasSgemm(handle, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one,
                                                                       a.get(), n, b.get(), n, &zero, c.get(), n),
                                                           "cublasSgemm");
                                          });
    std::cout << result;
    if (json != nullptr) json->add(result);
    if (html != nullptr) html->add(result);
    std::printf(
        "  A host clock around the call without synchronising would have reported the enqueue time,\n"
        "  %s, instead of the %s the GPU really spent.\n",
        gputime::format_duration(result.enqueue.p50()).c_str(), gputime::format_duration(result.latency.p50()).c_str());
    const double flops = 2.0 * n * static_cast<double>(n) * n;
    std::printf("  %.1f TFLOP/s at the steady p50\n", flops / result.latency.p50().count() / 1e3);

    // The same call with idle gaps before it, as a service sees it.
    std::printf("\n  Latency against the idle gap before each call (the GPU lowers its clock when idle):\n");
    using std::chrono::milliseconds;
    const auto points = gputime::sweep_idle_gaps(
        gputime::WarmupRunner(*clock).warmup(s.run.warmup).iterations(s.run.iterations / 4),
        {milliseconds(0), milliseconds(1), milliseconds(10), milliseconds(50)}, [&] {
            check_cublas(
                cublasSgemm(handle, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one, a.get(), n, b.get(), n, &zero, c.get(), n),
                "cublasSgemm");
        });
    std::cout << gputime::to_text(points);
    if (json != nullptr) json->add(points);
    if (html != nullptr) html->add(points, "cuBLAS SGEMM against the idle gap");
    cublasDestroy(handle);
    clock.reset();
    cudaStreamDestroy(stream);
    return {};
}
#endif

}  // namespace

int main(int argc, char** argv) {
    Settings settings;
    // --help: prints the options, exits 0; a bad option, or an output file that cannot be
    // written: says which, exits 2, before anything is measured.
    settings.run = gputime::RunOptions::from_args(argc, argv, demo_program());
    settings.json_path = settings.run.json;
    settings.html_path = settings.run.html;
    try {
        std::optional<gputime::JsonReport> json;
        if (!settings.json_path.empty()) json.emplace();  // reads the host's and GPU's context now
        std::optional<gputime::HtmlReport> html;
        if (!settings.html_path.empty()) html.emplace("gputime demo: oneDNN VGG on the CPU");
        cpu_part(settings, json ? &*json : nullptr, html ? &*html : nullptr);
#if defined(GPUTIME_DEMO_WITH_CUBLAS)
        const std::string gpu_skipped = gpu_part(settings, json ? &*json : nullptr, html ? &*html : nullptr);
#else
        const std::string gpu_skipped = "not built: configure with the CUDA toolkit present to time cuBLAS on a GPU";
        std::printf("\n(GPU part %s.)\n", gpu_skipped.c_str());
#endif
        // The report's title names only what ran, and says why the GPU part did not.
        if (html && gpu_skipped.empty()) html->title("gputime demo: oneDNN VGG on the CPU, cuBLAS on the GPU");
        if (html && !gpu_skipped.empty())
            html->title("gputime demo: oneDNN VGG on the CPU (GPU part skipped)")
                .add_note("The GPU part (cuBLAS SGEMM timed with CUDA events) was skipped: " + gpu_skipped + ".");
        if (json) {
            std::ofstream file(settings.json_path, std::ios::binary);
            file << json->str();
            if (!file) throw std::runtime_error("cannot write " + settings.json_path);
            std::printf("\nwrote %zu result(s) to %s\n", json->size(), settings.json_path.c_str());
        }
        if (html) {
            html->add(gputime::read_run_context());  // the GPU, or why there is none
            html->write(settings.html_path);
            std::printf("wrote the HTML report to %s\n", settings.html_path.c_str());
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "demo failed: %s\n", e.what());
        return 1;
    }
    return 0;
}
