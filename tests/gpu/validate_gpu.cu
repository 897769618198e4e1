// tests/gpu/validate_gpu.cu - gputime's CUDA backend against real spin kernels on a real GPU.
//
// Run by tests/gpu/validate.sh, which states the tolerances and passes them as options. Each check
// prints "PASS <name>: <what was measured>" or "FAIL ...", informative lines start with "INFO";
// the last line is "validate_gpu: N passed, M failed". Exit status: 0 all passed, 1 a check failed,
// 2 bad usage, 77 no usable GPU (prints "SKIPPED: no GPU: <reason>"). --probe only checks for a
// usable GPU (0, printing what it found, or 77).
//
// Read-only with respect to the GPU: it launches kernels and records events, and changes no
// setting (no clock locking, no persistence mode, no reset, no cudaDeviceSetLimit...).
//
//   first_call_overhead   a kernel launched for the first time in the process (lazy loading,
//                         CUDA_MODULE_LOADING=LAZY) costs more than the steady p50: overhead > 0
//   spin_100us            100 us %globaltimer spins and 0 ns spins, timed with ScopedGpuTimer
//                         (deferred resolution) behind a 50 ms blocking spin, so that every event
//                         and kernel is queued before the GPU reaches it and the host's launch
//                         latency is hidden; the 0 ns spin's median (the kernel start/retire cost
//                         that events around any kernel include) is subtracted:
//                         median(100 us) - median(0 ns) within --spin-tolerance of 100 us
//   deferred_resolution   those scopes did not synchronise: 2N pairs pending before the read
//   warmup_runner         WarmupRunner + GpuClock, latency mode, 100 us spin on an idle stream:
//                         p50 in [100 us, 100 us + --latency-slack-us] (launch latency included);
//                         host enqueue p50 below the device p50
//   event_pool            a second run on the same clock creates no event
//   host_clock_vs_events  a host clock around an un-synchronised 1 ms spin reads less
//                         than --host-fraction x 1 ms; events read at least 1 ms - tolerance
//   join_streams          JoinStreams: main 100 us + side 300 us; joined p50 in
//                         [300 us, 300 us + --join-slack-us]; not joined p50 below 200 us
//   (info) idle_gap       a clock64() spin with and without 50 ms idle gaps: p50 and effective MHz
//                         (DVFS; how much it moves depends on the GPU and its settings)
#include <gputime/cuda_runtime.hpp>
#include <gputime/error.hpp>
#include <gputime/host_clock.hpp>
#include <gputime/mock_kernels.cuh>
#include <gputime/report.hpp>
#include <gputime/scoped_timer.hpp>
#include <gputime/stats.hpp>
#include <gputime/stream_join.hpp>
#include <gputime/warmup_runner.hpp>

#include <cuda_runtime.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <sstream>
#include <string>

using namespace std::chrono_literals;
using gputime::Duration;
using gputime::Stats;

namespace {

struct Options {
    double spin_tolerance = 0.02;
    double latency_slack_us = 50.0;
    double join_slack_us = 50.0;
    double host_fraction = 0.5;
    int samples = 101;
    bool probe_only = false;  // --probe: say whether a GPU is usable, run nothing
};

struct Tally {
    int passed = 0;
    int failed = 0;
    void check(bool ok, const std::string& name, const std::string& detail) {
        (ok ? passed : failed) += 1;
        std::printf("%s %s: %s\n", ok ? "PASS" : "FAIL", name.c_str(), detail.c_str());
        std::fflush(stdout);
    }
};

void info(const std::string& text) {
    std::printf("INFO %s\n", text.c_str());
    std::fflush(stdout);
}

std::string us(Duration d) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f us", d.count() / 1000.0);
    return buffer;
}

void require(const char* call, cudaError_t status) {
    if (status != cudaSuccess)
        throw gputime::CudaError(call, status, cudaGetErrorName(status), cudaGetErrorString(status));
}

/// A non-blocking stream: the legacy default stream cannot delay our events.
class Stream {
public:
    Stream() { require("cudaStreamCreateWithFlags", cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking)); }
    ~Stream() {
        (void)cudaStreamSynchronize(stream_);
        (void)cudaStreamDestroy(stream_);
    }
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;
    operator cudaStream_t() const { return stream_; }

private:
    cudaStream_t stream_ = nullptr;
};

void spin(cudaStream_t stream, std::chrono::nanoseconds d) {
    require("launch_spin_ns", gputime::mock::launch_spin_ns(stream, d));
}

/// Used by first_call_overhead only, so that its first launch is the first in the process.
__global__ void first_call_probe_kernel(std::uint64_t duration_ns) {
    const std::uint64_t start = gputime::mock::read_globaltimer_ns();
    while (gputime::mock::read_globaltimer_ns() - start < duration_ns) {
    }
}

