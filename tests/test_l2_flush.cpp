// SPDX-License-Identifier: MIT
// Cold caches (gputime/cuda/l2_flush.hpp) on the simulated GPU, exactly: the flush runs before each
// call, on the clock's stream and device, and has ended before the timed region starts.
//
// Simulator defaults (docs/simulator.md, docs/telemetry.md): L2 of 50 MB, so a 256 MiB flush buffer;
// sweeps and memsets at 2500 bytes/ns (107 us for the buffer), dirty lines written back at 2500
// bytes/ns; a sweep or memset costs the host a launch (5 us), every other call 1 us.
#include "support/test_framework.hpp"

#include <gputime/core/error.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/cuda/gate.hpp>
#include <gputime/cuda/l2_flush.hpp>
#include <gputime/measure/warmup_runner.hpp>
#include <gputime/sim/gate_kernel.hpp>
#include <gputime/sim/runtime.hpp>

#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

using namespace std::chrono_literals;
using gputime::sim::Call;
using gputime::sim::CallFault;
using gputime::sim::Kernel;
using gputime::sim::Stream;
using SimClock = gputime::CudaEventClock<gputime::sim::Runtime>;

namespace {
double us(double x) { return x * 1000.0; }
template <class F>
gputime::CudaError cuda_error_of(F&& f) {
    try {
        f();
    } catch (const gputime::CudaError& e) {
        return e;
    }
    const bool threw_cuda_error = false;
    CHECK(threw_cuda_error);
    return gputime::CudaError("(nothing thrown)", 0, "", "");
}
}  // namespace

TEST_CASE("L2 flush: sweep, wait, then the call: a cold sample pays the launch latency a warm one pays") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    gputime::L2Flush flush(clock);
    static_assert(std::is_same<decltype(flush), gputime::L2Flush<gputime::sim::Runtime>>::value,
                  "deduced from the clock");
    CHECK(flush.l2_bytes() == 50000000u);
    CHECK(flush.bytes() == (std::size_t{256} << 20));  // max(2 x L2, 256 MiB)
    CHECK_FALSE(flush.leaves_dirty_lines());           // the simulator has the read-only sweep
    REQUIRE(flush.buffer() != nullptr);

    const auto kernel = [&] { rt.launch(Stream{}, Kernel::fixed("k", 100us)); };
    const gputime::RunResult hot = gputime::WarmupRunner(clock).warmup(2).iterations(20).run(kernel);
    const gputime::sim::Counters before = rt.counters();
    const gputime::RunResult cold =
        gputime::WarmupRunner(clock).warmup(2).iterations(20).between_calls(flush).run(kernel);

    CHECK(hot.latency.p50().count() == us(105));  // launch latency + kernel
    // The sweep (256 MiB at 2500 bytes/ns: 107 us) has ended when the start event is recorded:
    // the call starts on an idle stream, as a warm one does. Identical work, identical samples.
    CHECK(cold.latency.p50().count() == us(105));
    CHECK(cold.latency.p99().count() == us(105));
    CHECK(cold.latency.first_call().count() == us(105));
    CHECK(cold.enqueue.p50().count() == us(7));  // the flush is outside the call
    CHECK(before.l2_sweeps == 0);
    CHECK(rt.counters().l2_sweeps == 22);                                         // once per call, warm-up included
    CHECK(rt.counters().stream_synchronizes - before.stream_synchronizes == 22);  // each one waited for
    CHECK(rt.counters().memsets == 1);                                            // the buffer's contents, once
    CHECK(flush.flushes() == 22);                                                 // the runner's copy shares the count
}

TEST_CASE("L2 flush: the buffer is twice the L2, and at least 256 MiB") {
    for (const auto& l2_and_buffer : std::vector<std::pair<int, std::size_t>>{{5000, std::size_t{256} << 20},
                                                                              {50000000, std::size_t{256} << 20},
                                                                              {200000000, 400000000}}) {
        const int l2 = l2_and_buffer.first;  // not a structured binding: the check macros' lambdas capture it
        const std::size_t buffer = l2_and_buffer.second;
        gputime::sim::Config config;
        config.l2_cache_bytes = l2;
        gputime::sim::Runtime rt(config);
        gputime::L2Flush flush(rt);
        INFO(l2);
        CHECK(flush.l2_bytes() == static_cast<std::size_t>(l2));
        CHECK(flush.bytes() == buffer);
    }
}

namespace {
// A runtime without the read-only sweep, as a host-only build of CudaRuntime: flushes are memsets.
struct MemsetOnlyRuntime : gputime::sim::Runtime {
    using gputime::sim::Runtime::Runtime;
    int l2_sweep_async(const void*, std::size_t, Stream) = delete;
};
}  // namespace

