// gputime/cuda/event_clock.hpp - the GPU clock backend: CUDA events on one stream.
//
// A mark is an event recorded in stream order; its time is known only once the device
// reaches it. So the clock never waits inside timed code:
//  * stop() records the end event and files the (start, end) pair as pending for a Stats;
//    the pair is resolved (cudaEventQuery, then cudaEventElapsedTime) when that Stats is
//    next read, at synchronize(), or when more than max_pending() pairs wait.
//  * Events come from a pool: after the first few calls the clock creates no events, and
//    stop() and resolving allocate nothing (pending pairs sit in a ring buffer).
//  * Waiting polls cudaEventQuery: it spins (yield) for WaitBackoff::spin, then sleeps, the
//    sleeps doubling up to WaitBackoff::max_sleep and never past the timeout, so a long wait
//    does not keep a core busy. A mark that does not complete within resolve_timeout() is a
//    TimeoutError instead of a hang. Polls run in CUDA's relaxed capture mode
//    (cudaThreadExchangeStreamCaptureMode), as PyTorch's caching allocator does around its
//    cudaEventQuery calls: in the default (global) mode a query made while another thread
//    captures a CUDA graph fails and invalidates that capture.
// CUDA semantics the clock follows (docs/simulator.md, "CUDA semantics"):
//  * Devices. The clock is bound to its stream's device at construction (cudaStreamGetDevice)
//    and creates its events there under a device guard (cudaSetDevice to it, then back): an
//    event can only be recorded on a stream of its own device. A clock on a default-stream
//    handle (0, cudaStreamLegacy, cudaStreamPerThread), which names the *current* device's
//    stream, also records under the guard: it keeps timing the stream it was made for.
//  * Capture. Events recorded on a stream that is being captured into a CUDA graph are graph
//    dependencies, not timestamps. mark() asks (cudaStreamIsCapturing) and refuses with a
//    StreamCaptureError that points to gputime/cuda/graph_timing.hpp, before recording anything, so
//    the capture is not disturbed. On the legacy default stream while a blocking stream of the
//    device captures, it refuses too (906): recording there would invalidate that capture.
//  * The legacy default stream (stream 0 without per-thread default streams) waits for every
//    blocking stream of its device and makes them wait for it: a clock there measures
//    everything that serialises with it, not only its own work. on_legacy_default_stream() and
//    legacy_default_stream_hint() (gputime/core/default_stream.hpp) say so; prefer a stream of your
//    own, created with cudaStreamNonBlocking.
// The CUDA runtime is a template policy (see gputime/cuda/runtime_policy.hpp for the contract and the
// optional members the clock uses when present): CudaEventClock<CudaRuntime> on a GPU,
// CudaEventClock<sim::Runtime> in tests without one.
// Not thread-safe: use one clock per thread (and per stream).
//
// Failures. A CUDA failure is a CudaError, a mark the device does not reach within
// resolve_timeout() a TimeoutError. stop() is called from destructors, so it never throws:
// an error that concerns a Stats (its end mark could not be recorded, its pair could not be
// resolved) is kept for that Stats, and the Stats' next read rethrows it, once; so does
// synchronize(), which reports one error and clears it from every Stats that holds it.
// Samples delivered before a failure stay in their Stats. What a failure costs:
//  * an error of one call (e.g. 400 invalid handle, 907 captured event): only the pair it
//    concerns is dropped; every other pair is resolved as usual;
//  * a sticky error (cuda_status::is_sticky: the context is unusable) or a timeout: every
//    pending pair is dropped, since none can be resolved any more, and every Stats that lost
//    one is told at its next read;
//  * after a timeout the stream counts as hung for good (streams run in order: nothing queued
//    behind the stuck work completes). A later wait checks its mark once and, if it is not
//    complete, throws TimeoutError at once ("already hung") instead of waiting the timeout
//    again; the destructor does not wait either;
//  * an event whose record failed, or whose pair failed, is destroyed, not pooled: its state
//    is unknown.
// The clock and its Stats may die in any order: a Stats whose clock dies while owing it an
// error keeps that error (its next read rethrows it) and never touches the dead clock.
//
// Bad input (gputime::InvalidArgument, nothing changes): resolve_timeout(t) with t <= 0
// (parameter "timeout"), max_pending(0) ("pairs"), wait_backoff(b) with b.spin < 0
// ("backoff.spin"), b.first_sleep <= 0 ("backoff.first_sleep"), b.max_sleep < b.first_sleep
// ("backoff.max_sleep").
#pragma once

#include <gputime/core/accumulator.hpp>
#include <gputime/core/clock_contract.hpp>
#include <gputime/core/cuda_status.hpp>
#include <gputime/core/default_stream.hpp>
#include <gputime/core/duration.hpp>
#include <gputime/core/error.hpp>
#include <gputime/core/scoped_timer.hpp>
#include <gputime/cuda/runtime_policy.hpp>
#include <gputime/stats/owed_samples.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace gputime {

