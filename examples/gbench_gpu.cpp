// SPDX-License-Identifier: MIT
// examples/gbench_gpu.cpp - GPU work inside a Google Benchmark loop, timed on the device.
//
//   gbench_gpu [--quick] [Google Benchmark flags, e.g. --benchmark_format=json]
//
// Google Benchmark's own flags work unchanged (--benchmark_min_time, --benchmark_filter,
// --benchmark_format=json, --benchmark_out=FILE ...), and stdout carries only its output: what
// this program says about itself (no GPU here) goes to stderr, so --benchmark_format=json
// writes valid JSON. --quick means --benchmark_min_time=0.01 (a flag given after it wins).
//
// Google Benchmark times the host; around asynchronous GPU work that is the launch, not the
// work. gputime::gbench::time_iterations() times each iteration with CUDA events instead and
// reports that as the iteration's time (->UseManualTime()), with p50_ns, p99_ns and
// first_call_ns as counters.
//  * With a GPU (built with the CUDA toolkit, and a device present): cudaMemsetAsync and
//    cudaMemcpyAsync of 64 MiB on a stream, timed by gputime::GpuClock.
//  * Without one: it says so and runs the same code on the simulated GPU
//    (gputime::CudaEventClock<gputime::sim::Runtime>, virtual time: the numbers are the model's).
//  * Always: a CPU function timed by gputime::HostClock, the adapter with a host clock.
#include <gputime/core/host_clock.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/integrations/gbench.hpp>
#include <gputime/sim/runtime.hpp>

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#if defined(GPUTIME_HAS_CUDA)
#include <gputime/cuda/gpu_clock.hpp>

#include <cuda_runtime_api.h>
#endif

namespace {

#if defined(GPUTIME_HAS_CUDA)
// What the GPU benchmarks share: a stream, two 64 MiB buffers and a clock on the stream.
struct GpuSetup {
    static constexpr std::size_t bytes = std::size_t{64} << 20;
    cudaStream_t stream = nullptr;
    void* a = nullptr;
    void* b = nullptr;
    std::unique_ptr<gputime::GpuClock> clock;

    GpuSetup() {
        if (cudaStreamCreate(&stream) != cudaSuccess || cudaMalloc(&a, bytes) != cudaSuccess ||
            cudaMalloc(&b, bytes) != cudaSuccess)
            return;
        clock = std::make_unique<gputime::GpuClock>(stream);
    }
    ~GpuSetup() {
        clock.reset();
        cudaFree(a);
        cudaFree(b);
        if (stream != nullptr) cudaStreamDestroy(stream);
    }
    bool ready() const { return clock != nullptr; }
};

GpuSetup& gpu() {
    static GpuSetup setup;
    return setup;
}

// An error of the timed call throws: time_iterations() turns it into state.SkipWithError.
void check(cudaError_t status, const char* call) {
    if (status != cudaSuccess) throw std::runtime_error(std::string(call) + ": " + cudaGetErrorString(status));
}

bool gpu_present() {
    int devices = 0;
    return cudaGetDeviceCount(&devices) == cudaSuccess && devices > 0 && gpu().ready();
}

void gpu_memset(benchmark::State& state) {
    static gputime::gbench::Timings timings;  // across Google Benchmark's runs: the cold call
    GpuSetup& g = gpu();
    gputime::gbench::time_iterations(state, *g.clock, timings,
                                     [&] { check(cudaMemsetAsync(g.a, 0, g.bytes, g.stream), "cudaMemsetAsync"); });
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(g.bytes));
}

void gpu_copy(benchmark::State& state) {
    static gputime::gbench::Timings timings;
    GpuSetup& g = gpu();
    gputime::gbench::time_iterations(state, *g.clock, timings, [&] {
        check(cudaMemcpyAsync(g.b, g.a, g.bytes, cudaMemcpyDeviceToDevice, g.stream), "cudaMemcpyAsync");
    });
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(g.bytes));
}
#endif

// The simulated GPU: a 120 us kernel whose module loads lazily (2 ms) on its first launch.
void simulated_kernel(benchmark::State& state) {
    using namespace std::chrono_literals;
    static gputime::sim::Runtime runtime = [] {
        gputime::sim::Config config;
        config.lazy_load_cost = 2ms;
        config.noise.relative_stddev = 0.02;
        config.noise.seed = 11;
        return gputime::sim::Runtime(config);
    }();
    static gputime::CudaEventClock<gputime::sim::Runtime> clock(runtime);
    static gputime::gbench::Timings timings;
    gputime::gbench::time_iterations(state, clock, timings, [&] {
        runtime.launch(gputime::sim::Stream{}, gputime::sim::Kernel::fixed("gemm", 120us));
    });
}

// A CPU function with the same adapter and a host clock.
void host_sum(benchmark::State& state) {
    static gputime::HostClock clock;
    static gputime::gbench::Timings timings;
    std::vector<float> data(1 << 16, 0.5f);
    gputime::gbench::time_iterations(state, clock, timings, [&] {
        float total = std::accumulate(data.begin(), data.end(), 0.0f);
        benchmark::DoNotOptimize(total);
    });
}

}  // namespace

int main(int argc, char** argv) {
    // --quick becomes Google Benchmark's own flag, in its place: a --benchmark_min_time given
    // later on the line wins, as Google Benchmark's flags do among themselves.
    static char quick_min_time[] = "--benchmark_min_time=0.01";
    std::vector<char*> args;
    for (int i = 0; i < argc; ++i)
        args.push_back(i > 0 && std::strcmp(argv[i], "--quick") == 0 ? quick_min_time : argv[i]);
    args.push_back(nullptr);  // argv[argc] is a null pointer
    int count = static_cast<int>(args.size()) - 1;
    benchmark::Initialize(&count, args.data());
    if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 1;

    bool on_gpu = false;
#if defined(GPUTIME_HAS_CUDA)
    on_gpu = gpu_present();
    if (on_gpu) {
        benchmark::RegisterBenchmark("gpu/cudaMemsetAsync_64MiB", gpu_memset)->UseManualTime();
        benchmark::RegisterBenchmark("gpu/cudaMemcpyAsync_64MiB", gpu_copy)->UseManualTime();
    }
#endif
    if (!on_gpu) {
        // stderr: stdout is Google Benchmark's (JSON with --benchmark_format=json).
        std::fprintf(
            stderr,
            "gbench_gpu: no usable GPU here (%s), so the GPU benchmark runs on gputime's simulated GPU\n"
            "(virtual time: its numbers are the simulator's model, a 120 us kernel with a 2 ms lazy load).\n\n",
#if defined(GPUTIME_HAS_CUDA)
            "cudaGetDeviceCount found no device"
#else
            "built without the CUDA toolkit"
#endif
        );
        benchmark::RegisterBenchmark("sim/gemm_120us", simulated_kernel)->UseManualTime();
    }
    benchmark::RegisterBenchmark("host/sum_64k_floats", host_sum)->UseManualTime();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
