// SPDX-License-Identifier: MIT
// tests/test_sim_runtime.cpp - the simulated CUDA runtime, checked against hand-computed numbers.
//
// Every expected time below is worked out in a comment from the defaults:
// launch_cost 5 us, api_cost 1 us, event_resolution 500 ns, poll_cost 1 us.
#include "support/test_framework.hpp"

#include "gputime/core/error.hpp"
#include "gputime/sim/detail/random.hpp"
#include "gputime/sim/runtime.hpp"

#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace {

using gputime::sim::Call;
using gputime::sim::CallFault;
using gputime::sim::Config;
using gputime::sim::Event;
using gputime::sim::Fault;
using gputime::sim::Kernel;
using gputime::sim::Runtime;
using gputime::sim::Stream;
namespace status = gputime::sim::status;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

constexpr Stream kDefaultStream{};

Event make_event(Runtime& runtime) {
    Event event;
    REQUIRE(runtime.event_create(&event) == status::success);
    return event;
}

// Launches `kernel` and returns its device duration. The kernel starts at
// max(host time when launch returns, previous tail) and ends at the new tail.
nanoseconds launch_and_measure(Runtime& runtime, Stream stream, const Kernel& kernel) {
    const nanoseconds tail_before = runtime.stream_tail(stream);
    REQUIRE(runtime.launch(stream, kernel) == status::success);
    const nanoseconds start = std::max(tail_before, runtime.host_now());
    return runtime.stream_tail(stream) - start;
}

Config clock_config() {
    Config config;
    config.clock.enabled = true;  // 1980 MHz max, 660 MHz idle, 1 ms threshold, 2 ms ramp
    return config;
}

// What CudaEventClock does with any runtime policy: time one piece of work with an event
// pair. Written against the contract only, to show sim::Runtime fits it.
template <class RuntimePolicy, class Work>
float time_with_events(RuntimePolicy& runtime, Work&& work) {
    typename RuntimePolicy::event_type start{};
    typename RuntimePolicy::event_type stop{};
    typename RuntimePolicy::stream_type stream{};
    REQUIRE(runtime.event_create(&start) == 0);
    REQUIRE(runtime.event_create(&stop) == 0);
    REQUIRE(runtime.event_record(start, stream) == 0);
    work();
    REQUIRE(runtime.event_record(stop, stream) == 0);
    while (runtime.event_query(stop) == 600) runtime.yield();
    float ms = -1.0f;
    REQUIRE(runtime.event_elapsed_ms(&ms, start, stop) == 0);
    REQUIRE(runtime.event_destroy(start) == 0);
    REQUIRE(runtime.event_destroy(stop) == 0);
    return ms;
}

}  // namespace

TEST_CASE("sim: handles, kernels and the defaults are what the documentation says") {
    static_assert(std::is_same<Runtime::stream_type, Stream>::value, "policy stream type");
    static_assert(std::is_same<Runtime::event_type, Event>::value, "policy event type");
    CHECK(Runtime::stream_type{}.id == 0);
    CHECK(Event{}.id == -1);
    CHECK(Stream{3} == Stream{3});
    CHECK(Stream{3} != Stream{4});
    CHECK(Event{2} == Event{2});
    CHECK(Event{2} != Event{});

    const Config config;
    CHECK(config.launch_cost == microseconds(5));
    CHECK(config.api_cost == microseconds(1));
    CHECK(config.event_resolution == nanoseconds(500));
    CHECK(config.poll_cost == microseconds(1));
    CHECK(config.lazy_load_cost == nanoseconds(0));
    CHECK(config.device_count == 1);
    CHECK_FALSE(config.clock.enabled);
    CHECK(config.clock.max_clock_mhz == 1980.0);
    CHECK(config.clock.idle_clock_mhz == 660.0);
    CHECK(config.clock.idle_threshold == milliseconds(1));
    CHECK(config.clock.ramp_time == milliseconds(2));
    CHECK(config.noise.seed == 0u);
    CHECK(config.noise.relative_stddev == 0.0);
    CHECK(config.noise.outlier_probability == 0.0);
    CHECK(config.noise.outlier_factor == 5.0);

    const Kernel aggregate{"gemm", microseconds(100)};
    CHECK(aggregate.name == "gemm");
    CHECK(aggregate.duration == microseconds(100));
    CHECK_FALSE(aggregate.is_cycle_kernel());
    CHECK_FALSE(aggregate.faulty);
    CHECK_FALSE(aggregate.lazy_load_cost.has_value());
    const Kernel fixed = Kernel::fixed("relu", microseconds(7));
    CHECK(fixed.duration == microseconds(7));
    CHECK_FALSE(fixed.is_cycle_kernel());
    const Kernel spin = Kernel::cycles("spin", 1000).with_lazy_load_cost(milliseconds(2)).with_fault();
    REQUIRE(spin.is_cycle_kernel());
    CHECK(*spin.cycle_count == 1000u);
    CHECK(*spin.lazy_load_cost == milliseconds(2));
    CHECK(spin.faulty);

    Runtime runtime;
    CHECK(runtime.host_now() == nanoseconds(0));
    CHECK(runtime.stream_tail(kDefaultStream) == nanoseconds(0));
    CHECK(runtime.config().launch_cost == microseconds(5));
    const Stream first = runtime.create_stream();
    const Stream second = runtime.create_stream();
    CHECK(first.id == 1);
    CHECK(second.id == 2);
    CHECK(runtime.host_now() == nanoseconds(0));  // creating streams is free
}

