// SPDX-License-Identifier: MIT
// tests/test_sim_semantics.cpp - the CUDA semantics the simulated runtime models, each checked
// against the fact of the CUDA documentation it models, then the clock and JoinStreams under them.
//
// Sources (docs/simulator.md, "CUDA semantics", has the table): the CUDA Runtime API reference
// (the doc comments of cuda_runtime_api.h in CUDA 13; docs.nvidia.com/cuda/cuda-runtime-api),
// its "Stream synchronization behavior" page, and the CUDA C++ Programming Guide (multi-device
// "Stream and Event Behavior"; CUDA graphs, "Prohibited and Unhandled Operations").
// Simulator defaults: launch 5 us of host time, other calls 1 us, device and capture-state calls
// free (Config::host_state_cost), a poll (yield) 1 us, timestamps floored to 0.5 us.
#include "support/test_framework.hpp"
#include "support/test_helpers.hpp"

#include <gputime/core/cuda_status.hpp>
#include <gputime/core/default_stream.hpp>
#include <gputime/core/error.hpp>
#include <gputime/core/host_clock.hpp>
#include <gputime/core/scoped_timer.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/cuda/stream_join.hpp>
#include <gputime/measure/warmup_runner.hpp>
#include <gputime/sim/runtime.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>

using namespace std::chrono_literals;
using gputime::Stats;
using gputime::sim::Config;
using gputime::sim::Event;
using gputime::sim::Graph;
using gputime::sim::GraphExec;
using gputime::sim::Kernel;
using gputime::sim::Runtime;
using gputime::sim::Stream;
namespace status = gputime::cuda_status;
using SimClock = gputime::CudaEventClock<Runtime>;

namespace {
double us(double x) { return x * 1000.0; }

Config devices(int count) {
    Config config;
    config.device_count = count;
    return config;
}

Event make_event(Runtime& rt, unsigned flags = 0) {
    Event e;
    REQUIRE(rt.event_create_with_flags(&e, flags) == status::success);
    return e;
}

float elapsed_ms(Runtime& rt, Event a, Event b) {
    float ms = -1.0f;
    REQUIRE(rt.event_elapsed_ms(&ms, a, b) == status::success);
    return ms;
}

int capture_status(Runtime& rt, Stream s) {
    int value = -1;
    REQUIRE(rt.stream_is_capturing(s, &value) == status::success);
    return value;
}

using gputime_test::thrown;

using gputime_test::contains;

void time_kernel_on(Stats& into, SimClock& clock, Stream stream, std::chrono::nanoseconds duration = 10us) {
    gputime::ScopedGpuTimer timer(into, clock);
    REQUIRE(clock.runtime().launch(stream, Kernel::fixed("k", duration)) == 0);
}
}  // namespace

// =============================== the simulated runtime ========================================

// cudaSetDevice: "Sets device as the current device for the calling host thread ... Any streams or
// events created from this host thread will be associated with device". cudaEventCreate: "Creates
// an event object for the current device". cudaEventRecord: "event and stream must be on the same
// CUDA context" (one per device). cudaStreamWaitEvent: "event may be from a different device than
// stream". cudaStreamGetDevice: "Returns in *device the device of the stream".
TEST_CASE("sim semantics: devices, a current device per thread, events and streams bound to one") {
    Runtime rt(devices(2));
    int device = -1;
    CHECK(rt.get_device(&device) == status::success);
    CHECK(device == 0);
    const Stream s0 = rt.create_stream();
    const Event e0 = make_event(rt);
    REQUIRE(rt.set_device(1) == status::success);
    const Stream s1 = rt.create_stream();
    const Event e1 = make_event(rt);
    CHECK(rt.current_device() == 1);

    CHECK(rt.stream_get_device(s0, &device) == status::success);
    CHECK(device == 0);
    CHECK(rt.stream_get_device(s1, &device) == status::success);
    CHECK(device == 1);
    CHECK(rt.stream_get_device(Stream{}, &device) == status::success);  // the null stream: current device
    CHECK(device == 1);

    CHECK(rt.event_record(e1, s0) == status::invalid_resource_handle);  // other device: 400
    CHECK_FALSE(rt.event_timestamp(e1).has_value());
    CHECK(rt.event_record(e1, s1) == status::success);
    CHECK(rt.event_record(e0, s0) == status::success);
    CHECK(rt.stream_wait_event(s0, e1) == status::success);  // across devices: accepted
    CHECK(rt.event_query(e0) == status::success);            // query and synchronize work anywhere
    CHECK(rt.event_synchronize(e0) == status::success);
    float ms = 0.0f;
    CHECK(rt.event_elapsed_ms(&ms, e0, e1) == status::invalid_resource_handle);  // two devices

    // A kernel runs on the current device: a launch into another device's stream fails.
    CHECK(rt.launch(s0, Kernel::fixed("k", 10us)) == status::invalid_resource_handle);
    CHECK(rt.launch(s1, Kernel::fixed("k", 10us)) == status::success);

    CHECK(rt.set_device(2) == status::invalid_device);
    CHECK(rt.set_device(-1) == status::invalid_device);
    CHECK(rt.current_device() == 1);  // unchanged by a refused call

    rt.set_thread(1);  // another host thread starts on device 0
    CHECK(rt.current_device() == 0);
    rt.set_thread(0);
    CHECK(rt.current_device() == 1);

    const auto host = rt.host_now();
    rt.set_device(0);
    rt.get_device(&device);
    rt.stream_get_device(s1, &device);
    CHECK(rt.host_now() == host);  // host-state calls cost Config::host_state_cost (0)
    CHECK(rt.counters().device_calls == 10u);
}

