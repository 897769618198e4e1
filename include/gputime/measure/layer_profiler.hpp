// SPDX-License-Identifier: MIT
// gputime/measure/layer_profiler.hpp - time a network layer by layer, on any clock backend.
//
//   gputime::LayerProfiler prof(clock);             // a HostClock, or a GpuClock clock(stream)
//   { auto iteration = prof.iteration();            // one forward pass
//     { auto scope = prof.scope("conv1"); conv1(x); } { auto scope = prof.scope("relu1"); relu1(x); } }
//   std::cout << gputime::to_text(prof.profile());  // gputime/report/layer_table.hpp
//
// docs/layers.md, "LayerProfiler: how it measures".
#pragma once

#include <gputime/core/clock_contract.hpp>
#include <gputime/core/duration.hpp>
#include <gputime/core/error.hpp>
#include <gputime/measure/detail/layer_names.hpp>
#include <gputime/measure/layer_profile.hpp>
#include <gputime/stats/stats.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gputime {

/// The default range policy: no ranges. A range policy has `static constexpr bool enabled`,
/// `void push(const char* name)` and `void pop()`; the profiler calls them only when enabled.
struct NoRanges {
    static constexpr bool enabled = false;  ///< Never called.
    void push(const char*) noexcept {}      ///< Does nothing.
    void pop() noexcept {}                  ///< Does nothing.
};

/// Times a network layer by layer on any clock: named, nested scopes per iteration, at most one
/// synchronisation per iteration and none per scope (see the header comment). `Ranges` adds a
/// profiler range per scope (NvtxRanges).
template <class Clock, class Ranges = NoRanges>
class LayerProfiler {
    static_assert(detail::check_clock<Clock, Stats>());
    using Id = detail::LayerNames::Id;

public:
    using clock_type = Clock;           ///< The clock backend.
    using ranges_type = Ranges;         ///< The range policy.
    using Mark = typename Clock::Mark;  ///< The clock's mark.

    /// How deep scopes may nest (a top-level scope is depth 1). Real networks nest a few levels;
    /// hundreds means an enter() whose leave() is missing, which would otherwise grow the
    /// profile without bound. One more throws std::logic_error and opens nothing.
    static constexpr std::size_t max_depth = 256;

    /// Closes its scope when destroyed. Returned by scope(); movable, not copyable.
    class Scope {
    public:
        /// Takes over the open scope; `other` then closes nothing.
        Scope(Scope&& other) noexcept
            : profiler_(std::exchange(other.profiler_, nullptr)), record_(other.record_), serial_(other.serial_) {}
        Scope(const Scope&) = delete;
        Scope& operator=(const Scope&) = delete;
        Scope& operator=(Scope&&) = delete;
        ~Scope() {
            if (profiler_ != nullptr) profiler_->close(record_, serial_);
        }
        /// Closes the scope now; throws what the destructor would have parked.
        void close() {
            if (profiler_ == nullptr) throw std::logic_error("gputime::LayerProfiler::Scope::close: already closed");
            LayerProfiler* p = std::exchange(profiler_, nullptr);
            p->close(record_, serial_);
            p->rethrow_parked();
        }

    private:
        friend class LayerProfiler;
        Scope(LayerProfiler& profiler, std::size_t record)
            : profiler_(&profiler), record_(record), serial_(profiler.serial_) {}
        LayerProfiler* profiler_;
        std::size_t record_;
        std::uint64_t serial_;
    };

