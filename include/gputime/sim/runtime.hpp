// gputime/sim/runtime.hpp - a simulated GPU and CUDA runtime, for tests without a GPU.
//
// gputime::sim::Runtime satisfies the same runtime policy contract as gputime::CudaRuntime
// (see gputime/cuda_runtime.hpp), so CudaEventClock<sim::Runtime> runs the very code that
// CudaEventClock<CudaRuntime> runs on a real GPU. It is a deterministic discrete-event
// model: nothing here sleeps, reads a real clock or includes a CUDA header.
//
//   host clock     virtual, starts at 0, advances only through calls (each call has a
//                  cost, Config) and through host_work();
//   device         one in-order queue per stream; `tail` = when the last enqueued op
//                  finishes. A kernel starts at max(host time when launch() returns, tail).
//                  Streams run concurrently without limit;
//   events         a zero-length op in stream order: reached at max(host, tail), timestamp
//                  floored to Config::event_resolution; complete once the host clock has
//                  reached it (query says 600 before that, synchronize waits for it);
//   clock model    DVFS: after an idle gap the SM clock drops and ramps back (ClockModel);
//   noise          seeded jitter and outliers on kernel durations (Noise);
//   faults         no device, insufficient driver, a never-completing event, a faulty
//                  kernel that poisons the context with a sticky 719 (Fault, Kernel), and
//                  single calls that fail with a chosen status, non-sticky (CallFault).
//
// Status codes are CUDA's cudaError_t numbers and error_name()/error_string() return
// CUDA's own texts, so error handling is tested against what a real GPU would report.
// docs/simulator.md has the full model, its parameters and its limits.
//
// Not thread-safe: one simulated host thread drives it, as in the timing loops it mimics.
// Copying a Runtime forks the simulation; share one by reference.
#pragma once

#include "gputime/cuda_status.hpp"
#include "gputime/error.hpp"
#include "gputime/sim/config.hpp"
#include "gputime/sim/detail/random.hpp"
#include "gputime/sim/kernel.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace gputime::sim {

/// A stream handle. A value-initialised Stream{} is the default stream (id 0).
struct Stream {
    int id = 0;
    friend bool operator==(Stream a, Stream b) { return a.id == b.id; }
    friend bool operator!=(Stream a, Stream b) { return !(a == b); }
};

/// An event handle from Runtime::event_create(); Event{} (id -1) is no event.
struct Event {
    int id = -1;
    friend bool operator==(Event a, Event b) { return a.id == b.id; }
    friend bool operator!=(Event a, Event b) { return !(a == b); }
};

/// The cudaError_t numbers the simulator returns: the same ones a real GPU does.
namespace status = gputime::cuda_status;

/// How often each call was made (failed calls included), so a test can prove a property
/// of the code under test: "no event is created after warm-up", "a scope never
/// synchronises", "results were resolved with one synchronize".
struct Counters {
    std::uint64_t event_creates = 0;
    std::uint64_t event_destroys = 0;
    std::uint64_t event_records = 0;
    std::uint64_t event_queries = 0;
    std::uint64_t event_synchronizes = 0;
    std::uint64_t stream_synchronizes = 0;
    std::uint64_t stream_waits = 0;
    std::uint64_t elapsed_queries = 0;
    std::uint64_t launches = 0;
    std::uint64_t yields = 0;
};

class Runtime {
public:
    using stream_type = Stream;
    using event_type = Event;

    /// A runtime with the default Config. Not explicit, so `Runtime r = {};` works.
    Runtime();
    /// Throws gputime::InvalidArgument (a std::invalid_argument; parameter() names the field,
    /// e.g. "config.api_cost") for a configuration that makes no sense (negative costs,
    /// device_count < 1, clocks <= 0, idle clock above max, ...).
    explicit Runtime(Config config);

    // ---- simulation controls (not part of the policy contract) -------------------

    /// A new stream (ids 1, 2, ...). Free: it costs no host time and is not counted.
    Stream create_stream();