TEST_CASE("sim semantics: a stream waits for an event of another device, each device has its own legacy stream") {
    Runtime rt(devices(2));
    const Stream s0 = rt.create_stream();
    REQUIRE(rt.set_device(1) == 0);
    const Stream s1 = rt.create_stream();
    const Event done = make_event(rt);                         // host 1
    REQUIRE(rt.launch(s1, Kernel::fixed("far", 300us)) == 0);  // host 6: 6..306
    REQUIRE(rt.event_record(done, s1) == 0);                   // host 7, reached at 306
    REQUIRE(rt.set_device(0) == 0);
    REQUIRE(rt.stream_wait_event(s0, done) == 0);              // host 8
    REQUIRE(rt.launch(s0, Kernel::fixed("near", 10us)) == 0);  // host 13: starts at 306
    CHECK(rt.stream_tail(s0) == 316us);
    REQUIRE(rt.launch(Stream{}, Kernel::fixed("legacy0", 10us)) == 0);  // device 0's legacy stream
    CHECK(rt.stream_tail(Stream{}) == 326us);  // waits for s0, a blocking stream of device 0 ...
    REQUIRE(rt.set_device(1) == 0);
    CHECK(rt.stream_tail(Stream{}) == 0us);  // ... while device 1's legacy stream has nothing
}

// "Stream synchronization behavior": "The legacy default stream is an implicit stream which
// synchronizes with all other streams in the same CUcontext except for non-blocking streams ...
// k_1<<<1, 1, 0, s>>>(); k_2<<<1, 1>>>(); k_3<<<1, 1, 0, s>>>(); ... k_2 will block on k_1 and
// k_3 will block on k_2." cudaStreamCreateWithFlags: cudaStreamNonBlocking "should perform no
// implicit synchronization with stream 0". "The per-thread default stream is not a non-blocking
// stream and will synchronize with the legacy default stream if both are used in a program."
TEST_CASE("sim semantics: the legacy default stream synchronises with blocking streams, not non-blocking ones") {
    Runtime rt;
    const Stream s = rt.create_stream();
    const Stream nb = rt.create_stream(status::stream_non_blocking);
    REQUIRE(rt.launch(s, Kernel::fixed("k1", 100us)) == 0);        // host 5: 5..105
    REQUIRE(rt.launch(Stream{}, Kernel::fixed("k2", 10us)) == 0);  // host 10: blocks on k1: 105..115
    REQUIRE(rt.launch(s, Kernel::fixed("k3", 10us)) == 0);         // host 15: blocks on k2: 115..125
    CHECK(rt.stream_tail(Stream{}) == 115us);
    CHECK(rt.stream_tail(s) == 125us);
    REQUIRE(rt.launch(nb, Kernel::fixed("k4", 10us)) == 0);  // host 20: no implicit sync: 20..30
    CHECK(rt.stream_tail(nb) == 30us);
    REQUIRE(rt.launch(Stream::per_thread(), Kernel::fixed("k5", 10us)) == 0);  // host 25: waits for k2
    CHECK(rt.stream_tail(Stream::per_thread()) == 125us);                      // 115..125 (legacy), not after k3 (s)

    SECTION("the per-thread stream does not wait for other streams, only for the legacy one") {
        REQUIRE(rt.launch(s, Kernel::fixed("long", 1000us)) == 0);                 // host 30: 125..1125
        REQUIRE(rt.launch(Stream::per_thread(), Kernel::fixed("k6", 10us)) == 0);  // host 35: 125..135
        CHECK(rt.stream_tail(Stream::per_thread()) == 135us);
    }
    SECTION("an event recorded on the legacy stream covers the blocking streams' work") {
        const Event e = make_event(rt);                             // host 26
        REQUIRE(rt.launch(s, Kernel::fixed("long", 1000us)) == 0);  // host 31: 125..1125
        REQUIRE(rt.event_record(e, Stream{}) == 0);                 // host 32: at 1125
        CHECK(*rt.event_timestamp(e) == 1125us);
        REQUIRE(rt.launch(nb, Kernel::fixed("free", 10us)) == 0);  // host 37: 37..47
        CHECK(rt.stream_tail(nb) == 47us);
        REQUIRE(rt.stream_synchronize(Stream{}) == 0);  // waits for s as well
        CHECK(rt.host_now() == 1126us);
    }
}

// Not in the Runtime API reference: the depth of a stream's launch queue is a driver property;
// about a thousand pending launches make cudaLaunchKernel block the host (observed behaviour,
// e.g. Oneflow-Inc/oneflow pull request 890: past 1024 kernels on a stream, launches block).
TEST_CASE("sim semantics: a full launch queue blocks the host inside the launch call") {
    Config config;
    config.launch_queue_depth = 4;
    Runtime rt(config);
    const Kernel k = Kernel::fixed("k", 100us);
    for (int i = 0; i < 4; ++i) REQUIRE(rt.launch(Stream{}, k) == 0);  // host 20; kernels end 105..405
    CHECK(rt.host_now() == 20us);
    CHECK(rt.counters().launch_queue_waits == 0u);
    REQUIRE(rt.launch(Stream{}, k) == 0);  // waits until the first kernel ends (105), then 5 us
    CHECK(rt.host_now() == 110us);
    CHECK(rt.stream_tail(Stream{}) == 505us);
    CHECK(rt.counters().launch_queue_waits == 1u);
    rt.host_work(1ms);  // the queue drains
    REQUIRE(rt.launch(Stream{}, k) == 0);
    CHECK(rt.counters().launch_queue_waits == 1u);

    SECTION("the default depth is about a thousand; 0 is unlimited") {
        CHECK(Config{}.launch_queue_depth == 1024u);
        Runtime deep;
        const Kernel slow = Kernel::fixed("slow", 10ms);  // none ends before the queue is full
        for (int i = 0; i < 1024; ++i) REQUIRE(deep.launch(Stream{}, slow) == 0);
        CHECK(deep.counters().launch_queue_waits == 0u);
        REQUIRE(deep.launch(Stream{}, slow) == 0);
        CHECK(deep.host_now() == 10005us + 5us);  // the first one ended at 5 us + 10 ms
        CHECK(deep.counters().launch_queue_waits == 1u);
        Config unlimited;
        unlimited.launch_queue_depth = 0;
        Runtime endless(unlimited);
        for (int i = 0; i < 5000; ++i) REQUIRE(endless.launch(Stream{}, k) == 0);
        CHECK(endless.host_now() == 25000us);
    }
}

