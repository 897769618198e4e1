// SPDX-License-Identifier: MIT
// The clock, accumulator and runtime-policy contracts: every clock, accumulator and runtime
// gputime ships, and the test clocks, meet them; types that miss one member do not. (That a
// ScopedTimer over a non-clock fails to compile with a readable message is checked by the
// compile_fail.* ctests.)
#include "support/test_framework.hpp"

#include <gputime/core/accumulator.hpp>
#include <gputime/core/clock_contract.hpp>
#include <gputime/core/host_clock.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/cuda/runtime_policy.hpp>
#include <gputime/sim/runtime.hpp>
#include <gputime/stats/bounded_stats.hpp>
#include <gputime/stats/owed_samples.hpp>
#include <gputime/stats/shared_stats.hpp>
#include <gputime/stats/stats.hpp>

#include "support/manual_clock.hpp"
#include "support/scripted_clock.hpp"

namespace {

struct MissingIdleFor {
    using Mark = int;
    static constexpr bool measures_device = false;
    Mark mark() { return 0; }
    void stop(const Mark&, gputime::Stats&) noexcept {}
    gputime::Duration elapsed(const Mark&, const Mark&) { return {}; }
    void release(const Mark&) noexcept {}
    void synchronize() {}
    std::chrono::nanoseconds host_now() { return {}; }
};

struct ThrowingRelease : MissingIdleFor {
    void release(const Mark&) {}
    void idle_for(std::chrono::nanoseconds) {}
};

struct Complete : MissingIdleFor {
    void idle_for(std::chrono::nanoseconds) {}
};

// A clock for any accumulator: its stop() is a member template.
struct AnyTarget : Complete {
    template <class Accumulator>
    void stop(const Mark&, Accumulator&) noexcept {}
};

struct Total {
    void add(gputime::Duration d) { sum += d; }
    gputime::Duration sum{};
};
struct NoAdd {
    void push(gputime::Duration) {}
};

}  // namespace

TEST_CASE("contracts: gputime's clocks and the test clocks are clocks, near-misses are not") {
    static_assert(gputime::is_clock_v<gputime::HostClock>);
    static_assert(gputime::is_clock_v<gputime::CudaEventClock<gputime::sim::Runtime>>);
    // Clocks written for Stats only are clocks for Stats, not for any accumulator.
    static_assert(gputime::is_clock_v<gputime_test::ScriptedClock, gputime::Stats>);
    static_assert(gputime::is_clock_v<gputime_test::ManualClock, gputime::Stats>);
    static_assert(gputime::is_clock_v<Complete, gputime::Stats>);
    static_assert(!gputime::is_clock_v<Complete>);
    static_assert(!gputime::is_clock_v<Complete, gputime::BoundedStats>);
    static_assert(gputime::is_clock_v<AnyTarget>);
    static_assert(gputime::is_clock_v<AnyTarget, Total>);
    // gputime's clocks take every accumulator.
    static_assert(gputime::is_clock_v<gputime::HostClock, gputime::BoundedStats>);
    static_assert(gputime::is_clock_v<gputime::HostClock, gputime::SharedStats>);
    static_assert(gputime::is_clock_v<gputime::CudaEventClock<gputime::sim::Runtime>, gputime::BoundedStats>);
    static_assert(gputime::is_clock_v<gputime::CudaEventClock<gputime::sim::Runtime>, Total>);
    static_assert(!gputime::is_clock_v<int>);
    static_assert(!gputime::is_clock_v<MissingIdleFor>);
    static_assert(!gputime::is_clock_v<ThrowingRelease>);
    static_assert(gputime::detail::check_runtime_policy<gputime::sim::Runtime>());
    CHECK(gputime::is_clock_v<gputime::HostClock>);  // the checks above ran at compile time
}

TEST_CASE("contracts: an accumulator is anything with add(Duration), Stats alone can be owed samples") {
    static_assert(gputime::is_accumulator_v<gputime::Stats>);
    static_assert(gputime::is_accumulator_v<gputime::BoundedStats>);
    static_assert(gputime::is_accumulator_v<gputime::SharedStats>);
    static_assert(gputime::is_accumulator_v<gputime::SharedBoundedStats>);
    static_assert(gputime::is_accumulator_v<Total>);
    static_assert(!gputime::is_accumulator_v<NoAdd>);
    static_assert(!gputime::is_accumulator_v<int>);
    static_assert(!gputime::is_accumulator_v<const Total>);  // add() needs a mutable target
    static_assert(gputime::accepts_owed_samples_v<gputime::Stats>);
    static_assert(!gputime::accepts_owed_samples_v<gputime::BoundedStats>);
    static_assert(!gputime::accepts_owed_samples_v<Total>);
    static_assert(!gputime::accepts_owed_samples_v<int>);
    CHECK(gputime::is_accumulator_v<gputime::Stats>);
}
