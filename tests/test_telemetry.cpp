// SPDX-License-Identifier: MIT
// Clock telemetry (gputime/cuda/telemetry.hpp): the NVML source without NVML and against a fake
// function table, and the simulated GPU's telemetry model (sim/telemetry.hpp), exactly.
//
// The exact loops below time each call with ScopedGpuTimer and a stream synchronize (host =
// stream tail + 1 us), so every host time is a sum of the simulator's round costs: a launch 5 us,
// any other call 1 us. The clock reserves its events first (device count 1 us + 1 us per event).
// With a 990 000-cycle kernel (500 us at 1980 MHz, 1000 us at 990 MHz) one iteration lasts
// 1 (record) + 5 (launch) + kernel + 1 (synchronize) = kernel + 7 us, and the timer measures
// 5 us of launch latency + the kernel.
#include "support/json_checker.hpp"
#include "support/test_framework.hpp"
#include "support/test_helpers.hpp"

#include <gputime/core/error.hpp>
#include <gputime/core/host_context.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/cuda/telemetry.hpp>
#include <gputime/measure/warmup_runner.hpp>
#include <gputime/report/detail/json_writer.hpp>
#include <gputime/report/json_report.hpp>
#include <gputime/report/telemetry_text.hpp>
#include <gputime/sim/runtime.hpp>
#include <gputime/sim/telemetry.hpp>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using gputime::sim::Kernel;
using gputime::sim::Stream;
using SimClock = gputime::CudaEventClock<gputime::sim::Runtime>;
namespace nvml = gputime::detail::nvml;

namespace {
double us(double x) { return x * 1000.0; }
using gputime_test::contains;

// Each iteration: the sampler (before the call, as a between_calls hook), an optional idle gap,
// a timed launch, a synchronize. Call 0 is the first call, the rest the steady samples.
template <class Sampler>
gputime::RunResult timed_loop(gputime::sim::Runtime& rt, SimClock& clock, Sampler& sampler, const Kernel& kernel,
                              int calls, std::chrono::nanoseconds gap = 0ns) {
    gputime::RunResult r;
    r.device_timed = true;
    clock.reserve(2 * static_cast<std::size_t>(calls));  // pairs stay pending until read: no event created inside
    for (int i = 0; i < calls; ++i) {
        sampler(static_cast<std::size_t>(i));
        if (gap.count() > 0) rt.host_work(gap);
        {
            gputime::ScopedGpuTimer timer(r.latency, clock);
            rt.launch(Stream{}, kernel);
        }
        rt.stream_synchronize(Stream{});
    }
    return r;
}

// ---- a fake NVML -------------------------------------------------------------------------------
struct FakeNvml {
    nvml::Return init = nvml::success;
    nvml::Return handle = nvml::success;
    nvml::Return clocks = nvml::success;
    nvml::Return power = nvml::success;
    int inits = 0;
    int shutdowns = 0;
    unsigned index = 99;
    std::string bus_id;
    unsigned temperature_version = 0;
};
FakeNvml fake;
nvml::Device fake_device() { return reinterpret_cast<nvml::Device>(&fake); }
nvml::Return fake_init() {
    ++fake.inits;
    return fake.init;
}
nvml::Return fake_shutdown() {
    ++fake.shutdowns;
    return nvml::success;
}
const char* fake_error_string(nvml::Return code) {
    return static_cast<int>(code) == 9 ? "Driver Not Loaded" : "Unknown Error";
}
nvml::Return fake_by_index(unsigned index, nvml::Device* device) {
    fake.index = index;
    *device = fake_device();
    return fake.handle;
}
nvml::Return fake_by_bus_id(const char* bus_id, nvml::Device* device) {
    fake.bus_id = bus_id;
    *device = fake_device();
    return fake.handle;
}
nvml::Return fake_name(nvml::Device, char* name, unsigned length) {
    std::strncpy(name, "Fake GPU 80GB", length);
    return nvml::success;
}
nvml::Return fake_clock(nvml::Device device, nvml::ClockType type, unsigned* mhz) {
    if (device != fake_device()) return static_cast<nvml::Return>(2);
    *mhz = type == nvml::clock_sm ? 1410u : 2619u;
    return fake.clocks;
}
nvml::Return fake_max_clock(nvml::Device, nvml::ClockType, unsigned* mhz) {
    *mhz = 1980;
    return nvml::success;
}
nvml::Return fake_reasons(nvml::Device, unsigned long long* reasons) {
    *reasons = gputime::clock_event::sw_power_cap;
    return nvml::success;
}
nvml::Return fake_temperature_v(nvml::Device, nvml::TemperatureV1* t) {
    fake.temperature_version = t->version;
    t->temperature = 71;
    return nvml::success;
}
nvml::Return fake_temperature(nvml::Device, nvml::TemperatureSensor, unsigned* celsius) {
    *celsius = 64;
    return nvml::success;
}
nvml::Return fake_power(nvml::Device, unsigned* milliwatts) {
    *milliwatts = 312500;
    return fake.power;
}
nvml::Return fake_driver(char* version, unsigned length) {
    std::strncpy(version, "555.42.06", length);
    return nvml::success;
}
nvml::Api fake_api() {
    fake = FakeNvml{};
    nvml::Api api;
    api.init = fake_init;
    api.shutdown = fake_shutdown;
    api.error_string = fake_error_string;
    api.handle_by_index = fake_by_index;
    api.handle_by_pci_bus_id = fake_by_bus_id;
    api.name = fake_name;
    api.clock_info = fake_clock;
    api.max_clock_info = fake_max_clock;
    api.clock_event_reasons = fake_reasons;
    api.temperature_v = fake_temperature_v;
    api.temperature = fake_temperature;
    api.power_usage = fake_power;
    api.driver_version = fake_driver;
    return api;
}
}  // namespace