// A kernel that never finishes holds its stream: streams run their work in order, so nothing
// queued behind it runs ("Makes all future work submitted to stream wait for all work captured
// in event", cudaStreamWaitEvent: other streams that wait for it hang too).
TEST_CASE("sim semantics: a hung kernel blocks its whole stream and whatever waits for it") {
    Runtime rt;
    const Stream s = rt.create_stream();
    const Stream other = rt.create_stream();
    const Event before = make_event(rt);
    const Event after = make_event(rt);
    const Event later = make_event(rt);
    REQUIRE(rt.event_record(before, s) == 0);
    REQUIRE(rt.launch(s, Kernel::hang("deadlock")) == 0);
    REQUIRE(rt.event_record(after, s) == 0);
    REQUIRE(rt.launch(s, Kernel::fixed("behind", 10us)) == 0);
    REQUIRE(rt.event_record(later, s) == 0);
    rt.host_work(10s);
    CHECK(rt.event_query(before) == status::success);
    CHECK(rt.event_query(after) == status::not_ready);
    CHECK(rt.event_query(later) == status::not_ready);
    CHECK(rt.stream_tail(s) == Runtime::never_completes());
    CHECK(rt.event_synchronize(later) == status::launch_timeout);  // where a real host blocks forever
    CHECK(rt.stream_synchronize(s) == status::launch_timeout);
    float ms = 0.0f;
    CHECK(rt.event_elapsed_ms(&ms, before, after) == status::not_ready);

    const Event waited = make_event(rt);
    REQUIRE(rt.stream_wait_event(other, after) == 0);
    REQUIRE(rt.event_record(waited, other) == 0);
    CHECK(rt.event_query(waited) == status::not_ready);
    const Stream free = rt.create_stream();
    const Event fine = make_event(rt);
    REQUIRE(rt.launch(free, Kernel::fixed("fine", 10us)) == 0);
    REQUIRE(rt.event_record(fine, free) == 0);
    CHECK(rt.event_synchronize(fine) == status::success);  // unrelated streams go on

    SECTION("Fault::event_never_completes hangs the stream at the next event recorded") {
        Runtime hung;
        const Event first = make_event(hung);
        const Event second = make_event(hung);
        hung.inject(gputime::sim::Fault::event_never_completes);
        REQUIRE(hung.event_record(first, Stream{}) == 0);
        REQUIRE(hung.launch(Stream{}, Kernel::fixed("k", 10us)) == 0);
        REQUIRE(hung.event_record(second, Stream{}) == 0);
        hung.host_work(1s);
        CHECK(hung.event_query(first) == status::not_ready);
        CHECK(hung.event_query(second) == status::not_ready);  // one event only, before: success
    }
}

// cudaEventCreateWithFlags: cudaEventDisableTiming "the created event does not need to record
// timing data"; cudaEventElapsedTime: "If either event was created with the cudaEventDisableTiming
// flag, then this function will return cudaErrorInvalidResourceHandle."
TEST_CASE("sim semantics: an event without timing orders streams but has no elapsed time") {
    Runtime rt;
    const Stream s = rt.create_stream();
    const Stream t = rt.create_stream();
    const Event timed = make_event(rt);
    const Event order = make_event(rt, status::event_disable_timing);
    REQUIRE(rt.launch(s, Kernel::fixed("k", 100us)) == 0);  // host 7: 7..107
    REQUIRE(rt.event_record(timed, s) == 0);
    REQUIRE(rt.event_record(order, s) == 0);
    REQUIRE(rt.stream_wait_event(t, order) == 0);
    REQUIRE(rt.launch(t, Kernel::fixed("after", 10us)) == 0);
    CHECK(rt.stream_tail(t) == 117us);
    rt.host_work(1ms);
    float ms = 0.0f;
    CHECK(rt.event_elapsed_ms(&ms, timed, order) == status::invalid_resource_handle);
    CHECK(rt.event_query(order) == status::success);
    Event refused;
    CHECK(rt.event_create_with_flags(&refused, 0x4) == status::invalid_value);  // interprocess needs 0x2
    CHECK(rt.event_create_with_flags(&refused, 0x80) == status::invalid_value);
    CHECK(rt.event_create_with_flags(&refused, 0x4 | status::event_disable_timing) == status::success);
}

// cudaStreamBeginCapture: "all operations pushed into the stream will not be executed, but will
// instead be captured into a graph". cudaErrorCapturedEvent (907): "The operation is not permitted
// on an event which was last recorded in a capturing stream." Programming Guide: "When an invalid
// operation is attempted during stream capture, any associated capture graphs are invalidated."
TEST_CASE("sim semantics: capture records work instead of running it, captured events cannot be read") {
    Runtime rt;
    const Stream s = rt.create_stream();
    const Event e = make_event(rt);
    REQUIRE(rt.stream_begin_capture(s, status::capture_mode_global) == 0);
    CHECK(capture_status(rt, s) == status::capture_status_active);
    REQUIRE(rt.launch(s, Kernel::fixed("k", 100us)) == 0);
    CHECK(rt.stream_tail(s) == 0us);                    // nothing ran
    REQUIRE(rt.event_record(e, s) == status::success);  // recording in a capture is allowed
    CHECK_FALSE(rt.event_timestamp(e).has_value());

    SECTION("query, synchronize and elapsed time of a captured event: 907, and the capture is invalidated") {
        CHECK(rt.event_query(e) == status::captured_event);
        CHECK(capture_status(rt, s) == status::capture_status_invalidated);
        CHECK(rt.launch(s, Kernel::fixed("k", 1us)) == status::stream_capture_invalidated);
        float ms = 0.0f;
        CHECK(rt.event_elapsed_ms(&ms, e, e) == status::captured_event);
        CHECK(rt.event_synchronize(e) == status::captured_event);
        Graph g{7};
        CHECK(rt.stream_end_capture(s, &g) == status::stream_capture_invalidated);
        CHECK(g == Graph{});  // "a NULL graph will be returned"
        CHECK(capture_status(rt, s) == status::capture_status_none);
        CHECK(rt.event_query(e) == status::captured_event);  // still last recorded in a capture
        REQUIRE(rt.event_record(e, s) == 0);                 // until recorded again
        CHECK(rt.event_synchronize(e) == status::success);
    }
    SECTION("synchronizing the capturing stream: 900") {
        CHECK(rt.stream_synchronize(s) == status::stream_capture_unsupported);
        Graph g;
        CHECK(rt.stream_end_capture(s, &g) == status::stream_capture_invalidated);
    }
    SECTION("a clean capture ends with a graph of one node") {
        Graph g;
        REQUIRE(rt.stream_end_capture(s, &g) == status::success);
        CHECK(rt.graph_node_count(g) == 1u);
        CHECK(rt.stream_end_capture(s, &g) == status::illegal_state);  // not capturing any more
    }
    SECTION("capture may not begin on the legacy stream, nor twice") {
        CHECK(rt.stream_begin_capture(Stream{}, status::capture_mode_global) == status::stream_capture_unsupported);
        CHECK(rt.stream_begin_capture(s, status::capture_mode_global) == status::illegal_state);
    }
}