    /// Ends its iteration when destroyed; abandons it instead when destroyed by an exception
    /// (a forward pass that threw is not a sample). Returned by iteration().
    class IterationScope {
    public:
        /// Takes over the iteration; `other` then ends nothing.
        IterationScope(IterationScope&& other) noexcept
            : profiler_(std::exchange(other.profiler_, nullptr)),
              serial_(other.serial_),
              exceptions_(other.exceptions_) {}
        IterationScope(const IterationScope&) = delete;
        IterationScope& operator=(const IterationScope&) = delete;
        IterationScope& operator=(IterationScope&&) = delete;
        ~IterationScope() {
            if (profiler_ == nullptr || !profiler_->owns_iteration(serial_)) return;
            if (std::uncaught_exceptions() > exceptions_) {
                profiler_->abandon_iteration();
                return;
            }
            try {
                profiler_->end_iteration();
            } catch (...) {
                profiler_->park(std::current_exception());
                profiler_->abandon_iteration();
            }
        }
        /// Ends the iteration now; throws what end_iteration() throws.
        void end() {
            if (profiler_ == nullptr)
                throw std::logic_error("gputime::LayerProfiler::IterationScope::end: already ended");
            LayerProfiler* p = std::exchange(profiler_, nullptr);
            if (!p->owns_iteration(serial_))
                throw std::logic_error("gputime::LayerProfiler::IterationScope::end: its iteration was already ended");
            p->end_iteration();
        }

    private:
        friend class LayerProfiler;
        explicit IterationScope(LayerProfiler& profiler)
            : profiler_(&profiler), serial_(profiler.serial_), exceptions_(std::uncaught_exceptions()) {}
        LayerProfiler* profiler_;
        std::uint64_t serial_;
        int exceptions_;
    };

    /// Profiles on `clock`, which must outlive the profiler.
    explicit LayerProfiler(Clock& clock, Ranges ranges = Ranges{})
        : clock_(clock), ranges_(std::move(ranges)), profile_(std::string{}, Clock::measures_device) {}

    LayerProfiler(const LayerProfiler&) = delete;
    LayerProfiler& operator=(const LayerProfiler&) = delete;
    ~LayerProfiler() {
        abandon_iteration();
        release_trace_origin();
    }

    // ---- settings (fluent) ----

    /// Names the run ("batch 8"): the column title in tables, the process name in traces.
    LayerProfiler& label(std::string text) {
        profile_.set_label(std::move(text));
        return *this;
    }
    /// How many iterations, from the first, keep their spans for the trace (default 100;
    /// 0 = no trace). Statistics always cover every iteration; this only bounds memory. Once the
    /// trace is full it stays closed (its origin mark is released), even if this is raised.
    LayerProfiler& trace_iterations(std::size_t iterations) {
        trace_capacity_ = iterations;
        return *this;
    }
    std::size_t trace_iterations() const noexcept { return trace_capacity_; }  ///< The trace's cap.
    /// Whether a repeated first top-level layer ends an implicit iteration (default on).
    /// Off: scopes outside begin/end_iteration form one iteration until finish().
    LayerProfiler& detect_iterations(bool on) {
        detect_ = on;
        return *this;
    }
    /// Sizes the per-iteration buffers for this many scopes, so even the first iteration
    /// does not grow them.
    LayerProfiler& reserve(std::size_t scopes_per_iteration) {
        records_.reserve(scopes_per_iteration);
        open_.reserve(scopes_per_iteration);
        durations_.reserve(scopes_per_iteration);
        offsets_.reserve(scopes_per_iteration);
        previous_sequence_.reserve(scopes_per_iteration);
        return *this;
    }

    // ---- scopes ----

    /// Opens a scope named `name` inside the innermost open scope (or at top level).
    /// Throws InvalidArgument (parameter "name") for an empty name, std::logic_error beyond
    /// max_depth; either way nothing changes (no mark is taken).
    [[nodiscard]] Scope scope(std::string_view name) { return Scope(*this, open(name, "LayerProfiler::scope")); }

    /// Calls fn() inside a scope named `name` and returns what it returns. A refused name
    /// (see scope()) throws before fn() is called.
    template <class F>
    decltype(auto) time(std::string_view name, F&& fn) {
        const Scope scope_guard(*this, open(name, "LayerProfiler::time"));
        return std::forward<F>(fn)();
    }

    /// Opens a scope without a guard object, for hook-style APIs (pre/post-layer callbacks).
    /// Refuses what scope() refuses.
    void enter(std::string_view name) { open(name, "LayerProfiler::enter"); }
    /// Closes the innermost scope opened by enter() (or scope()).
    void leave() {
        if (open_.empty()) throw std::logic_error("gputime::LayerProfiler::leave: no scope is open");
        close(open_.back(), serial_);
        rethrow_parked();
    }

