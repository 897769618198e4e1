// SPDX-License-Identifier: MIT
// examples/common/vgg_onednn.hpp
//
// A small VGG-style CNN on oneDNN's CPU engine (f32): the real inference
// workload that the gputime examples and benchmark time. Header-only; link
// with oneDNN (CMake: find_package(dnnl) + DNNL::dnnl, or plain -ldnnl).
//
// Layers (names follow Keras VGG19, so per-layer tables read like Keras'):
//   block1_conv1  3 -> 32  3x3 pad 1, bias, ReLU     (image_size)
//   block1_conv2 32 -> 32                             (image_size)
//   block1_pool  max 2x2 stride 2
//   block2_conv1 32 -> 64, block2_conv2 64 -> 64      (image_size / 2)
//   block2_pool
//   block3_conv1 64 -> 128, block3_conv2 128 -> 128   (image_size / 4)
//   block3_pool
//   fc1          inner product -> 256, ReLU
//   fc2          inner product -> 10 (the predictions / logits)
// About 0.31 GFLOP per 64x64 image.
//
// Where the first-call cost lives (the first call is 5-20x slower)
// ----------------------------------------------------------
// The constructor is the "model load": shapes, an input buffer, the plain
// (oihw / oi) weights from a fixed PRNG, the output buffer. It builds no
// oneDNN primitive. Each layer is built lazily on its first run_layer():
// primitive_desc (implementation choice with format_tag::any), primitive
// (this is where oneDNN JIT-generates the kernel), reorder of the weights
// into the blocked layout the kernel picked, and allocation of the layer's
// activation buffer. That is what a framework does on its first predict(),
// so the cost lands in the first forward(), as it does in Keras, and not in the
// constructor, where a "load the model" timer would hide it.
// prepare_layer()/prepare() do the same work without executing, for users
// (and the measurement below) that want creation apart from execution.
//
// Measured on the development machine (2 cores, Xeon with AVX-512, oneDNN
// 2.6.3 OpenMP build, g++ -O2, other builds sharing the cores). ms, median of
// 5 fresh processes. create = prepare_layer(); first = the first run_layer()
// after it; steady = median over 30 forwards, each on a new set_input():
//
//                    batch 1             batch 8              batch 32
//   layer         create first steady  create first steady  create  first steady
//   block1_conv1    1.19  0.42  0.06    1.17  1.70  0.46    1.21    6.80  2.12
//   block1_conv2    0.75  0.64  0.38    0.81  3.82  2.51    0.88   16.68 15.21
//   block1_pool     0.10  0.07  0.02    0.14  0.49  0.25    0.17    2.57  1.55
//   block2_conv1    0.59  0.29  0.18    0.66  1.95  1.30    0.72    7.90  6.71
//   block2_conv2    0.64  0.40  0.34    0.70  3.15  2.51    0.82   12.73 13.24
//   block2_pool     0.08  0.04  0.01    0.10  0.24  0.11    0.17    1.22  0.78
//   block3_conv1    0.62  0.24  0.18    0.71  1.48  1.26    0.81    6.12  6.57
//   block3_conv2    0.92  0.41  0.35    0.88  2.71  2.45    1.03   11.45 12.84
//   block3_pool     0.08  0.03  0.01    0.11  0.14  0.06    0.15    0.55  0.38
//   fc1             0.20  3.64  0.22    4.20 39.15  0.85    4.57   36.74  1.32
//   fc2             0.23  0.01  0.00    0.23  0.02  0.01    0.26    0.02  0.02
//   SUM             5.28  6.39  1.76    9.60 54.31 11.69   11.04  101.28 62.02
//   first forward       11.7 ms             63.6 ms              114 ms
//   steady forward    1.5-1.9 ms          11.3-11.8 ms          44-63 ms
//   constructor: 8-10 ms (mostly the PRNG weight fill), no primitives.
//
// What that shows:
//   * Primitive creation (implementation choice + JIT; convs pick
//     brgconv:avx512_core with NHWC activations) is only ~0.6-1.2 ms per conv,
//     5-11 ms per network. Lazy creation is therefore a minor part of the
//     first forward.
//   * The largest first-call cost is fc1's first *execution*: 35-40 ms vs
//     ~1 ms steady at batch 8/32 (3.6 ms at batch 1, which takes a gemv path).
//     fc1 runs on oneDNN's x64 sgemm (gemm:jit), which generates its kernels on
//     first use, once per process (std::call_once in gemm_info_t), outside the
//     primitive cache. fc1's creation at batch >= 8 is mostly the 8 MB weight
//     reorder.
//   * Other layers' first execution exceeds steady mainly because the first
//     writes fault in freshly allocated activation buffers (batch 32,
//     block1_conv1: 6.8 vs 2.1 ms).
//   * So unlike Keras VGG19, block1_conv1 is not where most of the first-call
//     cost lands in this network; fc1 is. The claim "first execution of a
//     convolution ~25 ms vs ~1.3 ms steady" does not hold for convolutions
//     here; it matches fc1 (inner product) at batch 8/32.
//   * Steady times vary with load: under OpenMP, other processes on the same
//     2 cores stretch a batch-32 forward to ~200 ms at times.
//
// Primitive cache: oneDNN keeps created primitives (with their JIT code) in a
// process-wide cache keyed by the full descriptor, shapes included. A second
// OneDnnVgg with the same batch and image size gets cache hits: its creation
// drops (batch 1: 5.3 -> 0.8 ms; batch 32: 11.0 -> 5.0 ms, the rest is fc1's
// weight reorder) and, with sgemm already initialised, its first forward is
// 3.6 ms (batch 1) / 76 ms (batch 32) instead of 11.7 / 114 ms; cheaper but
// not free, since its buffers still fault in and its weights are still
// reordered. A new batch size misses the cache and pays the JIT again (but
// not the process-wide sgemm set-up, unless only batch 1 ran before). To see
// the uncached creation every time, call dnnl::set_primitive_cache_capacity(0)
// before building networks (or set ONEDNN_PRIMITIVE_CACHE_CAPACITY=0).
//
// Build: needs only dnnl.hpp and -ldnnl (OpenMP comes in with libdnnl; no
// -fopenmp). oneDNN 2.6.3's headers are clean under -Wall -Wextra -Wpedantic
// with g++ 12 and clang++ 14 even as a non-system include; DNNL::dnnl marks
// them SYSTEM anyway.
#pragma once

