// SPDX-License-Identifier: MIT
// gputime/report/json_report.hpp - every result as JSON, with the context it was measured in.
//
//   std::ofstream("results.json") << gputime::to_json(result);            // one RunResult
//
//   gputime::JsonReport report;                                           // several in one file
//   report.add(cpu_result).add(gpu_result).add(sweep).add(profile).add("nchw vs blocked", comparison);
//   std::ofstream("results.json") << report.str();
//
// docs/json_schema.md has the layout in full (json_schema_version is its version).
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/core/error.hpp>
#include <gputime/core/version.hpp>
#include <gputime/cuda/telemetry_summary.hpp>
#include <gputime/measure/comparison.hpp>
#include <gputime/measure/idle_gap_point.hpp>
#include <gputime/measure/layer_profile.hpp>
#include <gputime/measure/run_result.hpp>
#include <gputime/report/detail/json_writer.hpp>
#include <gputime/report/run_context.hpp>
#include <gputime/report/telemetry_text.hpp>
#include <gputime/report/text.hpp>
#include <gputime/stats/statistic_catalogue.hpp>
#include <gputime/stats/stats.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace gputime {

/// The version of the layout JsonReport writes ("schema_version"); docs/json_schema.md.
inline constexpr int json_schema_version = 2;

/// What a JSON file holds besides the statistics.
struct JsonOptions {
    /// The steady samples of every Stats and the warm-up calls of every run, in order (ns).
    bool samples = true;
    /// Confidence of the percentile intervals.
    double interval_confidence = 0.95;
    /// The context block; empty: read_run_context() when the report is made.
    std::optional<RunContext> context;
    /// Spaces per level; 0 writes the whole file on one line.
    int indent = 2;
};

