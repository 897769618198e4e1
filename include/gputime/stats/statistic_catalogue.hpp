// SPDX-License-Identifier: MIT
// gputime/stats/statistic_catalogue.hpp - every statistic gputime reports, named once.
//
//   for (const gputime::StatisticInfo& info : gputime::statistic_catalogue)
//       std::cout << info.heading << ": " << gputime::format_statistic(info.statistic,
//                                                gputime::statistic_value(stats, info.statistic)) << "\n";
//
// docs/json_schema.md, "statistics: the catalogue".
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/stats/stats.hpp>

#include <array>
#include <cstddef>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace gputime {

/// The statistics gputime reports, in the order every output lists them.
enum class Statistic {
    calls,                ///< every call recorded, the first included (Stats::calls())
    steady_calls,         ///< the steady samples the other statistics describe (Stats::count())
    first_call,           ///< the first call, kept apart
    first_call_overhead,  ///< first call - steady p50
    mean,                 ///< mean of the steady samples
    stddev,               ///< sample standard deviation (n - 1)
    mdape,                ///< nanobench's err%: median of |x - p50| / x
    min,                  ///< smallest steady sample
    p50,                  ///< nearest-rank median
    p90,                  ///< nearest-rank 90th percentile
    p99,                  ///< nearest-rank 99th percentile
    p999,                 ///< p99.9
    max,                  ///< largest steady sample
    total,                ///< sum of the steady calls
    share,                ///< steady total / the whole's steady total (a layer within its iterations)
};

/// How a statistic's value reads: the formatting hint every output follows.
enum class StatisticUnit {
    duration,  ///< nanoseconds: a number of ns in JSON, "<key>_ns" in CSV, scaled in text ("1.325 ms")
    count,     ///< a whole number of calls
    fraction,  ///< a ratio: 0.0123 in JSON and CSV, "1.23%" in text
};

/// One entry of the catalogue.
struct StatisticInfo {
    Statistic statistic;      ///< Which statistic this entry describes.
    const char* key;          ///< JSON member and CSV column stem ("p50"; CSV adds "_ns" to durations).
    const char* heading;      ///< Text and markdown column heading ("p50", "first call", "err%").
    StatisticUnit unit;       ///< How the value reads: a duration, a count or a fraction.
    int decimals;             ///< For a fraction, digits after the point when printed as a percentage.
    double percentile;        ///< The p of a percentile statistic (50, 99.9); -1 otherwise.
    bool summable;            ///< Whether a SUM row over several layers means something.
    const char* description;  ///< One sentence for a legend.
};

/// Every statistic, in Statistic's order.
inline constexpr std::array<StatisticInfo, 15> statistic_catalogue{{
    {Statistic::calls, "calls", "calls", StatisticUnit::count, 0, -1.0, false,
     "every call recorded, the first one included"},
    {Statistic::steady_calls, "steady_calls", "steady calls", StatisticUnit::count, 0, -1.0, false,
     "steady calls: the samples the statistics below describe (the first call is kept apart)"},
    {Statistic::first_call, "first_call", "first call", StatisticUnit::duration, 0, -1.0, true,
     "the first call, kept apart from the steady samples"},
    {Statistic::first_call_overhead, "first_call_overhead", "1st overhead", StatisticUnit::duration, 0, -1.0, true,
     "first call - steady p50: what being first costs"},
    {Statistic::mean, "mean", "mean", StatisticUnit::duration, 0, -1.0, true, "mean of the steady samples"},
    {Statistic::stddev, "stddev", "stddev", StatisticUnit::duration, 0, -1.0, false,
     "sample standard deviation (n - 1) of the steady samples"},
    {Statistic::mdape, "mdape", "err%", StatisticUnit::fraction, 2, -1.0, false,
     "median of |x - p50| / x over the steady samples (nanobench's err%)"},
    {Statistic::min, "min", "min", StatisticUnit::duration, 0, -1.0, true, "smallest steady sample"},
    {Statistic::p50, "p50", "p50", StatisticUnit::duration, 0, 50.0, true,
     "median: nearest-rank 50th percentile of the steady samples"},
    {Statistic::p90, "p90", "p90", StatisticUnit::duration, 0, 90.0, true,
     "nearest-rank 90th percentile of the steady samples"},
    {Statistic::p99, "p99", "p99", StatisticUnit::duration, 0, 99.0, true,
     "nearest-rank 99th percentile of the steady samples"},
    {Statistic::p999, "p999", "p99.9", StatisticUnit::duration, 0, 99.9, true,
     "nearest-rank 99.9th percentile of the steady samples"},
    {Statistic::max, "max", "max", StatisticUnit::duration, 0, -1.0, true, "largest steady sample"},
    {Statistic::total, "total", "total", StatisticUnit::duration, 0, -1.0, true, "sum of the steady samples"},
    {Statistic::share, "share", "%", StatisticUnit::fraction, 1, -1.0, true,
     "steady total over the steady total of the whole (a layer's share of its iterations)"},
}};

