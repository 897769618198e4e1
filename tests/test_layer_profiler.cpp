// SPDX-License-Identifier: MIT
// LayerProfiler: exact per-layer numbers on a manual clock, a scripted clock and the simulated
// GPU; iterations (explicit, RAII, detected); nesting; errors; merging; no steady allocation.
#include "support/allocation_counter.hpp"
#include "support/manual_clock.hpp"
#include "support/scripted_clock.hpp"
#include "support/test_framework.hpp"
#include "support/test_helpers.hpp"

#include <gputime/core/error.hpp>
#include <gputime/core/host_clock.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/cuda/nvtx.hpp>
#include <gputime/measure/layer_profiler.hpp>
#include <gputime/sim/runtime.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

using gputime::LayerProfile;
using gputime::LayerProfiler;
using gputime::LayerStats;
using gputime_test::ManualClock;
using namespace std::chrono_literals;

namespace {

template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "(no exception)";
}

using gputime_test::contains;

const LayerStats& layer(const LayerProfile& p, const std::string& path) {
    const LayerStats* found = p.find(path);
    if (found == nullptr) throw std::runtime_error("no layer " + path);
    return *found;
}

std::vector<double> steady(const gputime::Stats& s) {
    std::vector<double> out;
    for (const gputime::Duration d : s.samples()) out.push_back(d.count());
    return out;
}

}  // namespace

TEST_CASE("layer profiler: the clock type is deduced and ranges are off by default") {
    ManualClock clock;
    LayerProfiler prof(clock);
    static_assert(std::is_same_v<decltype(prof), LayerProfiler<ManualClock, gputime::NoRanges>>);
    LayerProfiler with_nvtx(clock, gputime::NvtxRanges{});
    static_assert(std::is_same_v<decltype(with_nvtx), LayerProfiler<ManualClock, gputime::NvtxRanges>>);
    static_assert(gputime::NvtxRanges::enabled == gputime::nvtx::available);
    CHECK_FALSE(prof.in_iteration());
    CHECK(prof.profile().iterations() == 0);
    CHECK(prof.profile().layers().empty());
}

TEST_CASE("layer profiler: per-layer times are exact and each layer's first call is kept apart") {
    ManualClock clock;
    LayerProfiler prof(clock);
    const double conv1[] = {5000, 1000, 1100, 900};
    for (int it = 0; it < 4; ++it) {
        prof.begin_iteration();
        clock.advance(10);  // before the first layer: unattributed
        {
            auto s = prof.scope("conv1");
            clock.advance(conv1[it]);
        }
        clock.advance(50);  // between layers: unattributed
        {
            auto s = prof.scope("conv2");
            clock.advance(2000);
        }
        {
            auto s = prof.scope("fc");
            clock.advance(300);
        }
        clock.advance(20);
        prof.end_iteration();
        clock.advance(7777);  // between iterations: in no number at all
    }

    const LayerProfile& p = prof.profile();
    CHECK(p.iterations() == 4);
    CHECK_FALSE(p.device_timed());
    REQUIRE(p.layers().size() == 3);
    CHECK(p.layers()[0].name == "conv1");
    CHECK(p.layers()[1].name == "conv2");
    CHECK(p.layers()[2].name == "fc");

    const LayerStats& c1 = p.layers()[0];
    CHECK(c1.path == "conv1");
    CHECK(c1.depth == 0);
    CHECK(c1.top_level());
    CHECK(c1.time.calls() == 4);
    CHECK(c1.time.first_call().count() == 5000.0);
    CHECK(steady(c1.time) == std::vector<double>{1000, 1100, 900});
    CHECK(c1.time.p50().count() == 1000.0);
    CHECK(c1.time.mean().count() == 1000.0);
    CHECK(c1.time.first_call_overhead().count() == 4000.0);

    const LayerStats& c2 = layer(p, "conv2");
    CHECK(c2.time.first_call().count() == 2000.0);
    CHECK(c2.time.first_call_overhead().count() == 0.0);
    CHECK(layer(p, "fc").time.p99().count() == 300.0);

    // iteration = layers + 10 + 50 + 20 of host work between them
    CHECK(p.iteration_total().first_call().count() == 7380.0);
    CHECK(steady(p.iteration_total()) == std::vector<double>{3380, 3480, 3280});
    CHECK(p.unattributed().first_call().count() == 80.0);
    CHECK(steady(p.unattributed()) == std::vector<double>{80, 80, 80});

    // share = steady layer total / steady iteration total
    CHECK(p.share(c1) == gputime_test::Approx(3000.0 / 10140.0));
    CHECK(p.share(layer(p, "fc")) == gputime_test::Approx(900.0 / 10140.0));
    CHECK(clock.held() == 0);
    CHECK(clock.bad_releases() == 0);
}

