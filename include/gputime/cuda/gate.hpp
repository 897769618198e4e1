// SPDX-License-Identifier: MIT
// gputime/cuda/gate.hpp - device time without launch latency: hold the stream while the call is
// enqueued, then let the device run it in one go.
//
//   gputime::GpuClock clock(stream);
//   gputime::CudaGate gate;                                     // gputime/cuda/gate_kernel.cuh (nvcc)
//   gputime::GatedTimes t = gputime::time_gated(clock, gate, [&] { model.forward(stream); });
//   std::cout << t;   // end to end | device only | difference (gputime/report/gated_text.hpp)
//
// docs/telemetry.md, "Gate mode: device time without launch latency".
#pragma once

#include <gputime/core/clock_contract.hpp>
#include <gputime/core/cuda_status.hpp>
#include <gputime/core/duration.hpp>
#include <gputime/core/error.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/cuda/gated_times.hpp>
#include <gputime/cuda/runtime_policy.hpp>
#include <gputime/measure/run_result.hpp>
#include <gputime/measure/warmup_runner.hpp>
#include <gputime/stats/stats.hpp>

#include <chrono>
#include <cstdint>
#include <exception>
#include <string>
#include <type_traits>
#include <utility>

namespace gputime {
namespace detail {

// A device clock that can say its runtime and device (CudaEventClock): the gate is then launched
// on that device, and not on a capturing stream.
template <class C, class = void>
struct has_runtime_and_device : std::false_type {};
template <class C>
struct has_runtime_and_device<
    C, std::void_t<decltype(std::declval<const C&>().runtime()), decltype(int{std::declval<const C&>().device()})>>
    : std::true_type {};

// A clock that can file an error for an accumulator in place of a sample (CudaEventClock).
template <class C, class A, class = void>
struct has_owe_error : std::false_type {};
template <class C, class A>
struct has_owe_error<C, A,
                     std::void_t<decltype(std::declval<C&>().owe_error(std::declval<A&>(), std::exception_ptr{}))>>
    : std::true_type {};

template <class C, class = void>
struct has_stream_member : std::false_type {};
template <class C>
struct has_stream_member<C, std::void_t<decltype(std::declval<const C&>().stream())>> : std::true_type {};

template <class G, class Stream, class = void>
struct is_gate_policy : std::false_type {};
template <class G, class Stream>
struct is_gate_policy<
    G, Stream,
    std::void_t<
        decltype(std::declval<G&>().hold(std::declval<Stream>())),
        std::enable_if_t<noexcept(std::declval<G&>().release())>,
        std::enable_if_t<std::is_convertible<decltype(std::declval<const G&>().timeouts()), std::uint64_t>::value>,
        std::enable_if_t<
            std::is_convertible<decltype(std::declval<const G&>().timeout()), std::chrono::nanoseconds>::value>>>
    : std::true_type {};

// A clock with a bound on pending pairs past which stop() waits (CudaEventClock).
template <class C, class = void>
struct has_pending_limit : std::false_type {};
template <class C>
struct has_pending_limit<
    C, std::void_t<decltype(std::declval<const C&>().pending_count() < std::declval<const C&>().max_pending())>>
    : std::true_type {};

template <class M, class = void>
struct is_equality_comparable : std::false_type {};
template <class M>
struct is_equality_comparable<
    M,
    std::enable_if_t<std::is_convertible<decltype(std::declval<const M&>() == std::declval<const M&>()), bool>::value>>
    : std::true_type {};

// reports_stop_wait is WarmupRunner's trait (warmup_runner.hpp).

struct KeepRunnerDefaults {
    template <class Runner>
    void operator()(Runner&) const noexcept {}
};

}  // namespace detail

/// A device clock whose outermost marks are gated (see the header comment). Satisfies the
/// clock contract of gputime/core/clock_contract.hpp. `clock` and `gate` must outlive it.
template <class Clock, class Gate>
class GatedClock {
    static_assert(detail::check_clock<Clock>());
    static_assert(Clock::measures_device, "gputime::GatedClock: a gate holds a GPU stream; wrap a device clock");
    static_assert(detail::has_stream_member<Clock>::value,
                  "gputime::GatedClock: the clock needs `stream()` (the stream the gate holds)");
    static_assert(detail::is_equality_comparable<typename Clock::Mark>::value,
                  "gputime::GatedClock: the clock's marks must compare with ==");
    static_assert(detail::is_gate_policy<Gate, decltype(std::declval<const Clock&>().stream())>::value,
                  "gputime::GatedClock: the gate needs `hold(stream)`, `release() noexcept`, `timeouts()` and "
                  "`timeout()` (see gputime/cuda/gate.hpp)");

public:
    using Mark = typename Clock::Mark;             ///< The wrapped clock's mark.
    static constexpr bool measures_device = true;  ///< Device time, as the wrapped clock.

