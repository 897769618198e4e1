// SPDX-License-Identifier: MIT
// gputime/cuda/detail/event_wait.hpp - how CudaEventClock waits for an event, with a timeout.
//
//   detail::EventWait<Runtime> waiting(runtime);
//   const int status = waiting.wait(end_event, started_at);  // 0, or what cudaEventQuery reported
// Sleeps until shortly before the end predicted from recent durations, then polls back to back;
// without a prediction, polls then sleeps with back-off. The rules and what a wait costs the host:
// docs/gpu_clock.md, "Waiting".
#pragma once

#include <gputime/core/cuda_status.hpp>
#include <gputime/core/duration.hpp>
#include <gputime/core/error.hpp>
#include <gputime/cuda/wait_backoff.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace gputime::detail {

template <class E, class = void>
struct comparable_events : std::false_type {};
template <class E>
struct comparable_events<
    E,
    std::enable_if_t<std::is_convertible<decltype(std::declval<const E&>() == std::declval<const E&>()), bool>::value>>
    : std::true_type {};

template <class Runtime>
class EventWait {
public:
    using event_type = typename Runtime::event_type;
    using ns = std::chrono::nanoseconds;

    explicit EventWait(Runtime& runtime) noexcept : runtime_(&runtime) {}

    /// Polls until `e` completes; returns the status of the last query: 0, or a failure. Throws
    /// TimeoutError after timeout, or at once when the stream already hung and `e` is not complete.
    /// `started_at`: for the end event of a pair, the host time its start was recorded (-1: none).
    int wait(const event_type& e, ns started_at = ns{-1}) {
        int status = runtime_->event_query(e);
        if (status == cuda_status::success) return status;
        if (status == cuda_status::not_ready && hung_at_) throw already_hung();
        const ns started = runtime_->host_now();
        ns spin_until = started + backoff.spin;
        ns sleep_cap = backoff.max_sleep;
        bool predicted = false;
        if (started_at >= ns{0} && learned_ >= 3) {
            predicted = true;
            const Range recent = recent_range();
            const ns earliest = started_at + recent.shortest;
            const ns wake = earliest - backoff.spin - overshoot();
            if (wake > started) {
                sleep(std::min(wake - started, timeout));  // the loop below decides at the timeout
                status = runtime_->event_query(e);
            }
            const ns latest =
                std::min(started_at + recent.longest, earliest + std::max(recent.shortest / 8, max_spread));
            spin_until = std::max(runtime_->host_now(), latest) + backoff.spin;
            sleep_cap = std::clamp(recent.shortest / 128, backoff.first_sleep, backoff.max_sleep);
        }
        ns next_sleep = std::min(backoff.first_sleep, sleep_cap);
        while (status == cuda_status::not_ready) {
            const ns now = runtime_->host_now();
            const ns waited = now - started;
            if (waited > timeout) {
                hung_at_ = now;
                throw TimeoutError("gputime: a CUDA event did not complete within " + format(timeout) +
                                   " (hung kernel, or work waiting on something that never happens)");
            }
            if (now < spin_until) {
                if (!predicted) runtime_->yield();  // a predicted stretch is short: query back to back
            } else {
                // Never past the timeout: the last sleep ends at it, and the poll after it decides.
                sleep(std::max(std::min(next_sleep, timeout - waited), ns{1}));
                next_sleep = std::min(next_sleep * 2, sleep_cap);
            }
            status = runtime_->event_query(e);
        }
        return status;
    }

    /// `e` was recorded at host time `at` (before the record call): a pair started by it can end
    /// no earlier than `at` plus its duration.
    void note_mark(const event_type& e, ns at) noexcept { marks_[next_mark_++ % marks_.size()] = MarkTime{e, at}; }
    /// When `e` was recorded, if it is one of the last few marks; -1 otherwise.
    ns mark_time(const event_type& e) const noexcept {
        if constexpr (comparable_events<event_type>::value) {
            for (std::size_t i = 1; i <= marks_.size() && i <= next_mark_; ++i) {
                const MarkTime& m = marks_[(next_mark_ - i) % marks_.size()];
                if (m.event == e) return m.at;
            }
        }
        (void)e;
        return ns{-1};
    }

    /// A measured duration (device time of a pair): what later waits predict from. A reading that
    /// is not a plausible duration (NaN, negative, longer than max_learned) is not learned: it
    /// would make the predicted wake-up time overflow.
    void learn(Duration d) noexcept {
        if (!(d.count() >= 0.0 && d.count() <= static_cast<double>(max_learned.count()))) return;
        durations_[learned_ % durations_.size()] = ns{static_cast<ns::rep>(d.count())};
        ++learned_;
    }
    /// The longest duration a prediction is made from (a day: far beyond any kernel).
    static constexpr ns max_learned = std::chrono::hours(24);

    /// True after a wait timed out, until recover(): the stream is taken as hung.
    bool hung() const noexcept { return hung_at_.has_value(); }
    /// The stream has passed the point where the wait gave up: wait normally again.
    void recover() noexcept { hung_at_.reset(); }

    WaitBackoff backoff{};
    ns timeout = std::chrono::seconds(60);
    /// How far past the earliest end a predicted wait polls, at most, for the spread of recent
    /// durations (beyond an eighth of the shortest): a wait within it never sleeps past the end.
    static constexpr ns max_spread = std::chrono::microseconds(500);

private:
    struct Range {
        ns shortest;
        ns longest;  // the second longest: one outlier does not widen the range
    };
    Range recent_range() const noexcept {
        std::array<ns, 8> sorted = durations_;
        const std::size_t n = std::min(learned_, sorted.size());
        std::sort(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(n));
        return Range{sorted[0], sorted[n - 2]};
    }

    // Sleeps, and keeps how much longer than asked the last few sleeps took (a host's timer slack
    // and wake-up latency), so that a predicted wake-up comes early enough.
    void sleep(ns duration) {
        const ns before = runtime_->host_now();
        runtime_->sleep_for(duration);
        const ns over = runtime_->host_now() - before - duration;
        overshoots_[slept_++ % overshoots_.size()] = std::max(over, ns{0});
    }
    ns overshoot() const noexcept {
        const std::size_t n = std::min(slept_, overshoots_.size());
        return n == 0 ? ns{0}
                      : *std::max_element(overshoots_.begin(), overshoots_.begin() + static_cast<std::ptrdiff_t>(n));
    }

    TimeoutError already_hung() const {
        return TimeoutError("gputime: a CUDA event is not complete and this clock's stream already hung " +
                            format(runtime_->host_now() - *hung_at_) + " ago (an event did not complete within " +
                            format(timeout) +
                            "); streams run in order, so work queued behind it cannot complete first: failing at "
                            "once until the stream passes that point, instead of waiting again");
    }
    static std::string format(ns d) { return format_duration(Duration{static_cast<double>(d.count())}); }

    struct MarkTime {
        event_type event{};
        ns at{-1};
    };

    Runtime* runtime_;
    std::optional<ns> hung_at_;        // host time a wait timed out
    std::array<MarkTime, 8> marks_{};  // the last marks and when they were recorded
    std::size_t next_mark_ = 0;
    std::array<ns, 8> durations_{};
    std::size_t learned_ = 0;
    std::array<ns, 8> overshoots_{};
    std::size_t slept_ = 0;
};

}  // namespace gputime::detail