/// How a wait for a mark uses the host (CudaEventClock::wait_backoff): poll with yield() for
/// `spin`, then sleep between polls, `first_sleep` first, each sleep twice the last up to
/// `max_sleep`, and never past the timeout. The defaults react within microseconds to short
/// kernels and within max_sleep to long ones, without keeping a core busy.
struct WaitBackoff {
    std::chrono::nanoseconds spin = std::chrono::microseconds(50);
    std::chrono::nanoseconds first_sleep = std::chrono::microseconds(10);
    std::chrono::nanoseconds max_sleep = std::chrono::microseconds(200);
};

/// A CUDA error met while a stream was being captured into a CUDA graph, with what to do
/// instead in what(). code(), name() and description() are CUDA's, as in any CudaError.
class StreamCaptureError : public CudaError {
public:
    StreamCaptureError(const CudaError& error, const std::string& advice)
        : CudaError(error), text_(std::string(error.what()) + " [" + advice + "]") {}
    const char* what() const noexcept override { return text_.c_str(); }

private:
    std::string text_;
};

namespace detail {

// The handles that name the current device's default stream rather than one stream.
template <class Runtime>
bool is_default_stream(Runtime& runtime, const typename Runtime::stream_type& stream) {
    if constexpr (has_is_default_stream<Runtime>::value) {
        return runtime.is_default_stream(stream);
    } else {
        return stream == typename Runtime::stream_type{};
    }
}

template <class Runtime>
bool is_legacy_default_stream(Runtime& runtime, const typename Runtime::stream_type& stream) {
    if constexpr (has_is_legacy_default_stream<Runtime>::value) {
        return runtime.is_legacy_default_stream(stream);
    } else {
        return stream == typename Runtime::stream_type{};
    }
}

// Makes `device` current for its lifetime and restores the device that was current (when the
// policy can switch devices, `device` >= 0 and another device is current). status() is not 0
// when switching failed (call() is "cudaSetDevice"). When even cudaGetDevice fails (no usable
// device, a poisoned context), nothing is switched: the call the guard protects fails the same
// way and reports it under its own name.
template <class Runtime>
class DeviceScope {
public:
    DeviceScope(Runtime& runtime, int device) : runtime_(runtime) {
        if constexpr (has_device_binding_v<Runtime>) {
            if (device < 0) return;
            int current = -1;
            if (runtime_.get_device(&current) != cuda_status::success || current == device) return;
            status_ = runtime_.set_device(device);
            if (status_ != cuda_status::success) {
                call_ = "cudaSetDevice";
                return;
            }
            previous_ = current;
        } else {
            (void)device;
        }
    }
    ~DeviceScope() {
        if constexpr (has_device_binding_v<Runtime>) {
            if (previous_ >= 0) runtime_.set_device(previous_);
        }
    }
    DeviceScope(const DeviceScope&) = delete;
    DeviceScope& operator=(const DeviceScope&) = delete;

    int status() const noexcept { return status_; }
    const char* call() const noexcept { return call_; }

private:
    Runtime& runtime_;
    int previous_ = -1;
    int status_ = cuda_status::success;
    const char* call_ = "";
};

// The calling thread polls in CUDA's relaxed capture mode for its lifetime (when the policy can
// exchange it), so that its cudaEventQuery never counts as an unsafe call during a capture.
template <class Runtime>
class RelaxedCaptureMode {
public:
    explicit RelaxedCaptureMode(Runtime& runtime) noexcept : runtime_(runtime) {
        if constexpr (has_thread_exchange_capture_mode<Runtime>::value) {
            int mode = cuda_status::capture_mode_relaxed;
            if (runtime_.thread_exchange_capture_mode(&mode) == cuda_status::success) previous_ = mode;
        }
    }
    ~RelaxedCaptureMode() {
        if constexpr (has_thread_exchange_capture_mode<Runtime>::value) {
            if (previous_ >= 0) runtime_.thread_exchange_capture_mode(&previous_);
        }
    }
    RelaxedCaptureMode(const RelaxedCaptureMode&) = delete;
    RelaxedCaptureMode& operator=(const RelaxedCaptureMode&) = delete;

private:
    Runtime& runtime_;
    int previous_ = -1;
};

// A FIFO on one vector: push_back and pop_front allocate nothing once the vector has grown to
// the most elements held at once (a std::deque allocates a block every few dozen pushes).
template <class T>
class RingBuffer {
public:
    bool empty() const noexcept { return size_ == 0; }
    std::size_t size() const noexcept { return size_; }
    std::size_t capacity() const noexcept { return slots_.size(); }
    T& front() noexcept { return slots_[head_]; }
    void pop_front() noexcept {
        head_ = next(head_);
        --size_;
    }
    /// Strong guarantee: throws std::bad_alloc with nothing changed.
    void push_back(const T& value) {
        if (size_ == slots_.size()) grow();
        slots_[(head_ + size_) % slots_.size()] = value;
        ++size_;
    }
    /// Removes, in order, the elements for which `remove(element)` is true (after calling it).
    template <class Predicate>
    void remove_if(Predicate remove) noexcept {
        std::size_t kept = 0;
        for (std::size_t i = 0; i < size_; ++i) {
            T& element = slots_[(head_ + i) % slots_.size()];
            if (!remove(element)) slots_[(head_ + kept++) % slots_.size()] = element;
        }
        size_ = kept;
    }

private:
    std::size_t next(std::size_t i) const noexcept { return i + 1 == slots_.size() ? 0 : i + 1; }
    void grow() {
        std::vector<T> bigger(slots_.empty() ? 64 : 2 * slots_.size());
        for (std::size_t i = 0; i < size_; ++i) bigger[i] = slots_[(head_ + i) % slots_.size()];
        slots_.swap(bigger);
        head_ = 0;
    }

