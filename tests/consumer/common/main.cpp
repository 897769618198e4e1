// SPDX-License-Identifier: MIT
// A program that uses gputime the way a downstream project would: through the umbrella header.
// Linked with gputime::gputime it is host code and needs no CUDA; with gputime::cuda
// (GPUTIME_CONSUMER_EXPECT_CUDA) it also uses the CUDA runtime.
#include <gputime/gputime.hpp>

#include <cstdio>

#if defined(GPUTIME_CONSUMER_EXPECT_CUDA) && !defined(GPUTIME_HAS_CUDA)
#error "linked with gputime::cuda, but GPUTIME_HAS_CUDA did not reach the consumer"
#endif

int main() {
    gputime::Stats stats;
    stats.add(gputime::Duration{100.0});  // the first call, kept apart from the steady samples
    stats.add(gputime::Duration{100.0});
    stats.add(gputime::Duration{100.0});

    const gputime::HostClock clock;
    const auto started = clock.mark();
    clock.stop(started, stats);  // one more steady sample, measured

#if defined(GPUTIME_HAS_CUDA)
    // Links cudart through gputime::cuda; needs no GPU (a table look-up in cudart).
    gputime::CudaRuntime runtime;
    std::printf("cudart says: %s\n", runtime.error_name(0));
#endif

    const std::size_t expected = 3;
    std::printf("gputime consumer: %zu steady samples (expected %zu)\n", stats.count(), expected);
    return stats.count() == expected ? 0 : 1;
}
