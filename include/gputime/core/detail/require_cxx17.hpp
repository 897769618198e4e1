// SPDX-License-Identifier: MIT
// gputime/core/detail/require_cxx17.hpp - one clear error, instead of hundreds, when gputime is
// compiled as C++14 or older: the #error says what to do, and the missing include after it makes
// the compiler stop there (g++ and clang++ go on after an #error, and every C++17 construct of
// the library would then add its own error). Included first by <gputime/gputime.hpp> and by
// <gputime/core/duration.hpp>, which every other header includes.
#pragma once

#if defined(_MSVC_LANG)
#define GPUTIME_DETAIL_CPLUSPLUS _MSVC_LANG
#else
#define GPUTIME_DETAIL_CPLUSPLUS __cplusplus
#endif

#if GPUTIME_DETAIL_CPLUSPLUS < 201703L
#error \
    "gputime needs C++17 or newer: compile with -std=c++17 (MSVC: /std:c++17; CMake: link gputime::gputime, which asks for cxx_std_17)"
#include <gputime_stops_here_because_it_needs_cxx17>
#endif

#undef GPUTIME_DETAIL_CPLUSPLUS