    /// Gates `clock`'s regions with `gate`; both must outlive the GatedClock.
    GatedClock(Clock& clock, Gate& gate) : clock_(&clock), gate_(&gate), timeouts_seen_(gate.timeouts()) {}
    GatedClock(const GatedClock&) = delete;
    GatedClock& operator=(const GatedClock&) = delete;
    /// A gate still held is released: nothing behind it would ever run otherwise.
    ~GatedClock() { open(); }

    /// Opens a region when none is open (this mark then owns it): holds the gate, on the clock's
    /// device, then marks; the first ungated_first() regions, and a stream being captured, get no
    /// gate (the clock refuses the capture itself). Inside a region, marks. Throws what hold() or
    /// the clock's mark() throws; the gate is then not held.
    Mark mark() {
        if (owner_live_) return clock_->mark();  // inside a region
        const bool gated = ungated_left_ == 0 && hold();
        try {
            owner_ = clock_->mark();
        } catch (...) {
            open();
            throw;
        }
        owner_live_ = true;
        region_gated_ = gated;
        region_timed_out_ = false;
        if (gated) {
            ++gated_;
        } else if (ungated_left_ > 0) {
            --ungated_left_;
        }
        return owner_;
    }

    /// Stops `started`; when it is the mark that holds the gate, releases the gate after the
    /// end mark, so that the whole region runs behind it.
    template <class Accumulator>
    void stop(const Mark& started, Accumulator& into) noexcept {
        if constexpr (detail::has_pending_limit<Clock>::value) {
            // Past max_pending() the clock waits for its oldest pair, which may be behind the gate.
            if (held_ && clock_->pending_count() + 1 > clock_->max_pending()) open();
        }
        stop_wait_ = std::chrono::nanoseconds{0};
        bool filed = false;
        if (spoilt_by_timeout<Accumulator>()) {
            // The host waited for its own gate inside this region: the sample holds that wait.
            try {
                std::exception_ptr error = timeout_error(1);
                clock_->release(started);
                if constexpr (detail::has_owe_error<Clock, Accumulator>::value)
                    clock_->owe_error(into, std::move(error));
                filed = true;
            } catch (...) {
                // Out of memory for the message: the sample is filed as it is.
            }
        }
        if (!filed) {
            clock_->stop(started, into);
            if constexpr (detail::reports_stop_wait<Clock>::value) stop_wait_ = clock_->last_stop_wait();
        }
        if (owner_live_ && started == owner_) {
            owner_live_ = false;
            const auto from = clock_->host_now();
            open();
            stop_wait_ += (region_gated_ ? hold_cost_ : std::chrono::nanoseconds{0}) + (clock_->host_now() - from);
        }
    }

    /// Waits for both marks; a gate still held is released first, since they may be behind it.
    Duration elapsed(const Mark& from, const Mark& to) {
        open();
        return clock_->elapsed(from, to);
    }

    /// A mark no longer needed; the owner's releases the gate too (a call that threw).
    void release(const Mark& mark) noexcept {
        if (owner_live_ && mark == owner_) {
            owner_live_ = false;
            open();
        }
        clock_->release(mark);
    }

    /// Releases a held gate, waits for everything, then throws an error a Stats was owed, or
    /// TimeoutError when a gate ended by its timeout since the last check and no Stats was told
    /// (the samples of that call include a wait).
    void synchronize() {
        open();
        clock_->synchronize();
        const std::uint64_t timeouts = gate_->timeouts();
        if (timeouts != timeouts_seen_) {
            const std::uint64_t count = timeouts - timeouts_seen_;
            timeouts_seen_ = timeouts;
            std::rethrow_exception(timeout_error(count));
        }
    }

    /// Regions that run ungated before gating starts (default 1: a call's first run may load
    /// its kernels, which can wait for the device and so for the gate; see the header comment).
    /// 0 gates from the first region: for a call that has already run on this device.
    GatedClock& ungated_first(std::size_t regions) noexcept {
        ungated_left_ = regions;
        return *this;
    }

    std::chrono::nanoseconds host_now() { return clock_->host_now(); }      ///< The wrapped clock's.
    void idle_for(std::chrono::nanoseconds gap) { clock_->idle_for(gap); }  ///< The wrapped clock's.

    /// Host time of the last gated call that was the library's own, not the caller's: holding
    /// and releasing the gate, plus the wrapped clock's own waits in stop(). WarmupRunner leaves
    /// it out of the enqueue time, which is then the same as without the gate.
    std::chrono::nanoseconds last_stop_wait() const noexcept { return stop_wait_; }