// cudaStreamIsCapturing: "When a blocking stream is capturing, the legacy stream is in an unusable
// state until the blocking stream capture is terminated"; called on the legacy stream then "it will
// return cudaErrorStreamCaptureImplicit ... The blocking stream capture is not invalidated."
// Programming Guide: "any attempted use of the legacy stream is invalid" (and invalidates).
TEST_CASE("sim semantics: the legacy stream is unusable while a blocking stream of its device captures") {
    Runtime rt;
    const Stream s = rt.create_stream();
    const Stream nb = rt.create_stream(status::stream_non_blocking);
    const Event e = make_event(rt);
    REQUIRE(rt.stream_begin_capture(s, status::capture_mode_global) == 0);
    int value = -1;
    CHECK(rt.stream_is_capturing(Stream{}, &value) == status::stream_capture_implicit);
    CHECK(capture_status(rt, s) == status::capture_status_active);      // asking does not invalidate
    CHECK(rt.launch(nb, Kernel::fixed("k", 10us)) == status::success);  // non-blocking streams go on
    CHECK(rt.event_record(e, Stream{}) == status::stream_capture_implicit);
    CHECK(capture_status(rt, s) == status::capture_status_invalidated);  // using it does
    CHECK(rt.launch(Stream{}, Kernel::fixed("k", 10us)) == status::stream_capture_implicit);
    CHECK(rt.stream_synchronize(Stream{}) == status::stream_capture_implicit);
    Graph g;
    CHECK(rt.stream_end_capture(s, &g) == status::stream_capture_invalidated);
    CHECK(rt.launch(Stream{}, Kernel::fixed("k", 10us)) == status::success);  // usable again

    SECTION("a non-blocking stream's capture leaves the legacy stream alone") {
        REQUIRE(rt.stream_begin_capture(nb, status::capture_mode_global) == 0);
        CHECK(rt.launch(Stream{}, Kernel::fixed("k", 10us)) == status::success);
        CHECK(rt.stream_end_capture(nb, &g) == status::success);
    }
}

// cudaThreadExchangeStreamCaptureMode: in cudaStreamCaptureModeGlobal, "if the local thread has an
// ongoing capture sequence that was not initiated with cudaStreamCaptureModeRelaxed ..., or if any
// other thread has a concurrent capture sequence initiated with cudaStreamCaptureModeGlobal, this
// thread is prohibited from potentially unsafe API calls"; ThreadLocal ignores other threads;
// "cudaStreamCaptureModeRelaxed: The local thread is not prohibited from potentially unsafe API
// calls" (still not a query of a captured event). cudaStreamBeginCapture: "If mode is not
// cudaStreamCaptureModeRelaxed, cudaStreamEndCapture must be called on this stream from the same
// thread." (pytorch/pytorch pull requests 104555 and 148594: a watchdog thread's cudaEventQuery
// broke captures in other threads until it switched its own mode.)
TEST_CASE("sim semantics: capture modes decide which threads may query and synchronize during a capture") {
    Runtime rt;
    const Stream mine = rt.create_stream();
    const Stream theirs = rt.create_stream();
    const Event e = make_event(rt);
    REQUIRE(rt.launch(mine, Kernel::fixed("k", 100us)) == 0);
    REQUIRE(rt.event_record(e, mine) == 0);
    rt.set_thread(1);
    REQUIRE(rt.stream_begin_capture(theirs, status::capture_mode_global) == 0);
    REQUIRE(rt.launch(theirs, Kernel::fixed("captured", 10us)) == 0);
    rt.set_thread(0);

    SECTION("a thread in the global mode: 900, and the other thread's capture is invalidated") {
        CHECK(rt.event_query(e) == status::stream_capture_unsupported);
        rt.set_thread(1);
        Graph g;
        CHECK(rt.stream_end_capture(theirs, &g) == status::stream_capture_invalidated);
    }
    SECTION("event_synchronize and stream_synchronize are unsafe too") {
        CHECK(rt.event_synchronize(e) == status::stream_capture_unsupported);
        CHECK(rt.stream_synchronize(mine) == status::stream_capture_unsupported);
    }
    SECTION("relaxed (or thread-local) for the querying thread: allowed, the capture goes on") {
        int mode = status::capture_mode_relaxed;
        REQUIRE(rt.thread_exchange_capture_mode(&mode) == 0);
        CHECK(mode == status::capture_mode_global);  // the old mode comes back
        CHECK(rt.event_query(e) == status::not_ready);
        CHECK(rt.event_synchronize(e) == status::success);
        mode = status::capture_mode_thread_local;
        REQUIRE(rt.thread_exchange_capture_mode(&mode) == 0);
        CHECK(mode == status::capture_mode_relaxed);
        CHECK(rt.event_query(e) == status::success);
        rt.set_thread(1);
        Graph g;
        CHECK(rt.stream_end_capture(theirs, &g) == status::success);
        CHECK(rt.graph_node_count(g) == 1u);
        CHECK(rt.counters().capture_mode_exchanges == 2u);
    }
    SECTION("the capturing thread itself, in the global mode: 900") {
        rt.set_thread(1);
        CHECK(rt.event_query(e) == status::stream_capture_unsupported);
    }
    SECTION("ending a global capture from another thread: 908") {
        Graph g;
        CHECK(rt.stream_end_capture(theirs, &g) == status::stream_capture_wrong_thread);
        rt.set_thread(1);
        CHECK(rt.stream_end_capture(theirs, &g) == status::success);
    }
    SECTION("a relaxed capture prohibits nobody and may end on any thread") {
        const Stream third = rt.create_stream();
        rt.set_thread(1);
        Graph g;
        REQUIRE(rt.stream_end_capture(theirs, &g) == 0);
        REQUIRE(rt.stream_begin_capture(third, status::capture_mode_relaxed) == 0);
        CHECK(rt.event_query(e) == status::not_ready);
        rt.set_thread(0);
        CHECK(rt.event_query(e) == status::not_ready);
        CHECK(rt.stream_end_capture(third, &g) == status::success);
    }
}

