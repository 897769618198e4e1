// SPDX-License-Identifier: MIT
// bench_stats - the cost of gputime's accumulators against the plain containers they are built on.
//
//   bench_stats [google benchmark flags]
//
// Each benchmark runs 9 repetitions in random order (bench/median_ratios.hpp); the ratios
// printed at the end are medians over them:
//   stats_add / vector_push_back          4096 add() against 4096 push_back(), fresh each time
//                                         (growth included in both); target <= 1.2
//   shared_stats_add / stats_add          the same through SharedStats from one thread (its own
//                                         shard: a store and a release store); target <= 2
//   bounded_stats_add / vector_push_back  BoundedStats::add (bucket, min/max, double-double
//                                         sums) on a warm sketch; target <= 3
//   shared_bounded_stats_add / bounded_stats_add   through SharedBoundedStats from one thread
//   stats_summary / sort_samples          mean, stddev, min, max, p50, p90, p99, p99.9 and mdape
//                                         of a fresh copy against std::sort of a copy
// Then threads: 1, 2 and 8 threads add() 2M durations each into one SharedStats (and one
// SharedBoundedStats), 5 runs each, medians: the wall-time rate with 8 threads over the rate with
// one (target >= 6 on a machine with at least 8 free cores; with fewer cores it cannot pass the
// number of cores, printed too), and the CPU time each add costs a thread: threads that share
// no written cache line cost the same per add however many run, so 8 x (CPU per add with one
// thread) / (CPU per add with 8) is the rate 8 free cores would reach (projected_8_cores).
// The LAST line is:
//   stats_ratios bounded_add_vs_push_back <x> shared_add_vs_stats_add <x> threads8_vs_1 <x>
//     bounded_threads8_vs_1 <x> projected_8_cores <x> bounded_projected_8_cores <x> cores <n>
// bench_stats_scale does the summary at 10M samples, with its peak memory.
#include "median_ratios.hpp"

#include <gputime/stats/bounded_stats.hpp>
#include <gputime/stats/shared_stats.hpp>
#include <gputime/stats/stats.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <thread>
#include <utility>
#include <vector>

#include <time.h>  // clock_gettime(CLOCK_THREAD_CPUTIME_ID): POSIX

namespace {

std::vector<double> synthetic(std::size_t n) {
    std::vector<double> v(n);
    std::uint64_t x = 88172645463325252ull;
    for (double& d : v) {  // xorshift: cheap, deterministic durations around 1 ms
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        d = 1e6 + static_cast<double>(x % 100000);
    }
    return v;
}

// Durations spread over 1 us .. 100 ms (log-uniform): 2100 buckets at scale 7.
std::vector<double> spread(std::size_t n) {
    std::vector<double> v(n);
    std::uint64_t x = 88172645463325252ull;
    for (double& d : v) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        d = 1e3 * std::pow(1e5, static_cast<double>(x >> 11) * 0x1p-53);
    }
    return v;
}

// Baseline: what adding a sample must cost at least (store it).
void vector_push_back(benchmark::State& state) {
    const std::vector<double> input = synthetic(4096);
    for (auto _ : state) {
        std::vector<double> v;
        for (const double d : input) v.push_back(d);
        benchmark::DoNotOptimize(v.data());
    }
}
BENCHMARK(vector_push_back);

// Stats::add: the bad-input check and the first-call rule (one compare together), then the
// push_back. Statistics are computed when read, not here.
void stats_add(benchmark::State& state) {
    const std::vector<double> input = synthetic(4096);
    for (auto _ : state) {
        gputime::Stats s;
        for (const double d : input) s.add(gputime::Duration{d});
        benchmark::DoNotOptimize(&s);
    }
}
BENCHMARK(stats_add);

// SharedStats::add from one thread: the thread's shard (one compare in a thread-local cache),
// the duration appended to the shard's log and its length published (a release store).
void shared_stats_add(benchmark::State& state) {
    const std::vector<double> input = synthetic(4096);
    for (auto _ : state) {
        gputime::SharedStats s;
        for (const double d : input) s.add(gputime::Duration{d});
        benchmark::DoNotOptimize(&s);
    }
}
BENCHMARK(shared_stats_add);

