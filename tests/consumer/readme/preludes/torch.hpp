// SPDX-License-Identifier: MIT
// Stand-ins for the LibTorch fragment: a module with a `layer1`, an input, a profiler.
#include <gputime/gputime.hpp>

#include <torch/torch.h>

struct ReadmeLayerImpl : torch::nn::Module {
    torch::Tensor forward(torch::Tensor x) { return x; }
};
TORCH_MODULE(ReadmeLayer);
struct ReadmeNetImpl : torch::nn::Module {
    ReadmeLayer layer1;
};
TORCH_MODULE(ReadmeNet);
// --- locals ---
ReadmeNet net;
torch::Tensor x = torch::zeros({1, 3, 8, 8});
gputime::HostClock prof_clock;
gputime::LayerProfiler prof(prof_clock);