namespace detail {

// RunResult members that came with RunSettings; written when present.
template <class R, class = void>
struct has_run_settings : std::false_type {};
template <class R>
struct has_run_settings<R, std::void_t<decltype(std::declval<const R&>().settings)>> : std::true_type {};
template <class R, class = void>
struct has_stop_reason : std::false_type {};
template <class R>
struct has_stop_reason<R, std::void_t<decltype(std::declval<const R&>().stop_reason)>> : std::true_type {};
template <class R, class = void>
struct has_transient : std::false_type {};
template <class R>
struct has_transient<R, std::void_t<decltype(std::declval<const R&>().transient.steady_from)>> : std::true_type {};
template <class R, class = void>
struct has_target_interval : std::false_type {};
template <class R>
struct has_target_interval<R, std::void_t<decltype(std::declval<const R&>().target_interval)>> : std::true_type {};

inline const char* run_mode_name(RunMode mode) noexcept {
    return mode == RunMode::throughput ? "throughput" : "latency";
}

inline void text_or_null(JsonWriter& w, const std::string& text) {
    if (text.empty()) w.null();
    else w.value(text);
}

template <class Number>
void positive_or_null(JsonWriter& w, Number n) {
    if (n > 0) w.value(n);
    else w.null();
}

// [1 min, 5 min, 15 min], as /proc/loadavg.
inline void write_load_average(JsonWriter& w, const LoadAverage& l) {
    w.begin_array(JsonWriter::Layout::one_line)
        .value(l.one_minute)
        .value(l.five_minutes)
        .value(l.fifteen_minutes)
        .end_array();
}

// The load average again when the document is finished, i.e. after the run, and the host hints
// with both readings; only when the start was read (a context made by hand gets nothing).
inline void write_context_at_end(JsonWriter& w, const RunContext& c) {
    if (!c.host.load) return;
    HostContext end = c.host;
    record_load_at_end(end);
    if (!end.load_at_end) return;
    w.key("context_at_end").begin_object();
    w.key("load_average");
    write_load_average(w, *end.load_at_end);
    w.key("hints").begin_array();
    for (const std::string& hint : host_hints(end)) w.value(hint);
    w.end_array();
    w.end_object();
}

inline void write_context(JsonWriter& w, const RunContext& c) {
    w.begin_object();
    w.key("host_name");
    text_or_null(w, c.host.host_name);
    w.key("date_utc");
    text_or_null(w, c.host.date_utc);
    w.key("host").begin_object();
    w.key("cpu_model");
    text_or_null(w, c.host.cpu_model);
    w.key("logical_cores");
    positive_or_null(w, c.host.logical_cores);
    w.key("scaling_governor");
    text_or_null(w, c.host.scaling_governor);
    w.key("turbo");
    if (c.host.turbo) w.value(*c.host.turbo);
    else w.null();
    if (c.host.load) {  // written when known (a context made by hand may have none)
        w.key("load_average");
        write_load_average(w, *c.host.load);
    }
    w.key("hints").begin_array();
    for (const std::string& hint : host_hints(c.host)) w.value(hint);
    w.end_array();
    w.end_object();
    w.key("build").begin_object();
    w.key("compiler");
    text_or_null(w, c.host.compiler);
    w.key("build_type");
    text_or_null(w, c.host.build_type);
    w.key("gputime_version");
    text_or_null(w, c.host.library_version);
    w.end_object();
    w.key("gpu");
    if (c.gpu) {
        const GpuContext& g = *c.gpu;
        w.begin_object();
        w.key("device").value(g.device);
        w.key("name");
        text_or_null(w, g.name);
        w.key("compute_capability");
        if (g.compute_capability_major > 0)
            w.value(std::to_string(g.compute_capability_major) + "." + std::to_string(g.compute_capability_minor));
        else w.null();
        w.key("multiprocessors");
        positive_or_null(w, g.multiprocessors);
        w.key("memory_bytes");
        positive_or_null(w, g.memory_bytes);
        w.key("sm_clock_mhz");
        positive_or_null(w, g.sm_clock_khz / 1000.0);
        w.key("memory_clock_mhz");
        positive_or_null(w, g.memory_clock_khz / 1000.0);
        w.key("driver_cuda_version");
        text_or_null(w, cuda_version_text(g.driver_cuda_version));
        w.key("runtime_cuda_version");
        text_or_null(w, cuda_version_text(g.runtime_cuda_version));
        w.end_object();
    } else {
        w.null();
        w.key("no_gpu_reason");
        text_or_null(w, c.no_gpu_reason);
    }
    w.end_object();
}

inline const char* unit_of_measure(StatisticUnit unit) noexcept {
    switch (unit) {
        case StatisticUnit::duration: return "ns";
        case StatisticUnit::count: return "calls";
        case StatisticUnit::fraction: return "1";
    }
    return "?";
}

inline void write_statistic_legend(JsonWriter& w) {
    w.begin_object();
    for (const StatisticInfo& info : statistic_catalogue) {
        w.key(info.key).begin_object(JsonWriter::Layout::one_line);
        w.key("heading").value(info.heading);
        w.key("hint").value(unit_name(info.unit));
        w.key("unit").value(unit_of_measure(info.unit));
        if (info.percentile >= 0.0) w.key("percentile").value(info.percentile);
        w.key("description").value(info.description);
        w.end_object();
    }
    w.end_object();
}

inline void write_durations(JsonWriter& w, const std::vector<Duration>& durations) {
    w.begin_array(JsonWriter::Layout::one_line);
    for (const Duration d : durations) w.value(d.count());
    w.end_array();
}

// A Stats: every catalogue statistic (share only with a whole), the percentile intervals and,
// with options.samples, the steady samples.
inline void write_stats(JsonWriter& w, const Stats& s, const JsonOptions& options, const Stats* whole = nullptr) {
    w.begin_object();
    for (const StatisticInfo& info : statistic_catalogue) {
        if (info.statistic == Statistic::share && whole == nullptr) continue;
        w.key(info.key);
        const std::optional<double> value = statistic_value(s, info.statistic, whole);
        if (!value) w.null();
        else if (info.unit == StatisticUnit::count) w.value(static_cast<std::uint64_t>(*value));
        else w.value(*value);
    }
    w.key("intervals");
    if (s.count() > 0) {
        w.begin_object();
        w.key("confidence").value(options.interval_confidence);
        for (const StatisticInfo& info : statistic_catalogue) {
            if (info.percentile < 0.0) continue;
            const PercentileInterval interval = s.percentile_interval(info.percentile, options.interval_confidence);
            w.key(info.key).begin_object(JsonWriter::Layout::one_line);
            w.key("lower");
            if (interval.lower_open) w.null();
            else w.value(interval.lower.count());
            w.key("upper");
            if (interval.upper_open) w.null();
            else w.value(interval.upper.count());
            w.key("coverage").value(interval.ranks.coverage);
            w.end_object();
        }
        w.end_object();
    } else {
        w.null();
    }
    if (options.samples) {
        w.key("samples");
        write_durations(w, s.samples());
    }
    w.end_object();
}

template <class R>
void write_run_settings(JsonWriter& w, const R& r) {
    w.begin_object();
    if constexpr (has_run_settings<R>::value) {
        const auto& s = r.settings;
        w.key("mode").value(run_mode_name(s.mode));
        w.key("warmup_rule").value(to_string(s.warmup_rule));
        w.key("warmup_calls").value(s.warmup_calls);
        w.key("warmup_time");
        positive_or_null(w, static_cast<double>(s.warmup_time.count()));
        w.key("stable_window");
        positive_or_null(w, s.stable_window);
        w.key("stable_tolerance");
        positive_or_null(w, s.stable_tolerance);
        w.key("iterations").value(s.iterations);
        w.key("precision_target");
        if (s.target) {
            w.begin_object(JsonWriter::Layout::one_line);
            w.key("percentile").value(s.target->percentile);
            w.key("relative_half_width").value(s.target->relative_half_width);
            w.key("confidence").value(s.target->confidence);
            w.key("min_samples").value(s.target->min_samples);
            w.key("min_time").value(static_cast<double>(s.target->min_time.count()));
            w.key("max_time").value(static_cast<double>(s.target->max_time.count()));
            w.key("max_samples").value(s.target->max_samples);
            w.end_object();
        } else {
            w.null();
        }
        w.key("idle_gap").value(static_cast<double>(s.idle_gap.count()));
    } else {
        // A RunResult without its settings: what the result itself shows.
        w.key("mode").value(run_mode_name(r.mode));
        w.key("warmup_calls").value(r.warmup.size());
        w.key("iterations").value(r.warmup.empty() ? r.latency.calls() : r.latency.count());
        w.key("idle_gap").null();
    }
    w.end_object();
}

template <class R>
void write_run_fields(JsonWriter& w, const R& r, const JsonOptions& options) {
    w.key("time").value(r.device_timed ? "device" : "host");
    w.key("settings");
    write_run_settings(w, r);
    w.key("complete").value(r.complete);
    if constexpr (has_stop_reason<R>::value) w.key("stop_reason").value(to_string(r.stop_reason));
    w.key("warmup").begin_object();
    w.key("calls").value(r.warmup.size());
    w.key("total").value(r.warmup_total().count());
    w.key("settled").value(r.warmup_settled);
    if (options.samples) {
        w.key("durations");
        write_durations(w, r.warmup);
    }
    w.end_object();
    w.key("latency");
    write_stats(w, r.latency, options);
    w.key("enqueue");
    if (r.enqueue.calls() > 0) write_stats(w, r.enqueue, options);
    else w.null();
    w.key("wall").value(r.wall.count());
    w.key("throughput_per_second");
    if (r.latency.count() > 0) w.value(r.throughput_per_second());
    else w.null();
    w.key("model");
    if (r.latency.count() > 0 && r.latency.has_first_call()) {
        const std::size_t n = r.calls_in_order().size();
        w.begin_object(JsonWriter::Layout::one_line);
        w.key("calls").value(n);
        w.key("predicted_total").value(r.predicted_total(n).count());
        w.key("measured_total").value(r.measured_total(n).count());
        w.end_object();
    } else {
        w.null();
    }
    if constexpr (has_transient<R>::value) {
        w.key("transient").begin_object(JsonWriter::Layout::one_line);
        w.key("steady_from").value(r.transient.steady_from);
        w.key("conclusive").value(r.transient.conclusive);
        w.end_object();
    }
    if constexpr (has_target_interval<R>::value) {
        w.key("target_interval");
        if (r.target_interval) {
            const PercentileInterval& t = *r.target_interval;
            w.begin_object(JsonWriter::Layout::one_line);
            w.key("percentile").value(t.p);
            w.key("estimate").value(t.estimate.count());
            w.key("lower");
            if (t.lower_open) w.null();
            else w.value(t.lower.count());
            w.key("upper");
            if (t.upper_open) w.null();
            else w.value(t.upper.count());
            w.key("confidence").value(t.confidence);
            w.end_object();
        } else {
            w.null();
        }
    }
    w.key("hints").begin_array();
    for (const std::string& hint : hints(r)) w.value(hint);
    w.end_array();
}

inline void write_optional(JsonWriter& w, const char* key, const std::optional<double>& x) {
    w.key(key);
    if (x) w.value(*x);
    else w.null();
}

// The members of a TelemetrySummary (null for an absent metric), into the open object.
inline void write_telemetry_fields(JsonWriter& w, const TelemetrySummary& t) {
    w.key("source").value(t.source);
    w.key("device").value(t.device_name);
    w.key("available").value(t.unavailable.empty());
    if (!t.unavailable.empty()) w.key("unavailable").value(t.unavailable);
    w.key("calls").value(t.calls);
    w.key("sampled").value(t.sampled);
    w.key("throttled").value(t.throttled);
    w.key("throttled_fraction").value(t.throttled_fraction());
    w.key("thermal").value(t.thermal);
    w.key("power").value(t.power);
    w.key("low_clock").value(t.low_clock);
    write_optional(w, "expected_clock_mhz", t.expected_clock_mhz);
    write_optional(w, "sm_clock_min_mhz", t.sm_clock_min_mhz);
    write_optional(w, "sm_clock_mean_mhz", t.sm_clock_mean_mhz);
    write_optional(w, "sm_clock_max_mhz", t.sm_clock_max_mhz);
    write_optional(w, "memory_clock_mhz", t.memory_clock_mhz);
    write_optional(w, "temperature_max_c", t.temperature_max_c);
    write_optional(w, "power_max_w", t.power_max_w);
    w.key("clocks_locked");
    if (t.clocks_locked) w.value(*t.clocks_locked);
    else w.null();
    w.key("throttled_calls").begin_array(JsonWriter::Layout::one_line);
    for (const std::size_t call : t.throttled_calls) w.value(call);
    w.end_array();
    w.key("hints").begin_array();
    for (const std::string& h : hints(t)) w.value(h);
    w.end_array();
}

/// A TelemetrySummary as one JSON object, for a document of your own written with a JsonWriter.
inline void write_telemetry(JsonWriter& w, const TelemetrySummary& t) {
    w.begin_object();
    write_telemetry_fields(w, t);
    w.end_object();
}

inline void check_json_options(const char* where, const JsonOptions& options) {
    if (!(options.interval_confidence > 0.0 && options.interval_confidence < 1.0))
        throw InvalidArgument(
            where, "options",
            "interval_confidence must be in (0, 1), e.g. 0.95, got " + std::to_string(options.interval_confidence));
    if (options.indent < 0)
        throw InvalidArgument(where, "options", "indent must be >= 0, got " + std::to_string(options.indent));
}

}  // namespace detail