// BoundedStats::add: the bucket from the exponent bits and a table, min/max, two double-double sums.
void bounded_stats_add(benchmark::State& state) {
    const std::vector<double> input = synthetic(4096);
    gputime::BoundedStats s;
    for (auto _ : state) {
        for (const double d : input) s.add(gputime::Duration{d});
        benchmark::DoNotOptimize(&s);
    }
}
BENCHMARK(bounded_stats_add);

// The same over durations spread across 2100 buckets (the counts no longer in a few cache lines).
void bounded_stats_add_spread(benchmark::State& state) {
    const std::vector<double> input = spread(4096);
    gputime::BoundedStats s;
    for (auto _ : state) {
        for (const double d : input) s.add(gputime::Duration{d});
        benchmark::DoNotOptimize(&s);
    }
}
BENCHMARK(bounded_stats_add_spread);

// SharedBoundedStats::add from one thread: BoundedStats' work on relaxed atomics, published
// under a sequence number.
void shared_bounded_stats_add(benchmark::State& state) {
    const std::vector<double> input = synthetic(4096);
    gputime::SharedBoundedStats s;
    for (auto _ : state) {
        for (const double d : input) s.add(gputime::Duration{d});
        benchmark::DoNotOptimize(&s);
    }
}
BENCHMARK(shared_bounded_stats_add);

// Baseline: sorting the samples, which any exact percentile by sorting needs.
void sort_samples(benchmark::State& state) {
    const std::vector<double> input = synthetic(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) {
        std::vector<double> v = input;
        std::sort(v.begin(), v.end());
        benchmark::DoNotOptimize(v.data());
    }
}
BENCHMARK(sort_samples)->Arg(10000);

// A full summary from fresh samples (the copy drops every cache).
void stats_summary(benchmark::State& state) {
    const std::vector<double> input = synthetic(static_cast<std::size_t>(state.range(0)));
    gputime::Stats s;
    for (const double d : input) s.add(gputime::Duration{d});
    for (auto _ : state) {
        gputime::Stats copy = s;
        benchmark::DoNotOptimize(copy.mean());
        benchmark::DoNotOptimize(copy.stddev());
        benchmark::DoNotOptimize(copy.min());
        benchmark::DoNotOptimize(copy.max());
        benchmark::DoNotOptimize(copy.p50());
        benchmark::DoNotOptimize(copy.p90());
        benchmark::DoNotOptimize(copy.p99());
        benchmark::DoNotOptimize(copy.p999());
        benchmark::DoNotOptimize(copy.mdape());
    }
}
BENCHMARK(stats_summary)->Arg(10000);

// CPU time of the calling thread, in seconds (POSIX).
double thread_cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

struct Rate {
    double adds_per_second = 0.0;  // all threads together, wall time
    double cpu_ns_per_add = 0.0;   // CPU time a thread spends per add (contention shows here)
};