    std::vector<T> slots_;
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

}  // namespace detail

template <class Runtime>
class CudaEventClock final {
    static_assert(detail::check_runtime_policy<Runtime>());

public:
    using runtime_type = Runtime;
    using stream_type = typename Runtime::stream_type;
    using event_type = typename Runtime::event_type;
    using Mark = event_type;
    static constexpr bool measures_device = true;

    /// Times work on `stream` through `runtime`, which must outlive the clock, and binds to the
    /// stream's device (for a default-stream handle: the current device). Throws CudaError when
    /// no usable device is present, or the stream's device cannot be told (checked once, here).
    explicit CudaEventClock(Runtime& runtime, stream_type stream = stream_type{})
        : runtime_(&runtime), stream_(stream) {
        int devices = 0;
        check("cudaGetDeviceCount", runtime_->device_count(&devices));
        if (devices <= 0) throw cuda_error("cudaGetDeviceCount", cuda_status::no_device);
        device_ = device_of(stream_);
        follows_current_device_ = detail::is_default_stream(*runtime_, stream_);
        legacy_ = detail::is_legacy_default_stream(*runtime_, stream_);
    }

    /// For a stateless runtime policy (CudaRuntime): uses a shared instance of it.
    template <class R = Runtime, std::enable_if_t<std::is_empty<R>::value, int> = 0>
    explicit CudaEventClock(stream_type stream = stream_type{})
        : CudaEventClock(stateless_instance(), stream) {}

    CudaEventClock(const CudaEventClock&) = delete;
    CudaEventClock& operator=(const CudaEventClock&) = delete;

    /// Resolves what it still owes (waiting at most the timeout, and not at all once the stream
    /// hung). A Stats left owed an error keeps it: its next read rethrows it.
    ~CudaEventClock() {
        while (!pending_.empty()) resolve_front(nullptr);
        for (Link* l = links_; l != nullptr;) {
            Link* next = l->next;
            if (l->error) {
                l->clock = nullptr;  // the accumulator owns it now; it deletes itself once read
                l->prev = l->next = nullptr;
            } else {
                l->slot->set_source(nullptr);
                delete l;
            }
            l = next;
        }
        while (spare_links_ != nullptr) {
            Link* next = spare_links_->next;
            delete spare_links_;
            spare_links_ = next;
        }
        for (const event_type& e : free_) runtime_->event_destroy(e);
        for (const OrderingEvent& e : ordering_free_) runtime_->event_destroy(e.event);
    }

    // ---- the clock interface (see gputime/core/clock_contract.hpp) ----

    /// Records an event on the stream now. Throws CudaError (the event is then destroyed), or
    /// StreamCaptureError, before recording anything, when the stream is being captured into a
    /// CUDA graph (or is the legacy stream while a blocking stream of its device is).
    /// An error that no accumulator could hold (see stop()) is rethrown here first, once.
    Mark mark() {
        if (parked_error_) std::rethrow_exception(std::exchange(parked_error_, nullptr));
        return record_mark();
    }

    /// Records the end event and files (started, end) for `into`. Never throws. An accumulator
    /// that can be owed samples (Stats: gputime/stats/owed_samples.hpp) gets the sample when it
    /// is next read, and an error then too; any other (BoundedStats, SharedStats, your own type)
    /// gets it now: stop() waits for the end mark (after recording it, so the wait is not
    /// measured) and an error is parked for the next mark() or synchronize().
    template <class Accumulator>
    void stop(const Mark& started, Accumulator& into) noexcept {
        static_assert(detail::check_accumulator<Accumulator>());
        if constexpr (accepts_owed_samples_v<Accumulator>) {
            stop_owed(started, into);
        } else {
            stop_now(started, into);
        }
    }

private:
    Mark record_mark() {
        detail::DeviceScope<Runtime> scope(*runtime_, follows_current_device_ ? device_ : -1);
        if (scope.status() != cuda_status::success) throw cuda_error(scope.call(), scope.status());
        refuse_capture();
        const event_type e = acquire();
        const int status = runtime_->event_record(e, stream_);
        if (status != cuda_status::success) {
            discard(e);
            throw_failure("cudaEventRecord", status);
        }
        return e;
    }

