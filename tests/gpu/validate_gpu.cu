// SPDX-License-Identifier: MIT
// tests/gpu/validate_gpu.cu - gputime's CUDA backend against real spin kernels on a real GPU.
//
// Run by tests/gpu/validate.sh, which states the tolerances and passes them as options. Each check
// prints "PASS <name>: <what was measured>", "FAIL ..." or "SKIP ..." (a check that cannot run
// here, e.g. two devices on a one-GPU machine); informative lines start with "INFO"; the last line
// is "validate_gpu: N passed, M failed, K skipped". With --json PATH the same results are written
// as one JSON document (gputime::detail::JsonWriter; format below). Exit status: 0 all passed,
// 1 a check failed, 2 bad usage, 77 no usable GPU (prints "SKIPPED: no GPU: <reason>", and writes
// {"skipped": true, ...} to the --json file). --probe only checks for a usable GPU (0 or 77).
//
// Read-only with respect to the GPU: it launches kernels, records events and reads NVML, and
// changes no setting (no clock locking, no persistence mode, no reset, no cudaDeviceSetLimit...).
// Two checks run in child processes of this program (--child MODE): the first call (a fresh
// process for each module-loading mode) and a faulting kernel (it leaves its CUDA context
// unusable).
//
//   first_call_lazy        child, CUDA_MODULE_LOADING=LAZY: a kernel's first call in the process
//                          costs at least --first-call-min-us more than its steady p50
//   first_call_eager       child, CUDA_MODULE_LOADING=EAGER (modules loaded with the context): its
//                          overhead is below the LAZY one
//   spin_100us             100 us and 0 ns %globaltimer spins timed with ScopedGpuTimer behind the
//                          gate (gputime::CudaGate), held while each chunk of 128 pairs is enqueued:
//                          launch latency hidden however large --samples is; median(100 us) -
//                          median(0 ns) within --spin-tolerance of 100 us; no gate timed out
//   deferred_resolution    those scopes did not synchronise: 2N pairs pending before the read
//   gate                   time_gated(): 100 us spin gated minus a gated 0 ns spin within
//                          --spin-tolerance of 100 us; ungated p50 above gated p50
//   gate_timeout           a call that synchronises under a 50 ms gate ends in TimeoutError, with
//                          one gate timeout counted, instead of a deadlock
//   l2_flush               a read of a buffer of a quarter of the L2, hot (read back to back)
//                          and cold (gputime::L2Flush before each call): cold p50 >= hot p50 x
//                          --l2-min-ratio; one flush per call
//   warmup_runner          latency mode, 100 us spin on an idle stream: p50 in
//                          [100 us, 100 us + --latency-slack-us]; enqueue p50 below the device p50
//   event_pool             a second run on the same clock creates no event
//   telemetry              NVML (when the driver has it) sampled before every call of that run:
//                          every measured call sampled, SM clock > 0; otherwise SKIP with the
//                          reason (the hints, e.g. "clocks not locked", are printed)
//   throughput_mode        100 us spins back to back: p50 in [100 us, 100 us + --latency-slack-us]
//   max_pending_overflow   400 calls in throughput mode with max_pending(16): every sample
//                          delivered, nothing left pending, p50 as above
//   host_clock_vs_events   a host clock around an un-synchronised 1 ms spin reads less than
//                          --host-fraction x 1 ms; events read at least 1 ms - tolerance
//   join_streams           JoinStreams: main 100 us + side 300 us; joined p50 in
//                          [300 us, 300 us + --join-slack-us]; not joined p50 below 200 us
//   layer_profiler         LayerProfiler with NVTX ranges, three layers of 100/200/300 us spins:
//                          each layer's p50 in [d, d + --latency-slack-us], unattributed p50 below
//                          --latency-slack-us
//   nvtx                   the build has NVTX3 (the ranges themselves are checked by validate.sh
//                          with Nsight Systems when nsys is installed)
//   default_stream         GpuClock on the legacy default stream (stream 0): p50 as warmup_runner
//   devices                with two or more devices, every device: p50 as warmup_runner (SKIP
//                          with one)
//   fault_in_child         child: a kernel writes to an unmapped address on call 3 of a run; the
//                          run ends in a CudaError with a sticky code, the 3 calls before it kept
//   (info) idle_gap        a clock64() spin with and without 50 ms idle gaps: p50, effective MHz
//                          and enqueue p50 per gap (gputime::idle_gap_table)
//
// JSON (--json PATH):
//   {"schema": "gputime.validate_gpu/1", "skipped": false, "date_utc": "...",
//    "host": {"name", "cpu", "governor"},
//    "device": {"index", "name", "compute_capability", "sms", "peak_sm_clock_mhz", "l2_bytes",
//               "device_count", "cuda_runtime", "cuda_driver"},
//    "options": {"spin_tolerance", "latency_slack_us", "join_slack_us", "host_fraction", "samples",
//                "first_call_min_us", "l2_min_ratio"},
//    "checks": [{"name", "status": "pass"|"fail"|"skip", "detail", "values": {name: number}}],
//    "info": ["..."], "telemetry": {...} or null (gputime::write_telemetry_json),
//    "passed": N, "failed": M, "skipped": K}
#include <gputime/cuda/gpu_clock.hpp>
#include <gputime/report/detail/json_writer.hpp>
#include <gputime/core/error.hpp>
#include <gputime/cuda/gate_kernel.cuh>
#include <gputime/cuda/gate.hpp>
#include <gputime/core/host_clock.hpp>
#include <gputime/core/host_context.hpp>
#include <gputime/measure/idle_gap_sweep.hpp>
#include <gputime/cuda/l2_flush.hpp>
#include <gputime/measure/layer_profiler.hpp>
#include <gputime/cuda/mock_kernels.cuh>
#include <gputime/cuda/nvtx.hpp>
#include <gputime/report/text.hpp>
#include <gputime/core/scoped_timer.hpp>
#include <gputime/stats/stats.hpp>
#include <gputime/cuda/stream_join.hpp>
#include <gputime/cuda/telemetry.hpp>
#include <gputime/measure/warmup_runner.hpp>

