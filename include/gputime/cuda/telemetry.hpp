// SPDX-License-Identifier: MIT
// gputime/cuda/telemetry.hpp - what the GPU's clocks did during a measurement: SM and memory clock,
// temperature, power and the clock-event ("throttle") reasons, sampled while the calls run.
//
//   gputime::NvmlTelemetry nvml(gputime::nvml_options_for(clock));  // dlopen("libnvidia-ml.so.1"); the clock's GPU
//   gputime::TelemetrySampler sampler(nvml);
//   auto result = gputime::WarmupRunner(clock).during_calls(sampler).run(fn);
//   gputime::TelemetrySummary t = gputime::summarize_telemetry(result, sampler);
//   auto clean = gputime::discard_throttled(result, t);   // the run without its throttled calls
//
// docs/telemetry.md, "Clock telemetry".
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/core/error.hpp>
#include <gputime/cuda/detail/nvml_loader.hpp>
#include <gputime/cuda/telemetry_summary.hpp>
#include <gputime/measure/run_result.hpp>
#include <gputime/stats/stats.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace gputime {

/// NVML's clock-event reason bits (nvmlClocksEventReason*, formerly nvmlClocksThrottleReason*;
/// the values are stable across NVML releases).
namespace clock_event {
inline constexpr std::uint64_t gpu_idle = 0x1;                     ///< nothing runs; the clock drops
inline constexpr std::uint64_t applications_clocks_setting = 0x2;  ///< capped by application/locked clocks
inline constexpr std::uint64_t sw_power_cap = 0x4;                 ///< the power limit
inline constexpr std::uint64_t hw_slowdown = 0x8;                  ///< hardware slowdown (temperature, power brake)
inline constexpr std::uint64_t sync_boost = 0x10;                  ///< held to the clock of a sync-boost group
inline constexpr std::uint64_t sw_thermal_slowdown = 0x20;         ///< the driver slows the clock: too hot
inline constexpr std::uint64_t hw_thermal_slowdown = 0x40;         ///< the hardware slows the clock: too hot
inline constexpr std::uint64_t hw_power_brake_slowdown = 0x80;     ///< external power brake (the power supply)
inline constexpr std::uint64_t display_clock_setting = 0x100;      ///< capped by the display clock setting
/// The reasons that mean "too hot" and "too much power": a throttled sample.
inline constexpr std::uint64_t thermal = sw_thermal_slowdown | hw_thermal_slowdown | hw_slowdown;
inline constexpr std::uint64_t power = sw_power_cap | hw_power_brake_slowdown;  ///< The power reasons.

/// "SW thermal slowdown, SW power cap"; "none" for 0; unknown bits as "0x...".
inline std::string describe(std::uint64_t reasons) {
    static constexpr std::pair<std::uint64_t, const char*> names[] = {
        {gpu_idle, "GPU idle"},
        {applications_clocks_setting, "applications clocks setting"},
        {sw_power_cap, "SW power cap"},
        {hw_slowdown, "HW slowdown"},
        {sync_boost, "sync boost"},
        {sw_thermal_slowdown, "SW thermal slowdown"},
        {hw_thermal_slowdown, "HW thermal slowdown"},
        {hw_power_brake_slowdown, "HW power brake slowdown"},
        {display_clock_setting, "display clock setting"},
    };
    if (reasons == 0) return "none";
    std::string out;
    for (const auto& [bit, name] : names) {
        if ((reasons & bit) == 0) continue;
        if (!out.empty()) out += ", ";
        out += name;
        reasons &= ~bit;
    }
    if (reasons != 0) {
        char rest[32];
        std::snprintf(rest, sizeof rest, "0x%llx", static_cast<unsigned long long>(reasons));
        out += (out.empty() ? "" : ", ") + std::string(rest);
    }
    return out;
}
}  // namespace clock_event

