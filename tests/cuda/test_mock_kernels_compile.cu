// SPDX-License-Identifier: MIT
// tests/cuda/test_mock_kernels_compile.cu - the mock spin kernels, compiled by nvcc.
//
// Without a GPU (or with a driver older than the runtime) each GPU test WARNs the reason, prints
// the GPUTIME_TEST_SKIPPED marker (ctest then reports it as skipped) and returns:
// the point of building it there is that gputime/cuda/mock_kernels.cuh compiles and links with nvcc.
// On a GPU it checks that a 100 µs ns-spin measures 100 µs with events, and that a cycle spin runs
// at a clock no higher than the SM's peak.
#include "support/gpu_presence.hpp"
#include "support/test_framework.hpp"

#include <gputime/cuda/mock_kernels.cuh>

#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;

using gputime_test::why_no_gpu;

// The stream and events of one test; released on every exit path.
struct TimingRig {
    cudaStream_t stream = nullptr;
    cudaEvent_t start = nullptr;
    cudaEvent_t stop = nullptr;
    cudaError_t status = cudaSuccess;

    TimingRig() {
        status = cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking);
        if (status == cudaSuccess) status = cudaEventCreate(&start);
        if (status == cudaSuccess) status = cudaEventCreate(&stop);
    }
    ~TimingRig() {
        if (stream != nullptr) (void)cudaStreamSynchronize(stream);
        if (stop != nullptr) (void)cudaEventDestroy(stop);
        if (start != nullptr) (void)cudaEventDestroy(start);
        if (stream != nullptr) (void)cudaStreamDestroy(stream);
    }
    TimingRig(const TimingRig&) = delete;
    TimingRig& operator=(const TimingRig&) = delete;

    // Microseconds between two events around whatever `launch` queues. A 300 µs spin goes first so
    // that the events and the timed kernel are all queued before the GPU reaches them: the
    // measurement then holds device time only, not the host's launch latency.
    template <typename Launch>
    float time_us(Launch launch) {
        if (status == cudaSuccess) status = gputime::mock::launch_spin_ns(stream, 300us);
        if (status == cudaSuccess) status = cudaEventRecord(start, stream);
        if (status == cudaSuccess) status = launch(stream);
        if (status == cudaSuccess) status = cudaEventRecord(stop, stream);
        if (status == cudaSuccess) status = cudaEventSynchronize(stop);
        float ms = 0.0f;
        if (status == cudaSuccess) status = cudaEventElapsedTime(&ms, start, stop);
        return ms * 1000.0f;
    }

    // Median of `repetitions` measurements (robust to a stray interrupt or preemption).
    template <typename Launch>
    float median_us(Launch launch, int repetitions, std::vector<float>* samples) {
        samples->clear();
        for (int i = 0; i < repetitions && status == cudaSuccess; ++i) {
            samples->push_back(time_us(launch));
        }
        if (samples->empty()) return 0.0f;
        std::vector<float> sorted = *samples;
        std::sort(sorted.begin(), sorted.end());
        return sorted[sorted.size() / 2];
    }
};

std::string join(const std::vector<float>& values) {
    std::ostringstream out;
    for (const float v : values) out << v << ' ';
    return out.str();
}

}  // namespace

TEST_CASE("mock ns-spin: a 100 us spin measures 100 us between events") {
    const std::string no_gpu = why_no_gpu();
    if (!no_gpu.empty()) {
        gputime_test::skip_test("no usable GPU: " + no_gpu);
        return;
    }
    TimingRig rig;
    REQUIRE(rig.status == cudaSuccess);

    // The first launch of a kernel pays for loading its module (lazy loading): keep it out.
    (void)rig.time_us([](cudaStream_t s) { return gputime::mock::launch_spin_ns(s, 0ns); });
    (void)rig.time_us([](cudaStream_t s) { return gputime::mock::launch_spin_ns(s, 100us); });
    REQUIRE(rig.status == cudaSuccess);

    std::vector<float> zero_samples;
    std::vector<float> spin_samples;
    const float overhead_us =
        rig.median_us([](cudaStream_t s) { return gputime::mock::launch_spin_ns(s, 0ns); }, 21, &zero_samples);
    const float spin_us =
        rig.median_us([](cudaStream_t s) { return gputime::mock::launch_spin_ns(s, 100us); }, 21, &spin_samples);
    REQUIRE(rig.status == cudaSuccess);

    INFO("zero-length spin (kernel overhead), us: " << join(zero_samples));
    INFO("100 us spin, us: " << join(spin_samples));
    INFO("median overhead " << overhead_us << " us, median spin " << spin_us << " us");
    // The spin itself, without the device's kernel start/retire cost, is within 2% of 100 us.
    CHECK(spin_us - overhead_us == gputime_test::Approx(100.0).epsilon(0.02));
    // And the raw measurement is never short: a spin cannot end before its deadline.
    CHECK(spin_us >= 98.0f);
}

TEST_CASE("mock cycle-spin: runs, at a clock no higher than the SM peak") {
    const std::string no_gpu = why_no_gpu();
    if (!no_gpu.empty()) {
        gputime_test::skip_test("no usable GPU: " + no_gpu);
        return;
    }
    TimingRig rig;
    REQUIRE(rig.status == cudaSuccess);

    int device = 0;
    int peak_khz = 0;
    REQUIRE(cudaGetDevice(&device) == cudaSuccess);
    REQUIRE(cudaDeviceGetAttribute(&peak_khz, cudaDevAttrClockRate, device) == cudaSuccess);

    constexpr std::uint64_t cycles = 1000000;  // ~0.5 ms at 2 GHz
    (void)rig.time_us([](cudaStream_t s) { return gputime::mock::launch_spin_cycles(s, 1000); });
    std::vector<float> samples;
    const float spin_us =
        rig.median_us([](cudaStream_t s) { return gputime::mock::launch_spin_cycles(s, cycles); }, 5, &samples);
    REQUIRE(rig.status == cudaSuccess);

    // cycles / time is the average SM clock during the spin (the overhead makes it a lower bound).
    const double effective_mhz = static_cast<double>(cycles) / spin_us;
    const double peak_mhz = peak_khz / 1000.0;
    INFO("cycle spin, us: " << join(samples) << "; effective clock " << effective_mhz << " MHz, peak " << peak_mhz
                            << " MHz");
    CHECK(spin_us > 0.0f);
    CHECK(effective_mhz > 0.0);
    CHECK(effective_mhz <= peak_mhz * 1.05);  // 5%: a peak reported in kHz, boost variants
}

TEST_CASE("mock launchers: a negative duration is refused without launching") {
    // Needs no GPU: the launcher checks the argument before calling CUDA.
    CHECK(gputime::mock::launch_spin_ns(nullptr, -1ns) == cudaErrorInvalidValue);
    CHECK(gputime::mock::launch_spin_sequence(nullptr, {-5us}) == cudaErrorInvalidValue);
    CHECK(gputime::mock::launch_spin_sequence(nullptr, {}) == cudaSuccess);
}