TEST_CASE("sim: every call costs its documented host time") {
    Runtime runtime;
    Event event;
    CHECK(runtime.event_create(&event) == status::success);
    CHECK(runtime.host_now() == microseconds(1));
    CHECK(runtime.event_record(event, kDefaultStream) == status::success);
    CHECK(runtime.host_now() == microseconds(2));
    CHECK(runtime.launch(kDefaultStream, Kernel::fixed("k", microseconds(1))) == status::success);
    CHECK(runtime.host_now() == microseconds(7));
    CHECK(runtime.event_query(event) == status::success);
    CHECK(runtime.host_now() == microseconds(8));
    float ms = 0.0f;
    CHECK(runtime.event_elapsed_ms(&ms, event, event) == status::success);
    CHECK(ms == 0.0f);
    CHECK(runtime.host_now() == microseconds(9));
    CHECK(runtime.stream_wait_event(kDefaultStream, event) == status::success);
    CHECK(runtime.host_now() == microseconds(10));
    int count = 0;
    CHECK(runtime.device_count(&count) == status::success);
    CHECK(count == 1);
    CHECK(runtime.host_now() == microseconds(11));
    runtime.yield();
    CHECK(runtime.host_now() == microseconds(12));
    runtime.host_work(microseconds(100));
    CHECK(runtime.host_now() == microseconds(112));
    runtime.sleep_for(microseconds(50));  // the policy's idle gap: exactly its duration
    CHECK(runtime.host_now() == microseconds(162));
    runtime.sleep_for(nanoseconds(-5));  // no gap, no throw
    CHECK(runtime.host_now() == microseconds(162));
    CHECK(runtime.event_destroy(event) == status::success);
    CHECK(runtime.host_now() == microseconds(163));
    // Free: error texts, the host clock itself and read-only inspection.
    CHECK(std::string(runtime.error_name(0)) == "cudaSuccess");
    CHECK(std::string(runtime.error_string(0)) == "no error");
    (void)runtime.host_now();
    (void)runtime.counters();
    (void)runtime.stream_tail(kDefaultStream);
    CHECK(runtime.host_now() == microseconds(163));

    SECTION("custom costs are used") {
        Config config;
        config.launch_cost = microseconds(20);
        config.api_cost = nanoseconds(250);
        config.poll_cost = nanoseconds(100);
        Runtime custom(config);
        CHECK(custom.launch(kDefaultStream, Kernel::fixed("k", microseconds(1))) == status::success);
        CHECK(custom.host_now() == microseconds(20));
        CHECK(custom.stream_synchronize(kDefaultStream) == status::success);  // tail 21 us
        CHECK(custom.host_now() == nanoseconds(21250));
        custom.yield();
        CHECK(custom.host_now() == nanoseconds(21350));
    }
}

TEST_CASE("sim: an event pair around a kernel measures exactly the kernel when the stream is busy") {
    Runtime runtime;
    const Event start = make_event(runtime);  // host 1 us
    const Event stop = make_event(runtime);   // host 2 us
    REQUIRE(runtime.launch(kDefaultStream, Kernel::fixed("busy", microseconds(50))) == status::success);
    // host 7 us; "busy" runs [7, 57] us.
    REQUIRE(runtime.event_record(start, kDefaultStream) == status::success);  // host 8, reached 57
    REQUIRE(runtime.launch(kDefaultStream, Kernel::fixed("timed", microseconds(100))) == status::success);
    // host 13 us; "timed" queues behind "busy": [57, 157] us.
    REQUIRE(runtime.event_record(stop, kDefaultStream) == status::success);  // host 14, reached 157
    CHECK(runtime.event_timestamp(start) == std::optional<nanoseconds>(microseconds(57)));
    CHECK(runtime.event_timestamp(stop) == std::optional<nanoseconds>(microseconds(157)));
    CHECK(runtime.event_synchronize(stop) == status::success);
    CHECK(runtime.host_now() == microseconds(158));
    float ms = 0.0f;
    CHECK(runtime.event_elapsed_ms(&ms, start, stop) == status::success);
    CHECK(ms == 0.1f);

    SECTION("on an idle stream the pair also sees the launch overhead") {
        // host 159 us; two creates -> 161; start reached at 162; launch returns at 167;
        // kernel [167, 267]; stop reached 267: 105 us = kernel + launch_cost.
        const float measured = time_with_events(
            runtime, [&] { REQUIRE(runtime.launch(kDefaultStream, Kernel::fixed("timed", microseconds(100))) == 0); });
        CHECK(measured == gputime_test::Approx(0.105));
    }
}

TEST_CASE("sim: event timestamps are floored to the event resolution") {
    Runtime runtime;
    const Event start = make_event(runtime);
    const Event stop = make_event(runtime);  // host 2000 ns
    REQUIRE(runtime.launch(kDefaultStream, Kernel::fixed("busy", nanoseconds(20300))) == 0);
    // host 7000; busy [7000, 27300].
    REQUIRE(runtime.event_record(start, kDefaultStream) == 0);  // reached 27300 -> 27000
    REQUIRE(runtime.launch(kDefaultStream, Kernel::fixed("odd", nanoseconds(1234))) == 0);
    // odd [27300, 28534]
    REQUIRE(runtime.event_record(stop, kDefaultStream) == 0);  // reached 28534 -> 28500
    CHECK(*runtime.event_timestamp(start) == nanoseconds(27000));
    CHECK(*runtime.event_timestamp(stop) == nanoseconds(28500));
    CHECK(runtime.stream_tail(kDefaultStream) == nanoseconds(28534));  // the tail stays exact
    REQUIRE(runtime.stream_synchronize(kDefaultStream) == 0);
    float ms = 0.0f;
    REQUIRE(runtime.event_elapsed_ms(&ms, start, stop) == 0);
    CHECK(ms == gputime_test::Approx(0.0015));  // 1234 ns reads as 1.5 us

    SECTION("resolution 0 keeps exact timestamps") {
        Config config;
        config.event_resolution = nanoseconds(0);
        Runtime exact(config);
        const Event a = make_event(exact);
        const Event b = make_event(exact);
        REQUIRE(exact.launch(kDefaultStream, Kernel::fixed("busy", nanoseconds(20300))) == 0);
        REQUIRE(exact.event_record(a, kDefaultStream) == 0);
        REQUIRE(exact.launch(kDefaultStream, Kernel::fixed("odd", nanoseconds(1234))) == 0);
        REQUIRE(exact.event_record(b, kDefaultStream) == 0);
        CHECK(*exact.event_timestamp(b) - *exact.event_timestamp(a) == nanoseconds(1234));
    }
}

