// gputime/layer_report.hpp - per-layer tables from LayerProfiles, as people draw them by hand and as trtexec prints them.
//
//   // layers as rows, runs as columns, a SUM row
//   gputime::LayerTable table;
//   for (const gputime::LayerProfile& p : runs)       // "batch 1", "batch 8", "batch 32"
//       table.column(p, gputime::LayerMetric::first_call).column(p, gputime::LayerMetric::p50);
//   std::cout << table;
//
//   // trtexec --dumpProfile: one run, name / calls / total / avg / median / p99 / %
//   std::cout << gputime::profile_table(profile, gputime::LayerOrder::cost);
//
// Rows: every layer of every column's profile (matched by path), nested layers indented under
// their parent; then SUM (the top-level layers added up: nested layers are inside their
// parent already), unattributed (time between top-level layers) and iteration (the measured
// iteration total). A statistic of a sum is not the sum of the statistics: SUM of p50s is what
// hand-made tables show, the iteration row is the p50 of the real totals. Only first_call is
// exactly additive: SUM + unattributed = iteration.
// A cell is "-" where the layer did not run in that profile or the statistic has no sample
// (p50 needs a steady call besides the first). Durations are scaled per cell
// (gputime::format_duration).
// A LayerTable refers to its profiles: they must outlive it.
// Rows are matched by path, which names exactly one layer (a '/' inside a name is escaped, see
// gputime/layer_profile.hpp), so no layer's row is dropped and SUM + unattributed = iteration.
// Bad input: a LayerMetric or LayerOrder that is none of the enumerators throws
// gputime::InvalidArgument (parameter "metric" / "how") from column() / order(), changing
// nothing; order()'s by_column is checked when the table is printed (columns may be added after
// order()): str() throws InvalidArgument (parameter "by_column") when there is no such column.
// A table without columns has nothing to print: str() throws std::logic_error. A profile that
// measured nothing gives a well-defined table: no layer rows, "-" (calls: 0) in the totals.
#pragma once

#include <gputime/detail/text_table.hpp>
#include <gputime/duration.hpp>
#include <gputime/error.hpp>
#include <gputime/layer_profile.hpp>
#include <gputime/stats.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace gputime {

/// What a column shows of each layer's Stats.
enum class LayerMetric {
    first_call,           ///< the layer's first call
    first_call_overhead,  ///< first call - steady p50
    mean,
    p50,
    p90,
    p99,
    min,
    max,
    total,  ///< sum of the steady calls
    calls,  ///< number of steady calls
    share,  ///< steady total / iteration steady total (LayerProfile::share)
};

/// How rows are ordered: as the layers first ran, or by cost (descending, in the column given
/// to LayerTable::order). Either way children stay under their parent.
enum class LayerOrder { appearance, cost };

namespace detail {
inline bool known_metric(LayerMetric metric) noexcept {
    return static_cast<int>(metric) >= static_cast<int>(LayerMetric::first_call) &&
           static_cast<int>(metric) <= static_cast<int>(LayerMetric::share);
}
}  // namespace detail

/// The column heading of a metric; "?" for a value that is none of the enumerators.
inline const char* metric_name(LayerMetric metric) noexcept {
    switch (metric) {
        case LayerMetric::first_call: return "first call";
        case LayerMetric::first_call_overhead: return "1st overhead";
        case LayerMetric::mean: return "mean";
        case LayerMetric::p50: return "p50";
        case LayerMetric::p90: return "p90";
        case LayerMetric::p99: return "p99";
        case LayerMetric::min: return "min";
        case LayerMetric::max: return "max";
        case LayerMetric::total: return "total";
        case LayerMetric::calls: return "calls";
        case LayerMetric::share: return "%";
    }
    return "?";
}

/// The metric of `s` (a layer's, or the profile's unattributed or iteration Stats) within
/// `profile`; nothing when `s` has no sample for it (or `metric` is none of the enumerators).
inline std::optional<double> metric_value(const Stats& s, LayerMetric metric, const LayerProfile& profile) {
    const bool steady = s.count() > 0;
    switch (metric) {
        case LayerMetric::first_call:
            return s.has_first_call() ? std::optional<double>(s.first_call().count()) : std::nullopt;
        case LayerMetric::first_call_overhead:
            return s.has_first_call() && steady ? std::optional<double>(s.first_call_overhead().count())
                                                : std::nullopt;
        case LayerMetric::mean: return steady ? std::optional<double>(s.mean().count()) : std::nullopt;
        case LayerMetric::p50: return steady ? std::optional<double>(s.p50().count()) : std::nullopt;
        case LayerMetric::p90: return steady ? std::optional<double>(s.p90().count()) : std::nullopt;
        case LayerMetric::p99: return steady ? std::optional<double>(s.p99().count()) : std::nullopt;
        case LayerMetric::min: return steady ? std::optional<double>(s.min().count()) : std::nullopt;
        case LayerMetric::max: return steady ? std::optional<double>(s.max().count()) : std::nullopt;
        case LayerMetric::total: return steady ? std::optional<double>(s.total().count()) : std::nullopt;
        case LayerMetric::calls: return static_cast<double>(s.count());
        case LayerMetric::share: {
            const Stats& all = profile.iteration_total();
            if (!steady || all.count() == 0 || all.total().count() <= 0.0) return std::nullopt;
            return s.total().count() / all.total().count();
        }
    }
    return std::nullopt;
}

