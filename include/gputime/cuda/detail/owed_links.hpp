// SPDX-License-Identifier: MIT
// gputime/cuda/detail/owed_links.hpp - what a GPU clock owes each accumulator, one link apiece.
//
//   detail::OwedLinks<Pairs> links;  Link& l = links.make(&pairs, owed_samples_of(stats), &stats, add);
// The accumulator's slot (gputime/stats/owed_samples.hpp) points at its link rather than at the
// clock, so that a read says who is asking and gets its own error, not another's. Live links
// form a list, so that the clock can unlink every one whatever happens; a link whose clock dies
// owing an error is handed to its accumulator (pairs == nullptr), which rethrows the error at its
// next read and deletes the link then, or when it dies. Spare links are reused: a steady loop
// allocates none. The Owner (detail::OwedPairs) provides deliver_to(Link&), deliver_ready(Link&)
// and forget(Link&).
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/stats/owed_samples.hpp>

#include <cstddef>
#include <exception>
#include <utility>

namespace gputime::detail {

template <class Owner>
class OwedLink final : public OwedSamples::Source {
public:
    Owner* pairs = nullptr;       // the clock's pairs; null once the clock is gone
    OwedSamples* slot = nullptr;  // the accumulator's slot, pointing here
    void* accumulator = nullptr;  // where samples go, through add_to
    void (*add_to)(void*, Duration) = nullptr;
    std::size_t owed = 0;  // pending pairs for the accumulator
    std::exception_ptr error;
    OwedLink* prev = nullptr;
    OwedLink* next = nullptr;

    void add(Duration d) { add_to(accumulator, d); }

    void settle() override {
        if (pairs != nullptr) {
            pairs->deliver_to(*this);
            return;
        }
        std::exception_ptr owed_error = std::move(error);
        slot->set_source(nullptr);
        delete this;
        if (owed_error) std::rethrow_exception(owed_error);
    }
    void settle_ready() noexcept override {
        if (pairs != nullptr) pairs->deliver_ready(*this);
    }
    void forget() noexcept override {
        if (pairs != nullptr) {
            pairs->forget(*this);
        } else {
            delete this;
        }
    }
    void moved(OwedSamples& to, void* moved_accumulator) noexcept override {
        slot = &to;
        accumulator = moved_accumulator;
    }
    const void* owner() const noexcept override { return pairs; }
};

template <class Owner>
class OwedLinks {
public:
    using Link = OwedLink<Owner>;

    OwedLinks() = default;
    OwedLinks(const OwedLinks&) = delete;
    OwedLinks& operator=(const OwedLinks&) = delete;
    /// Call hand_over() first: the live links then belong to their accumulators.
    ~OwedLinks() {
        while (spare_ != nullptr) delete std::exchange(spare_, spare_->next);
    }

    /// The link `slot` holds when it is `owner`'s, else null.
    Link* of(const OwedSamples& slot, const Owner* owner) const noexcept {
        OwedSamples::Source* current = slot.source();
        return current != nullptr && current->owner() == owner ? static_cast<Link*>(current) : nullptr;
    }

    /// A new live link (the slot is not pointed at it yet). Throws std::bad_alloc only.
    Link& make(Owner* owner, OwedSamples& slot, void* accumulator, void (*add_to)(void*, Duration)) {
        Link* link = spare_;
        if (link != nullptr) {
            spare_ = link->next;
        } else {
            link = new Link;
        }
        link->pairs = owner;
        link->slot = &slot;
        link->accumulator = accumulator;
        link->add_to = add_to;
        link->owed = 0;
        link->prev = nullptr;
        link->next = live_;
        if (live_ != nullptr) live_->prev = link;
        live_ = link;
        return *link;
    }

    /// Takes the link out of the live list and keeps it for reuse; the slot is not touched.
    void drop(Link& link) noexcept {
        if (link.prev != nullptr) {
            link.prev->next = link.next;
        } else {
            live_ = link.next;
        }
        if (link.next != nullptr) link.next->prev = link.prev;
        link.error = nullptr;
        link.slot = nullptr;
        link.accumulator = nullptr;
        link.next = spare_;
        spare_ = &link;
    }

    /// The slot lets go of the link, which is dropped.
    void unlink(Link& link) noexcept {
        link.slot->set_source(nullptr);
        drop(link);
    }

    /// The clock dies: a link owing an error goes to its accumulator, the others are unlinked.
    void hand_over() noexcept {
        for (Link* l = live_; l != nullptr;) {
            Link* next = l->next;
            if (l->error) {
                l->pairs = nullptr;  // the accumulator owns it now; it deletes itself once read
                l->prev = l->next = nullptr;
            } else {
                l->slot->set_source(nullptr);
                delete l;
            }
            l = next;
        }
        live_ = nullptr;
    }

    /// Calls visit(link) for every live link; visit may unlink the link it is given.
    template <class Visit>
    void for_each(Visit visit) {
        for (Link* l = live_; l != nullptr;) {
            Link* next = l->next;
            visit(*l);
            l = next;
        }
    }

private:
    Link* live_ = nullptr;   // every accumulator the clock points at, owing samples or an error
    Link* spare_ = nullptr;  // links for reuse (through `next`)
};

}  // namespace gputime::detail
