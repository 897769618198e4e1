// SPDX-License-Identifier: MIT
// tests/support/gpu_presence.hpp - for tests against the real CUDA runtime: is a GPU usable here,
// and how a test that needs one (or needs none) says it is skipped.
//     const std::string reason = why_no_gpu();
//     if (!reason.empty()) return skip_test("no usable GPU: " + reason);
#pragma once

#include "support/test_framework.hpp"

#include <cuda_runtime_api.h>

#include <iostream>
#include <string>

namespace gputime_test {

/// Empty when a CUDA device can be used; otherwise why not, e.g. "CUDA driver version is
/// insufficient for CUDA runtime version (cudaErrorInsufficientDriver)".
inline std::string why_no_gpu() {
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) {
        (void)cudaGetLastError();  // leave no error behind for the next test
        return std::string(cudaGetErrorString(status)) + " (" + cudaGetErrorName(status) + ")";
    }
    if (count == 0) return "no CUDA device";
    return {};
}

/// Says why a test is skipped: in the test report (WARN) and, for ctest's SKIP_REGEX, as the
/// GPUTIME_TEST_SKIPPED marker on stdout (doctest's WARN is an assertion and prints nothing).
inline void skip_test(const std::string& reason) {
    const std::string note = "GPUTIME_TEST_SKIPPED: " + reason;
    std::cout << note << std::endl;
    WARN(note.c_str());
}

}  // namespace gputime_test