// cudaGraphLaunch: "Each launch is ordered behind both any previous work in stream and any previous
// launches of graphExec." A graph pays one launch for all its kernels (Config::graph_launch_cost).
TEST_CASE("sim semantics: a graph runs its nodes back to back for one launch cost") {
    Runtime rt;
    const Stream s = rt.create_stream();
    REQUIRE(rt.stream_begin_capture(s, status::capture_mode_global) == 0);                // host 1
    for (int i = 0; i < 3; ++i) REQUIRE(rt.launch(s, Kernel::fixed("small", 2us)) == 0);  // host 16
    Graph graph;
    REQUIRE(rt.stream_end_capture(s, &graph) == 0);  // host 17
    GraphExec exec;
    REQUIRE(rt.graph_instantiate(&exec, graph) == 0);  // host 18 + 3 nodes x 2 us = 24
    CHECK(rt.host_now() == 24us);
    const Event a = make_event(rt);          // host 25
    const Event b = make_event(rt);          // host 26
    REQUIRE(rt.event_record(a, s) == 0);     // host 27, at 27
    REQUIRE(rt.graph_launch(exec, s) == 0);  // host 32: the nodes run 32..38
    REQUIRE(rt.event_record(b, s) == 0);     // host 33, at 38
    CHECK(rt.stream_tail(s) == 38us);
    rt.host_work(1ms);
    CHECK(elapsed_ms(rt, a, b) == gputime_test::Approx(0.011));  // 5 us launch + 3 x 2 us
    CHECK(rt.counters().graph_launches == 1u);
    CHECK(rt.counters().launches == 3u);  // the captured launches, not run again

    SECTION("launches of one executable graph run one after the other, on any stream") {
        const Stream t = rt.create_stream();
        const auto start = rt.host_now();
        REQUIRE(rt.graph_launch(exec, s) == 0);
        REQUIRE(rt.graph_launch(exec, t) == 0);  // waits for the launch on s
        CHECK(rt.stream_tail(t) == start + 10us + 6us + 6us - 5us);
    }
    SECTION("fork and join inside a capture: branches run side by side; a branch left unjoined is an error") {
        const Stream side = rt.create_stream();
        const Event fork = make_event(rt);
        const Event join = make_event(rt);
        REQUIRE(rt.stream_begin_capture(s, status::capture_mode_global) == 0);
        REQUIRE(rt.event_record(fork, s) == 0);
        REQUIRE(rt.stream_wait_event(side, fork) == 0);  // side joins the capture
        CHECK(capture_status(rt, side) == status::capture_status_active);
        REQUIRE(rt.launch(side, Kernel::fixed("side", 50us)) == 0);
        REQUIRE(rt.launch(s, Kernel::fixed("main", 30us)) == 0);
        REQUIRE(rt.event_record(join, side) == 0);
        REQUIRE(rt.stream_wait_event(s, join) == 0);
        REQUIRE(rt.launch(s, Kernel::fixed("after", 10us)) == 0);
        Graph forked;
        REQUIRE(rt.stream_end_capture(s, &forked) == 0);
        CHECK(capture_status(rt, side) == status::capture_status_none);
        GraphExec run;
        REQUIRE(rt.graph_instantiate(&run, forked) == 0);
        rt.host_work(1ms);
        const auto launched = rt.host_now() + 5us;
        REQUIRE(rt.graph_launch(run, s) == 0);
        CHECK(rt.stream_tail(s) == launched + 50us + 10us);  // max(50, 30), then 10

        REQUIRE(rt.stream_begin_capture(s, status::capture_mode_global) == 0);
        REQUIRE(rt.event_record(fork, s) == 0);
        REQUIRE(rt.stream_wait_event(side, fork) == 0);
        REQUIRE(rt.launch(side, Kernel::fixed("side", 50us)) == 0);
        Graph unjoined{3};
        CHECK(rt.stream_end_capture(s, &unjoined) == status::stream_capture_unjoined);
        CHECK(unjoined == Graph{});
    }
    SECTION("a capture may not wait on work outside it") {
        const Stream other = rt.create_stream();
        const Event outside = make_event(rt);
        REQUIRE(rt.event_record(outside, other) == 0);
        REQUIRE(rt.stream_begin_capture(s, status::capture_mode_global) == 0);
        CHECK(rt.stream_wait_event(s, outside) == status::stream_capture_isolation);
        Graph g;
        CHECK(rt.stream_end_capture(s, &g) == status::stream_capture_invalidated);
    }
    SECTION("destroyed graphs and executable graphs are invalid handles") {
        REQUIRE(rt.graph_exec_destroy(exec) == 0);
        REQUIRE(rt.graph_destroy(graph) == 0);
        CHECK(rt.graph_launch(exec, s) == status::invalid_resource_handle);
        GraphExec again;
        CHECK(rt.graph_instantiate(&again, graph) == status::invalid_resource_handle);
        CHECK(rt.graph_destroy(graph) == status::invalid_resource_handle);
        CHECK(rt.graph_node_count(graph) == 0u);
    }
}

