// SPDX-License-Identifier: MIT
// gputime/cuda/event_clock.hpp - the GPU clock: CUDA events recorded on one stream.
//
//   gputime::GpuClock clock(stream);                     // CudaEventClock<CudaRuntime>
//   { gputime::ScopedGpuTimer timer(conv1, clock); launch_conv1(stream); }
//   std::cout << conv1.p99();                            // the read waits for the device
// A mark is an event recorded in stream order; the clock never waits inside timed code. How
// samples reach their accumulator: docs/architecture.md, "Deferred GPU samples". Devices, stream
// capture, the legacy default stream, waits, failures and their costs: docs/gpu_clock.md. The
// CUDA runtime is a template policy (gputime/cuda/runtime_policy.hpp), so the same code runs on
// gputime::sim::Runtime in tests. Not thread-safe: one clock per thread (and per stream).
#pragma once

#include <gputime/core/accumulator.hpp>
#include <gputime/core/clock_contract.hpp>
#include <gputime/core/cuda_status.hpp>
#include <gputime/core/default_stream.hpp>
#include <gputime/core/duration.hpp>
#include <gputime/core/error.hpp>
#include <gputime/core/scoped_timer.hpp>
#include <gputime/cuda/detail/capture_guard.hpp>
#include <gputime/cuda/detail/device_scope.hpp>
#include <gputime/cuda/detail/event_pool.hpp>
#include <gputime/cuda/detail/event_wait.hpp>
#include <gputime/cuda/detail/owed_pairs.hpp>
#include <gputime/cuda/runtime_policy.hpp>
#include <gputime/cuda/stream_capture_error.hpp>
#include <gputime/cuda/wait_backoff.hpp>
#include <gputime/stats/owed_samples.hpp>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace gputime {

/// Times GPU work with CUDA events recorded in order on one stream (device time). `Runtime` is
/// the CUDA runtime policy: CudaRuntime on a GPU (GpuClock), sim::Runtime in tests.
template <class Runtime>
class CudaEventClock final {
    static_assert(detail::check_runtime_policy<Runtime>());

public:
    using runtime_type = Runtime;                       ///< The runtime policy.
    using stream_type = typename Runtime::stream_type;  ///< The policy's stream handle.
    using event_type = typename Runtime::event_type;    ///< The policy's event handle.
    using Mark = event_type;                            ///< A mark is an event recorded on stream().
    static constexpr bool measures_device = true;       ///< Device time, not host time.

    /// Times work on `stream` through `runtime`, which must outlive the clock, and binds to the
    /// stream's device (for a default-stream handle: the current device). Throws CudaError when
    /// no usable device is present, or the stream's device cannot be told (checked once, here).
    explicit CudaEventClock(Runtime& runtime, stream_type stream = stream_type{})
        : runtime_(&runtime), stream_(stream), events_(runtime), pairs_(*this), waiting_(runtime) {
        int devices = 0;
        check("cudaGetDeviceCount", runtime_->device_count(&devices));
        if (devices <= 0) throw detail::cuda_error(*runtime_, "cudaGetDeviceCount", cuda_status::no_device);
        device_ = device_of(stream_);
        follows_current_device_ = detail::is_default_stream(*runtime_, stream_);
        legacy_ = detail::is_legacy_default_stream(*runtime_, stream_);
    }

    /// For a stateless runtime policy (CudaRuntime): uses a shared instance of it.
    template <class R = Runtime, std::enable_if_t<std::is_empty<R>::value, int> = 0>
    explicit CudaEventClock(stream_type stream = stream_type{}) : CudaEventClock(stateless_instance(), stream) {}

    CudaEventClock(const CudaEventClock&) = delete;
    CudaEventClock& operator=(const CudaEventClock&) = delete;