TEST_CASE("layer profiler: nested scopes form a call tree and are not counted twice") {
    ManualClock clock;
    LayerProfiler prof(clock);
    for (int it = 0; it < 2; ++it) {
        auto iteration = prof.iteration();
        {
            auto block = prof.scope("block1");
            clock.advance(5);
            {
                auto conv = prof.scope("conv");
                clock.advance(100);
            }
            {
                auto relu = prof.scope("relu");
                clock.advance(10);
            }
            clock.advance(5);
        }
        clock.advance(30);
        {
            auto block = prof.scope("block2");
            auto conv = prof.scope("conv");  // same name, other parent: another layer
            clock.advance(200);
        }
    }
    const LayerProfile& p = prof.profile();
    REQUIRE(p.layers().size() == 5);
    const std::vector<std::string> paths{"block1", "block1/conv", "block1/relu", "block2", "block2/conv"};
    for (std::size_t i = 0; i < paths.size(); ++i) CHECK(p.layers()[i].path == paths[i]);
    CHECK(p.layers()[1].name == "conv");
    CHECK(p.layers()[1].depth == 1);
    CHECK(p.layers()[1].parent == 0);
    CHECK(p.layers()[4].parent == 3);
    CHECK(p.layers()[3].top_level());
    CHECK(layer(p, "block1").time.first_call().count() == 120.0);
    CHECK(layer(p, "block1/conv").time.first_call().count() == 100.0);
    CHECK(layer(p, "block2/conv").time.p50().count() == 200.0);
    CHECK(p.iteration_total().p50().count() == 350.0);
    CHECK(p.unattributed().p50().count() == 30.0);  // only the time between top-level layers
    CHECK(p.share(layer(p, "block1/conv")) == gputime_test::Approx(100.0 / 350.0));
}

TEST_CASE("layer profiler: iterations are detected when the first top-level layer repeats") {
    ManualClock clock;
    LayerProfiler prof(clock);
    for (int it = 0; it < 3; ++it) {
        clock.advance(1000);  // loading the next input: outside every implicit iteration
        {
            auto a = prof.scope("a");
            clock.advance(10.0 * (it + 1));
        }
        clock.advance(5);
        {
            auto b = prof.scope("b");
            clock.advance(20);
        }
        CHECK(prof.in_iteration());
    }
    CHECK(clock.synchronizations() == 2);    // iterations 1 and 2 ended when "a" opened again
    const LayerProfile& p = prof.profile();  // ends the third
    CHECK(clock.synchronizations() == 3);
    CHECK_FALSE(prof.in_iteration());
    CHECK(p.iterations() == 3);
    CHECK(p.iteration_total().first_call().count() == 35.0);  // from a's start to b's end
    CHECK(steady(p.iteration_total()) == std::vector<double>{45, 55});
    CHECK(steady(p.unattributed()) == std::vector<double>{5, 5});
    CHECK(clock.held() == 0);
    CHECK(clock.bad_releases() == 0);

    SECTION("or not, on request: then everything until finish() is one iteration") {
        ManualClock c2;
        LayerProfiler one(c2);
        one.detect_iterations(false);
        for (int it = 0; it < 3; ++it) {
            auto a = one.scope("a");
            c2.advance(10);
        }
        one.finish();
        CHECK(one.profile().iterations() == 1);
        CHECK(one.profile().find("a")->time.calls() == 3);
        CHECK(one.profile().iteration_total().first_call().count() == 30.0);
    }
}

TEST_CASE("layer profiler: with the scripted clock each flat scope lasts the next scripted duration") {
    gputime_test::ScriptedClock clock({900, 100, 120, 100, 80, 100});
    LayerProfiler prof(clock);
    for (int it = 0; it < 3; ++it) {
        prof.time("x", [] {});
        prof.time("y", [] {});
    }
    const LayerProfile& p = prof.profile();
    CHECK(p.iterations() == 3);
    CHECK(layer(p, "x").time.first_call().count() == 900.0);
    CHECK(steady(layer(p, "x").time) == std::vector<double>{120, 80});
    CHECK(layer(p, "x").time.first_call_overhead().count() == 820.0);  // 900 - p50 (nearest rank of {120, 80}: 80)
    CHECK(steady(layer(p, "y").time) == std::vector<double>{100, 100});
    CHECK(p.iteration_total().first_call().count() == 1000.0);
    CHECK(steady(p.unattributed()) == std::vector<double>{0, 0});
    CHECK(clock.synchronizations() == 3);
}

TEST_CASE("layer profiler: time() times a callable and passes its result through") {
    ManualClock clock;
    LayerProfiler prof(clock);
    int value = 0;
    const int r = prof.time("compute", [&] {
        clock.advance(42);
        return 7;
    });
    CHECK(r == 7);
    int& ref = prof.time("ref", [&]() -> int& { return value; });
    CHECK(&ref == &value);
    prof.time("void", [&] { clock.advance(1); });
    CHECK(prof.profile().find("compute")->time.first_call().count() == 42.0);
    CHECK(prof.profile().find("void")->time.first_call().count() == 1.0);
}

TEST_CASE("layer profiler: scopes only take marks, one synchronisation per iteration, every mark released") {
    ManualClock clock;
    LayerProfiler prof(clock);
    prof.trace_iterations(2);
    std::size_t elapsed_at_sync = 0;
    clock.on_synchronize = [&] { elapsed_at_sync = clock.elapsed_calls(); };
    for (std::size_t it = 0; it < 5; ++it) {
        const std::size_t syncs = clock.synchronizations();
        const std::size_t elapsed = clock.elapsed_calls();
        prof.begin_iteration();
        for (const char* name : {"conv1", "conv2", "fc"}) {
            auto s = prof.scope(name);
            if (name[0] == 'f') {
                auto inner = prof.scope("gemm");
                clock.advance(3);
            }
            clock.advance(10);
            // Inside the timed code the profiler has asked the clock for nothing but marks.
            CHECK(clock.synchronizations() == syncs);
            CHECK(clock.elapsed_calls() == elapsed);
        }
        CHECK(clock.held() == 2 + 2 * 4 - 1);  // iteration start + 4 scopes, end not taken yet
        prof.end_iteration();
        CHECK(clock.synchronizations() == syncs + 1);
        CHECK(elapsed_at_sync == elapsed);  // synchronize() first, then elapsed()
        // The total, then per scope its duration and, while the trace records, its offset.
        CHECK(clock.elapsed_calls() == elapsed + 1 + (it < 2 ? 2 : 1) * 4);
        CHECK(clock.held() == 0);
    }
    CHECK(clock.marks() == 5 * (2 + 2 * 4));
    CHECK(clock.bad_releases() == 0);
}