/// One JSON file of results, with the context block and the statistic legend (see the top of
/// this header). add() appends a result; str() is the document so far, complete.
class JsonReport {
public:
    /// Throws InvalidArgument (parameter "options") for an interval confidence outside (0, 1)
    /// or a negative indent. Reads the context now unless options.context holds one.
    explicit JsonReport(JsonOptions options = {}) : options_(std::move(options)), writer_(options_.indent) {
        detail::check_json_options("JsonReport", options_);
        if (!options_.context) options_.context = read_run_context();
        writer_.begin_object();
        writer_.key("schema").value("gputime-results");
        writer_.key("schema_version").value(json_schema_version);
        writer_.key("gputime_version").value(GPUTIME_VERSION);
        writer_.key("context");
        detail::write_context(writer_, *options_.context);
        writer_.key("statistics");
        detail::write_statistic_legend(writer_);
        writer_.key("results").begin_array();
    }

    /// A WarmupRunner result: {"kind": "run", "name", "time", "settings", "complete", "warmup",
    /// "latency", "enqueue", "wall", "throughput_per_second", "model", "hints", ...}.
    JsonReport& add(const RunResult& result) {
        begin("run", result.name.empty() ? std::string("run") : result.name);
        detail::write_run_fields(writer_, result, options_);
        return end();
    }

