// SPDX-License-Identifier: MIT
// tests/support/hand_made_histogram.hpp - an ExponentialHistogram written by hand, for the
// exposition tests.
//   hand_made_histogram(0, -3, {1, 2}, 0, 1.25)  // buckets -3 and -2 hold 1 and 2 samples
#pragma once

#include <gputime/stats/exponential_histogram.hpp>

#include <cstdint>
#include <utility>
#include <vector>

namespace gputime_test {

/// A histogram at `scale` whose bucket offset + k holds counts[k]; count is their sum plus
/// zero_count, and the sum of the samples `sum_seconds`.
inline gputime::ExponentialHistogram hand_made_histogram(int scale, std::int32_t offset,
                                                         std::vector<std::uint64_t> counts, std::uint64_t zero_count,
                                                         double sum_seconds) {
    gputime::ExponentialHistogram h;
    h.scale = scale;
    h.offset = offset;
    h.zero_count = zero_count;
    h.counts = std::move(counts);
    h.count = zero_count;
    for (const auto c : h.counts) h.count += c;
    h.sum_seconds = sum_seconds;
    return h;
}

}  // namespace gputime_test