// ---- NVML ------------------------------------------------------------------------------------

TEST_CASE("NVML: without libnvidia-ml.so.1 the source says so, and a run goes on without telemetry") {
    gputime::NvmlTelemetry nvml;
    if (nvml.available()) {
        const std::string note = "NVML is present on this machine (" + nvml.device().source +
                                 "): the unavailable path is checked with a library name that does not exist below";
        WARN(note.c_str());
        const std::optional<gputime::TelemetrySample> s = nvml.sample();
        REQUIRE(s.has_value());
        CHECK(s->sm_clock_mhz.has_value());
    } else {
        CHECK(nvml.why_unavailable() == "NVML not available: libnvidia-ml.so.1 not found");
        CHECK_FALSE(nvml.sample().has_value());
    }

    gputime::NvmlTelemetry missing(gputime::NvmlOptions{"libgputime-no-such-nvml.so.1", 0, ""});
    CHECK_FALSE(missing.available());
    CHECK(missing.why_unavailable() == "NVML not available: libgputime-no-such-nvml.so.1 not found");
    gputime::TelemetrySampler sampler(missing);
    gputime::sim::Runtime rt;
    SimClock clock(rt);
    const gputime::RunResult r = gputime::WarmupRunner(clock).warmup(1).iterations(10).between_calls(sampler).run(
        [&] { rt.launch(Stream{}, Kernel::fixed("k", 100us)); });
    CHECK(r.latency.p50().count() == us(105));  // measured as without a sampler
    CHECK(sampler.entries().empty());
    const gputime::TelemetrySummary t = gputime::summarize_telemetry(r, sampler);
    CHECK(t.unavailable == "NVML not available: libgputime-no-such-nvml.so.1 not found");
    CHECK(t.calls == 10);
    CHECK(t.sampled == 0);
    CHECK(gputime::hints(t).empty());
    CHECK(gputime::to_text(t) == "  telemetry    none: NVML not available: libgputime-no-such-nvml.so.1 not found\n");
}

TEST_CASE("NVML: a library that is not NVML is refused by name") {
    // glibc's libm is on every Linux machine this builds on, and has no nvmlInit_v2.
    gputime::NvmlTelemetry not_nvml(gputime::NvmlOptions{"libm.so.6", 0, ""});
    CHECK(not_nvml.why_unavailable() == "NVML not available: libm.so.6 lacks nvmlInit_v2");
    CHECK_FALSE(not_nvml.sample().has_value());
}

