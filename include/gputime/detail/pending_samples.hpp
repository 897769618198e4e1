// gputime/detail/pending_samples.hpp - the link between a Stats and a clock that still owes it samples.
//
// A GPU scope records two events and returns at once; its duration is known only when the
// device reaches the second event. The clock keeps such pairs pending and a Stats that is
// owed samples points back at the clock, so that reading the Stats resolves them first
// ("resolved when results are read"), and a Stats that dies first unregisters itself.
#pragma once

namespace gputime {
class Stats;
namespace detail {

struct StatsAccess;

class PendingSamples {
public:
    /// Resolves every pending pair of this source into its Stats. May throw; samples
    /// delivered before the failure stay delivered.
    virtual void deliver_pending() = 0;
    /// `sink` is being destroyed or overwritten: drop what was owed to it.
    virtual void forget_sink(Stats* sink) noexcept = 0;
    /// `from` was moved into `to`: what was owed to `from` is now owed to `to`.
    virtual void move_sink(Stats* from, Stats* to) noexcept = 0;

protected:
    PendingSamples() = default;
    PendingSamples(const PendingSamples&) = default;
    PendingSamples& operator=(const PendingSamples&) = default;
    ~PendingSamples() = default;
};

}  // namespace detail
}  // namespace gputime
