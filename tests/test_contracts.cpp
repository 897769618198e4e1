// SPDX-License-Identifier: MIT
// The clock and runtime-policy contracts: every clock and runtime gputime ships, and the test
// clocks, meet them; types that miss one member do not. (That a ScopedTimer over a non-clock
// fails to compile with a readable message is checked by the compile_fail.* ctests.)
#include "support/test_framework.hpp"

#include <gputime/core/clock_contract.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/core/host_clock.hpp>
#include <gputime/cuda/runtime_policy.hpp>
#include <gputime/sim/runtime.hpp>

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

}  // namespace

TEST_CASE("contracts: gputime's clocks and the test clocks are clocks, near-misses are not") {
    static_assert(gputime::is_clock_v<gputime::HostClock>);
    static_assert(gputime::is_clock_v<gputime::CudaEventClock<gputime::sim::Runtime>>);
    static_assert(gputime::is_clock_v<gputime_test::ScriptedClock>);
    static_assert(gputime::is_clock_v<gputime_test::ManualClock>);
    static_assert(gputime::is_clock_v<Complete>);
    static_assert(!gputime::is_clock_v<int>);
    static_assert(!gputime::is_clock_v<MissingIdleFor>);
    static_assert(!gputime::is_clock_v<ThrowingRelease>);
    static_assert(gputime::detail::check_runtime_policy<gputime::sim::Runtime>());
    CHECK(gputime::is_clock_v<gputime::HostClock>);  // the checks above ran at compile time
}
