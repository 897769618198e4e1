// gputime/sim/runtime.hpp - a simulated GPU and CUDA runtime, for tests without a GPU.
//
// gputime::sim::Runtime satisfies the same runtime policy contract as gputime::CudaRuntime
// (see gputime/cuda/gpu_clock.hpp), so CudaEventClock<sim::Runtime> runs the very code that
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
//   faults         no device, insufficient driver, a hung stream (Fault::event_never_completes,
//                  Kernel::hang), a faulty kernel that poisons the context with a sticky 719
//                  (Fault, Kernel), and single calls that fail with a chosen status,
//                  non-sticky (CallFault);
//   CUDA semantics several devices and a current device per simulated host thread; the legacy
//                  default stream's implicit synchronisation, non-blocking and per-thread
//                  streams; a launch queue that blocks the host when full; stream capture
//                  (captured events, the legacy stream during capture, capture modes across
//                  threads) and graphs; strict checking of destroyed event handles.
//
// Status codes are CUDA's cudaError_t numbers and error_name()/error_string() return
// CUDA's own texts, so error handling is tested against what a real GPU would report.
// docs/simulator.md has the full model, its parameters and its limits.
//
// Not thread-safe: one real thread drives it. Simulated host threads (set_thread) are a
// simulation control: each has its own current device and capture mode, and all share one
// host timeline. Copying a Runtime forks the simulation; share one by reference.
#pragma once

#include "gputime/core/cuda_status.hpp"
#include "gputime/core/error.hpp"
#include "gputime/sim/config.hpp"
#include "gputime/sim/detail/random.hpp"
#include "gputime/sim/graph.hpp"
#include "gputime/sim/kernel.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace gputime::sim {

/// A stream handle. A value-initialised Stream{} is the legacy default stream (id 0) of the
/// current device, as CUDA's stream 0; create_stream()/stream_create() give ids 1, 2, ...
struct Stream {
    int id = 0;
    /// CUDA's legacy default stream (stream 0, cudaStreamLegacy) of the current device.
    static constexpr Stream legacy() { return Stream{0}; }
    /// CUDA's per-thread default stream (cudaStreamPerThread) of the calling simulated thread
    /// and its current device.
    static constexpr Stream per_thread() { return Stream{-2}; }
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
    // ---- devices, streams, capture and graphs; waits ----
    std::uint64_t stream_creates = 0;          ///< stream_create (create_stream() is not counted)
    std::uint64_t device_calls = 0;            ///< set_device, get_device, stream_get_device
    std::uint64_t capture_queries = 0;         ///< stream_is_capturing
    std::uint64_t capture_mode_exchanges = 0;  ///< thread_exchange_capture_mode
    std::uint64_t captures = 0;                ///< stream_begin_capture
    std::uint64_t capture_ends = 0;            ///< stream_end_capture
    std::uint64_t graph_instantiations = 0;
    std::uint64_t graph_launches = 0;
    std::uint64_t graph_destroys = 0;          ///< graph_destroy and graph_exec_destroy
    std::uint64_t launch_queue_waits = 0;      ///< launches that blocked on a full launch queue
    std::uint64_t sleeps = 0;                  ///< sleep_for calls with a positive duration
    std::chrono::nanoseconds slept{0};         ///< their total duration
    // ---- device memory (docs/telemetry.md) ----
    std::uint64_t memsets = 0;  ///< memset_async calls (gputime::L2Flush: one per flush)
};

/// Thrown (with Config::strict_handles) by a policy call given a destroyed event: undefined
/// behaviour on a real GPU, so a test must fail rather than pass on a clean error code.
class HandleMisuse : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

class Runtime {
public:
    using stream_type = Stream;
    using event_type = Event;
    using graph_type = Graph;
    using graph_exec_type = GraphExec;

    /// A runtime with the default Config. Not explicit, so `Runtime r = {};` works.
    Runtime();
    /// Throws gputime::InvalidArgument (a std::invalid_argument; parameter() names the field,
    /// e.g. "config.api_cost") for a configuration that makes no sense (negative costs,
    /// device_count < 1, clocks <= 0, idle clock above max, ...).
    explicit Runtime(Config config);

    // ---- simulation controls (not part of the policy contract) -------------------

    /// A new stream (ids 1, 2, ...) on the current device: blocking (it synchronises with the
    /// legacy default stream, like cudaStreamCreate) or, with cuda_status::stream_non_blocking,
    /// not. Free: it costs no host time and is not counted. Throws gputime::InvalidArgument
    /// (parameter "flags") for other flags.
    Stream create_stream(unsigned flags = cuda_status::stream_default);

    /// Enqueues `kernel` on `stream`. The host pays Config::launch_cost, plus the lazy
    /// load cost on the first launch of the kernel's name; the kernel starts at
    /// max(host time when the call returns, stream tail). Returns a status like the
    /// policy calls: sticky errors apply, 400 for an unknown stream, 1 for a negative
    /// duration or load cost.
    int launch(Stream stream, const Kernel& kernel);

    /// The host is busy (CPU code, loading the next input) or idle for `duration`.
    /// Throws gputime::InvalidArgument (parameter "duration") for a negative duration.
    void host_work(std::chrono::nanoseconds duration);

    /// When the last op enqueued on `stream` finishes (device time); never_completes() for a
    /// hung stream. Throws std::out_of_range for an unknown stream.
    std::chrono::nanoseconds stream_tail(Stream stream) const;

    /// The timestamp (floored to event_resolution) of the event's last record, or
    /// nothing for an unrecorded, destroyed or unknown event or one last recorded in a capture
    /// (never_completes() for one that a hung stream never reaches). Free; for tests.
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

    // ---- devices, default streams, capture and graphs: simulation controls ----

    /// The device time of work that never completes (a hung stream): the largest duration.
    static constexpr std::chrono::nanoseconds never_completes() { return std::chrono::nanoseconds::max(); }
    /// The simulated host thread that makes the calls that follow (0 at first). Each thread has
    /// its own current device and capture mode; all share the one host clock.
    void set_thread(int thread) { thread_ = thread; }
    int thread() const { return thread_; }
    /// The calling thread's current device (free; get_device is the policy call).
    int current_device() const;
    /// Uses of destroyed events seen so far (each also throws with Config::strict_handles).
    std::uint64_t handle_misuses() const { return handle_misuses_; }
    /// Kernel nodes of a captured graph, 0 for an unknown or destroyed one (free).
    std::size_t graph_node_count(Graph graph) const;

    // ---- the runtime policy contract (gputime/cuda/gpu_clock.hpp) -------------------

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
    /// The host idles for `duration` (a gap between calls, a wait's back-off); like host_work,
    /// but as a policy call it never throws: a negative duration is no gap, as for a real
    /// sleep. Counted in Counters::sleeps and Counters::slept.
    void sleep_for(std::chrono::nanoseconds duration);

    // ---- devices, default streams, capture and graphs: the optional policy members ----
    // (gputime/cuda/runtime_policy.hpp; CUDA's cudaEventCreateWithFlags, cudaSetDevice, ...). The
    // device and capture-state calls cost Config::host_state_cost, the others api_cost
    // (graph_launch: graph_launch_cost). docs/simulator.md, "CUDA semantics".

    /// An event on the current device; flags: cuda_status::event_disable_timing (an event
    /// event_elapsed_ms refuses with 400), 0x1 blocking sync, 0x4 interprocess (with disable
    /// timing). 1 for other flags.
    int event_create_with_flags(event_type* event, unsigned flags);
    /// The calling thread's current device; 101 (cudaErrorInvalidDevice) outside [0, device_count).
    int set_device(int device);
    int get_device(int* device);
    /// A new stream on the current device (cudaStreamCreateWithFlags): flags
    /// cuda_status::stream_default (blocking) or stream_non_blocking; 1 for others.
    int stream_create(stream_type* stream, unsigned flags);
    /// The stream's device (cudaStreamGetDevice); the default streams answer the current device.
    int stream_get_device(stream_type stream, int* device);
    /// cuda_status::capture_status_none, _active or _invalidated (cudaStreamIsCapturing); 906 for
    /// the legacy stream while a blocking stream of its device captures (that capture goes on).
    int stream_is_capturing(stream_type stream, int* status);
    /// Swaps the calling thread's capture mode with *mode (cudaThreadExchangeStreamCaptureMode).
    int thread_exchange_capture_mode(int* mode);
    /// Starts capturing `stream` (cudaStreamBeginCapture) in a cuda_status::capture_mode_*.
    int stream_begin_capture(stream_type stream, int mode);
    /// Ends the capture begun on `stream` and returns its graph (cudaStreamEndCapture): 901 and
    /// Graph{} when the capture was invalidated, 904 when a joined stream's work was not joined
    /// back, 908 from another thread (unless the capture is relaxed).
    int stream_end_capture(stream_type stream, graph_type* graph);
    /// An executable graph (cudaGraphInstantiate): api_cost + graph_node_instantiate_cost per node.
    int graph_instantiate(graph_exec_type* exec, graph_type graph);
    /// Runs every node of `exec` in dependency order after what `stream` holds and after the
    /// previous launch of `exec` (cudaGraphLaunch), for one graph_launch_cost of host time.
    int graph_launch(graph_exec_type exec, stream_type stream);
    int graph_exec_destroy(graph_exec_type exec);
    int graph_destroy(graph_type graph);
    /// Stream{} and Stream::per_thread() name the current device's default stream (free).
    bool is_default_stream(stream_type stream) const {
        return stream == Stream::legacy() || stream == Stream::per_thread();
    }
    /// Stream{}: the legacy default stream (free).
    bool is_legacy_default_stream(stream_type stream) const { return stream == Stream::legacy(); }

