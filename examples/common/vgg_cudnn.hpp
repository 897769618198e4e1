// SPDX-License-Identifier: MIT
// examples/common/vgg_cudnn.hpp - a small VGG-style network on the GPU (cuDNN + cuBLAS), for the
// examples: the GPU twin of vgg_onednn.hpp (same layers, same weights, same inputs, same API
// except that run_layer() does not wait), so the examples can time real inference layer by
// layer, like the per-layer tables people make of Keras VGG19.
//
// Host APIs only (cuda_runtime_api.h, cudnn.h, cublas_v2.h): it compiles with g++ or nvcc.
// Link with -lcudnn -lcublas -lcudart.
//
// The network, NCHW float32, input batch x 3 x S x S (S = image_size, a multiple of 8):
//   block1_conv1  3 -> 32   conv 3x3 pad 1 + bias + ReLU      S x S
//   block1_conv2 32 -> 32   conv 3x3 pad 1 + bias + ReLU      S x S
//   block1_pool             max-pool 2x2 stride 2             S/2
//   block2_conv1 32 -> 64,  block2_conv2 64 -> 64,  block2_pool    S/4
//   block3_conv1 64 -> 128, block3_conv2 128 -> 128, block3_pool  S/8
//   fc1   128*(S/8)^2 -> 256  + bias + ReLU   (flattened in C, H, W order)
//   fc2   256 -> 10           + bias          (logits; no softmax)
// A conv layer is cudnnConvolutionForward + cudnnAddTensor + cudnnActivationForward (three
// kernels or more, all attributed to the layer); a fully connected layer is one cuBLAS SGEMM plus
// the bias (and ReLU) through cuDNN.
//
// Weights and inputs: generated on the host exactly as vgg_onednn.hpp does, so both networks
// compute the same function. uniform(lo, hi) = lo + (hi - lo) * ((splitmix64() >> 40) / 2^24).
//   weights of the k-th conv/fc layer (k = 0..7, pools skipped): a splitmix64 stream seeded with
//     wseed = 0x5EED * 1000003 + seed + k, uniform(-a, a), a = sqrt(6 / fan_in) (He uniform:
//     activations stay O(1) through the ReLU stack); conv OIHW, fc [out][in] with the input
//     flattened in C, H, W order;
//   bias: seeded with ~wseed, uniform(-0.05, 0.05);
//   set_input(seed): seeded with 0x1A2B3C4D ^ (seed * 0x9E3779B97F4A7C15), uniform(-1, 1), NCHW;
//     the constructor calls set_input(0).
// Logits agree with the CPU twin only to ~1e-3 relative: cuDNN may run FP32 convolutions on TF32
// tensor cores (sm_80 and later, CUDNN_DEFAULT_MATH; NVIDIA_TF32_OVERRIDE=0 turns that off), and
// summation orders differ.
//
// Where the first-call cost comes from (what the gputime examples make visible):
//   * the first launch of each cuDNN/cuBLAS kernel loads its module (CUDA lazy loading), and
//     cuDNN loads its sub-libraries on first use, so the first forward() is slower than the rest;
//     block1_conv1, the first to touch cuDNN, should pay the most, as the first layer does in
//     Keras (expected, not yet measured: this was written on a machine without a GPU);
//   * with set_conv_algo_choice(ConvAlgoChoice::autotune_on_first_call), each conv layer's first
//     call also benchmarks every algorithm (cudnnFindConvolutionForwardAlgorithmEx) and waits for
//     them: the lazy autotune of frameworks (PyTorch cudnn.benchmark, TensorFlow autotune), which
//     is exactly the first-call overhead gputime reports, separately from the steady state.
//   The default, ConvAlgoChoice::heuristic, picks algorithms in the constructor with
//   cudnnGetConvolutionForwardAlgorithm_v7 (host-side heuristics, no GPU work).
//
// run_layer() only enqueues on the stream and returns: timing the GPU is the library's job. Only
// output() (and the autotuning first call, and the destructor) waits for the GPU.
//
// The legacy cuDNN API used here is marked deprecated in cuDNN 9; it warns only when
// CUDNN_WARN_DEPRECATED is defined.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace vgg {

