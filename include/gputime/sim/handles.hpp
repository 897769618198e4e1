// SPDX-License-Identifier: MIT
// gputime/sim/handles.hpp - stream and event handles of the simulated runtime, and the error a
// test gets for using a destroyed one.
//
//   gputime::sim::Event done;
//   gpu.event_create(&done);
//   gpu.event_record(done, gputime::sim::Stream{});   // Stream{}: the legacy default stream
#pragma once

#include "gputime/core/cuda_status.hpp"

#include <stdexcept>

namespace gputime::sim {

/// A stream handle. A value-initialised Stream{} is the legacy default stream (id 0) of the
/// current device, as CUDA's stream 0; create_stream()/stream_create() give ids 1, 2, ...
struct Stream {
    int id = 0;  ///< 0: legacy default stream; -2: per-thread default stream; 1, 2...: created.
    /// CUDA's legacy default stream (stream 0, cudaStreamLegacy) of the current device.
    static constexpr Stream legacy() { return Stream{0}; }
    /// CUDA's per-thread default stream (cudaStreamPerThread) of the calling simulated thread
    /// and its current device.
    static constexpr Stream per_thread() { return Stream{-2}; }
    friend bool operator==(Stream a, Stream b) { return a.id == b.id; }  ///< Same id.
    friend bool operator!=(Stream a, Stream b) { return !(a == b); }     ///< Different ids.
};

/// An event handle from Runtime::event_create(); Event{} (id -1) is no event.
struct Event {
    int id = -1;  ///< -1: no event; 0, 1...: created by event_create().
    friend bool operator==(Event a, Event b) { return a.id == b.id; }  ///< Same id.
    friend bool operator!=(Event a, Event b) { return !(a == b); }     ///< Different ids.
};

/// The cudaError_t numbers the simulator returns: the same ones a real GPU does.
namespace status = gputime::cuda_status;

/// Thrown (with Config::strict_handles) by a policy call given a destroyed event: undefined
/// behaviour on a real GPU, so a test must fail rather than pass on a clean error code.
class HandleMisuse : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

}  // namespace gputime::sim
