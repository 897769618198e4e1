// SPDX-License-Identifier: MIT
// tests/support/test_helpers.hpp - the small helpers test files share: does a text hold a part,
// and which exception does a call throw.
//     CHECK(contains(report, "p99"));
//     CHECK(invalid_argument_of([&] { (void)stats.percentile(101.0); }).parameter() == "p");
#pragma once

#include "support/test_framework.hpp"

#include <gputime/core/error.hpp>

#include <optional>
#include <string>
#include <utility>

namespace gputime_test {

/// True when `part` occurs in `text`.
inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// The exception of type E that `f()` throws, or nothing when it returns (another type propagates).
template <class E, class F>
std::optional<E> thrown(F&& f) {
    try {
        std::forward<F>(f)();
    } catch (const E& e) {
        return e;
    }
    return std::nullopt;
}

/// The gputime::InvalidArgument that `f()` throws; a failed CHECK when it throws nothing.
template <class F>
gputime::InvalidArgument invalid_argument_of(F&& f) {
    if (std::optional<gputime::InvalidArgument> e = thrown<gputime::InvalidArgument>(std::forward<F>(f))) return *e;
    const bool threw_invalid_argument = false;
    CHECK(threw_invalid_argument);
    return gputime::InvalidArgument("(nothing thrown)", "(none)", "");
}

}  // namespace gputime_test
