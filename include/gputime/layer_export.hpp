// gputime/layer_export.hpp - per-layer statistics as JSON and CSV, for scripts and spreadsheets.
//
//   std::ofstream("layers.json") << gputime::to_json(profile);
//   std::ofstream csv("layers.csv");
//   csv << gputime::to_csv(batch1) << gputime::to_csv(batch8, gputime::CsvHeader::omit);
//
// All times are in nanoseconds (numbers, not formatted text). A statistic that has no sample
// (p50 of a layer that ran only once) is null in JSON and an empty field in CSV. Names are
// escaped (gputime/detail/escape.hpp), so any layer name round-trips.
//
// JSON layout (schema version 1):
//   { "gputime_layer_profile": 1, "label": "batch 8", "time": "host" | "device", "unit": "ns",
//     "iterations": 30, "abandoned_iterations": 0,
//     "iteration": {stats}, "unattributed": {stats},
//     "layers": [ { "name", "path", "depth", "parent" (path or null), "share", ...{stats} } ] }
//   {stats} = "calls" (every call), "steady_calls", "first_call", "first_call_overhead",
//             "mean", "stddev", "min", "p50", "p90", "p99", "max", "total" (steady)
// CSV: one row per layer, then "(unattributed)" and "(iteration)" rows, with a label column so
// that several runs can share one file.
#pragma once

#include <gputime/detail/escape.hpp>
#include <gputime/layer_profile.hpp>
#include <gputime/stats.hpp>

#include <cstddef>
#include <limits>
#include <string>
#include <string_view>

namespace gputime {

namespace detail {

inline constexpr double no_value = std::numeric_limits<double>::quiet_NaN();

// The statistic columns shared by JSON and CSV, in order.
struct StatsFields {
    double calls, steady_calls, first_call, first_call_overhead, mean, stddev, min, p50, p90, p99, max, total;

    explicit StatsFields(const Stats& s)
        : calls(static_cast<double>(s.calls())),
          steady_calls(static_cast<double>(s.count())),
          first_call(s.has_first_call() ? s.first_call().count() : no_value),
          first_call_overhead(s.has_first_call() && s.count() > 0 ? s.first_call_overhead().count() : no_value),
          mean(s.count() > 0 ? s.mean().count() : no_value),
          stddev(s.count() > 0 ? s.stddev().count() : no_value),
          min(s.count() > 0 ? s.min().count() : no_value),
          p50(s.count() > 0 ? s.p50().count() : no_value),
          p90(s.count() > 0 ? s.p90().count() : no_value),
          p99(s.count() > 0 ? s.p99().count() : no_value),
          max(s.count() > 0 ? s.max().count() : no_value),
          total(s.count() > 0 ? s.total().count() : no_value) {}

    template <class F>
    void each(F&& f) const {
        f("calls", calls);
        f("steady_calls", steady_calls);
        f("first_call", first_call);
        f("first_call_overhead", first_call_overhead);
        f("mean", mean);
        f("stddev", stddev);
        f("min", min);
        f("p50", p50);
        f("p90", p90);
        f("p99", p99);
        f("max", max);
        f("total", total);
    }
};

inline void append_json_stats_members(std::string& out, const Stats& s) {
    bool first = true;
    StatsFields(s).each([&](const char* key, double value) {
        if (!first) out += ", ";
        first = false;
        append_json_string(out, key);
        out += ": ";
        append_json_number(out, value);
    });
}

inline void append_csv_number(std::string& out, double value) {
    if (value == value) append_json_number(out, value);  // CSV: empty field for "no value"
}

inline void append_csv_row(std::string& out, std::string_view label, std::string_view layer, std::string_view path,
                           std::size_t depth, double share, const Stats& s) {
    append_csv_field(out, label);
    out += ',';
    append_csv_field(out, layer);
    out += ',';
    append_csv_field(out, path);
    out += ',';
    append_json_number(out, depth);
    out += ',';
    append_csv_number(out, share);
    StatsFields(s).each([&](const char*, double value) {
        out += ',';
        append_csv_number(out, value);
    });
    out += "\r\n";  // RFC 4180 line ends
}

}  // namespace detail

/// The profile as a JSON document (see the header comment for the layout).
inline std::string to_json(const LayerProfile& profile) {
    using detail::append_json_number;
    using detail::append_json_string;
    std::string out = "{\n  \"gputime_layer_profile\": 1,\n  \"label\": ";
    append_json_string(out, profile.label());
    out += ",\n  \"time\": ";
    out += profile.device_timed() ? "\"device\"" : "\"host\"";
    out += ",\n  \"unit\": \"ns\",\n  \"iterations\": ";
    append_json_number(out, profile.iterations());
    out += ",\n  \"abandoned_iterations\": ";
    append_json_number(out, profile.abandoned_iterations());
    out += ",\n  \"iteration\": {";
    detail::append_json_stats_members(out, profile.iteration_total());
    out += "},\n  \"unattributed\": {";
    detail::append_json_stats_members(out, profile.unattributed());
    out += "},\n  \"layers\": [";
    const auto& layers = profile.layers();
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const LayerStats& layer = layers[i];
        out += i == 0 ? "\n    {" : ",\n    {";
        out += "\"name\": ";
        append_json_string(out, layer.name);
        out += ", \"path\": ";
        append_json_string(out, layer.path);
        out += ", \"depth\": ";
        append_json_number(out, layer.depth);
        out += ", \"parent\": ";
        if (layer.top_level()) out += "null";
        else append_json_string(out, layers[layer.parent].path);
        out += ", \"share\": ";
        append_json_number(out, layer.time.count() > 0 ? profile.share(layer) : detail::no_value);
        out += ", ";
        detail::append_json_stats_members(out, layer.time);
        out += "}";
    }
    out += layers.empty() ? "]\n}\n" : "\n  ]\n}\n";
    return out;
}

/// Whether to_csv() starts with the header line.
enum class CsvHeader { include, omit };

/// The profile as CSV: a row per layer, then "(unattributed)" and "(iteration)".
inline std::string to_csv(const LayerProfile& profile, CsvHeader header = CsvHeader::include) {
    std::string out;
    if (header == CsvHeader::include) {
        out += "label,layer,path,depth,share";
        detail::StatsFields(Stats{}).each([&](const char* key, double) {
            out += ',';
            out += key;
            if (std::string_view(key).find("calls") == std::string_view::npos) out += "_ns";
        });
        out += "\r\n";
    }
    for (const LayerStats& layer : profile.layers())
        detail::append_csv_row(out, profile.label(), layer.name, layer.path, layer.depth,
                               layer.time.count() > 0 ? profile.share(layer) : detail::no_value, layer.time);
    const Stats& between = profile.unattributed();
    const Stats& total = profile.iteration_total();
    const double between_share = between.count() > 0 && total.count() > 0 && total.total().count() > 0
                                     ? between.total().count() / total.total().count()
                                     : detail::no_value;
    detail::append_csv_row(out, profile.label(), "(unattributed)", "(unattributed)", 0, between_share, between);
    detail::append_csv_row(out, profile.label(), "(iteration)", "(iteration)", 0, total.count() > 0 ? 1.0 : detail::no_value,
                           total);
    return out;
}

}  // namespace gputime