    // ---- iterations ----

    /// Starts an iteration (one forward pass). Throws std::logic_error when one is in progress
    /// that was started by begin_iteration(); an implicit one is finished first.
    void begin_iteration() {
        rethrow_parked();
        if (state_ == State::explicit_iteration)
            throw std::logic_error(
                "gputime::LayerProfiler::begin_iteration: the previous iteration was not ended (call end_iteration())");
        if (state_ == State::implicit_iteration) finish();
        if (wants_start_host_time()) iteration_start_host_ = clock_.host_now();
        iteration_start_ = clock_.mark();
        state_ = State::explicit_iteration;
    }

    /// Ends the iteration begun by begin_iteration(): resolves its marks (one synchronisation)
    /// and adds its samples. Throws std::logic_error without a matching begin_iteration() or
    /// while a scope is open; a clock error drops the iteration and propagates.
    void end_iteration() {
        rethrow_parked();
        if (state_ == State::none)
            throw std::logic_error(
                "gputime::LayerProfiler::end_iteration: no iteration in progress (end_iteration() "
                "without begin_iteration())");
        if (state_ == State::implicit_iteration)
            throw std::logic_error(
                "gputime::LayerProfiler::end_iteration: the iteration in progress was started "
                "implicitly by a scope, not by begin_iteration(); call finish()");
        require_no_open_scope("end_iteration");
        Mark end{};
        try {
            end = clock_.mark();
        } catch (...) {
            abandon_iteration();  // without its end the iteration cannot be measured
            throw;
        }
        complete(iteration_start_, end, true, true);
    }

    /// begin_iteration() now, end_iteration() when the returned guard is destroyed.
    [[nodiscard]] IterationScope iteration() {
        begin_iteration();
        return IterationScope(*this);
    }

    /// Drops the iteration in progress (open scopes included) without adding samples.
    void abandon_iteration() noexcept {
        if (state_ == State::none) return;
        if constexpr (Ranges::enabled)
            for (std::size_t i = 0; i < open_.size(); ++i) ranges_.pop();
        if (state_ == State::explicit_iteration) clock_.release(iteration_start_);
        release_records(false);
        ++profile_.abandoned_;
        reset_iteration();
    }

    /// Ends an implicit iteration in progress. Throws std::logic_error while a scope is open.
    void finish() {
        rethrow_parked();
        if (state_ != State::implicit_iteration) return;
        require_no_open_scope("finish");
        finish_implicit();
    }

    /// An iteration (explicit or implicit) is in progress.
    bool in_iteration() const noexcept { return state_ != State::none; }
    /// Scopes open now (the nesting depth).
    std::size_t open_scopes() const noexcept { return open_.size(); }

    // ---- results ----

    /// Every completed iteration. Ends an implicit iteration first when no scope is open;
    /// an explicit iteration in progress is not included. Rethrows a parked error.
    const LayerProfile& profile() {
        rethrow_parked();
        if (state_ == State::implicit_iteration && open_.empty()) finish_implicit();
        return profile_;
    }

    /// Pools another profile (another thread's, another process's) into this one. Throws
    /// InvalidArgument (parameter "other"), changing nothing, for a non-empty profile on the
    /// other time base (host times into a GPU clock's profile, or the reverse).
    void merge(const LayerProfile& other) {
        if (!other.empty() && other.device_timed() != Clock::measures_device)
            throw InvalidArgument("LayerProfiler::merge", "other",
                                  LayerProfile::time_base_mismatch(other.device_timed()));
        profile_.merge(other);
        // Keep the name table's ids equal to the profile's layer indices.
        for (std::size_t i = names_.size(); i < profile_.layers_.size(); ++i) {
            const LayerStats& layer = profile_.layers_[i];
            names_.intern(layer.top_level() ? detail::LayerNames::none : static_cast<Id>(layer.parent), layer.name);
        }
    }