TEST_CASE("NVML: every metric, read through the function table") {
    {
        gputime::NvmlTelemetry nvml(fake_api());
        REQUIRE(nvml.available());
        CHECK(nvml.why_unavailable().empty());
        CHECK(fake.inits == 1);
        CHECK(fake.index == 0);
        const gputime::TelemetryDevice d = nvml.device();
        CHECK(d.source == "NVML (driver 555.42.06)");
        CHECK(d.name == "Fake GPU 80GB");
        CHECK(d.max_sm_clock_mhz == 1980.0);
        CHECK_FALSE(d.clocks_locked.has_value());
        const std::optional<gputime::TelemetrySample> s = nvml.sample();
        REQUIRE(s.has_value());
        CHECK(s->sm_clock_mhz == 1410.0);
        CHECK(s->memory_clock_mhz == 2619.0);
        CHECK(s->clock_event_reasons == gputime::clock_event::sw_power_cap);
        CHECK(s->temperature_c == 71.0);
        CHECK(fake.temperature_version == (static_cast<unsigned>(sizeof(nvml::TemperatureV1)) | (1u << 24)));
        CHECK(s->power_w == 312.5);
        CHECK(s->time.count() > 0);
    }
    CHECK(fake.shutdowns == 1);  // once, by the destructor

    SECTION("a device by PCI bus id; metrics that fail are absent; the older temperature call") {
        nvml::Api api = fake_api();
        api.temperature_v = nullptr;
        api.clock_event_reasons = nullptr;
        gputime::NvmlTelemetry nvml(api, gputime::NvmlOptions{"", 0, "0000:65:00.0"});
        REQUIRE(nvml.available());
        CHECK(fake.bus_id == "0000:65:00.0");
        fake.clocks = static_cast<nvml::Return>(3);  // NVML_ERROR_NOT_SUPPORTED
        fake.power = static_cast<nvml::Return>(3);
        const std::optional<gputime::TelemetrySample> s = nvml.sample();
        REQUIRE(s.has_value());
        CHECK_FALSE(s->sm_clock_mhz.has_value());
        CHECK_FALSE(s->memory_clock_mhz.has_value());
        CHECK_FALSE(s->power_w.has_value());
        CHECK_FALSE(s->clock_event_reasons.has_value());
        CHECK(s->temperature_c == 64.0);
    }
}

TEST_CASE("NVML: each failure leaves the source unavailable, saying where it failed") {
    SECTION("init") {
        nvml::Api api = fake_api();
        fake.init = static_cast<nvml::Return>(9);  // NVML_ERROR_DRIVER_NOT_LOADED
        gputime::NvmlTelemetry nvml(api);
        CHECK(nvml.why_unavailable() == "NVML not available: nvmlInit_v2 failed: Driver Not Loaded (NVML error 9)");
        CHECK_FALSE(nvml.sample().has_value());
    }
    SECTION("the device, by index: NVML is shut down again") {
        nvml::Api api = fake_api();
        fake.handle = static_cast<nvml::Return>(2);  // NVML_ERROR_INVALID_ARGUMENT
        {
            gputime::NvmlTelemetry nvml(api, gputime::NvmlOptions{"", 3, ""});
            CHECK(nvml.why_unavailable() ==
                  "NVML not available: nvmlDeviceGetHandleByIndex_v2(3) failed: Unknown Error (NVML error 2)");
            CHECK(fake.shutdowns == 1);
        }
        CHECK(fake.shutdowns == 1);  // not twice
    }
    SECTION("the device, by PCI bus id") {
        nvml::Api api = fake_api();
        fake.handle = static_cast<nvml::Return>(6);  // NVML_ERROR_NOT_FOUND
        gputime::NvmlTelemetry nvml(api, gputime::NvmlOptions{"", 0, "0000:01:00.0"});
        CHECK(nvml.why_unavailable() ==
              "NVML not available: nvmlDeviceGetHandleByPciBusId_v2(\"0000:01:00.0\") failed: Unknown Error (NVML "
              "error 6)");
    }
    SECTION("a function table without a required function") {
        nvml::Api api = fake_api();
        api.clock_info = nullptr;
        CHECK(gputime::NvmlTelemetry(api).why_unavailable() ==
              "NVML not available: the NVML function table lacks nvmlDeviceGetClockInfo");
        api = fake_api();
        api.handle_by_pci_bus_id = nullptr;
        CHECK(gputime::NvmlTelemetry(api).available());  // needed only for a bus id
        CHECK(gputime::NvmlTelemetry(api, gputime::NvmlOptions{"", 0, "0000:01:00.0"}).why_unavailable() ==
              "NVML not available: the NVML function table lacks nvmlDeviceGetHandleByPciBusId_v2");
        CHECK(fake.inits == 1);  // the first one only: nothing is called without the whole table
    }
}