    /// Enqueues `kernel` on `stream`. The host pays Config::launch_cost, plus the lazy
    /// load cost on the first launch of the kernel's name; the kernel starts at
    /// max(host time when the call returns, stream tail). Returns a status like the
    /// policy calls: sticky errors apply, 400 for an unknown stream, 1 for a negative
    /// duration or load cost.
    int launch(Stream stream, const Kernel& kernel);

    /// The host is busy (CPU code, loading the next input) or idle for `duration`.
    /// Throws gputime::InvalidArgument (parameter "duration") for a negative duration.
    void host_work(std::chrono::nanoseconds duration);

    /// When the last op enqueued on `stream` finishes (device time).
    /// Throws std::out_of_range for an unknown stream.
    std::chrono::nanoseconds stream_tail(Stream stream) const;

    /// The timestamp (floored to event_resolution) of the event's last record, or
    /// nothing for an unrecorded, destroyed or unknown event. Free; for tests.
    std::optional<std::chrono::nanoseconds> event_timestamp(Event event) const;

    /// Injects a failure; see Fault.
    void inject(Fault fault);
    /// Arms a failing call; see CallFault. Several may be armed at once, each counting the
    /// calls of its kind on its own. Throws gputime::InvalidArgument for a status of 0
    /// ("fault.status") or times of 0 ("fault.times"); nothing is armed then.
    void inject(CallFault fault);

    Counters counters() const { return counters_; }
    const Config& config() const { return config_; }

    /// The modelled SM clock [MHz] at a device time, from the work enqueued so far
    /// (telemetry, like reading NVML's clock during a measurement). max_clock_mhz when
    /// the clock model is disabled.
    double clock_mhz_at(std::chrono::nanoseconds device_time) const;

    // ---- the runtime policy contract (gputime/cuda_runtime.hpp) -------------------

    int event_create(event_type* event);
    int event_destroy(event_type event);
    int event_record(event_type event, stream_type stream);
    /// 0 once the host clock has reached the event, 600 before; 0 for an event never
    /// recorded (as CUDA does).
    int event_query(event_type event);
    /// Advances the host clock to the event, then pays api_cost. 702 for an event that
    /// never completes (Fault::event_never_completes), where a real GPU would hang.
    int event_synchronize(event_type event);
    /// stop - start in milliseconds; 600 if either is not complete, 400 if either was
    /// never recorded or is destroyed.
    int event_elapsed_ms(float* ms, event_type start, event_type stop);
    /// Later work on `stream` starts no earlier than the event.
    int stream_wait_event(stream_type stream, event_type event);
    /// Advances the host clock to the stream's tail, then pays api_cost.
    int stream_synchronize(stream_type stream);
    int device_count(int* count);
    static const char* error_name(int code);
    static const char* error_string(int code);
    std::chrono::nanoseconds host_now() const { return host_; }
    /// One period of a polling loop: advances the host clock by poll_cost.
    void yield();
    /// The host idles for `duration` (a gap between calls); like host_work, but as a
    /// policy call it never throws: a negative duration is no gap, as for a real sleep.
    void sleep_for(std::chrono::nanoseconds duration);

private:
    using ns = std::chrono::nanoseconds;

    struct EventState {
        bool alive = true;
        bool recorded = false;
        bool never_completes = false;
        ns reached{0};    // exact device time the stream reaches the event
        ns timestamp{0};  // `reached` floored to event_resolution: what elapsed reports
    };

    // A stretch of device activity that began with a wake-up from idle: the clock ramps
    // from `wake`; the device drops to idle clock once idle_threshold passes after
    // `last_work_end`. Wake-ups are strictly increasing (see note_kernel_start).
    struct Episode {
        ns wake;
        ns last_work_end;
    };

    static Config validated(Config config);
    int begin_api_call(std::uint64_t& call_counter, Call call);
    int take_call_fault(Call call);
    int sticky_status() const;
    bool is_stream(Stream stream) const;
    EventState* live_event(Event event);
    const EventState* live_event(Event event) const;
    bool is_complete(const EventState& event) const;
    ns floor_to_resolution(ns time) const;
    void note_kernel_start(ns start);
    ns kernel_duration(const Kernel& kernel, ns start);
    double cycles_to_ns(double cycles, ns start) const;