TEST_CASE("layer profiler: no heap allocation per scope in the steady state, runtime names included") {
    if (!gputime_test::counts_allocations) {
        WARN("allocation counting is off under AddressSanitizer; skipped");
        return;
    }
    gputime::HostClock clock;
    LayerProfiler prof(clock);
    // Longer than any small-string buffer, so a hidden std::string copy would allocate.
    std::vector<std::string> names;
    for (int i = 0; i < 12; ++i) names.push_back("block" + std::to_string(i) + "_convolution_with_a_long_runtime_name");
    auto forward = [&] {
        for (const std::string& name : names) {
            auto s = prof.scope(name);
            auto relu = prof.scope("relu");  // a literal, nested
        }
        prof.time("fc_head", [] {});
    };
    for (int warm = 0; warm < 3; ++warm) {
        auto it = prof.iteration();
        forward();
    }
    for (int it = 0; it < 3; ++it) {
        prof.begin_iteration();
        const std::size_t before = gputime_test::allocations();
        forward();
        const std::size_t during = gputime_test::allocations() - before;
        CHECK(during == 0);
        prof.end_iteration();  // may grow the Stats' sample vectors: once per iteration, amortised
    }
    CHECK(prof.profile().layers().size() == 25);
    CHECK(prof.profile().iterations() == 6);
}

TEST_CASE("layer profiler: steady statistics of synthetic durations (nearest-rank percentiles)") {
    ManualClock clock;
    LayerProfiler prof(clock);
    // Durations 10, 20, ..., 1000 ns: the first (10) is the first call; the 99 steady ones are
    // fed in a scrambled order, which must not matter.
    std::vector<double> durations{10};
    for (int k = 0; k < 99; ++k) durations.push_back(20.0 + 10.0 * ((k * 37) % 99));
    for (const double d : durations) {
        auto it = prof.iteration();
        auto s = prof.scope("layer");
        clock.advance(d);
    }
    const gputime::Stats& t = prof.profile().find("layer")->time;
    CHECK(t.first_call().count() == 10.0);
    CHECK(t.count() == 99);
    CHECK(t.min().count() == 20.0);
    CHECK(t.max().count() == 1000.0);
    CHECK(t.mean().count() == gputime_test::Approx(510.0));
    CHECK(t.p50().count() == 510.0);   // rank ceil(0.50 * 99) = 50 -> 20 + 49 * 10
    CHECK(t.p90().count() == 910.0);   // rank ceil(0.90 * 99) = 90
    CHECK(t.p99().count() == 1000.0);  // rank ceil(0.99 * 99) = 99
    CHECK(t.first_call_overhead().count() == -500.0);
    CHECK(prof.profile().unattributed().max().count() == 0.0);
}

TEST_CASE("layer profiler: misuse is refused with a clear std::logic_error") {
    ManualClock clock;
    LayerProfiler prof(clock);
    CHECK(contains(error_of([&] { prof.end_iteration(); }), "without begin_iteration"));
    CHECK_THROWS_AS(prof.leave(), std::logic_error);
    CHECK_THROWS_AS(prof.end_iteration(), std::logic_error);

    prof.begin_iteration();
    CHECK(contains(error_of([&] { prof.begin_iteration(); }), "previous iteration was not ended"));
    prof.enter("attention");
    CHECK(contains(error_of([&] { prof.end_iteration(); }), "scope 'attention' is still open"));
    CHECK(prof.in_iteration());  // nothing was changed by the refused call
    CHECK(prof.open_scopes() == 1);
    clock.advance(5);
    prof.leave();
    prof.end_iteration();
    CHECK(prof.profile().find("attention")->time.first_call().count() == 5.0);
    CHECK(clock.held() == 0);

    SECTION("an implicit iteration is ended by finish(), not end_iteration()") {
        prof.time("x", [] {});
        CHECK(contains(error_of([&] { prof.end_iteration(); }), "implicitly"));
        prof.enter("open");
        CHECK_THROWS_AS(prof.finish(), std::logic_error);
        prof.leave();
        prof.finish();
        CHECK(prof.profile().iterations() == 2);
    }
    SECTION("a scope closed twice") {
        prof.begin_iteration();
        auto s = prof.scope("once");
        s.close();
        CHECK_THROWS_AS(s.close(), std::logic_error);
        prof.end_iteration();
    }
}

