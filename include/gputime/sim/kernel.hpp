// SPDX-License-Identifier: MIT
// gputime/sim/kernel.hpp - a mock kernel for the simulated GPU.
//
// A mock kernel is described by how long it runs, not by what it computes. The two
// kinds mirror the spin kernels one would write for a real GPU:
//   Kernel::fixed(name, ns)  spins on %globaltimer: a fixed wall time, whatever the clock;
//   Kernel::cycles(name, n)  spins on clock64(): a fixed cycle count, so its time follows
//                            the SM clock (and therefore the DVFS ramp, ClockModel).
// Plain aggregate: Kernel{"gemm", std::chrono::microseconds(100)} is a fixed kernel.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace gputime::sim {

/// A kernel of the simulated GPU: a name, and a fixed device duration or a count of SM cycles.
struct Kernel {
    /// Identifies the kernel for lazy loading: the first launch of each name pays the
    /// load cost. Two launches with the same name are the same kernel.
    std::string name;

    /// Device time of a fixed kernel [ns]. Ignored when cycle_count is set.
    std::chrono::nanoseconds duration{0};

    /// When set, the kernel runs this many SM clock cycles instead of `duration`.
    std::optional<std::uint64_t> cycle_count{};

    /// When set, replaces Config::lazy_load_cost for this kernel's first launch [ns]
    /// (a big module loads slower than a small one).
    std::optional<std::chrono::nanoseconds> lazy_load_cost{};

    /// A faulty kernel launches fine (launches are asynchronous) and poisons the context
    /// once it has run: every later call returns 719 cudaErrorLaunchFailure.
    bool faulty = false;

    /// A kernel that runs `duration` of wall time on the device.
    static Kernel fixed(std::string name, std::chrono::nanoseconds duration) {
        Kernel kernel;
        kernel.name = std::move(name);
        kernel.duration = duration;
        return kernel;
    }

    /// A kernel that runs `count` SM cycles; its time depends on the clock model.
    static Kernel cycles(std::string name, std::uint64_t count) {
        Kernel kernel;
        kernel.name = std::move(name);
        kernel.cycle_count = count;
        return kernel;
    }

    /// A copy with its own first-launch (lazy module load) cost.
    Kernel with_lazy_load_cost(std::chrono::nanoseconds cost) const {
        Kernel copy = *this;
        copy.lazy_load_cost = cost;
        return copy;
    }

    /// A copy that poisons the context after it runs (see `faulty`).
    Kernel with_fault() const {
        Kernel copy = *this;
        copy.faulty = true;
        return copy;
    }

    /// Runs SM cycles (its time follows the clock model), not a fixed duration.
    bool is_cycle_kernel() const { return cycle_count.has_value(); }

    // ---- its L2 footprint (docs/telemetry.md, "L2") ----

    /// Bytes of memory the kernel moves through the L2. The L2 is write-back: a dirty line is
    /// written to memory when something evicts it, so a kernel first writes back the dirty bytes
    /// its own bytes evict (up to l2_bytes of them), at Config::l2_writeback_bytes_per_ns, on top
    /// of its duration. 0 (the default): the kernel does not take part in the L2 model.
    std::size_t l2_bytes = 0;
    /// The kernel writes its l2_bytes (they stay dirty in the L2, up to its size) rather than
    /// only reading them.
    bool l2_writes = false;

    /// A copy that reads `bytes` through the L2.
    Kernel reading(std::size_t bytes) const {
        Kernel copy = *this;
        copy.l2_bytes = bytes;
        copy.l2_writes = false;
        return copy;
    }
    /// A copy that writes `bytes` through the L2.
    Kernel writing(std::size_t bytes) const {
        Kernel copy = *this;
        copy.l2_bytes = bytes;
        copy.l2_writes = true;
        return copy;
    }

    // ---- a hung kernel (docs/simulator.md, "CUDA semantics") ----

    /// A hung kernel never finishes (a deadlock, a spin on a flag nobody sets): its stream never
    /// gets past it, so every later event on that stream, and every stream that waits for one,
    /// never completes. Ignores duration and cycle_count.
    bool hangs = false;

    /// A kernel that never finishes.
    static Kernel hang(std::string name) {
        Kernel kernel;
        kernel.name = std::move(name);
        kernel.hangs = true;
        return kernel;
    }
};

}  // namespace gputime::sim
