// SPDX-License-Identifier: MIT
// gputime/report/chrome_trace.hpp - the traced iterations of LayerProfiles as a Chrome trace-event file.
//
//   std::ofstream("trace.json") << gputime::to_chrome_trace({&batch1, &batch8, &batch32});
//   // open in https://ui.perfetto.dev or chrome://tracing
//
// docs/layers.md, "The Chrome trace".
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/measure/layer_profile.hpp>
#include <gputime/report/detail/json_writer.hpp>

#include <chrono>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

namespace gputime {

namespace detail {

inline double trace_us(Duration d) { return d.count() / 1000.0; }

// {"name": <what>, "ph": "M", "pid": <pid>, "tid": 1, "args": {"name": <value>}}
inline void write_trace_metadata(JsonWriter& w, const char* what, std::size_t pid, const std::string& value) {
    w.begin_object(JsonWriter::Layout::one_line);
    w.key("name").value(what);
    w.key("ph").value("M");
    w.key("pid").value(pid);
    w.key("tid").value(1);
    w.key("args").begin_object().key("name").value(value).end_object();
    w.end_object();
}

// A complete ("X") event, up to its open "args" object; the caller writes the args and closes
// both objects.
inline void begin_trace_span(JsonWriter& w, const std::string& name, const char* category, Duration start,
                             Duration duration, std::size_t pid) {
    w.begin_object(JsonWriter::Layout::one_line);
    w.key("name").value(name);
    w.key("cat").value(category);
    w.key("ph").value("X");
    w.key("ts").value(trace_us(start));
    w.key("dur").value(trace_us(duration));
    w.key("pid").value(pid);
    w.key("tid").value(1);
    w.key("args").begin_object();
}

inline void write_trace_profile(JsonWriter& w, const LayerProfile& profile, std::size_t pid, Duration origin) {
    write_trace_metadata(w, "process_name", pid,
                         profile.label().empty() ? "gputime run " + std::to_string(pid) : profile.label());
    write_trace_metadata(w, "thread_name", pid, profile.device_timed() ? "layers (device time)" : "layers (host time)");

    const std::vector<LayerStats>& layers = profile.layers();
    const std::vector<TraceSpan>& spans = profile.trace_spans();
    for (const TraceIteration& it : profile.trace_iterations()) {
        const Duration start = origin + it.start;
        begin_trace_span(w, "iteration " + std::to_string(it.index), "iteration", start, it.total, pid);
        w.key("iteration").value(it.index);
        w.key("first").value(it.index == 0);
        w.end_object().end_object();
        for (std::size_t s = it.first_span; s < it.first_span + it.span_count; ++s) {
            const TraceSpan& span = spans[s];
            const LayerStats& layer = layers[span.layer];
            begin_trace_span(w, layer.name, "layer", start + span.offset, span.duration, pid);
            w.key("path").value(layer.path);
            w.key("iteration").value(it.index);
            w.key("duration_ns").value(span.duration.count());
            w.end_object().end_object();
        }
    }
}

}  // namespace detail

/// One trace with one process per profile (pid = position + 1), every profile on the common
/// timeline of their trace origins (see the top of this header).
inline std::string to_chrome_trace(const std::vector<const LayerProfile*>& profiles) {
    // ts 0 is the earliest trace origin among the profiles that traced something.
    std::optional<std::chrono::nanoseconds> epoch;
    for (const LayerProfile* p : profiles)
        if (p != nullptr && !p->trace_iterations().empty() && (!epoch || p->trace_origin() < *epoch))
            epoch = p->trace_origin();
    detail::JsonWriter w(2);
    w.begin_object();
    w.key("traceEvents").begin_array();
    std::size_t pid = 1;
    for (const LayerProfile* p : profiles) {
        if (p != nullptr)
            detail::write_trace_profile(w, *p, pid, Duration(p->trace_origin() - epoch.value_or(p->trace_origin())));
        ++pid;
    }
    w.end_array();
    w.key("displayTimeUnit").value("ns");
    w.end_object();
    return std::move(w).str() + "\n";
}

/// As above: `to_chrome_trace({&host, &device})`.
inline std::string to_chrome_trace(std::initializer_list<const LayerProfile*> profiles) {
    return to_chrome_trace(std::vector<const LayerProfile*>(profiles));
}

/// The trace of one profile.
inline std::string to_chrome_trace(const LayerProfile& profile) { return to_chrome_trace({&profile}); }

}  // namespace gputime