TEST_CASE("layer profiler: a scope closed out of order drops the iteration and the next call says why") {
    ManualClock clock;
    LayerProfiler prof(clock);
    prof.begin_iteration();
    {
        std::optional<decltype(prof)::Scope> outer;
        outer.emplace(prof.scope("outer"));
        auto inner = prof.scope("inner");
        outer.reset();  // closes "outer" while "inner" is open: cannot throw from here
        CHECK_FALSE(prof.in_iteration());
    }  // "inner" belongs to the dropped iteration: its destructor does nothing
    const std::string error = error_of([&] { auto s = prof.scope("next"); });
    CHECK(contains(error, "'outer' was closed while 'outer/inner'"));
    CHECK(prof.profile().abandoned_iterations() == 1);
    CHECK(prof.profile().iterations() == 0);
    CHECK(clock.held() == 0);
    CHECK(clock.bad_releases() == 0);
    // The profiler is usable again.
    prof.time("next", [&] { clock.advance(4); });
    CHECK(prof.profile().find("next")->time.first_call().count() == 4.0);
}

TEST_CASE("layer profiler: an exception inside an iteration drops that iteration, not the others") {
    ManualClock clock;
    LayerProfiler prof(clock);
    {
        auto it = prof.iteration();
        prof.time("a", [&] { clock.advance(8); });
    }
    CHECK_THROWS_AS(([&] {
                        auto it = prof.iteration();
                        auto s = prof.scope("a");
                        clock.advance(3);
                        throw std::runtime_error("bad input");
                    }()),
                    std::runtime_error);
    CHECK_FALSE(prof.in_iteration());
    const LayerProfile& p = prof.profile();
    CHECK(p.iterations() == 1);
    CHECK(p.abandoned_iterations() == 1);
    CHECK(p.find("a")->time.calls() == 1);
    CHECK(clock.held() == 0);

    SECTION("a clock failure while resolving drops the iteration and propagates") {
        prof.begin_iteration();
        prof.time("a", [&] { clock.advance(2); });
        clock.fail_next_elapsed();
        CHECK_THROWS_AS(prof.end_iteration(), std::runtime_error);
        CHECK_FALSE(prof.in_iteration());
        CHECK(prof.profile().abandoned_iterations() == 2);
        CHECK(clock.held() == 0);
    }
    SECTION("a clock failure opening a scope leaves no half-open scope") {
        prof.begin_iteration();
        clock.fail_next_mark();
        CHECK_THROWS_AS(([&] { auto s = prof.scope("b"); }()), std::runtime_error);
        CHECK(prof.open_scopes() == 0);
        prof.end_iteration();
        CHECK(prof.profile().iterations() == 2);
        CHECK(clock.held() == 0);
    }
    SECTION("a clock failure closing a scope is parked and rethrown by the next call") {
        prof.begin_iteration();
        {
            auto s = prof.scope("c");
            clock.fail_next_mark();
        }
        CHECK_FALSE(prof.in_iteration());
        CHECK_THROWS_AS(prof.begin_iteration(), std::runtime_error);
        CHECK_NOTHROW(prof.begin_iteration());
        prof.end_iteration();
        CHECK(clock.held() == 0);
    }
    SECTION("a failure in an iteration guard's destructor is parked too") {
        {
            auto it = prof.iteration();
            prof.time("a", [] {});
            clock.fail_next_elapsed();
        }
        CHECK_FALSE(prof.in_iteration());
        CHECK_THROWS_AS(prof.profile(), std::runtime_error);
        CHECK(prof.profile().iterations() == 1);
        CHECK(clock.held() == 0);
    }
}

TEST_CASE("layer profiler: the trace keeps offsets from the iteration start, for a bounded number of iterations") {
    ManualClock clock;
    LayerProfiler prof(clock);
    prof.trace_iterations(2);
    for (int it = 0; it < 3; ++it) {
        prof.begin_iteration();
        clock.advance(10);
        prof.time("a", [&] { clock.advance(100.0 + it); });
        clock.advance(5);
        {
            auto b = prof.scope("b");
            clock.advance(2);
            prof.time("c", [&] { clock.advance(50); });
        }
        clock.advance(3);
        prof.end_iteration();
    }
    const LayerProfile& p = prof.profile();
    CHECK(p.iterations() == 3);
    REQUIRE(p.trace_iterations().size() == 2);
    CHECK(p.untraced_iterations() == 1);
    CHECK(p.trace_spans().size() == 6);
    const gputime::TraceIteration& second = p.trace_iterations()[1];
    CHECK(second.index == 1);
    CHECK(second.total.count() == 171.0);
    CHECK(second.first_span == 3);
    CHECK(second.span_count == 3);
    const auto& spans = p.trace_spans();
    CHECK(p.layers()[spans[3].layer].path == "a");
    CHECK(spans[3].offset.count() == 10.0);
    CHECK(spans[3].duration.count() == 101.0);
    CHECK(p.layers()[spans[4].layer].path == "b");
    CHECK(spans[4].offset.count() == 116.0);
    CHECK(spans[4].duration.count() == 52.0);
    CHECK(p.layers()[spans[5].layer].path == "b/c");
    CHECK(spans[5].offset.count() == 118.0);
    CHECK(spans[5].duration.count() == 50.0);
}

