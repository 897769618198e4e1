// SPDX-License-Identifier: MIT
// CUDA graph timing (gputime/cuda/graph_timing.hpp) on the simulated GPU: CapturedGraph's capture,
// replay and cleanup, and eager calls against graph replays with exact numbers. Simulator
// defaults: a launch (or a graph launch) 5 us of host time, other calls 1 us, instantiation 2 us
// per node on top, timestamps floored to 0.5 us.
#include "support/test_framework.hpp"
#include "support/test_helpers.hpp"

#include <gputime/core/error.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/cuda/graph_timing.hpp>
#include <gputime/cuda/stream_join.hpp>
#include <gputime/measure/warmup_runner.hpp>
#include <gputime/report/graph_comparison_text.hpp>
#include <gputime/sim/runtime.hpp>

#include <chrono>
#include <sstream>
#include <stdexcept>
#include <string>

using namespace std::chrono_literals;
using gputime::CapturedGraph;
using gputime::sim::Kernel;
using gputime::sim::Runtime;
using gputime::sim::Stream;
namespace status = gputime::cuda_status;
using SimClock = gputime::CudaEventClock<Runtime>;

namespace {
double us(double x) { return x * 1000.0; }
using gputime_test::contains;

// A small model: ten 2 us kernels. Launched one by one, the host (5 us per launch) sets the pace.
void ten_small_kernels(Runtime& rt, Stream stream) {
    for (int i = 0; i < 10; ++i) rt.launch(stream, Kernel::fixed("small", 2us));
}
}  // namespace

TEST_CASE("graph timing: CapturedGraph captures, replays and destroys what it made") {
    Runtime rt;
    const Stream s = rt.create_stream();
    {
        CapturedGraph<Runtime> graph(rt, s, [&](Stream stream) { ten_small_kernels(rt, stream); });
        // begin 1 + 10 launches x 5 + end 1 + instantiate 1 + 10 nodes x 2 = 73 us
        CHECK(graph.capture_time() == 73us);
        CHECK(rt.graph_node_count(graph.graph()) == 10u);
        CHECK(rt.stream_tail(s) == 0us);  // nothing ran during the capture
        const auto launched = rt.host_now() + 5us;
        graph.launch();
        CHECK(rt.stream_tail(s) == launched + 20us);  // the nodes back to back
        graph.launch();
        CHECK(rt.stream_tail(s) == launched + 40us);  // after the first replay
        CHECK(rt.counters().graph_launches == 2u);

        CapturedGraph<Runtime> moved = std::move(graph);
        moved.launch();
        CHECK(rt.counters().graph_destroys == 0u);
    }
    CHECK(rt.counters().graph_destroys == 2u);  // the executable graph and the graph, once

    SECTION("an exception from the callable ends the capture, destroys its graph and propagates") {
        CHECK_THROWS_AS(CapturedGraph<Runtime>(rt, s,
                                               [&] {
                                                   rt.launch(s, Kernel::fixed("k", 1us));
                                                   throw std::runtime_error("model failed");
                                               }),
                        std::runtime_error);
        int capture = -1;
        REQUIRE(rt.stream_is_capturing(s, &capture) == 0);
        CHECK(capture == status::capture_status_none);
        CHECK(rt.counters().graph_destroys == 3u);
    }
    SECTION("a capture broken inside the callable is a CudaError at its end, and nothing leaks") {
        try {
            CapturedGraph<Runtime> broken(rt, s, [&] { rt.stream_synchronize(s); });  // not allowed
            FAIL("expected CudaError");
        } catch (const gputime::CudaError& e) {
            CHECK(e.call() == "cudaStreamEndCapture");
            CHECK(e.code() == status::stream_capture_invalidated);
        }
        CHECK(rt.counters().graph_instantiations == 1u);
    }
    SECTION("the legacy default stream cannot be captured") {
        try {
            CapturedGraph<Runtime> legacy(rt, Stream{}, [&] {});
            FAIL("expected CudaError");
        } catch (const gputime::CudaError& e) {
            CHECK(e.call() == "cudaStreamBeginCapture");
            CHECK(e.code() == status::stream_capture_unsupported);
        }
    }
}

TEST_CASE("graph timing: eager calls vs graph replays of the same work, side by side") {
    Runtime rt;
    const Stream s = rt.create_stream();
    SimClock clock(rt, s);
    const gputime::GraphComparison both = gputime::compare_eager_and_graph(
        clock, [&](Stream stream) { ten_small_kernels(rt, stream); },
        [](gputime::WarmupRunner<SimClock>& runner) { runner.warmup(3).iterations(50).name("ten small kernels"); });

    // Eager: the start event (at T) waits for nothing; the kernels run as they are launched,
    // 5 us apart: the last one runs T+50..T+52, and the end event is recorded at T+51, reached
    // at T+52. The host, not the GPU, sets the pace.
    CHECK(both.eager.latency.p50().count() == us(52));
    CHECK(both.eager.latency.min().count() == us(52));
    CHECK(both.eager.latency.max().count() == us(52));
    CHECK(both.eager.enqueue.p50().count() == us(52));  // record + 10 launches + record
    // Graph: one launch (5 us), then the ten kernels back to back (20 us).
    CHECK(both.graph.latency.p50().count() == us(25));
    CHECK(both.graph.latency.max().count() == us(25));
    CHECK(both.graph.enqueue.p50().count() == us(7));  // record + graph launch + record
    CHECK(both.saved_p50().count() == us(27));
    CHECK(both.ratio_p50() == gputime_test::Approx(25.0 / 52.0));
    CHECK(both.capture.count() == us(73));
    CHECK(both.name == "ten small kernels");
    CHECK(both.eager.latency.count() == 50);
    CHECK(both.graph.latency.count() == 50);
    CHECK(rt.counters().captures == 1u);  // captured once, replayed 53 times
    CHECK(rt.counters().graph_launches == 53u);
    CHECK(rt.counters().graph_destroys == 2u);  // cleaned up when the comparison returned

    const std::string text = gputime::to_text(both);
    INFO(text);
    CHECK(contains(text, "ten small kernels: eager calls vs CUDA graph replays (device time, latency mode)"));
    CHECK(contains(text, "52.00 us"));
    CHECK(contains(text, "25.00 us"));
    CHECK(contains(text, "graph/eager 0.48x, saves 27.00 us per call"));
    CHECK(contains(text, "capture + instantiation: 73.00 us of host time, once"));
    std::ostringstream streamed;
    streamed << both;
    CHECK(streamed.str() == text);

    SECTION("back to back (throughput mode), a replay costs exactly its kernels") {
        const gputime::GraphComparison queued = gputime::compare_eager_and_graph(
            clock, [&](Stream stream) { ten_small_kernels(rt, stream); },
            [](gputime::WarmupRunner<SimClock>& runner) {
                runner.warmup(3).iterations(50).mode(gputime::RunMode::throughput);
            });
        CHECK(queued.graph.latency.p50().count() == us(20));
        // Eager calls keep the host's pace: 10 launches and the two records, 52 us per call.
        CHECK(queued.eager.latency.p50().count() == us(52));
        CHECK(contains(gputime::to_text(queued), "throughput mode"));
    }
}