/// One reading of the device's counters. A metric the device or driver does not report is
/// absent.
struct TelemetrySample {
    std::chrono::nanoseconds time{0};                  ///< when it was taken, on the source's clock
    std::optional<double> sm_clock_mhz;                ///< SM (graphics) clock [MHz]
    std::optional<double> memory_clock_mhz;            ///< memory clock [MHz]
    std::optional<double> temperature_c;               ///< GPU temperature [degrees C]
    std::optional<double> power_w;                     ///< board power draw [W]
    std::optional<std::uint64_t> clock_event_reasons;  ///< clock_event:: bits
};

/// What a source knows about its device, read once.
struct TelemetryDevice {
    std::string source;                      ///< "NVML (driver 550.54.15)", "simulator"
    std::string name;                        ///< "NVIDIA H100 80GB HBM3"
    std::optional<double> max_sm_clock_mhz;  ///< the expected clock of the 75% rule
    /// True/false when the source knows whether the SM clock is locked; absent when it can only
    /// be inferred from the samples (the applications-clocks reason: see summarize_telemetry).
    std::optional<bool> clocks_locked;
    std::string uuid;        ///< NVML's UUID of the device ("GPU-..."); empty when not read
    std::string pci_bus_id;  ///< the PCI bus id it was opened by; empty when opened otherwise
};

/// A sample and the call (the runner's call index, warm-up included) it was taken before.
struct TelemetryEntry {
    std::size_t call = 0;    ///< The call it was taken before (0: the run's first call).
    TelemetrySample sample;  ///< The reading.
};

namespace detail {
template <class S, class = void>
struct is_telemetry_source : std::false_type {};
template <class S>
struct is_telemetry_source<
    S,
    std::enable_if_t<std::is_convertible<decltype(std::declval<const S&>().available()), bool>::value &&
                     std::is_convertible<decltype(std::declval<const S&>().why_unavailable()), std::string>::value &&
                     std::is_convertible<decltype(std::declval<const S&>().device()), TelemetryDevice>::value &&
                     std::is_convertible<decltype(std::declval<S&>().sample()), std::optional<TelemetrySample>>::value>>
    : std::true_type {};
}  // namespace detail

/// Samples a telemetry source between calls: `runner.between_calls(sampler)`. Copies share the
/// log (between_calls() keeps a copy). The log holds one run: call 0 (every run's first call)
/// starts it afresh. The source must outlive every copy.
template <class Source>
class TelemetrySampler {
    static_assert(detail::is_telemetry_source<Source>::value,
                  "gputime::TelemetrySampler: the source needs available(), why_unavailable(), device() and "
                  "sample() (see gputime/cuda/telemetry.hpp)");

public:
    /// Samples before every `every`-th call (calls 0, every, 2*every, ...). Throws
    /// InvalidArgument (parameter "every") for 0.
    explicit TelemetrySampler(Source& source, std::size_t every = 1) {
        if (every == 0) throw InvalidArgument("TelemetrySampler", "every", "must be >= 1, got 0");
        state_ = std::make_shared<State>(State{&source, every, source.device(), {}});
    }

    /// The between_calls hook: takes a sample before call `call` when it is due.
    void operator()(std::size_t call) {
        State& s = *state_;
        if (call == 0) s.entries.clear();
        if (call % s.every != 0) return;
        if (std::optional<TelemetrySample> sample = s.source->sample()) s.entries.push_back({call, *sample});
    }

    /// The samples of the current run, in call order.
    const std::vector<TelemetryEntry>& entries() const noexcept { return state_->entries; }
    /// The source's device, read when the sampler was made.
    const TelemetryDevice& device() const noexcept { return state_->device; }
    /// The source can sample (NVML loaded, a device found).
    bool available() const { return state_->source->available(); }
    /// Why not, when available() is false ("libnvidia-ml.so.1 not found").
    std::string why_unavailable() const { return state_->source->why_unavailable(); }
    /// The sampling period in calls.
    std::size_t every() const noexcept { return state_->every; }
    /// Forgets every sample (every copy shares the log).
    void clear() noexcept { state_->entries.clear(); }

private:
    struct State {
        Source* source;
        std::size_t every;
        TelemetryDevice device;
        std::vector<TelemetryEntry> entries;
    };
    std::shared_ptr<State> state_;
};