    /// A Stats you filled yourself: {"kind": "stats", "name", "stats"}.
    JsonReport& add(std::string_view name, const Stats& stats) {
        begin("stats", std::string(name));
        writer_.key("stats");
        detail::write_stats(writer_, stats, options_);
        return end();
    }

    /// An idle-gap sweep (sweep_idle_gaps): {"kind": "idle_gap_sweep", "name" (the runner's),
    /// "points": [{"idle_gap" (ns), "run": {...as a run...}}]}.
    JsonReport& add(const std::vector<IdleGapPoint>& sweep) {
        const std::string name = sweep.empty() || sweep.front().result.name.empty() ? std::string("idle gap sweep")
                                                                                    : sweep.front().result.name;
        begin("idle_gap_sweep", name);
        writer_.key("points").begin_array();
        for (const IdleGapPoint& point : sweep) {
            writer_.begin_object();
            writer_.key("idle_gap").value(static_cast<double>(point.gap.count()));
            writer_.key("run").begin_object();
            detail::write_run_fields(writer_, point.result, options_);
            writer_.end_object();
            writer_.end_object();
        }
        writer_.end_array();
        return end();
    }

    /// A layer profile: {"kind": "layer_profile", "name" (its label), "time", "iterations",
    /// "abandoned_iterations", "untraced_iterations", "iteration", "unattributed", "layers":
    /// [{"name", "path", "depth", "parent" (its path, or null), "stats"}]}; every Stats here
    /// has "share" (of the steady iteration time).
    JsonReport& add(const LayerProfile& profile) {
        begin("layer_profile", profile.label());
        const Stats* whole = &profile.iteration_total();
        writer_.key("time").value(profile.device_timed() ? "device" : "host");
        writer_.key("iterations").value(profile.iterations());
        writer_.key("abandoned_iterations").value(profile.abandoned_iterations());
        writer_.key("untraced_iterations").value(profile.untraced_iterations());
        writer_.key("iteration");
        detail::write_stats(writer_, profile.iteration_total(), options_, whole);
        writer_.key("unattributed");
        detail::write_stats(writer_, profile.unattributed(), options_, whole);
        writer_.key("layers").begin_array();
        const std::vector<LayerStats>& layers = profile.layers();
        for (const LayerStats& layer : layers) {
            writer_.begin_object();
            writer_.key("name").value(layer.name);
            writer_.key("path").value(layer.path);
            writer_.key("depth").value(layer.depth);
            writer_.key("parent");
            if (layer.top_level()) writer_.null();
            else writer_.value(layers[layer.parent].path);
            writer_.key("stats");
            detail::write_stats(writer_, layer.time, options_, whole);
            writer_.end_object();
        }
        writer_.end_array();
        return end();
    }