    // ---- the gate, device memory, L2 and telemetry (docs/telemetry.md) ----
    // Optional policy members: gputime::L2Flush uses the memory calls, sim::Gate (sim/gate.hpp)
    // the gate, sim::Telemetry (sim/telemetry.hpp) clock_mhz_at and clock_idle_at.

    /// Launches a gate kernel on `stream` (a launch: launch_cost, its module's lazy load on the
    /// first one, counted in `launches`, CallFault{Call::launch}). It spins from its start until
    /// gate_release() or until `timeout` of device time has passed; what is enqueued behind it
    /// (on its stream, on streams that synchronise with it implicitly, on streams that wait for
    /// an event behind it) starts when it ends. One gate at a time: 1 (cudaErrorInvalidValue)
    /// while one is held or for a timeout <= 0; 400 for an unknown stream; 900 on a capturing one.
    int gate_hold(Stream stream, std::chrono::nanoseconds timeout);
    /// Ends the gate kernel at the current host time (free: a store to mapped host memory); if
    /// its timeout has passed, it ended at the timeout instead (counted in gate_timeouts()).
    /// 1 when no gate is held.
    int gate_release();
    bool gate_held() const { return gate_.has_value(); }
    /// Gate kernels that ended by their timeout: the host waited for work behind its own gate.
    std::uint64_t gate_timeouts() const { return gate_timeouts_; }

    /// cudaDeviceGetAttribute(cudaDevAttrL2CacheSize): Config::l2_cache_bytes; api_cost.
    int l2_cache_size(int* bytes);
    /// cudaMalloc: a fake, never dereferenced device address (nullptr for 0 bytes); api_cost.
    int device_malloc(void** ptr, std::size_t bytes);
    /// cudaFree: nullptr is a no-op; 1 for an address device_malloc did not return; api_cost.
    int device_free(void* ptr);
    /// cudaMemsetAsync: launch_cost of host time; on `stream` it runs bytes /
    /// Config::memset_bytes_per_ns (work, for the clock model). 1 unless [ptr, ptr + bytes) lies
    /// in one allocation; 400 for an unknown stream. Counted in Counters::memsets.
    int memset_async(void* ptr, int value, std::size_t bytes, stream_type stream);

    /// True when the clock has dropped at device time t: more than idle_threshold after the
    /// device's last work, and no gate kernel spinning (telemetry's "GPU idle" reason).
    bool clock_idle_at(std::chrono::nanoseconds device_time) const;

private:
    using ns = std::chrono::nanoseconds;

    struct EventState {
        bool alive = true;
        bool recorded = false;
        ns reached{0};    // exact device time the stream reaches the event (never_: a hung stream)
        ns timestamp{0};  // `reached` floored to event_resolution: what elapsed reports
        // ---- devices, capture ----
        int device = 0;       // the device current when it was created
        unsigned flags = 0;   // cuda_status::event_disable_timing, ...
        bool captured = false;  // last recorded in a capturing stream (907 for query, elapsed...)
        int capture = -1;       // ... of this capture sequence
        std::vector<std::size_t> capture_deps;  // the nodes its record depended on
        bool behind_gate = false;  // recorded behind a held gate: not reached until it ends
    };

    // A stretch of device activity that began with a wake-up from idle: the clock ramps
    // from `wake`; the device drops to idle clock once idle_threshold passes after
    // `last_work_end`. Wake-ups are strictly increasing (see note_kernel_start).
    struct Episode {
        ns wake;
        ns last_work_end;
    };

    // ---- devices, default streams, capture and graphs ----
    static constexpr ns never_ = ns::max();  // a device time never reached: a hung stream

    enum class StreamKind { legacy, per_thread, blocking, non_blocking };
    struct StreamState {
        int device = 0;
        StreamKind kind = StreamKind::blocking;
        ns tail{0};
        std::deque<ns> queued;  // ends of its kernels and graph launches, for the launch queue
        int capture = -1;       // the capture sequence it takes part in, or -1
        std::vector<std::size_t> capture_deps;  // nodes its next captured op depends on
    };
    struct GraphNode {
        Kernel kernel;
        std::vector<std::size_t> deps;  // earlier nodes of the same graph
    };
    struct Capture {
        std::size_t origin = 0;  // the stream it began on (index into streams_)
        int thread = 0;
        int mode = cuda_status::capture_mode_global;
        bool active = true;
        bool invalidated = false;
        std::vector<GraphNode> nodes;
        std::vector<std::size_t> streams;  // every stream that took part (origin first)
    };
    struct GraphState {
        bool alive = true;
        std::vector<GraphNode> nodes;
    };
    struct ExecState {
        bool alive = true;
        std::vector<GraphNode> nodes;
        ns last_end{0};  // launches of one GraphExec run one after the other
    };
    struct ThreadState {
        int device = 0;
        int capture_mode = cuda_status::capture_mode_global;
    };

    static Config validated(Config config);
    int begin_api_call(std::uint64_t& call_counter, Call call);
    int begin_host_state_call(std::uint64_t& call_counter, Call call);
    int take_call_fault(Call call);
    int sticky_status() const;
    EventState* live_event(Event event);
    const EventState* live_event(Event event) const;
    EventState* event_for(Event event, const char* call);
    bool is_complete(const EventState& event) const;
    ns floor_to_resolution(ns time) const;
    void note_kernel_start(ns start);
    ns kernel_duration(const Kernel& kernel, ns start);
    double cycles_to_ns(double cycles, ns start) const;
    // devices and streams
    ThreadState& thread_state();
    std::size_t add_stream(int device, StreamKind kind);
    std::optional<std::size_t> find_stream(Stream stream) const;  // never creates
    StreamState* stream_state(Stream stream);  // creates a per-thread stream on first use
    std::size_t index_of(const StreamState& state) const;
    static bool syncs_with_legacy(StreamKind kind);
    ns implicit_tail(const StreamState& stream) const;
    ns ready_time(const StreamState& stream) const;
    void set_tail(StreamState& stream, ns tail);
    bool wait_for_queue_room(StreamState& stream);
    void note_queued(StreamState& stream, ns end);
    ns run_kernel(const Kernel& kernel, ns start);
    // capture
    int legacy_capture_conflict(const StreamState& stream);
    int capture_state_status(const StreamState& stream) const;
    int unsafe_call_status();
    void invalidate(int capture);
    void end_capture(Capture& capture);
    bool all_joined(const Capture& capture, const std::vector<std::size_t>& frontier) const;
    // ---- the gate, device memory, throttling (docs/telemetry.md) ----
    // Work enqueued behind a held gate, placed on the timeline when the gate ends.
    struct DeferredOp {
        enum class Kind { kernel, record, wait, graph };
        Kind kind = Kind::kernel;
        std::size_t stream = 0;  // index into streams_
        ns host{0};              // host time it was enqueued at
        Kernel kernel{};         // kernel
        int event = -1;          // record, wait: the event; graph: the GraphExec
        bool never = false;      // record: Fault::event_never_completes was armed for it
        bool superseded = false;  // record: a later record of the event, not behind the gate, replaced it
        std::vector<GraphNode> nodes;  // graph
    };
    struct HeldGate {
        std::size_t stream = 0;  // index into streams_
        ns start{0};             // device time the gate kernel starts spinning (never_: its stream hung)
        ns timeout{0};
    };
    static const char* gate_kernel_name();
    static void validate_gate_and_telemetry(const Config& config);
    ns gate_expiry() const;
    bool gate_spinning_at(ns device_time) const;
    bool gate_blocks(const StreamState& stream) const;
    bool gate_defers(StreamState& stream);
    int defer_kernel(StreamState& stream, const Kernel& kernel);
    int defer_record(StreamState& stream, EventState& event, int event_id);
    int defer_wait(StreamState& stream, int event_id);
    int defer_graph(StreamState& stream, int exec_id);
    void forget_deferred_records(EventState& event, int event_id);
    void settle_expired_gate();
    void wait_for_gate();
    void open_gate(ns end, bool timed_out);
    int begin_memory_call(Call call);
    bool inside_allocation(const void* ptr, std::size_t bytes) const;
    const Episode& episode_at(ns device_time) const;
    double dvfs_clock_mhz_at(ns device_time) const;
    bool throttled_at(ns device_time) const;
    double cycles_to_ns_throttled(double cycles, ns start) const;

