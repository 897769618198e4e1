// gputime/cuda_event_clock.hpp - the GPU clock backend: CUDA events on one stream.
//
// A mark is an event recorded in stream order; its time is known only once the device
// reaches it. So the clock never waits inside timed code:
//  * stop() records the end event and files the (start, end) pair as pending for a Stats;
//    the pair is resolved (cudaEventQuery, then cudaEventElapsedTime) when that Stats is
//    next read, at synchronize(), or when more than max_pending() pairs wait.
//  * Events come from a pool: after the first few calls the clock creates no events.
//  * Waiting polls cudaEventQuery and yields, with a timeout (TimeoutError instead of a hang).
//  * A CUDA failure is a CudaError. stop() is called from destructors, so it never throws:
//    it parks the error and the next read of the Stats (or synchronize()) rethrows it.
//    Samples delivered before a failure stay in their Stats.
// The CUDA runtime is a template policy (see gputime/runtime_policy.hpp for the contract):
// CudaEventClock<CudaRuntime> on a GPU, CudaEventClock<sim::Runtime> in tests without one.
// Not thread-safe: use one clock per thread (and per stream).
#pragma once

#include <gputime/clock.hpp>
#include <gputime/cuda_status.hpp>
#include <gputime/detail/pending_samples.hpp>
#include <gputime/duration.hpp>
#include <gputime/error.hpp>
#include <gputime/runtime_policy.hpp>
#include <gputime/scoped_timer.hpp>
#include <gputime/stats.hpp>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <deque>
#include <exception>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace gputime {

template <class Runtime>
class CudaEventClock final : private detail::PendingSamples {
    static_assert(detail::check_runtime_policy<Runtime>());

public:
    using runtime_type = Runtime;
    using stream_type = typename Runtime::stream_type;
    using event_type = typename Runtime::event_type;
    using Mark = event_type;
    static constexpr bool measures_device = true;

    /// Times work on `stream` through `runtime`, which must outlive the clock.
    /// Throws CudaError when no usable device is present (checked once, here).
    explicit CudaEventClock(Runtime& runtime, stream_type stream = stream_type{})
        : runtime_(&runtime), stream_(stream) {
        int devices = 0;
        check("cudaGetDeviceCount", runtime_->device_count(&devices));
        if (devices <= 0) throw cuda_error("cudaGetDeviceCount", cuda_status::no_device);
    }

    /// For a stateless runtime policy (CudaRuntime): uses a shared instance of it.
    template <class R = Runtime, std::enable_if_t<std::is_empty<R>::value, int> = 0>
    explicit CudaEventClock(stream_type stream = stream_type{})
        : CudaEventClock(stateless_instance(), stream) {}

    CudaEventClock(const CudaEventClock&) = delete;
    CudaEventClock& operator=(const CudaEventClock&) = delete;

    ~CudaEventClock() {
        try {
            deliver_pending();
        } catch (...) {
            // A destructor must not throw; what could not be resolved was dropped.
        }
        abandon_pending();
        for (Stats* s : parked_sinks_) detail::StatsAccess::set_pending_source(*s, nullptr);
        for (const event_type& e : free_) runtime_->event_destroy(e);
    }

    // ---- the clock interface (see gputime/host_clock.hpp) ----

    /// Records an event on the stream now. Throws CudaError.
    Mark mark() {
        const event_type e = acquire();
        const int status = runtime_->event_record(e, stream_);
        if (status != cuda_status::success) {
            free_.push_back(e);
            throw cuda_error("cudaEventRecord", status);
        }
        return e;
    }

    /// Records the end event and files (started, end) for `into`. Never throws: an error is
    /// parked and rethrown by the next read of `into` or by synchronize().
    void stop(const Mark& started, Stats& into) noexcept {
        Mark end{};
        try {
            end = mark();
        } catch (...) {
            release(started);
            park(std::current_exception(), into);
            return;
        }
        try {
            link(into);
            pending_.push_back(Pending{started, end, &into});
        } catch (...) {
            release(started);
            release(end);
            park(std::current_exception(), into);
            return;
        }
        if (pending_.size() > max_pending_) {
            try {
                deliver_completed(true);
            } catch (...) {
                park(std::current_exception(), into);
            }
        }
    }