TEST_CASE("sim: a query is not ready until the host clock reaches the event") {
    Runtime runtime;
    const Event start = make_event(runtime);
    const Event stop = make_event(runtime);                                               // host 2 us
    REQUIRE(runtime.event_record(start, kDefaultStream) == 0);                            // host 3, reached 3
    REQUIRE(runtime.launch(kDefaultStream, Kernel::fixed("k", microseconds(100))) == 0);  // [8, 108]
    REQUIRE(runtime.event_record(stop, kDefaultStream) == 0);                             // host 9, reached 108
    float ms = 0.0f;
    CHECK(runtime.event_elapsed_ms(&ms, start, stop) == status::not_ready);  // host 10
    CHECK(runtime.event_query(start) == status::success);                    // host 11
    runtime.host_work(microseconds(95));                                     // host 106
    CHECK(runtime.event_query(stop) == status::not_ready);                   // answers at 107
    CHECK(runtime.event_query(stop) == status::success);                     // answers at 108
    CHECK(runtime.event_elapsed_ms(&ms, start, stop) == status::success);
    CHECK(ms == gputime_test::Approx(0.105));

    SECTION("polling with yield advances by poll_cost per round") {
        Runtime polled;
        const Event event = make_event(polled);                                             // host 1
        REQUIRE(polled.launch(kDefaultStream, Kernel::fixed("k", microseconds(20))) == 0);  // [6, 26]
        REQUIRE(polled.event_record(event, kDefaultStream) == 0);                           // host 7, reached 26
        int rounds = 0;
        while (polled.event_query(event) == status::not_ready) {
            polled.yield();
            ++rounds;
        }
        // A query answers at 8, 10, ..., 24 (not ready, then a 1 us yield each) and at 26.
        CHECK(polled.host_now() == microseconds(26));
        CHECK(rounds == 9);
        CHECK(polled.counters().yields == 9u);
        CHECK(polled.counters().event_queries == 10u);
    }
}

TEST_CASE("sim: synchronize calls move the host clock to the device") {
    Runtime runtime;
    const Event event = make_event(runtime);                                              // host 1
    REQUIRE(runtime.launch(kDefaultStream, Kernel::fixed("k", microseconds(100))) == 0);  // [6, 106]
    REQUIRE(runtime.event_record(event, kDefaultStream) == 0);                            // host 7, reached 106

    SECTION("event_synchronize: host = max(host, event) + api_cost") {
        CHECK(runtime.event_synchronize(event) == status::success);
        CHECK(runtime.host_now() == microseconds(107));
        CHECK(runtime.event_synchronize(event) == status::success);  // already complete
        CHECK(runtime.host_now() == microseconds(108));
    }
    SECTION("stream_synchronize: host = max(host, tail) + api_cost") {
        REQUIRE(runtime.launch(kDefaultStream, Kernel::fixed("k", microseconds(50))) == 0);  // [106, 156]
        CHECK(runtime.stream_synchronize(kDefaultStream) == status::success);
        CHECK(runtime.host_now() == microseconds(157));
        CHECK(runtime.event_query(event) == status::success);
    }
    SECTION("an unrecorded event synchronizes at once, as in CUDA") {
        const Event fresh = make_event(runtime);  // host 8
        CHECK(runtime.event_synchronize(fresh) == status::success);
        CHECK(runtime.host_now() == microseconds(9));
        CHECK(runtime.event_query(fresh) == status::success);
    }
}

TEST_CASE("sim: streams run concurrently and stream_wait_event orders them") {
    Runtime runtime;
    const Stream one = runtime.create_stream();
    const Stream two = runtime.create_stream();

    SECTION("two streams overlap") {
        REQUIRE(runtime.launch(one, Kernel::fixed("a", microseconds(100))) == 0);  // [5, 105]
        REQUIRE(runtime.launch(two, Kernel::fixed("b", microseconds(100))) == 0);  // [10, 110]
        CHECK(runtime.stream_tail(one) == microseconds(105));
        CHECK(runtime.stream_tail(two) == microseconds(110));
        // The legacy default stream holds nothing of its own: its implicit synchronisation with
        // blocking streams applies to what is enqueued on it (test_sim_semantics.cpp).
        CHECK(runtime.stream_tail(kDefaultStream) == nanoseconds(0));
        REQUIRE(runtime.stream_synchronize(one) == 0);   // host 106
        REQUIRE(runtime.stream_synchronize(two) == 0);   // host 111
        CHECK(runtime.host_now() == microseconds(111));  // not 200+: the kernels overlapped
    }
    SECTION("the waiting stream starts after the event") {
        const Event produced = make_event(runtime);                                       // host 1
        REQUIRE(runtime.launch(one, Kernel::fixed("producer", microseconds(100))) == 0);  // [6, 106]
        REQUIRE(runtime.event_record(produced, one) == 0);                                // host 7, reached 106
        CHECK(runtime.stream_wait_event(two, produced) == status::success);               // host 8
        CHECK(runtime.stream_tail(two) == microseconds(106));
        CHECK(runtime.host_now() == microseconds(8));                                    // the host does not wait
        REQUIRE(runtime.launch(two, Kernel::fixed("consumer", microseconds(10))) == 0);  // [106, 116]
        CHECK(runtime.stream_tail(two) == microseconds(116));
    }
    SECTION("waiting on an unrecorded event is a no-op") {
        const Event fresh = make_event(runtime);
        CHECK(runtime.stream_wait_event(two, fresh) == status::success);
        CHECK(runtime.stream_tail(two) == nanoseconds(0));
    }
}

TEST_CASE("sim: lazy loading costs host time on the first launch of each kernel name only") {
    Config config;
    config.lazy_load_cost = milliseconds(1);
    Runtime runtime(config);
    REQUIRE(runtime.launch(kDefaultStream, Kernel::fixed("conv", microseconds(10))) == 0);
    CHECK(runtime.host_now() == microseconds(1005));
    REQUIRE(runtime.launch(kDefaultStream, Kernel::fixed("conv", microseconds(10))) == 0);
    CHECK(runtime.host_now() == microseconds(1010));
    REQUIRE(runtime.launch(kDefaultStream, Kernel::fixed("relu", microseconds(10))) == 0);
    CHECK(runtime.host_now() == microseconds(2015));
    const Kernel big = Kernel::fixed("big", microseconds(10)).with_lazy_load_cost(milliseconds(30));
    REQUIRE(runtime.launch(kDefaultStream, big) == 0);
    CHECK(runtime.host_now() == microseconds(32020));
    REQUIRE(runtime.launch(kDefaultStream, big) == 0);
    CHECK(runtime.host_now() == microseconds(32025));

    SECTION("an event pair around the first call sees the load; the second call does not") {
        Runtime fresh(config);
        const Kernel kernel = Kernel::fixed("layer1", microseconds(100));
        // create x2 -> host 2; start reached 3; launch returns at 3 + 5 + 1000 = 1008;
        // kernel [1008, 1108]; stop reached 1108: 1105 us.
        auto launch = [&] { REQUIRE(fresh.launch(kDefaultStream, kernel) == 0); };
        const float first = time_with_events(fresh, launch);
        CHECK(first == gputime_test::Approx(1.105));
        const float second = time_with_events(fresh, launch);
        CHECK(second == gputime_test::Approx(0.105));
    }
}

