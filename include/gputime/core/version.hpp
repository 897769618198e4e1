// SPDX-License-Identifier: MIT
// gputime/core/version.hpp - the library's version, the one place it is written.
//
// CMake reads it from here (project(gputime VERSION ...)), so the package version, the
// macros below and the version in every JSON file gputime writes always agree.
#pragma once

#define GPUTIME_VERSION_MAJOR 0
#define GPUTIME_VERSION_MINOR 3
#define GPUTIME_VERSION_PATCH 0
/// "MAJOR.MINOR.PATCH", as a string literal.
#define GPUTIME_VERSION "0.3.0"
/// MAJOR * 10000 + MINOR * 100 + PATCH, for #if comparisons.
#define GPUTIME_VERSION_NUMBER (GPUTIME_VERSION_MAJOR * 10000 + GPUTIME_VERSION_MINOR * 100 + GPUTIME_VERSION_PATCH)

/// \namespace gputime
/// gputime: how long GPU (and CPU) inference code really takes. Clocks (HostClock, GpuClock),
/// accumulators (Stats, BoundedStats, SharedStats), runners (WarmupRunner, LayerProfiler,
/// compare()) and reports; internals are in gputime::detail and are not part of the API.
