// SPDX-License-Identifier: MIT
// Stand-ins for README fragments that run on the host: a network with layers, finished results.
#include <gputime/gputime.hpp>

#include <chrono>
#include <cstddef>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

using namespace std::chrono_literals;

struct ReadmeNet {  // the `net` of the layer-by-layer fragment
    std::size_t layer_count() const { return 2; }
    std::string layer_name(std::size_t layer) const { return "layer" + std::to_string(layer); }
    void run_layer(std::size_t) {}
};
// --- locals ---
gputime::HostClock clock;
ReadmeNet net;
gputime::RunResult result, cpu_result, gpu_result;
std::vector<gputime::IdleGapPoint> sweep;
gputime::LayerProfile profile;
gputime::Stats stats;