#include <cuda_runtime.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

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
    double first_call_min_us = 20.0;
    double l2_min_ratio = 1.0;
    std::string json_path;
    std::string child;        // --child MODE: run one child check and exit
    bool probe_only = false;  // --probe: say whether a GPU is usable, run nothing
};

struct Check {
    std::string name;
    std::string status;  // pass, fail, skip
    std::string detail;
    std::vector<std::pair<std::string, double>> values;
};

using Values = std::vector<std::pair<std::string, double>>;

struct Report {
    std::vector<Check> checks;
    std::vector<std::string> info_lines;
    std::string telemetry_json;  // a complete JSON value, or empty for null

    void check(bool ok, const std::string& name, const std::string& detail, Values values = {}) {
        add(ok ? "pass" : "fail", name, detail, std::move(values));
    }
    void skip(const std::string& name, const std::string& detail) { add("skip", name, detail, {}); }
    void info(const std::string& text) {
        info_lines.push_back(text);
        std::printf("INFO %s\n", text.c_str());
        std::fflush(stdout);
    }
    int count(const char* status) const {
        return static_cast<int>(std::count_if(checks.begin(), checks.end(), [&](const Check& c) { return c.status == status; }));
    }

private:
    void add(const char* status, const std::string& name, const std::string& detail, Values values) {
        checks.push_back(Check{name, status, detail, std::move(values)});
        std::string upper = status;
        for (char& c : upper) c = static_cast<char>(c - 'a' + 'A');
        std::printf("%s %s: %s\n", upper.c_str(), name.c_str(), detail.c_str());
        std::fflush(stdout);
    }
};

std::string us(Duration d) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f us", d.count() / 1000.0);
    return buffer;
}

std::string format(const char* pattern, double a, double b = 0.0, double c = 0.0, double d = 0.0) {
    char buffer[512];
    std::snprintf(buffer, sizeof buffer, pattern, a, b, c, d);
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

bool within_slack(Duration d, double nominal_us, double slack_us) {
    const double x = d.count() / 1000.0;
    return x >= nominal_us && x <= nominal_us + slack_us;
}

// ---- child processes ------------------------------------------------------------------------------

/// Used by the first-call child only, so that its first launch is the first in the process.
__global__ void first_call_probe_kernel(std::uint64_t duration_ns) {
    const std::uint64_t start = gputime::mock::read_globaltimer_ns();
    while (gputime::mock::read_globaltimer_ns() - start < duration_ns) {
    }
}

int child_first_call() {
    require("cudaFree(0)", cudaFree(nullptr));  // the context, and with EAGER every module, first
    Stream stream;
    gputime::GpuClock clock(stream);
    clock.reserve(8);
    const gputime::RunResult r = gputime::WarmupRunner(clock).warmup(5).iterations(50).run([&] {
        first_call_probe_kernel<<<1, 1, 0, stream>>>(50000);
        require("first_call_probe_kernel<<<>>>", cudaGetLastError());
    });
    std::printf("CHILD first_call_ns=%.0f p50_ns=%.0f overhead_ns=%.0f\n", r.first_call().count(), r.latency.p50().count(),
                r.first_call_overhead().count());
    return 0;
}

int child_fault() {
    require("cudaFree(0)", cudaFree(nullptr));
    Stream stream;
    gputime::GpuClock clock(stream);
    auto runner = gputime::WarmupRunner(clock).warmup(0).iterations(10);
    try {
        runner.run([&](std::size_t call) {
            if (call == 3) {
                require("launch_illegal_address", gputime::mock::launch_illegal_address(stream));
            } else {
                spin(stream, 10us);
            }
        });
    } catch (const gputime::CudaError& e) {
        std::printf("CHILD fault code=%d sticky=%d calls=%zu name=%s call=%s\n", e.code(),
                    gputime::cuda_status::is_sticky(e.code()) ? 1 : 0, runner.result().latency.calls(), e.name().c_str(),
                    e.call().c_str());
        return 0;
    }
    std::printf("CHILD fault code=0 sticky=0 calls=%zu name=none call=none\n", runner.result().latency.calls());
    return 1;
}

int child_nvtx() {
    Stream stream;
    gputime::GpuClock clock(stream);
    gputime::LayerProfiler<gputime::GpuClock, gputime::NvtxRanges> prof(clock, gputime::NvtxRanges{});
    for (int i = 0; i < 10; ++i) {
        auto iteration = prof.iteration();
        {
            auto scope = prof.scope("gputime_validate_conv");
            spin(stream, 100us);
        }
        {
            auto scope = prof.scope("gputime_validate_fc");
            spin(stream, 50us);
        }
    }
    std::printf("CHILD nvtx iterations=%zu\n", prof.profile().iterations());
    return 0;
}

struct ChildResult {
    int status = -1;
    std::string output;
};

std::string self_path() {
    char path[4096] = {};
    const ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    return n > 0 ? std::string(path, static_cast<std::size_t>(n)) : std::string();
}

/// Runs this program again with `--child mode` and the environment assignment `env`.
ChildResult run_child(const std::string& mode, const std::string& env) {
    ChildResult result;
    const std::string self = self_path();
    if (self.empty() || self.find('\'') != std::string::npos) {
        result.output = "cannot name this program for a child process";
        return result;
    }
    const std::string command = env + " '" + self + "' --child " + mode + " 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) {
        result.output = "popen failed";
        return result;
    }
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) result.output += buffer;
    const int status = pclose(pipe);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return result;
}

