// SPDX-License-Identifier: MIT
// gputime/sim/runtime.hpp - a simulated GPU and CUDA runtime, for tests without a GPU.
//
//   gputime::sim::Runtime gpu;                                   // deterministic, never sleeps
//   gputime::CudaEventClock<gputime::sim::Runtime> clock(gpu);   // the real clock's code
//   gpu.launch(gputime::sim::Stream{}, gputime::sim::Kernel::fixed("gemm", 100us));
//
// sim::Runtime meets the runtime policy contract of gputime/cuda/runtime_policy.hpp, so
// CudaEventClock<sim::Runtime> runs the code CudaEventClock<CudaRuntime> runs on a GPU. Status
// codes and texts are CUDA's. The model, its parameters and its limits: docs/simulator.md. The
// member definitions live in sim/detail/, one header per concern (devices and streams, events,
// capture and graphs, the gate, memory, the device's clock), and every enqueued op reaches the
// timeline through one routine, Runtime::place (sim/detail/placement.hpp).
//
// Not thread-safe: one real thread drives it; simulated host threads (set_thread) share one host
// timeline. Copying a Runtime forks the simulation; share one by reference.
#pragma once

#include "gputime/core/cuda_status.hpp"
#include "gputime/core/error.hpp"
#include "gputime/sim/config.hpp"
#include "gputime/sim/counters.hpp"
#include "gputime/sim/detail/random.hpp"
#include "gputime/sim/detail/runtime_state.hpp"
#include "gputime/sim/graph.hpp"
#include "gputime/sim/handles.hpp"
#include "gputime/sim/kernel.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

/// A simulated GPU and CUDA runtime for tests without a GPU (docs/simulator.md).
namespace gputime::sim {

/// A simulated GPU and CUDA runtime: the runtime policy of CudaEventClock, on a modelled device
/// timeline (docs/simulator.md). Its policy calls return CUDA's status codes.
class Runtime {
public:
    using stream_type = Stream;         ///< Stream handle (cudaStream_t).
    using event_type = Event;           ///< Event handle (cudaEvent_t).
    using graph_type = Graph;           ///< Captured graph (cudaGraph_t).
    using graph_exec_type = GraphExec;  ///< Executable graph (cudaGraphExec_t).

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

    /// How often each call was made so far (a copy).
    Counters counters() const { return counters_; }
    /// The configuration the runtime was made with.
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
    /// The simulated host thread making calls now (set_thread()).
    int thread() const { return thread_; }
    /// The calling thread's current device (free; get_device is the policy call).
    int current_device() const;
    /// Uses of destroyed events seen so far (each also throws with Config::strict_handles).
    std::uint64_t handle_misuses() const { return handle_misuses_; }
    /// Kernel nodes of a captured graph, 0 for an unknown or destroyed one (free).
    std::size_t graph_node_count(Graph graph) const;

    // ---- the runtime policy contract (gputime/cuda/gpu_clock.hpp) -------------------

