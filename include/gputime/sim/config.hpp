// SPDX-License-Identifier: MIT
// gputime/sim/config.hpp - the knobs of the simulated GPU (gputime::sim::Runtime).
//
// Plain aggregates: set the fields you care about, the rest keep the defaults below.
// The defaults are round numbers of the right order for a desktop GPU, chosen so that
// hand-computed expectations in tests stay simple (every cost is a multiple of the
// 500 ns event resolution). They are not measurements of a particular card.
// docs/simulator.md describes the whole model.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace gputime::sim {

/// Dynamic voltage and frequency scaling (DVFS). A real GPU lowers its SM clock when it
/// has been idle and raises it again once work arrives, so work that comes after idle
/// gaps (loading the next image between inferences) runs slower than a tight loop
/// (NVIDIA/TensorRT issue 2107: "TensorRT runs much slower for non-continuous inference"). Only cycle-count kernels
/// (Kernel::cycles) feel the clock.
struct ClockModel {
    /// Off by default: the device then always runs at max_clock_mhz.
    bool enabled = false;

    /// Clock while busy and fully ramped up [MHz] (a boost clock of a recent desktop GPU).
    double max_clock_mhz = 1980.0;

    /// Clock after an idle gap [MHz]; about a third of max_clock_mhz.
    double idle_clock_mhz = 660.0;

    /// An idle gap longer than this drops the device to idle_clock_mhz [ns]. 1 ms: the
    /// ~10 us gaps of a tight launch/synchronize loop keep the clock up, while loading
    /// an input between inferences (milliseconds) lets it fall.
    std::chrono::nanoseconds idle_threshold = std::chrono::milliseconds(1);

    /// Once work resumes after such a gap, the clock rises linearly from idle_clock_mhz
    /// to max_clock_mhz over this time [ns]. 0 = back at full speed at once.
    std::chrono::nanoseconds ramp_time = std::chrono::milliseconds(2);
};

/// Seeded run-to-run variation of kernel durations. Off by default (all zero), so a
/// simulation is exact unless a test asks for noise.
struct Noise {
    /// Same seed, same configuration, same calls -> the same durations on every machine.
    std::uint64_t seed = 0;

    /// Each kernel's device duration is multiplied by (1 + relative_stddev * N(0,1)),
    /// clamped at zero. 0 = no jitter; 0.02 = 2 % relative standard deviation.
    double relative_stddev = 0.0;

    /// Probability that a kernel is an outlier (preemption, a clock hiccup). 0 = none.
    double outlier_probability = 0.0;

    /// An outlier's duration is multiplied by this as well (rare, large).
    double outlier_factor = 5.0;
};

/// Failures to inject with Runtime::inject(), so error paths can be tested without a GPU.
/// (A kernel that fails is a Kernel with `faulty = true`; one failing call is a CallFault.)
enum class Fault {
    no_device,            ///< every call returns 100 cudaErrorNoDevice
    insufficient_driver,  ///< every call returns 35 cudaErrorInsufficientDriver
    /// The stream hangs at the next event recorded (a kernel before it never finishes): that
    /// event, everything enqueued on its stream after it, and every stream that waits for it
    /// never complete. Kernel::hang() hangs a stream the same way at a kernel.
    event_never_completes,
};

/// The calls a CallFault can make fail: the runtime policy's calls and launch().
enum class Call {
    event_create,
    event_destroy,
    event_record,
    event_query,
    event_synchronize,
    event_elapsed_ms,
    stream_wait_event,
    stream_synchronize,
    device_count,
    launch,
    // ---- devices, streams, capture and graphs (docs/simulator.md, "CUDA semantics") ----
    event_create_with_flags,
    set_device,
    get_device,
    stream_create,
    stream_get_device,
    stream_device_via_driver,
    device_pci_bus_id,
    stream_is_capturing,
    thread_exchange_capture_mode,
    stream_begin_capture,
    stream_end_capture,
    graph_instantiate,
    graph_launch,
    graph_exec_destroy,
    graph_destroy,
    // ---- device memory and the L2 flush (docs/telemetry.md) ----
    l2_cache_size,
    device_malloc,
    device_free,
    memset_async,
    l2_sweep_async,
};

