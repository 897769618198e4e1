// SPDX-License-Identifier: MIT
// gputime/core/detail/host_sleep.hpp - sleep the calling thread, without <thread> where POSIX has
// nanosleep (std::thread's class is a tenth of what gputime/host.hpp costs to compile).
//   detail::sleep_host(std::chrono::milliseconds(5));   // as std::this_thread::sleep_for
#pragma once

#include <chrono>

#if defined(__has_include)
#if __has_include(<time.h>) && __has_include(<unistd.h>) && !defined(_WIN32)
#include <time.h>
#include <unistd.h>
#include <cerrno>
#if defined(_POSIX_TIMERS) || defined(__unix__) || defined(__APPLE__)
#define GPUTIME_DETAIL_HAVE_NANOSLEEP 1
#endif
#endif
#endif
#if !defined(GPUTIME_DETAIL_HAVE_NANOSLEEP)
#include <thread>
#endif

namespace gputime {
namespace detail {

/// Sleeps for at least `gap` (nothing for a gap <= 0), as std::this_thread::sleep_for does:
/// nanosleep, resumed with the time left when a signal interrupts it.
inline void sleep_host(std::chrono::nanoseconds gap) {
    if (gap.count() <= 0) return;
#if defined(GPUTIME_DETAIL_HAVE_NANOSLEEP)
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(gap);
    timespec left{static_cast<time_t>(seconds.count()), static_cast<long>((gap - seconds).count())};
    while (::nanosleep(&left, &left) == -1 && errno == EINTR) {
    }
#else
    std::this_thread::sleep_for(gap);
#endif
}

}  // namespace detail
}  // namespace gputime
