// SPDX-License-Identifier: MIT
// gputime/report/detail/prometheus_names.hpp - what Prometheus accepts as a metric name, a label
// name and a label value, and how text is escaped in its text exposition format (version 0.0.4).
//
//   check_metric_name("PrometheusRegistry::add", "name", "gputime_request_seconds");  // ok
//   append_escaped_label_value(out, "a\"b");  // out += "a\\\"b"
//
// The rules are Prometheus's data model (prometheus.io/docs/concepts/data_model): metric names
// match [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*, names starting with "__"
// are reserved, label values are any UTF-8. A scrape with one bad name fails whole, so names are
// refused when they are registered, with an InvalidArgument naming the parameter.
#pragma once

#include <gputime/core/error.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace gputime::detail {

inline bool prometheus_name_char(char c, bool first, bool colon_allowed) noexcept {
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    return letter || (colon_allowed && c == ':') || (!first && digit);
}

/// True when `text` is well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF).
inline bool valid_utf8(const std::string& text) noexcept {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        const unsigned c = s[i];
        std::size_t extra = 0;
        std::uint32_t code = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            extra = 1, code = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2, code = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3, code = c & 0x07;
        } else {
            return false;
        }
        if (n - i <= extra) return false;  // truncated sequence
        for (std::size_t k = 1; k <= extra; ++k) {
            const unsigned d = s[i + k];
            if ((d & 0xC0) != 0x80) return false;
            code = (code << 6) | (d & 0x3F);
        }
        if ((extra == 2 && (code < 0x800 || (code >= 0xD800 && code <= 0xDFFF))) ||
            (extra == 3 && (code < 0x10000 || code > 0x10FFFF)))
            return false;
        i += extra + 1;
    }
    return true;
}

inline void check_prometheus_name(const char* where, const char* parameter, const std::string& name,
                                  bool colon_allowed) {
    if (name.empty()) throw InvalidArgument(where, parameter, "must not be empty");
    for (std::size_t i = 0; i < name.size(); ++i)
        if (!prometheus_name_char(name[i], i == 0, colon_allowed))
            throw InvalidArgument(where, parameter,
                                  std::string("must match ") +
                                      (colon_allowed ? "[a-zA-Z_:][a-zA-Z0-9_:]*" : "[a-zA-Z_][a-zA-Z0-9_]*") +
                                      ", got \"" + name + "\"");
    if (name.compare(0, 2, "__") == 0)
        throw InvalidArgument(where, parameter,
                              "must not start with \"__\" (reserved by Prometheus), got \"" + name + "\"");
}

/// A metric name Prometheus accepts; refused otherwise (InvalidArgument naming `parameter`).
inline void check_metric_name(const char* where, const char* parameter, const std::string& name) {
    check_prometheus_name(where, parameter, name, true);
}

/// A label name Prometheus accepts on a histogram and a summary ("le" and "quantile" are theirs).
inline void check_label_name(const char* where, const char* parameter, const std::string& name) {
    check_prometheus_name(where, parameter, name, false);
    if (name == "le" || name == "quantile")
        throw InvalidArgument(where, parameter,
                              "\"" + name + "\" is reserved (histogram buckets and summary quantiles use it)");
}

/// A label value or help text: any UTF-8 (Prometheus refuses a scrape with invalid UTF-8).
inline void check_utf8(const char* where, const char* parameter, const std::string& text) {
    if (!valid_utf8(text)) throw InvalidArgument(where, parameter, "must be valid UTF-8");
}

/// A label value in the text format: backslash, double quote and line feed escaped.
inline void append_escaped_label_value(std::string& out, const std::string& value) {
    for (const char c : value) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
}

/// A HELP text in the text format: backslash and line feed escaped.
inline void append_escaped_help(std::string& out, const std::string& help) {
    for (const char c : help) {
        if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
}

}  // namespace gputime::detail