    template <class Accumulator>
    void stop_owed(const Mark& started, Accumulator& into) noexcept {
        last_stop_wait_ = std::chrono::nanoseconds{0};
        Mark end{};
        try {
            end = record_mark();
        } catch (...) {
            release(started);
            owe(into, std::current_exception());
            return;
        }
        try {
            Link& link = link_to(into);  // may settle another clock's pairs for `into` first
            pending_.push_back(Pending{started, end, &link});
            ++link.owed;
        } catch (...) {
            release(started);
            release(end);
            owe(into, std::current_exception());
        }
        if (pending_.size() > max_pending_) {
            const auto from = runtime_->host_now();
            make_room();
            last_stop_wait_ += runtime_->host_now() - from;
        }
    }

    // An accumulator that cannot be owed samples: wait for this pair now (not for the pairs
    // filed before it) and add it.
    template <class Accumulator>
    void stop_now(const Mark& started, Accumulator& into) noexcept {
        last_stop_wait_ = std::chrono::nanoseconds{0};
        Mark end{};
        try {
            end = record_mark();
        } catch (...) {
            release(started);
            park(std::current_exception());
            return;
        }
        const auto from = runtime_->host_now();
        std::exception_ptr error;
        bool fatal = false;
        Duration d{};
        try {
            d = elapsed(started, end);
        } catch (const TimeoutError&) {
            error = std::current_exception();
            fatal = true;
        } catch (const CudaError& e) {
            error = std::current_exception();
            fatal = cuda_status::is_sticky(e.code());
        } catch (...) {
            error = std::current_exception();
        }
        if (error) {
            discard(started);
            discard(end);
            if (fatal) drop_all(error);
            park(error);
        } else {
            release(started);
            release(end);
            try {
                into.add(d);
            } catch (...) {
                park(std::current_exception());
            }
        }
        last_stop_wait_ += runtime_->host_now() - from;
    }

    void park(std::exception_ptr error) noexcept {
        if (!parked_error_) parked_error_ = std::move(error);
    }

public:

    /// Device time between two marks; waits (polling, with timeout) until both are reached.
    /// Throws CudaError, or TimeoutError (at once when the stream already hung).
    Duration elapsed(const Mark& from, const Mark& to) {
        detail::RelaxedCaptureMode<Runtime> relaxed(*runtime_);
        wait(from);
        wait(to);
        float ms = 0.0f;
        const int status = runtime_->event_elapsed_ms(&ms, from, to);
        if (status != cuda_status::success) throw_failure("cudaEventElapsedTime", status);
        // Events resolve to ~0.5 us; rounding to whole nanoseconds loses nothing real.
        return Duration{std::round(static_cast<double>(ms) * 1e6)};
    }

    /// A mark from mark() that is no longer needed goes back to the pool.
    void release(const Mark& mark) noexcept {
        try {
            free_.push_back(mark);
        } catch (...) {
            runtime_->event_destroy(mark);
        }
    }

    /// Destroys a mark instead of pooling it: one whose state is unknown (a record of it
    /// failed, or a wait on it did).
    void discard(const Mark& mark) noexcept { runtime_->event_destroy(mark); }

    /// Files `error` for `into` in place of a sample: its next read rethrows it (an accumulator
    /// that cannot be owed samples: the next mark() or synchronize()). For a wrapper that finds a
    /// sample spoilt, e.g. GatedClock when its gate ended by the timeout (gputime/cuda/gate.hpp).
    template <class Accumulator>
    void owe_error(Accumulator& into, std::exception_ptr error) noexcept {
        if constexpr (accepts_owed_samples_v<Accumulator>) {
            owe(into, std::move(error));
        } else {
            park(std::move(error));
        }
    }

    /// Waits for every marked pair and delivers all pending samples. Then rethrows one error a
    /// Stats was owed (or one that could not be given to any Stats), which no Stats reports
    /// again; call it again for the next.
    void synchronize() {
        while (!pending_.empty()) resolve_front(nullptr);
        std::exception_ptr error = std::exchange(parked_error_, nullptr);
        for (Link* l = links_; l != nullptr;) {
            Link* next = l->next;
            if (l->error && (!error || l->error == error)) {
                error = l->error;
                unlink(*l);  // nothing pending is left, and the error is reported here
            } else if (!l->error) {
                unlink(*l);  // every pair is resolved: it owes nothing
            }
            l = next;
        }
        if (error) std::rethrow_exception(error);
    }

    std::chrono::nanoseconds host_now() { return runtime_->host_now(); }
    void idle_for(std::chrono::nanoseconds gap) { runtime_->sleep_for(gap); }

    // ---- configuration and introspection ----

