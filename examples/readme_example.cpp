// SPDX-License-Identifier: MIT
#include <gputime/gputime.hpp>

#include <iostream>
#include <vector>

// Stands in for your model: the first call builds its weights, like a framework's first predict().
float infer(std::vector<float>& weights, float x) {
    if (weights.empty()) weights.assign(1 << 22, 0.5f);
    for (std::size_t i = 0; i < weights.size(); i += 16) x = x * 0.999f + weights[i];
    return x;
}

int main() {
    std::vector<float> weights;
    volatile float sink = 0;
    gputime::HostClock clock;  // GPU code: gputime::GpuClock clock(stream);

    gputime::Stats per_call;  // a region you time yourself, e.g. inside your serving loop
    for (int i = 0; i < 50; ++i) {
        gputime::ScopedTimer timer(per_call, clock);
        sink = infer(weights, float(i));
    }
    std::cout << per_call;  // the first call kept apart, then p50/p99 of the rest

    auto result = gputime::WarmupRunner(clock).warmup(5).iterations(200).run(
        [&](std::size_t call) { sink = infer(weights, float(call)); });
    std::cout << result;  // + warm-up, throughput, the T(N) = first + (N-1)*p50 model, hints
}