    Config config_;
    ns host_{0};
    std::vector<ns> stream_tails_;  // indexed by Stream::id
    std::vector<EventState> events_;  // indexed by Event::id; ids are never reused
    std::set<std::string> loaded_kernels_;
    std::vector<Episode> episodes_;
    Counters counters_{};
    int fault_status_ = status::success;
    bool next_event_never_completes_ = false;
    std::vector<CallFault> call_faults_;  // armed; removed once spent
    std::optional<ns> poisoned_at_;  // earliest end of a faulty kernel
    detail::Xoshiro256StarStar random_;
};

// ================================ implementation ===================================

inline Runtime::Runtime() : Runtime(Config{}) {}

inline Runtime::Runtime(Config config)
    : config_(validated(std::move(config))), random_(config_.noise.seed) {
    stream_tails_.push_back(ns{0});  // the default stream
    // "Before any work the device has been idle since t = 0": as if work had just ended
    // at 0 with the clock fully ramped up (wake far enough back). A first kernel within
    // idle_threshold of 0 runs at full clock; after a longer gap it starts at idle clock.
    episodes_.push_back(Episode{-config_.clock.ramp_time, ns{0}});
}

inline Config Runtime::validated(Config config) {
    auto require = [](bool ok, const char* field, const char* problem) {
        if (!ok) throw InvalidArgument("sim::Runtime", std::string("config.") + field, problem);
    };
    require(config.launch_cost >= ns{0}, "launch_cost", "must be >= 0");
    require(config.api_cost >= ns{0}, "api_cost", "must be >= 0");
    require(config.event_resolution >= ns{0}, "event_resolution", "must be >= 0");
    require(config.poll_cost >= ns{0}, "poll_cost", "must be >= 0");
    require(config.lazy_load_cost >= ns{0}, "lazy_load_cost", "must be >= 0");
    require(config.device_count >= 1, "device_count", "must be >= 1 (inject Fault::no_device instead)");
    const ClockModel& clock = config.clock;
    require(std::isfinite(clock.max_clock_mhz) && clock.max_clock_mhz > 0.0, "clock.max_clock_mhz",
            "must be finite and > 0");
    require(std::isfinite(clock.idle_clock_mhz) && clock.idle_clock_mhz > 0.0 &&
                clock.idle_clock_mhz <= clock.max_clock_mhz,
            "clock.idle_clock_mhz", "must be in (0, max_clock_mhz]");
    require(clock.idle_threshold >= ns{0}, "clock.idle_threshold", "must be >= 0");
    require(clock.ramp_time >= ns{0}, "clock.ramp_time", "must be >= 0");
    const Noise& noise = config.noise;
    require(std::isfinite(noise.relative_stddev) && noise.relative_stddev >= 0.0, "noise.relative_stddev",
            "must be finite and >= 0");
    require(noise.outlier_probability >= 0.0 && noise.outlier_probability <= 1.0, "noise.outlier_probability",
            "must be in [0, 1]");
    require(std::isfinite(noise.outlier_factor) && noise.outlier_factor >= 0.0, "noise.outlier_factor",
            "must be finite and >= 0");
    return config;
}

// ---- simulation controls ----------------------------------------------------------

inline Stream Runtime::create_stream() {
    stream_tails_.push_back(ns{0});
    return Stream{static_cast<int>(stream_tails_.size() - 1)};
}