/// How CudnnVgg chooses each convolution's algorithm.
enum class ConvAlgoChoice {
    heuristic,               ///< cudnnGetConvolutionForwardAlgorithm_v7, in the constructor
    autotune_on_first_call,  ///< cudnnFindConvolutionForwardAlgorithmEx, in each conv layer's first call
};

namespace cudnn_detail {

inline std::string where(const char* call, const std::string& context) {
    return context.empty() ? std::string(call) : std::string(call) + " [" + context + "]";
}

// Error checks, one per library: each names the call (and the layer) and the library's message.
inline void check(cudaError_t status, const char* call, const std::string& context = {}) {
    if (status != cudaSuccess) {
        throw std::runtime_error("vgg: " + where(call, context) + " failed: " + cudaGetErrorString(status) + " (" +
                                 cudaGetErrorName(status) + ")");
    }
}

inline void check(cudnnStatus_t status, const char* call, const std::string& context = {}) {
    if (status != CUDNN_STATUS_SUCCESS) {
        std::string message = "vgg: " + where(call, context) + " failed: " + cudnnGetErrorString(status);
        char detail[512] = {};
        cudnnGetLastErrorString(detail, sizeof detail);  // cuDNN 9: why, in words, when it knows
        if (detail[0] != '\0') {
            message += std::string(" (") + detail + ")";
        }
        throw std::runtime_error(message);
    }
}

inline void check(cublasStatus_t status, const char* call, const std::string& context = {}) {
    if (status != CUBLAS_STATUS_SUCCESS) {
        throw std::runtime_error("vgg: " + where(call, context) + " failed: " + cublasGetStatusString(status) + " (" +
                                 cublasGetStatusName(status) + ")");
    }
}

// RAII owners. Handles and descriptors are pointers to opaque structs, so unique_ptr owns them
// with a deleter that calls the library's destroy function (errors ignored: nothing to do then).
struct CudnnDestroy {
    void operator()(cudnnHandle_t h) const noexcept { (void)cudnnDestroy(h); }
    void operator()(cudnnTensorDescriptor_t d) const noexcept { (void)cudnnDestroyTensorDescriptor(d); }
    void operator()(cudnnFilterDescriptor_t d) const noexcept { (void)cudnnDestroyFilterDescriptor(d); }
    void operator()(cudnnConvolutionDescriptor_t d) const noexcept { (void)cudnnDestroyConvolutionDescriptor(d); }
    void operator()(cudnnPoolingDescriptor_t d) const noexcept { (void)cudnnDestroyPoolingDescriptor(d); }
    void operator()(cudnnActivationDescriptor_t d) const noexcept { (void)cudnnDestroyActivationDescriptor(d); }
};
struct CublasDestroy {
    void operator()(cublasHandle_t h) const noexcept { (void)cublasDestroy(h); }
};
struct CudaFree {
    void operator()(void* p) const noexcept { (void)cudaFree(p); }
};

template <typename Handle, typename Deleter = CudnnDestroy>
using Owned = std::unique_ptr<std::remove_pointer_t<Handle>, Deleter>;

template <typename Handle, typename Create>
Owned<Handle> make_descriptor(Create create, const char* call) {
    Handle raw = nullptr;
    check(create(&raw), call);
    return Owned<Handle>(raw);
}

/// A float array in device memory.
class DeviceFloats {
public:
    DeviceFloats() = default;
    explicit DeviceFloats(std::size_t count) : count_(count) {
        void* raw = nullptr;
        check(cudaMalloc(&raw, bytes()), "cudaMalloc");
        data_.reset(raw);
    }
    float* get() const { return static_cast<float*>(data_.get()); }
    std::size_t size() const { return count_; }
    std::size_t bytes() const { return count_ * sizeof(float); }

private:
    std::size_t count_ = 0;
    std::unique_ptr<void, CudaFree> data_;
};

/// A device byte buffer (convolution workspace).
class DeviceBytes {
public:
    void resize_at_least(std::size_t bytes) {
        if (bytes <= bytes_) return;
        data_.reset();
        void* raw = nullptr;
        check(cudaMalloc(&raw, bytes), "cudaMalloc", "workspace");
        data_.reset(raw);
        bytes_ = bytes;
    }
    void* get() const { return data_.get(); }
    std::size_t bytes() const { return bytes_; }

private:
    std::size_t bytes_ = 0;
    std::unique_ptr<void, CudaFree> data_;
};

// splitmix64 (Steele, Lea, Flood 2014): tiny, seedable, identical on every platform (std
// distributions are not). The same generator as vgg_onednn.hpp's, kept in this namespace so that
// one file can include both networks.
inline std::uint64_t splitmix64(std::uint64_t& state) {
    state += 0x9E3779B97F4A7C15ull;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// Uniform in [0, 1) with 24 random bits: exact in float, same on every compiler.
inline float uniform01(std::uint64_t& state) {
    return static_cast<float>(splitmix64(state) >> 40) * (1.0f / 16777216.0f);
}

// Element count of an n x c x h x w tensor (sizes are validated positive before this is called).
inline std::size_t elements(int n, int c, int h = 1, int w = 1) {
    return static_cast<std::size_t>(n) * static_cast<std::size_t>(c) * static_cast<std::size_t>(h) *
           static_cast<std::size_t>(w);
}

inline std::vector<float> uniform_values(std::size_t count, std::uint64_t seed, float low, float high) {
    std::vector<float> values(count);
    std::uint64_t state = seed;
    for (float& v : values) {
        v = low + (high - low) * uniform01(state);
    }
    return values;
}

inline constexpr std::size_t max_conv_workspace_bytes = std::size_t{256} << 20;  // skip algorithms hungrier than this
inline constexpr std::size_t autotune_workspace_bytes = std::size_t{64} << 20;   // what the autotune may use

}  // namespace cudnn_detail

/// The VGG-style network above, on cuDNN and cuBLAS, on one CUDA stream.
class CudnnVgg {
public:
    static constexpr int kClasses = 10;