    /// cudaEventCreate: an event on the current device; 1 for a null pointer.
    int event_create(event_type* event);
    /// cudaEventDestroy; 400 for an unknown or destroyed event.
    int event_destroy(event_type event);
    /// cudaEventRecord: the event completes when the work enqueued on `stream` before it has.
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
    /// cudaGetDeviceCount: Config::device_count (0 and the status under an injected Fault).
    int device_count(int* count);
    /// cudaGetErrorName: "cudaErrorNotReady" for 600.
    static const char* error_name(int code);
    /// cudaGetErrorString: CUDA's text for the code.
    static const char* error_string(int code);
    /// The simulated host clock (it advances only by the costs of calls and host_work()).
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
    /// cudaGetDevice: the calling thread's current device.
    int get_device(int* device);
    /// A new stream on the current device (cudaStreamCreateWithFlags): flags
    /// cuda_status::stream_default (blocking) or stream_non_blocking; 1 for others.
    int stream_create(stream_type* stream, unsigned flags);
    /// The stream's device (cudaStreamGetDevice); the default streams answer the current device.
    int stream_get_device(stream_type stream, int* device);
    /// The stream's device as the driver tells it (cuStreamGetCtx, then the context's device),
    /// whatever Config::runtime_version; the default streams answer the current device.
    int stream_device_via_driver(stream_type stream, int* device);
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
    /// cudaGraphExecDestroy; launches already enqueued still run. 400 for an unknown one.
    int graph_exec_destroy(graph_exec_type exec);
    /// cudaGraphDestroy; 400 for an unknown or destroyed graph.
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
    /// while one is held or for a timeout <= 0; 400 for an unknown stream. On a capturing stream
    /// it is captured like any launch (a node of the graph, spinning for `timeout` when replayed)
    /// and nothing is held. With Config::lazy_load_synchronizes its first launch waits for the device.
    int gate_hold(Stream stream, std::chrono::nanoseconds timeout);
    /// Ends the gate kernel at the current host time (free: a store to mapped host memory); if
    /// its timeout has passed, it ended at the timeout instead (counted in gate_timeouts()).
    /// 1 when no gate is held.
    int gate_release();
    /// A gate kernel is held (gate_hold() without gate_release() yet).
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
    /// Config::memset_bytes_per_ns (work, for the clock model) and leaves up to an L2 of dirty
    /// lines (Kernel::writing). 1 unless [ptr, ptr + bytes) lies in one allocation of the stream's
    /// device; 400 for an unknown stream. Counted in Counters::memsets.
    int memset_async(void* ptr, int value, std::size_t bytes, stream_type stream);
    /// A kernel that reads [ptr, ptr + bytes) once and writes nothing (the read-only sweep of an
    /// L2 flush): like memset_async, but it leaves the L2 clean (Kernel::reading). Counted in
    /// Counters::l2_sweeps; CallFault{Call::l2_sweep_async}.
    int l2_sweep_async(const void* ptr, std::size_t bytes, stream_type stream);

    /// True when the clock has dropped at device time t: more than idle_threshold after the
    /// device's last work, and no gate kernel spinning (telemetry's "GPU idle" reason).
    bool clock_idle_at(std::chrono::nanoseconds device_time) const;
    /// True when work runs at device time t on any device: a kernel, a memset or sweep, a graph
    /// node, a spinning gate (free; TelemetryModel::idle_between_kernels). Throws InvalidArgument
    /// when Config::busy_history is false.
    bool device_busy_at(std::chrono::nanoseconds device_time) const;
    /// cudaDeviceGetPCIBusId: "0000:BB:00.0" with bus BB = 0x17 + 0x10 x device, into `id` (at most
    /// `length` bytes, NUL included); 101 for an unknown device, 1 for a short buffer; host_state_cost.
    int device_pci_bus_id(char* id, int length, int device);

private:
    using ns = std::chrono::nanoseconds;
    using EventState = detail::EventState;
    using StreamState = detail::StreamState;
    using StreamKind = detail::StreamKind;
    using Work = detail::Work;
    using Episode = detail::Episode;
    using ThreadState = detail::ThreadState;
    using GraphNode = detail::GraphNode;
    using Capture = detail::Capture;
    using GraphState = detail::GraphState;
    using ExecState = detail::ExecState;
    using HeldGate = detail::HeldGate;
    static constexpr ns never_ = detail::never;  // a device time never reached: a hung stream

