// SPDX-License-Identifier: MIT
// gputime_stats_oracle - gputime::Stats against independently computed references.
//
//   gputime_stats_oracle DATA_DIR   checks every data set generate_stats_oracle.py wrote:
//                                   percentiles, min, max and mdape bit for bit, mean and
//                                   stddev within 1e-12 relative, and the same after a merge
//   gputime_stats_oracle --cache    mdape() and percentile() answer repeated reads from their
//                                   caches: identical bits, no allocation (no data needed)
// Exit status 0 when every check passed; each failure is printed with both values.
#include "oracle_data.hpp"
#include "support/allocation_counter.hpp"

#include <gputime/stats/stats.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using gputime::Duration;
using gputime::Stats;

struct Tally {
    std::size_t checks = 0;
    std::size_t failures = 0;

    void fail(const std::string& where, const std::string& what, double expected, double got) {
        ++failures;
        char line[512];
        std::snprintf(line, sizeof line, "FAIL %s: %s expected %.17g, got %.17g", where.c_str(), what.c_str(), expected,
                      got);
        std::cout << line << '\n';
    }
    void exact(const std::string& where, const std::string& what, double expected, double got) {
        ++checks;
        // Bitwise: the same double (and NaN never matches).
        std::uint64_t a = 0, b = 0;
        std::memcpy(&a, &expected, sizeof a);
        std::memcpy(&b, &got, sizeof b);
        if (a != b) fail(where, what, expected, got);
    }
    void close(const std::string& where, const std::string& what, double expected, double got) {
        ++checks;
        const bool ok = expected == 0.0 ? got == 0.0 : std::fabs(got - expected) <= 1e-12 * std::fabs(expected);
        if (!ok) fail(where, what, expected, got);
    }
    void truth(const std::string& where, const std::string& what, bool ok) {
        ++checks;
        if (!ok) {
            ++failures;
            std::cout << "FAIL " << where << ": " << what << '\n';
        }
    }
};

Stats fill(const std::vector<double>& v, std::size_t begin, std::size_t end) {
    Stats s;
    s.set_first_call(Duration{1e9});  // kept apart: none of the statistics below may see it
    for (std::size_t i = begin; i < end; ++i) s.add(Duration{v[i]});
    return s;
}

// One data set and its expectations (tests/oracle/oracle_data.hpp).
using Expectations = gputime_oracle::DataSet;
using gputime_oracle::read_samples;

void check(const Expectations& e, const Stats& s, const std::string& where, Tally& t) {
    t.truth(where, "count() == n", s.count() == e.n);
    for (const auto& [p_text, value] : e.percentiles)
        t.exact(where, "percentile(" + p_text + ")", value, s.percentile(std::strtod(p_text.c_str(), nullptr)).count());
    for (const auto& [stat, value] : e.exact) {
        const double got = stat == "min" ? s.min().count() : stat == "max" ? s.max().count() : s.mdape();
        t.exact(where, stat + "()", value, got);
    }
    for (const auto& [stat, value] : e.close)
        t.close(where, stat + "()", value, stat == "mean" ? s.mean().count() : s.stddev().count());
}

int run_oracle(const std::string& dir) {
    const std::vector<Expectations> sets = gputime_oracle::read_expected(dir);

    Tally t;
    std::size_t smallest = sets.front().n, largest = sets.front().n;
    for (const Expectations& e : sets) {
        smallest = std::min(smallest, e.n);
        largest = std::max(largest, e.n);
        const std::vector<double> v = read_samples(dir + "/" + e.name + ".f64", e.n);
        const Stats s = fill(v, 0, v.size());
        check(e, s, e.name, t);
        // Pooled from two halves: the same statistics (up to 100000 samples, to stay quick).
        if (e.n >= 2 && e.n <= 100000) {
            Stats merged = fill(v, 0, v.size() / 2);
            merged.merge(fill(v, v.size() / 2, v.size()));
            check(e, merged, e.name + " (merged halves)", t);
        }
    }
    std::cout << "gputime_stats_oracle: " << sets.size() << " data sets (n = " << smallest << " .. " << largest << "), "
              << t.checks << " checks, " << t.failures << " failed\n";
    return t.failures == 0 ? 0 : 1;
}

int run_cache_check() {
    Tally t;
    Stats s;
    s.set_first_call(Duration{5000.0});
    std::uint64_t x = 88172645463325252ull;
    for (int i = 0; i < 100000; ++i) {  // xorshift durations around 1 ms
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.add(Duration{1e6 + static_cast<double>(x % 100000)});
    }
    const double first = s.mdape();
    const double p99 = s.p99().count();
    const std::size_t before = gputime_test::allocations();
    const double again = s.mdape();
    const double p99_again = s.p99().count();
    const double mean = s.mean().count();
    const double mean_again = s.mean().count();
    const std::size_t allocated = gputime_test::allocations() - before;
    t.exact("cache", "mdape() read twice", first, again);
    t.exact("cache", "p99() read twice", p99, p99_again);
    t.exact("cache", "mean() read twice", mean, mean_again);
    if (gputime_test::counts_allocations) {
        t.truth("cache", "repeated mdape()/p99()/mean() allocate nothing (allocated " + std::to_string(allocated) + ")",
                allocated == 0);
    } else {
        std::cout << "gputime_stats_oracle --cache: allocation count not checked under AddressSanitizer\n";
    }
    // The caches follow the samples: the next read sees a new sample.
    s.add(Duration{1e9});
    t.truth("cache", "max() after add() is the new sample", s.max().count() == 1e9);
    t.truth("cache", "percentile(100) after add() is the new sample", s.percentile(100).count() == 1e9);
    std::cout << "gputime_stats_oracle --cache: " << t.checks << " checks, " << t.failures << " failed\n";
    return t.failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: gputime_stats_oracle DATA_DIR | --cache\n";
        return 2;
    }
    try {
        return std::string(argv[1]) == "--cache" ? run_cache_check() : run_oracle(argv[1]);
    } catch (const std::exception& e) {
        std::cout << "gputime_stats_oracle: " << e.what() << '\n';
        return 1;
    }
}
