// SPDX-License-Identifier: MIT
// A .cu file that includes gputime, compiled by nvcc: the library's headers must get through
// nvcc's front end, and host code around a kernel launch must be able to time it.
#include <gputime/gputime.hpp>

#include <cstdio>

__global__ void scale(float* data, float factor, int n) {
    const int i = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
    if (i < n) data[i] *= factor;
}

int main() {
    gputime::Stats stats;
    stats.add(gputime::Duration{100.0});  // the first call, kept apart from the steady samples
    stats.add(gputime::Duration{100.0});
    stats.add(gputime::Duration{100.0});

    const gputime::HostClock clock;
    const auto started = clock.mark();
    int devices = 0;
    // No GPU is needed: without one this reports an error, and the kernel is not launched.
    if (cudaGetDeviceCount(&devices) == cudaSuccess && devices > 0) {
        scale<<<1, 32>>>(nullptr, 2.0f, 0);
        (void)cudaDeviceSynchronize();
    }
    clock.stop(started, stats);

    const std::size_t expected = 3;
    std::printf("gputime nvcc consumer: %zu steady samples (expected %zu), %d GPU(s)\n", stats.count(), expected,
                devices);
    return stats.count() == expected ? 0 : 1;
}