    /// Builds the network for `batch` images of `image_size` x `image_size` (a multiple of 8),
    /// with weights from `seed`, enqueuing on `stream` (nullptr: the legacy default stream; the
    /// stream is borrowed, not owned, and must outlive the network). The input starts as
    /// set_input(0), the logits as zeros. Returns with the uploads finished, so that the first
    /// timed call does not include them ("model loaded").
    /// Throws std::invalid_argument for bad sizes, std::runtime_error when CUDA/cuDNN/cuBLAS fails.
    explicit CudnnVgg(int batch, int image_size = 64, unsigned seed = 1, cudaStream_t stream = nullptr)
        : batch_(batch), image_size_(image_size), stream_(stream) {
        using namespace cudnn_detail;
        if (batch < 1) throw std::invalid_argument("vgg: batch must be at least 1");
        if (image_size < 8 || image_size % 8 != 0) {
            throw std::invalid_argument("vgg: image_size must be a positive multiple of 8");
        }

        cudnnHandle_t raw_cudnn = nullptr;
        check(cudnnCreate(&raw_cudnn), "cudnnCreate");
        cudnn_.reset(raw_cudnn);
        check(cudnnSetStream(cudnn_.get(), stream_), "cudnnSetStream");
        cublasHandle_t raw_cublas = nullptr;
        check(cublasCreate(&raw_cublas), "cublasCreate");
        cublas_.reset(raw_cublas);
        check(cublasSetStream(cublas_.get(), stream_), "cublasSetStream");

        relu_ = make_descriptor<cudnnActivationDescriptor_t>(cudnnCreateActivationDescriptor,
                                                             "cudnnCreateActivationDescriptor");
        check(cudnnSetActivationDescriptor(relu_.get(), CUDNN_ACTIVATION_RELU, CUDNN_NOT_PROPAGATE_NAN, 0.0),
              "cudnnSetActivationDescriptor");
        max_pool_ =
            make_descriptor<cudnnPoolingDescriptor_t>(cudnnCreatePoolingDescriptor, "cudnnCreatePoolingDescriptor");
        check(
            cudnnSetPooling2dDescriptor(max_pool_.get(), CUDNN_POOLING_MAX, CUDNN_NOT_PROPAGATE_NAN, 2, 2, 0, 0, 2, 2),
            "cudnnSetPooling2dDescriptor");

        input_ = DeviceFloats(elements(batch_, kInputChannels, image_size_, image_size_));
        input_desc_ = make_tensor(batch_, kInputChannels, image_size_, image_size_);

        std::uint64_t weight_seed = 0x5EEDULL * 1000003ULL + seed;  // as vgg_onednn.hpp
        int channels = kInputChannels;
        int size = image_size_;
        for (int block = 0; block < 3; ++block) {
            const std::string prefix = "block" + std::to_string(block + 1) + "_";
            add_conv(prefix + "conv1", channels, kBlockChannels[block], size, weight_seed++);
            add_conv(prefix + "conv2", kBlockChannels[block], kBlockChannels[block], size, weight_seed++);
            add_pool(prefix + "pool", kBlockChannels[block], size);
            channels = kBlockChannels[block];
            size /= 2;
        }
        add_fc("fc1", channels * size * size, kHiddenUnits, /*relu=*/true, weight_seed++);
        add_fc("fc2", kHiddenUnits, kClasses, /*relu=*/false, weight_seed++);
        check(cudaMemsetAsync(layers_.back().output.get(), 0, layers_.back().output.bytes(), stream_),
              "cudaMemsetAsync", "logits");

        std::size_t workspace = 0;
        for (const Layer& layer : layers_) workspace = std::max(workspace, layer.workspace_bytes);
        workspace_.resize_at_least(workspace);

        set_input(0);
        check(cudaStreamSynchronize(stream_), "cudaStreamSynchronize", "uploads");
    }