namespace detail {
inline std::string metric_text(LayerMetric metric, const std::optional<double>& value) {
    if (!value) return "-";
    char buffer[32];
    if (metric == LayerMetric::calls) {
        std::snprintf(buffer, sizeof buffer, "%.0f", *value);
        return buffer;
    }
    if (metric == LayerMetric::share) {
        std::snprintf(buffer, sizeof buffer, "%.1f%%", *value * 100.0);
        return buffer;
    }
    return format_duration(Duration{*value});
}
}  // namespace detail

class LayerTable {
public:
    /// A title line printed above the table.
    LayerTable& title(std::string text) {
        title_ = std::move(text);
        return *this;
    }
    /// Adds a column: `metric` of every layer of `run`, headed by the run's label over the
    /// metric's name.
    LayerTable& column(const LayerProfile& run, LayerMetric metric = LayerMetric::p50) {
        return column(run, metric, metric_name(metric), run.label());
    }
    /// Adds a column with its own heading (and group, the line above it). Throws InvalidArgument
    /// (parameter "metric") for a value that is none of LayerMetric's enumerators.
    LayerTable& column(const LayerProfile& run, LayerMetric metric, std::string heading, std::string group = {}) {
        if (!detail::known_metric(metric))
            throw InvalidArgument("LayerTable::column", "metric",
                                  "is " + std::to_string(static_cast<int>(metric)) + ", not a LayerMetric");
        columns_.push_back(Column{&run, metric, std::move(heading), std::move(group)});
        return *this;
    }
    LayerTable& column(const LayerProfile&&, LayerMetric = LayerMetric::p50) = delete;  // would dangle
    LayerTable& column(const LayerProfile&&, LayerMetric, std::string, std::string = {}) = delete;

    /// Row order; for LayerOrder::cost, by the value in column `by_column` (default: the last;
    /// counted from 0, checked by str()). Throws InvalidArgument (parameter "how") for a value
    /// that is none of LayerOrder's enumerators.
    LayerTable& order(LayerOrder how, std::optional<std::size_t> by_column = std::nullopt) {
        if (how != LayerOrder::appearance && how != LayerOrder::cost)
            throw InvalidArgument("LayerTable::order", "how",
                                  "is " + std::to_string(static_cast<int>(how)) + ", not a LayerOrder");
        order_ = how;
        sort_column_ = by_column;
        return *this;
    }
    /// Whether to print the SUM, unattributed and iteration rows (default true).
    LayerTable& totals(bool show) {
        totals_ = show;
        return *this;
    }
    /// A line printed under the table.
    LayerTable& note(std::string text) {
        notes_.push_back(std::move(text));
        return *this;
    }

    std::string str() const {
        if (columns_.empty()) throw std::logic_error("gputime::LayerTable: no columns");
        const std::vector<Row> rows = collect_rows();
        const std::size_t sort_by = sort_column_.value_or(columns_.size() - 1);
        if (order_ == LayerOrder::cost && sort_by >= columns_.size())
            throw InvalidArgument("LayerTable::order", "by_column",
                                  "is " + std::to_string(sort_by) + ", but the table has " +
                                      std::to_string(columns_.size()) + " column(s), counted from 0");

        std::vector<std::string> header{"layer"};
        std::vector<std::string> groups{""};
        bool any_group = false;
        for (const Column& c : columns_) {
            header.push_back(c.heading);
            groups.push_back(c.group);
            any_group = any_group || !c.group.empty();
        }
        detail::TextTable table(header, any_group ? groups : std::vector<std::string>{});

        std::vector<std::size_t> ordered;
        append_children(rows, LayerStats::no_parent, sort_by, ordered);
        for (const std::size_t r : ordered) {
            std::vector<std::string> cells{std::string(2 * rows[r].depth, ' ') + rows[r].name};
            for (std::size_t c = 0; c < columns_.size(); ++c) cells.push_back(detail::metric_text(columns_[c].metric, value(rows[r], c)));
            table.row(std::move(cells));
        }
        if (totals_) {
            if (!ordered.empty()) table.rule();  // no second rule right under the header
            std::vector<std::string> sum{"SUM"}, between{"unattributed"}, iteration{"iteration"};
            for (std::size_t c = 0; c < columns_.size(); ++c) {
                const Column& col = columns_[c];
                std::optional<double> total;
                for (const Row& row : rows) {
                    if (row.depth != 0) continue;
                    if (const std::optional<double> v = value(row, c)) total = total.value_or(0.0) + *v;
                }
                // A count of calls does not add up to anything meaningful across layers.
                sum.push_back(col.metric == LayerMetric::calls ? std::string() : detail::metric_text(col.metric, total));
                between.push_back(detail::metric_text(
                    col.metric, metric_value(col.run->unattributed(), col.metric, *col.run)));
                iteration.push_back(detail::metric_text(
                    col.metric, metric_value(col.run->iteration_total(), col.metric, *col.run)));
            }
            table.row(std::move(sum));
            table.row(std::move(between));
            table.row(std::move(iteration));
        }
        std::string out;
        if (!title_.empty()) out += title_ + "\n";
        out += table.str();
        for (const std::string& n : notes_) out += n + "\n";
        return out;
    }

private:
    struct Column {
        const LayerProfile* run;
        LayerMetric metric;
        std::string heading;
        std::string group;
    };
    // A layer across all columns' profiles, matched by path.
    struct Row {
        std::string path;
        std::string name;
        std::size_t depth = 0;
        std::size_t parent = LayerStats::no_parent;  // index into the rows
        std::vector<const LayerStats*> in_column;    // nullptr where the column's run lacks it
    };

