#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Script a ResNet-18 into a TorchScript archive for examples/libtorch_torchscript.cpp.

    python3 make_resnet18.py OUTPUT.pt [--trace]

The network is the same as examples/common/resnet18_torch.hpp (torchvision's resnet18
architecture and parameter names; no torchvision needed), with reproducible random weights:
nothing is downloaded. The build runs this script (CMake add_custom_command) with an
interpreter whose torch is not newer than the LibTorch that loads the archive.

torch.jit.script (the default) keeps the Python control flow; --trace records the ops of one
forward on a 1x3x224x224 input instead. Either way the archive holds an unoptimised graph:
LibTorch's profiling executor profiles the first calls and optimises the graph after them,
which is the multi-call warm-up the example measures.
"""

import argparse
import sys

import torch
from torch import nn


class BasicBlock(nn.Module):
    def __init__(self, inplanes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = nn.Sequential()
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(
                nn.Conv2d(inplanes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = self.downsample(x)  # an empty Sequential is the identity
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResNet18(nn.Module):
    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.layer1 = nn.Sequential(BasicBlock(64, 64), BasicBlock(64, 64))
        self.layer2 = nn.Sequential(BasicBlock(64, 128, 2), BasicBlock(128, 128))
        self.layer3 = nn.Sequential(BasicBlock(128, 256, 2), BasicBlock(256, 256))
        self.layer4 = nn.Sequential(BasicBlock(256, 512, 2), BasicBlock(512, 512))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", help="where to write the TorchScript archive (.pt)")
    parser.add_argument("--trace", action="store_true", help="torch.jit.trace instead of torch.jit.script")
    args = parser.parse_args()

    torch.manual_seed(1)
    model = ResNet18().eval()  # inference: BatchNorm uses its running statistics
    with torch.no_grad():
        if args.trace:
            scripted = torch.jit.trace(model, torch.randn(1, 3, 224, 224))
        else:
            scripted = torch.jit.script(model)
    scripted.save(args.output)
    parameters = sum(p.numel() for p in model.parameters())
    print(f"make_resnet18.py: {'traced' if args.trace else 'scripted'} ResNet-18 ({parameters / 1e6:.1f} M parameters, "
          f"torch {torch.__version__}) -> {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