TEST_CASE("layer profiler: profiles merge by layer path") {
    ManualClock c1, c2;
    LayerProfiler one(c1), two(c2);
    one.label("run 1");
    for (int it = 0; it < 2; ++it) {
        auto i = one.iteration();
        one.time("a", [&] { c1.advance(it == 0 ? 1000 : 100); });
        one.time("b", [&] { c1.advance(10); });
    }
    for (int it = 0; it < 3; ++it) {
        auto i = two.iteration();
        two.time("b", [&] { c2.advance(20); });
        auto a = two.scope("a");
        two.time("z", [&] { c2.advance(it == 0 ? 3000 : 300); });
    }
    LayerProfile merged = one.profile();
    merged.merge(two.profile());
    CHECK(merged.label() == "run 1");
    REQUIRE(merged.layers().size() == 3);
    CHECK(merged.layers()[2].path == "a/z");
    CHECK(merged.layers()[2].parent == 0);
    const gputime::Stats& a = merged.find("a")->time;
    CHECK(a.first_call_count() == 2);
    CHECK(a.first_call().count() == (1000.0 + 3000.0) / 2);  // mean of the first calls
    CHECK(steady(a) == std::vector<double>{100, 300, 300});
    CHECK(merged.find("b")->time.calls() == 5);
    CHECK(merged.iterations() == 5);
    REQUIRE(merged.trace_iterations().size() == 5);
    CHECK(merged.trace_iterations()[2].index == 2);
    CHECK(merged.layers()[merged.trace_spans()[merged.trace_iterations()[2].first_span].layer].path == "b");

    SECTION("a profiler keeps profiling into what it merged") {
        one.merge(two.profile());
        {
            auto i = one.iteration();
            auto a_scope = one.scope("a");
            one.time("z", [&] { c1.advance(7); });
        }
        CHECK(one.profile().layers().size() == 3);  // "a/z" came with the merge: no duplicate row
        CHECK(one.profile().find("a/z")->time.calls() == 4);
    }
}

namespace {
struct RecordingRanges {
    static constexpr bool enabled = true;
    std::vector<std::string>* log;
    void push(const char* name) { log->push_back(std::string("+") + name); }
    void pop() { log->push_back("-"); }
};
}  // namespace

TEST_CASE("layer profiler: a range policy sees every scope, balanced even when an iteration is dropped") {
    ManualClock clock;
    std::vector<std::string> log;
    LayerProfiler prof(clock, RecordingRanges{&log});
    {
        auto it = prof.iteration();
        auto a = prof.scope("a");
        prof.time("b", [] {});
    }
    CHECK(log == std::vector<std::string>{"+a", "+b", "-", "-"});
    log.clear();
    prof.begin_iteration();
    prof.enter("x");
    prof.enter("y");
    prof.abandon_iteration();
    CHECK(log == std::vector<std::string>{"+x", "+y", "-", "-"});

    SECTION("NVTX ranges, when NVTX is there, cost nothing to the measurement logic") {
        LayerProfiler nvtx_prof(clock, gputime::NvtxRanges{});
        nvtx_prof.time("nvtx_layer", [&] { clock.advance(9); });
        CHECK(nvtx_prof.profile().find("nvtx_layer")->time.first_call().count() == 9.0);
    }
}

// ---- on the simulated GPU: the real CudaEventClock code, exact virtual times -------------------

namespace {
using SimClock = gputime::CudaEventClock<gputime::sim::Runtime>;
using gputime::sim::Kernel;

gputime::sim::Config exact_config() {
    gputime::sim::Config config;
    config.launch_cost = 0ns;  // host costs off: every number below is a kernel, a load or a gap
    config.api_cost = 0ns;
    config.poll_cost = 1us;
    return config;
}

// Three layers; the first kernel loads lazily on its first launch (2 ms), and the host works
// 300 us between conv2 and fc (the device runs dry for 150 us of it).
struct SimNetwork {
    gputime::sim::Runtime& runtime;
    Kernel conv1 = Kernel::fixed("conv1", 100us).with_lazy_load_cost(2ms);
    Kernel conv2 = Kernel::fixed("conv2", 50us);
    Kernel fc = Kernel::fixed("fc", 20us);

    template <class Profiler>
    void forward(Profiler& prof) {
        {
            auto s = prof.scope("conv1");
            REQUIRE(runtime.launch(gputime::sim::Stream{}, conv1) == 0);
        }
        {
            auto s = prof.scope("conv2");
            REQUIRE(runtime.launch(gputime::sim::Stream{}, conv2) == 0);
        }
        runtime.host_work(300us);
        {
            auto s = prof.scope("fc");
            REQUIRE(runtime.launch(gputime::sim::Stream{}, fc) == 0);
        }
    }
};
}  // namespace