/// The number after `key=` on the CHILD line, or NaN.
double child_value(const std::string& output, const std::string& key) {
    const std::size_t line = output.find("CHILD ");
    if (line == std::string::npos) return std::nan("");
    const std::size_t at = output.find(" " + key + "=", line);
    if (at == std::string::npos) return std::nan("");
    return std::strtod(output.c_str() + at + key.size() + 2, nullptr);
}

// ---- checks -----------------------------------------------------------------------------------------

void first_call(Report& report, const Options& o) {
    const ChildResult lazy = run_child("first-call", "CUDA_MODULE_LOADING=LAZY");
    const ChildResult eager = run_child("first-call", "CUDA_MODULE_LOADING=EAGER");
    const double lazy_ns = child_value(lazy.output, "overhead_ns");
    const double eager_ns = child_value(eager.output, "overhead_ns");
    if (lazy.status != 0 || std::isnan(lazy_ns)) {
        report.check(false, "first_call_lazy", "child failed (status " + std::to_string(lazy.status) + "): " + lazy.output);
    } else {
        report.check(lazy_ns >= o.first_call_min_us * 1000.0, "first_call_lazy",
                     format("first call %.2f us, steady p50 %.2f us: overhead %.2f us (required >= %.0f us)",
                            child_value(lazy.output, "first_call_ns") / 1000.0, child_value(lazy.output, "p50_ns") / 1000.0,
                            lazy_ns / 1000.0, o.first_call_min_us),
                     {{"overhead_ns", lazy_ns}, {"first_call_ns", child_value(lazy.output, "first_call_ns")},
                      {"p50_ns", child_value(lazy.output, "p50_ns")}});
    }
    if (eager.status != 0 || std::isnan(eager_ns)) {
        report.check(false, "first_call_eager", "child failed (status " + std::to_string(eager.status) + "): " + eager.output);
    } else {
        report.check(!std::isnan(lazy_ns) && eager_ns < lazy_ns, "first_call_eager",
                     format("overhead %.2f us with EAGER module loading, %.2f us with LAZY (EAGER must be lower)",
                            eager_ns / 1000.0, lazy_ns / 1000.0),
                     {{"overhead_ns", eager_ns}, {"lazy_overhead_ns", lazy_ns}});
    }
}