    Clock& clock() noexcept { return clock_; }     ///< The clock it marks with.
    Ranges& ranges() noexcept { return ranges_; }  ///< Its range policy.

private:
    enum class State { none, explicit_iteration, implicit_iteration };

    struct Record {
        Id layer;
        std::uint32_t depth;
        bool closed;
        Mark start;
        Mark end;
    };

    std::size_t open(std::string_view name, const char* where) {
        // Refused before anything changes: no mark, no layer, the parked error (if any) kept.
        if (name.empty())
            throw InvalidArgument(where, "name", "is empty: a layer needs a name to be found and printed");
        if (open_.size() >= max_depth)
            throw std::logic_error(std::string("gputime::") + where + ": scopes nested deeper than " +
                                   std::to_string(max_depth) + " (LayerProfiler::max_depth), the innermost named '" +
                                   profile_.layers_[records_[open_.back()].layer].name + "': is a leave() missing?");
        rethrow_parked();
        Id parent = detail::LayerNames::none;
        Id id = 0;
        if (open_.empty()) {
            id = lookup(parent, name);
            // The first top-level layer again: the previous forward pass is over.
            if (state_ == State::implicit_iteration && detect_ && id == first_top_layer_) finish_implicit();
        } else {
            parent = records_[open_.back()].layer;
            id = lookup(parent, name);
        }
        const bool starts_iteration = state_ == State::none;
        const std::size_t index = records_.size();
        records_.push_back(Record{id, static_cast<std::uint32_t>(open_.size()), false, Mark{}, Mark{}});
        try {
            open_.push_back(index);
        } catch (...) {
            records_.pop_back();
            throw;
        }
        if constexpr (Ranges::enabled) ranges_.push(names_.name(id).c_str());
        try {
            // The host time a trace origin needs, before the mark: outside the timed region.
            if (starts_iteration && wants_start_host_time()) iteration_start_host_ = clock_.host_now();
            // The mark is taken last, so the bookkeeping above is outside the timed region.
            records_[index].start = clock_.mark();
        } catch (...) {
            if constexpr (Ranges::enabled) ranges_.pop();
            open_.pop_back();
            records_.pop_back();
            throw;
        }
        if (starts_iteration) {
            state_ = State::implicit_iteration;
            first_top_layer_ = id;
        }
        return index;
    }

    void close(std::size_t index, std::uint64_t serial) noexcept {
        if (serial != serial_) return;  // its iteration was abandoned: nothing left to close
        Mark end{};
        try {
            end = clock_.mark();  // first, so the bookkeeping below is not timed
        } catch (...) {
            park(std::current_exception());
            abandon_iteration();
            return;
        }
        if (open_.empty() || open_.back() != index || records_[index].closed) {
            clock_.release(end);
            try {
                std::string what = "gputime::LayerProfiler: scope '" + path_of(records_[index].layer) + "' ";
                if (records_[index].closed || open_.empty()) what += "was closed twice";
                else
                    what += "was closed while '" + path_of(records_[open_.back()].layer) + "' inside it was still open";
                park(std::make_exception_ptr(std::logic_error(what + "; the iteration was dropped")));
            } catch (...) {
                park(std::current_exception());
            }
            abandon_iteration();
            return;
        }
        Record& r = records_[index];
        r.end = end;
        r.closed = true;
        open_.pop_back();
        if (r.depth == 0) last_top_record_ = index;
        if constexpr (Ranges::enabled) ranges_.pop();
    }

    Id lookup(Id parent, std::string_view name) {
        const std::size_t position = records_.size();
        if (position < previous_sequence_.size()) {
            const Id guess = previous_sequence_[position];
            if (names_.is(guess, parent, name)) return guess;
        }
        const Id found = names_.find(parent, name);
        if (found != detail::LayerNames::none) return found;
        profile_.add_layer(parent == detail::LayerNames::none ? LayerStats::no_parent : parent, name);
        try {
            return names_.intern(parent, name);
        } catch (...) {
            profile_.layers_.pop_back();
            throw;
        }
    }