// ---- the simulated GPU's telemetry ----------------------------------------------------------------

TEST_CASE("sim telemetry: a thermal throttle window caps the clock, its calls are flagged and can be discarded") {
    // Clocks locked (no DVFS): 1980 MHz, capped to 990 MHz from 2049 us to 5070 us. Iterations
    // start at 21 us (device count 1 + 20 reserved events), 507 us apart (500 us kernels);
    // iteration 4 starts at 2049 us, inside the window: its sample and its 1000 us kernel are
    // capped, and so are 5 (3056 us) and 6 (4063 us: kernel 4069..5069); 7 starts at 5070 us.
    gputime::sim::Config config;
    config.throttle.reason = gputime::sim::Throttle::Reason::thermal;
    config.throttle.start = 2049us;
    config.throttle.end = 5070us;
    gputime::sim::Runtime rt(config);
    SimClock clock(rt);
    gputime::sim::Telemetry telemetry(rt);
    gputime::TelemetrySampler sampler(telemetry);
    const gputime::RunResult r = timed_loop(rt, clock, sampler, Kernel::cycles("net", 990000), 10);

    REQUIRE(sampler.entries().size() == 10);
    CHECK(sampler.entries()[3].sample.time.count() == us(1542));
    CHECK(sampler.entries()[4].sample.time.count() == us(2049));
    CHECK(sampler.entries()[7].sample.time.count() == us(5070));
    CHECK(r.latency.first_call().count() == us(505));
    const std::vector<double> expected{505, 505, 505, 1005, 1005, 1005, 505, 505, 505};  // calls 1..9
    REQUIRE(r.latency.samples().size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) CHECK(r.latency.samples()[i].count() == us(expected[i]));

    const gputime::TelemetrySample& capped = sampler.entries()[5].sample;
    CHECK(capped.sm_clock_mhz == 990.0);
    CHECK(capped.clock_event_reasons == gputime::clock_event::sw_thermal_slowdown);
    CHECK(capped.temperature_c == 90.0);
    CHECK(capped.power_w == 200.0);  // busy power at half the clock
    const gputime::TelemetrySample& normal = sampler.entries()[8].sample;
    CHECK(normal.sm_clock_mhz == 1980.0);
    CHECK(normal.clock_event_reasons == 0u);
    CHECK(normal.temperature_c == 60.0);
    CHECK(normal.power_w == 400.0);
    CHECK(normal.memory_clock_mhz == 2600.0);

    const gputime::TelemetrySummary t = gputime::summarize_telemetry(r, sampler);
    CHECK(t.source == "simulator");
    CHECK(t.calls == 9);
    CHECK(t.sampled == 9);
    CHECK(t.throttled == 3);
    CHECK(t.thermal == 3);
    CHECK(t.power == 0);
    CHECK(t.low_clock == 0);
    CHECK(t.throttled_calls == std::vector<std::size_t>{4, 5, 6});
    CHECK(t.sm_clock_min_mhz == 990.0);
    CHECK(t.sm_clock_max_mhz == 1980.0);
    CHECK(t.sm_clock_mean_mhz == 1650.0);  // (6 x 1980 + 3 x 990) / 9
    CHECK(t.temperature_max_c == 90.0);
    CHECK(t.power_max_w == 400.0);
    CHECK(t.clocks_locked == true);

    const std::vector<std::string> hints = gputime::hints(t);
    REQUIRE(hints.size() == 1);
    CHECK(hints[0] ==
          "throttled during 33.3% of samples (thermal): 3 of 9 sampled calls ran at a capped clock; "
          "discard_throttled() drops them, or let the GPU cool down and measure again");
    CHECK(gputime::to_text(t) ==
          "  telemetry    simulator, gputime::sim::Runtime: 9 of 9 measured calls sampled\n"
          "               SM clock min 990 MHz   mean 1650 MHz   max 1980 MHz   memory 2600 MHz\n"
          "               temperature max 90 C   power max 400 W   clocks locked\n"
          "  throttled    3 calls (33.3%): thermal\n"
          "  hint: " +
              hints[0] + "\n");

    const gputime::RunResult clean = gputime::discard_throttled(r, t);
    CHECK(clean.latency.count() == 6);
    CHECK(clean.latency.p50().count() == us(505));
    CHECK(clean.latency.max().count() == us(505));
    CHECK(clean.latency.first_call().count() == us(505));
    CHECK(clean.name == "[3 throttled calls discarded]");
    CHECK(r.latency.max().count() == us(1005));  // the original is untouched
}

