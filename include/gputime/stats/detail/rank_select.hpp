// SPDX-License-Identifier: MIT
// gputime/stats/detail/rank_select.hpp - the k-th smallest of n non-negative doubles, exactly, without
// sorting or copying them.
//
// The bit pattern of a non-negative double, read as a 64-bit unsigned integer (its "key"),
// orders exactly as the double does (+0 < denormals < normals < +infinity), so a rank can be
// found by radix selection over keys: count the keys per bucket of a key range in one pass,
// keep the one bucket that holds the wanted rank, and repeat on that bucket until it is small
// enough to collect (then nth_element on the collected keys) or holds a single key value.
// Every pass reads the data in place and in order; the memory used is the bucket counts and the
// collected keys, both bounded by constants (not by n). Each narrowing divides the key range by
// at least half the bucket count, so a rank costs at most ceil(64 / log2(buckets / 2)) + 1
// passes, whatever the distribution (ties, heavy tails, clusters, one outlier 1e6 times away).
// Each count also records its buckets' smallest and largest keys, so the next range is exactly
// as wide as the keys in it: a bucket of equal keys (ties, whole nanoseconds) is the answer.
//
// Stats uses it for percentiles (a cached first-level count over [min, max] makes a typical
// rank one pass) and for mdape (the keys of |x - median| / x, computed on the fly).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace gputime {
namespace detail {

/// The key of a non-negative double (or +0 for -0): orders as the double does.
inline std::uint64_t order_key(double x) noexcept {
    std::uint64_t k = 0;
    std::memcpy(&k, &x, sizeof k);
    return k;
}
inline double key_value(std::uint64_t k) noexcept {
    double x = 0.0;
    std::memcpy(&x, &k, sizeof x);
    return x;
}

/// The keys in [lo, hi] (both inclusive): `below` keys of the data are smaller than lo,
/// `count` lie in the range.
struct KeyRange {
    std::uint64_t lo = 0;
    std::uint64_t hi = 0;
    std::size_t below = 0;
    std::size_t count = 0;
};

/// Counts of keys per bucket of [lo, hi], with the smallest and largest key of each bucket:
/// bucket b holds keys in lo + (b << shift) ... lo + ((b + 1) << shift) - 1.
struct KeyBuckets {
    struct Bucket {
        std::size_t count = 0;
        std::uint64_t low = ~std::uint64_t{0};  // smallest key counted (when count > 0)
        std::uint64_t high = 0;                 // largest key counted
    };
    KeyRange range;
    unsigned shift = 0;
    std::vector<Bucket> buckets;

    /// The bucket that holds the key of 0-based rank `index` (range.below <= index <
    /// range.below + range.count), as a range as tight as its keys: a bucket of one distinct
    /// key comes back with lo == hi, the answer itself.
    KeyRange bucket_of(std::size_t index) const {
        std::size_t below = range.below;
        std::size_t b = 0;
        while (below + buckets[b].count <= index) below += buckets[b++].count;
        KeyRange out;
        out.lo = buckets[b].low;
        out.hi = buckets[b].high;
        out.below = below;
        out.count = buckets[b].count;
        return out;
    }
};

/// The smallest shift with (width >> shift) < buckets (buckets >= 2).
inline unsigned bucket_shift(std::uint64_t width, std::size_t buckets) noexcept {
    unsigned shift = 0;
    while ((width >> shift) >= buckets) ++shift;
    return shift;
}

/// One pass: counts the keys of `range` per bucket, at most `buckets` of them (>= 2), with
/// each bucket's smallest and largest key. KeyAt: std::uint64_t(std::size_t i) for i < n.
template <class KeyAt>
void count_buckets(std::size_t n, const KeyAt& key_at, const KeyRange& range, std::size_t buckets, KeyBuckets& out) {
    const std::uint64_t width = range.hi - range.lo;
    out.range = range;
    out.shift = bucket_shift(width, buckets);
    const auto used = static_cast<std::size_t>(width >> out.shift) + 1;
    out.buckets.assign(used, KeyBuckets::Bucket{});
    KeyBuckets::Bucket* counts = out.buckets.data();
    const std::uint64_t lo = range.lo;
    const unsigned shift = out.shift;
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint64_t k = key_at(i);
        const std::uint64_t d = k - lo;  // wraps for keys below lo: then > width
        if (d <= width) {
            KeyBuckets::Bucket& b = counts[d >> shift];
            ++b.count;
            b.low = std::min(b.low, k);
            b.high = std::max(b.high, k);
        }
    }
}

/// Limits of the selection: ranges of at most `collect_limit` keys are collected and finished
/// with nth_element; larger ones are narrowed with `refine_buckets` counts per pass.
struct SelectLimits {
    std::size_t collect_limit = 8192;
    std::size_t refine_buckets = 16384;
};

/// The key of 0-based rank `index` (in ascending order) among the n keys, given the range
/// `range` that holds it.
template <class KeyAt>
std::uint64_t select_key(std::size_t n, const KeyAt& key_at, KeyRange range, std::size_t index,
                         SelectLimits limits = {}) {
    KeyBuckets buckets;
    while (range.lo != range.hi && range.count > limits.collect_limit) {
        count_buckets(n, key_at, range, limits.refine_buckets, buckets);
        range = buckets.bucket_of(index);
    }
    if (range.lo == range.hi) return range.lo;  // every key in the range is this one
    std::vector<std::uint64_t> collected;
    collected.reserve(range.count);
    const std::uint64_t width = range.hi - range.lo;
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint64_t k = key_at(i);
        if (k - range.lo <= width) collected.push_back(k);
    }
    const auto nth = collected.begin() + static_cast<std::ptrdiff_t>(index - range.below);
    std::nth_element(collected.begin(), nth, collected.end());
    return *nth;
}

/// One pass: the smallest and largest key.
template <class KeyAt>
KeyRange key_range(std::size_t n, const KeyAt& key_at) {
    KeyRange r;
    r.count = n;
    if (n == 0) return r;
    r.lo = r.hi = key_at(0);
    for (std::size_t i = 1; i < n; ++i) {
        const std::uint64_t k = key_at(i);
        r.lo = std::min(r.lo, k);
        r.hi = std::max(r.hi, k);
    }
    return r;
}

}  // namespace detail
}  // namespace gputime