    /// Device time between two marks; waits (polling, with timeout) until both are reached.
    Duration elapsed(const Mark& from, const Mark& to) {
        wait(from);
        wait(to);
        float ms = 0.0f;
        check("cudaEventElapsedTime", runtime_->event_elapsed_ms(&ms, from, to));
        // Events resolve to ~0.5 us; rounding to whole nanoseconds loses nothing real.
        return Duration{std::round(static_cast<double>(ms) * 1e6)};
    }

    void release(const Mark& mark) noexcept {
        try {
            free_.push_back(mark);
        } catch (...) {
            runtime_->event_destroy(mark);
        }
    }

    /// Waits for every marked pair and delivers all pending samples; rethrows a parked error.
    void synchronize() { deliver_pending(); }

    std::chrono::nanoseconds host_now() { return runtime_->host_now(); }
    void idle_for(std::chrono::nanoseconds gap) { runtime_->sleep_for(gap); }

    // ---- configuration and introspection ----

    /// Creates `count` events up front, so even the first calls create none.
    CudaEventClock& reserve(std::size_t count) {
        while (free_.size() < count) {
            event_type e{};
            check("cudaEventCreate", runtime_->event_create(&e));
            free_.push_back(e);
        }
        return *this;
    }
    /// How long a wait for a mark may take before TimeoutError (default 60 s: a model's
    /// first call can legitimately take seconds: a TensorFlow session's first run has been seen
    /// to take 6 s).
    CudaEventClock& resolve_timeout(std::chrono::nanoseconds timeout) {
        timeout_ = timeout;
        return *this;
    }
    /// Pairs allowed to wait before stop() resolves the oldest (default 4096).
    CudaEventClock& max_pending(std::size_t pairs) {
        max_pending_ = pairs == 0 ? 1 : pairs;
        return *this;
    }
    std::size_t max_pending() const noexcept { return max_pending_; }
    std::size_t pending_count() const noexcept { return pending_.size(); }
    std::size_t events_created() const noexcept { return events_created_; }
    stream_type stream() const noexcept { return stream_; }
    Runtime& runtime() const noexcept { return *runtime_; }

private:
    struct Pending {
        event_type start;
        event_type stop;
        Stats* sink;
    };

    static Runtime& stateless_instance() {
        static Runtime instance;
        return instance;
    }

    CudaError cuda_error(const char* call, int status) const {
        return CudaError(call, status, runtime_->error_name(status), runtime_->error_string(status));
    }
    void check(const char* call, int status) const {
        if (status != cuda_status::success) throw cuda_error(call, status);
    }

    event_type acquire() {
        if (!free_.empty()) {
            const event_type e = free_.back();
            free_.pop_back();
            return e;
        }
        event_type e{};
        check("cudaEventCreate", runtime_->event_create(&e));
        ++events_created_;
        return e;
    }

    void wait(const event_type& e) {
        int status = runtime_->event_query(e);
        if (status == cuda_status::success) return;
        const auto started = runtime_->host_now();
        while (status == cuda_status::not_ready) {
            if (runtime_->host_now() - started > timeout_)
                throw TimeoutError("gputime: a CUDA event did not complete within " +
                                   format_duration(Duration{static_cast<double>(timeout_.count())}) +
                                   " (hung kernel, or work waiting on something that never happens)");
            runtime_->yield();
            status = runtime_->event_query(e);
        }
        check("cudaEventQuery", status);
    }

    void link(Stats& sink) {
        detail::PendingSamples* current = detail::StatsAccess::pending_source(sink);
        if (current == this) return;
        // Another clock still owes this Stats samples: settle them first to keep order.
        if (current != nullptr) current->deliver_pending();
        detail::StatsAccess::set_pending_source(sink, this);
    }

    void park(std::exception_ptr error, Stats& sink) noexcept {
        if (!parked_) parked_ = std::move(error);
        // A Stats already linked to a clock gets to one when read; link an unlinked one to us
        // so that its next read reports the error.
        if (detail::StatsAccess::pending_source(sink) != nullptr) return;
        try {
            parked_sinks_.push_back(&sink);
            detail::StatsAccess::set_pending_source(sink, this);
        } catch (...) {
            // Out of memory while parking: the error still surfaces at synchronize().
        }
    }

