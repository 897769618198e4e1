// SPDX-License-Identifier: MIT
// gputime/measure/layer_profile.hpp - what a LayerProfiler measured: per-layer statistics, the
// iteration total, the time between layers, and a bounded trace of the first iterations.
//
//   const gputime::LayerProfile& profile = profiler.profile();
//   profile.find("block1/conv")->time.p50();   std::cout << gputime::to_text(profile);
//
// A LayerProfile is plain data with no clock in it, so tables (report/layer_table.hpp) and exports
// (report/layer_csv.hpp, report/chrome_trace.hpp) work the same for host- and device-timed runs, and
// profiles from several runs, threads or processes can be merged.
//
// Layer paths, shares, the time between layers, the trace and merging: docs/layers.md.
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/core/error.hpp>
#include <gputime/stats/stats.hpp>

#include <chrono>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gputime {

namespace detail {
// Appends `name` as one path component: each slash or backslash in it preceded by a backslash.
inline void append_path_component(std::string& path, std::string_view name) {
    for (const char c : name) {
        if (c == '/' || c == '\\') path += '\\';
        path += c;
    }
}
}  // namespace detail

/// The path of the layer reached through `names`, outermost first, as LayerStats::path and
/// LayerProfile::find() spell it: layer_path({"block1", "conv"}) == "block1/conv",
/// layer_path({"a/b"}) == "a\\/b" (C++ literal: a top-level layer whose name holds a slash).
inline std::string layer_path(std::initializer_list<std::string_view> names) {
    std::string path;
    bool first = true;
    for (const std::string_view name : names) {
        if (!first) path += '/';
        first = false;
        detail::append_path_component(path, name);
    }
    return path;
}

template <class Clock, class Ranges>
class LayerProfiler;

/// One named scope of a profile, over every call it made.
struct LayerStats {
    /// `parent` of a top-level layer.
    static constexpr std::size_t no_parent = static_cast<std::size_t>(-1);

    std::string name;                ///< As given to scope(): "conv".
    std::string path;                ///< Unique in its profile: "block1/conv" (see layer_path()).
    std::size_t parent = no_parent;  ///< Index of the enclosing layer in LayerProfile::layers().
    std::size_t depth = 0;           ///< 0 for a top-level layer.
    Stats time;                      ///< One sample per call; the first call kept apart.

    /// No enclosing layer.
    bool top_level() const noexcept { return parent == no_parent; }
};

/// One layer call in the trace, relative to the start of its iteration.
struct TraceSpan {
    std::size_t layer = 0;   ///< Index in LayerProfile::layers().
    Duration offset{0.0};    ///< From the iteration's start mark to the scope's start mark.
    Duration duration{0.0};  ///< The scope's own time, as in LayerStats::time.
};

/// One traced iteration: its spans are trace_spans()[first_span, first_span + span_count).
struct TraceIteration {
    std::size_t index = 0;       ///< 0 = the profile's first iteration (the first-call one).
    Duration total{0.0};         ///< From its start mark to its end mark (iteration_total()).
    std::size_t first_span = 0;  ///< Its first span in LayerProfile::trace_spans().
    std::size_t span_count = 0;  ///< How many spans it has.
    /// When the iteration started: from the profile's trace origin (the start mark of its first
    /// traced iteration, LayerProfile::trace_origin()) to this iteration's start mark, on the
    /// clock's own timeline (device time for a GPU clock), as measured.
    Duration start{0.0};
};

/// Per-layer statistics of a model over many iterations, with a trace of the first ones: what a
/// LayerProfiler collects (LayerProfiler::profile()) and the layer reports print.
class LayerProfile {
public:
    LayerProfile() = default;
    /// An empty profile; `device_timed`: its times will be device times.
    explicit LayerProfile(std::string label, bool device_timed = false)
        : label_(std::move(label)), device_timed_(device_timed) {}

    /// What this run was: "batch 8". Used as a column title and as the trace's process name.
    const std::string& label() const noexcept { return label_; }
    /// Renames the run (label()).
    void set_label(std::string label) { label_ = std::move(label); }
    /// True when the times are device times (a GPU clock), false for host times.
    bool device_timed() const noexcept { return device_timed_; }

    /// Every layer in order of first appearance; a parent always comes before its children.
    const std::vector<LayerStats>& layers() const noexcept { return layers_; }
    /// The layer with this path ("block1/conv", or just "fc1" at top level; a slash or backslash
    /// inside a name escaped with a backslash, see layer_path()), or nullptr. find("") is
    /// nullptr: no layer has an empty name (LayerProfiler refuses one).
    const LayerStats* find(std::string_view path) const noexcept {
        for (const LayerStats& layer : layers_)
            if (layer.path == path) return &layer;
        return nullptr;
    }

    /// One sample per completed iteration, from its start mark to its end mark.
    const Stats& iteration_total() const noexcept { return iteration_total_; }
    /// One sample per completed iteration: iteration total - sum of its top-level layers.
    const Stats& unattributed() const noexcept { return unattributed_; }
    /// Completed iterations (the first one included).
    std::size_t iterations() const { return iteration_total_.calls(); }
    /// Iterations dropped because a scope threw or abandon_iteration() was called.
    std::size_t abandoned_iterations() const noexcept { return abandoned_; }