void first_call_overhead(Tally& tally) {
    const char* loading = std::getenv("CUDA_MODULE_LOADING");
    info(std::string("CUDA_MODULE_LOADING=") +
         (loading != nullptr ? loading : "(unset: LAZY by default since CUDA 12.2)"));
    Stream stream;
    gputime::GpuClock clock(stream);
    const gputime::RunResult r = gputime::WarmupRunner(clock).warmup(5).iterations(50).run([&] {
        first_call_probe_kernel<<<1, 1, 0, stream>>>(50000);
        require("first_call_probe_kernel<<<>>>", cudaGetLastError());
    });
    tally.check(r.first_call_overhead().count() > 0.0, "first_call_overhead",
                "first call " + us(r.first_call()) + ", steady p50 " + us(r.latency.p50()) + ", overhead " +
                    us(r.first_call_overhead()) + " (expected > 0)");
}

void spin_accuracy(Tally& tally, const Options& o) {
    Stream stream;
    gputime::GpuClock clock(stream);
    const std::size_t n = static_cast<std::size_t>(o.samples);
    clock.reserve(4 * n + 4);  // every pending pair's events, so the timed loop creates none
    spin(stream, 0ns);         // load the kernel before anything is timed
    clock.synchronize();
    require("cudaStreamSynchronize", cudaStreamSynchronize(stream));

    Stats spin_stats;
    Stats zero_stats;
    spin(stream, 50ms);  // the blocker: the GPU reaches the timed pairs only after all are queued
    for (std::size_t i = 0; i < n; ++i) {
        {
            gputime::ScopedGpuTimer timer(spin_stats, clock);
            spin(stream, 100us);
        }
        {
            gputime::ScopedGpuTimer timer(zero_stats, clock);
            spin(stream, 0ns);
        }
    }
    const bool blocker_outlived_enqueue = cudaStreamQuery(stream) == cudaErrorNotReady;
    const std::size_t pending = clock.pending_count();
    tally.check(pending == 2 * n, "deferred_resolution",
                std::to_string(pending) + " pairs pending before the first read (expected " + std::to_string(2 * n) +
                    "): no scope waited for the GPU");
    if (!blocker_outlived_enqueue)
        info("the 50 ms blocker finished before all pairs were queued: launch latency may be included");

    const Duration net = spin_stats.p50() - zero_stats.p50();
    const double error = (net.count() - 100000.0) / 100000.0;
    char detail[512];
    std::snprintf(detail, sizeof detail,
                  "median 100 us spin %s, median 0 ns spin %s, difference %s (%+.2f%%, allowed +-%.2f%%)",
                  us(spin_stats.p50()).c_str(), us(zero_stats.p50()).c_str(), us(net).c_str(), error * 100.0,
                  o.spin_tolerance * 100.0);
    tally.check(std::abs(error) <= o.spin_tolerance && blocker_outlived_enqueue, "spin_100us", detail);
    std::ostringstream report;
    report << "100 us spins:\n" << spin_stats << "0 ns spins:\n" << zero_stats;
    std::printf("%s", report.str().c_str());
}

void runner_and_pool(Tally& tally, const Options& o) {
    Stream stream;
    gputime::GpuClock clock(stream);
    auto run = [&] {
        return gputime::WarmupRunner(clock).warmup(10).iterations(200).name("spin 100 us, latency mode").run(
            [&] { spin(stream, 100us); });
    };
    const gputime::RunResult r = run();
    std::cout << r;
    const double p50_us = r.latency.p50().count() / 1000.0;
    char detail[512];
    std::snprintf(detail, sizeof detail,
                  "p50 %.2f us (allowed 100 to %.0f us), enqueue p50 %.2f us (must be below p50)", p50_us,
                  100.0 + o.latency_slack_us, r.enqueue.p50().count() / 1000.0);
    tally.check(p50_us >= 100.0 && p50_us <= 100.0 + o.latency_slack_us && r.enqueue.p50() < r.latency.p50(),
                "warmup_runner", detail);

    const std::size_t created = clock.events_created();
    (void)run();
    tally.check(clock.events_created() == created, "event_pool",
                std::to_string(created) + " events created by the first run, " +
                    std::to_string(clock.events_created() - created) + " by the second (expected 0)");
}

void host_clock_vs_events(Tally& tally, const Options& o) {
    Stream stream;
    gputime::GpuClock clock(stream);
    gputime::HostClock host_clock;
    Stats host;
    Stats device;
    for (int i = 0; i < 11; ++i) {
        {
            gputime::ScopedTimer<gputime::HostClock> timer(host, host_clock);  // the naive way
            spin(stream, 1ms);
        }
        require("cudaStreamSynchronize", cudaStreamSynchronize(stream));
        {
            gputime::ScopedGpuTimer timer(device, clock);
            spin(stream, 1ms);
        }
        clock.synchronize();
    }
    char detail[512];
    std::snprintf(detail, sizeof detail,
                  "host clock p50 %.2f us (allowed < %.0f us), events p50 %.2f us (allowed >= %.0f us)",
                  host.p50().count() / 1000.0, o.host_fraction * 1000.0, device.p50().count() / 1000.0,
                  1000.0 * (1.0 - o.spin_tolerance));
    tally.check(host.p50().count() < o.host_fraction * 1e6 && device.p50().count() >= 1e6 * (1.0 - o.spin_tolerance),
                "host_clock_vs_events", detail);
}