#include <dnnl.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace vgg {

namespace detail {

// splitmix64: tiny, portable, identical on every compiler, so weights and
// inputs are bit-for-bit reproducible (std distributions are not). Logits
// repeat exactly on one machine; other ISAs or thread counts may round apart.
inline std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// Uniform in [lo, hi) from the top 24 bits (exact in float).
inline float uniform(std::uint64_t& state, float lo, float hi) {
    const float u = static_cast<float>(splitmix64(state) >> 40) * (1.0f / 16777216.0f);
    return lo + (hi - lo) * u;
}

inline void fill_uniform(const dnnl::memory& m, std::uint64_t seed, float lo, float hi) {
    float* p = static_cast<float*>(m.get_data_handle());
    const std::size_t n = m.get_desc().get_size() / sizeof(float);
    std::uint64_t state = seed;
    for (std::size_t i = 0; i < n; ++i) p[i] = uniform(state, lo, hi);
}

}  // namespace detail

class OneDnnVgg {
public:
    static constexpr int kClasses = 10;

    explicit OneDnnVgg(int batch, int image_size = 64, unsigned seed = 1)
        : batch_(batch), engine_(dnnl::engine::kind::cpu, 0), stream_(engine_) {
        if (batch < 1) throw std::invalid_argument("OneDnnVgg: batch must be >= 1");
        if (image_size < 8 || image_size % 8 != 0)
            throw std::invalid_argument("OneDnnVgg: image_size must be a positive multiple of 8");

        using tag = dnnl::memory::format_tag;
        const dnnl::memory::dim n = batch;
        dnnl::memory::dim c = 3, hw = image_size;
        input_ = dnnl::memory({{n, c, hw, hw}, dt::f32, tag::nchw}, engine_);

        std::uint64_t wseed = 0x5EEDULL * 1000003ULL + seed;
        auto conv = [&](const char* name, dnnl::memory::dim oc) {
            add_layer(name, Kind::conv, {n, c, hw, hw}, {n, oc, hw, hw}, {oc, c, 3, 3}, tag::oihw, true, wseed++);
            c = oc;
        };
        auto pool = [&](const char* name) {
            add_layer(name, Kind::pool, {n, c, hw, hw}, {n, c, hw / 2, hw / 2}, {}, tag::undef, false, 0);
            hw /= 2;
        };
        conv("block1_conv1", 32);
        conv("block1_conv2", 32);
        pool("block1_pool");
        conv("block2_conv1", 64);
        conv("block2_conv2", 64);
        pool("block2_pool");
        conv("block3_conv1", 128);
        conv("block3_conv2", 128);
        pool("block3_pool");
        // fc1 takes the 4-D pooled tensor (oneDNN inner product flattens
        // it), so there is no flatten layer. Its gemm kernel wants NCHW, so
        // fc1's run includes a reorder of block3_pool's NHWC output.
        add_layer("fc1", Kind::fc, {n, c, hw, hw}, {n, 256}, {256, c, hw, hw}, tag::oihw, true, wseed++);
        add_layer("fc2", Kind::fc, {n, 256}, {n, kClasses}, {kClasses, 256}, tag::oi, false, wseed++);

        // Logits stay plain {batch, classes} so output() is directly readable;
        // allocated now so output() is valid (zeros) even before a forward.
        output_ = dnnl::memory({{n, kClasses}, dt::f32, tag::nc}, engine_);
        std::memset(output_.get_data_handle(), 0, output_.get_desc().get_size());
        set_input(0);
    }