    /// The layer's steady total over the iterations' steady total (see the header comment);
    /// 0 when either has no steady sample.
    double share(const LayerStats& layer) const {
        if (layer.time.count() == 0 || iteration_total_.count() == 0) return 0.0;
        const double total = iteration_total_.total().count();
        return total > 0.0 ? layer.time.total().count() / total : 0.0;
    }

    /// The first iterations, span by span (bounded by the profiler's trace_iterations()).
    const std::vector<TraceIteration>& trace_iterations() const noexcept { return trace_iterations_; }
    /// Every traced span, iteration after iteration (TraceIteration::first_span indexes it).
    const std::vector<TraceSpan>& trace_spans() const noexcept { return trace_spans_; }
    /// Completed iterations that are in the statistics but not in the trace (over the cap).
    std::size_t untraced_iterations() const { return iterations() - trace_iterations_.size(); }
    /// Host time (the clock's host_now()) read just before the trace origin, the start mark of
    /// the first traced iteration, was taken: TraceIteration::start counts from there. It puts
    /// profiles on one timeline: a host-timed and a device-timed profile of the same loop line up
    /// in a trace (gputime/report/chrome_trace.hpp). 0 while nothing is traced.
    std::chrono::nanoseconds trace_origin() const noexcept { return trace_origin_; }

    /// Pools `other` into this profile: layers are matched by path (new ones are appended),
    /// their Stats merged (Stats::merge: first calls pooled, steady samples pooled), and the
    /// other's traced iterations appended after ours. The label stays this profile's.
    /// Throws InvalidArgument (parameter "other"), changing nothing, when one profile holds host
    /// times and the other device times; an empty profile takes the other's time base, and
    /// merging an empty profile changes nothing.
    void merge(const LayerProfile& other) {
        if (&other == this) {
            merge(LayerProfile(other));  // a copy: merging into itself would read what it writes
            return;
        }
        if (other.empty()) return;
        if (empty()) {
            device_timed_ = other.device_timed_;
        } else if (device_timed_ != other.device_timed_) {
            throw InvalidArgument("LayerProfile::merge", "other", time_base_mismatch(other.device_timed_));
        }
        // The other's iterations are numbered after all of ours, traced or not, and keep their
        // place in time: their starts move to our trace origin.
        const std::size_t first_index = iterations();
        if (trace_iterations_.empty()) trace_origin_ = other.trace_origin_;
        const Duration origin_shift(other.trace_origin_ - trace_origin_);
        std::vector<std::size_t> mapped(other.layers_.size());
        for (std::size_t i = 0; i < other.layers_.size(); ++i) {
            const LayerStats& theirs = other.layers_[i];
            // Parents precede children, so the parent is already mapped.
            const std::size_t parent = theirs.top_level() ? LayerStats::no_parent : mapped[theirs.parent];
            std::size_t index = index_of(parent, theirs.name);
            if (index == LayerStats::no_parent) index = add_layer(parent, theirs.name);
            layers_[index].time.merge(theirs.time);
            mapped[i] = index;
        }
        iteration_total_.merge(other.iteration_total_);
        unattributed_.merge(other.unattributed_);
        abandoned_ += other.abandoned_;
        for (const TraceIteration& it : other.trace_iterations_) {
            TraceIteration copy = it;
            copy.index = first_index + it.index;
            copy.start = it.start + origin_shift;
            copy.first_span = trace_spans_.size();
            for (std::size_t s = it.first_span; s < it.first_span + it.span_count; ++s) {
                TraceSpan span = other.trace_spans_[s];
                span.layer = mapped[span.layer];
                trace_spans_.push_back(span);
            }
            trace_iterations_.push_back(copy);
        }
    }

private:
    template <class Clock, class Ranges>
    friend class LayerProfiler;

    bool empty() const {
        return layers_.empty() && iteration_total_.calls() == 0 && abandoned_ == 0 && trace_iterations_.empty();
    }

    // What merge() says when host and device times would mix.
    static std::string time_base_mismatch(bool other_device_timed) {
        return other_device_timed ? "holds device times (a GPU clock) and this profile host times: they do not pool"
                                  : "holds host times and this profile device times (a GPU clock): they do not pool";
    }

    std::size_t index_of(std::size_t parent, std::string_view name) const noexcept {
        for (std::size_t i = 0; i < layers_.size(); ++i)
            if (layers_[i].parent == parent && layers_[i].name == name) return i;
        return LayerStats::no_parent;
    }

    std::size_t add_layer(std::size_t parent, std::string_view name) {
        LayerStats layer;
        layer.name = std::string(name);
        layer.parent = parent;
        if (parent != LayerStats::no_parent) {
            layer.path = layers_[parent].path + "/";
            layer.depth = layers_[parent].depth + 1;
        }
        detail::append_path_component(layer.path, layer.name);
        layers_.push_back(std::move(layer));
        return layers_.size() - 1;
    }

    std::string label_;
    bool device_timed_ = false;
    std::vector<LayerStats> layers_;
    Stats iteration_total_;
    Stats unattributed_;
    std::size_t abandoned_ = 0;
    std::vector<TraceIteration> trace_iterations_;
    std::vector<TraceSpan> trace_spans_;
    std::chrono::nanoseconds trace_origin_{0};
};

}  // namespace gputime