void spin_accuracy(Report& report, const Options& o) {
    Stream stream;
    gputime::GpuClock clock(stream);
    const std::size_t n = static_cast<std::size_t>(o.samples);
    clock.reserve(4 * n + 4);         // every pending pair's events, so the timed loop creates none
    clock.max_pending(2 * n + 16);    // keep them all pending until the read
    gputime::CudaGate gate;
    spin(stream, 0ns);  // load the kernels before anything is timed
    gate.hold(stream);
    gate.release();
    clock.synchronize();
    require("cudaStreamSynchronize", cudaStreamSynchronize(stream));

    Stats spin_stats;
    Stats zero_stats;
    // The gate holds the stream while a chunk is enqueued, so the device reaches every event and
    // kernel only after all of the chunk is queued; chunks keep the launch queue from filling.
    constexpr std::size_t chunk = 128;
    for (std::size_t begin = 0; begin < n; begin += chunk) {
        gate.hold(stream);
        for (std::size_t i = begin; i < std::min(n, begin + chunk); ++i) {
            {
                gputime::ScopedGpuTimer timer(spin_stats, clock);
                spin(stream, 100us);
            }
            {
                gputime::ScopedGpuTimer timer(zero_stats, clock);
                spin(stream, 0ns);
            }
        }
        gate.release();
    }
    const std::size_t pending = clock.pending_count();
    report.check(pending == 2 * n, "deferred_resolution",
                 std::to_string(pending) + " pairs pending before the first read (expected " + std::to_string(2 * n) +
                     "): no scope waited for the GPU",
                 {{"pending", static_cast<double>(pending)}});
    const Duration net = spin_stats.p50() - zero_stats.p50();
    const double error = (net.count() - 100000.0) / 100000.0;
    require("cudaStreamSynchronize", cudaStreamSynchronize(stream));
    const std::uint64_t timeouts = gate.timeouts();
    report.check(std::abs(error) <= o.spin_tolerance && timeouts == 0, "spin_100us",
                 "median 100 us spin " + us(spin_stats.p50()) + ", median 0 ns spin " + us(zero_stats.p50()) +
                     ", difference " + us(net) +
                     format(" (%+.2f%%, allowed +-%.2f%%), gate timeouts %.0f", error * 100.0, o.spin_tolerance * 100.0,
                            static_cast<double>(timeouts)),
                 {{"spin_p50_ns", spin_stats.p50().count()},
                  {"zero_p50_ns", zero_stats.p50().count()},
                  {"difference_ns", net.count()},
                  {"samples", static_cast<double>(n)}});
}

void gate_checks(Report& report, const Options& o) {
    Stream stream;
    gputime::GpuClock clock(stream);
    gputime::CudaGate gate;
    const auto settings = [](auto& runner) { runner.warmup(10).iterations(200); };
    const gputime::GatedTimes spin_times =
        gputime::time_gated(clock, gate, [&] { spin(stream, 100us); }, settings);
    const gputime::GatedTimes zero_times = gputime::time_gated(clock, gate, [&] { spin(stream, 0ns); }, settings);
    std::printf("%s", gputime::gated_table(spin_times).c_str());
    const Duration net = spin_times.device.latency.p50() - zero_times.device.latency.p50();
    const double error = (net.count() - 100000.0) / 100000.0;
    report.check(std::abs(error) <= o.spin_tolerance &&
                     spin_times.end_to_end.latency.p50() > spin_times.device.latency.p50() && gate.timeouts() == 0,
                 "gate",
                 "end to end p50 " + us(spin_times.end_to_end.latency.p50()) + ", device only p50 " +
                     us(spin_times.device.latency.p50()) + ", gated 0 ns spin " + us(zero_times.device.latency.p50()) +
                     format(": spin %+.2f%% off 100 us (allowed +-%.2f%%)", error * 100.0, o.spin_tolerance * 100.0),
                 {{"end_to_end_p50_ns", spin_times.end_to_end.latency.p50().count()},
                  {"device_p50_ns", spin_times.device.latency.p50().count()},
                  {"zero_device_p50_ns", zero_times.device.latency.p50().count()},
                  {"launch_overhead_ns", spin_times.launch_overhead().count()}});

    gputime::CudaGate short_gate(50ms);
    gputime::GatedClock<gputime::GpuClock, gputime::CudaGate> gated(clock, short_gate);
    bool timed_out = false;
    try {
        (void)gputime::WarmupRunner(gated).warmup(0).iterations(3).run([&] {
            spin(stream, 10us);
            require("cudaStreamSynchronize", cudaStreamSynchronize(stream));  // waits for the gate
        });
    } catch (const gputime::TimeoutError&) {
        timed_out = true;
    }
    report.check(timed_out && short_gate.timeouts() == 1, "gate_timeout",
                 std::string(timed_out ? "TimeoutError" : "no TimeoutError") + " from a call that synchronises under a "
                     "50 ms gate; gate timeouts " + std::to_string(short_gate.timeouts()) + " (expected 1)",
                 {{"timeouts", static_cast<double>(short_gate.timeouts())}});
}

