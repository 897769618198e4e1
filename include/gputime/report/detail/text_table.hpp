// SPDX-License-Identifier: MIT
// gputime/report/detail/text_table.hpp - a plain-text table with aligned columns, for reports.
//
// The first column (names) is left-aligned, every other column right-aligned, so that numbers
// with scaled units ("812 ns", "1.325 ms") line up on their unit. rule() draws a separator
// before a group of rows (SUM, totals). An optional group line above the header names runs of
// adjacent columns ("batch 8" over "first" and "p50"). Widths count bytes, which is right for the ASCII that
// gputime prints itself; a non-ASCII layer name only shifts its own row.
// markdown() writes the same rows as a GitHub-flavoured markdown table: a column's group joins its
// heading ("batch 8 p50"), rules are left out, '|' in a cell is escaped, and the leading spaces
// of a first-column cell (indentation) become non-breaking spaces, which markdown keeps.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace gputime::detail {

class TextTable {
public:
    explicit TextTable(std::vector<std::string> header, std::vector<std::string> groups = {})
        : header_(std::move(header)), groups_(std::move(groups)) {
        if (!groups_.empty()) groups_.resize(header_.size());
    }

    void row(std::vector<std::string> cells) {
        cells.resize(header_.size());
        rows_.push_back(Row{false, std::move(cells)});
    }
    void rule() { rows_.push_back(Row{true, {}}); }

    std::string str() const {
        std::vector<std::size_t> width(header_.size(), 0);
        for (std::size_t c = 0; c < header_.size(); ++c) width[c] = header_[c].size();
        for (const Row& r : rows_)
            for (std::size_t c = 0; c < r.cells.size(); ++c) width[c] = std::max(width[c], r.cells[c].size());
        widen_for_groups(width);
        std::size_t total = 0;
        for (const std::size_t w : width) total += w;
        total += 2 * (width.empty() ? 0 : width.size() - 1);

        std::string out = group_line(width) + line(header_, width);
        out += std::string(total, '-') + "\n";
        for (const Row& r : rows_) out += r.is_rule ? std::string(total, '-') + "\n" : line(r.cells, width);
        return out;
    }

    std::string markdown() const {
        std::string out = "|";
        for (std::size_t c = 0; c < header_.size(); ++c) {
            std::string heading = header_[c];
            if (c < groups_.size() && !groups_[c].empty()) heading = groups_[c] + " " + heading;
            out += " " + markdown_cell(heading, false) + " |";
        }
        out += "\n|";
        for (std::size_t c = 0; c < header_.size(); ++c) out += c == 0 ? ":---|" : "---:|";
        out += "\n";
        for (const Row& r : rows_) {
            if (r.is_rule) continue;
            out += "|";
            for (std::size_t c = 0; c < r.cells.size(); ++c) out += " " + markdown_cell(r.cells[c], c == 0) + " |";
            out += "\n";
        }
        return out;
    }

private:
    static std::string markdown_cell(const std::string& text, bool keep_indent) {
        std::string out;
        std::size_t i = 0;
        if (keep_indent)
            for (; i < text.size() && text[i] == ' '; ++i) out += "&nbsp;";
        for (; i < text.size(); ++i) {
            if (text[i] == '|') out += '\\';
            out += text[i] == '\n' ? ' ' : text[i];
        }
        return out;
    }

    struct Row {
        bool is_rule;
        std::vector<std::string> cells;
    };

    // [first, last) spans of adjacent columns sharing a non-empty group name.
    template <class F>
    void for_each_group(F&& f) const {
        for (std::size_t c = 0; c < groups_.size();) {
            std::size_t end = c + 1;
            while (end < groups_.size() && groups_[end] == groups_[c]) ++end;
            if (!groups_[c].empty()) f(c, end);
            c = end;
        }
    }
    static std::size_t span_width(const std::vector<std::size_t>& width, std::size_t first, std::size_t last) {
        std::size_t w = 2 * (last - first - 1);
        for (std::size_t c = first; c < last; ++c) w += width[c];
        return w;
    }
    void widen_for_groups(std::vector<std::size_t>& width) const {
        for_each_group([&](std::size_t first, std::size_t last) {
            const std::size_t have = span_width(width, first, last);
            if (groups_[first].size() > have) width[last - 1] += groups_[first].size() - have;
        });
    }
    // The group names centred over their columns.
    std::string group_line(const std::vector<std::size_t>& width) const {
        if (groups_.empty()) return {};
        std::string out;
        std::size_t at = 0;  // output column where each table column starts
        std::vector<std::size_t> starts;
        for (std::size_t c = 0; c < width.size(); ++c) {
            starts.push_back(at);
            at += width[c] + 2;
        }
        for_each_group([&](std::size_t first, std::size_t last) {
            const std::size_t span = span_width(width, first, last);
            const std::size_t lead = starts[first] + (span - groups_[first].size() + 1) / 2;
            if (out.size() < lead) out.append(lead - out.size(), ' ');
            out += groups_[first];
        });
        return out + "\n";
    }

    static std::string line(const std::vector<std::string>& cells, const std::vector<std::size_t>& width) {
        std::string out;
        for (std::size_t c = 0; c < cells.size(); ++c) {
            const std::string pad(width[c] - cells[c].size(), ' ');
            if (c > 0) out += "  ";
            out += c == 0 ? cells[c] + pad : pad + cells[c];
        }
        // Trailing spaces are noise in logs and diffs.
        while (!out.empty() && out.back() == ' ') out.pop_back();
        return out + "\n";
    }

    std::vector<std::string> header_;
    std::vector<std::string> groups_;
    std::vector<Row> rows_;
};

}  // namespace gputime::detail
