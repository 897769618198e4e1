// SPDX-License-Identifier: MIT
// The GPU clock and devices, on the simulator: a clock on a default-stream handle after the
// application switched devices; a runtime older than CUDA 12.8 (no cudaStreamGetDevice); join
// errors that a destructor cannot throw; and what the capture check costs each mark.
// Simulator costs: launch 5 us of host time, every other CUDA call 1 us.
#include "support/test_framework.hpp"
#include "support/test_helpers.hpp"

#include <gputime/core/error.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/cuda/stream_join.hpp>
#include <gputime/sim/runtime.hpp>
#include <gputime/stats/stats.hpp>

#include <chrono>
#include <string>

using namespace std::chrono_literals;
using gputime::Stats;
using gputime::sim::Call;
using gputime::sim::CallFault;
using gputime::sim::Config;
using gputime::sim::Kernel;
using gputime::sim::Runtime;
using gputime::sim::Stream;
using SimClock = gputime::CudaEventClock<Runtime>;
using gputime_test::thrown;
namespace status = gputime::cuda_status;

namespace {
Config devices(int count, int runtime_version = 13000) {
    Config config;
    config.device_count = count;
    config.runtime_version = runtime_version;
    return config;
}

template <class F>
std::string error_text(F&& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}
}  // namespace

// ---- a clock on the default stream handle (issue: "stays on the device current when built") ----

TEST_CASE("devices: a default-stream clock refuses to mark once another device is current") {
    Runtime rt(devices(2));
    SimClock clock(rt);  // Stream{}: the default stream of device 0, current now
    REQUIRE(clock.device() == 0);
    REQUIRE(rt.set_device(1) == 0);
    REQUIRE(rt.launch(Stream{}, Kernel::fixed("busy", 1ms)) == 0);  // device 1's default stream
    Stats stats;
    const std::string what = error_text([&] { gputime::ScopedGpuTimer timer(stats, clock); });
    CHECK(what.find("default stream of device 0") != std::string::npos);
    CHECK(what.find("device 1 is current") != std::string::npos);
    CHECK(rt.counters().event_records == 0);  // refused before anything was recorded
    CHECK(rt.current_device() == 1);          // and the application's device left alone

    SECTION("back on device 0 it measures again") {
        REQUIRE(rt.set_device(0) == 0);
        {
            gputime::ScopedGpuTimer timer(stats, clock);
            REQUIRE(rt.launch(Stream{}, Kernel::fixed("k", 100us)) == 0);
        }
        CHECK(stats.first_call().count() == 105e3);  // launch latency 5 us + the kernel
    }
}

TEST_CASE("devices: a switch inside a default-stream scope reaches the Stats' next read") {
    Runtime rt(devices(2));
    SimClock clock(rt);
    Stats stats;
    {
        gputime::ScopedGpuTimer timer(stats, clock);  // start on device 0's default stream
        REQUIRE(rt.set_device(1) == 0);
        REQUIRE(rt.launch(Stream{}, Kernel::fixed("k", 100us)) == 0);  // on device 1's
    }  // the end mark is refused: no sample of device 0's idle stream
    CHECK_THROWS_AS(stats.count(), gputime::Error);
    CHECK(stats.calls() == 0);
}

TEST_CASE("devices: a clock on a stream of its own keeps timing it whatever device is current") {
    Runtime rt(devices(2));
    REQUIRE(rt.set_device(1) == 0);
    const Stream s1 = rt.create_stream();
    REQUIRE(rt.set_device(0) == 0);
    SimClock clock(rt, s1);
    CHECK(clock.device() == 1);
    Stats stats;
    {
        gputime::ScopedGpuTimer timer(stats, clock);
        REQUIRE(rt.set_device(1) == 0);
        REQUIRE(rt.launch(s1, Kernel::fixed("k", 100us)) == 0);
        REQUIRE(rt.set_device(0) == 0);
    }
    CHECK(stats.first_call().count() == 105e3);
}

// ---- a runtime before CUDA 12.8: no cudaStreamGetDevice --------------------------------------