    // Shared dnnl handles would make two "networks" alias buffers: no copies.
    OneDnnVgg(const OneDnnVgg&) = delete;
    OneDnnVgg& operator=(const OneDnnVgg&) = delete;
    OneDnnVgg(OneDnnVgg&&) = default;
    OneDnnVgg& operator=(OneDnnVgg&&) = default;
    ~OneDnnVgg() = default;

    std::size_t layer_count() const { return layers_.size(); }
    const std::string& layer_name(std::size_t i) const { return layers_.at(i).name; }
    int batch() const { return batch_; }

    // New deterministic input content in [-1, 1): different seeds give
    // different images, the same seed the same image (per batch size).
    void set_input(std::uint64_t seed) {
        detail::fill_uniform(input_, 0x1A2B3C4DULL ^ (seed * 0x9E3779B97F4A7C15ULL), -1.0f, 1.0f);
    }

    // Builds layer i's primitives (and those of earlier layers not yet built,
    // since a layer's input layout is the previous layer's chosen output
    // layout) without executing it. run_layer() calls it on first use.
    void prepare_layer(std::size_t i) {
        Layer& L = layers_.at(i);
        if (L.ready) return;
        if (i > 0) prepare_layer(i - 1);
        build(i);
    }
    void prepare() {
        for (std::size_t i = 0; i < layers_.size(); ++i) prepare_layer(i);
    }

    // Executes layer i (plus the input reorder it needs, if any) and waits for
    // the stream, so wall-clock timing around it is the layer's real cost.
    // Reads whatever the previous layer last wrote: run layers in order.
    void run_layer(std::size_t i) {
        Layer& L = layers_.at(i);
        if (!L.ready) prepare_layer(i);
        if (L.src_reorder) {
            L.src_reorder.execute(stream_, {{DNNL_ARG_FROM, src_of(i)}, {DNNL_ARG_TO, L.src}});
        }
        L.prim.execute(stream_, L.args);
        stream_.wait();
    }

    void forward() {
        for (std::size_t i = 0; i < layers_.size(); ++i) run_layer(i);
    }

    const float* output() const { return static_cast<const float*>(output_.get_data_handle()); }
    std::size_t output_size() const { return static_cast<std::size_t>(batch_) * kClasses; }

private:
    using dt = dnnl::memory::data_type;
    enum class Kind { conv, pool, fc };

    struct Layer {
        std::string name;
        Kind kind = Kind::conv;
        dnnl::memory::dims src_dims, dst_dims;
        bool relu = false;
        dnnl::memory user_weights, user_bias;  // plain layout, filled at load

        // Built lazily by build():
        bool ready = false;
        dnnl::primitive prim;
        dnnl::primitive src_reorder;  // empty when the layouts already match
        dnnl::memory src, dst;        // src: the primitive's own input buffer
        std::unordered_map<int, dnnl::memory> args;
    };

    void add_layer(const char* name, Kind kind, dnnl::memory::dims src, dnnl::memory::dims dst,
                   dnnl::memory::dims wdims, dnnl::memory::format_tag wtag, bool relu, std::uint64_t wseed) {
        Layer L;
        L.name = name;
        L.kind = kind;
        L.src_dims = std::move(src);
        L.dst_dims = std::move(dst);
        L.relu = relu;
        if (kind != Kind::pool) {
            L.user_weights = dnnl::memory({wdims, dt::f32, wtag}, engine_);
            L.user_bias = dnnl::memory({{wdims[0]}, dt::f32, dnnl::memory::format_tag::x}, engine_);
            // He-uniform keeps activations O(1) through the ReLU stack, so
            // logits are neither 0 nor inf and visibly depend on the input.
            dnnl::memory::dim fan_in = 1;
            for (std::size_t k = 1; k < wdims.size(); ++k) fan_in *= wdims[k];
            const float a = std::sqrt(6.0f / static_cast<float>(fan_in));
            detail::fill_uniform(L.user_weights, wseed, -a, a);
            detail::fill_uniform(L.user_bias, ~wseed, -0.05f, 0.05f);
        }
        layers_.push_back(std::move(L));
    }

