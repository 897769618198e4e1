// SPDX-License-Identifier: MIT
// examples/common/resnet18_torch.hpp - a ResNet-18 in LibTorch's C++ frontend (torch::nn), with
// random weights: the eager-mode network of examples/libtorch_eager.cpp. The same architecture,
// with the same parameter names as torchvision's resnet18, is scripted from Python into the
// TorchScript model of libtorch_torchscript.cpp (examples/torchscript/make_resnet18.py).
//
//   conv1    7x7/2 conv 3 -> 64, BatchNorm, ReLU         (224x224 -> 112x112)
//   maxpool  3x3/2                                         (-> 56x56)
//   layer1   2 BasicBlocks, 64 channels                    (56x56)
//   layer2   2 BasicBlocks, 128 channels, the first /2     (28x28)
//   layer3   2 BasicBlocks, 256 channels, the first /2     (14x14)
//   layer4   2 BasicBlocks, 512 channels, the first /2     (7x7)
//   avgpool  global average, flatten
//   fc       512 -> 1000
// A BasicBlock is conv3x3-BN-ReLU-conv3x3-BN plus the shortcut (a 1x1/2 conv + BN where the
// shape changes), then ReLU. 11.7 M parameters, about 1.8 GFLOP per 224x224 image.
//
// forward_with(x, time) runs the network stage by stage and hands each stage to `time` as
// time(std::string_view name, fn) -> torch::Tensor, which must call fn() once and return what
// it returns (gputime::LayerProfiler::time does exactly that);
// forward(x) is forward_with() with a `time` that just calls fn. So the timed and untimed
// forwards run the same code. The layer stages open a nested stage per block ("layer1" holds
// "layer1.0" and "layer1.1"), so a profiler sees two levels.
//
// Eager LibTorch runs CPU operators synchronously (each call returns when its result is
// computed, across the intra-op threads), so a host clock around a stage times that stage.
// On a CUDA tensor the same calls only enqueue kernels: time them with CUDA events instead
// (gputime::GpuClock on at::cuda::getCurrentCUDAStream(), see libtorch_eager.cpp).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace resnet18 {

namespace nn = torch::nn;

inline nn::Conv2d conv(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride,
                       std::int64_t padding) {
    return nn::Conv2d(nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).bias(false));
}

class BasicBlockImpl : public nn::Module {
public:
    BasicBlockImpl(std::int64_t inplanes, std::int64_t planes, std::int64_t stride)
        : conv1(register_module("conv1", conv(inplanes, planes, 3, stride, 1))),
          bn1(register_module("bn1", nn::BatchNorm2d(planes))),
          conv2(register_module("conv2", conv(planes, planes, 3, 1, 1))),
          bn2(register_module("bn2", nn::BatchNorm2d(planes))) {
        if (stride != 1 || inplanes != planes) {
            downsample = register_module("downsample",
                                         nn::Sequential(conv(inplanes, planes, 1, stride, 0), nn::BatchNorm2d(planes)));
        }
    }

    torch::Tensor forward(const torch::Tensor& x) {
        const torch::Tensor identity = downsample ? downsample->forward(x) : x;
        torch::Tensor out = bn1->forward(conv1->forward(x)).relu_();
        out = bn2->forward(conv2->forward(out));
        out += identity;
        return out.relu_();
    }

    nn::Conv2d conv1;
    nn::BatchNorm2d bn1;
    nn::Conv2d conv2;
    nn::BatchNorm2d bn2;
    nn::Sequential downsample{nullptr};
};
TORCH_MODULE(BasicBlock);

class ResNet18Impl : public nn::Module {
public:
    static constexpr std::int64_t kClasses = 1000;

    /// Random weights (torch's default initialisation) from torch's global generator: call
    /// torch::manual_seed() first for reproducible weights.
    ResNet18Impl()
        : conv1(register_module("conv1", conv(3, 64, 7, 2, 3))),
          bn1(register_module("bn1", nn::BatchNorm2d(64))),
          maxpool(register_module("maxpool", nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1)))),
          avgpool(register_module("avgpool", nn::AdaptiveAvgPool2d(1))),
          fc(register_module("fc", nn::Linear(512, kClasses))) {
        const std::int64_t planes[] = {64, 128, 256, 512};
        std::int64_t inplanes = 64;
        for (std::size_t l = 0; l < 4; ++l) {
            const std::string name = "layer" + std::to_string(l + 1);
            nn::Sequential stage(BasicBlock(inplanes, planes[l], l == 0 ? 1 : 2), BasicBlock(planes[l], planes[l], 1));
            layers.push_back(register_module(name, stage));
            stage_names.push_back(name);
            block_names.push_back({name + ".0", name + ".1"});
            inplanes = planes[l];
        }
    }

    /// Runs the network stage by stage through time(name, fn) (see the top of this file).
    template <class Time>
    torch::Tensor forward_with(torch::Tensor x, Time&& time) {
        x = time("conv1", [&] { return bn1->forward(conv1->forward(x)).relu_(); });
        x = time("maxpool", [&] { return maxpool->forward(x); });
        for (std::size_t l = 0; l < layers.size(); ++l) {
            x = time(stage_names[l], [&] {
                for (std::size_t b = 0; b < layers[l]->size(); ++b) {
                    x = time(block_names[l][b], [&] { return layers[l]->at<BasicBlockImpl>(b).forward(x); });
                }
                return x;
            });
        }
        x = time("avgpool", [&] { return torch::flatten(avgpool->forward(x), 1); });
        return time("fc", [&] { return fc->forward(x); });
    }

    torch::Tensor forward(torch::Tensor x) {
        return forward_with(std::move(x), [](std::string_view, auto&& fn) { return fn(); });
    }

    nn::Conv2d conv1;
    nn::BatchNorm2d bn1;
    nn::MaxPool2d maxpool;
    std::vector<nn::Sequential> layers;
    nn::AdaptiveAvgPool2d avgpool;
    nn::Linear fc;
    std::vector<std::string> stage_names;               // "layer1" .. "layer4"
    std::vector<std::vector<std::string>> block_names;  // "layer1.0", "layer1.1", ...
};
TORCH_MODULE(ResNet18);

}  // namespace resnet18