inline int Runtime::launch(Stream stream, const Kernel& kernel) {
    ++counters_.launches;
    const int injected = take_call_fault(Call::launch);
    const int sticky = sticky_status();
    const bool invalid_kernel = (!kernel.is_cycle_kernel() && kernel.duration < ns{0}) ||
                                (kernel.lazy_load_cost && *kernel.lazy_load_cost < ns{0});
    if (sticky != status::success || injected != status::success || !is_stream(stream) || invalid_kernel) {
        host_ += config_.launch_cost;
        if (sticky != status::success) return sticky;
        if (injected != status::success) return injected;
        return is_stream(stream) ? status::invalid_value : status::invalid_resource_handle;
    }
    ns host_cost = config_.launch_cost;
    if (loaded_kernels_.insert(kernel.name).second) {
        host_cost += kernel.lazy_load_cost.value_or(config_.lazy_load_cost);
    }
    host_ += host_cost;

    ns& tail = stream_tails_[static_cast<std::size_t>(stream.id)];
    const ns start = std::max(host_, tail);
    note_kernel_start(start);
    const ns end = start + kernel_duration(kernel, start);
    tail = end;
    Episode& current = episodes_.back();
    current.last_work_end = std::max(current.last_work_end, end);
    if (kernel.faulty) {
        poisoned_at_ = std::min(poisoned_at_.value_or(end), end);
    }
    return status::success;
}

inline void Runtime::host_work(ns duration) {
    if (duration < ns{0}) {
        throw InvalidArgument("sim::Runtime::host_work", "duration",
                              "must be >= 0 ns, got " + std::to_string(duration.count()) + " ns");
    }
    host_ += duration;
}

inline std::chrono::nanoseconds Runtime::stream_tail(Stream stream) const {
    if (!is_stream(stream)) {
        throw std::out_of_range("gputime::sim::Runtime::stream_tail: unknown stream");
    }
    return stream_tails_[static_cast<std::size_t>(stream.id)];
}

inline std::optional<std::chrono::nanoseconds> Runtime::event_timestamp(Event event) const {
    const EventState* state = live_event(event);
    if (state == nullptr || !state->recorded) return std::nullopt;
    return state->timestamp;
}

inline void Runtime::inject(Fault fault) {
    switch (fault) {
        case Fault::no_device: fault_status_ = status::no_device; break;
        case Fault::insufficient_driver: fault_status_ = status::insufficient_driver; break;
        case Fault::event_never_completes: next_event_never_completes_ = true; break;
    }
}

inline void Runtime::inject(CallFault fault) {
    if (fault.status == status::success)
        throw InvalidArgument("sim::Runtime::inject", "fault.status", "must be a failure, got 0 (cudaSuccess)");
    if (fault.times == 0) throw InvalidArgument("sim::Runtime::inject", "fault.times", "must be >= 1, got 0");
    call_faults_.push_back(fault);
}

inline double Runtime::clock_mhz_at(ns device_time) const {
    const ClockModel& clock = config_.clock;
    if (!clock.enabled) return clock.max_clock_mhz;
    // The episode in force: the last one that woke up at or before device_time.
    auto after = std::upper_bound(episodes_.begin(), episodes_.end(), device_time,
                                  [](ns time, const Episode& e) { return time < e.wake; });
    const Episode& episode = after == episodes_.begin() ? episodes_.front() : *std::prev(after);
    if (device_time - episode.last_work_end > clock.idle_threshold) return clock.idle_clock_mhz;
    const ns since_wake = device_time - episode.wake;
    if (since_wake >= clock.ramp_time) return clock.max_clock_mhz;
    if (since_wake <= ns{0}) return clock.idle_clock_mhz;
    const double fraction = static_cast<double>(since_wake.count()) /
                            static_cast<double>(clock.ramp_time.count());
    return clock.idle_clock_mhz + (clock.max_clock_mhz - clock.idle_clock_mhz) * fraction;
}

// ---- the policy contract ----------------------------------------------------------
// Every call pays its host cost, then fails with the sticky status if there is one
// (checked at the host time the call is made). Calls that wait re-check after waiting,
// because the wait may carry the host past the end of a faulty kernel.

inline int Runtime::event_create(event_type* event) {
    if (const int failed = begin_api_call(counters_.event_creates, Call::event_create)) return failed;
    if (event == nullptr) return status::invalid_value;
    events_.push_back(EventState{});
    *event = Event{static_cast<int>(events_.size() - 1)};
    return status::success;
}

inline int Runtime::event_destroy(event_type event) {
    if (const int failed = begin_api_call(counters_.event_destroys, Call::event_destroy)) return failed;
    EventState* state = live_event(event);
    if (state == nullptr) return status::invalid_resource_handle;
    state->alive = false;
    return status::success;
}