    // Bound to a stream and to handles that enqueue on it: neither copied nor moved.
    CudnnVgg(const CudnnVgg&) = delete;
    CudnnVgg& operator=(const CudnnVgg&) = delete;

    /// Waits for the work still queued on the stream, then releases everything (never throws).
    ~CudnnVgg() { (void)cudaStreamSynchronize(stream_); }

    /// Chooses how the convolutions pick their algorithm; call before timing. Choosing
    /// autotune_on_first_call (again) makes the next call of each conv layer autotune.
    CudnnVgg& set_conv_algo_choice(ConvAlgoChoice choice) {
        algo_choice_ = choice;
        if (choice == ConvAlgoChoice::autotune_on_first_call) {
            // The workspace is reallocated here, outside the timed calls; no kernel may use the
            // old one while it is freed.
            cudnn_detail::check(cudaStreamSynchronize(stream_), "cudaStreamSynchronize");
            workspace_.resize_at_least(cudnn_detail::autotune_workspace_bytes);
            for (Layer& layer : layers_) layer.algo_tuned = false;
        }
        return *this;
    }

    std::size_t layer_count() const { return layers_.size(); }
    const std::string& layer_name(std::size_t i) const { return layers_.at(i).name; }
    int batch() const { return batch_; }
    int image_size() const { return image_size_; }
    std::size_t output_size() const { return static_cast<std::size_t>(batch_) * kClasses; }

    /// New input content, deterministic in `seed`, copied to the device in stream order. A copy
    /// from pageable memory returns once the driver has staged it, usually without waiting for
    /// the GPU; an input larger than the staging buffers waits for the stream. Keep it out of
    /// the timed region.
    void set_input(std::uint64_t seed) {
        host_input_ =
            cudnn_detail::uniform_values(input_.size(), 0x1A2B3C4DULL ^ (seed * 0x9E3779B97F4A7C15ULL), -1.0f, 1.0f);
        cudnn_detail::check(
            cudaMemcpyAsync(input_.get(), host_input_.data(), input_.bytes(), cudaMemcpyHostToDevice, stream_),
            "cudaMemcpyAsync", "input");
    }

    /// Enqueues layer `i` on the stream and returns without waiting for the GPU (except a conv
    /// layer's autotuning first call, see ConvAlgoChoice). Throws std::out_of_range for a bad i.
    void run_layer(std::size_t i) {
        Layer& layer = layers_.at(i);
        const float* in = i == 0 ? input_.get() : layers_[i - 1].output.get();
        const cudnnTensorDescriptor_t in_desc = i == 0 ? input_desc_.get() : layers_[i - 1].output_desc.get();
        switch (layer.kind) {
            case Kind::conv: run_conv(layer, in, in_desc); break;
            case Kind::pool: run_pool(layer, in, in_desc); break;
            case Kind::fc: run_fc(layer, in); break;
        }
    }

