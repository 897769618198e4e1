// SPDX-License-Identifier: MIT
// gputime/report/layer_table.hpp - per-layer tables from LayerProfiles, as people draw them by hand and as trtexec
// prints them.
//
//   gputime::LayerTable table;                        // layers as rows, runs as columns, a SUM row
//   for (const gputime::LayerProfile& p : runs)       // "batch 1", "batch 8", "batch 32"
//       table.column(p, gputime::LayerMetric::first_call).column(p, gputime::LayerMetric::p50);
//   std::cout << table << gputime::to_text(profile, gputime::LayerOrder::cost);  // trtexec --dumpProfile
//
// docs/layers.md, "Layer tables".
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/core/error.hpp>
#include <gputime/measure/layer_profile.hpp>
#include <gputime/report/detail/text_table.hpp>
#include <gputime/stats/statistic_catalogue.hpp>
#include <gputime/stats/stats.hpp>

#include <algorithm>
#include <cstddef>
#include <iosfwd>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace gputime {

/// What a column shows of each layer's Stats: any statistic of the catalogue
/// (gputime/stats/statistic_catalogue.hpp), so tables, JSON and CSV name and print it alike.
/// LayerMetric::steady_calls is the number of steady calls, LayerMetric::calls every call.
using LayerMetric = Statistic;

/// How rows are ordered: as the layers first ran, or by cost (descending, in the column given
/// to LayerTable::order). Either way children stay under their parent.
enum class LayerOrder { appearance, cost };

/// The column heading of a metric (the catalogue's heading); "?" for a value that is none of the
/// enumerators.
inline const char* metric_name(LayerMetric metric) noexcept {
    const StatisticInfo* info = statistic_info(metric);
    return info != nullptr ? info->heading : "?";
}

/// The metric of `s` (a layer's, or the profile's unattributed or iteration Stats) within
/// `profile` (share is relative to its iterations); nothing when `s` has no sample for it (or
/// `metric` is none of the enumerators).
inline std::optional<double> metric_value(const Stats& s, LayerMetric metric, const LayerProfile& profile) {
    return statistic_value(s, metric, &profile.iteration_total());
}

class LayerTable;
inline std::string to_markdown(const LayerTable& table);

/// A per-layer table: layers as rows (nested under their parents, then SUM, unattributed and
/// iteration), one column per (profile, statistic). Refers to its profiles: they must outlive it.
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
        if (statistic_info(metric) == nullptr)
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

    /// The table as aligned plain text. Throws std::logic_error without a column,
    /// InvalidArgument (parameter "by_column") for a sort column that does not exist.
    std::string str() const {
        std::string out;
        if (!title_.empty()) out += title_ + "\n";
        out += table().str();
        for (const std::string& n : notes_) out += n + "\n";
        return out;
    }

    friend std::string to_markdown(const LayerTable& table);

private:
    std::string markdown_str() const {
        std::string out;
        if (!title_.empty()) out += "**" + title_ + "**\n\n";
        out += table().markdown();
        if (!notes_.empty()) out += "\n";
        for (const std::string& n : notes_) out += n + "\n";
        return out;
    }

    detail::TextTable table() const {
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
            for (std::size_t c = 0; c < columns_.size(); ++c)
                cells.push_back(format_statistic(columns_[c].metric, value(rows[r], c)));
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
                // Counts, spreads and relative errors do not add up across layers.
                const bool summable = statistic_info(col.metric)->summable;
                sum.push_back(summable ? format_statistic(col.metric, total) : std::string());
                between.push_back(
                    format_statistic(col.metric, metric_value(col.run->unattributed(), col.metric, *col.run)));
                iteration.push_back(
                    format_statistic(col.metric, metric_value(col.run->iteration_total(), col.metric, *col.run)));
            }
            table.row(std::move(sum));
            table.row(std::move(between));
            table.row(std::move(iteration));
        }
        return table;
    }

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
                const auto found =
                    std::find_if(rows.begin(), rows.end(), [&](const Row& r) { return r.path == layer.path; });
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

/// The table as aligned plain text (table.str()). Throws std::logic_error without a column,
/// InvalidArgument (parameter "by_column") for a sort column that does not exist.
inline std::string to_text(const LayerTable& table) { return table.str(); }

/// The same table as GitHub-flavoured markdown (for a pull-request comment or a wiki page): the
/// title in bold, each column headed by its group and heading ("batch 8 p50"), nested layers
/// indented with non-breaking spaces, notes below. Throws what to_text throws.
inline std::string to_markdown(const LayerTable& table) { return table.markdown_str(); }

/// Prints the aligned text table (table.str()).
template <class Ostream, class = std::enable_if_t<std::is_base_of<std::ostream, Ostream>::value>>
Ostream& operator<<(Ostream& os, const LayerTable& table) {
    os << table.str();
    return os;
}

namespace detail {
// A trtexec-style profile of one run: per layer the steady calls, their total, mean, median and
// p99, the first call (kept apart), and the share of the iteration time.
inline LayerTable profile_layer_table(const LayerProfile& profile, LayerOrder order) {
    const std::size_t n = profile.iterations();
    std::string title = "=== Profile";
    if (!profile.label().empty()) title += ": " + profile.label();
    title += " (" + std::to_string(n) + (n == 1 ? " iteration" : " iterations");
    if (n > 1) title += ": the first + " + std::to_string(n - 1) + " steady";
    title += profile.device_timed() ? "; device time" : "; host time";
    title += ") ===";
    LayerTable table;
    table.title(std::move(title))
        .column(profile, LayerMetric::steady_calls, "calls")
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
    return table;
}
}  // namespace detail

/// A trtexec-style profile of one run: per layer the steady calls, their total, mean, median and
/// p99, the first call (kept apart), and the share of the iteration time; layers as they first
/// ran, or by cost (their steady total).
inline std::string to_text(const LayerProfile& profile, LayerOrder order = LayerOrder::appearance) {
    return to_text(detail::profile_layer_table(profile, order));
}

/// The same profile as a markdown table.
inline std::string to_markdown(const LayerProfile& profile, LayerOrder order = LayerOrder::appearance) {
    return to_markdown(detail::profile_layer_table(profile, order));
}

}  // namespace gputime
