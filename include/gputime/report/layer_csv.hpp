// SPDX-License-Identifier: MIT
// gputime/report/layer_csv.hpp - per-layer statistics as CSV for spreadsheets, and as JSON.
//
//   std::ofstream("layers.json") << gputime::to_json(profile);      // gputime/report/json_report.hpp
//   std::ofstream csv("layers.csv");
//   csv << gputime::to_csv(batch1) << gputime::to_csv(batch8, gputime::CsvHeader::omit);
//
// CSV (RFC 4180, CRLF line ends): one row per layer, then "(unattributed)" and "(iteration)"
// rows, with a label column so that several runs can share one file. The columns are label,
// layer, path, depth, then every statistic of the catalogue (gputime/stats/statistic_catalogue.hpp) in
// its order, under its key: durations in nanoseconds with "_ns" added to the key ("p50_ns"),
// counts as whole numbers, fractions (share, mdape) as ratios (0.25, not 25%). share is of the
// steady iteration time. A statistic that has no value (p50 of a layer that ran only once, an
// infinite err%) is an empty field. Names are quoted when they need it, so any layer name round-trips.
// The JSON of a profile is gputime::to_json(profile) (the common layout of every result, with
// its context; docs/json_schema.md).
#pragma once

#include <gputime/core/detail/escape.hpp>
#include <gputime/measure/layer_profile.hpp>
#include <gputime/report/json_report.hpp>
#include <gputime/stats/statistic_catalogue.hpp>
#include <gputime/stats/stats.hpp>

#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace gputime {

namespace detail {

inline void append_csv_row(std::string& out, std::string_view label, std::string_view layer, std::string_view path,
                           std::size_t depth, const Stats& s, const Stats& whole) {
    append_csv_field(out, label);
    out += ',';
    append_csv_field(out, layer);
    out += ',';
    append_csv_field(out, path);
    out += ',';
    append_json_number(out, depth);
    for (const StatisticInfo& info : statistic_catalogue) {
        out += ',';
        const std::optional<double> value = statistic_value(s, info.statistic, &whole);
        if (value && std::isfinite(*value)) append_json_number(out, *value);  // else an empty field
    }
    out += "\r\n";  // RFC 4180 line ends
}

}  // namespace detail

/// Whether to_csv() starts with the header line.
enum class CsvHeader { include, omit };

/// The profile as CSV: a row per layer, then "(unattributed)" and "(iteration)".
inline std::string to_csv(const LayerProfile& profile, CsvHeader header = CsvHeader::include) {
    std::string out;
    if (header == CsvHeader::include) {
        out += "label,layer,path,depth";
        for (const StatisticInfo& info : statistic_catalogue) {
            out += ',';
            out += info.key;
            if (info.unit == StatisticUnit::duration) out += "_ns";
        }
        out += "\r\n";
    }
    const Stats& whole = profile.iteration_total();
    for (const LayerStats& layer : profile.layers())
        detail::append_csv_row(out, profile.label(), layer.name, layer.path, layer.depth, layer.time, whole);
    detail::append_csv_row(out, profile.label(), "(unattributed)", "(unattributed)", 0, profile.unattributed(), whole);
    detail::append_csv_row(out, profile.label(), "(iteration)", "(iteration)", 0, whole, whole);
    return out;
}

}  // namespace gputime
