// SPDX-License-Identifier: MIT
// examples/mock_kernel_test.cpp - unit-test the timing of GPU code without a GPU, then with one.
//
// Copy this file into your own test suite. It tests a small inference-like function,
// run_model(), which launches three "layer" kernels per call:
//   * on the simulated GPU (gputime::sim::Runtime): deterministic, exact numbers, any machine;
//   * on a real GPU, the SAME test body with spin kernels of the same durations
//     (gputime/cuda/mock_kernels.cuh), when the example was built with nvcc and a GPU is usable;
//     otherwise that test case prints why it is skipped and passes.
// The test body is a template over a small device adapter: "launch a kernel of this length"
// and "time this callable". The simulated adapter is below; the real one lives in
// mock_kernel_test_gpu.cu (compiled by nvcc), of which this file sees only plain function
// declarations, so this file builds with any C++17 compiler and no CUDA toolkit.
//
// In your suite, include your framework (<catch2/catch.hpp>, <doctest/doctest.h>) instead of
// the project's switch below: GPUTIME_CHECK_* expand to INFO + CHECK, which both provide.
#include "support/test_framework.hpp"

#include <gputime/cuda/event_clock.hpp>
#include <gputime/integrations/testing.hpp>
#include <gputime/measure/run_result.hpp>
#include <gputime/measure/warmup_runner.hpp>
#include <gputime/sim/runtime.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <iostream>
#include <stdexcept>
#include <string>
#include <utility>

using namespace std::chrono_literals;

#if defined(GPUTIME_EXAMPLE_WITH_GPU)
// The real-GPU adapter's functions, defined in mock_kernel_test_gpu.cu (keep them in step).
namespace real_gpu {
std::string why_unavailable();  // empty when a CUDA device can run the test
void open();                    // a stream and a gputime::GpuClock on it; throws gputime::CudaError
void close() noexcept;
void launch_spin(std::chrono::nanoseconds duration);  // a %globaltimer spin kernel on that stream
gputime::RunResult time_calls(const std::function<void()>& call, std::size_t warmup, std::size_t iterations);
}  // namespace real_gpu
#endif

namespace {

// ---- the code under test ----------------------------------------------------------------------

struct Layer {
    const char* name;
    std::chrono::microseconds duration;
};
// What each layer's kernel takes on the device (measured once, or what a spec says).
constexpr Layer model_layers[] = {{"conv1", 300us}, {"conv2", 200us}, {"fc", 100us}};
constexpr std::chrono::microseconds model_device_time = 600us;  // their sum

/// One inference: three layers, launched asynchronously on the device's stream.
template <class Device>
void run_model(Device& device) {
    for (const Layer& layer : model_layers) device.launch(layer.name, layer.duration);
}

// ---- the shared test body -----------------------------------------------------------------------

/// What must hold on any device: one call takes the three layers' time, and the tail is tame.
/// Device::median_tolerance says how exact the device can be (simulated: launch latency only).
template <class Device>
gputime::RunResult check_model_timing(Device& device) {
    const gputime::RunResult r = device.time([&device] { run_model(device); }, /*warmup=*/10, /*iterations=*/50);
    CHECK(r.device_timed);
    CHECK(r.latency.count() == 50);
    GPUTIME_CHECK_MEDIAN_WITHIN(r, model_device_time, Device::median_tolerance);
    GPUTIME_CHECK_P99_BELOW(r, model_device_time * 1.5);
    return r;
}

// ---- the simulated device adapter ----------------------------------------------------------------

class SimulatedDevice {
public:
    /// Simulated latency-mode calls differ from the kernels' sum by the first launch's 5 us
    /// (the stream is idle when the call starts): 605 us against 600 us, 0.83%.
    static constexpr double median_tolerance = 0.01;

    explicit SimulatedDevice(gputime::sim::Config config = {}) : runtime_(std::move(config)), clock_(runtime_) {}

    void launch(const char* name, std::chrono::nanoseconds duration) {
        const int status = runtime_.launch(stream_, gputime::sim::Kernel::fixed(name, duration));
        if (status != 0)
            throw std::runtime_error(std::string("launch failed: ") + gputime::sim::Runtime::error_name(status));
    }