    /// Creates `count` events up front, so even the first calls create none, and `ordering`
    /// ordering-only events (cudaEventDisableTiming) on the clock's device for JoinStreams (one
    /// per JoinStreams alive at a time, plus one per other device its side streams are on).
    CudaEventClock& reserve(std::size_t count, std::size_t ordering = 0) {
        detail::DeviceScope<Runtime> scope(*runtime_, device_);
        if (scope.status() != cuda_status::success) throw cuda_error(scope.call(), scope.status());
        while (free_.size() < count) {
            event_type e{};
            check("cudaEventCreate", runtime_->event_create(&e));
            free_.push_back(e);
        }
        std::size_t held = 0;
        for (const OrderingEvent& e : ordering_free_) held += e.device == device_ ? 1 : 0;
        for (; held < ordering; ++held) {
            ordering_free_.push_back(OrderingEvent{device_, create_ordering_event()});
        }
        return *this;
    }
    /// How waits use the host: spin, then growing sleeps (see WaitBackoff). Throws
    /// InvalidArgument for spin < 0 ("backoff.spin"), first_sleep <= 0 ("backoff.first_sleep"),
    /// max_sleep < first_sleep ("backoff.max_sleep"); nothing changes then.
    CudaEventClock& wait_backoff(const WaitBackoff& backoff) {
        const char* where = "CudaEventClock::wait_backoff";
        if (backoff.spin < std::chrono::nanoseconds{0})
            throw InvalidArgument(where, "backoff.spin", "must be >= 0 ns, got " + std::to_string(backoff.spin.count()) + " ns");
        if (backoff.first_sleep <= std::chrono::nanoseconds{0})
            throw InvalidArgument(where, "backoff.first_sleep",
                                  "must be > 0 ns, got " + std::to_string(backoff.first_sleep.count()) + " ns");
        if (backoff.max_sleep < backoff.first_sleep)
            throw InvalidArgument(where, "backoff.max_sleep",
                                  "must be >= first_sleep (" + std::to_string(backoff.first_sleep.count()) +
                                      " ns), got " + std::to_string(backoff.max_sleep.count()) + " ns");
        backoff_ = backoff;
        return *this;
    }
    const WaitBackoff& wait_backoff() const noexcept { return backoff_; }
    /// How long a wait for a mark may take before TimeoutError (default 60 s: a model's
    /// first call can legitimately take seconds: a TensorFlow session's first run has been seen
    /// to take 6 s). Throws InvalidArgument (parameter "timeout") for a timeout <= 0, which
    /// would report every kernel still running as hung.
    CudaEventClock& resolve_timeout(std::chrono::nanoseconds timeout) {
        if (timeout <= std::chrono::nanoseconds{0})
            throw InvalidArgument("CudaEventClock::resolve_timeout", "timeout",
                                  "must be > 0 ns, got " + std::to_string(timeout.count()) + " ns");
        timeout_ = timeout;
        return *this;
    }
    std::chrono::nanoseconds resolve_timeout() const noexcept { return timeout_; }
    /// Pairs allowed to wait before stop() resolves the oldest (default 4096). Throws
    /// InvalidArgument (parameter "pairs") for 0.
    CudaEventClock& max_pending(std::size_t pairs) {
        if (pairs == 0) throw InvalidArgument("CudaEventClock::max_pending", "pairs", "must be >= 1, got 0");
        max_pending_ = pairs;
        return *this;
    }
    std::size_t max_pending() const noexcept { return max_pending_; }
    std::size_t pending_count() const noexcept { return pending_.size(); }
    /// Events the pool had to create after reserve() (timing events for marks), and the
    /// ordering-only ones it created for JoinStreams after reserve().
    std::size_t events_created() const noexcept { return events_created_; }
    std::size_t ordering_events_created() const noexcept { return ordering_events_created_; }
    /// Host time the last stop() spent waiting on the device: resolving the oldest pair past
    /// max_pending(), or settling another clock's pairs for the same Stats. It is the library's
    /// wait, not the caller's work: WarmupRunner leaves it out of enqueue time.
    std::chrono::nanoseconds last_stop_wait() const noexcept { return last_stop_wait_; }
    /// True once a wait timed out: the stream is taken as hung (see the header comment).
    bool hung() const noexcept { return hung_at_.has_value(); }
    stream_type stream() const noexcept { return stream_; }
    Runtime& runtime() const noexcept { return *runtime_; }
    /// The device of the clock's stream, bound at construction; -1 when the runtime policy cannot
    /// tell (it has no get_device/set_device/stream_get_device).
    int device() const noexcept { return device_; }
    /// True when the clock's stream is CUDA's legacy default stream: it then measures everything
    /// that serialises with that stream (legacy_default_stream_hint() says what to do).
    bool on_legacy_default_stream() const noexcept { return legacy_; }

    // ---- for JoinStreams: devices and ordering-only events ----