/// `TelemetrySampler sampler(nvml);` deduces the source type.
template <class Source>
TelemetrySampler(Source&) -> TelemetrySampler<Source>;
/// As above, with a sampling period.
template <class Source>
TelemetrySampler(Source&, std::size_t) -> TelemetrySampler<Source>;

/// When a sample counts as throttled (see the header comment).
struct ThrottleRule {
    /// A sample without a thermal/power reason is throttled below this fraction of the
    /// expected clock (nvbench: 0.75).
    double min_clock_fraction = 0.75;
    /// The expected SM clock [MHz]; by default the device's maximum (TelemetryDevice).
    std::optional<double> expected_clock_mhz;
};

/// Why a sample counts as throttled.
enum class ThrottleKind { none, thermal, power, thermal_and_power, low_clock };

/// Classifies one sample; `expected_mhz` absent means no clock rule.
inline ThrottleKind classify(const TelemetrySample& s, double min_clock_fraction, std::optional<double> expected_mhz) {
    const std::uint64_t reasons = s.clock_event_reasons.value_or(0);
    const bool thermal = (reasons & clock_event::thermal) != 0;
    const bool power = (reasons & clock_event::power) != 0;
    if (thermal && power) return ThrottleKind::thermal_and_power;
    if (thermal) return ThrottleKind::thermal;
    if (power) return ThrottleKind::power;
    if ((reasons & clock_event::gpu_idle) != 0) return ThrottleKind::none;  // a clock that dropped while idle
    if (s.sm_clock_mhz && expected_mhz && *s.sm_clock_mhz < min_clock_fraction * *expected_mhz)
        return ThrottleKind::low_clock;
    return ThrottleKind::none;
}

namespace detail {
// The call index of each steady sample of a Stats filled by a runner that made `total_calls`
// calls: the steady samples are its last calls, in order.
inline std::size_t first_steady_call(std::size_t total_calls, std::size_t steady) {
    return total_calls >= steady ? total_calls - steady : 0;
}
}  // namespace detail

/// Matches samples to `run`'s measured calls (by call index) and sums them up. A call with
/// several samples uses the last. `unavailable` is the source's reason when it had none.
inline TelemetrySummary summarize_telemetry(const RunResult& run, const std::vector<TelemetryEntry>& entries,
                                            const TelemetryDevice& device, const ThrottleRule& rule = {},
                                            const std::string& unavailable = {}) {
    TelemetrySummary t;
    t.source = device.source;
    t.device_name = device.name;
    t.unavailable = unavailable;
    t.min_clock_fraction = rule.min_clock_fraction;
    t.expected_clock_mhz = rule.expected_clock_mhz ? rule.expected_clock_mhz : device.max_sm_clock_mhz;
    const std::size_t steady = run.latency.samples().size();
    t.calls = steady;
    const std::size_t first = detail::first_steady_call(run.calls_in_order().size(), steady);
    std::map<std::size_t, const TelemetrySample*> by_call;
    for (const TelemetryEntry& e : entries) by_call[e.call] = &e.sample;
    double clock_sum = 0.0;
    std::size_t clock_count = 0;
    bool reasons_seen = false;
    bool applications_clocks = false;
    const auto keep_max = [](std::optional<double>& into, double x) { into = into ? std::max(*into, x) : x; };
    const auto keep_min = [](std::optional<double>& into, double x) { into = into ? std::min(*into, x) : x; };
    for (auto it = by_call.lower_bound(first); it != by_call.end() && it->first < first + steady; ++it) {
        const TelemetrySample& s = *it->second;
        ++t.sampled;
        if (s.sm_clock_mhz) {
            keep_min(t.sm_clock_min_mhz, *s.sm_clock_mhz);
            keep_max(t.sm_clock_max_mhz, *s.sm_clock_mhz);
            clock_sum += *s.sm_clock_mhz;
            ++clock_count;
        }
        if (s.memory_clock_mhz) t.memory_clock_mhz = s.memory_clock_mhz;
        if (s.temperature_c) keep_max(t.temperature_max_c, *s.temperature_c);
        if (s.power_w) keep_max(t.power_max_w, *s.power_w);
        if (s.clock_event_reasons) {
            reasons_seen = true;
            if ((*s.clock_event_reasons & clock_event::applications_clocks_setting) != 0) applications_clocks = true;
        }
        const ThrottleKind kind = classify(s, rule.min_clock_fraction, t.expected_clock_mhz);
        if (kind == ThrottleKind::none) continue;
        ++t.throttled;
        t.throttled_calls.push_back(it->first);
        if (kind == ThrottleKind::thermal || kind == ThrottleKind::thermal_and_power) ++t.thermal;
        if (kind == ThrottleKind::power || kind == ThrottleKind::thermal_and_power) ++t.power;
        if (kind == ThrottleKind::low_clock) ++t.low_clock;
    }
    if (clock_count > 0) t.sm_clock_mean_mhz = clock_sum / static_cast<double>(clock_count);
    // NVML has no query for "locked": a sample carries the applications-clocks reason while an
    // applications or locked-clocks setting holds the SM clock at its value. So: the source's
    // answer when it knows (TelemetryDevice); else true when a sample carried that reason, false
    // when reasons were read and none did (a clock locked at its maximum, never held down, reads
    // false), absent when no reasons were read.
    if (device.clocks_locked) {
        t.clocks_locked = device.clocks_locked;
    } else if (reasons_seen) {
        t.clocks_locked = applications_clocks;
    }
    return t;
}

