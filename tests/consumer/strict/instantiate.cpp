// SPDX-License-Identifier: MIT
// Compiled by consumer.strict_flags.<compiler> after the headers themselves: a consumer's use of
// the main templates, so that what only an instantiation compiles (WarmupRunner<Clock>::run,
// CudaEventClock<sim::Runtime>, LayerProfiler, compare, the reports) meets -Wconversion,
// -Wsign-conversion and -Wshadow too. It is compiled, not run.
#include <gputime/gputime.hpp>
#include <gputime/integrations/run_options.hpp>
#include <gputime/integrations/testing.hpp>
#include <gputime/report/html.hpp>
#include <gputime/sim/runtime.hpp>
#include <gputime/stats/shared_stats.hpp>

#include <chrono>
#include <cstddef>
#include <sstream>
#include <string>
#include <vector>

namespace {

volatile float sink = 0.0f;

void work() {
    for (int i = 0; i < 100; ++i) sink = sink * 0.5f + 1.0f;
}

std::string host_side(int argc, char** argv) {
    const gputime::RunOptions options = gputime::RunOptions::from_args(argc, argv, gputime::ProgramInfo{});
    gputime::HostClock clock;
    gputime::Stats stats;
    {
        gputime::ScopedTimer timer(stats, clock);
        work();
    }
    gputime::WarmupRunner runner(clock);
    options.apply_to(runner);
    const gputime::RunResult result = runner.name("strict").run([](std::size_t) { work(); });
    gputime::LayerProfiler profiler(clock);
    for (int i = 0; i < 3; ++i) {
        auto iteration = profiler.iteration();
        profiler.time("layer", [] { work(); });
    }
    gputime::BoundedStats bounded;
    bounded.add(gputime::Duration{100.0});
    gputime::SharedStats shared;
    shared.add(gputime::Duration{100.0});
    const auto comparison = gputime::compare(
        clock, [] { work(); }, [] { work(); });
    const auto sweep = gputime::sweep_idle_gaps(gputime::WarmupRunner(clock).warmup(1).iterations(3),
                                                {std::chrono::nanoseconds(0)}, [] { work(); });
    gputime::JsonReport json;
    json.add(result).add("stats", stats).add(profiler.profile()).add(sweep);
    gputime::HtmlReport html("strict");
    html.add(result).add(gputime::read_host_context());
    const gputime::testing::Verdict verdict =
        gputime::testing::median_within(result, std::chrono::microseconds(1), 0.5);
    std::ostringstream text;
    text << result << comparison << stats;
    return json.str() + html.str() + gputime::to_chrome_trace({&profiler.profile()}) +
           gputime::to_csv(profiler.profile()) + text.str() + verdict.message + std::to_string(bounded.count()) +
           std::to_string(stats.p99().count());
}

std::string simulated_gpu() {
    gputime::sim::Runtime gpu;
    gputime::CudaEventClock<gputime::sim::Runtime> clock(gpu);
    const gputime::sim::Stream stream = gpu.create_stream();
    const gputime::RunResult result = gputime::WarmupRunner(clock).warmup(2).iterations(5).run(
        [&] { gpu.launch(stream, gputime::sim::Kernel::fixed("k", std::chrono::microseconds(10))); });
    gputime::LayerProfiler profiler(clock);
    {
        auto iteration = profiler.iteration();
        auto scope = profiler.scope("k");
        gpu.launch(stream, gputime::sim::Kernel::fixed("k", std::chrono::microseconds(10)));
    }
    std::ostringstream text;
    text << result;
    return text.str() + gputime::to_json(profiler.profile());
}

}  // namespace

int main(int argc, char** argv) { return static_cast<int>(host_side(argc, argv).size() + simulated_gpu().size()) & 1; }
