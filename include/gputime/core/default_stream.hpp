// SPDX-License-Identifier: MIT
// gputime/core/default_stream.hpp - the legacy default stream, and the hint a report gives about it.
//
// CUDA's legacy default stream (stream 0, unless code is built with per-thread default streams)
// "synchronizes with all other streams in the same CUcontext except for non-blocking streams":
// before each of its operations it waits for every blocking stream of its device, and every
// blocking stream then waits for it (CUDA Runtime API, "Stream synchronization behavior").
// Events recorded there therefore cover whatever ran on the device's blocking streams meanwhile,
// and the timed work delays them: a clock on it measures everything that serialises with it.
// CudaEventClock::on_legacy_default_stream() says whether a clock is there; a report shows
// legacy_default_stream_hint() for such a run. Time on a stream of your own instead, created
// with cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking).
// Needs no CUDA header.
#pragma once

#include <string>
#include <type_traits>
#include <utility>

namespace gputime {

/// What a report says about a run timed on the legacy default stream.
inline std::string legacy_default_stream_hint() {
    return "timed on CUDA's legacy default stream (stream 0): it waits for every blocking stream of the device "
           "and makes them wait for it, so these times include work of other streams (and delay it); time on a "
           "stream of your own, created with cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking)";
}

namespace detail {
template <class Clock, class = void>
struct has_on_legacy_default_stream : std::false_type {};
template <class Clock>
struct has_on_legacy_default_stream<
    Clock, std::enable_if_t<
               std::is_convertible<decltype(std::declval<const Clock&>().on_legacy_default_stream()), bool>::value>>
    : std::true_type {};

/// True for a clock that times on CUDA's legacy default stream; false for any other clock
/// (host clocks, clocks of your own without on_legacy_default_stream()).
template <class Clock>
bool on_legacy_default_stream(const Clock& clock) {
    if constexpr (has_on_legacy_default_stream<Clock>::value) {
        return clock.on_legacy_default_stream();
    } else {
        (void)clock;
        return false;
    }
}
}  // namespace detail

}  // namespace gputime
