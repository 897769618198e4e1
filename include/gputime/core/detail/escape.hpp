// SPDX-License-Identifier: MIT
// gputime/core/detail/escape.hpp - writing names and numbers into JSON and CSV correctly.
//
// Layer names come from users and frameworks ("conv 3x3, \"same\"", paths with '/', non-ASCII
// names), so every export escapes them rather than trusting them:
//  * JSON strings: '"', '\\' and control characters are escaped (RFC 8259); invalid UTF-8 bytes
//    become U+FFFD so the file is always valid UTF-8 (python's json.load reads it).
//  * JSON numbers: shortest round-trip form (std::to_chars), without an exponent for usual
//    magnitudes; NaN and infinities, which JSON
//    cannot represent, become null.
//  * CSV fields (RFC 4180): quoted when they contain ',', '"', CR or LF, or start or end with a
//    space; quotes doubled.
#pragma once

#include <gputime/core/detail/utf8.hpp>

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gputime::detail {

/// Appends `text` as a JSON string literal, quotes included.
inline void append_json_string(std::string& out, std::string_view text) {
    out += '"';
    append_utf8_escaped(out, text, "\\ufffd", [](std::string& o, unsigned char c) {
        static constexpr char hex[] = "0123456789abcdef";
        switch (c) {
            case '"': o += "\\\""; break;
            case '\\': o += "\\\\"; break;
            case '\b': o += "\\b"; break;
            case '\f': o += "\\f"; break;
            case '\n': o += "\\n"; break;
            case '\r': o += "\\r"; break;
            case '\t': o += "\\t"; break;
            default:
                if (c < 0x20) {
                    o += "\\u00";
                    o += hex[c >> 4];
                    o += hex[c & 0x0F];
                } else {
                    o += static_cast<char>(c);
                }
        }
    });
    out += '"';
}

/// Appends a number in its shortest round-trip form, or null when it is not finite.
inline void append_json_number(std::string& out, double value) {
    if (!std::isfinite(value)) {
        out += "null";
        return;
    }
    if (value == 0.0) value = 0.0;  // no "-0"
    // Plain digits for the usual magnitudes (25000000, not 2.5e+07: nanosecond counts are read
    // by people too); exponents only for the extremes, where fixed notation would be huge.
    const double magnitude = std::fabs(value);
    const bool fixed = value == 0.0 || (magnitude >= 1e-6 && magnitude < 1e15);
    char buffer[64];
    const std::to_chars_result r = fixed
                                       ? std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed)
                                       : std::to_chars(buffer, buffer + sizeof buffer, value);
    if (r.ec != decltype(r.ec){}) {  // decltype(r.ec): std::errc, named without <system_error>
        out += "null";
        return;
    }
    out.append(buffer, r.ptr);
}

/// Appends an unsigned integer.
inline void append_json_number(std::string& out, std::size_t value) {
    char buffer[24];
    const std::to_chars_result r = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, r.ptr);
}

/// Appends `text` as one CSV field, quoted only when it has to be.
inline void append_csv_field(std::string& out, std::string_view text) {
    const bool quote = text.find_first_of(",\"\r\n") != std::string_view::npos ||
                       (!text.empty() && (text.front() == ' ' || text.back() == ' '));
    if (!quote) {
        out.append(text);
        return;
    }
    out += '"';
    for (const char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
}

}  // namespace gputime::detail
