// SPDX-License-Identifier: MIT
// gputime/sim/counters.hpp - how often the simulated runtime was called, so that a test can
// prove a property of the code under test.
//
//   const auto before = gpu.counters();
//   { gputime::ScopedTimer t(stats, clock); gpu.launch(gputime::sim::Stream{}, kernel); }
//   assert(gpu.counters().stream_synchronizes == before.stream_synchronizes);  // no sync
#pragma once

#include <chrono>
#include <cstdint>

namespace gputime::sim {

/// How often each call was made (failed calls included): "no event is created after warm-up",
/// "a scope never synchronises", "results were resolved with one synchronize".
struct Counters {
    std::uint64_t event_creates = 0;        ///< event_create and event_create_with_flags
    std::uint64_t event_destroys = 0;       ///< event_destroy
    std::uint64_t event_records = 0;        ///< event_record
    std::uint64_t event_queries = 0;        ///< event_query
    std::uint64_t event_synchronizes = 0;   ///< event_synchronize
    std::uint64_t stream_synchronizes = 0;  ///< stream_synchronize
    std::uint64_t stream_waits = 0;         ///< stream_wait_event
    std::uint64_t elapsed_queries = 0;      ///< event_elapsed_ms
    std::uint64_t launches = 0;             ///< kernels launched (gate kernels included)
    std::uint64_t yields = 0;               ///< yield: the host gave up its time slice
    // ---- devices, streams, capture and graphs; waits ----
    std::uint64_t stream_creates = 0;          ///< stream_create (create_stream() is not counted)
    std::uint64_t device_calls = 0;            ///< set_device, get_device, stream_get_device
    std::uint64_t capture_queries = 0;         ///< stream_is_capturing
    std::uint64_t capture_mode_exchanges = 0;  ///< thread_exchange_capture_mode
    std::uint64_t captures = 0;                ///< stream_begin_capture
    std::uint64_t capture_ends = 0;            ///< stream_end_capture
    std::uint64_t graph_instantiations = 0;    ///< graph_instantiate
    std::uint64_t graph_launches = 0;          ///< graph_launch
    std::uint64_t graph_destroys = 0;          ///< graph_destroy and graph_exec_destroy
    std::uint64_t launch_queue_waits = 0;      ///< launches that blocked on a full launch queue
    std::uint64_t sleeps = 0;                  ///< sleep_for calls with a positive duration
    std::chrono::nanoseconds slept{0};         ///< their total duration
    // ---- device memory (docs/telemetry.md) ----
    std::uint64_t memsets = 0;    ///< memset_async calls
    std::uint64_t l2_sweeps = 0;  ///< l2_sweep_async calls (gputime::L2Flush: one per flush)
};

}  // namespace gputime::sim