void join_streams(Tally& tally, const Options& o) {
    Stream main_stream;
    Stream side;
    gputime::GpuClock clock(main_stream);
    Stats joined;
    Stats alone;
    for (int i = 0; i < 21; ++i) {
        {
            gputime::ScopedGpuTimer timer(joined, clock);
            gputime::JoinStreams join(clock, {static_cast<cudaStream_t>(side)});
            spin(main_stream, 100us);
            spin(side, 300us);
        }
        clock.synchronize();
        require("cudaStreamSynchronize", cudaStreamSynchronize(side));
        {
            gputime::ScopedGpuTimer timer(alone, clock);
            spin(main_stream, 100us);
            spin(side, 300us);
        }
        clock.synchronize();
        require("cudaStreamSynchronize", cudaStreamSynchronize(side));
    }
    const double joined_us = joined.p50().count() / 1000.0;
    const double alone_us = alone.p50().count() / 1000.0;
    char detail[512];
    std::snprintf(detail, sizeof detail,
                  "joined p50 %.2f us (allowed 300 to %.0f us), not joined p50 %.2f us (allowed < 200 us)", joined_us,
                  300.0 + o.join_slack_us, alone_us);
    tally.check(joined_us >= 300.0 && joined_us <= 300.0 + o.join_slack_us && alone_us < 200.0, "join_streams", detail);
}

void idle_gap_info() {
    Stream stream;
    gputime::GpuClock clock(stream);
    constexpr std::uint64_t cycles = 2000000;
    require("launch_spin_cycles", gputime::mock::launch_spin_cycles(stream, 1000));  // load it
    auto run = [&](std::chrono::nanoseconds gap) {
        return gputime::WarmupRunner(clock).warmup(5).iterations(30).idle_gap(gap).run(
            [&] { require("launch_spin_cycles", gputime::mock::launch_spin_cycles(stream, cycles)); });
    };
    const gputime::RunResult tight = run(0ns);
    const gputime::RunResult gapped = run(50ms);
    char text[512];
    std::snprintf(text, sizeof text,
                  "idle_gap: 2e6-cycle spin p50 %.1f us back to back (%.0f MHz), %.1f us after 50 ms gaps (%.0f MHz)",
                  tight.latency.p50().count() / 1000.0, cycles / (tight.latency.p50().count() / 1000.0),
                  gapped.latency.p50().count() / 1000.0, cycles / (gapped.latency.p50().count() / 1000.0));
    info(text);
}

bool parse(int argc, char** argv, Options& o) {
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--probe") {
            o.probe_only = true;
            continue;
        }
        if (i + 1 >= argc) return false;
        const char* value = argv[++i];
        char* end = nullptr;
        const double x = std::strtod(value, &end);
        if (end == value || *end != '\0' || !(x >= 0.0)) return false;
        if (arg == "--spin-tolerance") o.spin_tolerance = x;
        else if (arg == "--latency-slack-us") o.latency_slack_us = x;
        else if (arg == "--join-slack-us") o.join_slack_us = x;
        else if (arg == "--host-fraction") o.host_fraction = x;
        else if (arg == "--samples" && x >= 1.0) o.samples = static_cast<int>(x);
        else return false;
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    Options options;
    if (!parse(argc, argv, options)) {
        std::fprintf(stderr,
                     "usage: validate_gpu [--probe] [--spin-tolerance F] [--latency-slack-us US] [--join-slack-us US]"
                     " [--host-fraction F] [--samples N]\n");
        return 2;
    }
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess || count == 0) {
        const std::string reason =
            status != cudaSuccess ? std::string(cudaGetErrorString(status)) + " (" + cudaGetErrorName(status) + ")"
                                  : std::string("no CUDA device");
        std::printf("SKIPPED: no GPU: %s\n", reason.c_str());
        return 77;
    }
    int device = 0;
    cudaDeviceProp prop{};
    int clock_khz = 0;
    if (cudaGetDevice(&device) == cudaSuccess && cudaGetDeviceProperties(&prop, device) == cudaSuccess &&
        cudaDeviceGetAttribute(&clock_khz, cudaDevAttrClockRate, device) == cudaSuccess) {
        char text[512];
        std::snprintf(text, sizeof text, "device %d: %s, compute capability %d.%d, %d SMs, peak SM clock %d MHz",
                      device, prop.name, prop.major, prop.minor, prop.multiProcessorCount, clock_khz / 1000);
        info(text);
    }
    if (options.probe_only) return 0;

    Tally tally;
    try {
        first_call_overhead(tally);  // first: its kernel must not have been launched before
        spin_accuracy(tally, options);
        runner_and_pool(tally, options);
        host_clock_vs_events(tally, options);
        join_streams(tally, options);
        idle_gap_info();
    } catch (const std::exception& e) {
        std::printf("FAIL unexpected error: %s\n", e.what());
        std::printf("validate_gpu: %d passed, %d failed\n", tally.passed, tally.failed + 1);
        return 1;
    }
    std::printf("validate_gpu: %d passed, %d failed\n", tally.passed, tally.failed);
    return tally.failed == 0 ? 0 : 1;
}