/// The same, from a sampler (its device, its entries, its source's reason when unavailable).
template <class Source>
TelemetrySummary summarize_telemetry(const RunResult& run, const TelemetrySampler<Source>& sampler,
                                     const ThrottleRule& rule = {}) {
    return summarize_telemetry(run, sampler.entries(), sampler.device(), rule,
                               sampler.available() ? std::string() : sampler.why_unavailable());
}

/// `run` without the calls `t` counts as throttled: latency and enqueue keep their first call
/// and lose those steady samples; the name says how many were dropped. Other fields are copied
/// as they were.
inline RunResult discard_throttled(const RunResult& run, const TelemetrySummary& t) {
    if (t.throttled_calls.empty()) return run;
    const std::set<std::size_t> dropped(t.throttled_calls.begin(), t.throttled_calls.end());
    const std::size_t total = run.calls_in_order().size();
    const auto filtered = [&](const Stats& in) {
        Stats out;
        if (in.has_first_call()) out.set_first_call(in.first_call());
        const std::vector<Duration>& samples = in.samples();
        const std::size_t first = detail::first_steady_call(total, samples.size());
        for (std::size_t i = 0; i < samples.size(); ++i)
            if (dropped.count(first + i) == 0) out.add_steady(samples[i]);
        return out;
    };
    RunResult out = run;
    out.latency = filtered(run.latency);
    out.enqueue = filtered(run.enqueue);
    out.name += (out.name.empty() ? "" : " ") + std::string("[") + std::to_string(dropped.size()) + " throttled call" +
                (dropped.size() == 1 ? "" : "s") + " discarded]";
    return out;
}

// ---- NVML --------------------------------------------------------------------------------------

/// Which NVML library and device NvmlTelemetry uses. NVML numbers GPUs in PCI order and ignores
/// CUDA_VISIBLE_DEVICES, while CUDA puts the fastest first: name a CUDA device's GPU by its PCI
/// bus id or UUID (nvml_options_for(clock) does). Without either, or an index, NvmlTelemetry takes
/// NVML's only GPU, and refuses to guess when there are several.
struct NvmlOptions {
    std::string library = "libnvidia-ml.so.1";  ///< what dlopen() looks for
    std::optional<unsigned> index;              ///< NVML's device index (when no bus id or UUID is given)
    /// The device with this PCI bus id ("0000:65:00.0", from cudaDeviceGetPCIBusId), or with this
    /// UUID when it starts with "GPU-" or "MIG-" (as NVML and nvidia-smi write it).
    std::string pci_bus_id;
};