    /// The device of `stream` (cudaStreamGetDevice); -1 when the policy cannot tell. Throws
    /// CudaError (an invalid stream: 400).
    int device_of(const stream_type& stream) {
        if constexpr (detail::has_device_binding_v<Runtime>) {
            int device = -1;
            check("cudaStreamGetDevice", runtime_->stream_get_device(stream, &device));
            return device;
        } else {
            (void)stream;
            return -1;
        }
    }
    /// An ordering-only event (cudaEventDisableTiming when the policy can create one) of `device`,
    /// from this clock's pool or created there. Throws CudaError.
    event_type acquire_ordering_event(int device) {
        for (std::size_t i = ordering_free_.size(); i-- > 0;) {
            if (ordering_free_[i].device == device) {
                const event_type e = ordering_free_[i].event;
                ordering_free_.erase(ordering_free_.begin() + static_cast<std::ptrdiff_t>(i));
                return e;
            }
        }
        detail::DeviceScope<Runtime> scope(*runtime_, device);
        if (scope.status() != cuda_status::success) throw cuda_error(scope.call(), scope.status());
        const event_type e = create_ordering_event();
        ++ordering_events_created_;
        return e;
    }
    /// Gives an ordering event back to the pool (an event whose record failed: discard() it).
    void release_ordering_event(int device, const event_type& e) noexcept {
        try {
            ordering_free_.push_back(OrderingEvent{device, e});
        } catch (...) {
            runtime_->event_destroy(e);
        }
    }

private:
    // What the clock owes one accumulator: pending pairs and at most one error. The accumulator's
    // slot points at its Link rather than at the clock, so that a read says who is asking. Live
    // links form a list, so that the clock can unlink every one of them whatever happens; a link
    // whose clock dies owing an error is handed to its accumulator (clock == nullptr), which
    // rethrows the error at its next read and deletes the link then, or when it dies.
    class Link final : public OwedSamples::Source {
    public:
        CudaEventClock* clock = nullptr;
        OwedSamples* slot = nullptr;               // the accumulator's slot, pointing here
        void* accumulator = nullptr;               // where samples go, through add_to
        void (*add_to)(void*, Duration) = nullptr;
        std::size_t owed = 0;  // pending pairs for the accumulator
        std::exception_ptr error;
        Link* prev = nullptr;
        Link* next = nullptr;

        void settle() override {
            if (clock != nullptr) {
                clock->deliver_to(*this);
                return;
            }
            std::exception_ptr owed_error = std::move(error);
            slot->set_source(nullptr);
            delete this;
            if (owed_error) std::rethrow_exception(owed_error);
        }
        void settle_ready() noexcept override {
            if (clock != nullptr) clock->deliver_ready(*this);
        }
        void forget() noexcept override {
            if (clock != nullptr) {
                clock->forget(*this);
            } else {
                delete this;
            }
        }
        void moved(OwedSamples& to, void* moved_accumulator) noexcept override {
            slot = &to;
            accumulator = moved_accumulator;
        }
        const void* owner() const noexcept override { return clock; }
    };

    struct Pending {
        event_type start{};
        event_type stop{};
        Link* link = nullptr;
    };
    struct OrderingEvent {
        int device;
        event_type event;
    };

    static Runtime& stateless_instance() {
        static Runtime instance;
        return instance;
    }

    CudaError cuda_error(const char* call, int status) const {
        return CudaError(call, status, runtime_->error_name(status), runtime_->error_string(status));
    }
    void check(const char* call, int status) const {
        if (status != cuda_status::success) throw cuda_error(call, status);
    }

    // The error of a failed call on a mark: a StreamCaptureError with advice for the errors that
    // stream capture causes, a CudaError otherwise.
    [[noreturn]] void throw_failure(const char* call, int status) const {
        if (status == cuda_status::captured_event)
            throw StreamCaptureError(cuda_error(call, status), captured_advice());
        if (status == cuda_status::stream_capture_implicit)
            throw StreamCaptureError(cuda_error(call, status), legacy_capture_advice());
        if (status == cuda_status::stream_capture_unsupported || status == cuda_status::stream_capture_invalidated)
            throw StreamCaptureError(cuda_error(call, status), capturing_advice());
        throw cuda_error(call, status);
    }
    static std::string capturing_advice() {
        return "the clock's stream is being captured into a CUDA graph: an event recorded there is a dependency "
               "of the graph, not a timestamp, and reading it fails (cudaErrorCapturedEvent); time the graph's "
               "replays instead: gputime::CapturedGraph or gputime::compare_eager_and_graph "
               "(gputime/cuda/graph_timing.hpp)";
    }
    static std::string captured_advice() {
        return "the mark was recorded while its stream was being captured into a CUDA graph, so it has no "
               "time; time the graph's replays instead (gputime/cuda/graph_timing.hpp)";
    }
    static std::string legacy_capture_advice() {
        return "the clock is on the legacy default stream while a blocking stream of its device is being "
               "captured into a CUDA graph: recording an event there would invalidate that capture; time on a "
               "stream of your own, created with cudaStreamNonBlocking, or time the graph's replays "
               "(gputime/cuda/graph_timing.hpp)";
    }

    // Before anything is recorded: a capturing stream (or the legacy one while a blocking stream
    // captures) is refused, and the capture goes on undisturbed. Any other failure of the question
    // (a poisoned context) is left to the record, which fails the same way.
    void refuse_capture() {
        if constexpr (detail::has_stream_is_capturing<Runtime>::value) {
            int capture = cuda_status::capture_status_none;
            const int status = runtime_->stream_is_capturing(stream_, &capture);
            if (status == cuda_status::stream_capture_implicit) throw_failure("cudaStreamIsCapturing", status);
            if (status != cuda_status::success) return;
            if (capture != cuda_status::capture_status_none) {
                const int refused = capture == cuda_status::capture_status_active
                                        ? cuda_status::stream_capture_unsupported
                                        : cuda_status::stream_capture_invalidated;
                throw_failure("cudaEventRecord", refused);
            }
        }
    }