/// One call failing on its own, without poisoning the context: `times` calls of `call`, after
/// `skip` calls of it that still succeed, return `status` and do nothing else (they still cost
/// their host time and are counted). Models the errors that concern one call, e.g. 400 (an
/// invalid handle) or 907 (an event last recorded in a capturing stream). A sticky status
/// takes precedence, as for every call. Inject with Runtime::inject(CallFault).
struct CallFault {
    Call call = Call::event_record;  ///< the runtime call that fails
    int status = 400;                ///< the cudaError_t to return; not 0
    std::uint64_t skip = 0;          ///< calls of `call` that succeed before the first failure
    std::uint64_t times = 1;         ///< calls that fail, from then on; at least 1
};

// ---- throttling and telemetry (docs/telemetry.md) ------------------------------------------

/// A stretch of device time during which the SM clock is capped, as a GPU caps it when it
/// reaches its temperature or power limit. Cycle kernels run slower inside it (fixed-time
/// kernels do not: they spin on wall time), and the simulated telemetry reports the cap with
/// its clock-event reason. Empty (start == end, the default) = no throttling.
struct Throttle {
    /// Why the clock is capped, as the telemetry's clock-event reasons say it.
    enum class Reason {
        thermal,  ///< reported as NVML's SW thermal slowdown (0x20)
        power,    ///< reported as NVML's SW power cap (0x4)
    };
    Reason reason = Reason::thermal;    ///< what the telemetry names as the cause
    std::chrono::nanoseconds start{0};  ///< first device time of the window [ns]
    std::chrono::nanoseconds end{0};    ///< end of the window (excluded) [ns]; >= start
    double clock_mhz = 990.0;           ///< the cap [MHz]: half of ClockModel::max_clock_mhz
};

/// What gputime::sim::Telemetry (sim/telemetry.hpp) reports besides the SM clock, which comes
/// from the clock model. Round numbers of the right order for a data-centre GPU, not a card's.
struct TelemetryModel {
    double memory_clock_mhz = 2600.0;      ///< constant: the model has no memory clock scaling
    double idle_temperature_c = 35.0;      ///< while the clock is down (ClockModel::idle_threshold)
    double busy_temperature_c = 60.0;      ///< while the device works
    double throttle_temperature_c = 90.0;  ///< inside a thermal Throttle window
    double idle_power_w = 60.0;            ///< while the clock is down
    double busy_power_w = 400.0;           ///< while the device works at max_clock_mhz; scales with the clock
    double power_limit_w = 700.0;          ///< inside a power Throttle window
    /// Host time one sample takes [ns]: reading the counters is not free (an NVML query is a
    /// driver call), and when it runs between calls it lengthens the gap between them.
    std::chrono::nanoseconds sample_cost{0};
    /// How fast the reasons follow the work. false (the default): the device reads idle ("GPU
    /// idle", idle power) once its clock has dropped (ClockModel::idle_threshold after the last
    /// work). true, as NVML reports them: "GPU idle" and idle power as soon as no kernel runs,
    /// and the power cap only while one runs (an idle GPU draws no power to cap). A sample
    /// taken between calls then sees an idle GPU, whatever capped the calls.
    bool idle_between_kernels = false;
};

/// Everything the simulated runtime needs to know. Host costs are what each call takes
/// on the (virtual) host clock; they are what "host launch overhead" measures.
struct Config {
    /// Host time of each Runtime::launch() call [ns] (cudaLaunchKernel is a few us).
    std::chrono::nanoseconds launch_cost = std::chrono::microseconds(5);

    /// Host time of every other policy call [ns]: event create/destroy/record/query/
    /// synchronize/elapsed, stream wait/synchronize, device count. error_name,
    /// error_string and host_now are free.
    std::chrono::nanoseconds api_cost = std::chrono::microseconds(1);

    /// Event timestamps are floored to a multiple of this [ns]; CUDA documents about
    /// 0.5 us resolution for cudaEventElapsedTime. 0 = exact timestamps.
    std::chrono::nanoseconds event_resolution = std::chrono::nanoseconds(500);

    /// Host time that each yield() takes [ns], i.e. the period of a polling loop.
    std::chrono::nanoseconds poll_cost = std::chrono::microseconds(1);

    /// Extra host time inside the first launch of each distinct kernel name [ns]: CUDA's
    /// lazy module loading. The host is blocked in that call, so the GPU sits idle and
    /// an event pair around the first call sees the cost too. A Kernel may override it.
    std::chrono::nanoseconds lazy_load_cost = std::chrono::nanoseconds(0);

