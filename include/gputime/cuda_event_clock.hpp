// gputime/cuda_event_clock.hpp - the GPU clock backend: CUDA events on one stream.
//
// A mark is an event recorded in stream order; its time is known only once the device
// reaches it. So the clock never waits inside timed code:
//  * stop() records the end event and files the (start, end) pair as pending for a Stats;
//    the pair is resolved (cudaEventQuery, then cudaEventElapsedTime) when that Stats is
//    next read, at synchronize(), or when more than max_pending() pairs wait.
//  * Events come from a pool: after the first few calls the clock creates no events.
//  * Waiting polls cudaEventQuery and yields, with a timeout (TimeoutError instead of a hang).
// The CUDA runtime is a template policy (see gputime/runtime_policy.hpp for the contract):
// CudaEventClock<CudaRuntime> on a GPU, CudaEventClock<sim::Runtime> in tests without one.
// Not thread-safe: use one clock per thread (and per stream).
//
// Failures. A CUDA failure is a CudaError, a mark the device does not reach within
// resolve_timeout() a TimeoutError. stop() is called from destructors, so it never throws:
// an error that concerns a Stats (its end mark could not be recorded, its pair could not be
// resolved) is kept for that Stats, and the Stats' next read rethrows it, once; so does
// synchronize(), which reports one error and clears it from every Stats that holds it.
// Samples delivered before a failure stay in their Stats. What a failure costs:
//  * an error of one call (e.g. 400 invalid handle, 907 captured event): only the pair it
//    concerns is dropped; every other pair is resolved as usual;
//  * a sticky error (cuda_status::is_sticky: the context is unusable) or a timeout: every
//    pending pair is dropped, since none can be resolved any more, and every Stats that lost
//    one is told at its next read;
//  * after a timeout the stream counts as hung for good (streams run in order: nothing queued
//    behind the stuck work completes). A later wait checks its mark once and, if it is not
//    complete, throws TimeoutError at once ("already hung") instead of waiting the timeout
//    again; the destructor does not wait either;
//  * an event whose record failed, or whose pair failed, is destroyed, not pooled: its state
//    is unknown.
// The clock and its Stats may die in any order: a Stats whose clock dies while owing it an
// error keeps that error (its next read rethrows it) and never touches the dead clock.
//
// Bad input (gputime::InvalidArgument, nothing changes): resolve_timeout(t) with t <= 0
// (parameter "timeout"), max_pending(0) ("pairs").
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
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace gputime {

template <class Runtime>
class CudaEventClock final {
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

    /// Resolves what it still owes (waiting at most the timeout, and not at all once the stream
    /// hung). A Stats left owed an error keeps it: its next read rethrows it.
    ~CudaEventClock() {
        while (!pending_.empty()) resolve_front(nullptr);
        for (Link* l = links_; l != nullptr;) {
            Link* next = l->next;
            if (l->error) {
                l->clock = nullptr;  // the Stats owns it now; it deletes itself once read
                l->prev = l->next = nullptr;
            } else {
                detail::StatsAccess::set_pending_source(*l->sink, nullptr);
                delete l;
            }
            l = next;
        }
        while (spare_links_ != nullptr) {
            Link* next = spare_links_->next;
            delete spare_links_;
            spare_links_ = next;
        }
        for (const event_type& e : free_) runtime_->event_destroy(e);
    }

    // ---- the clock interface (see gputime/clock.hpp) ----

    /// Records an event on the stream now. Throws CudaError (the event is then destroyed).
    Mark mark() {
        const event_type e = acquire();
        const int status = runtime_->event_record(e, stream_);
        if (status != cuda_status::success) {
            discard(e);
            throw cuda_error("cudaEventRecord", status);
        }
        return e;
    }

    /// Records the end event and files (started, end) for `into`. Never throws: an error is
    /// kept for `into`, whose next read (or synchronize()) rethrows it.
    void stop(const Mark& started, Stats& into) noexcept {
        last_stop_wait_ = std::chrono::nanoseconds{0};
        Mark end{};
        try {
            end = mark();
        } catch (...) {
            release(started);
            owe(into, std::current_exception());
            return;
        }
        try {
            Link& link = link_to(into);  // may settle another clock's pairs for `into` first
            pending_.push_back(Pending{started, end, &link});
            ++link.owed;
        } catch (...) {
            release(started);
            release(end);
            owe(into, std::current_exception());
        }
        if (pending_.size() > max_pending_) {
            const auto from = runtime_->host_now();
            make_room();
            last_stop_wait_ += runtime_->host_now() - from;
        }
    }

    /// Device time between two marks; waits (polling, with timeout) until both are reached.
    /// Throws CudaError, or TimeoutError (at once when the stream already hung).
    Duration elapsed(const Mark& from, const Mark& to) {
        wait(from);
        wait(to);
        float ms = 0.0f;
        check("cudaEventElapsedTime", runtime_->event_elapsed_ms(&ms, from, to));
        // Events resolve to ~0.5 us; rounding to whole nanoseconds loses nothing real.
        return Duration{std::round(static_cast<double>(ms) * 1e6)};
    }

    /// A mark from mark() that is no longer needed goes back to the pool.
    void release(const Mark& mark) noexcept {
        try {
            free_.push_back(mark);
        } catch (...) {
            runtime_->event_destroy(mark);
        }
    }

    /// Destroys a mark instead of pooling it: one whose state is unknown (a record of it
    /// failed, or a wait on it did).
    void discard(const Mark& mark) noexcept { runtime_->event_destroy(mark); }

    /// Waits for every marked pair and delivers all pending samples. Then rethrows one error a
    /// Stats was owed (or one that could not be given to any Stats), which no Stats reports
    /// again; call it again for the next.
    void synchronize() {
        while (!pending_.empty()) resolve_front(nullptr);
        std::exception_ptr error = std::move(unowned_error_);
        unowned_error_ = nullptr;
        for (Link* l = links_; l != nullptr;) {
            Link* next = l->next;
            if (l->error && (!error || l->error == error)) {
                error = l->error;
                unlink(*l);  // nothing pending is left, and the error is reported here
            } else if (!l->error) {
                unlink(*l);  // every pair is resolved: it owes nothing
            }
            l = next;
        }
        if (error) std::rethrow_exception(error);
    }

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
    /// to take 6 s). Throws InvalidArgument (parameter "timeout") for a timeout <= 0, which
    /// would report every kernel still running as hung.
    CudaEventClock& resolve_timeout(std::chrono::nanoseconds timeout) {
        if (timeout <= std::chrono::nanoseconds{0})
            throw InvalidArgument("CudaEventClock::resolve_timeout", "timeout",
                                  "must be > 0 ns, got " + std::to_string(timeout.count()) + " ns");
        timeout_ = timeout;
        return *this;
    }
    std::chrono::nanoseconds resolve_timeout() const noexcept { return timeout_; }
    /// Pairs allowed to wait before stop() resolves the oldest (default 4096). Throws
    /// InvalidArgument (parameter "pairs") for 0.
    CudaEventClock& max_pending(std::size_t pairs) {
        if (pairs == 0) throw InvalidArgument("CudaEventClock::max_pending", "pairs", "must be >= 1, got 0");
        max_pending_ = pairs;
        return *this;
    }
    std::size_t max_pending() const noexcept { return max_pending_; }
    std::size_t pending_count() const noexcept { return pending_.size(); }
    std::size_t events_created() const noexcept { return events_created_; }
    /// Host time the last stop() spent waiting on the device: resolving the oldest pair past
    /// max_pending(), or settling another clock's pairs for the same Stats. It is the library's
    /// wait, not the caller's work: WarmupRunner leaves it out of enqueue time.
    std::chrono::nanoseconds last_stop_wait() const noexcept { return last_stop_wait_; }
    /// True once a wait timed out: the stream is taken as hung (see the header comment).
    bool hung() const noexcept { return hung_at_.has_value(); }
    stream_type stream() const noexcept { return stream_; }
    Runtime& runtime() const noexcept { return *runtime_; }

private:
    // What the clock owes one Stats: pending pairs and at most one error. The Stats points at
    // its Link rather than at the clock, so that a read says which Stats is asking. Live links
    // form a list, so that the clock can unlink every one of them whatever happens; a link whose
    // clock dies owing an error is handed to its Stats (clock == nullptr), which rethrows the
    // error at its next read and deletes the link then, or when it dies.
    class Link final : public detail::PendingSamples {
    public:
        CudaEventClock* clock = nullptr;
        Stats* sink = nullptr;
        std::size_t owed = 0;  // pending pairs for `sink`
        std::exception_ptr error;
        Link* prev = nullptr;
        Link* next = nullptr;

        void deliver_pending() override {
            if (clock != nullptr) {
                clock->deliver_to(*this);
                return;
            }
            std::exception_ptr owed_error = std::move(error);
            detail::StatsAccess::set_pending_source(*sink, nullptr);
            delete this;
            if (owed_error) std::rethrow_exception(owed_error);
        }
        void forget_sink(Stats*) noexcept override {
            if (clock != nullptr) {
                clock->forget(*this);
            } else {
                delete this;
            }
        }
        void move_sink(Stats*, Stats* to) noexcept override { sink = to; }
        const void* owner() const noexcept override { return clock; }
    };

    struct Pending {
        event_type start;
        event_type stop;
        Link* link;
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
        if (status == cuda_status::not_ready && hung_at_) throw already_hung();
        const auto started = runtime_->host_now();
        while (status == cuda_status::not_ready) {
            const auto now = runtime_->host_now();
            if (now - started > timeout_) {
                hung_at_ = now;
                throw TimeoutError("gputime: a CUDA event did not complete within " + format(timeout_) +
                                   " (hung kernel, or work waiting on something that never happens)");
            }
            runtime_->yield();
            status = runtime_->event_query(e);
        }
        check("cudaEventQuery", status);
    }

    TimeoutError already_hung() {
        return TimeoutError("gputime: a CUDA event is not complete and this clock's stream already hung " +
                            format(runtime_->host_now() - *hung_at_) + " ago (an event did not complete within " +
                            format(timeout_) +
                            "); streams run in order, so work queued behind it never completes: failing at once "
                            "instead of waiting again");
    }

    static std::string format(std::chrono::nanoseconds d) {
        return format_duration(Duration{static_cast<double>(d.count())});
    }

    // ---- links ----

    // The link of `sink`, made (and the Stats pointed at it) if needed. Another clock still
    // owing `sink` samples settles them first, so that samples stay in order; its failure is
    // the Stats' failure and is kept for its next read. Throws std::bad_alloc only, with
    // nothing changed.
    Link& link_to(Stats& sink) {
        detail::PendingSamples* current = detail::StatsAccess::pending_source(sink);
        if (current != nullptr && current->owner() == this) return *static_cast<Link*>(current);
        Link& link = new_link(sink);
        if (current != nullptr) {
            const auto from = runtime_->host_now();
            try {
                current->deliver_pending();
            } catch (...) {
                link.error = std::current_exception();
            }
            if (detail::PendingSamples* left = detail::StatsAccess::pending_source(sink)) {
                // A source that stayed linked although it failed: what it still owes is lost.
                detail::StatsAccess::set_pending_source(sink, nullptr);
                left->forget_sink(&sink);
            }
            last_stop_wait_ += runtime_->host_now() - from;
        }
        detail::StatsAccess::set_pending_source(sink, &link);
        return link;
    }

    Link& new_link(Stats& sink) {
        Link* link = spare_links_;
        if (link != nullptr) {
            spare_links_ = link->next;
        } else {
            link = new Link;
        }
        link->clock = this;
        link->sink = &sink;
        link->owed = 0;
        link->prev = nullptr;
        link->next = links_;
        if (links_ != nullptr) links_->prev = link;
        links_ = link;
        return *link;
    }

    // Takes the link out of the live list and keeps it for reuse; the Stats is not touched.
    void drop_link(Link& link) noexcept {
        if (link.prev != nullptr) {
            link.prev->next = link.next;
        } else {
            links_ = link.next;
        }
        if (link.next != nullptr) link.next->prev = link.prev;
        link.error = nullptr;
        link.sink = nullptr;
        link.next = spare_links_;
        spare_links_ = &link;
    }

    void unlink(Link& link) noexcept {
        detail::StatsAccess::set_pending_source(*link.sink, nullptr);
        drop_link(link);
    }

    // `error` concerns `sink`: keep it (the first one) for its next read.
    void owe(Stats& sink, std::exception_ptr error) noexcept {
        try {
            Link& link = link_to(sink);
            if (!link.error) link.error = std::move(error);
        } catch (...) {
            // Out of memory for a link: no Stats can hold it, synchronize() reports it.
            if (!unowned_error_) unowned_error_ = std::move(error);
        }
    }

    // ---- resolving ----

    // Resolves the oldest pair into its Stats. Never throws: a failure is kept for the Stats
    // concerned; one that makes every pending pair unresolvable (timeout, sticky error) drops
    // them all, and each Stats that lost one gets the error. A link left owing nothing is
    // unlinked, except `keep` (the link being read, which its reader unlinks).
    void resolve_front(const Link* keep) noexcept {
        const Pending p = pending_.front();
        pending_.pop_front();
        Link& link = *p.link;
        --link.owed;
        std::exception_ptr error;
        bool fatal = false;
        Duration d{};
        try {
            d = elapsed(p.start, p.stop);
        } catch (const TimeoutError&) {
            error = std::current_exception();
            fatal = true;
        } catch (const CudaError& e) {
            error = std::current_exception();
            fatal = cuda_status::is_sticky(e.code());
        } catch (...) {
            error = std::current_exception();
        }
        if (error) {
            discard(p.start);
            discard(p.stop);
        } else {
            release(p.start);
            release(p.stop);
            try {
                link.sink->add(d);
            } catch (...) {
                error = std::current_exception();
            }
        }
        if (error && !link.error) link.error = error;
        if (fatal) drop_all(error);
        if (&link != keep && link.owed == 0 && !link.error) unlink(link);
    }

    // Every link that loses a pair here gets the error, so none of them is unlinked.
    void drop_all(const std::exception_ptr& error) noexcept {
        while (!pending_.empty()) {
            const Pending p = pending_.front();
            pending_.pop_front();
            discard(p.start);
            discard(p.stop);
            Link& link = *p.link;
            --link.owed;
            if (!link.error) link.error = error;
        }
    }

    // Past max_pending(): the oldest pair (waiting for it if needed), then every pair the
    // device has already passed, so that the next calls find room without waiting.
    void make_room() noexcept {
        resolve_front(nullptr);
        while (!pending_.empty() && complete_now(pending_.front().stop)) resolve_front(nullptr);
    }

    bool complete_now(const event_type& e) noexcept {
        return runtime_->event_query(e) == cuda_status::success;  // an error surfaces when resolved
    }

    // A read of `reader`'s Stats: resolves pairs in stream order up to its last one, then
    // unlinks it and rethrows what it is owed.
    void deliver_to(Link& reader) {
        while (reader.owed > 0) resolve_front(&reader);
        std::exception_ptr error = std::move(reader.error);
        unlink(reader);
        if (error) std::rethrow_exception(error);
    }

    // Its Stats is being destroyed or overwritten: its pairs are dropped, their events pooled.
    void forget(Link& link) noexcept {
        if (link.owed > 0) {
            for (auto it = pending_.begin(); it != pending_.end();) {
                if (it->link == &link) {
                    release(it->start);
                    release(it->stop);
                    it = pending_.erase(it);
                } else {
                    ++it;
                }
            }
        }
        drop_link(link);
    }

    Runtime* runtime_;
    stream_type stream_;
    std::vector<event_type> free_;
    std::deque<Pending> pending_;
    Link* links_ = nullptr;        // every Stats this clock points at, owing samples or an error
    Link* spare_links_ = nullptr;  // links for reuse (through `next`): none allocated when steady
    std::exception_ptr unowned_error_;
    std::optional<std::chrono::nanoseconds> hung_at_;  // host time a wait timed out
    std::chrono::nanoseconds timeout_ = std::chrono::seconds(60);
    std::chrono::nanoseconds last_stop_wait_{0};
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
