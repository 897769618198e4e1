// SPDX-License-Identifier: MIT
// gputime/integrations/gbench.hpp - GPU timing inside a Google Benchmark loop: device time per iteration
// (UseManualTime + SetIterationTime), with p50, p99 and the first call as counters.
//
//   static void BM_gemm(benchmark::State& state) {
//       static gputime::GpuClock clock(stream);            // CUDA events on `stream`
//       static gputime::gbench::Timings timings;           // remembers the cold first call
//       gputime::gbench::time_iterations(state, clock, timings, [&] { launch_gemm(stream); });
//   }
//   BENCHMARK(BM_gemm)->UseManualTime();                   // required: report the device time
//
// Each iteration is resolved before the next and its device time given to SetIterationTime;
// errors end the benchmark with SkipWithError. Only this header includes <benchmark/benchmark.h>
// (link benchmark::benchmark). Why, the counters and the rules: docs/gbench.md.
#pragma once

#if defined(__has_include)
#if !__has_include(<benchmark/benchmark.h>)
#error \
    "gputime/integrations/gbench.hpp needs Google Benchmark: <benchmark/benchmark.h> was not found (Debian: apt-get install libbenchmark-dev; CMake: find_package(benchmark) and link benchmark::benchmark)"
#endif
#endif

#include <benchmark/benchmark.h>

#include <gputime/core/clock_contract.hpp>
#include <gputime/core/detail/sample_checks.hpp>
#include <gputime/core/duration.hpp>
#include <gputime/stats/stats.hpp>

#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

/// The Google Benchmark adapter: time a benchmark's iterations with a gputime clock.
namespace gputime::gbench {

/// The counter names time_iterations() and set_counters() write.
inline constexpr const char* p50_counter = "p50_ns";
inline constexpr const char* p99_counter = "p99_ns";                ///< See p50_counter.
inline constexpr const char* first_call_counter = "first_call_ns";  ///< See p50_counter.

/// What one benchmark measured across the runs Google Benchmark made of it. Keep it alive
/// across those runs (a static in the benchmark function, or a fixture member) so that its
/// first call is the benchmark's first call in the process, not the first iteration of
/// whichever run is reported.
class Timings {
public:
    /// True once an iteration was timed.
    bool has_first_call() const noexcept { return first_call_.has_value(); }
    /// The first iteration ever timed through this object. Throws std::logic_error before one.
    Duration first_call() const {
        if (!first_call_) throw std::logic_error("gputime::gbench::Timings::first_call: nothing timed yet");
        return *first_call_;
    }
    /// Every iteration of the latest run, in order, the first call excluded (steady samples).
    const Stats& latest_run() const noexcept { return run_; }
    /// Runs started through time_iterations().
    std::size_t runs() const noexcept { return runs_; }
    /// Forgets everything: the next iteration timed is a first call again.
    void reset() {
        first_call_.reset();
        run_ = Stats{};
        runs_ = 0;
    }

    /// A new run begins: its iterations replace the latest run's.
    void begin_run() {
        run_ = Stats{};
        ++runs_;
    }
    /// One iteration's time: the first call if none was timed yet, else a steady sample.
    /// Throws gputime::InvalidArgument (parameter "duration") for a NaN, infinite or negative
    /// duration (a broken clock), changing nothing.
    void record(Duration d) {
        if (!gputime::detail::valid_duration(d.count()))
            gputime::detail::throw_invalid_duration("gbench::Timings::record", d.count());
        if (!first_call_) first_call_ = Duration{d.count() + 0.0};  // + 0.0: a -0 is stored as 0
        else run_.add_steady(d);
    }

private:
    std::optional<Duration> first_call_;
    Stats run_;
    std::size_t runs_ = 0;
};

namespace detail {

inline double to_seconds(Duration d) noexcept { return d.count() / 1e9; }

inline void set_counter(benchmark::State& state, const char* name, double ns) {
    // kAvgThreads: each thread times its own iterations; a sum over threads would mean nothing.
    state.counters[name] = benchmark::Counter(ns, benchmark::Counter::kAvgThreads);
}

inline std::string error_text(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        return std::string("gputime: ") + x.what();
    } catch (...) {
        return "gputime: a non-standard exception";
    }
}

// A clock that can destroy a mark whose state is unknown (CudaEventClock::discard) instead of
// pooling it: after a failed wait the event may still be pending.
template <class C, class = void>
struct has_discard : std::false_type {};
template <class C>
struct has_discard<C, std::void_t<decltype(std::declval<C&>().discard(std::declval<const typename C::Mark&>()))>>
    : std::true_type {};

template <class Clock>
void forget_mark(Clock& clock, const typename Clock::Mark& mark) noexcept {
    if constexpr (has_discard<Clock>::value) clock.discard(mark);
    else clock.release(mark);
}

/// Times `fn` once and resolves it: the duration, or the error (nothing is left pending).
template <class Clock, class F>
std::optional<Duration> time_once(Clock& clock, F& fn, std::exception_ptr& error) noexcept {
    std::optional<typename Clock::Mark> start;
    std::optional<typename Clock::Mark> end;
    try {
        start.emplace(clock.mark());
    } catch (...) {
        error = std::current_exception();
        return std::nullopt;
    }
    try {
        fn();
    } catch (...) {
        error = std::current_exception();
        clock.release(*start);  // recorded before the failure: it completes like any other mark
        return std::nullopt;
    }
    try {
        end.emplace(clock.mark());
    } catch (...) {
        error = std::current_exception();
        clock.release(*start);
        return std::nullopt;
    }
    try {
        const Duration d = clock.elapsed(*start, *end);  // waits for the device: manual time per iteration
        clock.release(*start);
        clock.release(*end);
        return d;
    } catch (...) {
        error = std::current_exception();
        forget_mark(clock, *start);
        forget_mark(clock, *end);
        return std::nullopt;
    }
}

}  // namespace detail