    /// Enqueues every layer, in order.
    void forward() {
        for (std::size_t i = 0; i < layers_.size(); ++i) run_layer(i);
    }

    /// Waits for the stream and returns the logits of the last forward() (zeros before the
    /// first), batch x kClasses, row-major.
    std::vector<float> output() {
        const cudnn_detail::DeviceFloats& logits = layers_.back().output;
        std::vector<float> host(logits.size());
        cudnn_detail::check(cudaMemcpyAsync(host.data(), logits.get(), logits.bytes(), cudaMemcpyDeviceToHost, stream_),
                            "cudaMemcpyAsync", "output");
        cudnn_detail::check(cudaStreamSynchronize(stream_), "cudaStreamSynchronize", "output");
        return host;
    }

    /// Whether a CUDA device can be used. If not, and `why_not` is given, it receives the
    /// reason, e.g. "CUDA driver version is insufficient for CUDA runtime version
    /// (cudaErrorInsufficientDriver)", so an example can print it and exit 0.
    static bool gpu_available(std::string* why_not) {
        int count = 0;
        const cudaError_t status = cudaGetDeviceCount(&count);
        if (status != cudaSuccess) {
            (void)cudaGetLastError();  // don't leave the error for the next CUDA call to report
            if (why_not != nullptr) {
                *why_not = std::string(cudaGetErrorString(status)) + " (" + cudaGetErrorName(status) + ")";
            }
            return false;
        }
        if (count == 0) {
            if (why_not != nullptr) *why_not = "no CUDA device is visible (cudaGetDeviceCount returned 0)";
            return false;
        }
        return true;
    }

private:
    static constexpr int kInputChannels = 3;
    static constexpr int kBlockChannels[3] = {32, 64, 128};
    static constexpr int kHiddenUnits = 256;

    enum class Kind { conv, pool, fc };

    struct Layer {
        std::string name;
        Kind kind = Kind::conv;
        int in_features = 0;   // fc
        int out_features = 0;  // fc
        bool relu = false;     // fc (conv layers always apply ReLU)
        cudnn_detail::DeviceFloats weight;
        cudnn_detail::DeviceFloats bias;
        cudnn_detail::DeviceFloats output;
        cudnn_detail::Owned<cudnnTensorDescriptor_t> output_desc;
        cudnn_detail::Owned<cudnnTensorDescriptor_t> bias_desc;
        cudnn_detail::Owned<cudnnFilterDescriptor_t> filter_desc;
        cudnn_detail::Owned<cudnnConvolutionDescriptor_t> conv_desc;
        cudnnConvolutionFwdAlgo_t algo = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
        std::size_t workspace_bytes = 0;
        bool algo_tuned = false;
    };

    static cudnn_detail::Owned<cudnnTensorDescriptor_t> make_tensor(int n, int c, int h, int w) {
        auto desc = cudnn_detail::make_descriptor<cudnnTensorDescriptor_t>(cudnnCreateTensorDescriptor,
                                                                           "cudnnCreateTensorDescriptor");
        cudnn_detail::check(cudnnSetTensor4dDescriptor(desc.get(), CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n, c, h, w),
                            "cudnnSetTensor4dDescriptor");
        return desc;
    }

    // Uploads He-uniform weights and small biases, generated as in vgg_onednn.hpp.
    void upload_parameters(Layer& layer, std::size_t weight_count, int fan_in, int out_channels,
                           std::uint64_t weight_seed) {
        using namespace cudnn_detail;
        const float limit = std::sqrt(6.0f / static_cast<float>(fan_in));
        const std::vector<float> w = uniform_values(weight_count, weight_seed, -limit, limit);
        const std::vector<float> b =
            uniform_values(static_cast<std::size_t>(out_channels), ~weight_seed, -0.05f, 0.05f);
        layer.weight = DeviceFloats(w.size());
        layer.bias = DeviceFloats(b.size());
        // On the network's stream: a plain cudaMemcpy goes to the legacy default stream, which a
        // non-blocking stream does not wait for. A copy from pageable memory returns once the
        // source is staged, so w and b may go out of scope; the constructor waits at its end.
        check(cudaMemcpyAsync(layer.weight.get(), w.data(), layer.weight.bytes(), cudaMemcpyHostToDevice, stream_),
              "cudaMemcpyAsync", layer.name + " weights");
        check(cudaMemcpyAsync(layer.bias.get(), b.data(), layer.bias.bytes(), cudaMemcpyHostToDevice, stream_),
              "cudaMemcpyAsync", layer.name + " bias");
        layer.bias_desc = make_tensor(1, out_channels, 1, 1);
    }

