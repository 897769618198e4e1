// SPDX-License-Identifier: MIT
// gputime/report/detail/json_writer.hpp - the one JSON writer of the library.
//
// Every JSON gputime writes (results, comparisons, layer profiles, traces) goes through this
// class, so commas, escaping and numbers are right in one place: strings are escaped per
// RFC 8259 (invalid UTF-8 replaced, see escape.hpp), numbers are written in the shortest form
// that reads back to the same double, and NaN or infinity, which JSON cannot hold, become null.
//
//   JsonWriter w;
//   w.begin_object().key("name").value("conv1").key("p50_ns").value(1234.5).end_object();
//   std::string text = std::move(w).str();
//
// A container opened with Layout::one_line keeps its items (and everything nested in it) on one
// line, "[1, 2, 3]" and {"ts": 1.5, "dur": 2}: long arrays of samples and trace events stay one
// line each in an otherwise indented file. With indent 0 everything is one line anyway.
//
// Misuse (a value where a key is due, unbalanced ends) is a bug in gputime, not input:
// it throws std::logic_error so that tests catch it.
#pragma once

#include <gputime/core/detail/escape.hpp>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace gputime::detail {

class JsonWriter {
public:
    /// How a container lays out its items when the writer indents.
    enum class Layout {
        block,     ///< one item per line, indented
        one_line,  ///< every item on the container's line, separated by ", "
    };

    /// `indent` spaces per level, or 0 for one line (".jsonl"-friendly).
    explicit JsonWriter(int indent = 2) : indent_(indent) {}

    JsonWriter& begin_object(Layout layout = Layout::block) { return open('{', Frame::object, layout); }
    JsonWriter& end_object() { return close('}', Frame::object); }
    JsonWriter& begin_array(Layout layout = Layout::block) { return open('[', Frame::array, layout); }
    JsonWriter& end_array() { return close(']', Frame::array); }

    JsonWriter& key(std::string_view name) {
        if (stack_.empty() || stack_.back().kind != Frame::object || stack_.back().key_pending)
            throw std::logic_error("gputime::detail::JsonWriter: key outside an object or twice in a row");
        separate();
        append_json_string(out_, name);
        out_ += indent_ > 0 ? ": " : ":";
        stack_.back().key_pending = true;
        return *this;
    }

    JsonWriter& value(std::string_view text) {
        before_value();
        append_json_string(out_, text);
        return *this;
    }
    JsonWriter& value(const char* text) { return value(std::string_view(text)); }
    JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
    JsonWriter& value(bool b) {
        before_value();
        out_ += b ? "true" : "false";
        return *this;
    }
    JsonWriter& value(double number) {
        before_value();
        append_json_number(out_, number);
        return *this;
    }
    template <class Integer,
              std::enable_if_t<std::is_integral<Integer>::value && !std::is_same<Integer, bool>::value, int> = 0>
    JsonWriter& value(Integer number) {
        before_value();
        if constexpr (std::is_signed<Integer>::value) {
            if (number < 0) {
                out_ += '-';
                append_json_number(out_, static_cast<std::size_t>(-(static_cast<long long>(number) + 1)) + 1);
                return *this;
            }
        }
        append_json_number(out_, static_cast<std::size_t>(number));
        return *this;
    }
    JsonWriter& null() {
        before_value();
        out_ += "null";
        return *this;
    }
    /// Inserts already-valid JSON text as one value (e.g. a nested document written elsewhere).
    JsonWriter& raw(std::string_view json) {
        before_value();
        out_ += json;
        return *this;
    }

    /// The document so far; complete once every begin has its end.
    const std::string& str() const& { return out_; }
    std::string str() && {
        if (!stack_.empty()) throw std::logic_error("gputime::detail::JsonWriter: unclosed object or array");
        return std::move(out_);
    }
    bool complete() const noexcept { return stack_.empty() && !out_.empty(); }

private:
    struct Frame {
        enum Kind : unsigned char { object, array } kind;
        bool one_line = false;
        bool has_items = false;
        bool key_pending = false;
    };

    JsonWriter& open(char bracket, Frame::Kind kind, Layout layout) {
        before_value();
        out_ += bracket;
        const bool inside_one_line = !stack_.empty() && stack_.back().one_line;
        stack_.push_back(Frame{kind, inside_one_line || layout == Layout::one_line});
        return *this;
    }
    JsonWriter& close(char bracket, Frame::Kind kind) {
        if (stack_.empty() || stack_.back().kind != kind || stack_.back().key_pending)
            throw std::logic_error("gputime::detail::JsonWriter: unbalanced end, or a key without a value");
        const bool had_items = stack_.back().has_items;
        const bool one_line = stack_.back().one_line;
        stack_.pop_back();
        if (had_items && !one_line) newline();
        out_ += bracket;
        return *this;
    }
    // A comma and a new line before the next item of an array or object.
    void separate() {
        Frame& f = stack_.back();
        const bool first = !f.has_items;
        if (!first) out_ += ',';
        f.has_items = true;
        if (!f.one_line) {
            newline();
        } else if (!first && indent_ > 0) {
            out_ += ' ';
        }
    }
    void before_value() {
        if (stack_.empty()) {
            if (!out_.empty()) throw std::logic_error("gputime::detail::JsonWriter: a second top-level value");
            return;
        }
        Frame& f = stack_.back();
        if (f.kind == Frame::object) {
            if (!f.key_pending) throw std::logic_error("gputime::detail::JsonWriter: a value in an object needs a key");
            f.key_pending = false;
            return;
        }
        separate();
    }
    void newline() {
        if (indent_ <= 0) return;
        out_ += '\n';
        out_.append(stack_.size() * static_cast<std::size_t>(indent_), ' ');
    }

    int indent_;
    std::string out_;
    std::vector<Frame> stack_;
};

}  // namespace gputime::detail