    /// Resolves what it still owes (waiting at most the timeout, and not at all once the stream
    /// hung). An accumulator left owed an error keeps it: its next read rethrows it.
    ~CudaEventClock() {
        while (!pairs_.empty()) pairs_.resolve_oldest();
        pairs_.hand_over();
        if (passed_) discard(*passed_);
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
        last_stop_wait_ = std::chrono::nanoseconds{0};
        Mark end{};
        try {
            end = record_mark();
        } catch (...) {
            release(started);
            owe_error(into, std::current_exception());
            return;
        }
        if (parked_error_) {  // an error of this scope (park_error): in place of its sample
            release(started);
            release(end);
            owe_error(into, std::exchange(parked_error_, nullptr));
            return;
        }
        if constexpr (accepts_owed_samples_v<Accumulator>) {
            file(started, end, into);
        } else {
            deliver_now(started, end, into);
        }
    }

    /// Parks an error of the scope being timed that no accumulator holds yet (JoinStreams'
    /// destructor, which cannot throw): the next stop() files it for its accumulator in place of
    /// the sample, else the next mark() or synchronize() rethrows it. The first one is kept.
    void park_error(std::exception_ptr error) noexcept { park(std::move(error)); }

    /// Device time between two marks; waits (polling, with timeout) until both are reached.
    /// Throws CudaError, or TimeoutError (at once when the stream already hung).
    Duration elapsed(const Mark& from, const Mark& to) {
        detail::RelaxedCaptureMode<Runtime> relaxed(*runtime_);
        wait(from);
        wait(to);
        float ms = 0.0f;
        const int status = runtime_->event_elapsed_ms(&ms, from, to);
        if (status != cuda_status::success) detail::throw_cuda_failure(*runtime_, "cudaEventElapsedTime", status);
        // Events resolve to ~0.5 us; rounding to whole nanoseconds loses nothing real.
        return Duration{std::round(static_cast<double>(ms) * 1e6)};
    }

    /// A mark from mark() that is no longer needed goes back to the pool.
    void release(const Mark& mark) noexcept { events_.release(mark); }

    /// Destroys a mark instead of pooling it: one whose state is unknown (a record of it
    /// failed, or a wait on it did).
    void discard(const Mark& mark) noexcept { events_.discard(mark); }

    /// Files `error` for `into` in place of a sample: its next read rethrows it (an accumulator
    /// that cannot be owed samples: the next mark() or synchronize()). For a wrapper that finds a
    /// sample spoilt, e.g. GatedClock when its gate ended by the timeout (gputime/cuda/gate.hpp).
    template <class Accumulator>
    void owe_error(Accumulator& into, std::exception_ptr error) noexcept {
        if constexpr (accepts_owed_samples_v<Accumulator>) {
            try {
                pairs_.owe(into, error);
            } catch (...) {
                park(std::move(error));  // out of memory for a link: no accumulator can hold it
            }
        } else {
            park(std::move(error));
        }
    }

    /// Waits until the device has reached every mark recorded so far, without keeping it idle
    /// for bookkeeping: pairs found complete by an earlier call are delivered first (while the
    /// device still runs the latest work), the ones this wait completes at the next call, a read
    /// or synchronize(). WarmupRunner's latency mode calls it after each call. Throws what a wait
    /// throws (TimeoutError, CudaError), and an error parked for no accumulator.
    void wait_for_marks() {
        while (!pairs_.empty() && pairs_.oldest().complete) pairs_.resolve_oldest();
        if (parked_error_) std::rethrow_exception(std::exchange(parked_error_, nullptr));
        if (pairs_.empty()) return;
        if (!pairs_.newest().complete) {
            detail::RelaxedCaptureMode<Runtime> relaxed(*runtime_);
            wait(pairs_.newest().stop, pairs_.newest().started_at);
        }
        pairs_.all_complete();
    }

    /// Waits for every marked pair and delivers all pending samples. Then rethrows one error an
    /// accumulator was owed (or one that could not be given to any), which no accumulator
    /// reports again; call it again for the next.
    void synchronize() {
        while (!pairs_.empty()) pairs_.resolve_oldest();
        if (std::exception_ptr error = pairs_.settle_links(std::exchange(parked_error_, nullptr)))
            std::rethrow_exception(error);
    }