    Config config_;
    ns host_{0};
    std::vector<StreamState> streams_;  // every stream: default streams and created ones
    std::vector<std::size_t> created_;  // Stream::id - 1 -> index into streams_
    std::vector<std::size_t> legacy_;   // device -> its legacy default stream
    std::map<std::pair<int, int>, std::size_t> per_thread_;  // (thread, device) -> stream
    std::map<int, ThreadState> threads_;
    int thread_ = 0;
    std::vector<Capture> captures_;
    std::vector<GraphState> graphs_;
    std::vector<ExecState> execs_;
    std::uint64_t handle_misuses_ = 0;
    std::vector<EventState> events_;  // indexed by Event::id; ids are never reused
    std::set<std::string> loaded_kernels_;
    std::vector<Episode> episodes_;
    Counters counters_{};
    int fault_status_ = status::success;
    bool next_event_never_completes_ = false;
    std::vector<CallFault> call_faults_;  // armed; removed once spent
    std::optional<ns> poisoned_at_;  // earliest end of a faulty kernel
    detail::Xoshiro256StarStar random_;
    // ---- the gate, device memory (docs/telemetry.md) ----
    std::optional<HeldGate> gate_;
    std::set<std::size_t> blocked_;  // streams holding work behind the gate
    std::vector<DeferredOp> deferred_;
    std::uint64_t gate_timeouts_ = 0;
    std::map<std::uintptr_t, std::size_t> allocations_;  // fake device address -> bytes
    std::uintptr_t next_allocation_ = std::uintptr_t{1} << 40;
};

// ================================ implementation ===================================

inline Runtime::Runtime() : Runtime(Config{}) {}

inline Runtime::Runtime(Config config)
    : config_(validated(std::move(config))), random_(config_.noise.seed) {
    for (int device = 0; device < config_.device_count; ++device) {  // each device's legacy stream
        legacy_.push_back(add_stream(device, StreamKind::legacy));
    }
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
    validate_gate_and_telemetry(config);  // docs/telemetry.md
    // devices, streams, capture and graphs (docs/simulator.md, "CUDA semantics")
    require(config.host_state_cost >= ns{0}, "host_state_cost", "must be >= 0");
    require(config.graph_launch_cost >= ns{0}, "graph_launch_cost", "must be >= 0");
    require(config.graph_node_instantiate_cost >= ns{0}, "graph_node_instantiate_cost", "must be >= 0");
    return config;
}

// ---- simulation controls ----------------------------------------------------------

inline Stream Runtime::create_stream(unsigned flags) {
    if (flags != status::stream_default && flags != status::stream_non_blocking) {
        throw InvalidArgument("sim::Runtime::create_stream", "flags",
                              "must be cuda_status::stream_default or stream_non_blocking, got " +
                                  std::to_string(flags));
    }
    const StreamKind kind = flags == status::stream_non_blocking ? StreamKind::non_blocking : StreamKind::blocking;
    created_.push_back(add_stream(current_device(), kind));
    return Stream{static_cast<int>(created_.size())};
}

inline int Runtime::launch(Stream stream, const Kernel& kernel) {
    ++counters_.launches;
    const int injected = take_call_fault(Call::launch);
    const int sticky = sticky_status();
    const bool invalid_kernel = (!kernel.is_cycle_kernel() && kernel.duration < ns{0}) ||
                                (kernel.lazy_load_cost && *kernel.lazy_load_cost < ns{0});
    StreamState* target = stream_state(stream);
    if (sticky != status::success || injected != status::success || target == nullptr || invalid_kernel) {
        host_ += config_.launch_cost;
        if (sticky != status::success) return sticky;
        if (injected != status::success) return injected;
        return target != nullptr ? status::invalid_value : status::invalid_resource_handle;
    }
    // A kernel runs on the current device: a stream of another device is not a valid target.
    int refused = target->device != current_device() ? int{status::invalid_resource_handle} : 0;
    if (refused == 0) refused = legacy_capture_conflict(*target);
    if (refused == 0) refused = capture_state_status(*target);
    if (refused == 0 && target->capture < 0 && !wait_for_queue_room(*target)) refused = status::launch_timeout;
    ns host_cost = config_.launch_cost;
    if (refused == 0 && loaded_kernels_.insert(kernel.name).second) {
        host_cost += kernel.lazy_load_cost.value_or(config_.lazy_load_cost);
    }
    host_ += host_cost;
    if (refused != 0) return refused;

    if (target->capture >= 0) {  // captured: a node of the graph, run when the graph is launched
        Capture& capture = captures_[static_cast<std::size_t>(target->capture)];
        capture.nodes.push_back(GraphNode{kernel, target->capture_deps});
        target->capture_deps.assign(1, capture.nodes.size() - 1);
        return status::success;
    }
    if (gate_defers(*target)) return defer_kernel(*target, kernel);  // behind a gate (docs/telemetry.md)
    const ns end = run_kernel(kernel, ready_time(*target));
    set_tail(*target, end);
    note_queued(*target, end);
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
    if (stream == Stream::per_thread() && !find_stream(stream)) return ns{0};  // not used yet
    const std::optional<std::size_t> index = find_stream(stream);
    if (!index) {
        throw std::out_of_range("gputime::sim::Runtime::stream_tail: unknown stream");
    }
    return streams_[*index].tail;
}