    /// The first launch of each kernel name (its lazy module load) first waits until the
    /// device's work has finished: "loading kernels might require context synchronization" (CUDA
    /// C++ Programming Guide, Lazy Loading; CUDA_MODULE_LOADING=LAZY is the default since CUDA
    /// 12.2). A gate held on the device then holds the launch until the gate's timeout: the
    /// deadlock nvbench met (NVIDIA/nvbench issues 136 and 240). Off by default, so that a first
    /// launch behind running work costs only lazy_load_cost.
    bool lazy_load_synchronizes = false;

    /// What device_count() reports when no fault is injected. Must be >= 1; use
    /// Fault::no_device for a machine without a GPU.
    int device_count = 1;

    ClockModel clock{};  ///< DVFS: the SM clock drops after idle gaps (off by default)
    Noise noise{};       ///< seeded variation of kernel durations (off by default)

    // ---- devices, streams, capture and graphs (docs/simulator.md, "CUDA semantics") ----

    /// Host time of the calls that only read or swap host-side state [ns]: get_device,
    /// set_device, stream_get_device, stream_is_capturing, thread_exchange_capture_mode (the
    /// runtime answers them without a round trip to the GPU). 0 by default, so that a clock's
    /// capture and device checks leave every other cost in a test exact.
    std::chrono::nanoseconds host_state_cost = std::chrono::nanoseconds(0);

    /// Kernels (and graph launches) a stream may have pending before a launch blocks the host:
    /// past it, the launch call waits until the oldest one finishes. A real GPU's launch queue
    /// holds about a thousand; 0 = unlimited.
    std::size_t launch_queue_depth = 1024;

    /// Host time of one graph_launch [ns], whatever the graph holds: the launch cost a CUDA graph
    /// pays once for all its kernels.
    std::chrono::nanoseconds graph_launch_cost = std::chrono::microseconds(5);

    /// Host time graph_instantiate takes per kernel node of the graph [ns], on top of api_cost.
    std::chrono::nanoseconds graph_node_instantiate_cost = std::chrono::microseconds(2);

    /// stream_get_device during a stream capture is a "potentially unsafe" call (as event_query
    /// is): made where cudaThreadExchangeStreamCaptureMode prohibits those, it returns 900 and
    /// invalidates the capture. Reported for cuStreamGetDevice (NVIDIA/cccl pull request 9119),
    /// unconfirmed for the runtime's cudaStreamGetDevice (tests/gpu/validate.sh checks it on a GPU);
    /// off by default.
    bool stream_get_device_unsafe_in_capture = false;

    /// The runtime's version, as CUDART_VERSION (12080 = CUDA 12.8). Below 12080 the runtime has
    /// no cudaStreamGetDevice: stream_get_device returns 801 (cudaErrorNotSupported), as a policy
    /// built against such a runtime does, and only the driver tells a stream's device
    /// (stream_device_via_driver: cuStreamGetCtx, then that context's device).
    int runtime_version = 13000;

    /// Using a destroyed event is undefined behaviour on a real GPU. With strict_handles (the
    /// default) a policy call given one throws sim::HandleMisuse (a std::logic_error) and counts
    /// it (Runtime::handle_misuses()), so a test fails instead of passing on a clean 400 that a
    /// real GPU does not promise. Off: such a call returns 400 (cudaErrorInvalidResourceHandle).
    bool strict_handles = true;

    // ---- the gate, device memory, L2 and telemetry (docs/telemetry.md) ----

    /// What l2_cache_size() reports [bytes] (cudaDevAttrL2CacheSize): the size gputime::L2Flush
    /// overwrites before each call. 50 MB; 0 = a device without L2.
    int l2_cache_bytes = 50000000;

    /// Device speed of memset_async and l2_sweep_async [bytes/ns]: 2500 bytes/ns (2.5 TB/s), so
    /// writing the default L2's 50 MB takes 20 us.
    double memset_bytes_per_ns = 2500.0;

    /// Speed at which dirty L2 lines are written back to memory when evicted [bytes/ns]. A
    /// memset leaves up to an L2 of dirty lines; the kernel that evicts them pays for writing them
    /// back (Kernel::l2_bytes). 2500 bytes/ns: a full default L2 takes 20 us.
    double l2_writeback_bytes_per_ns = 2500.0;

    /// Keep the history of when work ran (Runtime::device_busy_at, which telemetry's
    /// idle_between_kernels reads). It grows by one entry per idle gap between kernels; false
    /// keeps none, so a long run's bookkeeping neither grows nor allocates.
    bool busy_history = true;

    Throttle throttle{};         ///< a window of capped SM clock; none by default
    TelemetryModel telemetry{};  ///< what sim::Telemetry reports besides the SM clock
};

}  // namespace gputime::sim