namespace detail {
template <class R, class = void>
struct has_device_pci_bus_id : std::false_type {};
template <class R>
struct has_device_pci_bus_id<
    R, std::enable_if_t<std::is_convertible<decltype(std::declval<R&>().device_pci_bus_id(std::declval<char*>(), 0, 0)),
                                            int>::value>> : std::true_type {};
}  // namespace detail

/// `options` naming the GPU that `clock` times (its device's PCI bus id, from the runtime
/// policy's device_pci_bus_id: cudaDeviceGetPCIBusId), so that NVML samples that GPU. Throws
/// CudaError when the bus id cannot be read; a policy without device_pci_bus_id leaves
/// `options` as they are.
template <class Clock>
NvmlOptions nvml_options_for(Clock& clock, NvmlOptions options = {}) {
    auto& runtime = clock.runtime();
    using Runtime = std::remove_reference_t<decltype(runtime)>;
    if constexpr (detail::has_device_pci_bus_id<Runtime>::value) {
        char id[32] = {};
        const int device = clock.device() >= 0 ? clock.device() : 0;
        const int status = runtime.device_pci_bus_id(id, static_cast<int>(sizeof id), device);
        if (status != 0)
            throw CudaError("cudaDeviceGetPCIBusId", status, runtime.error_name(status), runtime.error_string(status));
        options.pci_bus_id = id;
    }
    return options;
}

/// Telemetry from NVML, loaded at run time (see detail/nvml_loader.hpp). Never throws for an
/// absent or failing NVML: it is then unavailable and says why. Not copyable.
class NvmlTelemetry {
public:
    /// Loads options.library with dlopen() and opens the device; unavailable (why_unavailable()
    /// says why) when either fails.
    explicit NvmlTelemetry(NvmlOptions options = {}) : options_(std::move(options)) {
        std::string error;
        if (!library_.open(options_.library, error)) {
            why_ = "NVML not available: " + error;
            return;
        }
        start(library_.api(), options_.library + " lacks ");
    }
    /// With functions given by the caller instead of loaded (tests, or an NVML linked in).
    explicit NvmlTelemetry(const detail::nvml::Api& api, NvmlOptions options = {}) : options_(std::move(options)) {
        start(api, "the NVML function table lacks ");
    }
    ~NvmlTelemetry() {
        if (initialised_) (void)api_.shutdown();
    }
    NvmlTelemetry(const NvmlTelemetry&) = delete;
    NvmlTelemetry& operator=(const NvmlTelemetry&) = delete;

    /// NVML is loaded and the device was found.
    bool available() const noexcept { return why_.empty(); }
    /// Why not, when available() is false ("NVML not available: ...").
    std::string why_unavailable() const { return why_; }
    /// "NVML (driver ...)", the device name and its max SM clock, read at construction.
    TelemetryDevice device() const { return device_; }

    /// Reads every metric now; one that fails (NVML_ERROR_NOT_SUPPORTED on some boards) is
    /// absent. nullopt when NVML is unavailable.
    std::optional<TelemetrySample> sample() {
        if (!available()) return std::nullopt;
        TelemetrySample s;
        s.time =
            std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch());
        unsigned int value = 0;
        if (api_.clock_info(handle_, detail::nvml::clock_sm, &value) == detail::nvml::success) s.sm_clock_mhz = value;
        if (api_.clock_info(handle_, detail::nvml::clock_mem, &value) == detail::nvml::success)
            s.memory_clock_mhz = value;
        unsigned long long reasons = 0;
        if (api_.clock_event_reasons != nullptr && api_.clock_event_reasons(handle_, &reasons) == detail::nvml::success)
            s.clock_event_reasons = reasons;
        if (api_.temperature_v != nullptr) {
            detail::nvml::TemperatureV1 t{detail::nvml::temperature_v1_version, detail::nvml::temperature_gpu, 0};
            if (api_.temperature_v(handle_, &t) == detail::nvml::success) s.temperature_c = t.temperature;
        } else if (api_.temperature != nullptr &&
                   api_.temperature(handle_, detail::nvml::temperature_gpu, &value) == detail::nvml::success) {
            s.temperature_c = value;
        }
        if (api_.power_usage != nullptr && api_.power_usage(handle_, &value) == detail::nvml::success)
            s.power_w = value / 1000.0;  // milliwatts
        return s;
    }