inline int Runtime::event_record(event_type event, stream_type stream) {
    if (const int failed = begin_api_call(counters_.event_records, Call::event_record)) return failed;
    EventState* state = live_event(event);
    if (state == nullptr || !is_stream(stream)) return status::invalid_resource_handle;
    ns& tail = stream_tails_[static_cast<std::size_t>(stream.id)];
    // The event is a zero-length op: reached when the host has issued it and the stream
    // has drained everything before it. The tail keeps the exact time so that flooring
    // never lets later work start before earlier work ended.
    tail = std::max(host_, tail);
    state->recorded = true;
    state->reached = tail;
    state->timestamp = floor_to_resolution(tail);
    state->never_completes = std::exchange(next_event_never_completes_, false);
    return status::success;
}

inline int Runtime::event_query(event_type event) {
    if (const int failed = begin_api_call(counters_.event_queries, Call::event_query)) return failed;
    const EventState* state = live_event(event);
    if (state == nullptr) return status::invalid_resource_handle;
    if (!state->recorded) return status::success;
    return is_complete(*state) ? status::success : status::not_ready;
}

inline int Runtime::event_synchronize(event_type event) {
    ++counters_.event_synchronizes;
    const int injected = take_call_fault(Call::event_synchronize);
    const int sticky = sticky_status();
    const EventState* state = live_event(event);
    if (sticky != status::success || injected != status::success || state == nullptr || !state->recorded ||
        state->never_completes) {
        host_ += config_.api_cost;
        if (sticky != status::success) return sticky;
        if (injected != status::success) return injected;
        if (state == nullptr) return status::invalid_resource_handle;
        // A real GPU would block forever; the watchdog's error is the useful answer here.
        return state->recorded ? status::launch_timeout : status::success;
    }
    host_ = std::max(host_, state->reached) + config_.api_cost;
    return sticky_status();
}

inline int Runtime::event_elapsed_ms(float* ms, event_type start, event_type stop) {
    if (const int failed = begin_api_call(counters_.elapsed_queries, Call::event_elapsed_ms)) return failed;
    if (ms == nullptr) return status::invalid_value;
    const EventState* first = live_event(start);
    const EventState* second = live_event(stop);
    if (first == nullptr || second == nullptr || !first->recorded || !second->recorded) {
        return status::invalid_resource_handle;
    }
    if (!is_complete(*first) || !is_complete(*second)) return status::not_ready;
    const ns elapsed = second->timestamp - first->timestamp;
    *ms = static_cast<float>(static_cast<double>(elapsed.count()) / 1e6);
    return status::success;
}

inline int Runtime::stream_wait_event(stream_type stream, event_type event) {
    if (const int failed = begin_api_call(counters_.stream_waits, Call::stream_wait_event)) return failed;
    const EventState* state = live_event(event);
    if (state == nullptr || !is_stream(stream)) return status::invalid_resource_handle;
    if (state->recorded) {  // waiting on a never-recorded event is a no-op, as in CUDA
        ns& tail = stream_tails_[static_cast<std::size_t>(stream.id)];
        tail = std::max(tail, state->reached);
    }
    return status::success;
}

inline int Runtime::stream_synchronize(stream_type stream) {
    ++counters_.stream_synchronizes;
    const int injected = take_call_fault(Call::stream_synchronize);
    const int sticky = sticky_status();
    if (sticky != status::success || injected != status::success || !is_stream(stream)) {
        host_ += config_.api_cost;
        if (sticky != status::success) return sticky;
        return injected != status::success ? injected : status::invalid_resource_handle;
    }
    host_ = std::max(host_, stream_tails_[static_cast<std::size_t>(stream.id)]) + config_.api_cost;
    return sticky_status();
}

inline int Runtime::device_count(int* count) {
    const int injected = take_call_fault(Call::device_count);
    const int sticky = sticky_status();
    host_ += config_.api_cost;
    if (sticky != status::success || injected != status::success) {
        if (count != nullptr) *count = 0;  // as cudaGetDeviceCount does on failure
        return sticky != status::success ? sticky : injected;
    }
    if (count == nullptr) return status::invalid_value;
    *count = config_.device_count;
    return status::success;
}