TEST_CASE("graph timing: a clock on the legacy default stream is refused before anything runs") {
    Runtime rt;
    SimClock clock(rt);
    int calls = 0;
    try {
        gputime::compare_eager_and_graph(clock, [&] { ++calls; });
        FAIL("expected gputime::InvalidArgument");
    } catch (const gputime::InvalidArgument& e) {
        CHECK(e.parameter() == "clock");
        CHECK(e.where() == "compare_eager_and_graph");
        CHECK(contains(e.what(), "cudaStreamNonBlocking"));
    }
    CHECK(calls == 0);
    CHECK(rt.counters().event_records == 0u);
}

TEST_CASE("graph timing: JoinStreams inside the captured work becomes a fork and join of the graph") {
    Runtime rt;
    const Stream s = rt.create_stream();
    const Stream side = rt.create_stream();
    SimClock clock(rt, s);
    const gputime::GraphComparison both = gputime::compare_eager_and_graph(
        clock,
        [&](Stream stream) {
            gputime::JoinStreams<Runtime> join(clock, {side});
            rt.launch(stream, Kernel::fixed("main", 30us));
            rt.launch(side, Kernel::fixed("side", 50us));
        },
        [](gputime::WarmupRunner<SimClock>& runner) { runner.warmup(2).iterations(10); });
    CHECK(both.graph.latency.p50().count() == us(55));  // launch 5 + max(30, 50)
    CHECK(both.eager.latency.p50().count() >= us(50));
}

TEST_CASE("graph timing: JoinStreams inside a capture does not ask for stream devices, so the capture survives") {
    // A driver that treats cudaStreamGetDevice during a capture as a prohibited call (900, the
    // capture invalidated), as cuStreamGetDevice was reported to be.
    gputime::sim::Config config;
    config.stream_get_device_unsafe_in_capture = true;
    Runtime rt(config);
    const Stream s = rt.create_stream();
    const Stream side = rt.create_stream();
    SimClock clock(rt, s);
    const auto work = [&](Stream stream) {
        gputime::JoinStreams<Runtime> join(clock, {side});
        rt.launch(stream, Kernel::fixed("main", 30us));
        rt.launch(side, Kernel::fixed("side", 50us));
    };
    SECTION("after eager calls: the side stream's device was looked up outside the capture") {
        const gputime::GraphComparison both = gputime::compare_eager_and_graph(
            clock, work, [](gputime::WarmupRunner<SimClock>& runner) { runner.warmup(2).iterations(10); });
        CHECK(both.graph.latency.p50().count() == us(55));  // launch 5 + max(30, 50): fork and join intact
    }
    SECTION("a side stream first met inside the capture: taken to be on the clock's device") {
        // Any cudaStreamGetDevice from here on fails: the capture must not make one.
        rt.inject(gputime::sim::CallFault{gputime::sim::Call::stream_get_device, 999, 0, 1000});
        CapturedGraph<Runtime> graph(rt, s, work);
        CHECK(rt.graph_node_count(graph.graph()) == 2);
    }
}

TEST_CASE(
    "graph timing: a side stream of another device, met before, is joined inside a capture by its remembered device") {
    gputime::sim::Config config;
    config.device_count = 2;
    config.stream_get_device_unsafe_in_capture = true;
    Runtime rt(config);
    REQUIRE(rt.set_device(1) == 0);
    const Stream side = rt.create_stream();  // device 1
    REQUIRE(rt.set_device(0) == 0);
    const Stream s = rt.create_stream();  // device 0
    SimClock clock(rt, s);
    const auto work = [&](Stream stream) {
        gputime::JoinStreams<Runtime> join(clock, {side});
        rt.launch(stream, Kernel::fixed("main", 30us));
        rt.set_device(1);
        rt.launch(side, Kernel::fixed("side", 50us));
        rt.set_device(0);
    };
    work(s);  // outside a capture: the fork looks the side stream's device up (1) and keeps it
    REQUIRE(rt.stream_synchronize(s) == 0);
    CapturedGraph<Runtime> graph(rt, s, work);  // the join records an event of device 1 on `side`
    CHECK(rt.graph_node_count(graph.graph()) == 2);
    graph.launch();
    REQUIRE(rt.stream_synchronize(s) == 0);
    CHECK(rt.current_device() == 0);
}