inline std::optional<std::chrono::nanoseconds> Runtime::event_timestamp(Event event) const {
    const EventState* state = live_event(event);
    if (state == nullptr || !state->recorded || state->captured || state->behind_gate) return std::nullopt;
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

// The clock model alone; clock_mhz_at() applies the throttle window (docs/telemetry.md).
inline double Runtime::dvfs_clock_mhz_at(ns device_time) const {
    const ClockModel& clock = config_.clock;
    if (!clock.enabled) return clock.max_clock_mhz;
    // The episode in force: the last one that woke up at or before device_time.
    auto after = std::upper_bound(episodes_.begin(), episodes_.end(), device_time,
                                  [](ns time, const Episode& e) { return time < e.wake; });
    const Episode& episode = after == episodes_.begin() ? episodes_.front() : *std::prev(after);
    if (device_time - episode.last_work_end > clock.idle_threshold && !gate_spinning_at(device_time))
        return clock.idle_clock_mhz;
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
    EventState state;
    state.device = current_device();  // "creates an event object for the current device"
    events_.push_back(std::move(state));
    *event = Event{static_cast<int>(events_.size() - 1)};
    return status::success;
}

inline int Runtime::event_destroy(event_type event) {
    if (const int failed = begin_api_call(counters_.event_destroys, Call::event_destroy)) return failed;
    EventState* state = event_for(event, "event_destroy");
    if (state == nullptr) return status::invalid_resource_handle;
    state->alive = false;
    return status::success;
}

inline int Runtime::event_record(event_type event, stream_type stream) {
    if (const int failed = begin_api_call(counters_.event_records, Call::event_record)) return failed;
    EventState* state = event_for(event, "event_record");
    StreamState* target = stream_state(stream);
    // "event and stream must be on the same CUDA context": one context per device.
    if (state == nullptr || target == nullptr || state->device != target->device) {
        return status::invalid_resource_handle;
    }
    if (const int refused = legacy_capture_conflict(*target)) return refused;
    if (const int refused = capture_state_status(*target)) return refused;
    state->recorded = true;
    if (target->capture >= 0) {  // captured: it orders the capture's nodes, it is never reached
        state->captured = true;
        state->capture = target->capture;
        state->capture_deps = target->capture_deps;
        return status::success;
    }
    state->captured = false;
    state->capture = -1;
    state->capture_deps.clear();
    if (gate_defers(*target)) return defer_record(*target, *state, event.id);  // docs/telemetry.md
    forget_deferred_records(*state, event.id);
    // The event is a zero-length op: reached when the host has issued it and the stream
    // has drained everything before it. The tail keeps the exact time so that flooring
    // never lets later work start before earlier work ended. A hung stream never reaches it.
    const ns reached = std::exchange(next_event_never_completes_, false) ? never_ : ready_time(*target);
    set_tail(*target, reached);
    state->reached = reached;
    state->timestamp = reached == never_ ? never_ : floor_to_resolution(reached);
    return status::success;
}

inline int Runtime::event_query(event_type event) {
    if (const int failed = begin_api_call(counters_.event_queries, Call::event_query)) return failed;
    const EventState* state = event_for(event, "event_query");
    if (state == nullptr) return status::invalid_resource_handle;
    if (state->captured) {
        invalidate(state->capture);
        return status::captured_event;
    }
    if (const int refused = unsafe_call_status()) return refused;
    if (!state->recorded) return status::success;
    return is_complete(*state) ? status::success : status::not_ready;
}

inline int Runtime::event_synchronize(event_type event) {
    ++counters_.event_synchronizes;
    const int injected = take_call_fault(Call::event_synchronize);
    const int sticky = sticky_status();
    const EventState* state = sticky == status::success && injected == status::success
                                  ? event_for(event, "event_synchronize")
                                  : live_event(event);
    int refused = 0;
    if (sticky == status::success && injected == status::success && state != nullptr) {
        if (state->captured) {
            invalidate(state->capture);
            refused = status::captured_event;
        } else {
            refused = unsafe_call_status();
        }
    }
    if (sticky != status::success || injected != status::success || state == nullptr || refused != 0 ||
        !state->recorded || state->reached == never_) {
        host_ += config_.api_cost;
        if (sticky != status::success) return sticky;
        if (injected != status::success) return injected;
        if (state == nullptr) return status::invalid_resource_handle;
        if (refused != 0) return refused;
        // A real GPU would block forever; the watchdog's error is the useful answer here.
        return state->recorded ? status::launch_timeout : status::success;
    }
    if (state->behind_gate) {  // the host cannot release the gate while it waits (docs/telemetry.md)
        wait_for_gate();
        if (state->reached == never_) {
            host_ += config_.api_cost;
            return status::launch_timeout;
        }
    }
    host_ = std::max(host_, state->reached) + config_.api_cost;
    return sticky_status();
}

inline int Runtime::event_elapsed_ms(float* ms, event_type start, event_type stop) {
    if (const int failed = begin_api_call(counters_.elapsed_queries, Call::event_elapsed_ms)) return failed;
    if (ms == nullptr) return status::invalid_value;
    const EventState* first = event_for(start, "event_elapsed_ms");
    const EventState* second = event_for(stop, "event_elapsed_ms");
    if (first == nullptr || second == nullptr || !first->recorded || !second->recorded) {
        return status::invalid_resource_handle;
    }
    if (first->captured || second->captured) {
        invalidate(first->captured ? first->capture : second->capture);
        return status::captured_event;
    }
    // "If either event was created with the cudaEventDisableTiming flag, then this function will
    // return cudaErrorInvalidResourceHandle"; events of two devices cannot be compared either.
    if ((first->flags & status::event_disable_timing) != 0 || (second->flags & status::event_disable_timing) != 0 ||
        first->device != second->device) {
        return status::invalid_resource_handle;
    }
    if (!is_complete(*first) || !is_complete(*second)) return status::not_ready;
    const ns elapsed = second->timestamp - first->timestamp;
    *ms = static_cast<float>(static_cast<double>(elapsed.count()) / 1e6);
    return status::success;
}

inline int Runtime::stream_wait_event(stream_type stream, event_type event) {
    if (const int failed = begin_api_call(counters_.stream_waits, Call::stream_wait_event)) return failed;
    const EventState* state = event_for(event, "stream_wait_event");
    StreamState* target = stream_state(stream);
    // "event may be from a different device than stream": no device check here.
    if (state == nullptr || target == nullptr) return status::invalid_resource_handle;
    if (const int refused = legacy_capture_conflict(*target)) return refused;
    if (const int refused = capture_state_status(*target)) return refused;
    if (state->captured) {  // fork/join inside a capture: `stream` joins the event's capture
        Capture& capture = captures_[static_cast<std::size_t>(state->capture)];
        if (!capture.active) return status::captured_event;
        if (target->capture >= 0 && target->capture != state->capture) {
            invalidate(target->capture);
            invalidate(state->capture);
            return status::stream_capture_merge;
        }
        if (target->capture < 0) {
            target->capture = state->capture;
            target->capture_deps.clear();
            capture.streams.push_back(index_of(*target));
        }
        for (const std::size_t node : state->capture_deps) {
            if (std::find(target->capture_deps.begin(), target->capture_deps.end(), node) ==
                target->capture_deps.end())
                target->capture_deps.push_back(node);
        }
        return status::success;
    }
    if (!state->recorded) return status::success;  // a never-recorded event: a no-op, as in CUDA
    if (target->capture >= 0) {  // a capture may not depend on work outside it
        invalidate(target->capture);
        return status::stream_capture_isolation;
    }
    if (state->behind_gate || gate_defers(*target)) return defer_wait(*target, event.id);  // docs/telemetry.md
    set_tail(*target, std::max(implicit_tail(*target), state->reached));
    return status::success;
}

inline int Runtime::stream_synchronize(stream_type stream) {
    ++counters_.stream_synchronizes;
    const int injected = take_call_fault(Call::stream_synchronize);
    const int sticky = sticky_status();
    const StreamState* target = stream_state(stream);
    int refused = 0;
    if (sticky == status::success && injected == status::success && target != nullptr) {
        refused = legacy_capture_conflict(*target);
        if (refused == 0 && target->capture >= 0) {  // a capturing stream has nothing to wait for
            invalidate(target->capture);
            refused = status::stream_capture_unsupported;
        }
        if (refused == 0) refused = unsafe_call_status();
        if (refused == 0 && implicit_tail(*target) == never_) refused = status::launch_timeout;
    }
    if (sticky != status::success || injected != status::success || target == nullptr || refused != 0) {
        host_ += config_.api_cost;
        if (sticky != status::success) return sticky;
        if (injected != status::success) return injected;
        return target == nullptr ? int{status::invalid_resource_handle} : refused;
    }
    if (gate_blocks(*target)) {  // the host cannot release the gate while it waits (docs/telemetry.md)
        wait_for_gate();
        if (implicit_tail(*target) == never_) {
            host_ += config_.api_cost;
            return status::launch_timeout;
        }
    }
    host_ = std::max(host_, implicit_tail(*target)) + config_.api_cost;
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
        case status::illegal_state: return "cudaErrorIllegalState";
        case status::not_ready: return "cudaErrorNotReady";
        case status::illegal_address: return "cudaErrorIllegalAddress";
        case status::launch_timeout: return "cudaErrorLaunchTimeout";
        case 710: return "cudaErrorAssert";
        case status::launch_failure: return "cudaErrorLaunchFailure";
        case status::stream_capture_unsupported: return "cudaErrorStreamCaptureUnsupported";
        case status::stream_capture_invalidated: return "cudaErrorStreamCaptureInvalidated";
        case status::stream_capture_merge: return "cudaErrorStreamCaptureMerge";
        case status::stream_capture_unmatched: return "cudaErrorStreamCaptureUnmatched";
        case status::stream_capture_unjoined: return "cudaErrorStreamCaptureUnjoined";
        case status::stream_capture_isolation: return "cudaErrorStreamCaptureIsolation";
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
        case status::illegal_state: return "the operation cannot be performed in the present state";
        case status::not_ready: return "device not ready";
        case status::illegal_address: return "an illegal memory access was encountered";
        case status::launch_timeout: return "the launch timed out and was terminated";
        case 710: return "device-side assert triggered";
        case status::launch_failure: return "unspecified launch failure";
        case status::stream_capture_unsupported: return "operation not permitted when stream is capturing";
        case status::stream_capture_invalidated: return "operation failed due to a previous error during capture";
        case status::stream_capture_merge: return "operation would result in a merge of separate capture sequences";
        case status::stream_capture_unmatched: return "capture was not ended in the same stream as it began";
        case status::stream_capture_unjoined: return "capturing stream has unjoined work";
        case status::stream_capture_isolation: return "dependency created on uncaptured work in another stream";
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
    if (duration <= ns{0}) return;
    ++counters_.sleeps;
    counters_.slept += duration;
    host_ += duration;
}

// ---- internals --------------------------------------------------------------------

// Counts the call, charges api_cost and returns the sticky status as of the call's start,
// else an injected failure, else 0.
inline int Runtime::begin_api_call(std::uint64_t& call_counter, Call call) {
    ++call_counter;
    const int injected = take_call_fault(call);
    const int sticky = sticky_status();
    host_ += config_.api_cost;
    settle_expired_gate();  // a gate whose timeout has passed has ended (docs/telemetry.md)
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

inline Runtime::EventState* Runtime::live_event(Event event) {
    return const_cast<EventState*>(std::as_const(*this).live_event(event));
}

inline const Runtime::EventState* Runtime::live_event(Event event) const {
    if (event.id < 0 || static_cast<std::size_t>(event.id) >= events_.size()) return nullptr;
    const EventState& state = events_[static_cast<std::size_t>(event.id)];
    return state.alive ? &state : nullptr;
}

inline bool Runtime::is_complete(const EventState& event) const {
    return event.reached != never_ && !event.behind_gate && host_ >= event.reached;
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
    // A spinning gate kernel is work too (docs/telemetry.md).
    if (start - last_work_end > config_.clock.idle_threshold && !gate_spinning_at(start)) {
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
    if (start < config_.throttle.end && config_.throttle.start < config_.throttle.end)
        return cycles_to_ns_throttled(cycles, start);  // a throttle window ahead (docs/telemetry.md)
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

// ================= devices, default streams, capture and graphs ====================
// The CUDA semantics behind docs/simulator.md, "CUDA semantics". Sources: the CUDA Runtime API
// reference (cuda_runtime_api.h of CUDA 13) for each call, its "Stream synchronization
// behavior" page for the default streams, and the CUDA C++ Programming Guide (multi-device
// "Stream and Event Behavior"; graphs, "Prohibited and Unhandled Operations").

inline int Runtime::current_device() const {
    const auto found = threads_.find(thread_);
    return found == threads_.end() ? 0 : found->second.device;
}

inline std::size_t Runtime::graph_node_count(Graph graph) const {
    if (graph.id < 0 || static_cast<std::size_t>(graph.id) >= graphs_.size()) return 0;
    const GraphState& state = graphs_[static_cast<std::size_t>(graph.id)];
    return state.alive ? state.nodes.size() : 0;
}

inline int Runtime::event_create_with_flags(event_type* event, unsigned flags) {
    if (const int failed = begin_api_call(counters_.event_creates, Call::event_create_with_flags)) return failed;
    constexpr unsigned blocking_sync = 0x1, interprocess = 0x4;
    const unsigned known = blocking_sync | status::event_disable_timing | interprocess;
    if (event == nullptr || (flags & ~known) != 0 ||
        ((flags & interprocess) != 0 && (flags & status::event_disable_timing) == 0)) {
        return status::invalid_value;
    }
    EventState state;
    state.device = current_device();
    state.flags = flags;
    events_.push_back(std::move(state));
    *event = Event{static_cast<int>(events_.size() - 1)};
    return status::success;
}

inline int Runtime::set_device(int device) {
    if (const int failed = begin_host_state_call(counters_.device_calls, Call::set_device)) return failed;
    if (device < 0 || device >= config_.device_count) return status::invalid_device;
    thread_state().device = device;
    return status::success;
}

inline int Runtime::get_device(int* device) {
    if (const int failed = begin_host_state_call(counters_.device_calls, Call::get_device)) return failed;
    if (device == nullptr) return status::invalid_value;
    *device = current_device();
    return status::success;
}

inline int Runtime::stream_create(stream_type* stream, unsigned flags) {
    if (const int failed = begin_api_call(counters_.stream_creates, Call::stream_create)) return failed;
    if (stream == nullptr || (flags != status::stream_default && flags != status::stream_non_blocking)) {
        return status::invalid_value;
    }
    *stream = create_stream(flags);
    return status::success;
}

inline int Runtime::stream_get_device(stream_type stream, int* device) {
    if (const int failed = begin_host_state_call(counters_.device_calls, Call::stream_get_device)) return failed;
    if (device == nullptr) return status::invalid_value;
    const StreamState* target = stream_state(stream);
    if (target == nullptr) return status::invalid_resource_handle;
    *device = target->device;
    return status::success;
}

inline int Runtime::stream_is_capturing(stream_type stream, int* capture_status) {
    if (const int failed = begin_host_state_call(counters_.capture_queries, Call::stream_is_capturing)) return failed;
    if (capture_status == nullptr) return status::invalid_value;
    const StreamState* target = stream_state(stream);
    if (target == nullptr) return status::invalid_resource_handle;
    if (target->kind == StreamKind::legacy) {
        // "if this is called on cudaStreamLegacy while a blocking stream on the same device is
        // capturing, it will return cudaErrorStreamCaptureImplicit ... The blocking stream
        // capture is not invalidated."
        for (const Capture& capture : captures_) {
            if (!capture.active) continue;
            for (const std::size_t index : capture.streams) {
                const StreamState& other = streams_[index];
                if (other.device == target->device && syncs_with_legacy(other.kind))
                    return status::stream_capture_implicit;
            }
        }
    }
    if (target->capture < 0) {
        *capture_status = status::capture_status_none;
    } else {
        *capture_status = captures_[static_cast<std::size_t>(target->capture)].invalidated
                              ? status::capture_status_invalidated
                              : status::capture_status_active;
    }
    return status::success;
}

inline int Runtime::thread_exchange_capture_mode(int* mode) {
    if (const int failed = begin_host_state_call(counters_.capture_mode_exchanges, Call::thread_exchange_capture_mode))
        return failed;
    if (mode == nullptr || *mode < status::capture_mode_global || *mode > status::capture_mode_relaxed)
        return status::invalid_value;
    std::swap(thread_state().capture_mode, *mode);
    return status::success;
}

inline int Runtime::stream_begin_capture(stream_type stream, int mode) {
    if (const int failed = begin_api_call(counters_.captures, Call::stream_begin_capture)) return failed;
    StreamState* target = stream_state(stream);
    if (target == nullptr) return status::invalid_resource_handle;
    if (mode < status::capture_mode_global || mode > status::capture_mode_relaxed) return status::invalid_value;
    // "Capture may not be initiated if stream is cudaStreamLegacy"; "it may only be initiated if
    // the stream is not already in capture mode".
    if (target->kind == StreamKind::legacy) return status::stream_capture_unsupported;
    if (target->capture >= 0) return status::illegal_state;
    Capture capture;
    capture.origin = index_of(*target);
    capture.thread = thread_;
    capture.mode = mode;
    capture.streams.push_back(capture.origin);
    captures_.push_back(std::move(capture));
    target->capture = static_cast<int>(captures_.size() - 1);
    target->capture_deps.clear();
    return status::success;
}

inline int Runtime::stream_end_capture(stream_type stream, graph_type* graph) {
    if (const int failed = begin_api_call(counters_.capture_ends, Call::stream_end_capture)) return failed;
    if (graph == nullptr) return status::invalid_value;
    StreamState* target = stream_state(stream);
    if (target == nullptr) return status::invalid_resource_handle;
    if (target->capture < 0) return status::illegal_state;
    Capture& capture = captures_[static_cast<std::size_t>(target->capture)];
    if (capture.origin != index_of(*target)) {  // "Capture must be ended on the same stream"
        invalidate(target->capture);
        return status::stream_capture_unmatched;
    }
    // "If mode is not cudaStreamCaptureModeRelaxed, cudaStreamEndCapture must be called on this
    // stream from the same thread."
    if (capture.mode != status::capture_mode_relaxed && capture.thread != thread_) {
        return status::stream_capture_wrong_thread;
    }
    const std::vector<std::size_t> frontier = target->capture_deps;
    end_capture(capture);
    *graph = Graph{};
    // "If capture was invalidated, due to a violation of the rules of stream capture, then a
    // NULL graph will be returned."
    if (capture.invalidated) return status::stream_capture_invalidated;
    if (!all_joined(capture, frontier)) return status::stream_capture_unjoined;
    graphs_.push_back(GraphState{true, std::move(capture.nodes)});
    *graph = Graph{static_cast<int>(graphs_.size() - 1)};
    return status::success;
}

inline int Runtime::graph_instantiate(graph_exec_type* exec, graph_type graph) {
    if (const int failed = begin_api_call(counters_.graph_instantiations, Call::graph_instantiate)) return failed;
    if (exec == nullptr) return status::invalid_value;
    if (graph.id < 0 || static_cast<std::size_t>(graph.id) >= graphs_.size() ||
        !graphs_[static_cast<std::size_t>(graph.id)].alive) {
        return status::invalid_resource_handle;
    }
    const GraphState& state = graphs_[static_cast<std::size_t>(graph.id)];
    host_ += config_.graph_node_instantiate_cost * static_cast<ns::rep>(state.nodes.size());
    execs_.push_back(ExecState{true, state.nodes, ns{0}});
    *exec = GraphExec{static_cast<int>(execs_.size() - 1)};
    return status::success;
}

inline int Runtime::graph_launch(graph_exec_type exec, stream_type stream) {
    ++counters_.graph_launches;
    const int injected = take_call_fault(Call::graph_launch);
    const int sticky = sticky_status();
    StreamState* target = stream_state(stream);
    const bool known = exec.id >= 0 && static_cast<std::size_t>(exec.id) < execs_.size() &&
                       execs_[static_cast<std::size_t>(exec.id)].alive;
    int refused = 0;
    if (sticky != status::success) {
        refused = sticky;
    } else if (injected != status::success) {
        refused = injected;
    } else if (target == nullptr || !known || target->device != current_device()) {
        refused = status::invalid_resource_handle;
    } else {
        refused = legacy_capture_conflict(*target);
        // Launching a graph into a capture (a child graph node) is not modelled.
        if (refused == 0 && target->capture >= 0) refused = status::stream_capture_unsupported;
        if (refused == 0 && !wait_for_queue_room(*target)) refused = status::launch_timeout;
    }
    host_ += config_.graph_launch_cost;
    if (refused != 0) return refused;

    // "Each launch is ordered behind both any previous work in stream and any previous launches
    // of graphExec." Each node starts once its dependencies have ended.
    if (gate_defers(*target)) return defer_graph(*target, exec.id);  // behind a gate (docs/telemetry.md)
    ExecState& graph = execs_[static_cast<std::size_t>(exec.id)];
    const ns start = std::max(ready_time(*target), graph.last_end);
    std::vector<ns> ends(graph.nodes.size(), start);
    ns end = start;
    for (std::size_t i = 0; i < graph.nodes.size(); ++i) {
        ns node_start = start;
        for (const std::size_t dep : graph.nodes[i].deps) node_start = std::max(node_start, ends[dep]);
        ends[i] = run_kernel(graph.nodes[i].kernel, node_start);
        end = std::max(end, ends[i]);
    }
    graph.last_end = end;
    set_tail(*target, end);
    note_queued(*target, end);
    return status::success;
}

inline int Runtime::graph_exec_destroy(graph_exec_type exec) {
    if (const int failed = begin_api_call(counters_.graph_destroys, Call::graph_exec_destroy)) return failed;
    if (exec.id < 0 || static_cast<std::size_t>(exec.id) >= execs_.size() ||
        !execs_[static_cast<std::size_t>(exec.id)].alive) {
        return status::invalid_resource_handle;
    }
    execs_[static_cast<std::size_t>(exec.id)].alive = false;
    return status::success;
}

inline int Runtime::graph_destroy(graph_type graph) {
    if (const int failed = begin_api_call(counters_.graph_destroys, Call::graph_destroy)) return failed;
    if (graph.id < 0 || static_cast<std::size_t>(graph.id) >= graphs_.size() ||
        !graphs_[static_cast<std::size_t>(graph.id)].alive) {
        return status::invalid_resource_handle;
    }
    GraphState& state = graphs_[static_cast<std::size_t>(graph.id)];
    state.alive = false;
    state.nodes.clear();
    return status::success;
}

// ---- internals: devices and streams ----------------------------------------------------

inline int Runtime::begin_host_state_call(std::uint64_t& call_counter, Call call) {
    ++call_counter;
    const int injected = take_call_fault(call);
    const int sticky = sticky_status();
    host_ += config_.host_state_cost;
    return sticky != status::success ? sticky : injected;
}

// The event behind a handle, or null. A destroyed event is undefined behaviour on a real GPU
// ("\note_destroy_ub" of cudaEventDestroy): counted, and thrown with strict_handles.
inline Runtime::EventState* Runtime::event_for(Event event, const char* call) {
    if (event.id >= 0 && static_cast<std::size_t>(event.id) < events_.size() &&
        !events_[static_cast<std::size_t>(event.id)].alive) {
        ++handle_misuses_;
        if (config_.strict_handles) {
            throw HandleMisuse(std::string("gputime::sim::Runtime::") + call + ": use of destroyed event " +
                               std::to_string(event.id) +
                               " (undefined behaviour on a real GPU; Config::strict_handles)");
        }
        return nullptr;
    }
    return live_event(event);
}

inline Runtime::ThreadState& Runtime::thread_state() { return threads_[thread_]; }

inline std::size_t Runtime::add_stream(int device, StreamKind kind) {
    StreamState state;
    state.device = device;
    state.kind = kind;
    streams_.push_back(std::move(state));
    return streams_.size() - 1;
}

inline std::optional<std::size_t> Runtime::find_stream(Stream stream) const {
    if (stream == Stream::legacy()) return legacy_[static_cast<std::size_t>(current_device())];
    if (stream == Stream::per_thread()) {
        const auto found = per_thread_.find({thread_, current_device()});
        if (found == per_thread_.end()) return std::nullopt;
        return found->second;
    }
    if (stream.id < 1 || static_cast<std::size_t>(stream.id) > created_.size()) return std::nullopt;
    return created_[static_cast<std::size_t>(stream.id) - 1];
}

inline Runtime::StreamState* Runtime::stream_state(Stream stream) {
    if (const std::optional<std::size_t> index = find_stream(stream)) return &streams_[*index];
    if (stream != Stream::per_thread()) return nullptr;
    const std::size_t index = add_stream(current_device(), StreamKind::per_thread);
    per_thread_[{thread_, current_device()}] = index;
    return &streams_[index];
}

inline std::size_t Runtime::index_of(const StreamState& state) const {
    return static_cast<std::size_t>(&state - streams_.data());
}

// The legacy stream synchronises with every stream of its device except non-blocking ones;
// "the per-thread default stream is not a non-blocking stream and will synchronize with the
// legacy default stream if both are used in a program".
inline bool Runtime::syncs_with_legacy(StreamKind kind) {
    return kind == StreamKind::blocking || kind == StreamKind::per_thread;
}

// When an op enqueued on `stream` now could start, host time aside: after the stream's own
// tail and, through the legacy stream's implicit synchronisation, "the legacy stream first
// waits on all blocking streams ... and then all blocking streams wait on the legacy stream".
inline std::chrono::nanoseconds Runtime::implicit_tail(const StreamState& stream) const {
    ns tail = stream.tail;
    if (stream.kind == StreamKind::legacy) {
        for (const StreamState& other : streams_) {
            if (other.device == stream.device && syncs_with_legacy(other.kind)) tail = std::max(tail, other.tail);
        }
    } else if (syncs_with_legacy(stream.kind)) {
        tail = std::max(tail, streams_[legacy_[static_cast<std::size_t>(stream.device)]].tail);
    }
    return tail;
}

inline std::chrono::nanoseconds Runtime::ready_time(const StreamState& stream) const {
    return std::max(host_, implicit_tail(stream));
}

// The op just enqueued on `stream` ends at `tail`. An op of the legacy stream is also waited
// for by every blocking stream of its device.
inline void Runtime::set_tail(StreamState& stream, ns tail) {
    stream.tail = std::max(stream.tail, tail);
    if (stream.kind != StreamKind::legacy) return;
    for (StreamState& other : streams_) {
        if (other.device == stream.device && syncs_with_legacy(other.kind)) other.tail = std::max(other.tail, stream.tail);
    }
}

// A full launch queue blocks the host inside the launch until its oldest kernel (or graph)
// ends. False when that never happens (a hung stream): a real host would block forever.
inline bool Runtime::wait_for_queue_room(StreamState& stream) {
    const std::size_t depth = config_.launch_queue_depth;
    if (depth == 0) return true;
    while (!stream.queued.empty() && stream.queued.front() <= host_) stream.queued.pop_front();
    if (stream.queued.size() < depth) return true;
    const ns room_at = stream.queued[stream.queued.size() - depth];
    if (room_at == never_) return false;
    ++counters_.launch_queue_waits;
    host_ = std::max(host_, room_at);
    while (!stream.queued.empty() && stream.queued.front() <= host_) stream.queued.pop_front();
    return true;
}

inline void Runtime::note_queued(StreamState& stream, ns end) {
    if (config_.launch_queue_depth != 0) stream.queued.push_back(end);
}

// Runs `kernel` from `start` on the device model (clock, noise, faults); its end, or never_
// for a hung kernel or one that waits behind a hung one.
inline std::chrono::nanoseconds Runtime::run_kernel(const Kernel& kernel, ns start) {
    if (start == never_ || kernel.hangs) return never_;
    note_kernel_start(start);
    const ns end = start + kernel_duration(kernel, start);
    Episode& current = episodes_.back();
    current.last_work_end = std::max(current.last_work_end, end);
    if (kernel.faulty) {
        poisoned_at_ = std::min(poisoned_at_.value_or(end), end);
    }
    return end;
}

// ---- internals: capture ------------------------------------------------------------------

// "When any stream in the same context is being captured, and it was not created with
// cudaStreamNonBlocking, any attempted use of the legacy stream is invalid": 906, and the
// captures it would have depended on are invalidated.
inline int Runtime::legacy_capture_conflict(const StreamState& stream) {
    if (stream.kind != StreamKind::legacy) return status::success;
    int result = status::success;
    for (std::size_t c = 0; c < captures_.size(); ++c) {
        const Capture& capture = captures_[c];
        if (!capture.active) continue;
        for (const std::size_t index : capture.streams) {
            const StreamState& other = streams_[index];
            if (other.device == stream.device && syncs_with_legacy(other.kind)) {
                invalidate(static_cast<int>(c));
                result = status::stream_capture_implicit;
                break;
            }
        }
    }
    return result;
}

// Work on a stream whose capture was invalidated fails "until stream capture is ended".
inline int Runtime::capture_state_status(const StreamState& stream) const {
    if (stream.capture < 0) return status::success;
    return captures_[static_cast<std::size_t>(stream.capture)].invalidated ? int{status::stream_capture_invalidated}
                                                                            : int{status::success};
}

// event_query, event_synchronize and stream_synchronize are "potentially unsafe" calls
// (cudaThreadExchangeStreamCaptureMode): a thread in the global mode may not make them while
// another thread captures in the global mode, nor any thread but a relaxed one while it captures
// itself (not in the relaxed mode). They fail with 900 and invalidate those captures.
inline int Runtime::unsafe_call_status() {
    const auto found = threads_.find(thread_);
    const int mode = found == threads_.end() ? int{status::capture_mode_global} : found->second.capture_mode;
    if (mode == status::capture_mode_relaxed) return status::success;
    int result = status::success;
    for (std::size_t c = 0; c < captures_.size(); ++c) {
        const Capture& capture = captures_[c];
        if (!capture.active) continue;
        const bool own = capture.thread == thread_ && capture.mode != status::capture_mode_relaxed;
        const bool other = capture.thread != thread_ && capture.mode == status::capture_mode_global &&
                           mode == status::capture_mode_global;
        if (own || other) {
            invalidate(static_cast<int>(c));
            result = status::stream_capture_unsupported;
        }
    }
    return result;
}

// "When an invalid operation is attempted during stream capture, any associated capture graphs
// are invalidated."
inline void Runtime::invalidate(int capture) {
    if (capture < 0) return;
    Capture& state = captures_[static_cast<std::size_t>(capture)];
    if (state.active) state.invalidated = true;
}

inline void Runtime::end_capture(Capture& capture) {
    capture.active = false;
    for (const std::size_t index : capture.streams) {
        streams_[index].capture = -1;
        streams_[index].capture_deps.clear();
    }
}

// Every node must lead to the origin stream's last work: work forked to another stream and
// never joined back is "unjoined work".
inline bool Runtime::all_joined(const Capture& capture, const std::vector<std::size_t>& frontier) const {
    std::vector<bool> reached(capture.nodes.size(), false);
    std::vector<std::size_t> todo = frontier;
    while (!todo.empty()) {
        const std::size_t node = todo.back();
        todo.pop_back();
        if (reached[node]) continue;
        reached[node] = true;
        for (const std::size_t dep : capture.nodes[node].deps) todo.push_back(dep);
    }
    return std::find(reached.begin(), reached.end(), false) == reached.end();
}

// ============ the gate, device memory, throttling (docs/telemetry.md) ==============
// A gate kernel holds a stream until the host releases it (gate_hold / gate_release; nvbench's
// blocking kernel). Work enqueued behind it is deferred: kept with the host time it was
// enqueued at, and placed on the timeline when the gate ends, in enqueue order, by the rules
// every op follows (it starts at max(that host time, the stream's implicit tail)). So a gated
// stream ends up with exactly the times it would have had if the gate had been a kernel whose
// length was known in advance. "Behind" follows stream order and the legacy default stream's
// implicit synchronisation, and spreads through stream_wait_event on an event recorded behind
// the gate. The one host thread cannot release the gate while it waits for work behind it
// (an event or stream synchronize, a launch queue full of deferred kernels): the gate then
// ends at its timeout, the wait with it, and gate_timeouts() counts it.

inline const char* Runtime::gate_kernel_name() { return "gputime::sim gate kernel"; }

inline int Runtime::gate_hold(Stream stream, ns timeout) {
    ++counters_.launches;
    const int injected = take_call_fault(Call::launch);
    const int sticky = sticky_status();
    StreamState* target = stream_state(stream);
    int refused = sticky != status::success ? sticky : injected;
    if (refused == 0 && (target == nullptr || target->device != current_device()))
        refused = status::invalid_resource_handle;
    if (refused == 0 && (timeout <= ns{0} || gate_)) refused = status::invalid_value;
    if (refused == 0) refused = legacy_capture_conflict(*target);
    // A gate kernel launched into a capture would become a graph node: refused.
    if (refused == 0 && target->capture >= 0) refused = status::stream_capture_unsupported;
    if (refused == 0 && !wait_for_queue_room(*target)) refused = status::launch_timeout;
    ns host_cost = config_.launch_cost;
    if (refused == 0 && loaded_kernels_.insert(gate_kernel_name()).second) host_cost += config_.lazy_load_cost;
    host_ += host_cost;
    if (refused != 0) return refused;
    const ns start = ready_time(*target);
    if (start != never_) {  // the gate spins: the device is busy from its start on
        note_kernel_start(start);
        Episode& current = episodes_.back();
        current.last_work_end = std::max(current.last_work_end, start);
    }
    gate_ = HeldGate{index_of(*target), start, timeout};
    blocked_.clear();
    blocked_.insert(index_of(*target));
    return status::success;
}

inline int Runtime::gate_release() {
    if (!gate_) return status::invalid_value;
    const ns expiry = gate_expiry();
    if (expiry != never_ && host_ >= expiry) {
        open_gate(expiry, true);
    } else {
        open_gate(std::max(host_, gate_->start), false);  // a gate not started yet ends as it starts
    }
    return status::success;
}

inline int Runtime::l2_cache_size(int* bytes) {
    if (const int failed = begin_memory_call(Call::l2_cache_size)) return failed;
    if (bytes == nullptr) return status::invalid_value;
    *bytes = config_.l2_cache_bytes;
    return status::success;
}

inline int Runtime::device_malloc(void** ptr, std::size_t bytes) {
    if (const int failed = begin_memory_call(Call::device_malloc)) return failed;
    if (ptr == nullptr) return status::invalid_value;
    if (bytes == 0) {
        *ptr = nullptr;
        return status::success;
    }
    // Fake addresses, 256-byte aligned as cudaMalloc's, with a gap so that no two allocations touch.
    const std::uintptr_t address = next_allocation_;
    next_allocation_ += (static_cast<std::uintptr_t>(bytes) + 255) / 256 * 256 + 256;
    allocations_[address] = bytes;
    *ptr = reinterpret_cast<void*>(address);
    return status::success;
}

inline int Runtime::device_free(void* ptr) {
    if (const int failed = begin_memory_call(Call::device_free)) return failed;
    if (ptr == nullptr) return status::success;
    const auto found = allocations_.find(reinterpret_cast<std::uintptr_t>(ptr));
    if (found == allocations_.end()) return status::invalid_value;
    allocations_.erase(found);
    return status::success;
}

inline int Runtime::memset_async(void* ptr, int value, std::size_t bytes, stream_type stream) {
    (void)value;  // the model times the memset; there is no memory to store into
    ++counters_.memsets;
    const int injected = take_call_fault(Call::memset_async);
    const int sticky = sticky_status();
    StreamState* target = stream_state(stream);
    int refused = sticky != status::success ? sticky : injected;
    if (refused == 0 && (target == nullptr || target->device != current_device()))
        refused = status::invalid_resource_handle;
    if (refused == 0 && !inside_allocation(ptr, bytes)) refused = status::invalid_value;
    if (refused == 0) refused = legacy_capture_conflict(*target);
    // Memset nodes of a captured graph are not modelled.
    if (refused == 0 && target->capture >= 0) refused = status::stream_capture_unsupported;
    if (refused == 0 && !wait_for_queue_room(*target)) refused = status::launch_timeout;
    host_ += config_.launch_cost;
    if (refused != 0) return refused;
    if (bytes == 0) return status::success;
    const Kernel work = Kernel::fixed(
        "gputime::sim memset", ns{static_cast<ns::rep>(std::llround(static_cast<double>(bytes) / config_.memset_bytes_per_ns))});
    if (gate_defers(*target)) return defer_kernel(*target, work);
    const ns end = run_kernel(work, ready_time(*target));
    set_tail(*target, end);
    note_queued(*target, end);
    return status::success;
}

inline bool Runtime::clock_idle_at(ns device_time) const {
    if (gate_spinning_at(device_time)) return false;
    return device_time - episode_at(device_time).last_work_end > config_.clock.idle_threshold;
}

inline double Runtime::clock_mhz_at(ns device_time) const {
    const double dvfs = dvfs_clock_mhz_at(device_time);
    return throttled_at(device_time) ? std::min(dvfs, config_.throttle.clock_mhz) : dvfs;
}

inline void Runtime::validate_gate_and_telemetry(const Config& config) {
    auto require = [](bool ok, const char* field, const char* problem) {
        if (!ok) throw InvalidArgument("sim::Runtime", std::string("config.") + field, problem);
    };
    require(config.l2_cache_bytes >= 0, "l2_cache_bytes", "must be >= 0");
    require(std::isfinite(config.memset_bytes_per_ns) && config.memset_bytes_per_ns > 0.0, "memset_bytes_per_ns",
            "must be finite and > 0");
    const Throttle& throttle = config.throttle;
    require(throttle.start >= ns{0}, "throttle.start", "must be >= 0");
    require(throttle.end >= throttle.start, "throttle.end", "must be >= throttle.start");
    require(std::isfinite(throttle.clock_mhz) && throttle.clock_mhz > 0.0, "throttle.clock_mhz",
            "must be finite and > 0");
    const TelemetryModel& t = config.telemetry;
    require(std::isfinite(t.memory_clock_mhz) && t.memory_clock_mhz >= 0.0, "telemetry.memory_clock_mhz",
            "must be finite and >= 0");
    require(std::isfinite(t.idle_temperature_c), "telemetry.idle_temperature_c", "must be finite");
    require(std::isfinite(t.busy_temperature_c), "telemetry.busy_temperature_c", "must be finite");
    require(std::isfinite(t.throttle_temperature_c), "telemetry.throttle_temperature_c", "must be finite");
    require(std::isfinite(t.idle_power_w) && t.idle_power_w >= 0.0, "telemetry.idle_power_w", "must be finite and >= 0");
    require(std::isfinite(t.busy_power_w) && t.busy_power_w >= 0.0, "telemetry.busy_power_w", "must be finite and >= 0");
    require(std::isfinite(t.power_limit_w) && t.power_limit_w >= 0.0, "telemetry.power_limit_w",
            "must be finite and >= 0");
    require(t.sample_cost >= ns{0}, "telemetry.sample_cost", "must be >= 0");
}

// The gate's timeout point (device time), or never_ for a gate that never starts (its stream hung).
inline std::chrono::nanoseconds Runtime::gate_expiry() const {
    if (!gate_ || gate_->start == never_) return never_;
    return gate_->timeout >= never_ - gate_->start ? never_ : gate_->start + gate_->timeout;
}

inline bool Runtime::gate_spinning_at(ns device_time) const {
    return gate_ && gate_->start != never_ && device_time >= gate_->start && device_time < gate_expiry();
}

// Whether an op enqueued on `stream` now has to wait for the gate: the stream holds work behind
// it, or synchronises implicitly with one that does (the legacy default stream and the
// blocking streams of its device).
inline bool Runtime::gate_blocks(const StreamState& stream) const {
    if (!gate_) return false;
    if (blocked_.count(index_of(stream)) != 0) return true;
    if (stream.kind == StreamKind::legacy) {
        for (const std::size_t index : blocked_) {
            const StreamState& other = streams_[index];
            if (other.device == stream.device && syncs_with_legacy(other.kind)) return true;
        }
        return false;
    }
    return syncs_with_legacy(stream.kind) && blocked_.count(legacy_[static_cast<std::size_t>(stream.device)]) != 0;
}

inline bool Runtime::gate_defers(StreamState& stream) {
    settle_expired_gate();
    return gate_blocks(stream);
}

inline int Runtime::defer_kernel(StreamState& stream, const Kernel& kernel) {
    DeferredOp op;
    op.kind = DeferredOp::Kind::kernel;
    op.stream = index_of(stream);
    op.host = host_;
    op.kernel = kernel;
    deferred_.push_back(std::move(op));
    blocked_.insert(index_of(stream));
    // Kernels behind the gate fill the launch queue; once it is full the host blocks in the
    // launch, which only the gate's timeout ends (nvbench warns of this deadlock).
    const std::size_t depth = config_.launch_queue_depth;
    if (depth != 0) {
        std::size_t pending = stream.queued.size();
        for (const DeferredOp& d : deferred_)
            if (d.kind != DeferredOp::Kind::record && d.kind != DeferredOp::Kind::wait && d.stream == index_of(stream))
                ++pending;
        if (pending > depth) wait_for_gate();
    }
    return status::success;
}

inline int Runtime::defer_record(StreamState& stream, EventState& event, int event_id) {
    DeferredOp op;
    op.kind = DeferredOp::Kind::record;
    op.stream = index_of(stream);
    op.host = host_;
    op.event = event_id;
    op.never = std::exchange(next_event_never_completes_, false);
    deferred_.push_back(std::move(op));
    blocked_.insert(index_of(stream));
    event.behind_gate = true;
    return status::success;
}

inline int Runtime::defer_wait(StreamState& stream, int event_id) {
    DeferredOp op;
    op.kind = DeferredOp::Kind::wait;
    op.stream = index_of(stream);
    op.host = host_;
    op.event = event_id;
    deferred_.push_back(std::move(op));
    blocked_.insert(index_of(stream));
    return status::success;
}

inline int Runtime::defer_graph(StreamState& stream, int exec_id) {
    DeferredOp op;
    op.kind = DeferredOp::Kind::graph;
    op.stream = index_of(stream);
    op.host = host_;
    op.event = exec_id;
    op.nodes = execs_[static_cast<std::size_t>(exec_id)].nodes;  // it may be destroyed before it runs
    deferred_.push_back(std::move(op));
    blocked_.insert(index_of(stream));
    return status::success;
}

// An event recorded now, not behind the gate, replaces its records still waiting behind it.
inline void Runtime::forget_deferred_records(EventState& event, int event_id) {
    if (!event.behind_gate) return;
    for (DeferredOp& op : deferred_)
        if (op.kind == DeferredOp::Kind::record && op.event == event_id) op.superseded = true;
    event.behind_gate = false;
}

inline void Runtime::settle_expired_gate() {
    const ns expiry = gate_expiry();
    if (gate_ && expiry != never_ && host_ >= expiry) open_gate(expiry, true);
}

// The host waits for work behind the gate, so it cannot release it: the gate ends at its
// timeout (never, for a gate whose stream hung before it: the wait then never ends either).
inline void Runtime::wait_for_gate() {
    if (!gate_) return;
    const ns expiry = gate_expiry();
    if (expiry == never_) {
        open_gate(never_, false);
        return;
    }
    host_ = std::max(host_, expiry);
    open_gate(expiry, true);
}

// The gate kernel ends at `end`; the deferred ops are placed, in order.
inline void Runtime::open_gate(ns end, bool timed_out) {
    const HeldGate gate = *gate_;
    gate_.reset();
    blocked_.clear();
    if (timed_out) ++gate_timeouts_;
    StreamState& held = streams_[gate.stream];
    set_tail(held, end);
    note_queued(held, end);
    if (end != never_) {
        Episode& current = episodes_.back();
        current.last_work_end = std::max(current.last_work_end, end);
    }
    std::vector<DeferredOp> ops;
    ops.swap(deferred_);
    for (const DeferredOp& op : ops) {
        StreamState& stream = streams_[op.stream];
        const ns ready = std::max(op.host, implicit_tail(stream));  // ready_time() at the op's host time
        switch (op.kind) {
            case DeferredOp::Kind::kernel: {
                const ns kernel_end = run_kernel(op.kernel, ready);
                set_tail(stream, kernel_end);
                note_queued(stream, kernel_end);
                break;
            }
            case DeferredOp::Kind::record: {
                if (op.superseded) break;
                const ns reached = op.never ? never_ : ready;
                set_tail(stream, reached);
                EventState& event = events_[static_cast<std::size_t>(op.event)];
                if (!event.alive) break;
                event.reached = reached;
                event.timestamp = reached == never_ ? never_ : floor_to_resolution(reached);
                event.behind_gate = false;
                break;
            }
            case DeferredOp::Kind::wait:
                set_tail(stream, std::max(implicit_tail(stream), events_[static_cast<std::size_t>(op.event)].reached));
                break;
            case DeferredOp::Kind::graph: {  // as graph_launch places a graph
                ExecState& exec = execs_[static_cast<std::size_t>(op.event)];
                const ns start = std::max(ready, exec.last_end);
                std::vector<ns> ends(op.nodes.size(), start);
                ns graph_end = start;
                for (std::size_t i = 0; i < op.nodes.size(); ++i) {
                    ns node_start = start;
                    for (const std::size_t dep : op.nodes[i].deps) node_start = std::max(node_start, ends[dep]);
                    ends[i] = run_kernel(op.nodes[i].kernel, node_start);
                    graph_end = std::max(graph_end, ends[i]);
                }
                exec.last_end = graph_end;
                set_tail(stream, graph_end);
                note_queued(stream, graph_end);
                break;
            }
        }
    }
}

inline int Runtime::begin_memory_call(Call call) {
    const int injected = take_call_fault(call);
    const int sticky = sticky_status();
    host_ += config_.api_cost;
    settle_expired_gate();
    return sticky != status::success ? sticky : injected;
}

inline bool Runtime::inside_allocation(const void* ptr, std::size_t bytes) const {
    const auto address = reinterpret_cast<std::uintptr_t>(ptr);
    auto found = allocations_.upper_bound(address);
    if (found == allocations_.begin()) return false;
    --found;
    return address - found->first <= found->second && bytes <= found->second - (address - found->first);
}

// The episode in force at device_time: the last one that woke up at or before it.
inline const Runtime::Episode& Runtime::episode_at(ns device_time) const {
    auto after = std::upper_bound(episodes_.begin(), episodes_.end(), device_time,
                                  [](ns time, const Episode& e) { return time < e.wake; });
    return after == episodes_.begin() ? episodes_.front() : *std::prev(after);
}

inline bool Runtime::throttled_at(ns device_time) const {
    const Throttle& throttle = config_.throttle;
    return device_time >= throttle.start && device_time < throttle.end;
}

// Time [ns] to run `cycles` from `start` at the rate min(clock model, throttle cap): piecewise,
// between the ramp's end, the window's edges and where the ramp crosses the cap; in each piece
// the rate is constant or the linear ramp, integrated as in cycles_to_ns.
inline double Runtime::cycles_to_ns_throttled(double cycles, ns start) const {
    constexpr double infinity = std::numeric_limits<double>::infinity();
    const ClockModel& clock = config_.clock;
    const Throttle& throttle = config_.throttle;
    const double max_rate = clock.max_clock_mhz / 1000.0;
    const double idle_rate = clock.idle_clock_mhz / 1000.0;
    const double cap = throttle.clock_mhz / 1000.0;
    const double window_start = static_cast<double>(throttle.start.count());
    const double window_end = static_cast<double>(throttle.end.count());
    const double ramp = static_cast<double>(clock.ramp_time.count());
    const double wake = static_cast<double>(episodes_.back().wake.count());
    const bool ramps = clock.enabled && ramp > 0.0 && idle_rate < max_rate;
    const double ramp_end = ramps ? wake + ramp : -infinity;
    const double slope = ramps ? (max_rate - idle_rate) / ramp : 0.0;
    const auto dvfs = [&](double t) { return t < ramp_end ? idle_rate + slope * (t - wake) : max_rate; };
    const double begin = static_cast<double>(start.count());
    double t = begin;
    double left = cycles;
    for (;;) {
        double next = infinity;
        for (const double edge : {ramp_end, window_start, window_end})
            if (edge > t) next = std::min(next, edge);
        if (ramps && cap > idle_rate && cap < max_rate) {
            const double cross = wake + (cap - idle_rate) / slope;
            if (cross > t) next = std::min(next, cross);
        }
        // Inside [t, next) the rate is one of the two forms; the midpoint says which.
        const double probe = next == infinity ? t + 1.0 : 0.5 * (t + next);
        const bool capped = probe >= window_start && probe < window_end && dvfs(probe) > cap;
        const double rate = capped ? cap : dvfs(t);
        const double accel = !capped && probe < ramp_end ? slope : 0.0;
        const double span = next - t;
        const double capacity = next == infinity ? infinity : rate * span + 0.5 * accel * span * span;
        if (left <= capacity) {
            const double d = accel > 0.0 ? 2.0 * left / (rate + std::sqrt(rate * rate + 2.0 * accel * left))
                                         : left / rate;
            return t + d - begin;
        }
        left -= capacity;
        t = next;
    }
}

}  // namespace gputime::sim