// `threads` threads add() into one shared accumulator (median of 5 runs; the accumulator is
// fresh for each run, the threads start together).
template <class Shared>
Rate rate(unsigned threads) {
    constexpr std::size_t per_thread = 2000000;
    const std::vector<double> input = synthetic(4096);
    std::vector<double> rates, cpu;
    for (int run = 0; run < 5; ++run) {
        Shared shared;
        std::atomic<unsigned> ready{0};
        std::atomic<bool> go{false};
        std::vector<double> cpu_seconds(threads, 0.0);
        std::vector<std::thread> pool;
        for (unsigned t = 0; t < threads; ++t)
            pool.emplace_back([&, t] {
                shared.add(gputime::Duration{1.0});  // the shard exists before the clock starts
                ready.fetch_add(1);
                while (!go.load()) std::this_thread::yield();
                const double c0 = thread_cpu_seconds();
                for (std::size_t i = 0; i < per_thread; ++i) shared.add(gputime::Duration{input[i % input.size()]});
                cpu_seconds[t] = thread_cpu_seconds() - c0;
            });
        while (ready.load() < threads) std::this_thread::yield();
        const auto t0 = std::chrono::steady_clock::now();
        go.store(true);
        for (std::thread& th : pool) th.join();
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (shared.calls() != static_cast<std::uint64_t>(threads) * (per_thread + 1)) std::printf("LOST SAMPLES\n");
        rates.push_back(static_cast<double>(threads * per_thread) / seconds);
        double total_cpu = 0.0;
        for (const double c : cpu_seconds) total_cpu += c;
        cpu.push_back(total_cpu * 1e9 / static_cast<double>(threads * per_thread));
    }
    std::sort(rates.begin(), rates.end());
    std::sort(cpu.begin(), cpu.end());
    return {rates[rates.size() / 2], cpu[cpu.size() / 2]};
}

// The wall-time rate of 8 threads over 1, and what the CPU time per add says 8 threads would
// reach on 8 free cores (8 x the 1-thread CPU time per add / the 8-thread one: 8 when the threads
// do not slow each other down).
template <class Shared>
std::pair<double, double> scaling(const char* what) {
    const Rate r1 = rate<Shared>(1), r2 = rate<Shared>(2), r8 = rate<Shared>(8);
    const double projected = 8.0 * r1.cpu_ns_per_add / r8.cpu_ns_per_add;
    std::printf(
        "threads %-18s 1: %.1f M adds/s (%.2f ns CPU/add), 2: %.1f M adds/s x%.2f (%.2f ns), "
        "8: %.1f M adds/s x%.2f (%.2f ns); on 8 free cores x%.2f\n",
        what, r1.adds_per_second / 1e6, r1.cpu_ns_per_add, r2.adds_per_second / 1e6,
        r2.adds_per_second / r1.adds_per_second, r2.cpu_ns_per_add, r8.adds_per_second / 1e6,
        r8.adds_per_second / r1.adds_per_second, r8.cpu_ns_per_add, projected);
    return {r8.adds_per_second / r1.adds_per_second, projected};
}

}  // namespace

int main(int argc, char** argv) {
    gputime_bench::MedianReporter reporter;
    const int rc = gputime_bench::run_with_median_ratios(argc, argv,
                                                         {{"stats_add", "vector_push_back", 1.2},
                                                          {"shared_stats_add", "stats_add", 2.0},
                                                          {"bounded_stats_add", "vector_push_back", 3.0},
                                                          {"bounded_stats_add_spread", "vector_push_back"},
                                                          {"shared_bounded_stats_add", "bounded_stats_add"},
                                                          {"stats_summary/10000", "sort_samples/10000", 1.2}},
                                                         &reporter);
    if (rc != 0) return rc;
    const auto ratio = [&](const char* a, const char* b) {
        const double x = reporter.median_wall(a), y = reporter.median_wall(b);
        return x > 0 && y > 0 ? x / y : 0.0;
    };
    const std::pair<double, double> threads8 = scaling<gputime::SharedStats>("SharedStats");
    const std::pair<double, double> bounded8 = scaling<gputime::SharedBoundedStats>("SharedBoundedStats");
#if defined(__GNUC__) && !defined(__OPTIMIZE__)
    std::printf("WARNING: built without optimisation; times are meaningless (use -O2 / Release)\n");
#endif
    std::printf(
        "stats_ratios bounded_add_vs_push_back %.3f shared_add_vs_stats_add %.3f threads8_vs_1 %.2f "
        "bounded_threads8_vs_1 %.2f projected_8_cores %.2f bounded_projected_8_cores %.2f cores %u\n",
        ratio("bounded_stats_add", "vector_push_back"), ratio("shared_stats_add", "stats_add"), threads8.first,
        bounded8.first, threads8.second, bounded8.second, std::thread::hardware_concurrency());
    return 0;
}
