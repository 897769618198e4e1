// SPDX-License-Identifier: MIT
// gputime/core/accumulator.hpp - the accumulator contract: what a timer puts its samples into.
//
// Any type with `void add(Duration)` is an accumulator: gputime::Stats, BoundedStats,
// SharedStats, or your own. A timer on any clock fills it:
//   struct Served { void add(gputime::Duration d) { total += d; } gputime::Duration total{}; };
//   Served served;
//   { gputime::ScopedTimer timer(served, clock); handle_request(); }
// How a GPU clock delivers samples it can only read later: docs/architecture.md, "Deferred GPU
// samples".
#pragma once

#include <gputime/core/duration.hpp>

#include <type_traits>
#include <utility>

namespace gputime {
namespace detail {

template <class A, class = void>
struct has_add_duration : std::false_type {};
template <class A>
struct has_add_duration<A, std::void_t<decltype(std::declval<A&>().add(std::declval<Duration>()))>> : std::true_type {};

/// The least accumulator: what a clock's stop() is checked against when no accumulator is named
/// (a clock whose stop() is a member template takes it, as it takes any accumulator).
struct any_accumulator {
    void add(Duration) noexcept {}
};

}  // namespace detail

/// True when `A` can receive a timer's samples (it has `add(Duration)`).
template <class A>
inline constexpr bool is_accumulator_v = detail::has_add_duration<A>::value;

namespace detail {
/// Fails compilation with a sentence, instead of a page of template errors.
template <class A>
constexpr bool check_accumulator() {
    static_assert(is_accumulator_v<A>,
                  "gputime accumulator contract: the target of a timer needs `void add(Duration)` "
                  "(see gputime/core/accumulator.hpp)");
    return true;
}
}  // namespace detail

}  // namespace gputime