TEST_CASE("sim telemetry: a power-cap window, through WarmupRunner, flags follow the samples") {
    gputime::sim::Config config;
    config.throttle.reason = gputime::sim::Throttle::Reason::power;
    config.throttle.start = 3ms;
    config.throttle.end = 6ms;
    config.throttle.clock_mhz = 1320.0;
    gputime::sim::Runtime rt(config);
    SimClock clock(rt);
    gputime::sim::Telemetry telemetry(rt);
    gputime::TelemetrySampler sampler(telemetry);
    const gputime::RunResult r = gputime::WarmupRunner(clock).warmup(2).iterations(20).between_calls(sampler).run(
        [&] { rt.launch(Stream{}, Kernel::cycles("net", 990000)); });
    const gputime::TelemetrySummary t = gputime::summarize_telemetry(r, sampler);
    // Whatever the runner's own host costs, a call is flagged exactly when its sample falls in the
    // window, with the power reason and the power limit.
    std::size_t in_window = 0;
    for (const gputime::TelemetryEntry& e : sampler.entries()) {
        const bool inside = e.sample.time >= 3ms && e.sample.time < 6ms;
        if (e.call >= 2 && inside) ++in_window;
        CHECK(e.sample.clock_event_reasons == (inside ? gputime::clock_event::sw_power_cap : 0u));
        CHECK(e.sample.power_w == (inside ? 700.0 : 400.0));
        CHECK(e.sample.sm_clock_mhz == (inside ? 1320.0 : 1980.0));
    }
    CHECK(in_window > 0);
    CHECK(t.throttled == in_window);
    CHECK(t.power == in_window);
    CHECK(t.thermal == 0);
    CHECK(t.sampled == 20);
    CHECK(sampler.entries().size() == 22);  // warm-up calls are sampled too
    REQUIRE(gputime::hints(t).size() == 1);
    CHECK(contains(gputime::hints(t)[0], "of samples (power cap)"));
    // A capped call runs its kernel at 1320 MHz only for the part inside the window; the fully
    // capped ones take 750 us (990 000 cycles / 1.32 GHz) + 5 us.
    const gputime::RunResult clean = gputime::discard_throttled(r, t);
    CHECK(clean.latency.count() == 20 - in_window);
    CHECK(clean.latency.p50().count() == us(505));
    CHECK(r.latency.max().count() == us(755));
}