    std::vector<Row> collect_rows() const {
        std::vector<Row> rows;
        std::vector<const LayerProfile*> seen;
        for (const Column& column : columns_) {
            if (std::find(seen.begin(), seen.end(), column.run) != seen.end()) continue;
            seen.push_back(column.run);
            for (const LayerStats& layer : column.run->layers()) {
                const auto found = std::find_if(rows.begin(), rows.end(), [&](const Row& r) { return r.path == layer.path; });
                if (found != rows.end()) continue;
                Row row;
                row.path = layer.path;
                row.name = layer.name;
                row.depth = layer.depth;
                if (!layer.top_level()) {
                    const std::string& parent_path = column.run->layers()[layer.parent].path;
                    for (std::size_t r = 0; r < rows.size(); ++r)
                        if (rows[r].path == parent_path) row.parent = r;
                }
                rows.push_back(std::move(row));
            }
        }
        for (Row& row : rows) {
            for (const Column& column : columns_) row.in_column.push_back(column.run->find(row.path));
        }
        return rows;
    }

    std::optional<double> value(const Row& row, std::size_t c) const {
        const LayerStats* layer = row.in_column[c];
        if (layer == nullptr) return std::nullopt;
        return metric_value(layer->time, columns_[c].metric, *columns_[c].run);
    }

    // Depth-first: each parent followed by its children, siblings in appearance or cost order.
    void append_children(const std::vector<Row>& rows, std::size_t parent, std::size_t sort_by,
                         std::vector<std::size_t>& out) const {
        std::vector<std::size_t> children;
        for (std::size_t r = 0; r < rows.size(); ++r)
            if (rows[r].parent == parent) children.push_back(r);
        if (order_ == LayerOrder::cost) {
            std::stable_sort(children.begin(), children.end(), [&](std::size_t a, std::size_t b) {
                const std::optional<double> va = value(rows[a], sort_by);
                const std::optional<double> vb = value(rows[b], sort_by);
                if (!vb) return va.has_value();  // missing values last
                return va && *va > *vb;
            });
        }
        for (const std::size_t r : children) {
            out.push_back(r);
            append_children(rows, r, sort_by, out);
        }
    }

    std::string title_;
    std::vector<Column> columns_;
    std::vector<std::string> notes_;
    LayerOrder order_ = LayerOrder::appearance;
    std::optional<std::size_t> sort_column_;
    bool totals_ = true;
};

inline std::ostream& operator<<(std::ostream& os, const LayerTable& table) { return os << table.str(); }

/// A trtexec-style profile of one run: per layer the steady calls, their total, mean, median
/// and p99, the first call (kept apart), and the share of the iteration time.
inline std::string profile_table(const LayerProfile& profile, LayerOrder order = LayerOrder::appearance) {
    const std::size_t n = profile.iterations();
    std::string title = "=== Profile";
    if (!profile.label().empty()) title += ": " + profile.label();
    title += " (" + std::to_string(n) + (n == 1 ? " iteration" : " iterations");
    if (n > 1) title += ": the first + " + std::to_string(n - 1) + " steady";
    title += profile.device_timed() ? "; device time" : "; host time";
    title += ") ===";
    LayerTable table;
    table.title(std::move(title))
        .column(profile, LayerMetric::calls, "calls")
        .column(profile, LayerMetric::total, "total")
        .column(profile, LayerMetric::mean, "avg")
        .column(profile, LayerMetric::p50, "median")
        .column(profile, LayerMetric::p99, "p99")
        .column(profile, LayerMetric::first_call, "first call")
        .column(profile, LayerMetric::share, "%")
        .order(order, 1)
        .note("calls/total/avg/median/p99/% describe the steady state: each layer's first call is kept apart.");
    if (profile.abandoned_iterations() > 0)
        table.note(std::to_string(profile.abandoned_iterations()) + " iteration(s) abandoned (a scope threw).");
    return table.str();
}

}  // namespace gputime