TEST_CASE("L2 flush: a read-only sweep leaves no dirty lines for the timed call, a memset leaves an L2 of them") {
    // The call reads 8 MB. Each dirty line it evicts is written back first: 8 MB at 2500
    // bytes/ns is 3.2 us, which a memset flush adds to every cold sample and a sweep does not.
    const Kernel reads_8mb = Kernel::fixed("k", 100us).reading(8000000);
    SECTION("read-only sweep") {
        gputime::sim::Runtime rt;
        SimClock clock(rt);
        gputime::L2Flush flush(clock);
        const gputime::RunResult cold = gputime::WarmupRunner(clock).warmup(1).iterations(10).between_calls(flush).run(
            [&] { rt.launch(Stream{}, reads_8mb); });
        CHECK(cold.latency.p50().count() == us(105));
    }
    SECTION("memset") {
        MemsetOnlyRuntime rt;
        gputime::CudaEventClock<MemsetOnlyRuntime> clock(rt);
        gputime::L2Flush flush(clock);
        CHECK(flush.leaves_dirty_lines());
        const gputime::RunResult cold = gputime::WarmupRunner(clock).warmup(1).iterations(10).between_calls(flush).run(
            [&] { rt.launch(Stream{}, reads_8mb); });
        CHECK(cold.latency.p50().count() == us(108));  // 105 + 3.2 us of write-back, floored to 0.5 us
        CHECK(rt.counters().memsets == 11);
        CHECK(rt.counters().l2_sweeps == 0);
    }
}

TEST_CASE("L2 flush: on the clock's device, whatever device is current") {
    gputime::sim::Config config;
    config.device_count = 2;
    gputime::sim::Runtime rt(config);
    REQUIRE(rt.set_device(1) == 0);
    const Stream s = rt.create_stream();  // device 1
    REQUIRE(rt.set_device(0) == 0);
    SimClock clock(rt, s);
    gputime::L2Flush flush(clock);  // device 0 is current: the buffer goes to device 1
    CHECK(flush.device() == 1);
    const gputime::RunResult cold = gputime::WarmupRunner(clock).warmup(1).iterations(5).between_calls(flush).run([&] {
        rt.set_device(1);
        rt.launch(s, Kernel::fixed("k", 100us));
        rt.set_device(0);
    });
    CHECK(cold.latency.count() == 5);
    CHECK(flush.flushes() == 6);
    CHECK(rt.current_device() == 0);
    // The buffer is device 1's: a sweep of it on a stream of device 0 is refused.
    CHECK(rt.l2_sweep_async(flush.buffer(), flush.bytes(), Stream{}) == 1);
}

TEST_CASE("L2 flush: a device without L2 allocates nothing and flushes nothing") {
    gputime::sim::Config config;
    config.l2_cache_bytes = 0;
    gputime::sim::Runtime rt(config);
    gputime::L2Flush flush(rt);
    CHECK(flush.bytes() == 0u);
    CHECK(flush.buffer() == nullptr);
    flush(0);
    flush.flush();
    CHECK(flush.flushes() == 2);
    CHECK(rt.counters().memsets == 0);
}

TEST_CASE("L2 flush: the buffer is freed with the last copy") {
    gputime::sim::Runtime rt;
    const void* buffer = nullptr;
    {
        gputime::L2Flush<gputime::sim::Runtime> flush(rt, Stream{});
        buffer = flush.buffer();
        {
            const auto copy = flush;  // shares the buffer
            CHECK(copy.buffer() == buffer);
        }
        void* probe = nullptr;
        REQUIRE(rt.device_malloc(&probe, 1) == 0);
        CHECK(rt.memset_async(const_cast<void*>(buffer), 0, 50000000, Stream{}) == 0);  // still allocated
        CHECK(rt.device_free(probe) == 0);
    }
    CHECK(rt.device_free(const_cast<void*>(buffer)) == 1);  // already freed: cudaErrorInvalidValue
}