void l2_flush(Report& report, const Options& o) {
    Stream stream;
    gputime::GpuClock clock(stream);
    gputime::L2Flush flush(clock);
    const std::size_t bytes = std::max<std::size_t>(flush.bytes() / 4 / 16 * 16, 1 << 20);
    void* data = nullptr;
    unsigned int* sink = nullptr;
    require("cudaMalloc", cudaMalloc(&data, bytes));
    require("cudaMalloc", cudaMalloc(reinterpret_cast<void**>(&sink), sizeof(unsigned int)));
    require("cudaMemset", cudaMemset(data, 1, bytes));
    const auto read = [&] { require("launch_read_bytes", gputime::mock::launch_read_bytes(stream, data, bytes, sink)); };
    const gputime::RunResult hot = gputime::WarmupRunner(clock).warmup(10).iterations(100).run(read);
    const gputime::RunResult cold = gputime::WarmupRunner(clock).warmup(10).iterations(100).between_calls(flush).run(read);
    (void)cudaFree(sink);
    (void)cudaFree(data);
    const double ratio = cold.latency.p50().count() / hot.latency.p50().count();
    report.check(ratio >= o.l2_min_ratio && flush.flushes() == 110, "l2_flush",
                 format("read of %.1f MB (L2 %.1f MB): hot p50 %.2f us, cold p50 %.2f us", bytes / 1e6, flush.bytes() / 1e6,
                        hot.latency.p50().count() / 1000.0, cold.latency.p50().count() / 1000.0) +
                     format(", cold/hot %.2f (required >= %.2f), %.0f flushes (expected 110)", ratio, o.l2_min_ratio,
                            static_cast<double>(flush.flushes())),
                 {{"hot_p50_ns", hot.latency.p50().count()},
                  {"cold_p50_ns", cold.latency.p50().count()},
                  {"bytes", static_cast<double>(bytes)},
                  {"l2_bytes", static_cast<double>(flush.bytes())}});
}

void runner_pool_telemetry(Report& report, const Options& o, int device) {
    Stream stream;
    gputime::GpuClock clock(stream);
    gputime::NvmlOptions nvml_options;
    char bus_id[32] = {};
    if (cudaDeviceGetPCIBusId(bus_id, sizeof bus_id, device) == cudaSuccess) nvml_options.pci_bus_id = bus_id;
    gputime::NvmlTelemetry nvml(nvml_options);
    gputime::TelemetrySampler sampler(nvml);
    auto run = [&] {
        return gputime::WarmupRunner(clock).warmup(10).iterations(200).name("spin 100 us, latency mode").between_calls(sampler).run(
            [&] { spin(stream, 100us); });
    };
    const gputime::RunResult r = run();
    std::cout << r;
    report.check(within_slack(r.latency.p50(), 100.0, o.latency_slack_us) && r.enqueue.p50() < r.latency.p50(),
                 "warmup_runner",
                 format("p50 %.2f us (allowed 100 to %.0f us), enqueue p50 %.2f us (must be below p50)",
                        r.latency.p50().count() / 1000.0, 100.0 + o.latency_slack_us, r.enqueue.p50().count() / 1000.0),
                 {{"p50_ns", r.latency.p50().count()}, {"enqueue_p50_ns", r.enqueue.p50().count()}});

    const gputime::TelemetrySummary t = gputime::summarize_telemetry(r, sampler);
    std::printf("%s", gputime::telemetry_report(t).c_str());
    gputime::detail::JsonWriter w(0);
    gputime::write_telemetry_json(w, t);
    report.telemetry_json = std::move(w).str();
    if (!nvml.available()) {
        report.skip("telemetry", nvml.why_unavailable());
    } else {
        report.check(t.sampled == t.calls && t.sm_clock_max_mhz.value_or(0.0) > 0.0, "telemetry",
                     t.source + ": " + std::to_string(t.sampled) + " of " + std::to_string(t.calls) +
                         " calls sampled, " + std::to_string(t.throttled) + " throttled",
                     {{"sampled", static_cast<double>(t.sampled)},
                      {"throttled", static_cast<double>(t.throttled)},
                      {"sm_clock_max_mhz", t.sm_clock_max_mhz.value_or(0.0)}});
    }

    const std::size_t created = clock.events_created();
    (void)run();
    report.check(clock.events_created() == created, "event_pool",
                 std::to_string(created) + " events created by the first run, " +
                     std::to_string(clock.events_created() - created) + " by the second (expected 0)",
                 {{"created_by_second_run", static_cast<double>(clock.events_created() - created)}});
}

void throughput_and_overflow(Report& report, const Options& o) {
    Stream stream;
    gputime::GpuClock clock(stream);
    const gputime::RunResult r = gputime::WarmupRunner(clock).warmup(10).iterations(200).mode(gputime::RunMode::throughput).run(
        [&] { spin(stream, 100us); });
    report.check(within_slack(r.latency.p50(), 100.0, o.latency_slack_us), "throughput_mode",
                 format("back to back: p50 %.2f us (allowed 100 to %.0f us), %.1f calls/s",
                        r.latency.p50().count() / 1000.0, 100.0 + o.latency_slack_us, r.throughput_per_second()),
                 {{"p50_ns", r.latency.p50().count()}});

    clock.max_pending(16);
    const gputime::RunResult over = gputime::WarmupRunner(clock).warmup(0).iterations(400).mode(gputime::RunMode::throughput).run(
        [&] { spin(stream, 100us); });
    report.check(over.latency.calls() == 400 && clock.pending_count() == 0 &&
                     within_slack(over.latency.p50(), 100.0, o.latency_slack_us),
                 "max_pending_overflow",
                 format("max_pending(16), 400 calls: %.0f delivered, %.0f left pending, p50 %.2f us",
                        static_cast<double>(over.latency.calls()), static_cast<double>(clock.pending_count()),
                        over.latency.p50().count() / 1000.0),
                 {{"delivered", static_cast<double>(over.latency.calls())}, {"p50_ns", over.latency.p50().count()}});
}

