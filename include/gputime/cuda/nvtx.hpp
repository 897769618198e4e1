// SPDX-License-Identifier: MIT
// gputime/cuda/nvtx.hpp - NVTX ranges with gputime's scope names, for Nsight Systems / Nsight Compute.
//
//   gputime::LayerProfiler prof(clock, gputime::NvtxRanges{});   // every scope is also an NVTX range
//   { gputime::nvtx::ScopedRange r("preprocess"); ... }           // a range by hand
//
// NVTX3 is header-only (<nvtx3/nvToolsExt.h>, in the CUDA toolkit's include directory): ranges
// cost a few nanoseconds when no tool is attached, and nothing needs to be linked (on older
// glibc, -ldl). It is used when GPUTIME_HAS_NVTX is defined non-zero (gputime's CMake target
// does so when the toolkit has it) or when the header is on the include path; define
// GPUTIME_NO_NVTX to switch it off. Without NVTX everything here is an empty inline function,
// and nvtx::available is false, so code using it compiles everywhere.
#pragma once

#if !defined(GPUTIME_NO_NVTX)
#if defined(GPUTIME_HAS_NVTX)
#if GPUTIME_HAS_NVTX
#define GPUTIME_DETAIL_USE_NVTX 1
#endif
#elif defined(__has_include)
#if __has_include(<nvtx3/nvToolsExt.h>)
#define GPUTIME_DETAIL_USE_NVTX 1
#endif
#endif
#endif

#if defined(GPUTIME_DETAIL_USE_NVTX)
#include <nvtx3/nvToolsExt.h>
#endif

namespace gputime {
/// NVTX ranges for Nsight Systems / Nsight Compute; empty inline functions without NVTX.
namespace nvtx {

/// True when this build emits NVTX ranges.
#if defined(GPUTIME_DETAIL_USE_NVTX)
inline constexpr bool available = true;
#else
inline constexpr bool available = false;
#endif

/// Opens a range on this thread's NVTX stack (a no-op without NVTX). A null name opens a range
/// named "" (NVTX would otherwise be handed a null string).
inline void push(const char* name) noexcept {
#if defined(GPUTIME_DETAIL_USE_NVTX)
    nvtxRangePushA(name != nullptr ? name : "");
#else
    (void)name;
#endif
}

/// Closes the innermost range opened by push() on this thread.
inline void pop() noexcept {
#if defined(GPUTIME_DETAIL_USE_NVTX)
    nvtxRangePop();
#endif
}

/// A range from construction to destruction. `name` is copied by NVTX at construction.
class ScopedRange {
public:
    /// push(name).
    explicit ScopedRange(const char* name) noexcept { push(name); }
    ~ScopedRange() { pop(); }
    ScopedRange(const ScopedRange&) = delete;
    ScopedRange& operator=(const ScopedRange&) = delete;
};

}  // namespace nvtx

/// LayerProfiler range policy: one NVTX range per scope, named like the scope. Enabled only
/// when NVTX is available, so a profiler using it costs nothing extra without NVTX.
struct NvtxRanges {
    static constexpr bool enabled = nvtx::available;            ///< False without NVTX: the profiler skips the calls.
    void push(const char* name) noexcept { nvtx::push(name); }  ///< Opens the scope's range.
    void pop() noexcept { nvtx::pop(); }                        ///< Closes it.
};

}  // namespace gputime