    /// The runtime's host clock (enqueue-side measurements).
    std::chrono::nanoseconds host_now() { return runtime_->host_now(); }
    /// The host sleeps for `gap` (an idle gap between calls; the device may clock down).
    void idle_for(std::chrono::nanoseconds gap) { runtime_->sleep_for(gap); }

    // ---- configuration and introspection ----

    /// Creates `count` events up front, so even the first calls create none, and `ordering`
    /// ordering-only events (cudaEventDisableTiming) on the clock's device for JoinStreams (one
    /// per JoinStreams alive at a time, plus one per other device its side streams are on).
    CudaEventClock& reserve(std::size_t count, std::size_t ordering = 0) {
        events_.reserve(device_, count, ordering);
        return *this;
    }
    /// How waits use the host (see WaitBackoff). Throws InvalidArgument for spin < 0
    /// ("backoff.spin"), first_sleep <= 0 ("backoff.first_sleep"), max_sleep < first_sleep
    /// ("backoff.max_sleep"); nothing changes then.
    CudaEventClock& wait_backoff(const WaitBackoff& backoff) {
        detail::check_wait_backoff("CudaEventClock::wait_backoff", backoff);
        waiting_.backoff = backoff;
        return *this;
    }
    /// The current WaitBackoff.
    const WaitBackoff& wait_backoff() const noexcept { return waiting_.backoff; }
    /// How long a wait for a mark may take before TimeoutError (default 60 s: a model's
    /// first call can legitimately take seconds: a TensorFlow session's first run has been seen
    /// to take 6 s). Throws InvalidArgument (parameter "timeout") for a timeout <= 0, which
    /// would report every kernel still running as hung.
    CudaEventClock& resolve_timeout(std::chrono::nanoseconds timeout) {
        if (timeout <= std::chrono::nanoseconds{0})
            throw InvalidArgument("CudaEventClock::resolve_timeout", "timeout",
                                  "must be > 0 ns, got " + std::to_string(timeout.count()) + " ns");
        waiting_.timeout = timeout;
        return *this;
    }
    /// The current resolve timeout.
    std::chrono::nanoseconds resolve_timeout() const noexcept { return waiting_.timeout; }
    /// Pairs allowed to wait before stop() resolves the oldest (default 4096). Throws
    /// InvalidArgument (parameter "pairs") for 0.
    CudaEventClock& max_pending(std::size_t pairs) {
        if (pairs == 0) throw InvalidArgument("CudaEventClock::max_pending", "pairs", "must be >= 1, got 0");
        max_pending_ = pairs;
        return *this;
    }
    /// The current limit of pending pairs.
    std::size_t max_pending() const noexcept { return max_pending_; }
    /// Start/stop pairs recorded whose time is not read yet.
    std::size_t pending_count() const noexcept { return pairs_.size(); }
    /// Events the pool had to create after reserve() (timing events for marks), and the
    /// ordering-only ones it created for JoinStreams after reserve().
    std::size_t events_created() const noexcept { return events_.created(); }
    std::size_t ordering_events_created() const noexcept {
        return events_.ordering_created();
    }  ///< See events_created().
    /// Host time the last stop() spent waiting on the device: resolving the oldest pair past
    /// max_pending(), settling another clock's pairs for the same Stats, or waiting for the
    /// sample of an accumulator that cannot be owed. It is the library's wait, not the caller's
    /// work: WarmupRunner leaves it out of enqueue time.
    std::chrono::nanoseconds last_stop_wait() const noexcept { return last_stop_wait_; }
    /// True after a wait timed out, until the stream passes the point where it gave up: waits
    /// fail at once meanwhile (docs/gpu_clock.md, "Failures").
    bool hung() const noexcept { return waiting_.hung(); }
    /// The stream the clock records its events on.
    stream_type stream() const noexcept { return stream_; }
    /// The runtime policy the clock calls.
    Runtime& runtime() const noexcept { return *runtime_; }
    /// The device of the clock's stream, bound at construction; -1 when the runtime policy cannot
    /// tell (it has no get_device/set_device/stream_get_device).
    int device() const noexcept { return device_; }
    /// True when the clock's stream is CUDA's legacy default stream: it then measures everything
    /// that serialises with that stream (legacy_default_stream_hint() says what to do).
    bool on_legacy_default_stream() const noexcept { return legacy_; }

