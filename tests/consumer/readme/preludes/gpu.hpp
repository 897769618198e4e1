// SPDX-License-Identifier: MIT
// Stand-ins for README fragments on a real GPU (compiled, not run): a stream, a kernel launch, a model.
#include <gputime/gputime.hpp>

#include <cuda_runtime_api.h>

#include <chrono>
#include <iostream>

using namespace std::chrono_literals;

inline void launch_conv1(cudaStream_t) {}
struct ReadmeModel {
    void forward(cudaStream_t) {}
};
// --- locals ---
cudaStream_t stream = nullptr;
ReadmeModel model;