TEST_CASE("sim: DVFS slows cycle kernels after an idle gap, not fixed-time kernels") {
    Runtime runtime(clock_config());
    // 990'000 cycles at 1980 MHz = 500 us. Right after t = 0 the device counts as just
    // having worked (idle since 0, gap 5 us < 1 ms), so it is at full clock.
    const Kernel spin = Kernel::cycles("spin", 990000);
    CHECK(launch_and_measure(runtime, kDefaultStream, spin) == microseconds(500));  // [5, 505]
    CHECK(launch_and_measure(runtime, kDefaultStream, spin) == microseconds(500));  // back to back
    REQUIRE(runtime.stream_synchronize(kDefaultStream) == 0);                       // host 1006

    runtime.host_work(milliseconds(10));  // the device idles 10 ms: clock drops to 660 MHz
    // Wakes at 11011 us. Cycles delivered in d ns from the wake:
    // 0.66 d + (1.32 / 2e6) d^2 / 2 = 990'000  ->  d = 1'000'000 ns exactly.
    CHECK(launch_and_measure(runtime, kDefaultStream, spin) == milliseconds(1));  // [11011, 12011]
    REQUIRE(runtime.stream_synchronize(kDefaultStream) == 0);                     // host 12012

    runtime.host_work(milliseconds(10));
    const Kernel fixed = Kernel::fixed("fixed", microseconds(500));
    CHECK(launch_and_measure(runtime, kDefaultStream, fixed) == microseconds(500));  // unaffected

    SECTION("a gap no longer than idle_threshold keeps the clock") {
        Runtime steady(clock_config());
        CHECK(launch_and_measure(steady, kDefaultStream, spin) == microseconds(500));  // [5, 505]
        steady.host_work(microseconds(1500) - steady.host_now());
        // launch returns at 1505: a gap of 1000 us since 505, not longer than the threshold
        CHECK(launch_and_measure(steady, kDefaultStream, spin) == microseconds(500));
    }
    SECTION("with the clock model disabled cycles run at max_clock_mhz always") {
        Runtime flat;
        flat.host_work(milliseconds(50));
        CHECK(launch_and_measure(flat, kDefaultStream, spin) == microseconds(500));
        CHECK(flat.clock_mhz_at(milliseconds(50)) == 1980.0);
    }
}

TEST_CASE("sim: the ramp back to max clock is integrated exactly") {
    Runtime runtime(clock_config());
    runtime.host_work(milliseconds(5));
    // Wake at 5005 us with a fixed 1 ms kernel; the ramp runs 660 -> 1980 MHz over
    // [5005, 7005] us, 0.66 MHz per us.
    REQUIRE(runtime.launch(kDefaultStream, Kernel::fixed("wake", milliseconds(1))) == 0);  // [5005, 6005]
    CHECK(runtime.clock_mhz_at(microseconds(5005)) == gputime_test::Approx(660.0));
    CHECK(runtime.clock_mhz_at(microseconds(5505)) == gputime_test::Approx(990.0));
    CHECK(runtime.clock_mhz_at(microseconds(6005)) == gputime_test::Approx(1320.0));

    SECTION("a kernel that ends inside the ramp") {
        // Starts at 6005 us at 1.32 cycles/ns; slope 6.6e-7 cycles/ns^2.
        // 500'000 ns deliver 1.32 * 5e5 + 6.6e-7 * (5e5)^2 / 2 = 660'000 + 82'500 cycles.
        CHECK(launch_and_measure(runtime, kDefaultStream, Kernel::cycles("mid", 742500)) == microseconds(500));
    }
    SECTION("a kernel that crosses the end of the ramp") {
        // The last 1 ms of ramp delivers (1.32 + 1.98) / 2 * 1e6 = 1'650'000 cycles;
        // 990'000 more at 1.98 cycles/ns take 500 us: 1.5 ms in all.
        CHECK(launch_and_measure(runtime, kDefaultStream, Kernel::cycles("cross", 2640000)) == microseconds(1500));
        // [6005, 7505]: the clock is at max from 7005, and drops 1 ms after the last work.
        CHECK(runtime.clock_mhz_at(microseconds(7005)) == 1980.0);
        CHECK(runtime.clock_mhz_at(microseconds(8505)) == 1980.0);
        CHECK(runtime.clock_mhz_at(microseconds(8505) + nanoseconds(1)) == 660.0);
    }
    SECTION("a kernel started after the ramp runs at max clock") {
        runtime.host_work(microseconds(7000) - runtime.host_now());
        // launch returns at 7005: the ramp is over, and the gap since the 6005 end is 1 ms,
        // not longer than the threshold, so no new wake
        CHECK(launch_and_measure(runtime, kDefaultStream, Kernel::cycles("late", 990000)) == microseconds(500));
    }
    SECTION("telemetry before and between episodes") {
        CHECK(runtime.clock_mhz_at(microseconds(0)) == 1980.0);     // just "worked" at t = 0
        CHECK(runtime.clock_mhz_at(microseconds(1000)) == 1980.0);  // threshold not passed
        CHECK(runtime.clock_mhz_at(microseconds(1001)) == 660.0);   // idle
        CHECK(runtime.clock_mhz_at(microseconds(5004)) == 660.0);
        CHECK(runtime.clock_mhz_at(microseconds(7100)) == 660.0);  // 1.095 ms after last work
    }
}

