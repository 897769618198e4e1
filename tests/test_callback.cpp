// SPDX-License-Identifier: MIT
// detail::Callback, the stored callable of Progress, WarmupRunner, L2Flush and the SVG charts: it
// behaves as std::function does for what gputime stores (functions, pointers, lambdas, copies).
#include "support/test_framework.hpp"

#include <gputime/core/detail/callback.hpp>

#include <cstddef>
#include <functional>
#include <string>
#include <utility>

using gputime::detail::Callback;

namespace {
std::string twice(double x) { return std::to_string(static_cast<int>(2 * x)); }
}  // namespace

TEST_CASE("Callback: a function, a pointer or a std::function calls it, a null one is empty") {
    const Callback<std::string(double)> function = twice;
    const Callback<std::string(double)> pointer = &twice;
    const Callback<std::string(double)> wrapped = std::function<std::string(double)>(twice);
    CHECK(function(3) == "6");
    CHECK(pointer(4) == "8");
    CHECK(wrapped(5) == "10");
    std::string (*null_pointer)(double) = nullptr;
    CHECK_FALSE(Callback<std::string(double)>(null_pointer));
    CHECK_FALSE(Callback<std::string(double)>(nullptr));
    CHECK_FALSE(Callback<std::string(double)>());
}

TEST_CASE("Callback: copies own a copy of the callable, a move empties its source") {
    int counter = 0;
    Callback<int(int)> original = [counter](int k) mutable { return counter += k; };  // state of its own
    Callback<int(int)> copy = original;
    CHECK(original(1) == 1);
    CHECK(original(1) == 2);
    CHECK(copy(10) == 10);  // the copy's state started where the original's was when copied
    Callback<int(int)> moved = std::move(original);
    CHECK_FALSE(original);  // NOLINT(bugprone-use-after-move): what a move leaves is the point
    CHECK(moved(1) == 3);
    copy = moved;  // assignment copies too
    CHECK(copy(1) == 4);
    CHECK(moved(1) == 4);
    std::size_t seen = 0;
    const Callback<void(std::size_t)> by_reference = [&seen](std::size_t i) { seen += i; };
    by_reference(5);
    by_reference(6);
    CHECK(seen == 11);
    CHECK(counter == 0);  // captured by value: the callbacks never touched it
}
