// gputime/sim/config.hpp - the knobs of the simulated GPU (gputime::sim::Runtime).
//
// Plain aggregates: set the fields you care about, the rest keep the defaults below.
// The defaults are round numbers of the right order for a desktop GPU, chosen so that
// hand-computed expectations in tests stay simple (every cost is a multiple of the
// 500 ns event resolution). They are not measurements of a particular card.
// docs/simulator.md describes the whole model.
#pragma once

#include <chrono>
#include <cstdint>

namespace gputime::sim {

/// Dynamic voltage and frequency scaling (DVFS). A real GPU lowers its SM clock when it
/// has been idle and raises it again once work arrives, so work that comes after idle
/// gaps (loading the next image between inferences) runs slower than a tight loop
/// (NVIDIA/TensorRT issue 2107: "TensorRT runs much slower for non-continuous inference"). Only cycle-count kernels (Kernel::cycles) feel the clock.
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
    no_device,              ///< every call returns 100 cudaErrorNoDevice
    insufficient_driver,    ///< every call returns 35 cudaErrorInsufficientDriver
    event_never_completes,  ///< the next event recorded never completes
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
};

/// One call failing on its own, without poisoning the context: `times` calls of `call`, after
/// `skip` calls of it that still succeed, return `status` and do nothing else (they still cost
/// their host time and are counted). Models the errors that concern one call, e.g. 400 (an
/// invalid handle) or 907 (an event last recorded in a capturing stream). A sticky status
/// takes precedence, as for every call. Inject with Runtime::inject(CallFault).
struct CallFault {
    Call call = Call::event_record;
    int status = 400;          ///< the cudaError_t to return; not 0
    std::uint64_t skip = 0;    ///< calls of `call` that succeed before the first failure
    std::uint64_t times = 1;   ///< calls that fail, from then on; at least 1
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

    /// What device_count() reports when no fault is injected. Must be >= 1; use
    /// Fault::no_device for a machine without a GPU.
    int device_count = 1;

    ClockModel clock{};
    Noise noise{};
};

}  // namespace gputime::sim
