// SPDX-License-Identifier: MIT
// gputime/stats/owed_samples.hpp - how an accumulator is owed samples that are not known yet.
//
// A GPU scope records two events and returns at once; its duration is known only once the device
// reaches the second. An accumulator that embeds an OwedSamples (Stats does) lets the clock
// deliver such samples later: its reads call settle() first. It names no clock: any source of
// late samples implements OwedSamples::Source. An accumulator opts in with a hidden friend
//   friend gputime::OwedSamples& owed_samples_of(MyAccumulator& a) noexcept { return a.owed_; }
// and settles in its reads, settles what is ready (never waiting) when copied, and hands the
// debt over with take_from() when moved. The rules: docs/architecture.md, "Deferred GPU samples".
#pragma once

#include <type_traits>
#include <utility>

namespace gputime {

/// The slot of an accumulator through which a clock delivers samples it does not know yet (GPU
/// scopes whose end event the device has not reached); reads settle() it first.
class OwedSamples {
public:
    /// What still owes one accumulator samples (a GPU clock keeps one per accumulator). The
    /// source may unlink itself from the slot (and be destroyed) inside settle(), settle_ready()
    /// or forget(): the slot touches it no more after those calls.
    class Source {
    public:
        /// Waits for and delivers everything owed, then rethrows an error owed (once). Samples
        /// delivered before a failure stay delivered.
        virtual void settle() = 0;
        /// Delivers what can be delivered without waiting; never throws (an error stays owed).
        virtual void settle_ready() noexcept = 0;
        /// The accumulator is destroyed or overwritten (the slot has already let go): drop what
        /// was owed to it.
        virtual void forget() noexcept = 0;
        /// The accumulator was moved: what was owed now goes to `accumulator`, whose slot is `to`.
        virtual void moved(OwedSamples& to, void* accumulator) noexcept = 0;
        /// Who delivers (a clock recognises its own sources by it); null once that is gone.
        virtual const void* owner() const noexcept = 0;

    protected:
        Source() = default;
        Source(const Source&) = default;             ///< Sources are copied only by derived classes.
        Source& operator=(const Source&) = default;  ///< Sources are copied only by derived classes.
        ~Source() = default;
    };

    OwedSamples() noexcept = default;
    ~OwedSamples() { forget(); }
    OwedSamples(const OwedSamples&) = delete;
    OwedSamples& operator=(const OwedSamples&) = delete;

    /// True while a source owes samples or an error.
    bool owed() const noexcept { return source_ != nullptr; }
    /// Waits for what is owed (see Source::settle); does nothing when nothing is.
    void settle() const {
        if (source_ != nullptr) source_->settle();
    }
    /// Delivers what is ready now; never waits, never throws.
    void settle_ready() const noexcept {
        if (source_ != nullptr) source_->settle_ready();
    }
    /// Drops what is owed (the accumulator is destroyed or overwritten).
    void forget() noexcept {
        if (Source* source = std::exchange(source_, nullptr)) source->forget();
    }
    /// The debt of `other` (which is left owed nothing) now goes to `accumulator`, whose slot this
    /// is; what this slot was owed is dropped.
    void take_from(OwedSamples& other, void* accumulator) noexcept {
        if (&other == this) return;
        forget();
        source_ = std::exchange(other.source_, nullptr);
        if (source_ != nullptr) source_->moved(*this, accumulator);
    }

    /// For sources: who owes this slot (null: nobody), and linking or unlinking one.
    Source* source() const noexcept { return source_; }
    /// Links `source` (null: unlinks); the slot does not own it.
    void set_source(Source* source) noexcept { source_ = source; }

private:
    Source* source_ = nullptr;
};

namespace detail {
template <class A, class = void>
struct accepts_owed_samples : std::false_type {};
template <class A>
struct accepts_owed_samples<
    A, std::enable_if_t<std::is_same<decltype(owed_samples_of(std::declval<A&>())), OwedSamples&>::value>>
    : std::true_type {};
}  // namespace detail

/// True when `A` can be owed samples (it embeds an OwedSamples, found by owed_samples_of(a)).
template <class A>
inline constexpr bool accepts_owed_samples_v = detail::accepts_owed_samples<A>::value;

}  // namespace gputime
