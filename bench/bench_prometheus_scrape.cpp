// SPDX-License-Identifier: MIT
// bench/bench_prometheus_scrape.cpp - the cost of one /metrics scrape of 100 histograms
// (gputime/report/prometheus.hpp), as ratios to copying the 100 histograms in the same run.
//
//   bench_prometheus_scrape --benchmark_min_time=0.2
//
// 100 SharedBoundedStats (two metrics x 50 label sets, like per-layer device and enqueue times),
// each recorded by 4 threads (4 shards) with 20,000 lognormal durations around 1 ms.
//   copy_histograms      baseline: copy 100 ExponentialHistograms taken earlier
//   collect              PrometheusRegistry::collect(): a snapshot of every shard of every series
//   scrape_text          collect + to_prometheus_text (classic buckets, scale 2)
//   scrape_protobuf      collect + to_prometheus_protobuf (native histograms), when built with
//                        gputime::prometheus_protobuf
// The bytes of each body are reported as counters.
#include "median_ratios.hpp"

#include <gputime/report/prometheus.hpp>
#include <gputime/stats/shared_stats.hpp>
#if defined(GPUTIME_BENCH_WITH_PROTOBUF)
#include <gputime/report/prometheus_protobuf.hpp>
#endif

#include <benchmark/benchmark.h>

#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int series = 100;

struct Fixture {
    std::vector<std::unique_ptr<gputime::SharedBoundedStats>> stats;
    gputime::PrometheusRegistry registry;
    std::vector<gputime::ExponentialHistogram> taken;

    Fixture() {
        for (int i = 0; i < series; ++i) stats.push_back(std::make_unique<gputime::SharedBoundedStats>());
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([this, t] {
                std::mt19937_64 rng(static_cast<std::uint64_t>(t) + 1);
                std::normal_distribution<double> normal(0.0, 0.3);
                for (auto& s : stats)
                    for (int k = 0; k < 20000; ++k) s->add(gputime::Duration(1e6 * std::exp(normal(rng))));
            });
        for (auto& t : threads) t.join();
        for (int i = 0; i < series; ++i) {
            const bool device = i % 2 == 0;
            registry.add(
                "bench_layer_seconds", "Time per layer.",
                {{"model", "m"}, {"layer", "layer" + std::to_string(i / 2)}, {"time", device ? "device" : "enqueue"}},
                *stats[static_cast<std::size_t>(i)]);
        }
        for (const auto& s : stats) taken.push_back(s->histogram());
    }
};

Fixture& fixture() {
    static Fixture f;
    return f;
}

void copy_histograms(benchmark::State& state) {
    const auto& f = fixture();
    for (auto _ : state) {
        std::vector<gputime::ExponentialHistogram> copy = f.taken;
        benchmark::DoNotOptimize(copy.data());
    }
}
BENCHMARK(copy_histograms);

void collect(benchmark::State& state) {
    const auto& f = fixture();
    for (auto _ : state) {
        auto families = f.registry.collect();
        benchmark::DoNotOptimize(families.data());
    }
}
BENCHMARK(collect);

void scrape_text(benchmark::State& state) {
    const auto& f = fixture();
    std::size_t bytes = 0;
    for (auto _ : state) {
        const std::string body = gputime::to_prometheus_text(f.registry.collect());
        bytes = body.size();
        benchmark::DoNotOptimize(body.data());
    }
    state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(scrape_text);

#if defined(GPUTIME_BENCH_WITH_PROTOBUF)
void scrape_protobuf(benchmark::State& state) {
    const auto& f = fixture();
    std::size_t bytes = 0;
    for (auto _ : state) {
        const std::string body = gputime::to_prometheus_protobuf(f.registry.collect());
        bytes = body.size();
        benchmark::DoNotOptimize(body.data());
    }
    state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(scrape_protobuf);
#endif

}  // namespace

int main(int argc, char** argv) {
    fixture();  // recorded before any timing
    return gputime_bench::run_with_median_ratios(argc, argv, {
        {"collect", "copy_histograms"}, {"scrape_text", "copy_histograms"},
#if defined(GPUTIME_BENCH_WITH_PROTOBUF)
            {"scrape_protobuf", "copy_histograms"},
#endif
        {
            "scrape_text", "collect"
        }
    });
}