TEST_CASE("layer profiler on the simulated GPU: exact device time per layer, first-call cost on the right layer") {
    gputime::sim::Runtime runtime(exact_config());
    SimClock clock(runtime);
    LayerProfiler prof(clock);
    SimNetwork net{runtime};
    for (int it = 0; it < 5; ++it) {
        auto iteration = prof.iteration();
        net.forward(prof);
    }
    const LayerProfile& p = prof.profile();
    CHECK(p.device_timed());
    CHECK(p.iterations() == 5);
    const gputime::Stats& conv1 = p.find("conv1")->time;
    CHECK(conv1.first_call().count() == 2'100'000.0);  // 2 ms lazy load + 100 us kernel
    CHECK(conv1.p50().count() == 100'000.0);
    CHECK(conv1.first_call_overhead().count() == 2'000'000.0);
    CHECK(p.find("conv2")->time.first_call().count() == 50'000.0);  // no load cost: not first-call heavy
    CHECK(p.find("conv2")->time.max().count() == 50'000.0);
    CHECK(p.find("fc")->time.p50().count() == 20'000.0);
    // The host's 300 us between conv2 and fc: the device had 150 us of work queued, then sat idle.
    CHECK(p.unattributed().first_call().count() == 150'000.0);
    CHECK(steady(p.unattributed()) == std::vector<double>(4, 150'000.0));
    CHECK(p.iteration_total().first_call().count() == 2'320'000.0);
    CHECK(p.iteration_total().p50().count() == 320'000.0);
}

TEST_CASE(
    "layer profiler on the simulated GPU: scopes never wait, one wait per iteration, no event created after the "
    "second") {
    gputime::sim::Runtime runtime(exact_config());
    SimClock clock(runtime);
    LayerProfiler prof(clock);
    SimNetwork net{runtime};
    std::size_t events_after_first = 0;
    for (int it = 0; it < 5; ++it) {
        prof.begin_iteration();
        const gputime::sim::Counters at_begin = runtime.counters();
        net.forward(prof);
        const gputime::sim::Counters at_end = runtime.counters();
        // Inside the iteration: event records only (2 per scope), nothing that waits or reads.
        CHECK(at_end.event_records - at_begin.event_records == 6);
        CHECK(at_end.event_queries == at_begin.event_queries);
        CHECK(at_end.elapsed_queries == at_begin.elapsed_queries);
        CHECK(at_end.yields == at_begin.yields);
        CHECK(at_end.event_synchronizes == at_begin.event_synchronizes);
        CHECK(at_end.stream_synchronizes == at_begin.stream_synchronizes);

        prof.end_iteration();
        const gputime::sim::Counters after = runtime.counters();
        const std::uint64_t polls = after.yields - at_end.yields;
        CHECK(polls == 20);  // the host waited once, 20 us, for fc to finish (poll_cost 1 us)
        // The total, each scope's duration and offset, and (after the first) the iteration's start
        // from the trace origin: the first iteration's start event, held while the trace records.
        const std::uint64_t elapsed = 1 + 2 * 3 + (it > 0 ? 1 : 0);
        CHECK(after.elapsed_queries - at_end.elapsed_queries == elapsed);
        // Every query found its event complete except those of that one polling loop.
        CHECK(after.event_queries - at_end.event_queries == 2 * elapsed + polls);
        CHECK(after.event_synchronizes == 0);
        CHECK(after.stream_synchronizes == 0);
        if (it == 0) events_after_first = clock.events_created();
    }
    CHECK(events_after_first == 8);  // 2 per scope + the iteration's start and end
    // One more in the second iteration, for the start event the trace keeps as its origin.
    CHECK(clock.events_created() == events_after_first + 1);
    CHECK(runtime.counters().event_creates == 9);
}

TEST_CASE("layer profiler on the simulated GPU: iterations detected from the layer names") {
    gputime::sim::Runtime runtime(exact_config());
    SimClock clock(runtime);
    LayerProfiler prof(clock);
    SimNetwork net{runtime};
    for (int it = 0; it < 4; ++it) {
        runtime.host_work(1ms);  // preparing the input: not in the iteration
        net.forward(prof);
    }
    const LayerProfile& p = prof.profile();
    CHECK(p.iterations() == 4);
    // From conv1's start to fc's end: no begin/end marks of its own.
    CHECK(p.iteration_total().first_call().count() == 2'320'000.0);
    CHECK(p.iteration_total().p50().count() == 320'000.0);
    CHECK(p.unattributed().p50().count() == 150'000.0);
}

TEST_CASE("layer profiler on the simulated GPU: a device error drops the iteration with a CudaError") {
    gputime::sim::Runtime runtime(exact_config());
    SimClock clock(runtime);
    LayerProfiler prof(clock);
    SimNetwork net{runtime};
    {
        auto it = prof.iteration();
        net.forward(prof);
    }
    prof.begin_iteration();
    {
        auto s = prof.scope("broken");
        REQUIRE(runtime.launch(gputime::sim::Stream{}, Kernel::fixed("oops", 10us).with_fault()) == 0);
    }
    runtime.host_work(1ms);  // the faulty kernel has run: the context is poisoned
    CHECK_THROWS_AS(prof.end_iteration(), gputime::CudaError);
    CHECK_FALSE(prof.in_iteration());
    CHECK(prof.profile().iterations() == 1);  // the completed iteration survives
    CHECK(prof.profile().abandoned_iterations() == 1);
}

// ---- names, paths and bad input --------------------------------------------------------------

namespace {
using gputime_test::invalid_argument_of;

// "a" (20 ns) holding "b" (15 ns), 1 ns of host work, then a top-level layer named "a/b" (10 ns).
LayerProfile slash_in_a_name() {
    ManualClock clock;
    LayerProfiler prof(clock);
    for (int it = 0; it < 2; ++it) {
        auto iteration = prof.iteration();
        {
            auto a = prof.scope("a");
            clock.advance(2);
            prof.time("b", [&] { clock.advance(15); });
            clock.advance(3);
        }
        clock.advance(1);
        prof.time("a/b", [&] { clock.advance(10); });
    }
    return prof.profile();
}
}  // namespace

TEST_CASE("layer profiler: a '/' in a name is part of the name: top-level 'a/b' and 'b' inside 'a' are two layers") {
    const LayerProfile p = slash_in_a_name();
    REQUIRE(p.layers().size() == 3);
    const LayerStats* nested = p.find("a/b");
    REQUIRE(nested != nullptr);
    CHECK(nested->name == "b");
    CHECK(nested->depth == 1);
    CHECK(nested->time.first_call().count() == 15.0);
    CHECK(p.find(gputime::layer_path({"a", "b"})) == nested);

    // The top-level layer's path escapes the '/' of its name.
    const LayerStats* slash = p.find(gputime::layer_path({"a/b"}));
    REQUIRE(slash != nullptr);
    CHECK(slash != nested);
    CHECK(slash->name == "a/b");
    CHECK(slash->path == "a\\/b");
    CHECK(slash->top_level());
    CHECK(slash->time.first_call().count() == 10.0);
    CHECK(p.find("a\\/b") == slash);

    // Every top-level layer is counted once: SUM + unattributed == iteration.
    double sum = 0.0;
    for (const LayerStats& l : p.layers())
        if (l.top_level()) sum += l.time.first_call().count();
    CHECK(sum == 30.0);
    CHECK(p.unattributed().first_call().count() == 1.0);
    CHECK(p.iteration_total().first_call().count() == 31.0);
    CHECK(sum + p.unattributed().first_call().count() == p.iteration_total().first_call().count());
}

TEST_CASE("layer profiler: paths name exactly one layer, whatever the names hold") {
    ManualClock clock;
    LayerProfiler prof(clock);
    {
        auto it = prof.iteration();
        {
            auto a = prof.scope("a\\");  // a backslash at the end of a name
            prof.time("b", [&] { clock.advance(1); });
        }
        prof.time("a\\/b", [&] { clock.advance(2); });
        prof.time("/", [&] { clock.advance(3); });
        {
            auto empty_looking = prof.scope(" ");
            prof.time("/", [&] { clock.advance(4); });
        }
    }
    const LayerProfile& p = prof.profile();
    REQUIRE(p.layers().size() == 6);
    std::vector<std::string> paths;
    for (const LayerStats& l : p.layers()) paths.push_back(l.path);
    CHECK(paths == std::vector<std::string>{"a\\\\", "a\\\\/b", "a\\\\\\/b", "\\/", " ", " /\\/"});
    CHECK(p.find(gputime::layer_path({"a\\", "b"}))->time.first_call().count() == 1.0);
    CHECK(p.find(gputime::layer_path({"a\\/b"}))->time.first_call().count() == 2.0);
    CHECK(p.find(gputime::layer_path({"/"}))->time.first_call().count() == 3.0);
    CHECK(p.find(gputime::layer_path({" ", "/"}))->time.first_call().count() == 4.0);
    CHECK(gputime::layer_path({}).empty());
    CHECK(p.find("") == nullptr);
}

TEST_CASE("layer profiler: an empty name is an InvalidArgument naming 'name', and nothing changes") {
    ManualClock clock;
    LayerProfiler prof(clock);
    prof.begin_iteration();
    auto outer = prof.scope("outer");
    clock.advance(5);
    const std::size_t marks = clock.marks();
    bool ran = false;

    const gputime::InvalidArgument e = invalid_argument_of([&] { auto s = prof.scope(""); });
    CHECK(e.parameter() == "name");
    CHECK(e.where() == "LayerProfiler::scope");
    CHECK(contains(e.what(), "name"));
    CHECK(contains(e.what(), "empty"));
    CHECK(invalid_argument_of([&] { prof.enter(std::string_view{}); }).where() == "LayerProfiler::enter");
    CHECK(invalid_argument_of([&] { prof.time("", [&] { ran = true; }); }).where() == "LayerProfiler::time");
    CHECK_FALSE(ran);
    CHECK(clock.marks() == marks);  // no mark taken
    CHECK(prof.open_scopes() == 1);
    CHECK(prof.in_iteration());

    outer.close();
    prof.end_iteration();
    const LayerProfile& p = prof.profile();
    CHECK(p.iterations() == 1);
    CHECK(p.abandoned_iterations() == 0);
    REQUIRE(p.layers().size() == 1);
    CHECK(p.layers()[0].time.first_call().count() == 5.0);
    CHECK(clock.held() == 0);
}

TEST_CASE("layer profiler: scopes nest at most max_depth deep, one more is a logic_error that changes nothing") {
    using Profiler = LayerProfiler<ManualClock>;
    ManualClock clock;
    Profiler prof(clock);
    prof.begin_iteration();
    for (std::size_t d = 0; d < Profiler::max_depth; ++d) prof.enter("level");
    CHECK(prof.open_scopes() == Profiler::max_depth);
    const std::size_t marks = clock.marks();
    CHECK_THROWS_AS(prof.enter("level"), std::logic_error);
    CHECK(contains(error_of([&] { prof.enter("level"); }), "deeper than 256"));
    CHECK(clock.marks() == marks);
    CHECK(prof.open_scopes() == Profiler::max_depth);
    for (std::size_t d = 0; d < Profiler::max_depth; ++d) {
        clock.advance(1);
        prof.leave();
    }
    prof.end_iteration();
    const LayerProfile& p = prof.profile();
    REQUIRE(p.layers().size() == Profiler::max_depth);
    CHECK(p.layers().back().depth == Profiler::max_depth - 1);
    CHECK(p.layers().front().time.first_call().count() == static_cast<double>(Profiler::max_depth));
    CHECK(p.layers().back().time.first_call().count() == 1.0);
    CHECK(Profiler::max_depth == 256);
}

TEST_CASE("layer profiles: host times and device times do not merge, an empty profile takes either") {
    gputime::sim::Runtime runtime(exact_config());
    SimClock gpu_clock(runtime);
    LayerProfiler gpu(gpu_clock);
    {
        auto it = gpu.iteration();
        auto s = gpu.scope("conv");
        REQUIRE(runtime.launch(gputime::sim::Stream{}, Kernel::fixed("conv", 10us)) == 0);
    }
    ManualClock host_clock;
    LayerProfiler host(host_clock);
    host.time("conv", [&] { host_clock.advance(7); });
    const LayerProfile& device_times = gpu.profile();
    const LayerProfile& host_times = host.profile();
    REQUIRE(device_times.device_timed());
    REQUIRE_FALSE(host_times.device_timed());

    LayerProfile pooled = device_times;
    const gputime::InvalidArgument e = invalid_argument_of([&] { pooled.merge(host_times); });
    CHECK(e.parameter() == "other");
    CHECK(e.where() == "LayerProfile::merge");
    CHECK(contains(e.what(), "host"));
    CHECK(pooled.iterations() == 1);  // unchanged
    CHECK(pooled.find("conv")->time.calls() == 1);
    CHECK(pooled.device_timed());

    CHECK(invalid_argument_of([&] { gpu.merge(host_times); }).where() == "LayerProfiler::merge");
    CHECK(invalid_argument_of([&] { host.merge(device_times); }).parameter() == "other");
    CHECK(gpu.profile().iterations() == 1);
    CHECK(host.profile().iterations() == 1);

    LayerProfile all;  // empty: it takes the time base of what is merged into it
    all.merge(device_times);
    CHECK(all.device_timed());
    CHECK(all.iterations() == 1);
    all.merge(LayerProfile{});  // an empty profile adds nothing, whatever its time base
    CHECK(all.device_timed());
    CHECK_THROWS_AS(all.merge(host_times), gputime::InvalidArgument);
    gpu.merge(LayerProfile{});
    CHECK(gpu.profile().device_timed());
}

namespace {
// A clock on virtual time (advanced by hand) whose elapsed() can be bent: `report(from, to)`
// says what it returns for an interval, to mimic a clock's rounding or a broken clock.
class BentClock {
public:
    using Mark = double;
    static constexpr bool measures_device = false;
    std::function<double(double, double)> report;

    void advance(double ns) { now_ += ns; }
    Mark mark() { return now_; }
    void stop(const Mark& started, gputime::Stats& into) noexcept {
        try {
            into.add(elapsed(started, mark()));
        } catch (...) {
        }
    }
    gputime::Duration elapsed(const Mark& from, const Mark& to) const {
        return gputime::Duration{report ? report(from, to) : to - from};
    }
    void release(const Mark&) noexcept {}
    void synchronize() {}
    std::chrono::nanoseconds host_now() const { return std::chrono::nanoseconds(static_cast<long long>(now_)); }
    void idle_for(std::chrono::nanoseconds gap) { now_ += static_cast<double>(gap.count()); }

private:
    double now_ = 0.0;
};
}  // namespace

TEST_CASE("layer profiler: a NaN from the clock for one layer drops its whole iteration, nothing of it is kept") {
    BentClock clock;
    LayerProfiler prof(clock);
    const auto forward = [&] {
        prof.begin_iteration();
        prof.time("a", [&] { clock.advance(10); });
        prof.time("b", [&] { clock.advance(15); });
        clock.advance(75);
        prof.end_iteration();
    };
    forward();  // [0, 100]: a [0, 10], b [10, 25]
    clock.report = [](double from, double to) {
        return from == 110.0 && to == 125.0 ? std::numeric_limits<double>::quiet_NaN() : to - from;
    };
    const std::string error = error_of(forward);  // [100, 200]: b's duration is NaN
    CHECK(contains(error, "gputime::LayerProfiler: duration of layer 'b'"));
    CHECK(contains(error, "nan"));
    CHECK(contains(error, "the iteration was dropped"));
    CHECK_FALSE(prof.in_iteration());
    const LayerProfile& p = prof.profile();
    CHECK(p.iterations() == 1);
    CHECK(p.abandoned_iterations() == 1);
    CHECK(p.find("a")->time.calls() == 1);  // a's good duration of the dropped iteration is not kept
    CHECK(p.find("b")->time.calls() == 1);
    CHECK(p.unattributed().calls() == 1);
    CHECK(p.trace_iterations().size() == 1);
    CHECK(p.trace_spans().size() == 2);

    clock.report = nullptr;
    forward();
    CHECK(prof.profile().iterations() == 2);
    CHECK(prof.profile().trace_iterations().back().index == 1);
}

TEST_CASE("layer profiler: an iteration a little shorter than its layers (clock rounding) has 0 unattributed") {
    // CUDA reports float milliseconds: a 100 ms iteration is good to a few ns, and may come out
    // shorter than its back-to-back layers added up. That is rounding, not an error.
    BentClock clock;
    LayerProfiler prof(clock);
    clock.report = [](double from, double to) { return to - from == 150.0 ? 149.0 : to - from; };
    for (int i = 0; i < 2; ++i) {
        auto it = prof.iteration();
        prof.time("a", [&] { clock.advance(70); });
        prof.time("b", [&] { clock.advance(80); });
    }
    const LayerProfile& p = prof.profile();
    CHECK(p.iterations() == 2);
    CHECK(p.abandoned_iterations() == 0);
    CHECK(p.iteration_total().first_call().count() == 149.0);
    CHECK(p.unattributed().first_call().count() == 0.0);
    CHECK(p.unattributed().max().count() == 0.0);
}