    cudnnTensorDescriptor_t last_output_desc() const {
        return layers_.empty() ? input_desc_.get() : layers_.back().output_desc.get();
    }

    void add_conv(const std::string& name, int in_channels, int out_channels, int size, std::uint64_t weight_seed) {
        using namespace cudnn_detail;
        Layer layer;
        layer.name = name;
        layer.kind = Kind::conv;
        upload_parameters(layer, elements(out_channels, in_channels, 3, 3), in_channels * 3 * 3, out_channels,
                          weight_seed);

        layer.filter_desc =
            make_descriptor<cudnnFilterDescriptor_t>(cudnnCreateFilterDescriptor, "cudnnCreateFilterDescriptor");
        check(cudnnSetFilter4dDescriptor(layer.filter_desc.get(), CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, out_channels,
                                         in_channels, 3, 3),
              "cudnnSetFilter4dDescriptor", name);
        layer.conv_desc = make_descriptor<cudnnConvolutionDescriptor_t>(cudnnCreateConvolutionDescriptor,
                                                                        "cudnnCreateConvolutionDescriptor");
        // Cross-correlation, as in every framework (and oneDNN): "convolution" without flipping.
        check(cudnnSetConvolution2dDescriptor(layer.conv_desc.get(), 1, 1, 1, 1, 1, 1, CUDNN_CROSS_CORRELATION,
                                              CUDNN_DATA_FLOAT),
              "cudnnSetConvolution2dDescriptor", name);

        const cudnnTensorDescriptor_t in_desc = last_output_desc();
        int n = 0, c = 0, h = 0, w = 0;
        check(cudnnGetConvolution2dForwardOutputDim(layer.conv_desc.get(), in_desc, layer.filter_desc.get(), &n, &c, &h,
                                                    &w),
              "cudnnGetConvolution2dForwardOutputDim", name);
        if (n != batch_ || c != out_channels || h != size || w != size) {
            throw std::logic_error("vgg: unexpected output shape of " + name);
        }
        layer.output_desc = make_tensor(batch_, out_channels, size, size);
        layer.output = DeviceFloats(elements(batch_, out_channels, size, size));
        choose_algo_by_heuristic(layer, in_desc);
        layers_.push_back(std::move(layer));
    }

    void add_pool(const std::string& name, int channels, int size) {
        Layer layer;
        layer.name = name;
        layer.kind = Kind::pool;
        int n = 0, c = 0, h = 0, w = 0;
        cudnn_detail::check(cudnnGetPooling2dForwardOutputDim(max_pool_.get(), last_output_desc(), &n, &c, &h, &w),
                            "cudnnGetPooling2dForwardOutputDim", name);
        if (n != batch_ || c != channels || h != size / 2 || w != size / 2) {
            throw std::logic_error("vgg: unexpected output shape of " + name);
        }
        layer.output_desc = make_tensor(batch_, channels, size / 2, size / 2);
        layer.output = cudnn_detail::DeviceFloats(cudnn_detail::elements(batch_, channels, size / 2, size / 2));
        layers_.push_back(std::move(layer));
    }

    void add_fc(const std::string& name, int in_features, int out_features, bool relu, std::uint64_t weight_seed) {
        Layer layer;
        layer.name = name;
        layer.kind = Kind::fc;
        layer.in_features = in_features;
        layer.out_features = out_features;
        layer.relu = relu;
        upload_parameters(layer, cudnn_detail::elements(out_features, in_features), in_features, out_features,
                          weight_seed);
        // batch x features viewed as N x C x 1 x 1, so cuDNN can add the bias and apply ReLU.
        layer.output_desc = make_tensor(batch_, out_features, 1, 1);
        layer.output = cudnn_detail::DeviceFloats(cudnn_detail::elements(batch_, out_features));
        layers_.push_back(std::move(layer));
    }

