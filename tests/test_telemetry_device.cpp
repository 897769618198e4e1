// SPDX-License-Identifier: MIT
// Telemetry of the right GPU while it works (gputime/cuda/telemetry.hpp): NVML's device found from
// the CUDA device (NVML numbers GPUs in PCI order, CUDA fastest first), and samples taken during
// the calls rather than between them, where the GPU reads idle. A fake NVML with two GPUs, and the
// simulated GPU (sim/telemetry.hpp) with NVML's way of reporting an idle GPU.
#include "support/test_framework.hpp"
#include "support/test_helpers.hpp"

#include <gputime/cuda/event_clock.hpp>
#include <gputime/cuda/telemetry.hpp>
#include <gputime/measure/warmup_runner.hpp>
#include <gputime/sim/runtime.hpp>
#include <gputime/sim/telemetry.hpp>

#include <chrono>
#include <cstring>
#include <string>

using namespace std::chrono_literals;
using gputime::sim::Kernel;
using gputime::sim::Stream;
using SimClock = gputime::CudaEventClock<gputime::sim::Runtime>;
namespace nvml = gputime::detail::nvml;

namespace {
using gputime_test::contains;

// Two GPUs in NVML's (PCI) order: index 0 on bus 0x17, index 1 on bus 0x27, the simulator's bus
// ids of CUDA devices 0 and 1. Each reports its own SM clock, so a sample says which was read.
struct TwoGpus {
    int gpu[2] = {0, 1};
    unsigned opened_index = 99;
    std::string opened_bus_id;
} two;
nvml::Device handle_of(int i) { return reinterpret_cast<nvml::Device>(&two.gpu[i]); }
int index_of(nvml::Device d) { return *reinterpret_cast<int*>(d); }
nvml::Return ok() { return nvml::success; }
const char* error_text(nvml::Return) { return "Not Found"; }
nvml::Return count(unsigned* n) {
    *n = 2;
    return nvml::success;
}
nvml::Return by_index(unsigned i, nvml::Device* d) {
    two.opened_index = i;
    if (i > 1) return static_cast<nvml::Return>(6);
    *d = handle_of(static_cast<int>(i));
    return nvml::success;
}
nvml::Return by_bus_id(const char* bus, nvml::Device* d) {
    two.opened_bus_id = bus;
    if (std::strcmp(bus, "0000:17:00.0") == 0) *d = handle_of(0);
    else if (std::strcmp(bus, "0000:27:00.0") == 0) *d = handle_of(1);
    else return static_cast<nvml::Return>(6);  // NVML_ERROR_NOT_FOUND
    return nvml::success;
}
nvml::Return by_uuid(const char* uuid, nvml::Device* d) {
    if (std::strcmp(uuid, "GPU-aaaa") == 0) *d = handle_of(0);
    else if (std::strcmp(uuid, "GPU-bbbb") == 0) *d = handle_of(1);
    else return static_cast<nvml::Return>(6);
    return nvml::success;
}
nvml::Return uuid_of(nvml::Device d, char* text, unsigned length) {
    std::strncpy(text, index_of(d) == 0 ? "GPU-aaaa" : "GPU-bbbb", length);
    return nvml::success;
}
nvml::Return clock_of(nvml::Device d, nvml::ClockType, unsigned* mhz) {
    *mhz = index_of(d) == 0 ? 1000u : 1111u;
    return nvml::success;
}
nvml::Api two_gpus() {
    two = TwoGpus{};
    nvml::Api api;
    api.init = ok;
    api.shutdown = ok;
    api.error_string = error_text;
    api.handle_by_index = by_index;
    api.handle_by_pci_bus_id = by_bus_id;
    api.clock_info = clock_of;
    api.count = count;
    api.handle_by_uuid = by_uuid;
    api.uuid = uuid_of;
    return api;
}
}  // namespace

TEST_CASE("NVML: the GPU a clock times is found by its PCI bus id, never guessed as NVML's index 0") {
    gputime::sim::Config config;
    config.device_count = 2;
    gputime::sim::Runtime rt(config);
    REQUIRE(rt.set_device(1) == 0);
    const Stream s = rt.create_stream();
    REQUIRE(rt.set_device(0) == 0);
    SimClock clock(rt, s);  // CUDA device 1

    const gputime::NvmlOptions options = gputime::nvml_options_for(clock);
    CHECK(options.pci_bus_id == "0000:27:00.0");
    gputime::NvmlTelemetry nvml(two_gpus(), options);
    REQUIRE(nvml.available());
    CHECK(two.opened_bus_id == "0000:27:00.0");
    CHECK(nvml.device().pci_bus_id == "0000:27:00.0");
    CHECK(nvml.device().uuid == "GPU-bbbb");
    CHECK(nvml.sample()->sm_clock_mhz == 1111.0);  // GPU 1's counters

    // Named by nothing, with two GPUs: NVML's index 0 may be another GPU than CUDA's device 0.
    gputime::NvmlTelemetry guess(two_gpus());
    CHECK_FALSE(guess.available());
    CHECK(contains(guess.why_unavailable(), "NVML sees 2 GPUs and numbers them in PCI order"));
    CHECK(contains(guess.why_unavailable(), "gputime::nvml_options_for(clock)"));
    CHECK(two.opened_index == 99);  // no device was opened

    // By UUID, or by an index given on purpose.
    gputime::NvmlOptions by_uuid;
    by_uuid.pci_bus_id = "GPU-aaaa";
    gputime::NvmlTelemetry first(two_gpus(), by_uuid);
    REQUIRE(first.available());
    CHECK(first.sample()->sm_clock_mhz == 1000.0);
    CHECK(first.device().uuid == "GPU-aaaa");
    CHECK(first.device().pci_bus_id.empty());  // opened by its UUID
    gputime::NvmlOptions by_index;
    by_index.index = 1;
    CHECK(gputime::NvmlTelemetry(two_gpus(), by_index).sample()->sm_clock_mhz == 1111.0);
    by_uuid.pci_bus_id = "GPU-cccc";
    CHECK(gputime::NvmlTelemetry(two_gpus(), by_uuid).why_unavailable() ==
          "NVML not available: nvmlDeviceGetHandleByUUID(\"GPU-cccc\") failed: Not Found (NVML error 6)");
    nvml::Api no_uuid = two_gpus();
    no_uuid.handle_by_uuid = nullptr;
    by_uuid.pci_bus_id = "GPU-aaaa";
    CHECK(gputime::NvmlTelemetry(no_uuid, by_uuid).why_unavailable() ==
          "NVML not available: the NVML function table lacks nvmlDeviceGetHandleByUUID");

    char id[8];
    CHECK(rt.device_pci_bus_id(id, sizeof id, 0) == 1);    // too short for "0000:17:00.0"
    CHECK(rt.device_pci_bus_id(id, sizeof id, 2) == 101);  // no such device
}