inline const char* Runtime::error_name(int code) {
    switch (code) {
        case status::success: return "cudaSuccess";
        case status::invalid_value: return "cudaErrorInvalidValue";
        case status::insufficient_driver: return "cudaErrorInsufficientDriver";
        case status::no_device: return "cudaErrorNoDevice";
        case status::invalid_device: return "cudaErrorInvalidDevice";
        case status::invalid_resource_handle: return "cudaErrorInvalidResourceHandle";
        case status::not_ready: return "cudaErrorNotReady";
        case status::illegal_address: return "cudaErrorIllegalAddress";
        case status::launch_timeout: return "cudaErrorLaunchTimeout";
        case 710: return "cudaErrorAssert";
        case status::launch_failure: return "cudaErrorLaunchFailure";
        case status::stream_capture_unsupported: return "cudaErrorStreamCaptureUnsupported";
        case status::stream_capture_invalidated: return "cudaErrorStreamCaptureInvalidated";
        case status::stream_capture_unjoined: return "cudaErrorStreamCaptureUnjoined";
        case status::stream_capture_implicit: return "cudaErrorStreamCaptureImplicit";
        case status::captured_event: return "cudaErrorCapturedEvent";
        case status::stream_capture_wrong_thread: return "cudaErrorStreamCaptureWrongThread";
        default: return "unrecognized error code";
    }
}

// The texts are cudaGetErrorString's, checked against libcudart 13.
inline const char* Runtime::error_string(int code) {
    switch (code) {
        case status::success: return "no error";
        case status::invalid_value: return "invalid argument";
        case status::insufficient_driver:
            return "CUDA driver version is insufficient for CUDA runtime version";
        case status::no_device: return "no CUDA-capable device is detected";
        case status::invalid_device: return "invalid device ordinal";
        case status::invalid_resource_handle: return "invalid resource handle";
        case status::not_ready: return "device not ready";
        case status::illegal_address: return "an illegal memory access was encountered";
        case status::launch_timeout: return "the launch timed out and was terminated";
        case 710: return "device-side assert triggered";
        case status::launch_failure: return "unspecified launch failure";
        case status::stream_capture_unsupported: return "operation not permitted when stream is capturing";
        case status::stream_capture_invalidated: return "operation failed due to a previous error during capture";
        case status::stream_capture_unjoined: return "capturing stream has unjoined work";
        case status::stream_capture_implicit:
            return "operation would make the legacy stream depend on a capturing blocking stream";
        case status::captured_event: return "operation not permitted on an event last recorded in a capturing stream";
        case status::stream_capture_wrong_thread:
            return "attempt to terminate a thread-local capture sequence from another thread";
        default: return "unrecognized error code";
    }
}

inline void Runtime::yield() {
    ++counters_.yields;
    host_ += config_.poll_cost;
}

inline void Runtime::sleep_for(ns duration) {
    if (duration > ns{0}) host_ += duration;
}

// ---- internals --------------------------------------------------------------------

// Counts the call, charges api_cost and returns the sticky status as of the call's start,
// else an injected failure, else 0.
inline int Runtime::begin_api_call(std::uint64_t& call_counter, Call call) {
    ++call_counter;
    const int injected = take_call_fault(call);
    const int sticky = sticky_status();
    host_ += config_.api_cost;
    return sticky != status::success ? sticky : injected;
}

// Every call of its kind advances each armed CallFault (sticky failures included, so that
// `skip` counts calls as the test wrote them); returns the status of the first one that fires.
inline int Runtime::take_call_fault(Call call) {
    if (call_faults_.empty()) return status::success;
    int result = status::success;
    for (auto it = call_faults_.begin(); it != call_faults_.end();) {
        if (it->call != call) {
            ++it;
            continue;
        }
        if (it->skip > 0) {
            --it->skip;
            ++it;
            continue;
        }
        if (result == status::success) result = it->status;
        it = --it->times == 0 ? call_faults_.erase(it) : it + 1;
    }
    return result;
}