TEST_CASE("sim: the random generator matches the published algorithms") {
    using gputime::sim::detail::Xoshiro256StarStar;
    std::uint64_t state = 0;
    CHECK(gputime::sim::detail::splitmix64_next(state) == 0xE220A8397B1DCDAFULL);
    CHECK(gputime::sim::detail::splitmix64_next(state) == 0x6E789E6AA1B965F4ULL);

    // The xoshiro256** reference vector for the state {1, 2, 3, 4}.
    auto generator = Xoshiro256StarStar::from_state({1, 2, 3, 4});
    const std::uint64_t expected[] = {11520ULL,
                                      0ULL,
                                      1509978240ULL,
                                      1215971899390074240ULL,
                                      1216172134540287360ULL,
                                      607988272756665600ULL,
                                      16172922978634559625ULL,
                                      8476171486693032832ULL,
                                      10595114339597558777ULL,
                                      2904607092377533576ULL};
    for (std::uint64_t value : expected) CHECK(generator.next_u64() == value);

    // N(0, 1): over 200'000 draws the mean is within 4 standard errors (4 / sqrt(n) =
    // 0.009) of 0 and the variance within 4 * sqrt(2 / n) = 0.013 of 1.
    Xoshiro256StarStar normal_source(2024);
    const int n = 200000;
    double sum = 0.0;
    double sum_squares = 0.0;
    for (int i = 0; i < n; ++i) {
        const double z = normal_source.standard_normal();
        sum += z;
        sum_squares += z * z;
    }
    const double mean = sum / n;
    const double variance = sum_squares / n - mean * mean;
    CHECK(std::fabs(mean) < 0.009);
    CHECK(std::fabs(variance - 1.0) < 0.013);

    Xoshiro256StarStar uniform_source(7);
    for (int i = 0; i < 1000; ++i) {
        const double u = uniform_source.uniform();
        CHECK((u >= 0.0 && u < 1.0));
        const double v = uniform_source.uniform_open_at_zero();
        CHECK((v > 0.0 && v <= 1.0));
    }
}

TEST_CASE("sim: noise is deterministic per seed and has the configured spread") {
    auto durations = [](const Config& config, int count) {
        Runtime runtime(config);
        const Kernel kernel = Kernel::fixed("k", microseconds(100));
        std::vector<nanoseconds> result;
        for (int i = 0; i < count; ++i) result.push_back(launch_and_measure(runtime, kDefaultStream, kernel));
        return result;
    };
    Config config;
    config.noise.seed = 42;
    config.noise.relative_stddev = 0.1;

    SECTION("same seed, same sequence; another seed, another sequence") {
        const auto first = durations(config, 100);
        CHECK(first == durations(config, 100));
        Config other = config;
        other.noise.seed = 43;
        CHECK(first != durations(other, 100));
        int distinct = 0;
        for (std::size_t i = 1; i < first.size(); ++i) distinct += first[i] != first[0] ? 1 : 0;
        CHECK(distinct > 90);  // it really is jitter, not a constant
    }
    SECTION("mean and standard deviation over many kernels") {
        // n = 20'000, sd 10 us: the mean's standard error is 0.07 us, so 0.3 % (4 sigma)
        // is a real check; the sample sd's standard error is 0.5 %, checked at 2.5 %.
        const auto samples = durations(config, 20000);
        double sum = 0.0;
        double sum_squares = 0.0;
        for (nanoseconds d : samples) {
            const double x = static_cast<double>(d.count());
            sum += x;
            sum_squares += x * x;
        }
        const double n = static_cast<double>(samples.size());
        const double mean = sum / n;
        const double stddev = std::sqrt((sum_squares - n * mean * mean) / (n - 1.0));
        CHECK(mean == gputime_test::Approx(100000.0).epsilon(0.003));
        CHECK(stddev == gputime_test::Approx(10000.0).epsilon(0.025));
    }
    SECTION("outliers: the configured fraction, multiplied by the factor") {
        Config outliers;
        outliers.noise.seed = 9;
        outliers.noise.outlier_probability = 0.01;
        outliers.noise.outlier_factor = 5.0;
        const auto samples = durations(outliers, 20000);
        int slow = 0;
        for (nanoseconds d : samples) {
            if (d == microseconds(500)) {
                ++slow;
            } else {
                CHECK(d == microseconds(100));
            }
        }
        // expected 200, standard deviation sqrt(20000 * 0.01 * 0.99) = 14: 4 sigma = 56
        CHECK(slow > 200 - 56);
        CHECK(slow < 200 + 56);
    }
    SECTION("switching outliers on does not change the jitter of the other kernels") {
        Config with_outliers = config;
        with_outliers.noise.outlier_probability = 0.5;
        with_outliers.noise.outlier_factor = 1.0;  // outliers that change nothing
        CHECK(durations(config, 200) == durations(with_outliers, 200));
    }
    SECTION("a huge spread is clamped at zero, never negative") {
        Config wild = config;
        wild.noise.relative_stddev = 10.0;
        int zeros = 0;
        for (nanoseconds d : durations(wild, 1000)) {
            CHECK(d >= nanoseconds(0));
            zeros += d == nanoseconds(0) ? 1 : 0;
        }
        CHECK(zeros > 400);  // P(1 + 10 z < 0) = P(z < -0.1) = 0.46
        CHECK(zeros < 520);
    }
    SECTION("no noise configured: exact durations") {
        for (nanoseconds d : durations(Config{}, 50)) CHECK(d == microseconds(100));
    }
}