TEST_CASE("L2 flush: every failing call is a CudaError naming it, and nothing is left behind") {
    gputime::sim::Runtime rt;
    SECTION("the L2 size query") {
        rt.inject(CallFault{Call::l2_cache_size, 101});
        const gputime::CudaError e = cuda_error_of([&] { gputime::L2Flush flush(rt); });
        CHECK(e.call() == "cudaDeviceGetAttribute(cudaDevAttrL2CacheSize)");
        CHECK(e.code() == 101);
        CHECK(e.name() == "cudaErrorInvalidDevice");
    }
    SECTION("the allocation") {
        rt.inject(CallFault{Call::device_malloc, 2});
        const gputime::CudaError e = cuda_error_of([&] { gputime::L2Flush flush(rt); });
        CHECK(e.call() == "cudaMalloc");
        CHECK(e.code() == 2);
    }
    SECTION("the sweep: not counted, and the runner stops with it") {
        SimClock clock(rt);
        gputime::L2Flush flush(clock);
        rt.inject(CallFault{Call::l2_sweep_async, 400, /*skip=*/3});
        auto runner = gputime::WarmupRunner(clock).warmup(1).iterations(10).between_calls(flush);
        const gputime::CudaError e =
            cuda_error_of([&] { runner.run([&] { rt.launch(Stream{}, Kernel::fixed("k", 100us)); }); });
        CHECK(e.call() == "L2 read sweep");
        CHECK(e.code() == 400);
        CHECK(flush.flushes() == 3);
        CHECK(runner.result().latency.count() == 2);  // calls 1 and 2 measured before the fourth flush failed
    }
    SECTION("the wait after the sweep") {
        gputime::L2Flush flush(rt);
        rt.inject(CallFault{Call::stream_synchronize, 999});
        const gputime::CudaError e = cuda_error_of([&] { flush.flush(); });
        CHECK(e.call() == "cudaStreamSynchronize");
        CHECK(e.code() == 999);
        CHECK(flush.flushes() == 0);
    }
    SECTION("the memset that gives the buffer its contents") {
        rt.inject(CallFault{Call::memset_async, 700});
        const gputime::CudaError e = cuda_error_of([&] { gputime::L2Flush flush(rt); });
        CHECK(e.call() == "cudaMemsetAsync");
        CHECK(e.code() == 700);
    }
    SECTION("a sticky error reaches the flush too") {
        gputime::L2Flush flush(rt);
        rt.inject(gputime::sim::Fault::no_device);
        CHECK(cuda_error_of([&] { flush(7); }).code() == 100);
    }
}

TEST_CASE("sim device memory: malloc, free and memset check their arguments like CUDA") {
    gputime::sim::Runtime rt;
    void* a = nullptr;
    void* b = nullptr;
    CHECK(rt.device_malloc(nullptr, 16) == 1);
    REQUIRE(rt.device_malloc(&a, 1000) == 0);
    REQUIRE(rt.device_malloc(&b, 16) == 0);
    CHECK(a != b);
    void* none = &a;
    CHECK(rt.device_malloc(&none, 0) == 0);
    CHECK(none == nullptr);
    char* base = static_cast<char*>(a);
    CHECK(rt.memset_async(base, 0, 1000, Stream{}) == 0);
    CHECK(rt.memset_async(base + 500, 0, 500, Stream{}) == 0);
    CHECK(rt.memset_async(base + 500, 0, 501, Stream{}) == 1);  // past its end
    CHECK(rt.memset_async(base + 1000, 0, 0, Stream{}) == 0);   // nothing, at the end
    CHECK(rt.memset_async(nullptr, 0, 1, Stream{}) == 1);
    CHECK(rt.memset_async(base, 0, 10, Stream{42}) == 400);
    CHECK(rt.counters().memsets == 6);
    // 1000 bytes at 2500 bytes/ns: 0.4 ns, rounded to 0; 500 bytes, 0.2 ns, rounded to 0.
    CHECK(rt.device_free(base + 1) == 1);  // not an address malloc returned
    CHECK(rt.device_free(a) == 0);
    CHECK(rt.device_free(a) == 1);  // twice
    CHECK(rt.device_free(nullptr) == 0);
    CHECK(rt.memset_async(base, 0, 1, Stream{}) == 1);  // freed
    int bytes = 0;
    CHECK(rt.l2_cache_size(nullptr) == 1);
    CHECK(rt.l2_cache_size(&bytes) == 0);
    CHECK(bytes == 50000000);
    CHECK_THROWS_AS(gputime::sim::Runtime([] {
                        gputime::sim::Config c;
                        c.memset_bytes_per_ns = 0.0;
                        return c;
                    }()),
                    std::invalid_argument);
    CHECK_THROWS_AS(gputime::sim::Runtime([] {
                        gputime::sim::Config c;
                        c.l2_cache_bytes = -1;
                        return c;
                    }()),
                    std::invalid_argument);
}