    void finish_implicit() {
        // An implicit iteration always has a closed top-level record when no scope is open.
        complete(records_.front().start, records_[last_top_record_].end, false, false);
    }

    // Resolves the iteration [start, end] and its records, adds the samples, releases the marks.
    // The first traced iteration's start mark becomes the trace origin and is kept, not released.
    void complete(const Mark& start, const Mark& end, bool owns_start, bool owns_end) {
        Duration total{0.0};
        Duration start_offset{0.0};
        // Offsets are only for the trace: once it is full, they are not asked for (on a GPU
        // each is a cudaEventElapsedTime call).
        const bool traced = !trace_closed_ && profile_.trace_iterations_.size() < trace_capacity_;
        const bool makes_origin = traced && !has_origin_;
        try {
            clock_.synchronize();
            total = clock_.elapsed(start, end);  // the one wait: every other mark precedes `end`
            durations_.clear();
            offsets_.clear();
            for (const Record& r : records_) {
                durations_.push_back(clock_.elapsed(r.start, r.end));
                if (traced) offsets_.push_back(clock_.elapsed(start, r.start));
            }
            if (traced && !makes_origin) {
                if constexpr (Clock::measures_device) {
                    start_offset = clock_.elapsed(origin_, start);  // device time, from the origin event
                } else {
                    start_offset = Duration(iteration_start_host_ - profile_.trace_origin_);
                }
            }
            commit(total, traced, start_offset);
        } catch (...) {
            // A clock error (or, in commit(), an allocation failure) drops this iteration only.
            if (owns_start) clock_.release(start);
            if (owns_end) clock_.release(end);
            release_records(false);
            ++profile_.abandoned_;
            reset_iteration();
            throw;
        }
        if (makes_origin) {
            has_origin_ = true;
            // Iterations merged in before this one counted from the old origin: move them.
            const Duration shift(profile_.trace_origin_ - iteration_start_host_);
            for (std::size_t i = 0; i + 1 < profile_.trace_iterations_.size(); ++i)
                profile_.trace_iterations_[i].start += shift;
            profile_.trace_origin_ = iteration_start_host_;
        }
        // A device clock's origin is an event, kept so that later iterations are measured from it.
        const bool keep_start = makes_origin && Clock::measures_device;
        if (keep_start) {
            origin_ = start;
            holds_origin_mark_ = true;
        }
        if (owns_start && !keep_start) clock_.release(start);
        if (owns_end) clock_.release(end);
        release_records(keep_start && !owns_start);
        reset_iteration();
        if ((traced || has_origin_) && profile_.trace_iterations_.size() >= trace_capacity_) {
            trace_closed_ = true;  // full: the origin is not needed any more
            release_trace_origin();
        }
    }

    // A duration Stats would refuse, checked for the whole iteration before any of it is added,
    // so that a bad one drops the iteration as a whole.
    void require_valid(Duration d, const char* what, Id layer) const {
        if (d.count() >= 0.0 && d.count() < std::numeric_limits<double>::infinity()) return;
        std::string problem = what;
        if (layer != detail::LayerNames::none) problem += " '" + path_of(layer) + "'";
        char value[32];
        std::snprintf(value, sizeof value, "%g", d.count());
        throw InvalidArgument("LayerProfiler", "duration",
                              problem + " (from clock.elapsed()) is " + value +
                                  ": a duration must be finite and >= 0; the iteration was dropped");
    }