TEST_CASE("sim: injected faults return CUDA's codes") {
    SECTION("no device: every call returns 100") {
        Runtime runtime;
        const Event event = make_event(runtime);
        runtime.inject(Fault::no_device);
        int count = 7;
        CHECK(runtime.device_count(&count) == status::no_device);
        CHECK(count == 0);
        Event another;
        CHECK(runtime.event_create(&another) == status::no_device);
        CHECK(runtime.event_record(event, kDefaultStream) == status::no_device);
        CHECK(runtime.event_query(event) == status::no_device);
        CHECK(runtime.event_synchronize(event) == status::no_device);
        float ms = 0.0f;
        CHECK(runtime.event_elapsed_ms(&ms, event, event) == status::no_device);
        CHECK(runtime.stream_wait_event(kDefaultStream, event) == status::no_device);
        CHECK(runtime.stream_synchronize(kDefaultStream) == status::no_device);
        CHECK(runtime.launch(kDefaultStream, Kernel::fixed("k", microseconds(1))) == status::no_device);
        CHECK(runtime.event_destroy(event) == status::no_device);
        CHECK(std::string(runtime.error_name(status::no_device)) == "cudaErrorNoDevice");
        CHECK(std::string(runtime.error_string(status::no_device)) == "no CUDA-capable device is detected");
        CHECK(runtime.stream_tail(kDefaultStream) == nanoseconds(0));  // nothing was enqueued
    }
    SECTION("insufficient driver: every call returns 35") {
        Runtime runtime;
        runtime.inject(Fault::insufficient_driver);
        int count = 7;
        CHECK(runtime.device_count(&count) == status::insufficient_driver);
        CHECK(count == 0);
        Event event;
        CHECK(runtime.event_create(&event) == status::insufficient_driver);
        CHECK(event == Event{});  // untouched on failure
        CHECK(runtime.stream_synchronize(kDefaultStream) == status::insufficient_driver);
        const Kernel kernel = Kernel::fixed("k", microseconds(1));
        CHECK(runtime.launch(kDefaultStream, kernel) == status::insufficient_driver);
        CHECK(runtime.host_now() == microseconds(8));  // failed calls still cost host time
    }
    SECTION("an event that never completes: its stream hangs there") {
        Runtime runtime;
        // Non-blocking: a blocking stream would wait for the (hung) legacy default stream.
        const Stream other = runtime.create_stream(status::stream_non_blocking);
        const Event start = make_event(runtime);
        const Event stuck = make_event(runtime);
        const Event later = make_event(runtime);
        REQUIRE(runtime.event_record(start, kDefaultStream) == 0);
        runtime.inject(Fault::event_never_completes);
        REQUIRE(runtime.event_record(stuck, kDefaultStream) == 0);  // the next record is hit
        REQUIRE(runtime.event_record(later, kDefaultStream) == 0);  // and all that follows it
        runtime.host_work(std::chrono::seconds(10));
        CHECK(runtime.event_query(stuck) == status::not_ready);
        const nanoseconds before = runtime.host_now();
        CHECK(runtime.event_synchronize(stuck) == status::launch_timeout);  // a real GPU hangs here
        CHECK(runtime.host_now() == before + microseconds(1));
        float ms = 0.0f;
        CHECK(runtime.event_elapsed_ms(&ms, start, stuck) == status::not_ready);
        CHECK(runtime.event_query(later) == status::not_ready);  // streams run in order
        CHECK(runtime.event_elapsed_ms(&ms, start, later) == status::not_ready);
        CHECK(runtime.event_query(stuck) == status::not_ready);  // still, forever
        CHECK(runtime.stream_tail(kDefaultStream) == Runtime::never_completes());
        REQUIRE(runtime.event_record(stuck, other) == 0);  // recorded on a healthy stream: completes
        CHECK(runtime.event_synchronize(stuck) == status::success);
        CHECK(std::string(runtime.error_name(status::launch_timeout)) == "cudaErrorLaunchTimeout");
    }
    SECTION("a faulty kernel poisons the context once it has run") {
        Runtime runtime;
        const Event event = make_event(runtime);  // host 1
        const Kernel bad = Kernel::fixed("bad", microseconds(100)).with_fault();
        CHECK(runtime.launch(kDefaultStream, bad) == status::success);          // [6, 106]
        CHECK(runtime.event_record(event, kDefaultStream) == status::success);  // reached 106
        CHECK(runtime.event_query(event) == status::not_ready);                 // host 8: not run yet
        runtime.host_work(microseconds(98));                                    // host 106: it has ended
        CHECK(runtime.event_query(event) == status::launch_failure);
        int count = 0;
        CHECK(runtime.device_count(&count) == status::launch_failure);
        Event another;
        CHECK(runtime.event_create(&another) == status::launch_failure);
        CHECK(runtime.event_record(event, kDefaultStream) == status::launch_failure);
        CHECK(runtime.event_synchronize(event) == status::launch_failure);
        float ms = 0.0f;
        CHECK(runtime.event_elapsed_ms(&ms, event, event) == status::launch_failure);
        CHECK(runtime.stream_wait_event(kDefaultStream, event) == status::launch_failure);
        CHECK(runtime.stream_synchronize(kDefaultStream) == status::launch_failure);
        CHECK(runtime.launch(kDefaultStream, Kernel::fixed("k", microseconds(1))) == status::launch_failure);
        CHECK(runtime.event_destroy(event) == status::launch_failure);
        CHECK(std::string(runtime.error_name(status::launch_failure)) == "cudaErrorLaunchFailure");
        CHECK(std::string(runtime.error_string(status::launch_failure)) == "unspecified launch failure");
    }
    SECTION("a synchronize that waits past a faulty kernel reports it") {
        Runtime runtime;
        REQUIRE(runtime.launch(kDefaultStream, Kernel::fixed("bad", microseconds(100)).with_fault()) == 0);
        CHECK(runtime.stream_synchronize(kDefaultStream) == status::launch_failure);
        CHECK(runtime.host_now() == microseconds(106));
    }
}

