// SPDX-License-Identifier: MIT
// gputime/cuda/l2_flush.hpp - cold caches: flush the GPU's L2 before each call, rotate inputs.
//
//   gputime::GpuClock clock(stream);
//   gputime::L2Flush flush(clock, gputime::CudaL2Sweep{});  // l2_sweep_kernel.cuh (nvcc); or L2Flush flush(clock)
//   auto result = gputime::WarmupRunner(clock).between_calls(flush).run([&] { layer(stream); });
//
// docs/telemetry.md, "Cold caches: L2Flush, InputRotation, chain_hooks".
#pragma once

#include <gputime/core/cuda_status.hpp>
#include <gputime/core/detail/callback.hpp>
#include <gputime/core/error.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/cuda/runtime_policy.hpp>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
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

template <class R, class = void>
struct has_l2_sweep_async : std::false_type {};
template <class R>
struct has_l2_sweep_async<R, std::enable_if_t<std::is_convertible<decltype(std::declval<R&>().l2_sweep_async(
                                                                      std::declval<const void*>(), std::size_t{},
                                                                      std::declval<typename R::stream_type>())),
                                                                  int>::value>> : std::true_type {};

}  // namespace detail

/// Flushes the L2 cache before each call (see the header comment). A between_calls hook:
/// `runner.between_calls(flush)`.
template <class Runtime>
class L2Flush {
public:
    using stream_type = typename Runtime::stream_type;  ///< The runtime policy's stream handle.
    /// A read-only sweep: enqueues, on `stream`, a kernel that reads [buffer, buffer + bytes)
    /// and writes nothing; returns a cudaError_t number (0 on success).
    using Sweep = detail::Callback<int(const void* buffer, std::size_t bytes, stream_type stream)>;

    /// The smallest buffer: 256 MiB, as Triton's flush (more when the L2 is over 128 MiB).
    static constexpr std::size_t min_buffer_bytes = std::size_t{256} << 20;

    /// Reads the L2 size of `stream`'s device and allocates a buffer there (see bytes()). Without
    /// `sweep`, the policy's l2_sweep_async is the sweep when it has one, else a memset. Throws
    /// CudaError (call "cudaDeviceGetAttribute(cudaDevAttrL2CacheSize)", "cudaMalloc", ...). A
    /// device without L2 (size 0) allocates nothing and flush() does nothing.
    explicit L2Flush(Runtime& runtime, stream_type stream = stream_type{}, Sweep sweep = {})
        : state_(new State(runtime, stream, device_of(runtime, stream), std::move(sweep))) {}
    /// Flushes on the clock's stream and device, through the clock's runtime.
    explicit L2Flush(CudaEventClock<Runtime>& clock, Sweep sweep = {})
        : state_(new State(clock.runtime(), clock.stream(), clock.device(), std::move(sweep))) {}

    /// Sweeps the buffer on the stream (a read-only sweep, else a memset), then waits for it: the
    /// call's start event is then recorded on an idle stream, as in a warm sample. Throws
    /// CudaError ("L2 read sweep", "cudaMemsetAsync", "cudaStreamSynchronize", "cudaSetDevice");
    /// the flush is then not counted.
    void flush() {
        State& s = *state_;
        if (s.bytes > 0) {
            detail::DeviceScope<Runtime> scope(*s.runtime, s.device);
            if (scope.status() != cuda_status::success) throw s.error(scope.call(), scope.status());
            const int swept = s.sweep ? s.sweep(s.buffer, s.bytes, s.stream)
                                      : s.runtime->memset_async(s.buffer, 0, s.bytes, s.stream);
            if (swept != cuda_status::success) throw s.error(s.sweep ? "L2 read sweep" : "cudaMemsetAsync", swept);
            const int synced = s.runtime->stream_synchronize(s.stream);
            if (synced != cuda_status::success) throw s.error("cudaStreamSynchronize", synced);
        }
        ++s.flushes;
    }
    /// The between_calls hook: flush() before call `call`.
    void operator()(std::size_t /*call*/) { flush(); }

    /// The buffer each flush sweeps [bytes]: max(2 x l2_bytes(), min_buffer_bytes); 0 without L2.
    std::size_t bytes() const noexcept { return state_->bytes; }
    /// The device's L2 size (cudaDevAttrL2CacheSize) [bytes].
    std::size_t l2_bytes() const noexcept { return state_->l2_bytes; }
    /// True when flushes are memsets (no read-only sweep), which leave up to an L2 of dirty lines
    /// for the timed call to write back.
    bool leaves_dirty_lines() const noexcept { return state_->bytes > 0 && !state_->sweep; }
    /// Flushes made (by every copy).
    std::uint64_t flushes() const noexcept { return state_->flushes; }
    /// The stream the sweeps are enqueued on.
    stream_type stream() const noexcept { return state_->stream; }
    /// The device the buffer is on; -1 when the runtime policy cannot tell.
    int device() const noexcept { return state_->device; }
    /// The scratch buffer (device memory; null on a device without L2).
    const void* buffer() const noexcept { return state_->buffer; }

private:
    // The stream's device (a default-stream handle: the current one); -1 when the policy cannot
    // tell, or the question fails: the L2 size query then runs on the current device and reports
    // a broken runtime (no device, no driver) under its own name; a bad stream fails at flush().
    static int device_of(Runtime& runtime, const stream_type& stream) {
        if constexpr (detail::has_device_binding_v<Runtime>) {
            int device = -1;
            return runtime.stream_get_device(stream, &device) == cuda_status::success ? device : -1;
        } else {
            (void)runtime;
            (void)stream;
            return -1;
        }
    }