    void commit(Duration total, bool traced, Duration start_offset) {
        require_valid(total, "of the iteration", detail::LayerNames::none);
        for (std::size_t i = 0; i < records_.size(); ++i) {
            require_valid(durations_[i], "of layer", records_[i].layer);
            if (traced) require_valid(offsets_[i], "from the iteration start to layer", records_[i].layer);
        }
        const std::size_t iteration = profile_.iterations();
        if (traced) {
            // Only the trace's placement: a clock whose host time ran backwards puts the iteration at
            // the origin rather than losing it.
            if (!(start_offset.count() >= 0.0 && start_offset.count() < std::numeric_limits<double>::infinity()))
                start_offset = Duration{0.0};
            profile_.trace_iterations_.push_back(
                TraceIteration{iteration, total, profile_.trace_spans_.size(), records_.size(), start_offset});
            for (std::size_t i = 0; i < records_.size(); ++i)
                profile_.trace_spans_.push_back(TraceSpan{records_[i].layer, offsets_[i], durations_[i]});
        }
        Duration top_level{0.0};
        for (std::size_t i = 0; i < records_.size(); ++i) {
            profile_.layers_[records_[i].layer].time.add(durations_[i]);
            if (records_[i].depth == 0) top_level += durations_[i];
        }
        profile_.iteration_total_.add(total);
        // Clock rounding can make the top-level layers add up to a little more than the
        // iteration (CUDA reports float milliseconds: a 100 ms iteration is good to a few ns):
        // no time fell between them, so that is 0, not an error.
        const Duration between = total - top_level;
        profile_.unattributed_.add(between.count() > 0.0 ? between : Duration{0.0});
        // The next iteration predicts its layers from this one.
        previous_sequence_.clear();
        for (const Record& r : records_) previous_sequence_.push_back(r.layer);
    }

    // Releases every record's marks; with keep_first_start, not the first record's start mark
    // (it became the trace origin).
    void release_records(bool keep_first_start) noexcept {
        for (std::size_t i = 0; i < records_.size(); ++i) {
            const Record& r = records_[i];
            if (i != 0 || !keep_first_start) clock_.release(r.start);
            if (r.closed) clock_.release(r.end);
        }
    }

    // Whether the next iteration's start needs the host time: a host clock's trace places every
    // iteration by it, a device clock's only its origin (the rest are measured from the origin event).
    bool wants_start_host_time() const noexcept {
        if (trace_closed_ || trace_capacity_ == 0) return false;
        return Clock::measures_device ? !has_origin_ : true;
    }

    void release_trace_origin() noexcept {
        if (!holds_origin_mark_) return;
        clock_.release(origin_);
        holds_origin_mark_ = false;
    }

    void reset_iteration() noexcept {
        records_.clear();
        open_.clear();
        state_ = State::none;
        ++serial_;
    }

    void require_no_open_scope(const char* what) const {
        if (!open_.empty())
            throw std::logic_error(std::string("gputime::LayerProfiler::") + what + ": scope '" +
                                   path_of(records_[open_.back()].layer) + "' is still open");
    }

    std::string path_of(Id id) const { return profile_.layers_[id].path; }

    bool owns_iteration(std::uint64_t serial) const noexcept {
        return serial == serial_ && state_ == State::explicit_iteration;
    }

    void park(std::exception_ptr error) noexcept {
        if (!parked_) parked_ = std::move(error);
    }
    void rethrow_parked() {
        if (parked_) std::rethrow_exception(std::exchange(parked_, nullptr));
    }

    Clock& clock_;
    Ranges ranges_;
    LayerProfile profile_;
    detail::LayerNames names_;

    State state_ = State::none;
    std::uint64_t serial_ = 0;  // counts finished iterations; a Scope of an older one is stale
    Mark iteration_start_{};
    Id first_top_layer_ = detail::LayerNames::none;
    std::size_t last_top_record_ = 0;
    std::vector<Record> records_;        // this iteration's scopes, in opening order
    std::vector<std::size_t> open_;      // indices into records_ of the open scopes
    std::vector<Duration> durations_;    // scratch for complete()
    std::vector<Duration> offsets_;      // scratch for complete()
    std::vector<Id> previous_sequence_;  // the last iteration's layers, in opening order

    std::size_t trace_capacity_ = 100;
    Mark origin_{};  // a device clock's trace origin, while held
    bool holds_origin_mark_ = false;
    bool has_origin_ = false;                           // the trace origin is set (profile_.trace_origin_)
    bool trace_closed_ = false;                         // the trace was full: no more traced iterations
    std::chrono::nanoseconds iteration_start_host_{0};  // host time before this iteration's start mark
    bool detect_ = true;
    std::exception_ptr parked_;
};

}  // namespace gputime