    // ---- for JoinStreams: devices and ordering-only events ----

    /// The device of `stream` (cudaStreamGetDevice, or the driver's answer before CUDA 12.8); -1
    /// when the policy cannot tell. Throws CudaError (an invalid stream: 400).
    int device_of(const stream_type& stream) {
        if constexpr (detail::has_device_binding_v<Runtime>) {
            int device = -1;
            const char* call = "";
            const int status = detail::stream_device(*runtime_, stream, &device, call);
            check(call, status);
            return device;
        } else {
            (void)stream;
            return -1;
        }
    }
    /// An ordering-only event (cudaEventDisableTiming when the policy can create one) of `device`,
    /// from this clock's pool or created there. Throws CudaError.
    event_type acquire_ordering_event(int device) { return events_.acquire_ordering(device); }
    /// Gives an ordering event back to the pool (an event whose record failed: discard() it).
    void release_ordering_event(int device, const event_type& e) noexcept { events_.release_ordering(device, e); }

private:
    using Pairs = detail::OwedPairs<CudaEventClock, event_type>;
    using Pair = typename Pairs::Pair;
    friend Pairs;

    static Runtime& stateless_instance() {
        static Runtime instance;
        return instance;
    }

    void check(const char* call, int status) const {
        if (status != cuda_status::success) throw detail::cuda_error(*runtime_, call, status);
    }

    Mark record_mark() {
        if (follows_current_device_) detail::refuse_other_device(*runtime_, device_);
        const char* call = "";
        if (const int refused = detail::capture_refusal(*runtime_, stream_, call))
            detail::throw_cuda_failure(*runtime_, call, refused);  // before anything is recorded
        const event_type e = events_.acquire(device_);
        const auto at = runtime_->host_now();
        const int status = runtime_->event_record(e, stream_);
        if (status != cuda_status::success) {
            discard(e);
            detail::throw_cuda_failure(*runtime_, "cudaEventRecord", status);
        }
        waiting_.note_mark(e, at);
        return e;
    }

    // A pair's duration: known complete, one call; else wait for its start, then for its end
    // (sleeping until shortly before the earliest it can come: detail::EventWait).
    Duration elapsed_of(const Pair& p) {
        detail::RelaxedCaptureMode<Runtime> relaxed(*runtime_);
        if (!p.complete) {
            wait(p.start);
            wait(p.stop, p.started_at);
        }
        float ms = 0.0f;
        const int status = runtime_->event_elapsed_ms(&ms, p.start, p.stop);
        if (status != cuda_status::success) detail::throw_cuda_failure(*runtime_, "cudaEventElapsedTime", status);
        return Duration{std::round(static_cast<double>(ms) * 1e6)};
    }

    void wait(const event_type& e, std::chrono::nanoseconds started_at = std::chrono::nanoseconds{-1}) {
        if (waiting_.hung() && passed_ && runtime_->event_query(*passed_) == cuda_status::success) {
            release(*std::exchange(passed_, std::nullopt));  // it was slow, not stuck: wait again
            waiting_.recover();
        }
        int status = cuda_status::success;
        try {
            status = waiting_.wait(e, started_at);
        } catch (const TimeoutError&) {
            if (!passed_) mark_timeout_point();
            throw;
        }
        if (status != cuda_status::success) detail::throw_cuda_failure(*runtime_, "cudaEventQuery", status);
    }

    // After a timeout: an event recorded now completes once the stream has passed everything
    // queued so far, the timed-out work included; until then waits fail at once. If it cannot be
    // recorded, the stream stays hung for good.
    void mark_timeout_point() noexcept {
        try {
            passed_ = record_mark();
        } catch (...) {
            passed_.reset();
        }
    }

    void park(std::exception_ptr error) noexcept {
        if (!parked_error_) parked_error_ = std::move(error);
    }