    event_type acquire() {
        if (!free_.empty()) {
            const event_type e = free_.back();
            free_.pop_back();
            return e;
        }
        detail::DeviceScope<Runtime> scope(*runtime_, device_);
        if (scope.status() != cuda_status::success) throw cuda_error(scope.call(), scope.status());
        event_type e{};
        check("cudaEventCreate", runtime_->event_create(&e));
        ++events_created_;
        return e;
    }

    // On the current device (the caller chose it).
    event_type create_ordering_event() {
        event_type e{};
        if constexpr (detail::has_event_create_with_flags<Runtime>::value) {
            check("cudaEventCreateWithFlags", runtime_->event_create_with_flags(&e, cuda_status::event_disable_timing));
        } else {
            check("cudaEventCreate", runtime_->event_create(&e));
        }
        return e;
    }

    // Polls until `e` completes: spin, then back off (WaitBackoff), up to the timeout.
    void wait(const event_type& e) {
        int status = runtime_->event_query(e);
        if (status == cuda_status::success) return;
        if (status == cuda_status::not_ready && hung_at_) throw already_hung();
        const auto started = runtime_->host_now();
        std::chrono::nanoseconds sleep = backoff_.first_sleep;
        while (status == cuda_status::not_ready) {
            const auto now = runtime_->host_now();
            const auto waited = now - started;
            if (waited > timeout_) {
                hung_at_ = now;
                throw TimeoutError("gputime: a CUDA event did not complete within " + format(timeout_) +
                                   " (hung kernel, or work waiting on something that never happens)");
            }
            if (waited < backoff_.spin) {
                runtime_->yield();
            } else {
                // Never past the timeout: the last sleep ends at it, and the poll after it decides.
                runtime_->sleep_for(std::max(std::min(sleep, timeout_ - waited), std::chrono::nanoseconds{1}));
                sleep = std::min(sleep * 2, backoff_.max_sleep);
            }
            status = runtime_->event_query(e);
        }
        if (status != cuda_status::success) throw_failure("cudaEventQuery", status);
    }

    TimeoutError already_hung() {
        return TimeoutError("gputime: a CUDA event is not complete and this clock's stream already hung " +
                            format(runtime_->host_now() - *hung_at_) + " ago (an event did not complete within " +
                            format(timeout_) +
                            "); streams run in order, so work queued behind it never completes: failing at once "
                            "instead of waiting again");
    }

    static std::string format(std::chrono::nanoseconds d) {
        return format_duration(Duration{static_cast<double>(d.count())});
    }

    // ---- links ----

    // The link of `sink`, made (and the Stats pointed at it) if needed. Another clock still
    // owing `sink` samples settles them first, so that samples stay in order; its failure is
    // the Stats' failure and is kept for its next read. Throws std::bad_alloc only, with
    // nothing changed.
    template <class Accumulator>
    Link& link_to(Accumulator& into) {
        OwedSamples& slot = owed_samples_of(into);
        OwedSamples::Source* current = slot.source();
        if (current != nullptr && current->owner() == this) return *static_cast<Link*>(current);
        Link& link = new_link(slot, &into, [](void* a, Duration d) { static_cast<Accumulator*>(a)->add(d); });
        if (current != nullptr) {
            const auto from = runtime_->host_now();
            try {
                current->settle();
            } catch (...) {
                link.error = std::current_exception();
            }
            if (OwedSamples::Source* left = slot.source()) {
                // A source that stayed linked although it failed: what it still owes is lost.
                slot.set_source(nullptr);
                left->forget();
            }
            last_stop_wait_ += runtime_->host_now() - from;
        }
        slot.set_source(&link);
        return link;
    }

    Link& new_link(OwedSamples& slot, void* accumulator, void (*add_to)(void*, Duration)) {
        Link* link = spare_links_;
        if (link != nullptr) {
            spare_links_ = link->next;
        } else {
            link = new Link;
        }
        link->clock = this;
        link->slot = &slot;
        link->accumulator = accumulator;
        link->add_to = add_to;
        link->owed = 0;
        link->prev = nullptr;
        link->next = links_;
        if (links_ != nullptr) links_->prev = link;
        links_ = link;
        return *link;
    }

    // Takes the link out of the live list and keeps it for reuse; the Stats is not touched.
    void drop_link(Link& link) noexcept {
        if (link.prev != nullptr) {
            link.prev->next = link.next;
        } else {
            links_ = link.next;
        }
        if (link.next != nullptr) link.next->prev = link.prev;
        link.error = nullptr;
        link.slot = nullptr;
        link.accumulator = nullptr;
        link.next = spare_links_;
        spare_links_ = &link;
    }

    void unlink(Link& link) noexcept {
        link.slot->set_source(nullptr);
        drop_link(link);
    }

    // `error` concerns `sink`: keep it (the first one) for its next read.
    template <class Accumulator>
    void owe(Accumulator& into, std::exception_ptr error) noexcept {
        try {
            Link& link = link_to(into);
            if (!link.error) link.error = std::move(error);
        } catch (...) {
            park(std::move(error));  // out of memory for a link: no accumulator can hold it
        }
    }

    // ---- resolving ----

