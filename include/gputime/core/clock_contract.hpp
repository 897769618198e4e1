// SPDX-License-Identifier: MIT
// gputime/core/clock_contract.hpp - what ScopedTimer, WarmupRunner and LayerProfiler need from a
// clock, checked at compile time with a readable message.
//
//   static_assert(gputime::is_clock_v<MyClock, gputime::Stats>);
//   gputime::ScopedTimer timer(stats, my_clock);   // any clock with the members of the contract
//
// docs/architecture.md, "The clock contract".
#pragma once

#include <gputime/core/accumulator.hpp>
#include <gputime/core/duration.hpp>

#include <chrono>
#include <type_traits>
#include <utility>

namespace gputime {
namespace detail {

template <class C, class = void>
struct has_mark_type : std::false_type {};
template <class C>
struct has_mark_type<C, std::void_t<typename C::Mark>> : std::true_type {};

template <class C, class = void>
struct has_measures_device : std::false_type {};
template <class C>
struct has_measures_device<C, std::void_t<decltype(bool{C::measures_device})>> : std::true_type {};

template <class C, class = void>
struct has_mark : std::false_type {};
template <class C>
struct has_mark<C, std::enable_if_t<std::is_same<decltype(std::declval<C&>().mark()), typename C::Mark>::value>>
    : std::true_type {};

template <class C, class A, class = void>
struct has_noexcept_stop : std::false_type {};
template <class C, class A>
struct has_noexcept_stop<
    C, A,
    std::enable_if_t<noexcept(std::declval<C&>().stop(std::declval<const typename C::Mark&>(), std::declval<A&>()))>>
    : std::true_type {};

template <class C, class = void>
struct has_elapsed : std::false_type {};
template <class C>
struct has_elapsed<
    C,
    std::enable_if_t<std::is_convertible<decltype(std::declval<C&>().elapsed(std::declval<const typename C::Mark&>(),
                                                                             std::declval<const typename C::Mark&>())),
                                         Duration>::value>> : std::true_type {};

template <class C, class = void>
struct has_noexcept_release : std::false_type {};
template <class C>
struct has_noexcept_release<
    C, std::enable_if_t<noexcept(std::declval<C&>().release(std::declval<const typename C::Mark&>()))>>
    : std::true_type {};

template <class C, class = void>
struct has_synchronize : std::false_type {};
template <class C>
struct has_synchronize<C, std::void_t<decltype(std::declval<C&>().synchronize())>> : std::true_type {};

template <class C, class = void>
struct has_host_now : std::false_type {};
template <class C>
struct has_host_now<
    C, std::enable_if_t<std::is_convertible<decltype(std::declval<C&>().host_now()), std::chrono::nanoseconds>::value>>
    : std::true_type {};

template <class C, class = void>
struct has_idle_for : std::false_type {};
template <class C>
struct has_idle_for<C, std::void_t<decltype(std::declval<C&>().idle_for(std::chrono::nanoseconds{}))>>
    : std::true_type {};

}  // namespace detail

/// True when `C` has every member of the clock contract above, its stop() taking an
/// `Accumulator` (by default: any accumulator, as a member template does).
template <class C, class Accumulator = detail::any_accumulator>
inline constexpr bool is_clock_v =
    std::conjunction<detail::has_mark_type<C>, detail::has_measures_device<C>, detail::has_mark<C>,
                     detail::has_noexcept_stop<C, Accumulator>, detail::has_elapsed<C>, detail::has_noexcept_release<C>,
                     detail::has_synchronize<C>, detail::has_host_now<C>, detail::has_idle_for<C>>::value;

namespace detail {
/// Every member but stop(), one message per missing member, instead of a page of template errors.
template <class C>
constexpr bool check_clock_members() {
    static_assert(has_mark_type<C>::value,
                  "gputime clock contract: the clock needs a `Mark` type (see gputime/core/clock_contract.hpp)");
    if constexpr (has_mark_type<C>::value) {
        static_assert(has_measures_device<C>::value,
                      "gputime clock contract: the clock needs `static constexpr bool measures_device`");
        static_assert(has_mark<C>::value, "gputime clock contract: the clock needs `Mark mark()`");
        static_assert(has_elapsed<C>::value,
                      "gputime clock contract: the clock needs `Duration elapsed(const Mark&, const Mark&)`");
        static_assert(has_noexcept_release<C>::value,
                      "gputime clock contract: the clock needs `void release(const Mark&) noexcept`");
        static_assert(has_synchronize<C>::value, "gputime clock contract: the clock needs `void synchronize()`");
        static_assert(has_host_now<C>::value,
                      "gputime clock contract: the clock needs `std::chrono::nanoseconds host_now()`");
        static_assert(has_idle_for<C>::value,
                      "gputime clock contract: the clock needs `void idle_for(std::chrono::nanoseconds)`");
    }
    return true;
}

/// stop() for `Accumulator` (check_clock_members<C>() first).
template <class C, class Accumulator>
constexpr bool check_clock_stop() {
    if constexpr (has_mark_type<C>::value) {
        static_assert(has_noexcept_stop<C, Accumulator>::value,
                      "gputime clock contract: the clock needs `void stop(const Mark&, Accumulator&) noexcept` "
                      "for this accumulator (a member template takes any)");
    }
    return true;
}

/// The whole contract, stop() taking an `Accumulator` (by default: any accumulator).
template <class C, class Accumulator = any_accumulator>
constexpr bool check_clock() {
    return check_clock_members<C>() && check_clock_stop<C, Accumulator>();
}
}  // namespace detail

}  // namespace gputime