TEST_CASE("sim L2: write-back lines: a memset leaves them, the kernel that evicts them pays, a sweep cleans them") {
    gputime::sim::Config config;
    config.l2_cache_bytes = 10000000;  // 10 MB: 4 us to write back at 2500 bytes/ns
    config.device_count = 2;
    gputime::sim::Runtime rt(config);
    void* buffer = nullptr;
    REQUIRE(rt.device_malloc(&buffer, 40000000) == 0);
    const Kernel reads = Kernel::fixed("reads", 10us).reading(2000000);  // evicts 2 MB: 0.8 us
    REQUIRE(rt.memset_async(buffer, 0, 40000000, Stream{}) == 0);        // host 6; 16 us; leaves 10 MB dirty
    REQUIRE(rt.launch(Stream{}, reads) == 0);                            // 16..26.8
    CHECK(rt.stream_tail(Stream{}).count() == 6000 + 16000 + 10000 + 800);
    REQUIRE(rt.launch(Stream{}, reads) == 0);  // 8 MB dirty left: another 0.8 us
    CHECK(rt.stream_tail(Stream{}).count() == 32800 + 10800);
    REQUIRE(rt.l2_sweep_async(buffer, 40000000, Stream{}) == 0);  // 16 us + 6 MB written back (2.4 us)
    CHECK(rt.stream_tail(Stream{}).count() == 43600 + 16000 + 2400);
    REQUIRE(rt.launch(Stream{}, reads) == 0);  // clean: the kernel alone
    CHECK(rt.stream_tail(Stream{}).count() == 62000 + 10000);
    CHECK(rt.counters().l2_sweeps == 1);
    // Device 0's memory on a stream of device 1: refused (1), and no dirty lines there.
    REQUIRE(rt.set_device(1) == 0);
    CHECK(rt.memset_async(buffer, 0, 100, Stream{}) == 1);
    CHECK(rt.l2_sweep_async(buffer, 100, Stream{}) == 1);
    CHECK_THROWS_AS(gputime::sim::Runtime([] {
                        gputime::sim::Config c;
                        c.l2_writeback_bytes_per_ns = 0.0;
                        return c;
                    }()),
                    std::invalid_argument);
}

TEST_CASE("L2 flush with the gate: the flush stays outside the gated region") {
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    gputime::sim::Gate gate(rt);
    gputime::L2Flush flush(clock);
    const gputime::GatedTimes t = gputime::time_gated(
        clock, gate, [&] { rt.launch(Stream{}, Kernel::fixed("k", 100us)); },
        [&](auto& runner) { runner.warmup(1).iterations(10).between_calls(flush); });
    CHECK(t.end_to_end.latency.p50().count() == us(105));  // the flush ended before the call: launch latency
    CHECK(t.device.latency.p50().count() == us(100));      // the gate removes it
    CHECK(flush.flushes() == 22);
    CHECK(rt.gate_timeouts() == 0);
}

TEST_CASE("input rotation: inputs by call index, and how many copies defeat a cache") {
    gputime::InputRotation<std::string> inputs({"a", "b", "c"});
    CHECK(inputs.size() == 3);
    CHECK(inputs.for_call(0) == "a");
    CHECK(inputs.for_call(4) == "b");
    CHECK(inputs.for_call(3002) == "c");
    // 4 MB inputs against a 50 MB L2: 12 others fill it, 2 more push the first out.
    CHECK(gputime::InputRotation<int>::copies_to_exceed(4000000, 50000000) == 14);
    CHECK(gputime::InputRotation<int>::copies_to_exceed(100000000, 50000000) == 2);
    try {
        gputime::InputRotation<int> empty({});
        FAIL("no InvalidArgument");
    } catch (const gputime::InvalidArgument& e) {
        CHECK(e.parameter() == "inputs");
    }
    try {
        (void)gputime::InputRotation<int>::copies_to_exceed(0, 1);
        FAIL("no InvalidArgument");
    } catch (const gputime::InvalidArgument& e) {
        CHECK(e.parameter() == "input_bytes");
    }

    // chain_hooks: every hook, in order, with the runner's call index.
    std::vector<std::string> seen;
    auto first = [&](std::size_t call) { seen.push_back("first " + std::to_string(call)); };
    auto second = [&](std::size_t call) { seen.push_back("second " + std::to_string(call)); };
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    gputime::L2Flush flush(clock);
    (void)gputime::WarmupRunner(clock)
        .warmup(1)
        .iterations(1)
        .between_calls(gputime::chain_hooks(first, flush, second))
        .run([&](std::size_t call) { rt.launch(Stream{}, Kernel::fixed(inputs.for_call(call), 10us)); });
    CHECK(seen == std::vector<std::string>{"first 0", "second 0", "first 1", "second 1"});
    CHECK(flush.flushes() == 2);
}
