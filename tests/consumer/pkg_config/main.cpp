// SPDX-License-Identifier: MIT
// A program built with `pkg-config --cflags --libs gputime` (gputime-cuda for the CUDA one).
#include <gputime/gputime.hpp>

#include <cstdio>

int main() {
    gputime::Stats stats;
    for (const double ns : {900.0, 100.0, 300.0, 200.0}) stats.add(gputime::Duration{ns});
#if defined(GPUTIME_HAS_CUDA)
    std::printf("cudart says: %s\n", gputime::CudaRuntime().error_name(0));
#endif
    // First call 900 ns kept apart; nearest-rank p50 of {100, 200, 300} is 200 ns.
    std::printf("gputime %s via pkg-config: p50 %s\n", GPUTIME_VERSION, gputime::format_duration(stats.p50()).c_str());
    return stats.count() == 3 && stats.p50().count() == 200.0 ? 0 : 1;
}
