// SPDX-License-Identifier: MIT
// gputime_interval_oracle FILE - percentile confidence-interval ranks and samples_needed against
// scipy.stats.binom (generate_interval_oracle.py). Ranks must match exactly (except where scipy
// itself sits within 1e-9 of the threshold: there either rank is right, and they may differ by
// one); coverage within 1e-9 relative. Exit status 0 when every check passed.
#include <gputime/stats/percentile_interval.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: gputime_interval_oracle FILE\n";
        return 2;
    }
    std::ifstream in(argv[1]);
    if (!in) {
        std::cerr << "gputime_interval_oracle: cannot read " << argv[1] << " (did interval_oracle.generate run?)\n";
        return 2;
    }
    std::size_t checks = 0, failures = 0, borderline = 0, records = 0;
    auto fail = [&](const std::string& what) {
        ++failures;
        if (failures <= 20) std::cerr << "MISMATCH " << what << "\n";
    };
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string kind;
        fields >> kind;
        ++records;
        if (kind == "ranks") {
            std::size_t n = 0, lower = 0, upper = 0;
            double p = 0, confidence = 0, coverage = 0;
            int border = 0;
            fields >> n >> p >> confidence >> lower >> upper >> coverage >> border;
            const gputime::PercentileRanks got = gputime::percentile_ranks(n, p, confidence);
            const std::string where = line + "  got " + std::to_string(got.lower) + " " + std::to_string(got.upper) +
                                      " " + std::to_string(got.coverage);
            checks += 3;
            if (border != 0) {
                ++borderline;
                if (got.lower + 1 < lower || got.lower > lower + 1) fail(where);
                if (got.upper + 1 < upper || got.upper > upper + 1) fail(where);
                continue;
            }
            if (got.lower != lower || got.upper != upper) fail(where);
            if (std::fabs(got.coverage - coverage) > 1e-9 * coverage + 1e-12) fail(where);
        } else if (kind == "needed") {
            double p = 0, confidence = 0;
            std::size_t n = 0;
            fields >> p >> confidence >> n;
            ++checks;
            const std::size_t got = gputime::samples_needed(p, confidence);
            if (got != n) fail(line + "  got " + std::to_string(got));
        } else if (!kind.empty()) {
            fail("unknown record: " + line);
        }
    }
    std::printf("interval oracle: %zu records, %zu checks, %zu borderline, %zu failed\n", records, checks, borderline,
                failures);
    return failures == 0 && records > 0 ? 0 : 1;
}
