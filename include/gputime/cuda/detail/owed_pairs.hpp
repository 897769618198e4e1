// SPDX-License-Identifier: MIT
// gputime/cuda/detail/owed_pairs.hpp - the event pairs a GPU clock still owes its accumulators.
//
//   detail::OwedPairs<CudaEventClock, Event> pairs(clock);
//   pairs.file(Pair{start, stop, ...}, stats);   // stop(): the sample waits for its read
//   stats.count();                               // settles: pairs.deliver_to(link)
// Pairs are resolved in stream order, one accumulator's read resolving the pairs before its own.
// The Owner (the clock) measures a pair (std::exception_ptr measure(const Pair&, Duration&)
// noexcept, which calls drop_all() when no pair can be resolved any more), tells whether an
// event is complete (bool complete_now(const Event&) noexcept), and pools events (release).
// docs/architecture.md, "Deferred GPU samples".
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/cuda/detail/owed_links.hpp>
#include <gputime/cuda/detail/ring_buffer.hpp>
#include <gputime/stats/owed_samples.hpp>

#include <chrono>
#include <cstddef>
#include <exception>
#include <utility>

namespace gputime::detail {

template <class Owner, class Event>
class OwedPairs {
public:
    using Link = OwedLink<OwedPairs>;

    struct Pair {
        Event start{};
        Event stop{};
        Link* link = nullptr;
        std::chrono::nanoseconds started_at{-1};  // host time before the start was recorded; -1: unknown
        bool complete = false;                    // a wait saw the device pass `stop`
    };

    explicit OwedPairs(Owner& owner) noexcept : owner_(&owner) {}
    OwedPairs(const OwedPairs&) = delete;
    OwedPairs& operator=(const OwedPairs&) = delete;

    bool empty() const noexcept { return pending_.empty(); }
    std::size_t size() const noexcept { return pending_.size(); }
    const Pair& oldest() noexcept { return pending_.front(); }
    const Pair& newest() noexcept { return pending_.back(); }
    /// The device has passed the newest pair's end, so every pair's (streams run in order).
    void all_complete() noexcept {
        pending_.for_each([](Pair& p) { p.complete = true; });
    }

    /// The link of `into`, made (and its slot pointed at it) if needed. Another source still owing
    /// `into` samples settles them first, so that samples stay in order; its failure is the
    /// accumulator's, kept for its next read. Throws std::bad_alloc only, with nothing changed.
    template <class Accumulator>
    Link& link_to(Accumulator& into) {
        OwedSamples& slot = owed_samples_of(into);
        if (Link* mine = links_.of(slot, this)) return *mine;
        OwedSamples::Source* current = slot.source();
        Link& link = links_.make(this, slot, &into, [](void* a, Duration d) { static_cast<Accumulator*>(a)->add(d); });
        if (current != nullptr) {
            try {
                current->settle();
            } catch (...) {
                link.error = std::current_exception();
            }
            if (OwedSamples::Source* left = slot.source()) {
                // A source that stayed linked although it failed: what it still owes is lost.
                slot.set_source(nullptr);
                left->forget();
            }
        }
        slot.set_source(&link);
        return link;
    }

    /// Files `pair` for `into`. Throws std::bad_alloc only, with nothing filed.
    template <class Accumulator>
    void file(Pair pair, Accumulator& into) {
        Link& link = link_to(into);  // may settle another clock's pairs for `into` first
        pair.link = &link;
        pending_.push_back(pair);
        ++link.owed;
    }

    /// `error` for `into`, in place of a sample (the first one is kept). Throws std::bad_alloc.
    template <class Accumulator>
    void owe(Accumulator& into, const std::exception_ptr& error) {
        Link& link = link_to(into);
        if (!link.error) link.error = error;  // copied only when kept
    }

    /// Resolves the oldest pair into its accumulator. Never throws: a failure is kept for the
    /// accumulator concerned (all of them when the owner drops every pair). A link left owing
    /// nothing is unlinked, except `keep` (the link being read, which its reader unlinks).
    void resolve_oldest(const Link* keep = nullptr) noexcept {
        const Pair p = pending_.front();
        pending_.pop_front();
        Link& link = *p.link;
        --link.owed;
        Duration d{};
        std::exception_ptr error = owner_->measure(p, d);
        if (!error) {
            try {
                link.add(d);
            } catch (...) {
                error = std::current_exception();
            }
        }
        if (error && !link.error) link.error = error;
        if (&link != keep && link.owed == 0 && !link.error) links_.unlink(link);
    }

    /// No pending pair can be resolved any more: each is dropped (its events destroyed) and its
    /// accumulator gets the error, so no link is unlinked.
    void drop_all(const std::exception_ptr& error) noexcept {
        while (!pending_.empty()) {
            const Pair p = pending_.front();
            pending_.pop_front();
            owner_->discard(p.start);
            owner_->discard(p.stop);
            Link& link = *p.link;
            --link.owed;
            if (!link.error) link.error = error;
        }
    }

    /// The oldest pair (waiting for it if needed), then every pair the device has already
    /// passed, so that the next calls find room without waiting.
    void make_room() noexcept {
        resolve_oldest();
        while (!pending_.empty() && owner_->complete_now(pending_.front().stop)) resolve_oldest();
    }

    /// After every pair is resolved: the error to report (`parked`, else one an accumulator is
    /// owed, cleared from every accumulator that holds it); links owing nothing are unlinked.
    std::exception_ptr settle_links(std::exception_ptr parked) noexcept {
        std::exception_ptr error = std::move(parked);
        links_.for_each([&](Link& l) {
            if (l.error && (!error || l.error == error)) {
                error = l.error;
                links_.unlink(l);  // nothing pending is left, and the error is reported here
            } else if (!l.error) {
                links_.unlink(l);  // every pair is resolved: it owes nothing
            }
        });
        return error;
    }

    /// The owner dies (after resolving what it could): accumulators owed an error keep it.
    void hand_over() noexcept { links_.hand_over(); }

    // ---- what a link asks for (OwedLink) ----

    // A read of `reader`'s accumulator: resolves pairs in stream order up to its last one, then
    // unlinks it and rethrows what it is owed.
    void deliver_to(Link& reader) {
        while (reader.owed > 0) resolve_oldest(&reader);
        std::exception_ptr error = std::move(reader.error);
        links_.unlink(reader);
        if (error) std::rethrow_exception(error);
    }

    // A copy of `reader`'s accumulator is being made: deliver the pairs the device has already
    // passed, in stream order, without waiting and without throwing (a failure stays owed).
    void deliver_ready(Link& reader) noexcept {
        while (reader.owed > 0 && !pending_.empty() && owner_->complete_now(pending_.front().stop))
            resolve_oldest(&reader);
        if (reader.owed == 0 && !reader.error) links_.unlink(reader);
    }

    // Its accumulator is being destroyed or overwritten: its pairs are dropped, events pooled.
    void forget(Link& link) noexcept {
        if (link.owed > 0) {
            pending_.remove_if([&](const Pair& p) {
                if (p.link != &link) return false;
                owner_->release(p.start);
                owner_->release(p.stop);
                return true;
            });
        }
        links_.drop(link);
    }

private:
    Owner* owner_;
    RingBuffer<Pair> pending_;
    OwedLinks<OwedPairs> links_;
};

}  // namespace gputime::detail