void host_clock_vs_events(Report& report, const Options& o) {
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
    report.check(host.p50().count() < o.host_fraction * 1e6 && device.p50().count() >= 1e6 * (1.0 - o.spin_tolerance),
                 "host_clock_vs_events",
                 format("host clock p50 %.2f us (allowed < %.0f us), events p50 %.2f us (allowed >= %.0f us)",
                        host.p50().count() / 1000.0, o.host_fraction * 1000.0, device.p50().count() / 1000.0,
                        1000.0 * (1.0 - o.spin_tolerance)),
                 {{"host_p50_ns", host.p50().count()}, {"events_p50_ns", device.p50().count()}});
}

void join_streams(Report& report, const Options& o) {
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
    report.check(joined_us >= 300.0 && joined_us <= 300.0 + o.join_slack_us && alone_us < 200.0, "join_streams",
                 format("joined p50 %.2f us (allowed 300 to %.0f us), not joined p50 %.2f us (allowed < 200 us)",
                        joined_us, 300.0 + o.join_slack_us, alone_us),
                 {{"joined_p50_ns", joined.p50().count()}, {"alone_p50_ns", alone.p50().count()}});
}

void layer_profiler(Report& report, const Options& o) {
    Stream stream;
    gputime::GpuClock clock(stream);
    gputime::LayerProfiler<gputime::GpuClock, gputime::NvtxRanges> prof(clock, gputime::NvtxRanges{});
    const std::pair<const char*, std::chrono::nanoseconds> layers[] = {{"conv", 100us}, {"pool", 200us}, {"fc", 300us}};
    for (int i = 0; i < 30; ++i) {
        auto iteration = prof.iteration();
        for (const auto& [name, duration] : layers) {
            auto scope = prof.scope(name);
            spin(stream, duration);
        }
    }
    const gputime::LayerProfile& profile = prof.profile();
    bool ok = profile.iterations() == 30;
    std::string detail;
    Values values;
    for (const auto& [name, duration] : layers) {
        const gputime::LayerStats* layer = profile.find(name);
        if (layer == nullptr || layer->time.count() == 0) {
            ok = false;
            detail += std::string(name) + " missing; ";
            continue;
        }
        const double nominal = static_cast<double>(duration.count()) / 1000.0;
        ok = ok && within_slack(layer->time.p50(), nominal, o.latency_slack_us);
        detail += std::string(name) + " p50 " + us(layer->time.p50()) + format(" (allowed %.0f to %.0f us); ", nominal, nominal + o.latency_slack_us);
        values.emplace_back(std::string(name) + "_p50_ns", layer->time.p50().count());
    }
    const double unattributed_us = profile.unattributed().count() > 0 ? profile.unattributed().p50().count() / 1000.0 : 0.0;
    ok = ok && unattributed_us < o.latency_slack_us;
    detail += format("unattributed p50 %.2f us (allowed < %.0f us)", unattributed_us, o.latency_slack_us);
    values.emplace_back("unattributed_p50_ns", unattributed_us * 1000.0);
    report.check(ok, "layer_profiler", detail, std::move(values));
    report.check(gputime::nvtx::available, "nvtx",
                 gputime::nvtx::available ? "built with NVTX3: every scope above was also an NVTX range"
                                          : "built without NVTX3 (GPUTIME_NO_NVTX, or the toolkit's nvtx3 headers missing)");
}

void default_stream(Report& report, const Options& o) {
    gputime::GpuClock clock;  // stream 0: the legacy default stream
    const gputime::RunResult r = gputime::WarmupRunner(clock).warmup(10).iterations(100).run([&] { spin(nullptr, 100us); });
    report.check(within_slack(r.latency.p50(), 100.0, o.latency_slack_us), "default_stream",
                 format("legacy default stream: p50 %.2f us (allowed 100 to %.0f us)", r.latency.p50().count() / 1000.0,
                        100.0 + o.latency_slack_us),
                 {{"p50_ns", r.latency.p50().count()}});
}

void devices(Report& report, const Options& o, int count, int home) {
    if (count < 2) {
        report.skip("devices", "one device: the multi-device check needs two or more");
        return;
    }
    bool ok = true;
    std::string detail;
    Values values;
    for (int d = 0; d < count; ++d) {
        require("cudaSetDevice", cudaSetDevice(d));
        {
            Stream stream;
            gputime::GpuClock clock(stream);
            const gputime::RunResult r = gputime::WarmupRunner(clock).warmup(10).iterations(100).run([&] { spin(stream, 100us); });
            ok = ok && within_slack(r.latency.p50(), 100.0, o.latency_slack_us);
            detail += "device " + std::to_string(d) + " p50 " + us(r.latency.p50()) + "; ";
            values.emplace_back("device" + std::to_string(d) + "_p50_ns", r.latency.p50().count());
        }
    }
    require("cudaSetDevice", cudaSetDevice(home));
    report.check(ok, "devices", detail + format("allowed 100 to %.0f us", 100.0 + o.latency_slack_us), std::move(values));
}