    // An accumulator that can be owed: the pair waits, for its next read.
    template <class Accumulator>
    void file(const Mark& started, const Mark& end, Accumulator& into) noexcept {
        const auto from = runtime_->host_now();
        try {
            pairs_.file(Pair{started, end, nullptr, waiting_.mark_time(started), false}, into);
        } catch (...) {
            release(started);
            release(end);
            owe_error(into, std::current_exception());
        }
        last_stop_wait_ += runtime_->host_now() - from;  // another clock's pairs for `into`, settled
        if (pairs_.size() > max_pending_) {
            const auto room_from = runtime_->host_now();
            pairs_.make_room();
            last_stop_wait_ += runtime_->host_now() - room_from;
        }
    }

    // Any other accumulator: wait for this pair now (not for the pairs filed before it), add it.
    template <class Accumulator>
    void deliver_now(const Mark& started, const Mark& end, Accumulator& into) noexcept {
        const auto from = runtime_->host_now();
        Duration d{};
        if (std::exception_ptr error = measure(Pair{started, end, nullptr, waiting_.mark_time(started), false}, d)) {
            park(std::move(error));
        } else {
            try {
                into.add(d);
            } catch (...) {
                park(std::current_exception());
            }
        }
        last_stop_wait_ += runtime_->host_now() - from;
    }

    // ---- what OwedPairs asks for ----

    // The pair's duration into `d`, its events back to the pool; or the error, its events
    // destroyed and, for an error no pair survives (timeout, sticky), every pending pair dropped.
    std::exception_ptr measure(const Pair& p, Duration& d) noexcept {
        std::exception_ptr error;
        bool fatal = false;
        try {
            d = elapsed_of(p);
            waiting_.learn(d);
        } catch (const TimeoutError&) {
            error = std::current_exception();
            fatal = true;
        } catch (const CudaError& e) {
            error = std::current_exception();
            fatal = cuda_status::is_sticky(e.code());
        } catch (...) {
            error = std::current_exception();
        }
        if (!error) {
            release(p.start);
            release(p.stop);
            return nullptr;
        }
        discard(p.start);
        discard(p.stop);
        if (fatal) pairs_.drop_all(error);
        return error;
    }

    bool complete_now(const event_type& e) noexcept {
        detail::RelaxedCaptureMode<Runtime> relaxed(*runtime_);
        return runtime_->event_query(e) == cuda_status::success;  // an error surfaces when resolved
    }

    Runtime* runtime_;
    stream_type stream_;
    int device_ = -1;                      // the stream's device; -1: the policy cannot tell
    bool follows_current_device_ = false;  // a default-stream handle: marks only while device_ is current
    bool legacy_ = false;                  // the legacy default stream
    detail::EventPool<Runtime> events_;
    Pairs pairs_;  // pairs owed to accumulators, in stream order
    detail::EventWait<Runtime> waiting_;
    std::exception_ptr parked_error_;   // for no accumulator: the next mark() or synchronize()
    std::optional<event_type> passed_;  // after a timeout: reached once the stream moves again
    std::chrono::nanoseconds last_stop_wait_{0};
    std::size_t max_pending_ = 4096;
};

/// The GPU timer: a ScopedTimer on a CudaEventClock, whichever CUDA runtime the clock uses
/// (the real one, or gputime::sim::Runtime in tests), into any accumulator.
///   gputime::GpuClock clock(stream);
///   { gputime::ScopedGpuTimer timer(stats, clock); launch_kernels(stream); }
template <class Runtime>
class ScopedGpuTimer : public ScopedTimer<CudaEventClock<Runtime>> {
public:
    using ScopedTimer<CudaEventClock<Runtime>>::ScopedTimer;
};

/// `ScopedGpuTimer timer(stats, clock);` deduces the runtime policy.
template <class Accumulator, class Runtime>
ScopedGpuTimer(Accumulator&, CudaEventClock<Runtime>&) -> ScopedGpuTimer<Runtime>;

}  // namespace gputime