TEST_CASE("sim telemetry: DVFS means clocks not locked, the gap before a call shows as a low clock") {
    // Clock model on: after a gap over 1 ms the clock wakes at 660 MHz and ramps to 1980 MHz over
    // 2 ms. A 990 000-cycle kernel starting at a wake-up takes exactly 1000 us, and ends at
    // 1320 MHz. Each sample is taken before the gap, 1 us after the previous kernel ended.
    gputime::sim::Config config;
    config.clock.enabled = true;
    gputime::sim::Runtime rt(config);
    SimClock clock(rt);
    gputime::sim::Telemetry telemetry(rt);
    CHECK(telemetry.device().clocks_locked == false);
    gputime::TelemetrySampler sampler(telemetry);
    const gputime::RunResult r = timed_loop(rt, clock, sampler, Kernel::cycles("net", 990000), 5, 5ms);
    for (const gputime::Duration d : r.latency.samples()) CHECK(d.count() == us(1005));
    REQUIRE(sampler.entries().size() == 5);
    CHECK(sampler.entries()[0].sample.sm_clock_mhz == 1980.0);  // before any work: full clock
    // 1001 us after the wake-up: 660 + 1320 * 1001 / 2000 MHz.
    CHECK(sampler.entries()[1].sample.sm_clock_mhz == gputime_test::Approx(1320.66).epsilon(1e-12));
    CHECK(sampler.entries()[1].sample.clock_event_reasons == 0u);
    const gputime::TelemetrySummary t = gputime::summarize_telemetry(r, sampler);
    CHECK(t.clocks_locked == false);
    CHECK(t.throttled == 4);  // below 75% of 1980 MHz, with no idle reason: the DVFS ramp
    CHECK(t.low_clock == 4);
    const std::vector<std::string> hints = gputime::hints(t);
    REQUIRE(hints.size() == 2);
    CHECK(hints[0] ==
          "clocks not locked (the SM clock read 1321 MHz in every sample): the GPU picks its clock from load, "
          "temperature and power, so runs are comparable only under the same conditions; lock them "
          "(nvidia-smi --lock-gpu-clocks) for A/B comparisons, or report the clock with the result");
    CHECK(contains(hints[1], "throttled during 100.0% of samples (SM clock below 75% of 1980 MHz)"));

    // Sampled after the gap instead (a source read late), the device is idle: "GPU idle", not throttled.
    rt.host_work(5ms);
    const std::optional<gputime::TelemetrySample> idle = telemetry.sample();
    REQUIRE(idle.has_value());
    CHECK(idle->clock_event_reasons == gputime::clock_event::gpu_idle);
    CHECK(idle->sm_clock_mhz == 660.0);
    CHECK(idle->temperature_c == 35.0);
    CHECK(idle->power_w == 60.0);
    CHECK(gputime::classify(*idle, 0.75, 1980.0) == gputime::ThrottleKind::none);
}

TEST_CASE("sim telemetry: sampling costs host time between calls, which can let the clock drop") {
    // A 2 ms sample in a tight loop is a 2 ms idle gap before every call: each cycle kernel then
    // starts at a wake-up (1000 us instead of 500 us). Sampled every 8th call, only those calls
    // pay (the next one or two run on the 2 ms ramp back to full clock).
    gputime::sim::Config config;
    config.clock.enabled = true;
    config.telemetry.sample_cost = 2ms;
    const auto run = [&](std::size_t every) {
        gputime::sim::Runtime rt(config);
        SimClock clock(rt);
        gputime::sim::Telemetry telemetry(rt);
        gputime::TelemetrySampler sampler(telemetry, every);
        const gputime::RunResult r = gputime::WarmupRunner(clock).warmup(3).iterations(40).between_calls(sampler).run(
            [&] { rt.launch(Stream{}, Kernel::cycles("net", 990000)); });
        return std::make_pair(r, sampler.entries().size());
    };
    const auto every_call = run(1);
    const auto every_eighth = run(8);
    CHECK(every_call.first.latency.p50().count() == us(1005));
    CHECK(every_call.second == 43);
    CHECK(every_eighth.second == 6);  // calls 0, 8, ..., 40
    CHECK(every_eighth.first.latency.p50().count() == us(505));
    std::size_t woken = 0;
    for (const gputime::Duration d : every_eighth.first.latency.samples()) woken += d.count() == us(1005) ? 1 : 0;
    CHECK(woken == 5);  // the measured calls sampled: 8, 16, 24, 32, 40
}