    /// An A/B comparison (gputime::compare): {"kind": "comparison", "name", "time", "settings",
    /// "wall", "variants": [{"name", "latency", "warmup"}], "contrasts": [{"variant", "baseline",
    /// "ratio", "ratio_lower", "ratio_upper", "coverage", "p_value", "p_method", "u", "verdict",
    /// "equivalent"}]}. An open end of a ratio's interval is null.
    JsonReport& add(std::string_view name, const Comparison& comparison) {
        begin("comparison", std::string(name));
        writer_.key("time").value(comparison.device_timed ? "device" : "host");
        writer_.key("settings").begin_object(detail::JsonWriter::Layout::one_line);
        writer_.key("samples").value(comparison.samples);
        writer_.key("warmup").value(comparison.warmup);
        writer_.key("seed").value(comparison.seed);
        writer_.key("confidence").value(comparison.confidence);
        writer_.key("min_effect").value(comparison.min_effect);
        writer_.end_object();
        writer_.key("stop").value(to_string(comparison.stop));
        writer_.key("looks").value(comparison.looks);
        writer_.key("planned_looks").value(comparison.planned_looks);
        writer_.key("look_confidence").value(comparison.look_confidence);
        writer_.key("wall").value(comparison.wall.count());
        writer_.key("variants").begin_array();
        for (const VariantTiming& v : comparison.variants) {
            writer_.begin_object();
            writer_.key("name").value(v.name);
            writer_.key("latency");
            detail::write_stats(writer_, v.latency, options_);
            writer_.key("warmup").begin_object();
            writer_.key("calls").value(v.warmup.size());
            if (options_.samples) {
                writer_.key("durations");
                detail::write_durations(writer_, v.warmup);
            }
            writer_.end_object();
            writer_.end_object();
        }
        writer_.end_array();
        writer_.key("contrasts").begin_array();
        for (const Contrast& c : comparison.contrasts) {
            writer_.begin_object();
            writer_.key("variant").value(c.name);
            writer_.key("baseline").value(c.baseline_name);
            writer_.key("ratio").value(c.ratio);
            writer_.key("ratio_lower");
            if (c.ratio_lower > 0.0) writer_.value(c.ratio_lower);
            else writer_.null();
            writer_.key("ratio_upper").value(c.ratio_upper);  // infinity (open) is written as null
            writer_.key("coverage").value(c.coverage);
            writer_.key("p_value").value(c.p_value);
            writer_.key("p_method").value(c.exact_p ? "exact" : "asymptotic");
            writer_.key("paired").value(c.paired);
            writer_.key("u").value(c.u_statistic);
            writer_.key("verdict").value(to_string(c.verdict));
            writer_.key("equivalent").value(c.equivalent);
            writer_.end_object();
        }
        writer_.end_array();
        return end();
    }