/// Sets p50_ns and p99_ns from `steady` (when it has samples) and first_call_ns from
/// `first_call` (when given). Reading `steady` may throw what resolving it throws.
inline void set_counters(benchmark::State& state, const Stats& steady, std::optional<Duration> first_call) {
    if (steady.count() > 0) {
        detail::set_counter(state, p50_counter, steady.p50().count());
        detail::set_counter(state, p99_counter, steady.p99().count());
    }
    if (first_call) detail::set_counter(state, first_call_counter, first_call->count());
}

/// The counters of a Stats filled by ManualTimer: its steady samples, and its first call.
inline void set_counters(benchmark::State& state, const Stats& stats) {
    set_counters(state, stats, stats.has_first_call() ? std::optional<Duration>(stats.first_call()) : std::nullopt);
}

/// The counters of `timings`: its latest run and its first call.
inline void set_counters(benchmark::State& state, const Timings& timings) {
    set_counters(state, timings.latest_run(),
                 timings.has_first_call() ? std::optional<Duration>(timings.first_call()) : std::nullopt);
}

/// Runs `state`'s loop, timing each call of `fn` (fn()) with `clock` and resolving it before
/// the next: state.SetIterationTime(that duration), the duration into `timings`; then the
/// counters. Register the benchmark with ->UseManualTime(). An exception from `fn` or the clock
/// ends the loop with state.SkipWithError.
template <class Clock, class F>
void time_iterations(benchmark::State& state, Clock& clock, Timings& timings, F&& fn) {
    static_assert(gputime::detail::check_clock<Clock, Stats>());
    timings.begin_run();
    for (auto _ : state) {
        std::exception_ptr error;
        const std::optional<Duration> d = detail::time_once(clock, fn, error);
        if (d) {
            try {
                timings.record(*d);
            } catch (...) {
                error = std::current_exception();  // a duration no Stats accepts: a broken clock
            }
        }
        if (error) {
            state.SkipWithError(detail::error_text(error).c_str());
            break;
        }
        state.SetIterationTime(detail::to_seconds(*d));
    }
    try {
        set_counters(state, timings);
    } catch (...) {
        // Only allocation can fail here; the times themselves are already reported.
    }
}

/// As above with a Timings of its own, returned: its first call is the first iteration of
/// this run (keep a Timings across runs for the process's first call).
template <class Clock, class F>
Timings time_iterations(benchmark::State& state, Clock& clock, F&& fn) {
    Timings timings;
    time_iterations(state, clock, timings, std::forward<F>(fn));
    return timings;
}

/// One iteration of a manual-time loop as a scope: a mark when constructed; stop() (or the
/// destructor) marks the end, waits for it, adds the duration to `into` and calls
/// state.SetIterationTime with it.
///
///   gputime::Stats stats;
///   for (auto _ : state) {
///       gputime::gbench::ManualTimer timer(state, clock, stats);
///       enqueue_work(stream);
///   }                                   // the device time of this iteration is reported
///   gputime::gbench::set_counters(state, stats);
///
/// The destructor cannot throw: an error there becomes state.SkipWithError, and the loop must
/// then be left (break) by the caller; call stop() yourself to get the error as an exception.
template <class Clock>
class ManualTimer {
    static_assert(gputime::detail::check_clock<Clock, Stats>());

public:
    /// Takes the start mark. Throws what clock.mark() throws.
    ManualTimer(benchmark::State& state, Clock& clock, Stats& into)
        : state_(state), clock_(clock), into_(into), start_(clock.mark()) {}
    ManualTimer(const ManualTimer&) = delete;
    ManualTimer& operator=(const ManualTimer&) = delete;

    ~ManualTimer() {
        if (stopped_) return;
        try {
            stop();
        } catch (...) {
            try {
                state_.SkipWithError(detail::error_text(std::current_exception()).c_str());
            } catch (...) {
                // Allocation failed while reporting; the iteration has no time either way.
            }
        }
    }

    /// Ends the iteration: waits for the end mark, adds its duration to `into`, sets it as the
    /// iteration time and returns it. Throws what the clock (or Stats::add) throws; the iteration
    /// then has no time. Calling it twice throws std::logic_error.
    Duration stop() {
        if (stopped_) throw std::logic_error("gputime::gbench::ManualTimer::stop: already stopped");
        stopped_ = true;
        std::optional<typename Clock::Mark> end;
        try {
            end.emplace(clock_.mark());
        } catch (...) {
            clock_.release(start_);
            throw;
        }
        Duration d{0.0};
        try {
            d = clock_.elapsed(start_, *end);
        } catch (...) {
            detail::forget_mark(clock_, start_);
            detail::forget_mark(clock_, *end);
            throw;
        }
        clock_.release(start_);
        clock_.release(*end);
        into_.add(d);
        state_.SetIterationTime(detail::to_seconds(d));
        return d;
    }

private:
    benchmark::State& state_;
    Clock& clock_;
    Stats& into_;
    typename Clock::Mark start_;
    bool stopped_ = false;
};

}  // namespace gputime::gbench
