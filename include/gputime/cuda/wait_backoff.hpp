// SPDX-License-Identifier: MIT
// gputime/cuda/wait_backoff.hpp - how a GPU clock's wait for an event uses the host.
//
//   clock.wait_backoff(gputime::WaitBackoff{std::chrono::microseconds(20)});
// docs/gpu_clock.md, "Waiting", says what a wait costs.
#pragma once

#include <gputime/core/error.hpp>

#include <chrono>
#include <string>

namespace gputime {

/// How a wait for a mark uses the host (CudaEventClock::wait_backoff). A wait that can predict
/// the end (from recent durations) sleeps until `spin` before it, then polls back to back; one
/// that cannot polls with yield() for `spin`. Past that, sleeps between polls, `first_sleep`
/// first, each twice the last up to `max_sleep`, never past the timeout. The defaults notice the
/// end of a steady kernel within one query and keep a core busy for about `spin` per wait.
struct WaitBackoff {
    std::chrono::nanoseconds spin =
        std::chrono::microseconds(50);  ///< Polling before a predicted end (else with yield() first); >= 0.
    std::chrono::nanoseconds first_sleep = std::chrono::microseconds(10);  ///< The first sleep; > 0.
    std::chrono::nanoseconds max_sleep = std::chrono::microseconds(200);   ///< The longest sleep; >= first_sleep.
};

namespace detail {
// Throws InvalidArgument (from `where`) for spin < 0 ("backoff.spin"), first_sleep <= 0
// ("backoff.first_sleep"), max_sleep < first_sleep ("backoff.max_sleep").
inline void check_wait_backoff(const char* where, const WaitBackoff& backoff) {
    if (backoff.spin < std::chrono::nanoseconds{0})
        throw InvalidArgument(where, "backoff.spin",
                              "must be >= 0 ns, got " + std::to_string(backoff.spin.count()) + " ns");
    if (backoff.first_sleep <= std::chrono::nanoseconds{0})
        throw InvalidArgument(where, "backoff.first_sleep",
                              "must be > 0 ns, got " + std::to_string(backoff.first_sleep.count()) + " ns");
    if (backoff.max_sleep < backoff.first_sleep)
        throw InvalidArgument(where, "backoff.max_sleep",
                              "must be >= first_sleep (" + std::to_string(backoff.first_sleep.count()) + " ns), got " +
                                  std::to_string(backoff.max_sleep.count()) + " ns");
}
}  // namespace detail

}  // namespace gputime
