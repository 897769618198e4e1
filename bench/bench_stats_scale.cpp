// SPDX-License-Identifier: MIT
// bench_stats_scale - gputime's statistics at 10M samples: time, peak memory, bounded error,
// threads.
//
//   bench_stats_scale [google benchmark flags]      (about a minute; 5 repetitions by default)
//
// Three data sets of 10M durations: "uniform" (1 ms + U(0, 100 us)), "lognormal" (median
// 440 us, sigma 1.5: a heavy tail) and "stalls" (2 us +- 100 ns, one call in 10000 a
// 1-1000 s stall: a tight cluster far from its outliers, the hard case for radix selection).
//
// * summary_10M/<set> against sort_10M/<set>: the full summary of a Stats holding the samples
//   (mean, stddev, min, max, p50, p90, p99, p99.9, mdape; a fresh copy each time, the copy not
//   timed) against one std::sort of a copy (the copy not timed). Medians over repetitions run
//   in random order (bench/median_ratios.hpp); summary_vs_sort is the largest of the three.
// * Peak memory: every allocation of this program goes through a counting operator new, so
//   the peak of live heap bytes is known exactly. bytes_per_sample is the peak while a Stats
//   filled by add() (no reserve) holds 10M samples and computes the full summary, over 10M:
//   the samples at their std::vector capacity plus everything the summary needs; the largest
//   of the three sets. Printed too: the peak while filling (std::vector moves its buffer when
//   it grows, old and new alive at once) and the same with Stats::reserve(10M).
// * bounded_kib: a BoundedStats after 10M adds (its counts plus the object); bounded_max_rel_error
//   the largest |bounded - exact| / exact over the three sets and p = 0, 0.1, ..., 100 and
//   99.9x tails, exact values from std::sort and ranks computed in integers.
// * Threads: 8 threads x 1M add() into one SharedStats, and into one SharedBoundedStats,
//   counting what snapshot() sees (none may be lost).
// The LAST line is:
//   stats_scale bytes_per_sample <x> summary_vs_sort <x> bounded_kib <x> bounded_max_rel_error <x>
#include "median_ratios.hpp"

#include <gputime/stats/bounded_stats.hpp>
#include <gputime/stats/shared_stats.hpp>
#include <gputime/stats/stats.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <new>
#include <string>
#include <thread>
#include <vector>

// --- a counting heap: live bytes and their peak -----------------------------------------------
namespace counting {
std::atomic<std::size_t> live{0};
std::atomic<std::size_t> peak{0};
constexpr std::size_t header = 16;  // keeps malloc's 16-byte alignment

void* allocate(std::size_t n) {
    void* p = std::malloc(n + header);
    if (p == nullptr) throw std::bad_alloc();
    *static_cast<std::size_t*>(p) = n;
    const std::size_t now = live.fetch_add(n, std::memory_order_relaxed) + n;
    std::size_t seen = peak.load(std::memory_order_relaxed);
    while (now > seen && !peak.compare_exchange_weak(seen, now, std::memory_order_relaxed)) {
    }
    return static_cast<char*>(p) + header;
}
void release(void* p) noexcept {
    if (p == nullptr) return;
    char* base = static_cast<char*>(p) - header;
    live.fetch_sub(*reinterpret_cast<std::size_t*>(base), std::memory_order_relaxed);
    std::free(base);
}
/// Restarts the peak at the bytes live now; returns them.
std::size_t restart_peak() noexcept {
    const std::size_t now = live.load();
    peak.store(now);
    return now;
}
}  // namespace counting