    // Resolves the oldest pair into its Stats. Never throws: a failure is kept for the Stats
    // concerned; one that makes every pending pair unresolvable (timeout, sticky error) drops
    // them all, and each Stats that lost one gets the error. A link left owing nothing is
    // unlinked, except `keep` (the link being read, which its reader unlinks).
    void resolve_front(const Link* keep) noexcept {
        const Pending p = pending_.front();
        pending_.pop_front();
        Link& link = *p.link;
        --link.owed;
        std::exception_ptr error;
        bool fatal = false;
        Duration d{};
        try {
            d = elapsed(p.start, p.stop);
        } catch (const TimeoutError&) {
            error = std::current_exception();
            fatal = true;
        } catch (const CudaError& e) {
            error = std::current_exception();
            fatal = cuda_status::is_sticky(e.code());
        } catch (...) {
            error = std::current_exception();
        }
        if (error) {
            discard(p.start);
            discard(p.stop);
        } else {
            release(p.start);
            release(p.stop);
            try {
                link.add_to(link.accumulator, d);
            } catch (...) {
                error = std::current_exception();
            }
        }
        if (error && !link.error) link.error = error;
        if (fatal) drop_all(error);
        if (&link != keep && link.owed == 0 && !link.error) unlink(link);
    }

    // Every link that loses a pair here gets the error, so none of them is unlinked.
    void drop_all(const std::exception_ptr& error) noexcept {
        while (!pending_.empty()) {
            const Pending p = pending_.front();
            pending_.pop_front();
            discard(p.start);
            discard(p.stop);
            Link& link = *p.link;
            --link.owed;
            if (!link.error) link.error = error;
        }
    }

    // Past max_pending(): the oldest pair (waiting for it if needed), then every pair the
    // device has already passed, so that the next calls find room without waiting.
    void make_room() noexcept {
        resolve_front(nullptr);
        while (!pending_.empty() && complete_now(pending_.front().stop)) resolve_front(nullptr);
    }

    bool complete_now(const event_type& e) noexcept {
        detail::RelaxedCaptureMode<Runtime> relaxed(*runtime_);
        return runtime_->event_query(e) == cuda_status::success;  // an error surfaces when resolved
    }

    // A read of `reader`'s Stats: resolves pairs in stream order up to its last one, then
    // unlinks it and rethrows what it is owed.
    void deliver_to(Link& reader) {
        while (reader.owed > 0) resolve_front(&reader);
        std::exception_ptr error = std::move(reader.error);
        unlink(reader);
        if (error) std::rethrow_exception(error);
    }

    // A copy of `reader`'s accumulator is being made: deliver the pairs the device has already
    // passed, in stream order, without waiting and without throwing (a failure stays owed).
    void deliver_ready(Link& reader) noexcept {
        while (reader.owed > 0 && !pending_.empty() && complete_now(pending_.front().stop))
            resolve_front(&reader);
        if (reader.owed == 0 && !reader.error) unlink(reader);
    }

    // Its Stats is being destroyed or overwritten: its pairs are dropped, their events pooled.
    void forget(Link& link) noexcept {
        if (link.owed > 0) {
            pending_.remove_if([&](const Pending& p) {
                if (p.link != &link) return false;
                release(p.start);
                release(p.stop);
                return true;
            });
        }
        drop_link(link);
    }

    Runtime* runtime_;
    stream_type stream_;
    int device_ = -1;                      // the stream's device; -1: the policy cannot tell
    bool follows_current_device_ = false;  // a default-stream handle: record under the device guard
    bool legacy_ = false;                  // the legacy default stream
    std::vector<event_type> free_;
    std::vector<OrderingEvent> ordering_free_;  // ordering-only events for JoinStreams, per device
    detail::RingBuffer<Pending> pending_;
    Link* links_ = nullptr;        // every Stats this clock points at, owing samples or an error
    Link* spare_links_ = nullptr;  // links for reuse (through `next`): none allocated when steady
    std::exception_ptr parked_error_;  // for no accumulator: the next mark() or synchronize()
    std::optional<std::chrono::nanoseconds> hung_at_;  // host time a wait timed out
    std::chrono::nanoseconds timeout_ = std::chrono::seconds(60);
    std::chrono::nanoseconds last_stop_wait_{0};
    std::size_t max_pending_ = 4096;
    std::size_t events_created_ = 0;
    std::size_t ordering_events_created_ = 0;
    WaitBackoff backoff_{};
};

/// The GPU timer: a ScopedTimer on a CudaEventClock, whichever CUDA runtime the clock uses
/// (the real one, or gputime::sim::Runtime in tests).
///   gputime::GpuClock clock(stream);
///   { gputime::ScopedGpuTimer timer(stats, clock); launch_kernels(stream); }
template <class Runtime>
class ScopedGpuTimer : public ScopedTimer<CudaEventClock<Runtime>> {
public:
    using ScopedTimer<CudaEventClock<Runtime>>::ScopedTimer;
};

template <class Accumulator, class Runtime>
ScopedGpuTimer(Accumulator&, CudaEventClock<Runtime>&) -> ScopedGpuTimer<Runtime>;

}  // namespace gputime