    struct State {
        State(Runtime& r, stream_type s, int d, Sweep given)
            : runtime(&r), stream(s), device(d), sweep(std::move(given)) {
            // Checked here, not in the class: class template argument deduction may instantiate
            // L2Flush<CudaEventClock<...>> while it picks the clock's deduction guide.
            static_assert(detail::has_l2_flush_members<Runtime>::value,
                          "gputime::L2Flush: the runtime policy needs l2_cache_size, device_malloc, device_free "
                          "and memset_async (see gputime/cuda/l2_flush.hpp)");
            if constexpr (detail::has_l2_sweep_async<Runtime>::value) {
                if (!sweep) {
                    sweep = [runtime = runtime](const void* lines, std::size_t n, stream_type on) {
                        return runtime->l2_sweep_async(lines, n, on);
                    };
                }
            }
            detail::DeviceScope<Runtime> scope(*runtime, device);
            if (scope.status() != cuda_status::success) throw error(scope.call(), scope.status());
            int size = 0;
            int status = runtime->l2_cache_size(&size);
            if (status != 0) throw error("cudaDeviceGetAttribute(cudaDevAttrL2CacheSize)", status);
            if (size < 0) throw error("cudaDeviceGetAttribute(cudaDevAttrL2CacheSize)", 1);
            l2_bytes = static_cast<std::size_t>(size);
            if (l2_bytes == 0) return;
            bytes = std::max(2 * l2_bytes, min_buffer_bytes);
            status = runtime->device_malloc(&buffer, bytes);
            if (status != 0) throw error("cudaMalloc", status);
            if (sweep) {
                // Defined contents for the sweep to read (once; it is never written again).
                status = runtime->memset_async(buffer, 0, bytes, stream);
                if (status != 0) {
                    (void)runtime->device_free(buffer);
                    throw error("cudaMemsetAsync", status);
                }
            }
        }
        ~State() {
            if (buffer == nullptr) return;
            detail::DeviceScope<Runtime> scope(*runtime, device);
            (void)runtime->device_free(buffer);  // nothing to do about a failure here
        }
        State(const State&) = delete;
        State& operator=(const State&) = delete;

        CudaError error(const char* call, int status) const {
            return CudaError(call, status, runtime->error_name(status), runtime->error_string(status));
        }

        Runtime* runtime;
        stream_type stream;
        int device;
        Sweep sweep;
        void* buffer = nullptr;
        std::size_t l2_bytes = 0;
        std::size_t bytes = 0;
        std::uint64_t flushes = 0;
        std::atomic<std::size_t> copies{1};  // the L2Flush objects that share this state
    };
    // The state the copies of one L2Flush share, freed with the last of them: a counted handle,
    // as std::shared_ptr, without <memory> (a large part of the umbrella's compile time).
    class SharedState {
    public:
        explicit SharedState(State* state) noexcept : state_(state) {}
        SharedState(const SharedState& other) noexcept : state_(other.state_) {
            if (state_ != nullptr) state_->copies.fetch_add(1, std::memory_order_relaxed);
        }
        SharedState(SharedState&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}
        SharedState& operator=(SharedState other) noexcept {
            std::swap(state_, other.state_);
            return *this;
        }
        ~SharedState() {
            if (state_ != nullptr && state_->copies.fetch_sub(1, std::memory_order_acq_rel) == 1) delete state_;
        }
        State& operator*() const noexcept { return *state_; }
        State* operator->() const noexcept { return state_; }

    private:
        State* state_;
    };
    SharedState state_;
};

/// `L2Flush flush(runtime);` deduces the runtime policy; so do the three guides below.
template <class Runtime>
L2Flush(Runtime&) -> L2Flush<Runtime>;
/// From a runtime and a stream.
template <class Runtime, class Stream>
L2Flush(Runtime&, Stream) -> L2Flush<Runtime>;
/// From a clock: its runtime's policy.
template <class Runtime>
L2Flush(CudaEventClock<Runtime>&) -> L2Flush<Runtime>;
/// From a clock and a sweep.
template <class Runtime, class Sweep>
L2Flush(CudaEventClock<Runtime>&, Sweep) -> L2Flush<Runtime>;

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
    const T& for_call(std::size_t call) const { return inputs_[call % inputs_.size()]; }  ///< As above.
    /// The number of inputs in the pool.
    std::size_t size() const noexcept { return inputs_.size(); }
    /// The pool itself (fill or refresh the inputs; keep it non-empty).
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

namespace detail {

// chain_hooks' callable: the hooks, called in order (without <tuple>).
template <class... Hooks>
struct HookChain {
    void operator()(std::size_t) {}
};
template <class First, class... Rest>
struct HookChain<First, Rest...> {
    explicit HookChain(First f, Rest... r) : first(std::move(f)), rest(std::move(r)...) {}
    void operator()(std::size_t call) {
        first(call);
        rest(call);
    }
    First first;
    HookChain<Rest...> rest;
};

}  // namespace detail

/// One between_calls hook that runs several, in order, each given the call index:
/// `runner.between_calls(gputime::chain_hooks(sampler, flush, load_next_input))`. The hooks are
/// copied (L2Flush and TelemetrySampler copies share their state).
template <class... Hooks>
auto chain_hooks(Hooks... hooks) {
    static_assert(sizeof...(Hooks) > 0, "gputime::chain_hooks: give at least one hook");
    static_assert(std::conjunction<std::is_invocable<Hooks&, std::size_t>...>::value,
                  "gputime::chain_hooks: every hook must be callable with the call index (std::size_t)");
    return detail::HookChain<Hooks...>(std::move(hooks)...);
}

}  // namespace gputime