// cudaEventDestroy carries the note "Use of the handle after this call is undefined behavior".
TEST_CASE("sim semantics: strict handles turn the use of a destroyed event into a test failure") {
    Runtime rt;
    CHECK(rt.config().strict_handles);
    const Event e = make_event(rt);
    REQUIRE(rt.event_destroy(e) == 0);
    CHECK_THROWS_AS(rt.event_query(e), gputime::sim::HandleMisuse);
    CHECK_THROWS_AS(rt.event_record(e, Stream{}), std::logic_error);
    const auto error = thrown<gputime::sim::HandleMisuse>([&] { rt.event_destroy(e); });
    REQUIRE(error);
    CHECK(contains(error->what(), "use of destroyed event"));
    CHECK(rt.handle_misuses() == 3u);
    CHECK(rt.event_query(Event{}) == status::invalid_resource_handle);  // no event at all: 400

    Config lenient;
    lenient.strict_handles = false;
    Runtime loose(lenient);
    const Event d = make_event(loose);
    REQUIRE(loose.event_destroy(d) == 0);
    CHECK(loose.event_query(d) == status::invalid_resource_handle);
    CHECK(loose.handle_misuses() == 1u);
}

// =============================== the clock and JoinStreams ====================================

// The clock is bound to its stream's device: its events are created there, whatever device the
// application made current since (an event on another device cannot be recorded on the stream).
TEST_CASE("semantics: a clock keeps timing its stream after the application switches devices") {
    Runtime rt(devices(2));
    const Stream s0 = rt.create_stream();  // device 0
    SimClock clock(rt, s0);                // host 1
    REQUIRE(rt.set_device(1) == 0);        // the application moves on to device 1
    Stats stats;
    {
        gputime::ScopedGpuTimer timer(stats, clock);  // create + record: host 3, start at 3
        REQUIRE(rt.set_device(0) == 0);
        REQUIRE(rt.launch(s0, Kernel::fixed("k", 100us)) == 0);  // host 8: 8..108
        REQUIRE(rt.set_device(1) == 0);
    }
    CHECK(rt.current_device() == 1);  // the clock put the application's device back
    CHECK(stats.calls() == 1);
    CHECK(stats.first_call().count() == us(105));
    CHECK(clock.device() == 0);

    SECTION("a clock on the default stream handle refuses to mark once another device is current") {
        // Stream{} names the current device's default stream: the kernels below run on device
        // 1's. Timing device 0's idle stream instead would report the host time between the
        // marks (7 us) for 10 us of work queued behind 1 ms: the clock refuses instead.
        Runtime two(devices(2));
        SimClock on_zero(two);  // Stream{}: device 0's legacy stream (host 1)
        REQUIRE(two.set_device(1) == 0);
        REQUIRE(two.launch(Stream{}, Kernel::fixed("busy", 1ms)) == 0);  // device 1's: 6..1006
        Stats own;
        CHECK_THROWS_AS(gputime::ScopedGpuTimer(own, on_zero), gputime::Error);
        CHECK(two.current_device() == 1);
        CHECK(two.counters().event_records == 0);  // nothing recorded anywhere
        CHECK(own.calls() == 0);
    }
}

TEST_CASE("semantics: JoinStreams joins a side stream of another device") {
    Runtime rt(devices(2));
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
    // Start at 3; fork: an ordering event of device 0 (host 4) recorded on main (5), the side
    // waits (6); main 11..111; side 16..316; join: an ordering event of device 1, created there
    // (host 17, the device switched and back), recorded on the side (18, at 316), main waits (19);
    // stop at 316.
    REQUIRE(stats.calls() == 1);
    CHECK(stats.first_call().count() == us(313));  // through the side stream's kernel
    CHECK(rt.current_device() == 0);
    CHECK(clock.ordering_events_created() == 2);  // one per device, reused by the next scopes
    {
        gputime::ScopedGpuTimer timer(stats, clock);
        gputime::JoinStreams join(clock, {side});
    }
    CHECK(clock.ordering_events_created() == 2);
    CHECK(rt.counters().event_creates == 4u);
}

// cudaEventCreateWithFlags, cudaEventDisableTiming: "Events created with this flag specified and the
// cudaEventBlockingSync flag not specified will provide the best performance when used with
// cudaStreamWaitEvent() and cudaEventQuery()." JoinStreams only orders streams: it uses them.
TEST_CASE("semantics: JoinStreams orders streams with events that record no time") {
    Runtime rt;
    const Stream main = rt.create_stream();
    const Stream side = rt.create_stream();
    SimClock clock(rt, main);
    rt.inject(gputime::sim::CallFault{gputime::sim::Call::event_create_with_flags, status::invalid_value});
    const auto error = thrown<gputime::CudaError>([&] { gputime::JoinStreams join(clock, {side}); });
    REQUIRE(error);
    CHECK(error->call() == "cudaEventCreateWithFlags");
    { gputime::JoinStreams join(clock, {side}); }
    CHECK(clock.ordering_events_created() == 1);
    CHECK(clock.events_created() == 0);  // no timing event taken from the clock's pool
}

TEST_CASE("semantics: a mark on a capturing stream is refused with an error that points to graph timing") {
    Runtime rt;
    const Stream s = rt.create_stream();
    SimClock clock(rt, s);
    Stats stats;
    REQUIRE(rt.stream_begin_capture(s, status::capture_mode_global) == 0);
    const auto error = thrown<gputime::StreamCaptureError>([&] { clock.mark(); });
    REQUIRE(error);
    CHECK(contains(error->what(), "graph_timing.hpp"));
    CHECK(error->code() == status::stream_capture_unsupported);
    CHECK(rt.counters().event_records == 0u);  // refused before recording anything
    // A timer around code that is being captured: its constructor throws, nothing is recorded.
    const auto scoped = thrown<gputime::StreamCaptureError>([&] {
        gputime::ScopedGpuTimer timer(stats, clock);
        REQUIRE(rt.launch(s, Kernel::fixed("k", 10us)) == 0);
    });
    REQUIRE(scoped);
    CHECK(contains(scoped->what(), "graph_timing.hpp"));
    REQUIRE(rt.launch(s, Kernel::fixed("k", 10us)) == 0);
    Graph g;
    CHECK(rt.stream_end_capture(s, &g) == status::success);  // the capture is unharmed
    CHECK(rt.graph_node_count(g) == 1u);
    CHECK(rt.counters().event_records == 0u);
    CHECK(stats.calls() == 0);
    time_kernel_on(stats, clock, s);  // after the capture the clock times as usual
    CHECK(stats.calls() == 1);
}

