// SPDX-License-Identifier: MIT
// Stand-ins for the cuDNN + cuBLAS fragment: handles, descriptors, device buffers, sizes.
#include <gputime/gputime.hpp>

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <cstddef>
// --- locals ---
cudaStream_t stream = nullptr;
cudnnHandle_t cudnn = nullptr;
cublasHandle_t cublas = nullptr;
cudnnTensorDescriptor_t x_desc = nullptr, y_desc = nullptr, b_desc = nullptr;
cudnnFilterDescriptor_t w_desc = nullptr;
cudnnConvolutionDescriptor_t conv_desc = nullptr;
cudnnActivationDescriptor_t relu = nullptr;
cudnnConvolutionFwdAlgo_t algo = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
float *x = nullptr, *w = nullptr, *b = nullptr, *y = nullptr, *z = nullptr, *w1 = nullptr;
void* ws = nullptr;
std::size_t ws_bytes = 0;
const float one = 1.0f, zero = 0.0f;
int out = 10, batch = 1, in = 4096;