TEST_CASE("sim: invalid handles and arguments get CUDA's codes, invalid controls throw") {
    Config lenient;
    lenient.strict_handles = false;  // a destroyed event gives 400 (strict: HandleMisuse, test_sim_semantics)
    Runtime runtime(lenient);
    const Event event = make_event(runtime);
    const Event unrecorded = make_event(runtime);
    REQUIRE(runtime.event_record(event, kDefaultStream) == 0);
    float ms = 0.0f;
    CHECK(runtime.event_elapsed_ms(&ms, event, unrecorded) == status::invalid_resource_handle);
    CHECK(runtime.event_elapsed_ms(nullptr, event, event) == status::invalid_value);
    CHECK(runtime.event_query(unrecorded) == status::success);  // CUDA: never recorded = complete
    CHECK(runtime.event_create(nullptr) == status::invalid_value);
    CHECK(runtime.device_count(nullptr) == status::invalid_value);

    const Stream unknown{99};
    CHECK(runtime.event_record(event, unknown) == status::invalid_resource_handle);
    CHECK(runtime.stream_synchronize(unknown) == status::invalid_resource_handle);
    CHECK(runtime.stream_wait_event(unknown, event) == status::invalid_resource_handle);
    CHECK(runtime.launch(unknown, Kernel::fixed("k", microseconds(1))) == status::invalid_resource_handle);
    CHECK(runtime.launch(kDefaultStream, Kernel::fixed("k", nanoseconds(-1))) == status::invalid_value);
    const Kernel negative_load = Kernel::fixed("k", nanoseconds(1)).with_lazy_load_cost(nanoseconds(-1));
    CHECK(runtime.launch(kDefaultStream, negative_load) == status::invalid_value);

    REQUIRE(runtime.event_destroy(event) == status::success);
    CHECK(runtime.event_destroy(event) == status::invalid_resource_handle);
    CHECK(runtime.event_record(event, kDefaultStream) == status::invalid_resource_handle);
    CHECK(runtime.event_query(event) == status::invalid_resource_handle);
    CHECK(runtime.event_synchronize(event) == status::invalid_resource_handle);
    CHECK(runtime.event_elapsed_ms(&ms, event, event) == status::invalid_resource_handle);
    CHECK(runtime.stream_wait_event(kDefaultStream, event) == status::invalid_resource_handle);
    CHECK(runtime.event_query(Event{}) == status::invalid_resource_handle);
    CHECK_FALSE(runtime.event_timestamp(event).has_value());
    CHECK_FALSE(runtime.event_timestamp(unrecorded).has_value());
    Event next;
    REQUIRE(runtime.event_create(&next) == status::success);
    CHECK(next.id == 2);  // ids are never reused, so a stale handle stays invalid

    CHECK_THROWS_AS(runtime.host_work(nanoseconds(-1)), std::invalid_argument);
    CHECK_THROWS_AS(runtime.stream_tail(unknown), std::out_of_range);
    CHECK_NOTHROW(runtime.host_work(nanoseconds(0)));

    Config bad;
    bad.api_cost = nanoseconds(-1);
    CHECK_THROWS_AS(Runtime{bad}, std::invalid_argument);
    bad = Config{};
    bad.device_count = 0;
    CHECK_THROWS_AS(Runtime{bad}, std::invalid_argument);
    bad = Config{};
    bad.clock.idle_clock_mhz = 2500.0;
    CHECK_THROWS_AS(Runtime{bad}, std::invalid_argument);
    bad = Config{};
    bad.noise.outlier_probability = 1.5;
    CHECK_THROWS_AS(Runtime{bad}, std::invalid_argument);

    // Typed: gputime::InvalidArgument names the field.
    bad = Config{};
    bad.launch_cost = nanoseconds(-5);
    try {
        Runtime refused(bad);
        FAIL("expected gputime::InvalidArgument");
    } catch (const gputime::InvalidArgument& e) {
        CHECK(e.parameter() == "config.launch_cost");
        CHECK(e.where() == "sim::Runtime");
    }
    bad = Config{};
    bad.clock.max_clock_mhz = std::nan("");
    try {
        Runtime refused(bad);
        FAIL("expected gputime::InvalidArgument");
    } catch (const gputime::InvalidArgument& e) {
        CHECK(e.parameter() == "config.clock.max_clock_mhz");
    }
    const nanoseconds host = runtime.host_now();
    try {
        runtime.host_work(nanoseconds(-1));
        FAIL("expected gputime::InvalidArgument");
    } catch (const gputime::InvalidArgument& e) {
        CHECK(e.parameter() == "duration");
        CHECK(e.where() == "sim::Runtime::host_work");
    }
    CHECK(runtime.host_now() == host);
}

TEST_CASE("sim: a CallFault fails chosen calls of one kind with a chosen status, non-sticky") {
    Runtime runtime;
    const Event a = make_event(runtime);  // host 1
    const Event b = make_event(runtime);  // host 2
    SECTION("the next call of that kind fails, has no effect, costs its time and is counted") {
        runtime.inject(CallFault{Call::event_record, status::captured_event});
        CHECK(runtime.event_record(a, kDefaultStream) == status::captured_event);  // host 3
        CHECK_FALSE(runtime.event_timestamp(a).has_value());                       // not recorded
        CHECK(runtime.host_now() == microseconds(3));
        CHECK(runtime.counters().event_records == 1u);
        CHECK(runtime.event_record(a, kDefaultStream) == status::success);  // only once
        CHECK(runtime.event_query(a) == status::success);                   // other kinds were never affected
    }
    SECTION("skip lets calls through first; times fails several in a row") {
        runtime.inject(CallFault{Call::event_query, status::invalid_resource_handle, 2, 3});
        REQUIRE(runtime.event_record(a, kDefaultStream) == status::success);
        CHECK(runtime.event_query(a) == status::success);
        CHECK(runtime.event_query(a) == status::success);
        for (int i = 0; i < 3; ++i) CHECK(runtime.event_query(a) == status::invalid_resource_handle);
        CHECK(runtime.event_query(a) == status::success);
    }
    SECTION("every call kind, launch included") {
        const Call calls[] = {Call::event_create,      Call::event_destroy,
                              Call::event_record,      Call::event_query,
                              Call::event_synchronize, Call::event_elapsed_ms,
                              Call::stream_wait_event, Call::stream_synchronize,
                              Call::device_count,      Call::launch};
        for (const Call call : calls) runtime.inject(CallFault{call, status::stream_capture_unsupported});
        const int failed = status::stream_capture_unsupported;
        Event created;
        CHECK(runtime.event_create(&created) == failed);
        CHECK(created == Event{});  // untouched
        CHECK(runtime.event_record(a, kDefaultStream) == failed);
        CHECK(runtime.event_query(a) == failed);
        CHECK(runtime.event_synchronize(a) == failed);
        float ms = -1.0f;
        CHECK(runtime.event_elapsed_ms(&ms, a, b) == failed);
        CHECK(ms == -1.0f);
        CHECK(runtime.stream_wait_event(kDefaultStream, a) == failed);
        CHECK(runtime.stream_synchronize(kDefaultStream) == failed);
        int count = 7;
        CHECK(runtime.device_count(&count) == failed);
        CHECK(count == 0);
        CHECK(runtime.launch(kDefaultStream, Kernel::fixed("k", microseconds(10))) == failed);
        CHECK(runtime.stream_tail(kDefaultStream) == nanoseconds(0));  // nothing was enqueued
        CHECK(runtime.event_destroy(a) == failed);
        CHECK(runtime.event_record(a, kDefaultStream) == status::success);  // a is still alive
        // 2 creates + 9 api calls of 1 us + one launch of 5 us
        CHECK(runtime.host_now() == microseconds(2 + 9 + 5 + 1));
        // All spent: everything works again.
        CHECK(runtime.launch(kDefaultStream, Kernel::fixed("k", microseconds(10))) == status::success);
        CHECK(runtime.device_count(&count) == status::success);
        CHECK(count == 1);
    }
    SECTION("a sticky status takes precedence; the fault is still spent") {
        runtime.inject(CallFault{Call::event_query, status::invalid_resource_handle});
        REQUIRE(runtime.launch(kDefaultStream, Kernel::fixed("bad", microseconds(1)).with_fault()) == 0);
        runtime.host_work(microseconds(10));
        CHECK(runtime.event_query(a) == status::launch_failure);
        CHECK(runtime.event_query(a) == status::launch_failure);
    }
    SECTION("a fault that cannot fail anything is refused") {
        CHECK_THROWS_AS(runtime.inject(CallFault{Call::event_query, status::success}), gputime::InvalidArgument);
        CHECK_THROWS_AS(runtime.inject(CallFault{Call::event_query, status::not_ready, 0, 0}),
                        gputime::InvalidArgument);
        CHECK(runtime.event_query(a) == status::success);  // nothing was armed
    }
}

