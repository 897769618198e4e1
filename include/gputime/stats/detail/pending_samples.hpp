// gputime/stats/detail/pending_samples.hpp - the link between a Stats and a clock that still owes it samples.
//
// A GPU scope records two events and returns at once; its duration is known only when the
// device reaches the second event. The clock keeps such pairs pending and a Stats that is
// owed samples (or an error) points back at a PendingSamples, so that reading the Stats
// resolves them first ("resolved when results are read"), and a Stats that dies first
// unregisters itself.
//
// CudaEventClock gives each Stats it owes something a link object of its own (one
// PendingSamples per Stats), so that a read tells the clock which Stats is asking: the read
// then reports that Stats' error and no other. A link whose clock is destroyed while it still
// owes its Stats an error outlives the clock, and the Stats' next read rethrows it.
#pragma once

namespace gputime {
class Stats;
namespace detail {

struct StatsAccess;

class PendingSamples {
public:
    /// Resolves what this source owes the Stats pointing at it. May throw; samples delivered
    /// before the failure stay delivered. The source may unlink the Stats (set its pending
    /// source to null) and, if it is a per-Stats link, destroy itself: call it last.
    virtual void deliver_pending() = 0;
    /// `sink` is being destroyed or overwritten (it has already dropped its pointer to this
    /// source): drop what was owed to it.
    virtual void forget_sink(Stats* sink) noexcept = 0;
    /// `from` was moved into `to`: what was owed to `from` is now owed to `to`.
    virtual void move_sink(Stats* from, Stats* to) noexcept = 0;
    /// The clock this source belongs to, so that a clock can recognise its own links
    /// (null for a link that outlived its clock). By default the source itself.
    virtual const void* owner() const noexcept { return this; }

protected:
    PendingSamples() = default;
    PendingSamples(const PendingSamples&) = default;
    PendingSamples& operator=(const PendingSamples&) = default;
    ~PendingSamples() = default;
};

}  // namespace detail
}  // namespace gputime