/// The catalogue entry of `statistic`; nullptr for a value that is none of the enumerators.
inline const StatisticInfo* statistic_info(Statistic statistic) noexcept {
    const auto index = static_cast<std::size_t>(statistic);
    return index < statistic_catalogue.size() ? &statistic_catalogue[index] : nullptr;
}

/// The catalogue entry whose key is `key` ("p50"); nullptr when there is none.
inline const StatisticInfo* statistic_info(std::string_view key) noexcept {
    for (const StatisticInfo& info : statistic_catalogue)
        if (key == info.key) return &info;
    return nullptr;
}

/// The statistic of `s`: nothing when `s` has no sample for it (a p50 needs a steady sample, the
/// first call a first call), when `statistic` is none of the enumerators, or, for share, when
/// `whole` is null or has no steady time. Durations are in nanoseconds. Reads resolve pending GPU
/// samples and rethrow what that throws (a parked CUDA error), as every read of a Stats does.
inline std::optional<double> statistic_value(const Stats& s, Statistic statistic, const Stats* whole = nullptr) {
    // Every statistic but these three needs a steady sample (checked once: no lambda per case).
    if (s.count() == 0 && statistic != Statistic::calls && statistic != Statistic::steady_calls &&
        statistic != Statistic::first_call)
        return std::nullopt;
    switch (statistic) {
        case Statistic::calls: return static_cast<double>(s.calls());
        case Statistic::steady_calls: return static_cast<double>(s.count());
        case Statistic::first_call:
            return s.has_first_call() ? std::optional<double>(s.first_call().count()) : std::nullopt;
        case Statistic::first_call_overhead:
            return s.has_first_call() ? std::optional<double>(s.first_call_overhead().count()) : std::nullopt;
        case Statistic::mean: return s.mean().count();
        case Statistic::stddev: return s.stddev().count();
        case Statistic::mdape: return s.mdape();
        case Statistic::min: return s.min().count();
        case Statistic::p50: return s.p50().count();
        case Statistic::p90: return s.p90().count();
        case Statistic::p99: return s.p99().count();
        case Statistic::p999: return s.p999().count();
        case Statistic::max: return s.max().count();
        case Statistic::total: return s.total().count();
        case Statistic::share: {
            if (whole == nullptr || whole->count() == 0) return std::nullopt;
            const double all = whole->total().count();
            return all > 0.0 ? std::optional<double>(s.total().count() / all) : std::nullopt;
        }
    }
    return std::nullopt;
}

/// A value as text, following the statistic's unit: "1.325 ms" (format_duration), "200",
/// "1.23%"; "-" for no value (or a statistic that is none of the enumerators).
inline std::string format_statistic(Statistic statistic, const std::optional<double>& value) {
    const StatisticInfo* info = statistic_info(statistic);
    if (!value || info == nullptr) return "-";
    char buffer[48];
    switch (info->unit) {
        case StatisticUnit::duration: return format_duration(Duration{*value});
        case StatisticUnit::count: std::snprintf(buffer, sizeof buffer, "%.0f", *value); return buffer;
        case StatisticUnit::fraction:
            std::snprintf(buffer, sizeof buffer, "%.*f%%", info->decimals, *value * 100.0);
            return buffer;
    }
    return "-";
}

/// The unit hint as JSON and CSV name it: "duration", "count", "fraction".
inline const char* unit_name(StatisticUnit unit) noexcept {
    switch (unit) {
        case StatisticUnit::duration: return "duration";
        case StatisticUnit::count: return "count";
        case StatisticUnit::fraction: return "fraction";
    }
    return "?";
}

}  // namespace gputime
