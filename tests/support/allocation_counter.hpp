// SPDX-License-Identifier: MIT
// tests/support/allocation_counter.hpp - counts heap allocations, to prove "no allocation here".
//
// Replaces the global operator new/delete (forwarding to malloc/free) and counts every
// allocation. Replacement functions must be defined once per program, so include this header
// in exactly ONE test source. Counting costs one relaxed atomic increment.
// Under AddressSanitizer nothing is replaced (ASan's own operator new checks new/delete
// mismatches for the whole test binary, worth more than this count): counts_allocations is
// then false and tests should skip their allocation checks.
//   const std::size_t before = gputime_test::allocations();
//   ... code under test ...
//   CHECK(gputime_test::allocations() == before);
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#define GPUTIME_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GPUTIME_TEST_ASAN 1
#endif
#endif

namespace gputime_test {

#if defined(GPUTIME_TEST_ASAN)
inline constexpr bool counts_allocations = false;
#else
inline constexpr bool counts_allocations = true;
#endif

inline std::atomic<std::size_t>& allocation_count() noexcept {
    static std::atomic<std::size_t> count{0};
    return count;
}
/// Allocations through operator new since the program started.
inline std::size_t allocations() noexcept { return allocation_count().load(std::memory_order_relaxed); }

namespace detail_alloc {
inline void* allocate(std::size_t size) {
    allocation_count().fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}
}  // namespace detail_alloc

}  // namespace gputime_test

#if !defined(GPUTIME_TEST_ASAN)
void* operator new(std::size_t size) { return gputime_test::detail_alloc::allocate(size); }
void* operator new[](std::size_t size) { return gputime_test::detail_alloc::allocate(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    try {
        return gputime_test::detail_alloc::allocate(size);
    } catch (...) {
        return nullptr;
    }
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
    try {
        return gputime_test::detail_alloc::allocate(size);
    } catch (...) {
        return nullptr;
    }
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
#endif