void fault_in_child(Report& report) {
    const ChildResult child = run_child("fault", "CUDA_MODULE_LOADING=LAZY");
    const double code = child_value(child.output, "code");
    const double calls = child_value(child.output, "calls");
    report.check(child.status == 0 && calls == 3.0, "fault_in_child",
                 format("child exit %.0f: CUDA error %.0f, sticky, %.0f calls kept (expected 3); ",
                        static_cast<double>(child.status), code, calls) +
                     child.output.substr(0, child.output.find('\n')),
                 {{"code", code}, {"calls_kept", calls}});
}

void idle_gap_info(Report& report) {
    Stream stream;
    gputime::GpuClock clock(stream);
    constexpr std::uint64_t cycles = 2000000;
    require("launch_spin_cycles", gputime::mock::launch_spin_cycles(stream, 1000));  // load it
    auto runner = gputime::WarmupRunner(clock).warmup(5).iterations(30);
    const std::vector<gputime::IdleGapPoint> points = gputime::sweep_idle_gaps(
        runner, {0ms, 50ms}, [&] { require("launch_spin_cycles", gputime::mock::launch_spin_cycles(stream, cycles)); });
    std::printf("%s", gputime::idle_gap_table(points, gputime::read_host_context()).c_str());
    report.info(format("idle_gap: 2e6-cycle spin p50 %.1f us back to back (%.0f MHz), %.1f us after 50 ms gaps (%.0f MHz)",
                       points[0].result.latency.p50().count() / 1000.0,
                       cycles / (points[0].result.latency.p50().count() / 1000.0),
                       points[1].result.latency.p50().count() / 1000.0,
                       cycles / (points[1].result.latency.p50().count() / 1000.0)));
}

// ---- options and output -------------------------------------------------------------------------------

bool parse(int argc, char** argv, Options& o) {
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--probe") {
            o.probe_only = true;
            continue;
        }
        if (i + 1 >= argc) return false;
        const std::string text = argv[++i];
        if (arg == "--json") {
            o.json_path = text;
            continue;
        }
        if (arg == "--child") {
            o.child = text;
            continue;
        }
        char* end = nullptr;
        const double x = std::strtod(text.c_str(), &end);
        if (end == text.c_str() || *end != '\0' || !(x >= 0.0)) return false;
        if (arg == "--spin-tolerance") o.spin_tolerance = x;
        else if (arg == "--latency-slack-us") o.latency_slack_us = x;
        else if (arg == "--join-slack-us") o.join_slack_us = x;
        else if (arg == "--host-fraction") o.host_fraction = x;
        else if (arg == "--first-call-min-us") o.first_call_min_us = x;
        else if (arg == "--l2-min-ratio") o.l2_min_ratio = x;
        else if (arg == "--samples" && x >= 1.0 && x <= 1e6) o.samples = static_cast<int>(x);
        else return false;
    }
    return true;
}

struct DeviceFacts {
    bool known = false;
    int index = 0;
    int count = 0;
    std::string name;
    int major = 0;
    int minor = 0;
    int sms = 0;
    int peak_khz = 0;
    int l2_bytes = 0;
    int runtime_version = 0;
    int driver_version = 0;
};

