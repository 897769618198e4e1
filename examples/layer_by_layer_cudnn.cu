// SPDX-License-Identifier: MIT
// examples/layer_by_layer_cudnn.cu - layer_by_layer.cpp on the GPU: the same VGG-style network on
// cuDNN + cuBLAS, timed layer by layer with CUDA events for batch 1, 8 and 32.
//
//   layer_by_layer_cudnn [--quick] [--iterations N] [--out DIR] [--autotune]
//   nvcc -std=c++17 -arch=sm_90 -Iinclude -Iexamples examples/layer_by_layer_cudnn.cu -lcudnn -lcublas
//
// run_layer() only enqueues work, so a host clock around it would measure the launch, not the
// layer (the
// launches, not the GPU work they queue). gputime::GpuClock records an event at each scope's start and end instead;
// scopes return at once, and the events are resolved once per forward pass (one wait per
// iteration, none per layer), so the profiler does not serialise the GPU.
// A second profiler on the host clock times the enqueue of each layer: device time vs host
// time per layer says which layers are bound by launch overhead.
// --autotune makes each conv layer benchmark its algorithms on its first call (cuDNN's
// cudnnFindConvolutionForwardAlgorithmEx, as frameworks do lazily): first-call cost on purpose.
// Without a usable GPU it says why and exits 0 (so it can run in CI on machines without one).
#include "common/layer_by_layer_common.hpp"
#include "common/vgg_cudnn.hpp"

#include <gputime/core/host_clock.hpp>
#include <gputime/cuda/gpu_clock.hpp>
#include <gputime/cuda/nvtx.hpp>
#include <gputime/measure/layer_profiler.hpp>
#include <gputime/report/layer_table.hpp>

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdio>
#include <exception>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace {

struct Run {
    gputime::LayerProfile device;
    gputime::LayerProfile enqueue;
};

struct StreamDeleter {
    void operator()(cudaStream_t s) const noexcept { (void)cudaStreamDestroy(s); }
};
using OwnedStream = std::unique_ptr<std::remove_pointer_t<cudaStream_t>, StreamDeleter>;

OwnedStream make_stream() {
    cudaStream_t s = nullptr;
    const cudaError_t status = cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking);
    if (status != cudaSuccess) throw std::runtime_error(std::string("cudaStreamCreate: ") + cudaGetErrorString(status));
    return OwnedStream(s);
}

Run profile_batch(int batch, const layer_example::Options& options, cudaStream_t stream) {
    vgg::CudnnVgg net(batch, 64, 1, stream);  // returns with the weights uploaded ("model loaded")
    if (options.autotune) net.set_conv_algo_choice(vgg::ConvAlgoChoice::autotune_on_first_call);

    gputime::GpuClock device_clock(stream);
    device_clock.reserve(2 * net.layer_count() + 2);  // no cudaEventCreate even in the first pass
    gputime::LayerProfiler device(device_clock, gputime::NvtxRanges{});
    gputime::HostClock host_clock;
    gputime::LayerProfiler enqueue(host_clock);
    const std::string label = "batch " + std::to_string(batch);
    device.label(label).reserve(net.layer_count());
    enqueue.label(label).reserve(net.layer_count());

    for (std::size_t i = 0; i < options.iterations; ++i) {
        net.set_input(i);  // a new image every time, copied in stream order before the iteration starts
        auto device_iteration = device.iteration();
        auto host_iteration = enqueue.iteration();
        for (std::size_t l = 0; l < net.layer_count(); ++l) {
            auto on_device = device.scope(net.layer_name(l));  // an event before and after the layer
            auto on_host = enqueue.scope(net.layer_name(l));   // the host's time to enqueue it
            net.run_layer(l);
        }
    }
    return Run{device.profile(), enqueue.profile()};
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const layer_example::Options options = layer_example::parse(argc, argv, "layer_by_layer_cudnn", true);
        std::string why_not;
        if (!vgg::CudnnVgg::gpu_available(&why_not)) {
            std::printf("layer_by_layer_cudnn: no usable GPU here (%s); nothing to time.\n", why_not.c_str());
            return 0;
        }
        const OwnedStream stream = make_stream();
        std::vector<Run> runs;
        for (const int batch : {1, 8, 32}) runs.push_back(profile_batch(batch, options, stream.get()));

        std::vector<gputime::LayerProfile> device;
        for (const Run& r : runs) device.push_back(r.device);
        std::printf(
            "gputime layer_by_layer_cudnn: VGG-style CNN on cuDNN/cuBLAS (f32, 64x64 images), %zu forward "
            "passes per batch size;\nCUDA events around each layer (device time); conv algorithms: %s.\n\n",
            options.iterations, options.autotune ? "autotuned on first call" : "cuDNN heuristics");
        layer_example::print_report(device, "device time");

        // Launch-bound layers: the host needs about as long to enqueue them as the GPU to run them.
        gputime::LayerTable launch;
        launch.title("Host enqueue time vs device time per layer (steady p50)");
        for (const Run& r : runs) {
            launch.column(r.device, gputime::LayerMetric::p50, "device", r.device.label());
            launch.column(r.enqueue, gputime::LayerMetric::p50, "enqueue", r.device.label());
        }
        launch.totals(false).note("enqueue close to device: the layer is bound by launch overhead, not by the GPU.");
        std::cout << launch << "\n";

        layer_example::write_outputs(options, device);  // --out DIR, --markdown FILE, --csv FILE
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "layer_by_layer_cudnn: %s\n", e.what());
        return 1;
    }
}