    template <class F>
    gputime::RunResult time(F&& call, std::size_t warmup, std::size_t iterations) {
        return gputime::WarmupRunner(clock_).warmup(warmup).iterations(iterations).run(std::forward<F>(call));
    }

    gputime::sim::Runtime& runtime() { return runtime_; }

private:
    gputime::sim::Runtime runtime_;
    gputime::sim::Stream stream_{};
    gputime::CudaEventClock<gputime::sim::Runtime> clock_;
};

// ---- the real GPU adapter (mock_kernel_test_gpu.cu) ----------------------------------------------

#if defined(GPUTIME_EXAMPLE_WITH_GPU)
class RealGpuDevice {
public:
    /// Spin kernels end within ~1 us of their deadline, but every call also pays the host's
    /// launch latency and three kernel start/retire costs (a few us each): 5% of 600 us.
    static constexpr double median_tolerance = 0.05;

    RealGpuDevice() { real_gpu::open(); }
    ~RealGpuDevice() { real_gpu::close(); }
    RealGpuDevice(const RealGpuDevice&) = delete;
    RealGpuDevice& operator=(const RealGpuDevice&) = delete;

    void launch(const char* /*name*/, std::chrono::nanoseconds duration) { real_gpu::launch_spin(duration); }
    gputime::RunResult time(const std::function<void()>& call, std::size_t warmup, std::size_t iterations) {
        return real_gpu::time_calls(call, warmup, iterations);
    }
};
#endif

void skip(const std::string& reason) {
    const std::string note = "SKIPPED: " + reason;
    std::cout << note << std::endl;  // visible in ctest's output; WARN is for the test report
    WARN(note.c_str());
}

}  // namespace

// ---- the tests -----------------------------------------------------------------------------------

TEST_CASE("run_model on the simulated GPU: one call takes its three layers") {
    SimulatedDevice device;
    const gputime::RunResult r = check_model_timing(device);
    // The simulator is exact, so a test can pin numbers down: conv1 starts 5 us after the start
    // event (one launch), conv2 and fc queue behind it: 5 + 300 + 200 + 100 = 605 us.
    CHECK(r.latency.p50() == 605us);
    CHECK(r.latency.max() == 605us);
    // A property of run_model: it never synchronises (the clock's own waits are event polls).
    CHECK(device.runtime().counters().stream_synchronizes == 0);
    CHECK(device.runtime().counters().launches == 3 * 60);
}

TEST_CASE("run_model on the simulated GPU: the first call pays for loading the three kernels") {
    gputime::sim::Config config;
    config.lazy_load_cost = 1ms;  // the first launch of each kernel name loads its module
    SimulatedDevice device(config);
    const gputime::RunResult r = check_model_timing(device);
    // First call, from its start event at S: conv1 launch returns at S+1005 (5 us + 1 ms load),
    // runs to S+1305; conv2 launch returns at S+2010, runs to S+2210; fc launch returns at S+3015,
    // runs to S+3115. The loads serialise with the kernels: 3115 - 605 = 2510 us of overhead.
    GPUTIME_CHECK_FIRST_CALL_OVERHEAD_ABOVE(r, 2ms);
    CHECK(r.first_call() == 3115us);
    CHECK(r.first_call_overhead() == 2510us);
    CHECK(r.latency.p99() == 605us);  // and none of it leaks into the steady statistics
}

TEST_CASE("run_model on a real GPU: the same test body with spin kernels") {
#if defined(GPUTIME_EXAMPLE_WITH_GPU)
    const std::string why = real_gpu::why_unavailable();
    if (!why.empty()) {
        skip("no usable GPU: " + why);
        return;
    }
    RealGpuDevice device;
    const gputime::RunResult r = check_model_timing(device);
    std::cout << r;  // what a real GPU measured, for the log
#else
    skip("built without nvcc: the real-GPU adapter (examples/mock_kernel_test_gpu.cu) is not compiled in");
#endif
}