    // The fastest algorithm by cuDNN's heuristics that is supported here, needs at most
    // max_conv_workspace_bytes, and keeps FP32 inputs (no down-conversion to FP16).
    void choose_algo_by_heuristic(Layer& layer, cudnnTensorDescriptor_t in_desc) {
        using namespace cudnn_detail;
        int max_count = 0;
        check(cudnnGetConvolutionForwardAlgorithmMaxCount(cudnn_.get(), &max_count),
              "cudnnGetConvolutionForwardAlgorithmMaxCount", layer.name);
        std::vector<cudnnConvolutionFwdAlgoPerf_t> perf(static_cast<std::size_t>(std::max(max_count, 1)));
        int returned = 0;
        check(cudnnGetConvolutionForwardAlgorithm_v7(cudnn_.get(), in_desc, layer.filter_desc.get(),
                                                     layer.conv_desc.get(), layer.output_desc.get(),
                                                     static_cast<int>(perf.size()), &returned, perf.data()),
              "cudnnGetConvolutionForwardAlgorithm_v7", layer.name);
        for (int k = 0; k < returned; ++k) {
            const cudnnConvolutionFwdAlgoPerf_t& p = perf[static_cast<std::size_t>(k)];
            if (p.status != CUDNN_STATUS_SUCCESS || p.mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION) continue;
            check(cudnnSetConvolutionMathType(layer.conv_desc.get(), p.mathType), "cudnnSetConvolutionMathType",
                  layer.name);
            std::size_t bytes = 0;
            // Asking for the workspace confirms the algorithm supports this configuration.
            if (cudnnGetConvolutionForwardWorkspaceSize(cudnn_.get(), in_desc, layer.filter_desc.get(),
                                                        layer.conv_desc.get(), layer.output_desc.get(), p.algo,
                                                        &bytes) != CUDNN_STATUS_SUCCESS ||
                bytes > max_conv_workspace_bytes) {
                continue;
            }
            layer.algo = p.algo;
            layer.workspace_bytes = bytes;
            return;
        }
        // Implicit GEMM needs no workspace and supports every configuration used here.
        check(cudnnSetConvolutionMathType(layer.conv_desc.get(), CUDNN_DEFAULT_MATH), "cudnnSetConvolutionMathType",
              layer.name);
        layer.algo = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
        check(cudnnGetConvolutionForwardWorkspaceSize(cudnn_.get(), in_desc, layer.filter_desc.get(),
                                                      layer.conv_desc.get(), layer.output_desc.get(), layer.algo,
                                                      &layer.workspace_bytes),
              "cudnnGetConvolutionForwardWorkspaceSize", layer.name);
    }

    // Runs every algorithm on this layer's real buffers within the workspace we have, keeps the
    // fastest. Blocking: cuDNN times each candidate and waits for it.
    void autotune(Layer& layer, const float* in, cudnnTensorDescriptor_t in_desc) {
        using namespace cudnn_detail;
        int max_count = 0;
        check(cudnnGetConvolutionForwardAlgorithmMaxCount(cudnn_.get(), &max_count),
              "cudnnGetConvolutionForwardAlgorithmMaxCount", layer.name);
        std::vector<cudnnConvolutionFwdAlgoPerf_t> perf(static_cast<std::size_t>(std::max(max_count, 1)));
        int returned = 0;
        // The trial runs overwrite the layer's output; the real convolution below rewrites it.
        check(cudnnFindConvolutionForwardAlgorithmEx(cudnn_.get(), in_desc, in, layer.filter_desc.get(),
                                                     layer.weight.get(), layer.conv_desc.get(), layer.output_desc.get(),
                                                     layer.output.get(), static_cast<int>(perf.size()), &returned,
                                                     perf.data(), workspace_.get(), workspace_.bytes()),
              "cudnnFindConvolutionForwardAlgorithmEx", layer.name);
        for (int k = 0; k < returned; ++k) {
            const cudnnConvolutionFwdAlgoPerf_t& p = perf[static_cast<std::size_t>(k)];  // sorted by time
            if (p.status != CUDNN_STATUS_SUCCESS || p.memory > workspace_.bytes() ||
                p.mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION) {
                continue;
            }
            check(cudnnSetConvolutionMathType(layer.conv_desc.get(), p.mathType), "cudnnSetConvolutionMathType",
                  layer.name);
            layer.algo = p.algo;
            layer.workspace_bytes = p.memory;
            break;
        }
        // No usable result: keep the heuristic choice.
        layer.algo_tuned = true;
    }

