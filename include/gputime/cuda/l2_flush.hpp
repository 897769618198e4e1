// SPDX-License-Identifier: MIT
// gputime/cuda/l2_flush.hpp - cold caches: flush the GPU's L2 before each call, rotate inputs.
//
//   gputime::GpuClock clock(stream);
//   gputime::L2Flush flush(clock);                       // a scratch buffer the size of the L2
//   auto result = gputime::WarmupRunner(clock).between_calls(flush).run([&] { layer(stream); });
//
// Why. A call timed back to back on the same input finds its weights and activations still in
// the L2 cache from the previous call (tens of MB on recent GPUs: a whole small model). A service
// that runs other work between requests does not. L2Flush overwrites a buffer as large as the
// L2 (cudaDevAttrL2CacheSize) with cudaMemsetAsync on the clock's stream before each call,
// outside the timed region: the memset is enqueued before the call's start event, so the event
// is reached only once the memset has finished and the sample holds the call alone. (On an idle
// stream the memset also hides the launch latency of the call's first kernel, as nvbench's cold
// measurements do: both start once the memset ends.)
//
// Inputs. Flushing the L2 does not make a call that reuses the input it just wrote any colder
// than the hardware allows; rotate real inputs too: InputRotation cycles through enough copies
// that each is evicted before it comes back (copies_to_exceed()), and chain_hooks() runs the
// flush and any other untimed work (loading the next input) from one between_calls hook.
//
// The runtime policy needs four optional members (gputime::CudaRuntime and gputime::sim::Runtime
// have them; they are not part of the required contract of gputime/cuda/runtime_policy.hpp):
//   int l2_cache_size(int* bytes);                              // cudaDevAttrL2CacheSize of the current device
//   int device_malloc(void** ptr, std::size_t bytes);           // cudaMalloc
//   int device_free(void* ptr);                                 // cudaFree
//   int memset_async(void* ptr, int value, std::size_t bytes, stream_type stream);  // cudaMemsetAsync
//
// Copies of an L2Flush share its buffer and its count (between_calls() keeps a copy), and the
// last one frees the buffer. The runtime must outlive every copy.
#pragma once

#include <gputime/cuda/event_clock.hpp>
#include <gputime/core/error.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace gputime {
namespace detail {

template <class R, class = void>
struct has_l2_flush_members : std::false_type {};
template <class R>
struct has_l2_flush_members<
    R, std::enable_if_t<
           std::is_convertible<decltype(std::declval<R&>().l2_cache_size(std::declval<int*>())), int>::value &&
           std::is_convertible<decltype(std::declval<R&>().device_malloc(std::declval<void**>(), std::size_t{})),
                               int>::value &&
           std::is_convertible<decltype(std::declval<R&>().device_free(std::declval<void*>())), int>::value &&
           std::is_convertible<decltype(std::declval<R&>().memset_async(std::declval<void*>(), 0, std::size_t{},
                                                                        std::declval<typename R::stream_type>())),
                               int>::value>> : std::true_type {};

}  // namespace detail

/// Overwrites the L2 cache before each call (see the header comment). A between_calls hook:
/// `runner.between_calls(flush)`.
template <class Runtime>
class L2Flush {
public:
    using stream_type = typename Runtime::stream_type;

    /// Reads the L2 size of the current device and allocates a buffer that large. Throws
    /// CudaError (call "cudaDeviceGetAttribute(cudaDevAttrL2CacheSize)" or "cudaMalloc").
    /// A device without L2 (size 0) allocates nothing and flush() does nothing.
    explicit L2Flush(Runtime& runtime, stream_type stream = stream_type{})
        : state_(std::make_shared<State>(runtime, stream)) {}
    /// Flushes on the clock's stream, through the clock's runtime.
    explicit L2Flush(CudaEventClock<Runtime>& clock) : L2Flush(clock.runtime(), clock.stream()) {}

    /// Enqueues the memset of the whole buffer on the stream. Throws CudaError
    /// ("cudaMemsetAsync"); the flush is then not counted.
    void flush() {
        State& s = *state_;
        if (s.bytes > 0) {
            const int status = s.runtime->memset_async(s.buffer, 0, s.bytes, s.stream);
            if (status != 0) throw s.error("cudaMemsetAsync", status);
        }
        ++s.flushes;
    }
    /// The between_calls hook: flush() before call `call`.
    void operator()(std::size_t /*call*/) { flush(); }