inline int Runtime::sticky_status() const {
    if (fault_status_ != status::success) return fault_status_;
    if (poisoned_at_ && host_ >= *poisoned_at_) return status::launch_failure;
    return status::success;
}

inline bool Runtime::is_stream(Stream stream) const {
    return stream.id >= 0 && static_cast<std::size_t>(stream.id) < stream_tails_.size();
}

inline Runtime::EventState* Runtime::live_event(Event event) {
    return const_cast<EventState*>(std::as_const(*this).live_event(event));
}

inline const Runtime::EventState* Runtime::live_event(Event event) const {
    if (event.id < 0 || static_cast<std::size_t>(event.id) >= events_.size()) return nullptr;
    const EventState& state = events_[static_cast<std::size_t>(event.id)];
    return state.alive ? &state : nullptr;
}

inline bool Runtime::is_complete(const EventState& event) const {
    return !event.never_completes && host_ >= event.reached;
}

inline std::chrono::nanoseconds Runtime::floor_to_resolution(ns time) const {
    const ns resolution = config_.event_resolution;
    if (resolution <= ns{0}) return time;
    return time - time % resolution;  // device times are never negative
}

// Decides whether the kernel starting at `start` wakes the device from idle. Every
// kernel starts at or after the host time of its launch, and all earlier work that ends
// later than that is contiguous with it, so `last_work_end` of the current episode is
// exactly when the device last had work: the gap test is exact, not launch-order bound.
inline void Runtime::note_kernel_start(ns start) {
    const ns last_work_end = episodes_.back().last_work_end;
    if (start - last_work_end > config_.clock.idle_threshold) {
        episodes_.push_back(Episode{start, start});
    }
}

inline std::chrono::nanoseconds Runtime::kernel_duration(const Kernel& kernel, ns start) {
    double duration_ns = kernel.is_cycle_kernel()
                             ? cycles_to_ns(static_cast<double>(*kernel.cycle_count), start)
                             : static_cast<double>(kernel.duration.count());
    const Noise& noise = config_.noise;
    if (noise.relative_stddev > 0.0 || noise.outlier_probability > 0.0) {
        // Always draw both variates, so the jitter sequence for a seed does not change
        // when outliers are switched on or off.
        const double normal = random_.standard_normal();
        const double outlier_draw = random_.uniform();
        double factor = std::max(0.0, 1.0 + noise.relative_stddev * normal);
        if (outlier_draw < noise.outlier_probability) factor *= noise.outlier_factor;
        duration_ns *= factor;
    }
    return ns{static_cast<ns::rep>(std::llround(duration_ns))};
}

// Time [ns] to run `cycles` starting at `start`, integrating the linear ramp
// f(t) = f0 + slope * (t - wake) analytically; f in cycles per ns (MHz / 1000).
inline double Runtime::cycles_to_ns(double cycles, ns start) const {
    const ClockModel& clock = config_.clock;
    const double max_rate = clock.max_clock_mhz / 1000.0;
    if (!clock.enabled) return cycles / max_rate;
    const double ramp = static_cast<double>(clock.ramp_time.count());
    const double since_wake = static_cast<double>((start - episodes_.back().wake).count());
    const double idle_rate = clock.idle_clock_mhz / 1000.0;
    if (ramp <= 0.0 || since_wake >= ramp || idle_rate >= max_rate) return cycles / max_rate;

    const double slope = (max_rate - idle_rate) / ramp;
    const double start_rate = idle_rate + slope * since_wake;
    const double ramp_left = ramp - since_wake;
    const double cycles_in_ramp = 0.5 * (start_rate + max_rate) * ramp_left;
    if (cycles <= cycles_in_ramp) {
        // start_rate*d + slope*d^2/2 = cycles, solved in the form that does not cancel.
        return 2.0 * cycles / (start_rate + std::sqrt(start_rate * start_rate + 2.0 * slope * cycles));
    }
    return ramp_left + (cycles - cycles_in_ramp) / max_rate;
}

}  // namespace gputime::sim