void* operator new(std::size_t n) { return counting::allocate(n); }
void* operator new[](std::size_t n) { return counting::allocate(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    try {
        return counting::allocate(n);
    } catch (...) {
        return nullptr;
    }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
    try {
        return counting::allocate(n);
    } catch (...) {
        return nullptr;
    }
}
void operator delete(void* p) noexcept { counting::release(p); }
void operator delete[](void* p) noexcept { counting::release(p); }
void operator delete(void* p, std::size_t) noexcept { counting::release(p); }
void operator delete[](void* p, std::size_t) noexcept { counting::release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { counting::release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { counting::release(p); }

namespace {

using gputime::Duration;
constexpr std::size_t kSamples = 10000000;

std::uint64_t next_random(std::uint64_t& state) {  // splitmix64
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
double unit_random(std::uint64_t& state) { return static_cast<double>(next_random(state) >> 11) * 0x1.0p-53; }

struct DataSet {
    std::string name;
    std::vector<double> values;
};

const std::vector<DataSet>& data_sets() {
    static const std::vector<DataSet> sets = [] {
        std::vector<DataSet> out;
        std::uint64_t rng = 20240607;
        const auto make = [&](const char* name, auto f) {
            DataSet d{name, std::vector<double>(kSamples)};
            for (double& x : d.values) x = f();
            out.push_back(std::move(d));
        };
        make("uniform", [&] { return 1e6 + std::floor(unit_random(rng) * 1e5); });
        make("lognormal", [&] {
            const double u1 = unit_random(rng), u2 = unit_random(rng);
            const double z = std::sqrt(-2.0 * std::log1p(-u1)) * std::cos(6.283185307179586 * u2);
            return std::floor(std::exp(13.0 + 1.5 * z));
        });
        make("stalls", [&] {
            if (next_random(rng) % 10000 == 0)
                return std::floor(std::exp(std::log(1e9) + unit_random(rng) * std::log(1e3)));
            return std::floor(1900.0 + unit_random(rng) * 200.0);
        });
        return out;
    }();
    return sets;
}

gputime::Stats stats_of(const std::vector<double>& values, bool reserve) {
    gputime::Stats s;
    s.set_first_call(Duration{1e9});
    if (reserve) s.reserve(values.size());
    for (const double x : values) s.add(Duration{x});
    return s;
}

struct Summary {
    double mean, stddev, min, max, p50, p90, p99, p999, mdape;
};
Summary summarize(const gputime::Stats& s) {
    return Summary{s.mean().count(), s.stddev().count(), s.min().count(),  s.max().count(), s.p50().count(),
                   s.p90().count(),  s.p99().count(),    s.p999().count(), s.mdape()};
}

// --- timed: one std::sort against the full summary --------------------------------------------
void sort_10M(benchmark::State& state, std::size_t set) {
    const std::vector<double>& input = data_sets()[set].values;
    std::vector<double> v;
    for (auto _ : state) {
        state.PauseTiming();
        v = input;
        state.ResumeTiming();
        std::sort(v.begin(), v.end());
        benchmark::DoNotOptimize(v.data());
    }
}

void summary_10M(benchmark::State& state, std::size_t set) {
    static std::map<std::size_t, gputime::Stats> filled;
    if (filled.count(set) == 0) filled.emplace(set, stats_of(data_sets()[set].values, false));
    const gputime::Stats& source = filled.at(set);
    for (auto _ : state) {
        state.PauseTiming();
        gputime::Stats fresh = source;  // no cache
        state.ResumeTiming();
        const Summary sum = summarize(fresh);
        benchmark::DoNotOptimize(&sum);
        state.PauseTiming();
        {
            const gputime::Stats drop = std::move(fresh);  // freeing 80 MB is not the summary's cost
        }
        state.ResumeTiming();
    }
}

void bounded_add_10M(benchmark::State& state) {
    const std::vector<double>& input = data_sets()[1].values;
    for (auto _ : state) {
        gputime::BoundedStats b;
        for (const double x : input) b.add(Duration{x});
        benchmark::DoNotOptimize(&b);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * input.size()));
}

void register_benchmarks() {
    for (std::size_t i = 0; i < data_sets().size(); ++i) {
        const std::string& name = data_sets()[i].name;
        benchmark::RegisterBenchmark(("sort_10M/" + name).c_str(), sort_10M, i)->Unit(benchmark::kMillisecond);
        benchmark::RegisterBenchmark(("summary_10M/" + name).c_str(), summary_10M, i)->Unit(benchmark::kMillisecond);
    }
    benchmark::RegisterBenchmark("bounded_add_10M", bounded_add_10M)->Unit(benchmark::kMillisecond);
}

// --- memory -----------------------------------------------------------------------------------
struct Memory {
    double fill_peak = 0;           // bytes per sample while adding (no reserve)
    double fill_peak_reserved = 0;  // ... after reserve(n)
    double at_rest = 0;             // held by the filled Stats
    double summary_peak = 0;        // held + what the summary needs at its peak
};
Memory measure_memory(const std::vector<double>& values) {
    Memory m;
    const double n = static_cast<double>(values.size());
    {
        const std::size_t base = counting::restart_peak();
        gputime::Stats s = stats_of(values, false);
        m.fill_peak = static_cast<double>(counting::peak.load() - base) / n;
        m.at_rest = static_cast<double>(counting::live.load() - base) / n;
        counting::restart_peak();
        const Summary sum = summarize(s);
        benchmark::DoNotOptimize(&sum);
        m.summary_peak = static_cast<double>(counting::peak.load() - base) / n;
    }
    {
        const std::size_t base = counting::restart_peak();
        gputime::Stats s = stats_of(values, true);
        const Summary sum = summarize(s);
        benchmark::DoNotOptimize(&sum);
        m.fill_peak_reserved = static_cast<double>(counting::peak.load() - base) / n;
    }
    return m;
}

// --- bounded error against std::sort ----------------------------------------------------------
double bounded_error(const std::vector<double>& values, gputime::BoundedStats& b) {
    std::vector<double> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    const std::uint64_t n = sorted.size();
    double worst = 0.0;
    // p = k / 10000 percent: rank ceil(k n / 10^6), in integers.
    std::vector<std::uint64_t> ks;
    for (std::uint64_t k = 0; k <= 1000000; k += 1000) ks.push_back(k);
    for (const std::uint64_t k : {999000u, 999500u, 999900u, 999950u, 999990u, 999999u}) ks.push_back(k);
    for (const std::uint64_t k : ks) {
        const std::uint64_t rank = (k * n + 999999) / 1000000;
        const double exact = sorted[rank <= 1 ? 0 : rank - 1];
        const double got = b.percentile(static_cast<double>(k) / 10000.0).count();
        worst = std::max(worst, std::fabs(got - exact) / exact);
    }
    return worst;
}

// --- threads ----------------------------------------------------------------------------------
template <class Shared>
void threaded(const char* what) {
    constexpr std::size_t threads = 8, per_thread = 1000000;
    Shared shared;
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < threads; ++t)
        pool.emplace_back([&shared, t] {
            for (std::size_t i = 0; i < per_thread; ++i)
                shared.add(Duration{static_cast<double>(1000 + (t * 7 + i) % 5000)});
        });
    std::size_t snapshots = 0;
    for (int k = 0; k < 3; ++k) {  // read while they write
        benchmark::DoNotOptimize(shared.snapshot().calls());
        ++snapshots;
    }
    for (std::thread& th : pool) th.join();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto all = shared.snapshot();
    const std::size_t recorded = static_cast<std::size_t>(all.calls());
    std::printf(
        "threads: %zu x %zu add() into one %s (%zu snapshots meanwhile): %zu recorded, %zu lost; "
        "%.1f ms wall on %u cores, %.1f ns per add\n",
        threads, per_thread, what, snapshots, recorded, threads * per_thread - recorded, seconds * 1e3,
        std::thread::hardware_concurrency(), seconds * 1e9 / static_cast<double>(threads * per_thread));
}

}  // namespace

int main(int argc, char** argv) {
    register_benchmarks();
    gputime_bench::MedianReporter reporter;
    std::vector<gputime_bench::MedianRatio> ratios;
    for (const DataSet& d : data_sets()) ratios.push_back({"summary_10M/" + d.name, "sort_10M/" + d.name, 1.2});
    const int rc = gputime_bench::run_with_median_ratios(argc, argv, ratios, &reporter, 5);
    if (rc != 0) return rc;

    double summary_vs_sort = 0.0;
    for (const auto& r : ratios) {
        const double a = reporter.median_wall(r.measured), b = reporter.median_wall(r.baseline);
        if (a > 0 && b > 0) summary_vs_sort = std::max(summary_vs_sort, a / b);
    }

    std::printf("\nmemory, bytes per sample at %zu samples (peak of live heap bytes / samples):\n", kSamples);
    double bytes_per_sample = 0.0;
    for (const DataSet& d : data_sets()) {
        const Memory m = measure_memory(d.values);
        std::printf(
            "  %-10s held %.2f, full summary peak %.2f; while filling %.2f (std::vector growth), "
            "with reserve(n) %.2f\n",
            d.name.c_str(), m.at_rest, m.summary_peak, m.fill_peak, m.fill_peak_reserved);
        bytes_per_sample = std::max(bytes_per_sample, m.summary_peak);
    }

    double bounded_bytes = 0.0, worst = 0.0;
    std::printf("bounded (BoundedStats, exact values from std::sort):\n");
    for (const DataSet& d : data_sets()) {
        gputime::BoundedStats b;
        b.set_first_call(Duration{1e9});  // every value of the set is a steady sample
        for (const double x : d.values) b.add(Duration{x});
        const double error = bounded_error(d.values, b);
        bounded_bytes = std::max(bounded_bytes, static_cast<double>(b.memory_bytes() + sizeof(b)));
        worst = std::max(worst, error);
        std::printf("  %-10s %llu samples, %zu bytes, largest relative error %.5f (bound %.5f)\n", d.name.c_str(),
                    static_cast<unsigned long long>(b.count()), b.memory_bytes() + sizeof(b), error,
                    b.max_relative_error());
    }

    threaded<gputime::SharedStats>("SharedStats");
    threaded<gputime::SharedBoundedStats>("SharedBoundedStats");
#if defined(__GNUC__) && !defined(__OPTIMIZE__)
    std::printf("WARNING: built without optimisation; times are meaningless (use -O2 / Release)\n");
#endif
    std::printf("stats_scale bytes_per_sample %.2f summary_vs_sort %.3f bounded_kib %.2f bounded_max_rel_error %.5f\n",
                bytes_per_sample, summary_vs_sort, bounded_bytes / 1024.0, worst);
    return 0;
}