TEST_CASE(
    "telemetry: sampled while the calls run, a power cap that binds only under load is seen; between calls the GPU "
    "reads idle") {
    // NVML's way: "GPU idle" as soon as nothing runs, and no power to cap then. The whole run is in
    // a power-cap window at 1320 MHz: each 990 000-cycle kernel runs 750 us instead of 500 us.
    gputime::sim::Config config;
    config.telemetry.idle_between_kernels = true;
    config.throttle.reason = gputime::sim::Throttle::Reason::power;
    config.throttle.start = 0ns;
    config.throttle.end = 1s;
    config.throttle.clock_mhz = 1320.0;
    const auto run = [&](bool during) {
        gputime::sim::Runtime rt(config);
        SimClock clock(rt);
        gputime::sim::Telemetry telemetry(rt);
        gputime::TelemetrySampler sampler(telemetry);
        auto runner = gputime::WarmupRunner(clock).warmup(2).iterations(20);
        if (during) {
            runner.during_calls(sampler);
        } else {
            runner.between_calls(sampler);
        }
        const gputime::RunResult r = runner.run([&] { rt.launch(Stream{}, Kernel::cycles("net", 990000)); });
        CHECK(r.latency.p50().count() == 755000.0);
        return gputime::summarize_telemetry(r, sampler);
    };
    const gputime::TelemetrySummary between = run(false);
    const gputime::TelemetrySummary during = run(true);
    CHECK(between.sampled == 20);
    CHECK(between.throttled == 0);  // every sample: "GPU idle", idle power: the cap is invisible
    CHECK(between.power_max_w == 60.0);
    CHECK(during.sampled == 20);
    CHECK(during.throttled == 20);  // every call ran capped, and every sample says so
    CHECK(during.power == 20);
    CHECK(during.sm_clock_max_mhz == 1320.0);
    CHECK(during.power_max_w == 700.0);
}

TEST_CASE("sim: the device is busy while work runs, and a spinning gate is work") {
    gputime::sim::Runtime rt;
    REQUIRE(rt.launch(Stream{}, Kernel::fixed("a", 100us)) == 0);  // 5..105
    const Stream side = rt.create_stream(gputime::cuda_status::stream_non_blocking);
    REQUIRE(rt.launch(side, Kernel::fixed("b", 200us)) == 0);  // 10..210, overlapping
    rt.host_work(500us);
    REQUIRE(rt.launch(Stream{}, Kernel::fixed("c", 10us)) == 0);  // 515..525
    CHECK_FALSE(rt.device_busy_at(4us));
    CHECK(rt.device_busy_at(5us));
    CHECK(rt.device_busy_at(150us));
    CHECK_FALSE(rt.device_busy_at(210us));
    CHECK(rt.device_busy_at(520us));
    CHECK_FALSE(rt.device_busy_at(525us));
    REQUIRE(rt.gate_hold(Stream{}, 1ms) == 0);  // spins from 530
    CHECK(rt.device_busy_at(900us));
    REQUIRE(rt.gate_release() == 0);
}

TEST_CASE("sim: without a busy history, device_busy_at refuses to answer, and NVML-style idleness is refused") {
    gputime::sim::Config config;
    config.busy_history = false;  // a long run's bookkeeping stays small: no interval per idle gap
    gputime::sim::Runtime rt(config);
    REQUIRE(rt.launch(Stream{}, Kernel::fixed("a", 100us)) == 0);
    const gputime::InvalidArgument e = gputime_test::invalid_argument_of([&] { (void)rt.device_busy_at(50us); });
    CHECK(e.parameter() == "config.busy_history");
    config.telemetry.idle_between_kernels = true;  // it reads the history that is not kept
    const gputime::InvalidArgument refused =
        gputime_test::invalid_argument_of([&] { gputime::sim::Runtime other(config); });
    CHECK(refused.parameter() == "config.telemetry.idle_between_kernels");
}
