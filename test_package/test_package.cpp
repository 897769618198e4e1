// SPDX-License-Identifier: MIT
// The Conan package's check: the headers are found and work.
#include <gputime/gputime.hpp>

#include <cstdio>

int main() {
    gputime::Stats stats;
    for (const double ns : {900.0, 100.0, 300.0, 200.0}) stats.add(gputime::Duration{ns});
    // The first call (900 ns) is kept apart; nearest-rank p50 of {100, 200, 300} is 200 ns.
    std::printf("gputime %s from Conan: first call %s, p50 %s\n", GPUTIME_VERSION,
                gputime::format_duration(stats.first_call()).c_str(), gputime::format_duration(stats.p50()).c_str());
    return stats.count() == 3 && stats.p50().count() == 200.0 ? 0 : 1;
}
