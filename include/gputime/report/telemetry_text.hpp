// SPDX-License-Identifier: MIT
// gputime/report/telemetry_text.hpp - GPU telemetry of a run (gputime::TelemetrySummary) as text:
// the clocks, the throttled share and the hints that say what makes the numbers less trustworthy.
//
//   std::cout << summary;                                    // = gputime::to_text(summary)
//   for (const std::string& h : gputime::hints(summary)) log(h);
#pragma once

#include <gputime/core/host_context.hpp>
#include <gputime/cuda/telemetry_summary.hpp>
#include <gputime/report/detail/number_text.hpp>
#include <gputime/report/text.hpp>

#include <cstdio>
#include <iosfwd>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace gputime {

namespace detail {
inline std::string mhz(double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.0f MHz", value);
    return buffer;
}
inline std::string throttle_causes(const TelemetrySummary& t) {
    std::string causes;
    const auto add = [&](const std::string& cause) { causes += (causes.empty() ? "" : " / ") + cause; };
    if (t.thermal > 0) add("thermal");
    if (t.power > 0) add("power cap");
    if (t.low_clock > 0) {
        add("SM clock below " + percent_text(t.min_clock_fraction, 0) + " of " +
            (t.expected_clock_mhz ? mhz(*t.expected_clock_mhz) : std::string("the expected clock")));
    }
    return causes;
}
}  // namespace detail

/// What about the GPU's clocks makes the run's numbers less trustworthy, one sentence each:
/// clocks not locked, and the share of throttled samples with their causes.
inline std::vector<std::string> hints(const TelemetrySummary& t) {
    std::vector<std::string> out;
    if (t.clocks_locked.has_value() && !*t.clocks_locked) {
        std::string range;
        if (t.sm_clock_min_mhz && t.sm_clock_max_mhz)
            range = *t.sm_clock_min_mhz == *t.sm_clock_max_mhz
                        ? " (the SM clock read " + detail::mhz(*t.sm_clock_min_mhz) + " in every sample)"
                        : " (the SM clock ranged from " + detail::mhz(*t.sm_clock_min_mhz) + " to " +
                              detail::mhz(*t.sm_clock_max_mhz) + ")";
        out.push_back("clocks not locked" + range +
                      ": the GPU picks its clock from load, temperature and power, so runs are comparable "
                      "only under the same conditions; lock them (nvidia-smi --lock-gpu-clocks) for A/B "
                      "comparisons, or report the clock with the result");
    }
    if (t.throttled > 0) {
        out.push_back("throttled during " + detail::percent_text(t.throttled_fraction(), 1) + " of samples (" +
                      detail::throttle_causes(t) + "): " + std::to_string(t.throttled) + " of " +
                      std::to_string(t.sampled) +
                      " sampled calls ran at a capped clock; discard_throttled() drops them, or let the GPU "
                      "cool down and measure again");
    }
    return out;
}

/// hints(t) followed by the host's own (host_hints(): CPU frequency governor, turbo, debug
/// build), which move the host-side numbers the same way.
inline std::vector<std::string> hints(const TelemetrySummary& t, const HostContext& host) {
    std::vector<std::string> all = hints(t);
    for (std::string& h : host_hints(host)) all.push_back(std::move(h));
    return all;
}

/// Text lines in the style of the run report (gputime/report/text.hpp): source, clocks,
/// throttling, hints.
inline std::string to_text(const TelemetrySummary& t) {
    using detail::labelled;
    if (!t.unavailable.empty()) return labelled("telemetry", "none: " + t.unavailable);
    std::string out = labelled("telemetry", t.source + (t.device_name.empty() ? "" : ", " + t.device_name) + ": " +
                                                std::to_string(t.sampled) + " of " + std::to_string(t.calls) +
                                                " measured calls sampled");
    std::string clocks;
    if (t.sm_clock_min_mhz && t.sm_clock_max_mhz && t.sm_clock_mean_mhz)
        clocks = "SM clock min " + detail::mhz(*t.sm_clock_min_mhz) + "   mean " + detail::mhz(*t.sm_clock_mean_mhz) +
                 "   max " + detail::mhz(*t.sm_clock_max_mhz);
    if (t.memory_clock_mhz)
        clocks += (clocks.empty() ? "" : "   ") + std::string("memory ") + detail::mhz(*t.memory_clock_mhz);
    if (!clocks.empty()) out += labelled("", clocks);
    std::string conditions;
    char buffer[64];
    if (t.temperature_max_c) {
        std::snprintf(buffer, sizeof buffer, "temperature max %.0f C", *t.temperature_max_c);
        conditions = buffer;
    }
    if (t.power_max_w) {
        std::snprintf(buffer, sizeof buffer, "power max %.0f W", *t.power_max_w);
        conditions += (conditions.empty() ? "" : "   ") + std::string(buffer);
    }
    if (t.clocks_locked)
        conditions +=
            (conditions.empty() ? "" : "   ") + std::string(*t.clocks_locked ? "clocks locked" : "clocks not locked");
    if (!conditions.empty()) out += labelled("", conditions);
    if (t.throttled > 0) {
        out += labelled("throttled", std::to_string(t.throttled) + " calls (" +
                                         detail::percent_text(t.throttled_fraction(), 1) +
                                         "): " + detail::throttle_causes(t));
    }
    for (const std::string& h : hints(t)) out += "  hint: " + h + "\n";
    return out;
}

/// Prints to_text(t).
template <class Ostream, class = std::enable_if_t<std::is_base_of<std::ostream, Ostream>::value>>
Ostream& operator<<(Ostream& os, const TelemetrySummary& t) {
    os << to_text(t);
    return os;
}

}  // namespace gputime