    /// The L2 size the buffer covers [bytes]; 0 on a device without L2.
    std::size_t bytes() const noexcept { return state_->bytes; }
    /// Flushes made (by every copy).
    std::uint64_t flushes() const noexcept { return state_->flushes; }
    stream_type stream() const noexcept { return state_->stream; }
    /// The scratch buffer (device memory; null on a device without L2).
    const void* buffer() const noexcept { return state_->buffer; }

private:
    struct State {
        State(Runtime& r, stream_type s) : runtime(&r), stream(s) {
            // Checked here, not in the class: class template argument deduction may instantiate
            // L2Flush<CudaEventClock<...>> while it picks the clock's deduction guide.
            static_assert(detail::has_l2_flush_members<Runtime>::value,
                          "gputime::L2Flush: the runtime policy needs l2_cache_size, device_malloc, device_free "
                          "and memset_async (see gputime/cuda/l2_flush.hpp)");
            int size = 0;
            int status = runtime->l2_cache_size(&size);
            if (status != 0) throw error("cudaDeviceGetAttribute(cudaDevAttrL2CacheSize)", status);
            if (size < 0) throw error("cudaDeviceGetAttribute(cudaDevAttrL2CacheSize)", 1);
            bytes = static_cast<std::size_t>(size);
            if (bytes > 0) {
                status = runtime->device_malloc(&buffer, bytes);
                if (status != 0) throw error("cudaMalloc", status);
            }
        }
        ~State() {
            if (buffer != nullptr) (void)runtime->device_free(buffer);  // nothing to do about a failure here
        }
        State(const State&) = delete;
        State& operator=(const State&) = delete;

        CudaError error(const char* call, int status) const {
            return CudaError(call, status, runtime->error_name(status), runtime->error_string(status));
        }

        Runtime* runtime;
        stream_type stream;
        void* buffer = nullptr;
        std::size_t bytes = 0;
        std::uint64_t flushes = 0;
    };
    std::shared_ptr<State> state_;
};

template <class Runtime>
L2Flush(Runtime&) -> L2Flush<Runtime>;
template <class Runtime, class Stream>
L2Flush(Runtime&, Stream) -> L2Flush<Runtime>;
template <class Runtime>
L2Flush(CudaEventClock<Runtime>&) -> L2Flush<Runtime>;

/// Cycles through a pool of inputs by call index, so that a run does not time one input that
/// stays in every cache: `runner.run([&](std::size_t call) { model(inputs.for_call(call)); })`.
template <class T>
class InputRotation {
public:
    /// Throws InvalidArgument (parameter "inputs") for an empty pool.
    explicit InputRotation(std::vector<T> inputs) : inputs_(std::move(inputs)) {
        if (inputs_.empty()) throw InvalidArgument("InputRotation", "inputs", "is empty: give at least one input");
    }
    /// The input of call `call` (the runner's index, warm-up calls included): inputs[call % size].
    T& for_call(std::size_t call) { return inputs_[call % inputs_.size()]; }
    const T& for_call(std::size_t call) const { return inputs_[call % inputs_.size()]; }
    std::size_t size() const noexcept { return inputs_.size(); }
    std::vector<T>& inputs() noexcept { return inputs_; }

    /// How many copies of an input of `input_bytes` a rotation needs so that, between two uses
    /// of the same copy, the others touch more than `cache_bytes` (an L2 size, L2Flush::bytes()):
    /// floor(cache / input) + 2, at least 2. Throws InvalidArgument ("input_bytes") for 0.
    static std::size_t copies_to_exceed(std::size_t input_bytes, std::size_t cache_bytes) {
        if (input_bytes == 0)
            throw InvalidArgument("InputRotation::copies_to_exceed", "input_bytes", "must be > 0, got 0");
        return cache_bytes / input_bytes + 2;
    }

private:
    std::vector<T> inputs_;
};

/// One between_calls hook that runs several, in order, each given the call index:
/// `runner.between_calls(gputime::chain_hooks(sampler, flush, load_next_input))`. The hooks are
/// copied (L2Flush and TelemetrySampler copies share their state).
template <class... Hooks>
auto chain_hooks(Hooks... hooks) {
    static_assert(sizeof...(Hooks) > 0, "gputime::chain_hooks: give at least one hook");
    static_assert(std::conjunction<std::is_invocable<Hooks&, std::size_t>...>::value,
                  "gputime::chain_hooks: every hook must be callable with the call index (std::size_t)");
    return [hooks = std::make_tuple(std::move(hooks)...)](std::size_t call) mutable {
        std::apply([call](auto&... hook) { (hook(call), ...); }, hooks);
    };
}

}  // namespace gputime