    /// A region is open and its gate held.
    bool held() const noexcept { return held_; }
    /// Regions gated so far (gates held).
    std::uint64_t gated_regions() const noexcept { return gated_; }
    /// The wrapped clock's stream: the one the gate holds.
    auto stream() const { return clock_->stream(); }
    /// The wrapped clock.
    Clock& clock() const noexcept { return *clock_; }
    /// The gate policy.
    Gate& gate() const noexcept { return *gate_; }

private:
    void open() noexcept {
        if (!held_) return;
        held_ = false;
        gate_->release();
    }

    // Launches the gate on the clock's stream (false, launching nothing, when that stream is
    // being captured). On the clock's device: a launch goes to the current device, which need
    // not be the stream's, and a default-stream handle names the current device's stream.
    bool hold() {
        const auto from = clock_->host_now();
        if constexpr (detail::has_runtime_and_device<Clock>::value) {
            auto& runtime = clock_->runtime();
            detail::DeviceScope<std::remove_reference_t<decltype(runtime)>> scope(runtime, clock_->device());
            if (scope.status() != cuda_status::success)
                throw CudaError(scope.call(), scope.status(), runtime.error_name(scope.status()),
                                runtime.error_string(scope.status()));
            if (capturing(runtime)) return false;
            gate_->hold(clock_->stream());
        } else {
            gate_->hold(clock_->stream());
        }
        held_ = true;
        hold_cost_ = clock_->host_now() - from;
        return true;
    }

    // The clock's stream is being captured, or is the legacy stream while a blocking stream of
    // its device is (906): the clock will refuse the mark, and a gate must not be captured.
    template <class Runtime>
    bool capturing(Runtime& runtime) {
        if constexpr (detail::has_stream_is_capturing<Runtime>::value) {
            int capture = cuda_status::capture_status_none;
            const int status = runtime.stream_is_capturing(clock_->stream(), &capture);
            if (status == cuda_status::stream_capture_implicit) return true;
            return status == cuda_status::success && capture != cuda_status::capture_status_none;
        } else {
            (void)runtime;
            return false;
        }
    }

    // True when a gate of the current region ended by its timeout (seen now or earlier in the
    // region) and the clock can file the error for `Accumulator`; the timeout then counts as
    // reported. Without owe_error the samples are filed and synchronize() reports it, as before.
    template <class Accumulator>
    bool spoilt_by_timeout() noexcept {
        if constexpr (detail::has_owe_error<Clock, Accumulator>::value) {
            if (!owner_live_ || !region_gated_) return false;
            const std::uint64_t timeouts = gate_->timeouts();
            if (timeouts != timeouts_seen_) {
                timeouts_seen_ = timeouts;
                region_timed_out_ = true;
            }
            return region_timed_out_;
        } else {
            return false;
        }
    }

    std::exception_ptr timeout_error(std::uint64_t count) const {
        return std::make_exception_ptr(TimeoutError(
            "gputime: " + std::to_string(count) + " gate" + (count == 1 ? "" : "s") + " ended by the timeout (" +
            format_duration(Duration(gate_->timeout())) +
            ") instead of being released: the gated call waited for the device (a synchronisation, a blocking copy, "
            "a full launch queue or a lazy module load) while the gate held the stream, so its times include that "
            "wait; time such a call without the gate"));
    }

    Clock* clock_;
    Gate* gate_;
    bool held_ = false;              // the gate kernel is holding the stream
    bool owner_live_ = false;        // owner_ is the outermost mark of the current region
    bool region_gated_ = false;      // the current region held the gate
    bool region_timed_out_ = false;  // ... and a gate ended by its timeout during it
    std::size_t ungated_left_ = 1;   // regions still to run ungated (ungated_first)
    Mark owner_{};
    std::chrono::nanoseconds hold_cost_{0};
    std::chrono::nanoseconds stop_wait_{0};
    std::uint64_t gated_ = 0;
    std::uint64_t timeouts_seen_;
};

/// Runs `fn` with WarmupRunner twice on `clock`: ungated, then gated with `gate`. `configure`
/// is applied to both runners (a generic lambda: `[](auto& r) { r.warmup(20).iterations(500); }`),
/// so warm-up, iterations, mode, between_calls and idle gaps are the same for both.
/// What fn, the clock or the gate throws propagates (TimeoutError: see GatedClock::synchronize).
template <class Clock, class Gate, class F, class Configure = detail::KeepRunnerDefaults>
GatedTimes time_gated(Clock& clock, Gate& gate, F&& fn, Configure&& configure = {}) {
    GatedTimes times;
    {
        WarmupRunner<Clock> runner(clock);
        configure(runner);
        times.end_to_end = runner.run(fn);
    }
    GatedClock<Clock, Gate> gated(clock, gate);
    gated.ungated_first(0);  // the end-to-end run above has run the call (and loaded its kernels)
    WarmupRunner<GatedClock<Clock, Gate>> runner(gated);
    configure(runner);
    times.device = runner.run(fn);
    return times;
}

}  // namespace gputime