    void run_conv(Layer& layer, const float* in, cudnnTensorDescriptor_t in_desc) {
        using namespace cudnn_detail;
        if (algo_choice_ == ConvAlgoChoice::autotune_on_first_call && !layer.algo_tuned) {
            autotune(layer, in, in_desc);
        }
        const float one = 1.0f;
        const float zero = 0.0f;
        check(cudnnConvolutionForward(cudnn_.get(), &one, in_desc, in, layer.filter_desc.get(), layer.weight.get(),
                                      layer.conv_desc.get(), layer.algo, workspace_.get(), layer.workspace_bytes, &zero,
                                      layer.output_desc.get(), layer.output.get()),
              "cudnnConvolutionForward", layer.name);
        add_bias_and_relu(layer, /*relu=*/true);
    }

    void run_pool(Layer& layer, const float* in, cudnnTensorDescriptor_t in_desc) {
        const float one = 1.0f;
        const float zero = 0.0f;
        cudnn_detail::check(cudnnPoolingForward(cudnn_.get(), max_pool_.get(), &one, in_desc, in, &zero,
                                                layer.output_desc.get(), layer.output.get()),
                            "cudnnPoolingForward", layer.name);
    }

    void run_fc(Layer& layer, const float* in) {
        // Row-major Y[N][out] = X[N][in] * W[out][in]^T. cuBLAS is column-major: the same memory
        // is Y^T (out x N) = W (out x in, i.e. W^T column-major, transposed) * X^T (in x N).
        const float one = 1.0f;
        const float zero = 0.0f;
        cudnn_detail::check(cublasSgemm(cublas_.get(), CUBLAS_OP_T, CUBLAS_OP_N, layer.out_features, batch_,
                                        layer.in_features, &one, layer.weight.get(), layer.in_features, in,
                                        layer.in_features, &zero, layer.output.get(), layer.out_features),
                            "cublasSgemm", layer.name);
        add_bias_and_relu(layer, layer.relu);
    }

    void add_bias_and_relu(Layer& layer, bool relu) {
        using namespace cudnn_detail;
        const float one = 1.0f;
        const float zero = 0.0f;
        check(cudnnAddTensor(cudnn_.get(), &one, layer.bias_desc.get(), layer.bias.get(), &one, layer.output_desc.get(),
                             layer.output.get()),
              "cudnnAddTensor", layer.name);
        if (relu) {
            // In place: cuDNN allows x == y for activations.
            check(cudnnActivationForward(cudnn_.get(), relu_.get(), &one, layer.output_desc.get(), layer.output.get(),
                                         &zero, layer.output_desc.get(), layer.output.get()),
                  "cudnnActivationForward", layer.name);
        }
    }

    int batch_;
    int image_size_;
    cudaStream_t stream_;
    ConvAlgoChoice algo_choice_ = ConvAlgoChoice::heuristic;
    // Declared first, destroyed last: the handles outlive every buffer and descriptor.
    cudnn_detail::Owned<cudnnHandle_t> cudnn_;
    cudnn_detail::Owned<cublasHandle_t, cudnn_detail::CublasDestroy> cublas_;
    cudnn_detail::Owned<cudnnActivationDescriptor_t> relu_;
    cudnn_detail::Owned<cudnnPoolingDescriptor_t> max_pool_;
    cudnn_detail::DeviceFloats input_;
    cudnn_detail::Owned<cudnnTensorDescriptor_t> input_desc_;
    std::vector<float> host_input_;  // kept: no reallocation per set_input()
    std::vector<Layer> layers_;
    cudnn_detail::DeviceBytes workspace_;
};

}  // namespace vgg