private:
    void start(const detail::nvml::Api& api, const std::string& lacks) {
        const bool by_uuid = options_.pci_bus_id.rfind("GPU-", 0) == 0 || options_.pci_bus_id.rfind("MIG-", 0) == 0;
        const bool by_bus_id = !by_uuid && !options_.pci_bus_id.empty();
        if (const char* missing = by_uuid && api.handle_by_uuid == nullptr
                                      ? "nvmlDeviceGetHandleByUUID"
                                      : detail::nvml::missing_required(api, by_bus_id)) {
            why_ = "NVML not available: " + lacks + missing;
            return;
        }
        api_ = api;
        const detail::nvml::Return init = api_.init();
        if (init != detail::nvml::success) {
            why_ = "NVML not available: nvmlInit_v2 failed: " + error_text(init);
            return;
        }
        initialised_ = true;
        unsigned count = 0;
        if (!by_bus_id && !by_uuid && !options_.index && api_.count != nullptr &&
            api_.count(&count) == detail::nvml::success && count > 1) {
            why_ = "NVML not available: NVML sees " + std::to_string(count) +
                   " GPUs and numbers them in PCI order, not as CUDA does; name the one to sample: "
                   "gputime::nvml_options_for(clock), or NvmlOptions::pci_bus_id, uuid or index";
            (void)api_.shutdown();
            initialised_ = false;
            return;
        }
        const unsigned index = options_.index.value_or(0);
        const detail::nvml::Return found = by_bus_id ? api_.handle_by_pci_bus_id(options_.pci_bus_id.c_str(), &handle_)
                                           : by_uuid ? api_.handle_by_uuid(options_.pci_bus_id.c_str(), &handle_)
                                                     : api_.handle_by_index(index, &handle_);
        if (found != detail::nvml::success) {
            why_ = "NVML not available: " +
                   (by_bus_id ? "nvmlDeviceGetHandleByPciBusId_v2(\"" + options_.pci_bus_id + "\")"
                    : by_uuid ? "nvmlDeviceGetHandleByUUID(\"" + options_.pci_bus_id + "\")"
                              : "nvmlDeviceGetHandleByIndex_v2(" + std::to_string(index) + ")") +
                   " failed: " + error_text(found);
            (void)api_.shutdown();
            initialised_ = false;
            return;
        }
        if (by_bus_id) device_.pci_bus_id = options_.pci_bus_id;
        device_.source = "NVML";
        char text[96] = {};
        if (api_.driver_version != nullptr && api_.driver_version(text, sizeof text) == detail::nvml::success)
            device_.source += " (driver " + std::string(text) + ")";
        text[0] = '\0';
        if (api_.name != nullptr && api_.name(handle_, text, sizeof text) == detail::nvml::success) device_.name = text;
        text[0] = '\0';
        if (api_.uuid != nullptr && api_.uuid(handle_, text, sizeof text) == detail::nvml::success) device_.uuid = text;
        unsigned int max_sm = 0;
        if (api_.max_clock_info != nullptr &&
            api_.max_clock_info(handle_, detail::nvml::clock_sm, &max_sm) == detail::nvml::success && max_sm > 0)
            device_.max_sm_clock_mhz = max_sm;
    }

    std::string error_text(detail::nvml::Return code) const {
        const char* text = api_.error_string(code);
        return std::string(text != nullptr ? text : "unknown error") + " (NVML error " +
               std::to_string(static_cast<int>(code)) + ")";
    }

    NvmlOptions options_;
    detail::nvml::Library library_;
    detail::nvml::Api api_{};
    detail::nvml::Device handle_{};
    bool initialised_ = false;
    std::string why_;
    TelemetryDevice device_{};
};

}  // namespace gputime
