// SPDX-License-Identifier: MIT
// gputime/core/detail/utf8.hpp - where a valid UTF-8 sequence ends, for the escapes
// (gputime/core/detail/escape.hpp) and for cutting text to a width (gputime/measure/progress.hpp)
// without the rest of the escapes.
//   detail::utf8_sequence_length("\xC3\xA9", 0) == 2; an invalid byte: 0
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gputime::detail {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not valid.
inline std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = byte(i);
    std::size_t n = 0;
    std::uint32_t min = 0;
    std::uint32_t code = 0;
    if (c < 0x80) return 1;
    if ((c & 0xE0) == 0xC0) {
        n = 2;
        min = 0x80;
        code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3;
        min = 0x800;
        code = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4;
        min = 0x10000;
        code = c & 0x07;
    } else return 0;
    if (i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
        code = (code << 6) | (byte(i + k) & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not valid UTF-8.
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
    return n;
}

/// Appends `text` to `out`: valid multi-byte UTF-8 sequences as they are, each invalid byte as
/// `invalid`, and each ASCII byte as `ascii(out, c)` writes it (the format's own escapes).
template <class Ascii>
void append_utf8_escaped(std::string& out, std::string_view text, std::string_view invalid, Ascii&& ascii) {
    for (std::size_t i = 0; i < text.size();) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            ascii(out, c);
            ++i;
            continue;
        }
        const std::size_t n = utf8_sequence_length(text, i);
        if (n == 0) {
            out.append(invalid);
            ++i;
        } else {
            out.append(text.substr(i, n));
            i += n;
        }
    }
}

}  // namespace gputime::detail
