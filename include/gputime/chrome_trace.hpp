// gputime/chrome_trace.hpp - the traced iterations of LayerProfiles as a Chrome trace-event file.
//
//   std::ofstream("trace.json") << gputime::to_chrome_trace({&batch1, &batch8, &batch32});
//   // open in https://ui.perfetto.dev or chrome://tracing
//
// Format: the JSON object form of the Trace Event Format,
//   {"traceEvents": [ {"name", "cat", "ph": "X", "ts", "dur", "pid", "tid", "args"}, ... ],
//    "displayTimeUnit": "ns"}
// with "ts"/"dur" in microseconds (fractional, so nanoseconds survive). Each profile is one
// process (pid 1, 2, ... named by its label through a "process_name" metadata event); each
// traced iteration is an "iteration" event with its layers nested inside it on the same
// thread. Iterations are laid end to end: iteration k starts where k-1 ended, because the
// marks only say how long things took relative to each iteration's start, not when the
// iterations ran relative to one another (device and host clocks have no common epoch).
// Layer timestamps are offsets from their iteration's start mark, as measured.
// Only the first LayerProfiler::trace_iterations() iterations of a run are in its profile, so
// the file stays bounded however long the run was.
// Any input gives a valid file: no profiles (or only empty ones) give a trace with no (or only
// metadata) events; a null pointer in the list is skipped but keeps its pid, so the other
// profiles' process numbers do not shift.
#pragma once

#include <gputime/detail/escape.hpp>
#include <gputime/duration.hpp>
#include <gputime/layer_profile.hpp>

#include <cstddef>
#include <initializer_list>
#include <string>
#include <vector>

namespace gputime {

namespace detail {
inline void append_trace_us(std::string& out, Duration d) { append_json_number(out, d.count() / 1000.0); }

// {"name": <name>, "ph": "M", "pid": <pid>, "tid": 1, "args": {"name": <value>}}
inline void append_trace_metadata(std::string& out, const char* name, std::size_t pid, const std::string& value) {
    out += "\"name\": \"";
    out += name;
    out += "\", \"ph\": \"M\", \"pid\": ";
    append_json_number(out, pid);
    out += ", \"tid\": 1, \"args\": {\"name\": ";
    append_json_string(out, value);
    out += "}}";
}

// A complete ("X") event up to its open args object; the caller adds the args and "}}".
inline void begin_trace_span(std::string& out, const std::string& name, const char* category, Duration start,
                             Duration duration, std::size_t pid) {
    out += "\"name\": ";
    append_json_string(out, name);
    out += ", \"cat\": \"";
    out += category;
    out += "\", \"ph\": \"X\", \"ts\": ";
    append_trace_us(out, start);
    out += ", \"dur\": ";
    append_trace_us(out, duration);
    out += ", \"pid\": ";
    append_json_number(out, pid);
    out += ", \"tid\": 1, \"args\": {";
}

inline void append_trace_profile(std::string& out, const LayerProfile& profile, std::size_t pid, bool& first_event) {
    const auto begin_event = [&] {
        out += first_event ? "\n  {" : ",\n  {";
        first_event = false;
    };
    begin_event();
    append_trace_metadata(out, "process_name", pid,
                          profile.label().empty() ? "gputime run " + std::to_string(pid) : profile.label());
    begin_event();
    append_trace_metadata(out, "thread_name", pid,
                          profile.device_timed() ? "layers (device time)" : "layers (host time)");

    const std::vector<LayerStats>& layers = profile.layers();
    const std::vector<TraceSpan>& spans = profile.trace_spans();
    Duration start{0.0};
    for (const TraceIteration& it : profile.trace_iterations()) {
        begin_event();
        begin_trace_span(out, "iteration " + std::to_string(it.index), "iteration", start, it.total, pid);
        out += "\"iteration\": ";
        append_json_number(out, it.index);
        out += ", \"first\": ";
        out += it.index == 0 ? "true" : "false";
        out += "}}";
        for (std::size_t s = it.first_span; s < it.first_span + it.span_count; ++s) {
            const TraceSpan& span = spans[s];
            const LayerStats& layer = layers[span.layer];
            begin_event();
            begin_trace_span(out, layer.name, "layer", start + span.offset, span.duration, pid);
            out += "\"path\": ";
            append_json_string(out, layer.path);
            out += ", \"iteration\": ";
            append_json_number(out, it.index);
            out += ", \"duration_ns\": ";
            append_json_number(out, span.duration.count());
            out += "}}";
        }
        start += it.total;
    }
}
}  // namespace detail

/// One trace with one process per profile (pid = position + 1). The profiles' traced
/// iterations are laid end to end within each process.
inline std::string to_chrome_trace(const std::vector<const LayerProfile*>& profiles) {
    std::string out = "{\"traceEvents\": [";
    bool first_event = true;
    std::size_t pid = 1;
    for (const LayerProfile* p : profiles) {
        if (p != nullptr) detail::append_trace_profile(out, *p, pid, first_event);
        ++pid;
    }
    out += first_event ? "],\n" : "\n],\n";
    out += "\"displayTimeUnit\": \"ns\"}\n";
    return out;
}

inline std::string to_chrome_trace(std::initializer_list<const LayerProfile*> profiles) {
    return to_chrome_trace(std::vector<const LayerProfile*>(profiles));
}

inline std::string to_chrome_trace(const LayerProfile& profile) { return to_chrome_trace({&profile}); }

}  // namespace gputime