    const dnnl::memory& src_of(std::size_t i) const { return i == 0 ? input_ : layers_[i - 1].dst; }

    // The lazy "first call" work for one layer.
    void build(std::size_t i) {
        using tag = dnnl::memory::format_tag;
        Layer& L = layers_[i];
        const dnnl::memory& prev = src_of(i);
        const bool last = i + 1 == layers_.size();
        const dnnl::memory::desc any_dst(L.dst_dims, dt::f32, last ? tag::nc : tag::any);

        dnnl::primitive_attr attr;
        if (L.relu) {
            dnnl::post_ops ops;
            ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
            attr.set_post_ops(ops);
        }

        dnnl::memory::desc src_md, weights_md, dst_md;
        if (L.kind == Kind::conv) {
            const dnnl::memory::desc any_src(L.src_dims, dt::f32, tag::any);
            const dnnl::memory::desc any_w(L.user_weights.get_desc().dims(), dt::f32, tag::any);
            // convolution_direct, not _auto: a fixed algorithm keeps the
            // workload the same whatever heuristics the library version has.
            dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                              any_src, any_w, L.user_bias.get_desc(), any_dst, {1, 1}, {1, 1}, {1, 1});
            dnnl::convolution_forward::primitive_desc pd(d, attr, engine_);
            L.prim = dnnl::convolution_forward(pd);
            src_md = pd.src_desc();
            weights_md = pd.weights_desc();
            dst_md = pd.dst_desc();
        } else if (L.kind == Kind::pool) {
            // Pooling reads the previous layout as is (forward_inference: no
            // workspace needed).
            dnnl::pooling_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::pooling_max,
                                          prev.get_desc(), any_dst, {2, 2}, {2, 2}, {0, 0}, {0, 0});
            dnnl::pooling_forward::primitive_desc pd(d, engine_);
            L.prim = dnnl::pooling_forward(pd);
            src_md = pd.src_desc();
            dst_md = pd.dst_desc();
        } else {
            const dnnl::memory::desc any_src(L.src_dims, dt::f32, tag::any);
            const dnnl::memory::desc any_w(L.user_weights.get_desc().dims(), dt::f32, tag::any);
            dnnl::inner_product_forward::desc d(dnnl::prop_kind::forward_inference, any_src, any_w,
                                                L.user_bias.get_desc(), any_dst);
            dnnl::inner_product_forward::primitive_desc pd(d, attr, engine_);
            L.prim = dnnl::inner_product_forward(pd);
            src_md = pd.src_desc();
            weights_md = pd.weights_desc();
            dst_md = pd.dst_desc();
        }

        // Input: use the previous buffer directly when the layouts agree
        // (the usual case), else a per-call reorder into the layout this
        // kernel wants (e.g. the user's NCHW image into block1_conv1).
        if (src_md == prev.get_desc()) {
            L.src = prev;
            L.src_reorder = dnnl::primitive();
        } else {
            L.src = dnnl::memory(src_md, engine_);
            L.src_reorder = dnnl::reorder(prev, L.src);
        }
        L.dst = last ? output_ : dnnl::memory(dst_md, engine_);
        L.args = {{DNNL_ARG_SRC, L.src}, {DNNL_ARG_DST, L.dst}};

        if (L.kind != Kind::pool) {
            // Weights: reorder once into the kernel's blocked layout, as
            // frameworks do on first call; the plain copy is then dropped.
            dnnl::memory w = L.user_weights;
            if (weights_md != w.get_desc()) {
                w = dnnl::memory(weights_md, engine_);
                dnnl::reorder(L.user_weights, w).execute(stream_, L.user_weights, w);
                stream_.wait();
            }
            L.args[DNNL_ARG_WEIGHTS] = w;
            L.args[DNNL_ARG_BIAS] = L.user_bias;
            L.user_weights = w;
        }
        L.ready = true;
    }

    int batch_;
    dnnl::engine engine_;
    dnnl::stream stream_;
    dnnl::memory input_, output_;
    std::vector<Layer> layers_;
};

}  // namespace vgg