    /// GPU telemetry of a run (gputime::summarize_telemetry): {"kind": "telemetry", "name",
    /// "source", "device", "available", "unavailable" (only when not), "calls", "sampled",
    /// "throttled", "throttled_fraction", "thermal", "power", "low_clock", the clocks,
    /// temperature and power (MHz, C, W; null when not reported), "clocks_locked",
    /// "throttled_calls", "hints"}.
    JsonReport& add(std::string_view name, const TelemetrySummary& telemetry) {
        begin("telemetry", std::string(name));
        detail::write_telemetry_fields(writer_, telemetry);
        return end();
    }

    /// How many results were added.
    std::size_t size() const noexcept { return results_; }

    /// The whole document, ending with a newline.
    std::string str() const {
        detail::JsonWriter done = writer_;
        done.end_array();
        detail::write_context_at_end(done, *options_.context);  // the machine's load after the run
        done.end_object();
        return std::move(done).str() + "\n";
    }

private:
    void begin(const char* kind, const std::string& name) {
        writer_.begin_object();
        writer_.key("kind").value(kind);
        writer_.key("name").value(name);
    }
    JsonReport& end() {
        writer_.end_object();
        ++results_;
        return *this;
    }

    JsonOptions options_;
    detail::JsonWriter writer_;
    std::size_t results_ = 0;
};

/// One run as a JSON file (a JsonReport with this one result).
inline std::string to_json(const RunResult& result, const JsonOptions& options = {}) {
    return JsonReport(options).add(result).str();
}

/// One Stats, named, as a JSON file.
inline std::string to_json(const Stats& stats, std::string_view name, const JsonOptions& options = {}) {
    return JsonReport(options).add(name, stats).str();
}

/// One idle-gap sweep as a JSON file.
inline std::string to_json(const std::vector<IdleGapPoint>& sweep, const JsonOptions& options = {}) {
    return JsonReport(options).add(sweep).str();
}

/// One layer profile as a JSON file.
inline std::string to_json(const LayerProfile& profile, const JsonOptions& options = {}) {
    return JsonReport(options).add(profile).str();
}

/// One comparison, named, as a JSON file.
inline std::string to_json(const Comparison& comparison, std::string_view name, const JsonOptions& options = {}) {
    return JsonReport(options).add(name, comparison).str();
}

/// One run's GPU telemetry, named, as a JSON file.
inline std::string to_json(const TelemetrySummary& telemetry, std::string_view name, const JsonOptions& options = {}) {
    return JsonReport(options).add(name, telemetry).str();
}

}  // namespace gputime
