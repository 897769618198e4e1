// SPDX-License-Identifier: MIT
// gputime/cuda/detail/event_wait.hpp - how CudaEventClock waits for an event, with a timeout.
//
//   detail::EventWait<Runtime> waiting(runtime);
//   const int status = waiting.wait(event);   // 0, or the failure cudaEventQuery reported
// Polls cudaEventQuery: spins (yield) for WaitBackoff::spin, then sleeps, the sleeps doubling up
// to WaitBackoff::max_sleep and never past the timeout. An event that does not complete within
// the timeout is a TimeoutError, and the stream counts as hung from then on.
#pragma once

#include <gputime/core/cuda_status.hpp>
#include <gputime/core/duration.hpp>
#include <gputime/core/error.hpp>
#include <gputime/cuda/wait_backoff.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>

namespace gputime::detail {

template <class Runtime>
class EventWait {
public:
    using event_type = typename Runtime::event_type;

    explicit EventWait(Runtime& runtime) noexcept : runtime_(&runtime) {}

    /// Polls until `e` completes; returns the status of the last query: 0, or a failure. Throws
    /// TimeoutError after timeout, or at once when the stream already hung and `e` is not complete.
    int wait(const event_type& e) {
        int status = runtime_->event_query(e);
        if (status == cuda_status::success) return status;
        if (status == cuda_status::not_ready && hung_at_) throw already_hung();
        const auto started = runtime_->host_now();
        std::chrono::nanoseconds sleep = backoff.first_sleep;
        while (status == cuda_status::not_ready) {
            const auto now = runtime_->host_now();
            const auto waited = now - started;
            if (waited > timeout) {
                hung_at_ = now;
                throw TimeoutError("gputime: a CUDA event did not complete within " + format(timeout) +
                                   " (hung kernel, or work waiting on something that never happens)");
            }
            if (waited < backoff.spin) {
                runtime_->yield();
            } else {
                // Never past the timeout: the last sleep ends at it, and the poll after it decides.
                runtime_->sleep_for(std::max(std::min(sleep, timeout - waited), std::chrono::nanoseconds{1}));
                sleep = std::min(sleep * 2, backoff.max_sleep);
            }
            status = runtime_->event_query(e);
        }
        return status;
    }

    /// True once a wait timed out: the stream is taken as hung.
    bool hung() const noexcept { return hung_at_.has_value(); }

    WaitBackoff backoff{};
    std::chrono::nanoseconds timeout = std::chrono::seconds(60);

private:
    TimeoutError already_hung() const {
        return TimeoutError("gputime: a CUDA event is not complete and this clock's stream already hung " +
                            format(runtime_->host_now() - *hung_at_) + " ago (an event did not complete within " +
                            format(timeout) +
                            "); streams run in order, so work queued behind it never completes: failing at once "
                            "instead of waiting again");
    }
    static std::string format(std::chrono::nanoseconds d) {
        return format_duration(Duration{static_cast<double>(d.count())});
    }

    Runtime* runtime_;
    std::optional<std::chrono::nanoseconds> hung_at_;  // host time a wait timed out
};

}  // namespace gputime::detail