TEST_CASE("devices: before CUDA 12.8 the clock asks the driver for its stream's device") {
    Runtime rt(devices(2, 12040));  // CUDA 12.4: stream_get_device says 801
    int answer = -1;
    REQUIRE(rt.set_device(1) == 0);
    const Stream s1 = rt.create_stream();
    REQUIRE(rt.set_device(0) == 0);
    REQUIRE(rt.stream_get_device(s1, &answer) == status::not_supported);

    SimClock clock(rt, s1);  // device 0 is current; the stream is device 1's
    CHECK(clock.device() == 1);
    Stats stats;
    for (int i = 0; i < 3; ++i) {
        gputime::ScopedGpuTimer timer(stats, clock);  // events created and recorded on device 1
        REQUIRE(rt.set_device(1) == 0);
        REQUIRE(rt.launch(s1, Kernel::fixed("k", 100us)) == 0);
        REQUIRE(rt.set_device(0) == 0);
    }
    REQUIRE_NOTHROW(stats.count());
    CHECK(stats.calls() == 3);
    CHECK(stats.first_call().count() == 105e3);
    CHECK(stats.max().count() == 100e3);  // queued behind one another: exactly the kernels

    SECTION("an invalid stream is still an error, named after the driver call") {
        const auto error = thrown<gputime::CudaError>([&] { SimClock bad(rt, Stream{99}); });
        REQUIRE(error);
        CHECK(error->code() == status::invalid_resource_handle);
        CHECK(error->call() == "cuStreamGetCtx");
    }
}

TEST_CASE("devices: before CUDA 12.8 JoinStreams joins a side stream of another device") {
    Runtime rt(devices(2, 12040));
    const Stream main = rt.create_stream();
    REQUIRE(rt.set_device(1) == 0);
    const Stream side = rt.create_stream();
    REQUIRE(rt.set_device(0) == 0);
    SimClock clock(rt, main);
    Stats stats;
    {
        gputime::ScopedGpuTimer timer(stats, clock);
        gputime::JoinStreams join(clock, {side});
        REQUIRE(rt.launch(main, Kernel::fixed("main", 100us)) == 0);
        REQUIRE(rt.set_device(1) == 0);
        REQUIRE(rt.launch(side, Kernel::fixed("side", 300us)) == 0);
        REQUIRE(rt.set_device(0) == 0);
    }
    REQUIRE_NOTHROW(stats.count());
    CHECK(stats.first_call().count() == 313e3);  // through the side kernel, as with CUDA 12.8
}

// ---- join errors are parked like any other ------------------------------------------------------

TEST_CASE("devices: a join that fails in ~JoinStreams reaches the timer's Stats instead of a short sample") {
    Runtime rt;
    const Stream main = rt.create_stream();
    const Stream side = rt.create_stream();
    SimClock clock(rt, main);
    Stats stats;
    {
        gputime::ScopedGpuTimer timer(stats, clock);
        gputime::JoinStreams join(clock, {side});
        REQUIRE(rt.launch(main, Kernel::fixed("main", 100us)) == 0);
        REQUIRE(rt.launch(side, Kernel::fixed("side", 300us)) == 0);
        rt.inject(CallFault{Call::event_record, status::invalid_resource_handle});  // the join's record
    }  // ~JoinStreams cannot throw; the main stream never waited for the side kernel
    const auto error = thrown<gputime::CudaError>([&] { stats.count(); });
    REQUIRE(error);
    CHECK(error->code() == status::invalid_resource_handle);
    CHECK(stats.calls() == 0);           // not the 105 us that missed the side work
    CHECK_NOTHROW(clock.synchronize());  // reported once, at the Stats

    SECTION("the next scope measures as usual") {
        {
            gputime::ScopedGpuTimer timer(stats, clock);
            gputime::JoinStreams join(clock, {side});
            REQUIRE(rt.launch(side, Kernel::fixed("side", 50us)) == 0);
        }
        CHECK(stats.calls() == 1);
    }
}

// ---- the capture check on every mark ---------------------------------------------------------

TEST_CASE("devices: the capture check is one host-state call per mark, before the record") {
    Config config;
    config.host_state_cost = 200ns;  // what the query costs the host (tests/gpu/validate.sh measures it)
    config.event_resolution = 0ns;   // exact timestamps: the 0.2 us shows
    Runtime rt(config);
    const Stream s = rt.create_stream(gputime::cuda_status::stream_non_blocking);
    SimClock clock(rt, s);
    clock.reserve(20);  // the ten pairs wait for the read: no event is created in the loop
    Stats stats;
    const auto queries = rt.counters().capture_queries;
    const auto device_calls = rt.counters().device_calls;
    for (int i = 0; i < 10; ++i) gputime::ScopedGpuTimer timer(stats, clock);  // empty scopes
    CHECK(rt.counters().capture_queries - queries == 20u);
    CHECK(rt.counters().device_calls == device_calls);  // a stream of its own: no device calls
    // An empty scope on an idle stream measures the host time between the two records: the
    // capture check (0.2 us) and the end record's API call (1 us).
    CHECK(stats.min().count() == 1200.0);
    CHECK(stats.max().count() == 1200.0);
    CHECK(stats.calls() == 10);
}
