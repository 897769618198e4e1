// SPDX-License-Identifier: MIT
// gputime/report/gated_text.hpp - a call timed with and without a gate (gputime::time_gated) as a
// text table: end to end, device only, and the difference (launch latency and host-side gaps).
//
//   std::cout << t;   // = gputime::to_text(t)
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/cuda/gated_times.hpp>
#include <gputime/stats/stats.hpp>

#include <cstdio>
#include <iosfwd>
#include <string>
#include <type_traits>

namespace gputime {

/// end to end | device only | difference, p50 / p99 / mean. A run without a steady sample
/// shows "-".
inline std::string to_text(const GatedTimes& t) {
    const auto cell = [](const Stats& s, int which) {
        if (s.count() == 0) return std::string("-");
        return format_duration(which == 0 ? s.p50() : which == 1 ? s.p99() : s.mean());
    };
    std::string out;
    char line[200];
    std::snprintf(line, sizeof line, "%-13s %11s %11s %11s\n", "", "p50", "p99", "mean");
    out += line;
    const Stats& a = t.end_to_end.latency;
    const Stats& b = t.device.latency;
    std::snprintf(line, sizeof line, "%-13s %11s %11s %11s   %s\n", "end to end", cell(a, 0).c_str(),
                  cell(a, 1).c_str(), cell(a, 2).c_str(), "not gated: launch latency + device time");
    out += line;
    std::snprintf(line, sizeof line, "%-13s %11s %11s %11s   %s\n", "device only", cell(b, 0).c_str(),
                  cell(b, 1).c_str(), cell(b, 2).c_str(), "gated: the call enqueued before the device started it");
    out += line;
    const std::string difference = a.count() > 0 && b.count() > 0 ? format_duration(t.launch_overhead()) : "-";
    std::snprintf(line, sizeof line, "%-13s %11s %11s %11s   %s\n", "difference", difference.c_str(), "", "",
                  "launch latency and host-side gaps between kernels");
    out += line;
    return out;
}

/// Prints to_text(t).
template <class Ostream, class = std::enable_if_t<std::is_base_of<std::ostream, Ostream>::value>>
Ostream& operator<<(Ostream& os, const GatedTimes& t) {
    os << to_text(t);
    return os;
}

}  // namespace gputime
