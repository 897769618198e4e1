// SPDX-License-Identifier: MIT
// gputime/cuda/telemetry_summary.hpp - what the GPU's clocks did during one run, summed up over
// its measured calls (gputime::summarize_telemetry, gputime/cuda/telemetry.hpp), as plain data.
//
//   const gputime::TelemetrySummary t = gputime::summarize_telemetry(result, sampler);
//   if (t.throttled > 0) result = gputime::discard_throttled(result, t);
//
// Output lives in report/: to_text, operator<< and hints in gputime/report/telemetry_text.hpp,
// JSON in gputime/report/json_report.hpp (JsonReport::add, to_json).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace gputime {

/// Telemetry of one run, over its measured (steady) calls.
struct TelemetrySummary {
    std::string source;         ///< TelemetryDevice::source
    std::string device_name;    ///< TelemetryDevice::name
    std::string unavailable;    ///< why there is no telemetry ("NVML not available: ..."); empty when there is
    std::size_t calls = 0;      ///< measured calls (latency.samples())
    std::size_t sampled = 0;    ///< of them, calls with a sample
    std::size_t throttled = 0;  ///< of them, calls whose sample is throttled (ThrottleRule, classify())
    std::size_t thermal = 0;    ///< throttled with a thermal reason (a call may count as thermal and power)
    std::size_t power = 0;      ///< throttled with a power reason
    std::size_t low_clock = 0;  ///< throttled by the clock rule alone
    std::optional<double> expected_clock_mhz;  ///< the clock rule's expected SM clock [MHz]; absent: no clock rule
    double min_clock_fraction = 0.75;          ///< below this fraction of it, a sample is throttled
    std::optional<double> sm_clock_min_mhz;    ///< lowest SM clock sampled [MHz]
    std::optional<double> sm_clock_mean_mhz;   ///< mean SM clock over the samples [MHz]
    std::optional<double> sm_clock_max_mhz;    ///< highest SM clock sampled [MHz]
    std::optional<double> memory_clock_mhz;    ///< of the last sample
    std::optional<double> temperature_max_c;   ///< hottest sample [degrees C]
    std::optional<double> power_max_w;         ///< highest power sample [W]
    std::optional<bool>
        clocks_locked;  ///< SM clock locked (source, or the applications-clocks reason); absent: unknown
    std::vector<std::size_t> throttled_calls;  ///< their call indices, ascending

    /// throttled / sampled; 0 without samples.
    double throttled_fraction() const {
        return sampled > 0 ? static_cast<double>(throttled) / static_cast<double>(sampled) : 0.0;
    }
};

}  // namespace gputime