TEST_CASE("sim: error names and texts are CUDA's") {
    struct Expected {
        int code;
        const char* name;
        const char* text;
    };
    const Expected table[] = {
        {0, "cudaSuccess", "no error"},
        {1, "cudaErrorInvalidValue", "invalid argument"},
        {35, "cudaErrorInsufficientDriver", "CUDA driver version is insufficient for CUDA runtime version"},
        {100, "cudaErrorNoDevice", "no CUDA-capable device is detected"},
        {400, "cudaErrorInvalidResourceHandle", "invalid resource handle"},
        {401, "cudaErrorIllegalState", "the operation cannot be performed in the present state"},
        {600, "cudaErrorNotReady", "device not ready"},
        {101, "cudaErrorInvalidDevice", "invalid device ordinal"},
        {700, "cudaErrorIllegalAddress", "an illegal memory access was encountered"},
        {702, "cudaErrorLaunchTimeout", "the launch timed out and was terminated"},
        {710, "cudaErrorAssert", "device-side assert triggered"},
        {719, "cudaErrorLaunchFailure", "unspecified launch failure"},
        {900, "cudaErrorStreamCaptureUnsupported", "operation not permitted when stream is capturing"},
        {901, "cudaErrorStreamCaptureInvalidated", "operation failed due to a previous error during capture"},
        {902, "cudaErrorStreamCaptureMerge", "operation would result in a merge of separate capture sequences"},
        {903, "cudaErrorStreamCaptureUnmatched", "capture was not ended in the same stream as it began"},
        {904, "cudaErrorStreamCaptureUnjoined", "capturing stream has unjoined work"},
        {905, "cudaErrorStreamCaptureIsolation", "dependency created on uncaptured work in another stream"},
        {906, "cudaErrorStreamCaptureImplicit",
         "operation would make the legacy stream depend on a capturing blocking stream"},
        {907, "cudaErrorCapturedEvent", "operation not permitted on an event last recorded in a capturing stream"},
        {908, "cudaErrorStreamCaptureWrongThread",
         "attempt to terminate a thread-local capture sequence from another thread"},
        {12345, "unrecognized error code", "unrecognized error code"},
    };
    Runtime runtime;
    for (const Expected& row : table) {
        INFO("code " << row.code);
        CHECK(std::string(runtime.error_name(row.code)) == row.name);
        CHECK(std::string(runtime.error_string(row.code)) == row.text);
    }
}

TEST_CASE("sim: counters count every call, failed ones included") {
    Config lenient;
    lenient.strict_handles = false;  // the second destroy below is a failed call, not a test failure
    Runtime runtime(lenient);
    const Event start = make_event(runtime);
    const Event stop = make_event(runtime);
    REQUIRE(runtime.event_record(start, kDefaultStream) == 0);
    REQUIRE(runtime.launch(kDefaultStream, Kernel::fixed("k", microseconds(10))) == 0);
    REQUIRE(runtime.event_record(stop, kDefaultStream) == 0);
    CHECK(runtime.event_query(stop) == status::not_ready);
    runtime.yield();
    REQUIRE(runtime.event_synchronize(stop) == 0);
    float ms = 0.0f;
    REQUIRE(runtime.event_elapsed_ms(&ms, start, stop) == 0);
    REQUIRE(runtime.stream_wait_event(kDefaultStream, stop) == 0);
    REQUIRE(runtime.stream_synchronize(kDefaultStream) == 0);
    REQUIRE(runtime.event_destroy(start) == 0);
    CHECK(runtime.event_destroy(start) == status::invalid_resource_handle);  // counted too

    const gputime::sim::Counters counters = runtime.counters();
    CHECK(counters.event_creates == 2u);
    CHECK(counters.event_destroys == 2u);
    CHECK(counters.event_records == 2u);
    CHECK(counters.event_queries == 1u);
    CHECK(counters.event_synchronizes == 1u);
    CHECK(counters.stream_synchronizes == 1u);
    CHECK(counters.stream_waits == 1u);
    CHECK(counters.elapsed_queries == 1u);
    CHECK(counters.launches == 1u);
    CHECK(counters.yields == 1u);

    SECTION("a steady-state loop that reuses its events creates none") {
        const gputime::sim::Counters before = runtime.counters();
        for (int i = 0; i < 100; ++i) {
            REQUIRE(runtime.event_record(stop, kDefaultStream) == 0);
            REQUIRE(runtime.launch(kDefaultStream, Kernel::fixed("k", microseconds(10))) == 0);
        }
        CHECK(runtime.counters().event_creates == before.event_creates);
        CHECK(runtime.counters().event_synchronizes == before.event_synchronizes);
        CHECK(runtime.counters().stream_synchronizes == before.stream_synchronizes);
        CHECK(runtime.counters().launches == before.launches + 100u);
    }
}

TEST_CASE("sim: a kernel's computed duration is capped at 1e18 ns, so device time never overflows") {
    // An outlier factor of 1e300 makes a 1 ms kernel last 1e303 ns: as a 64-bit count of
    // nanoseconds it overflowed, and so did every device time after it.
    Config config;
    config.noise.outlier_probability = 1.0;
    config.noise.outlier_factor = 1e300;
    Runtime runtime(config);
    REQUIRE(runtime.launch(Stream{}, Kernel::fixed("long", std::chrono::milliseconds(1))) == 0);
    REQUIRE(runtime.stream_synchronize(Stream{}) == 0);
    CHECK(runtime.host_now() >= nanoseconds(1000000000000000000));
    CHECK(runtime.host_now() <= nanoseconds(1000000000000000000) + std::chrono::milliseconds(1));
}