    // Resolves pairs from the oldest. With `only_ready` (making room in stop()) it resolves the
    // oldest pair in any case and then only pairs the device has already passed.
    // On a failure every pending pair is dropped: after a sticky CUDA error or a timeout their
    // times are unknowable, and keeping them would make every later read fail again. Samples
    // delivered before stay in their Stats.
    void deliver_completed(bool only_ready) {
        std::vector<Stats*> delivered_to;
        try {
            bool oldest = true;
            while (!pending_.empty()) {
                const Pending p = pending_.front();
                if (only_ready && !oldest && !is_complete(p.stop)) break;
                oldest = false;
                pending_.pop_front();
                Duration d{};
                try {
                    d = elapsed(p.start, p.stop);
                } catch (...) {
                    release(p.start);
                    release(p.stop);
                    throw;
                }
                release(p.start);
                release(p.stop);
                p.sink->add(d);
                if (delivered_to.empty() || delivered_to.back() != p.sink) delivered_to.push_back(p.sink);
            }
        } catch (...) {
            abandon_pending();
            throw;
        }
        for (Stats* sink : delivered_to)
            if (!owes(sink)) detail::StatsAccess::set_pending_source(*sink, nullptr);
    }

    bool is_complete(const event_type& e) {
        const int status = runtime_->event_query(e);
        if (status == cuda_status::not_ready) return false;
        check("cudaEventQuery", status);
        return true;
    }

    bool owes(const Stats* sink) const {
        for (const Pending& p : pending_)
            if (p.sink == sink) return true;
        for (const Stats* s : parked_sinks_)
            if (s == sink) return true;
        return false;
    }

    void abandon_pending() noexcept {
        for (const Pending& p : pending_) {
            release(p.start);
            release(p.stop);
            detail::StatsAccess::set_pending_source(*p.sink, nullptr);
        }
        pending_.clear();
    }

    void deliver_pending() override {
        deliver_completed(false);
        for (Stats* s : parked_sinks_) detail::StatsAccess::set_pending_source(*s, nullptr);
        parked_sinks_.clear();
        if (parked_) {
            std::exception_ptr error = std::move(parked_);
            parked_ = nullptr;
            std::rethrow_exception(error);
        }
    }

    void forget_sink(Stats* sink) noexcept override {
        for (auto it = pending_.begin(); it != pending_.end();) {
            if (it->sink == sink) {
                release(it->start);
                release(it->stop);
                it = pending_.erase(it);
            } else {
                ++it;
            }
        }
        for (auto it = parked_sinks_.begin(); it != parked_sinks_.end();)
            it = (*it == sink) ? parked_sinks_.erase(it) : it + 1;
    }

    void move_sink(Stats* from, Stats* to) noexcept override {
        for (Pending& p : pending_)
            if (p.sink == from) p.sink = to;
        for (Stats*& s : parked_sinks_)
            if (s == from) s = to;
    }

    Runtime* runtime_;
    stream_type stream_;
    std::vector<event_type> free_;
    std::deque<Pending> pending_;
    std::vector<Stats*> parked_sinks_;
    std::exception_ptr parked_;
    std::chrono::nanoseconds timeout_ = std::chrono::seconds(60);
    std::size_t max_pending_ = 4096;
    std::size_t events_created_ = 0;
};

/// The GPU timer: a ScopedTimer on a CudaEventClock, whichever CUDA runtime the clock uses
/// (the real one, or gputime::sim::Runtime in tests).
///   gputime::GpuClock clock(stream);
///   { gputime::ScopedGpuTimer timer(stats, clock); launch_kernels(stream); }
template <class Runtime>
class ScopedGpuTimer : public ScopedTimer<CudaEventClock<Runtime>> {
public:
    using ScopedTimer<CudaEventClock<Runtime>>::ScopedTimer;
};

template <class Runtime>
ScopedGpuTimer(Stats&, CudaEventClock<Runtime>&) -> ScopedGpuTimer<Runtime>;

}  // namespace gputime