TEST_CASE("semantics: a clock on the legacy stream does not break another stream's capture") {
    Runtime rt;
    const Stream s = rt.create_stream();  // blocking
    SimClock clock(rt);                   // the legacy default stream
    REQUIRE(rt.stream_begin_capture(s, status::capture_mode_global) == 0);
    const auto error = thrown<gputime::CudaError>([&] { clock.mark(); });
    REQUIRE(error);
    CHECK(error->code() == status::stream_capture_implicit);
    Graph g;
    CHECK(rt.stream_end_capture(s, &g) == status::success);
}

TEST_CASE("semantics: a clock resolving its pairs does not break a capture on another thread") {
    Runtime rt;
    const Stream a = rt.create_stream();
    const Stream b = rt.create_stream();
    SimClock clock(rt, a);
    Stats stats;
    {
        gputime::ScopedGpuTimer timer(stats, clock);
        REQUIRE(rt.launch(a, Kernel::fixed("k", 100us)) == 0);
    }
    rt.set_thread(1);  // meanwhile another thread captures a graph, in the default (global) mode
    REQUIRE(rt.stream_begin_capture(b, status::capture_mode_global) == 0);
    REQUIRE(rt.launch(b, Kernel::fixed("captured", 10us)) == 0);
    rt.set_thread(0);
    CHECK(stats.calls() == 1);  // the clock's polls are allowed (relaxed mode) ...
    CHECK(stats.first_call().count() == us(105));
    CHECK(rt.counters().capture_mode_exchanges == 2u);  // relaxed for the resolution, then back
    rt.set_thread(1);
    Graph g;
    CHECK(rt.stream_end_capture(b, &g) == status::success);  // ... and harmless to the capture
}

// Waiting on a long kernel: a few tens of microseconds of spinning, then sleeps that grow, capped
// by the time left before the timeout, instead of a core at 100 %.
TEST_CASE("semantics: a long wait spins briefly, then sleeps") {
    Runtime rt;
    SimClock clock(rt);  // host 1
    Stats stats;
    {
        gputime::ScopedGpuTimer timer(stats, clock);                     // host 3: start at 3
        REQUIRE(rt.launch(Stream{}, Kernel::fixed("long", 10ms)) == 0);  // host 8: 8..10008
    }                                                                    // host 10: stop at 10008
    const gputime::WaitBackoff backoff = clock.wait_backoff();
    CHECK(backoff.spin == 50us);
    CHECK(backoff.first_sleep == 10us);
    CHECK(backoff.max_sleep == 200us);
    // The read: the start mark is complete (host 11); the stop mark is polled from host 12. Spin:
    // 25 x (yield 1 us + query 1 us) up to host 62. Then sleeps of 10, 20, 40, 80, 160 us, each
    // followed by a query (host 377), then 200 us sleeps: the 48th ends at 10024, its query (host
    // 10025) finds the stop mark reached (at 10008). 17 us late, after 53 sleeps and 25 yields,
    // where polling alone would have taken ~5000 yields with one core busy.
    REQUIRE(stats.calls() == 1);
    CHECK(stats.first_call().count() == us(10005));
    CHECK(rt.counters().yields == 25u);
    CHECK(rt.counters().sleeps == 53u);
    CHECK(rt.counters().slept == 10us + 20us + 40us + 80us + 160us + 48 * 200us);
    CHECK(rt.host_now() == 10026us);  // + cudaEventElapsedTime

    SECTION("the last sleep ends at the timeout, not after it") {
        Runtime hung;
        SimClock slow(hung);  // host 1
        slow.resolve_timeout(1ms);
        Stats lost;
        {
            gputime::ScopedGpuTimer timer(lost, slow);
            REQUIRE(hung.launch(Stream{}, Kernel::hang("deadlock")) == 0);
        }  // host 10
        CHECK_THROWS_AS(lost.count(), gputime::TimeoutError);
        // Polls from host 12: spin to 62, sleeps of 10..160 us to 377, then 200 us sleeps: the
        // third ends at 979, its query at 980 (968 us waited); the next sleep is cut to the 32 us
        // left (to 1012), and its query at 1013 finds 1001 us waited: past the timeout. An event
        // is recorded behind the stuck work, to tell when the stream moves again (create and
        // record: host 1015), and the pair's events are destroyed (their state is unknown): 1017.
        CHECK(hung.counters().sleeps == 9u);
        CHECK(hung.counters().slept == 10us + 20us + 40us + 80us + 160us + 3 * 200us + 32us);
        CHECK(hung.host_now() == 1017us);
    }
    SECTION("wait_backoff refuses what it cannot use and keeps its settings") {
        CHECK_THROWS_AS(clock.wait_backoff(gputime::WaitBackoff{-1ns, 10us, 200us}), gputime::InvalidArgument);
        CHECK_THROWS_AS(clock.wait_backoff(gputime::WaitBackoff{50us, 0ns, 200us}), gputime::InvalidArgument);
        const auto refused = thrown<gputime::InvalidArgument>([&] {
            clock.wait_backoff(gputime::WaitBackoff{50us, 20us, 10us});
        });
        REQUIRE(refused);
        CHECK(refused->parameter() == "backoff.max_sleep");
        CHECK(refused->where() == "CudaEventClock::wait_backoff");
        CHECK(clock.wait_backoff().max_sleep == 200us);
        clock.wait_backoff(gputime::WaitBackoff{0ns, 1ms, 1ms});  // no spinning at all: sleep at once
        CHECK(clock.wait_backoff().spin == 0ns);
    }
}

