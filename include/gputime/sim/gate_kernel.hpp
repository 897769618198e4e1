// SPDX-License-Identifier: MIT
// gputime/sim/gate_kernel.hpp - the simulated GPU's gate: gputime::CudaGate's twin for tests.
//
//   gputime::sim::Runtime gpu;
//   gputime::CudaEventClock<gputime::sim::Runtime> clock(gpu);
//   gputime::sim::Gate gate(gpu);
//   auto t = gputime::time_gated(clock, gate, [&] { gpu.launch(gputime::sim::Stream{}, kernel); });
//
// hold() launches the runtime's gate kernel (Runtime::gate_hold: a launch, launch_cost), which
// holds its stream until release() or until its timeout of device time; work enqueued behind
// it starts when it ends. docs/telemetry.md has the model.
#pragma once

#include <gputime/core/error.hpp>
#include <gputime/sim/runtime.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace gputime::sim {

/// The gate policy of gputime/cuda/gate.hpp on a simulated Runtime. The runtime must outlive it.
class Gate {
public:
    using stream_type = Stream;  ///< The simulated runtime's stream handle.

    /// Throws gputime::InvalidArgument (parameter "timeout") for a timeout <= 0.
    explicit Gate(Runtime& runtime, std::chrono::nanoseconds timeout = std::chrono::seconds(10))
        : runtime_(&runtime), timeout_(timeout) {
        if (timeout.count() <= 0)
            throw InvalidArgument("sim::Gate", "timeout",
                                  "must be > 0 ns, got " + std::to_string(timeout.count()) + " ns");
    }

    /// Launches the gate kernel on `stream`. Throws CudaError (call "gate_hold") when the
    /// launch fails: a sticky error, an injected launch fault, an unknown stream, a gate
    /// already held.
    void hold(Stream stream) {
        const int status = runtime_->gate_hold(stream, timeout_);
        if (status != 0)
            throw CudaError("gate_hold", status, Runtime::error_name(status), Runtime::error_string(status));
    }
    /// Lets the gate kernel end (nothing happens when none is held).
    void release() noexcept { (void)runtime_->gate_release(); }
    /// How many gate kernels ended by their timeout rather than release().
    std::uint64_t timeouts() const { return runtime_->gate_timeouts(); }
    /// Device time after which a held gate ends by itself.
    std::chrono::nanoseconds timeout() const { return timeout_; }
    /// The runtime the gate kernel runs on.
    Runtime& runtime() const { return *runtime_; }

private:
    Runtime* runtime_;
    std::chrono::nanoseconds timeout_;
};

}  // namespace gputime::sim