    // runtime_core.hpp: configuration and the bookkeeping every call does
    static Config validated(Config config);
    static void validate_gate_and_telemetry(const Config& config);
    int begin_api_call(std::uint64_t& call_counter, Call call);
    int begin_host_state_call(std::uint64_t& call_counter, Call call);
    int begin_memory_call(Call call);
    int take_call_fault(Call call);
    int sticky_status() const;
    // device_model.hpp: kernels on the device, its clock (DVFS, throttling)
    ns floor_to_resolution(ns time) const;
    void note_kernel_start(ns start);
    ns kernel_duration(const Kernel& kernel, ns start);
    double cycles_to_ns(double cycles, ns start) const;
    double cycles_to_ns_throttled(double cycles, ns start) const;
    ns run_kernel(const Kernel& kernel, ns start, int device);
    const Episode& episode_at(ns device_time) const;
    double dvfs_clock_mhz_at(ns device_time) const;
    bool throttled_at(ns device_time) const;
    void note_busy(ns start, ns end);
    // streams.hpp: devices and streams
    ThreadState& thread_state();
    std::size_t add_stream(int device, StreamKind kind);
    std::optional<std::size_t> find_stream(Stream stream) const;  // never creates
    StreamState* stream_state(Stream stream);                     // creates a per-thread stream on first use
    std::size_t index_of(const StreamState& state) const;
    static bool syncs_with_legacy(StreamKind kind);
    ns implicit_tail(const StreamState& stream) const;
    ns ready_time(const StreamState& stream) const;
    void set_tail(StreamState& stream, ns tail);
    bool wait_for_queue_room(StreamState& stream);
    bool wait_for_device(int device);
    void note_queued(StreamState& stream, ns end);
    // placement.hpp: the one routine that puts enqueued work on the timeline
    int enqueue(StreamState& stream, Work work, bool must_wait_for_gate = false);
    void place(const Work& work);
    // events.hpp
    EventState* live_event(Event event);
    const EventState* live_event(Event event) const;
    EventState* event_for(Event event, const char* call);
    bool is_complete(const EventState& event) const;
    // capture.hpp: capture and graphs
    int legacy_capture_conflict(const StreamState& stream);
    int capture_state_status(const StreamState& stream) const;
    int unsafe_call_status();
    void invalidate(int capture);
    void end_capture(Capture& capture);
    bool all_joined(const Capture& capture, const std::vector<std::size_t>& frontier) const;
    // gate.hpp: work behind a held gate is deferred, then placed when the gate ends
    static const char* gate_kernel_name();
    ns gate_expiry() const;
    bool gate_spinning_at(ns device_time) const;
    bool gate_blocks(const StreamState& stream) const;
    bool gate_defers(StreamState& stream);
    int defer(StreamState& stream, Work work);
    void forget_deferred_records(EventState& event, int event_id);
    void settle_expired_gate();
    void wait_for_gate();
    void open_gate(ns end, bool timed_out);
    // memory.hpp
    bool inside_allocation(const void* ptr, std::size_t bytes, int device) const;
    int device_memory_op(const void* ptr, std::size_t bytes, stream_type stream, Call call, Kernel work);

    Config config_;
    ns host_{0};
    std::vector<StreamState> streams_;                       // every stream: default streams and created ones
    std::vector<std::size_t> created_;                       // Stream::id - 1 -> index into streams_
    std::vector<std::size_t> legacy_;                        // device -> its legacy default stream
    std::map<std::pair<int, int>, std::size_t> per_thread_;  // (thread, device) -> stream
    std::map<int, detail::ThreadState> threads_;
    int thread_ = 0;
    std::vector<detail::Capture> captures_;
    std::vector<detail::GraphState> graphs_;
    std::vector<detail::ExecState> execs_;
    std::uint64_t handle_misuses_ = 0;
    std::vector<EventState> events_;  // indexed by Event::id; ids are never reused
    std::set<std::string> loaded_kernels_;
    std::vector<detail::Episode> episodes_;
    Counters counters_{};
    int fault_status_ = status::success;
    bool next_event_never_completes_ = false;
    std::vector<CallFault> call_faults_;  // armed; removed once spent
    std::optional<ns> poisoned_at_;       // earliest end of a faulty kernel
    detail::Xoshiro256StarStar random_;
    // the gate and device memory
    std::optional<detail::HeldGate> gate_;
    std::set<std::size_t> blocked_;  // streams holding work behind the gate
    std::vector<Work> deferred_;     // work behind the gate, in enqueue order
    std::uint64_t gate_timeouts_ = 0;
    struct Allocation {
        std::size_t bytes;
        int device;
    };
    std::map<std::uintptr_t, Allocation> allocations_;  // fake device address -> its allocation
    std::vector<double> l2_dirty_;                      // per device: dirty bytes in its L2 (Kernel::l2_bytes)
    std::map<ns, ns> busy_;                             // when work runs (any device): start -> end, merged
    std::uintptr_t next_allocation_ = std::uintptr_t{1} << 40;
};

}  // namespace gputime::sim

// The member definitions, one header per concern.
#include "gputime/sim/detail/capture.hpp"
#include "gputime/sim/detail/device_model.hpp"
#include "gputime/sim/detail/events.hpp"
#include "gputime/sim/detail/gate.hpp"
#include "gputime/sim/detail/memory.hpp"
#include "gputime/sim/detail/placement.hpp"
#include "gputime/sim/detail/runtime_core.hpp"
#include "gputime/sim/detail/streams.hpp"