bool write_json(const std::string& path, const Options& o, const DeviceFacts& device, const Report* report,
                const std::string& skip_reason) {
    if (path.empty()) return true;
    gputime::detail::JsonWriter w;
    const gputime::HostContext host = gputime::read_host_context();
    w.begin_object();
    w.key("schema").value("gputime.validate_gpu/1");
    w.key("skipped").value(report == nullptr);
    if (report == nullptr) w.key("reason").value(skip_reason);
    w.key("date_utc").value(host.date_utc);
    w.key("host").begin_object();
    w.key("name").value(host.host_name);
    w.key("cpu").value(host.cpu_model);
    w.key("governor").value(host.scaling_governor);
    w.end_object();
    w.key("device");
    if (device.known) {
        w.begin_object();
        w.key("index").value(device.index);
        w.key("name").value(device.name);
        w.key("compute_capability").value(std::to_string(device.major) + "." + std::to_string(device.minor));
        w.key("sms").value(device.sms);
        w.key("peak_sm_clock_mhz").value(device.peak_khz / 1000.0);
        w.key("l2_bytes").value(device.l2_bytes);
        w.key("device_count").value(device.count);
        w.key("cuda_runtime").value(device.runtime_version);
        w.key("cuda_driver").value(device.driver_version);
        w.end_object();
    } else {
        w.null();
    }
    w.key("options").begin_object();
    w.key("spin_tolerance").value(o.spin_tolerance);
    w.key("latency_slack_us").value(o.latency_slack_us);
    w.key("join_slack_us").value(o.join_slack_us);
    w.key("host_fraction").value(o.host_fraction);
    w.key("samples").value(o.samples);
    w.key("first_call_min_us").value(o.first_call_min_us);
    w.key("l2_min_ratio").value(o.l2_min_ratio);
    w.end_object();
    w.key("checks").begin_array();
    if (report != nullptr) {
        for (const Check& c : report->checks) {
            w.begin_object();
            w.key("name").value(c.name);
            w.key("status").value(c.status);
            w.key("detail").value(c.detail);
            w.key("values").begin_object();
            for (const auto& [name, value] : c.values) w.key(name).value(value);
            w.end_object();
            w.end_object();
        }
    }
    w.end_array();
    w.key("info").begin_array();
    if (report != nullptr)
        for (const std::string& line : report->info_lines) w.value(line);
    w.end_array();
    w.key("telemetry");
    if (report != nullptr && !report->telemetry_json.empty()) {
        w.raw(report->telemetry_json);
    } else {
        w.null();
    }
    w.key("passed").value(report != nullptr ? report->count("pass") : 0);
    w.key("failed").value(report != nullptr ? report->count("fail") : 0);
    w.key("skipped").value(report != nullptr ? report->count("skip") : 0);
    w.end_object();
    std::ofstream out(path);
    out << std::move(w).str() << "\n";
    out.close();
    if (!out) {
        std::fprintf(stderr, "validate_gpu: cannot write %s\n", path.c_str());
        return false;
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    Options options;
    if (!parse(argc, argv, options)) {
        std::fprintf(stderr,
                     "usage: validate_gpu [--probe] [--json PATH] [--spin-tolerance F] [--latency-slack-us US]"
                     " [--join-slack-us US] [--host-fraction F] [--samples N] [--first-call-min-us US]"
                     " [--l2-min-ratio R]\n");
        return 2;
    }
    if (!options.child.empty()) {
        try {
            if (options.child == "first-call") return child_first_call();
            if (options.child == "fault") return child_fault();
            if (options.child == "nvtx") return child_nvtx();
        } catch (const std::exception& e) {
            std::printf("CHILD error: %s\n", e.what());
            return 1;
        }
        std::fprintf(stderr, "validate_gpu: unknown --child mode '%s'\n", options.child.c_str());
        return 2;
    }
    DeviceFacts device;
    const cudaError_t status = cudaGetDeviceCount(&device.count);
    if (status != cudaSuccess || device.count == 0) {
        const std::string reason =
            status != cudaSuccess ? std::string(cudaGetErrorString(status)) + " (" + cudaGetErrorName(status) + ")"
                                  : std::string("no CUDA device");
        std::printf("SKIPPED: no GPU: %s\n", reason.c_str());
        return write_json(options.json_path, options, device, nullptr, "no GPU: " + reason) ? 77 : 1;
    }
    cudaDeviceProp prop{};
    if (cudaGetDevice(&device.index) == cudaSuccess && cudaGetDeviceProperties(&prop, device.index) == cudaSuccess &&
        cudaDeviceGetAttribute(&device.peak_khz, cudaDevAttrClockRate, device.index) == cudaSuccess &&
        cudaDeviceGetAttribute(&device.l2_bytes, cudaDevAttrL2CacheSize, device.index) == cudaSuccess) {
        device.known = true;
        device.name = prop.name;
        device.major = prop.major;
        device.minor = prop.minor;
        device.sms = prop.multiProcessorCount;
        (void)cudaRuntimeGetVersion(&device.runtime_version);
        (void)cudaDriverGetVersion(&device.driver_version);
        std::printf("INFO device %d of %d: %s, compute capability %d.%d, %d SMs, peak SM clock %d MHz, L2 %d bytes\n",
                    device.index, device.count, prop.name, prop.major, prop.minor, prop.multiProcessorCount,
                    device.peak_khz / 1000, device.l2_bytes);
    }
    if (options.probe_only) return 0;

    Report report;
    int exit_status = 0;
    try {
        first_call(report, options);  // child processes: nothing launched here yet matters to them
        spin_accuracy(report, options);
        gate_checks(report, options);
        l2_flush(report, options);
        runner_pool_telemetry(report, options, device.index);
        throughput_and_overflow(report, options);
        host_clock_vs_events(report, options);
        join_streams(report, options);
        layer_profiler(report, options);
        default_stream(report, options);
        devices(report, options, device.count, device.index);
        fault_in_child(report);
        idle_gap_info(report);
    } catch (const std::exception& e) {
        report.check(false, "unexpected_error", e.what());
    }
    const int passed = report.count("pass");
    const int failed = report.count("fail");
    std::printf("validate_gpu: %d passed, %d failed, %d skipped\n", passed, failed, report.count("skip"));
    if (!write_json(options.json_path, options, device, &report, "")) exit_status = 1;
    return failed == 0 ? exit_status : 1;
}