// A hung kernel holds the clock's stream: the first wait times out, later marks on the stream fail
// at once, and a JoinStreams whose side stream hangs makes the scope's end mark hang the same way.
TEST_CASE("semantics: a hung kernel on the clock's stream costs one timeout, then fails fast") {
    Runtime rt;
    const Stream s = rt.create_stream();
    SimClock clock(rt, s);
    clock.resolve_timeout(2ms);
    Stats stats;
    {
        gputime::ScopedGpuTimer timer(stats, clock);
        REQUIRE(rt.launch(s, Kernel::hang("deadlock")) == 0);
    }
    const auto before = rt.host_now();
    CHECK_THROWS_AS(stats.count(), gputime::TimeoutError);
    CHECK(rt.host_now() - before >= 2ms);
    CHECK(clock.hung());
    {
        gputime::ScopedGpuTimer timer(stats, clock);  // queued behind the hung kernel
        REQUIRE(rt.launch(s, Kernel::fixed("behind", 10us)) == 0);
    }
    const auto again = rt.host_now();
    const auto error = thrown<gputime::TimeoutError>([&] { stats.count(); });
    REQUIRE(error);
    CHECK(contains(error->what(), "already hung"));
    CHECK(rt.host_now() - again < 10us);
    CHECK(stats.calls() == 0);
}

TEST_CASE("semantics: a JoinStreams whose side stream hangs makes the scope time out, not hang") {
    Runtime rt;
    const Stream main = rt.create_stream();
    const Stream side = rt.create_stream();
    SimClock clock(rt, main);
    clock.resolve_timeout(1ms);
    Stats stats;
    {
        gputime::ScopedGpuTimer timer(stats, clock);
        gputime::JoinStreams join(clock, {side});
        REQUIRE(rt.launch(side, Kernel::hang("deadlock")) == 0);
    }
    CHECK_THROWS_AS(stats.count(), gputime::TimeoutError);
    CHECK(stats.calls() == 0);
}

// A clock on the legacy default stream times everything that serialises with it: work launched on
// a blocking stream inside the scope is covered (and delayed), unlike on a stream of its own.
TEST_CASE("semantics: a clock on the legacy default stream measures the blocking streams' work too") {
    Runtime rt;
    const Stream s = rt.create_stream();
    const Stream nb = rt.create_stream(status::stream_non_blocking);
    SimClock clock(rt);  // host 1
    Stats blocking, non_blocking;
    {
        gputime::ScopedGpuTimer timer(blocking, clock);         // host 3, start at 3
        REQUIRE(rt.launch(s, Kernel::fixed("k", 300us)) == 0);  // host 8: 8..308
    }                                                           // host 10: stop at 308
    {
        gputime::ScopedGpuTimer timer(non_blocking, clock);      // host 12: start at 308
        REQUIRE(rt.launch(nb, Kernel::fixed("k", 300us)) == 0);  // host 17: 17..317
    }                                                            // host 19: stop at 308
    CHECK(blocking.first_call().count() == us(305));
    CHECK(non_blocking.first_call().count() == 0.0);
    CHECK(clock.on_legacy_default_stream());
    CHECK(gputime::detail::on_legacy_default_stream(clock));
    CHECK(contains(gputime::legacy_default_stream_hint(), "cudaStreamNonBlocking"));
    CHECK_FALSE(SimClock(rt, s).on_legacy_default_stream());
    CHECK_FALSE(SimClock(rt, Stream::per_thread()).on_legacy_default_stream());
    gputime::HostClock host;
    CHECK_FALSE(gputime::detail::on_legacy_default_stream(host));
}

// A real GPU queues about a thousand launches per stream; a throughput loop that outruns the
// device then blocks inside its launches, at the device's pace. Device times stay exact; the
// host time spent in a call (RunResult::enqueue) then includes that wait.
TEST_CASE("semantics: a throughput loop that outruns the device fills the launch queue and blocks in launches") {
    Runtime rt;
    SimClock clock(rt);
    const gputime::RunResult r =
        gputime::WarmupRunner(clock).warmup(0).iterations(2000).mode(gputime::RunMode::throughput).run([&] {
            rt.launch(Stream{}, Kernel::fixed("layer", 180us));
        });
    CHECK(r.latency.p50().count() == us(180));
    CHECK(rt.counters().launch_queue_waits > 0u);
    CHECK(r.enqueue.max().count() >= us(150));  // a blocked launch: about one kernel
    // While there is room: create + record, launch, create + record (pairs pile up in throughput
    // mode, so the pool has no event to give back).
    CHECK(r.enqueue.min().count() == us(9));
}

// Every test in this file runs with Config::strict_handles: no path of the clock or JoinStreams
// uses a destroyed event. This one walks the failure paths that destroy events on purpose.
TEST_CASE("semantics: the clock's failure paths never touch a destroyed event (strict handles)") {
    Runtime rt;
    const Stream s = rt.create_stream();
    const Stream side = rt.create_stream();
    Stats stats;
    {
        SimClock clock(rt, s);
        clock.resolve_timeout(1ms);
        for (const gputime::sim::Call call : {gputime::sim::Call::event_record, gputime::sim::Call::event_query,
                                              gputime::sim::Call::event_elapsed_ms}) {
            rt.inject(gputime::sim::CallFault{call, status::captured_event});
            try {
                gputime::ScopedGpuTimer timer(stats, clock);
                gputime::JoinStreams join(clock, {side});
                rt.launch(s, Kernel::fixed("k", 10us));
            } catch (const gputime::CudaError&) {
            }
            try {
                stats.count();
            } catch (const gputime::CudaError&) {
            }
        }
        rt.inject(gputime::sim::Fault::event_never_completes);
        { gputime::ScopedGpuTimer timer(stats, clock); }
        CHECK_THROWS_AS(stats.count(), gputime::TimeoutError);
        { gputime::ScopedGpuTimer timer(stats, clock); }
    }
    CHECK(rt.handle_misuses() == 0u);
    CHECK(rt.counters().event_destroys == rt.counters().event_creates);
}