TEST_CASE("telemetry: classification, reason names, JSON, host hints, bad input") {
    gputime::TelemetrySample s;
    s.sm_clock_mhz = 1400.0;
    CHECK(gputime::classify(s, 0.75, 1980.0) == gputime::ThrottleKind::low_clock);  // 1400 < 1485
    CHECK(gputime::classify(s, 0.75, std::nullopt) == gputime::ThrottleKind::none);
    s.clock_event_reasons = gputime::clock_event::gpu_idle;
    CHECK(gputime::classify(s, 0.75, 1980.0) == gputime::ThrottleKind::none);
    s.clock_event_reasons = gputime::clock_event::hw_slowdown | gputime::clock_event::sw_power_cap;
    CHECK(gputime::classify(s, 0.75, 1980.0) == gputime::ThrottleKind::thermal_and_power);
    s.clock_event_reasons = gputime::clock_event::hw_power_brake_slowdown;
    CHECK(gputime::classify(s, 0.75, 1980.0) == gputime::ThrottleKind::power);

    CHECK(gputime::clock_event::describe(0) == "none");
    CHECK(gputime::clock_event::describe(0x25) == "GPU idle, SW power cap, SW thermal slowdown");
    CHECK(gputime::clock_event::describe(0x1000 | 0x2) == "applications clocks setting, 0x1000");

    // The applications-clocks reason in the samples says the clocks are held (locked).
    gputime::RunResult r;
    r.latency.add(gputime::Duration(1000.0));
    r.latency.add(gputime::Duration(1000.0));
    gputime::TelemetrySample held;
    held.sm_clock_mhz = 1500.0;
    held.clock_event_reasons = gputime::clock_event::applications_clocks_setting;
    gputime::TelemetryDevice device;
    device.source = "test";
    device.max_sm_clock_mhz = 1980.0;
    gputime::TelemetrySummary t = gputime::summarize_telemetry(r, {{1, held}}, device);
    CHECK(t.clocks_locked == true);
    CHECK(t.throttled == 0);
    held.clock_event_reasons = 0;
    t = gputime::summarize_telemetry(r, {{0, held}, {1, held}}, device);  // call 0 is the first call: not counted
    CHECK(t.sampled == 1);
    CHECK(t.clocks_locked == false);
    CHECK(t.low_clock == 0);  // 1500 >= 1485
    t = gputime::summarize_telemetry(r, {{1, held}}, device, gputime::ThrottleRule{0.8, std::nullopt});
    CHECK(t.low_clock == 1);  // 1500 < 0.8 x 1980
    CHECK(gputime::discard_throttled(r, t).latency.count() == 0);
    t = gputime::summarize_telemetry(r, {{1, held}}, device, gputime::ThrottleRule{0.75, 1000.0});
    CHECK(t.expected_clock_mhz == 1000.0);
    CHECK(t.throttled == 0);

    gputime::detail::JsonWriter w;
    gputime::detail::write_telemetry(
        w, gputime::summarize_telemetry(r, {{1, held}}, device, gputime::ThrottleRule{0.8, std::nullopt}));
    const std::string json = std::move(w).str();
    INFO(json);
    const gputime_test::JsonValue doc = gputime_test::parse_json(json);
    CHECK(doc["source"].string == "test");
    CHECK(doc["available"].boolean);
    CHECK(doc["low_clock"].number == 1.0);
    CHECK(doc["throttled_calls"][0].number == 1.0);
    CHECK(doc["sm_clock_max_mhz"].number == 1500.0);
    CHECK(doc["temperature_max_c"].is_null());
    CHECK(doc["clocks_locked"].kind == gputime_test::JsonValue::Kind::boolean);
    CHECK_FALSE(doc["clocks_locked"].boolean);
    CHECK(doc["hints"].array.size() == 2);

    gputime::HostContext host;
    host.scaling_governor = "powersave";
    const std::vector<std::string> with_host = gputime::hints(t, host);
    REQUIRE(with_host.size() == 2);  // not locked + the governor
    CHECK(with_host[1] == gputime::host_hints(host)[0]);

    gputime::sim::Runtime rt;
    gputime::sim::Telemetry telemetry(rt);
    try {
        gputime::TelemetrySampler bad(telemetry, 0);
        FAIL("no InvalidArgument");
    } catch (const gputime::InvalidArgument& e) {
        CHECK(e.parameter() == "every");
    }
    gputime::TelemetrySampler sampler(telemetry, 3);
    for (std::size_t call = 0; call < 7; ++call) sampler(call);
    CHECK(sampler.entries().size() == 3);  // 0, 3, 6
    sampler(0);                            // a new run starts afresh
    CHECK(sampler.entries().size() == 1);

    gputime::sim::Config bad_config;
    bad_config.throttle.start = 2ms;
    bad_config.throttle.end = 1ms;
    CHECK_THROWS_AS(gputime::sim::Runtime{bad_config}, std::invalid_argument);
    bad_config.throttle.end = 3ms;
    bad_config.throttle.clock_mhz = 0.0;
    CHECK_THROWS_AS(gputime::sim::Runtime{bad_config}, std::invalid_argument);
    bad_config.throttle.clock_mhz = 990.0;
    bad_config.telemetry.sample_cost = -1ns;
    CHECK_THROWS_AS(gputime::sim::Runtime{bad_config}, std::invalid_argument);
}
