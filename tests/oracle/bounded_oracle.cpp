// SPDX-License-Identifier: MIT
// gputime_bounded_oracle - gputime::BoundedStats against the references generate_stats_oracle.py
// computed with numpy and exact rationals (the data sets of the stats oracle).
//
//   gputime_bounded_oracle DATA_DIR
//
// For every data set (n = 1 .. 1e6: uniform, lognormal, Pareto tails, ties, zeros, bimodal,
// 1e12 and 1e15 offsets, whole nanoseconds near 2^40, ramps):
//   * every expected percentile: within BoundedStats::max_relative_error (1/257) of numpy's
//     nearest-rank value when that lies in [1 ns, 2^44 ns); the exact min() when it lies below
//     1 ns and the exact max() when at or above 2^44 ns (the documented clamping; the first
//     and last ranks are the exact min and max);
//   * min and max bit for bit, mean within 1e-12 relative, stddev within 1e-9 relative;
//   * mdape within (2/256) * (1 + exact) when every sample lies in [1 ns, 2^44 ns);
//   * the sketch of the two halves merged has the same counts as the sketch of the whole, and
//     bit-identical percentiles.
// Exit status 0 when every check passed; each failure is printed with both values.
#include <gputime/stats/bounded_stats.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

using gputime::BoundedStats;
using gputime::Duration;

struct Tally {
    std::size_t checks = 0;
    std::size_t failures = 0;
    double worst_relative = 0.0;

    void check(bool ok, const std::string& where, const std::string& what, double expected, double got) {
        ++checks;
        if (ok) return;
        ++failures;
        char line[512];
        std::snprintf(line, sizeof line, "FAIL %s: %s expected %.17g, got %.17g", where.c_str(), what.c_str(), expected,
                      got);
        std::cout << line << '\n';
    }
};

struct Expectations {
    std::string name;
    std::size_t n = 0;
    double min = 0, max = 0, mdape = 0, mean = 0, stddev = 0;
    std::vector<std::pair<std::string, double>> percentiles;  // p as written, value
};

std::vector<double> read_samples(const std::string& path, std::size_t n) {
    std::ifstream in(path, std::ios::binary);
    std::vector<double> v(n);
    if (!in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(n * sizeof(double))))
        throw std::runtime_error("cannot read " + std::to_string(n) + " float64 values from " + path);
    return v;
}

BoundedStats sketch(const std::vector<double>& v, std::size_t begin, std::size_t end) {
    BoundedStats b;
    for (std::size_t i = begin; i < end; ++i) b.add_steady(Duration{v[i]});
    return b;
}

bool close(double expected, double got, double relative) {
    return expected == 0.0 ? got == 0.0 : std::fabs(got - expected) <= relative * std::fabs(expected);
}

void check(const Expectations& e, const BoundedStats& b, const std::string& where, Tally& t) {
    t.check(b.count() == e.n, where, "count()", static_cast<double>(e.n), static_cast<double>(b.count()));
    const bool all_in_range = e.min >= BoundedStats::lowest_ns && e.max < BoundedStats::highest_ns;
    for (const auto& [p_text, exact] : e.percentiles) {
        const double got = b.percentile(std::strtod(p_text.c_str(), nullptr)).count();
        const std::string what = "percentile(" + p_text + ")";
        // Out of range, the value reported is min() or max(); the first and last ranks are
        // those exactly anyway.
        if (exact < BoundedStats::lowest_ns) {
            t.check(got == e.min || got == exact, where, what + " below 1 ns is min()", e.min, got);
        } else if (exact >= BoundedStats::highest_ns) {
            t.check(got == e.max || got == exact, where, what + " at or above 2^44 ns is max()", e.max, got);
        } else {
            const double relative = std::fabs(got - exact) / exact;
            t.worst_relative = std::max(t.worst_relative, relative);
            t.check(relative <= BoundedStats::max_relative_error * (1 + 1e-12), where, what, exact, got);
        }
    }
    t.check(b.min().count() == e.min, where, "min()", e.min, b.min().count());
    t.check(b.max().count() == e.max, where, "max()", e.max, b.max().count());
    t.check(close(e.mean, b.mean().count(), 1e-12), where, "mean()", e.mean, b.mean().count());
    t.check(close(e.stddev, b.stddev().count(), 1e-9), where, "stddev()", e.stddev, b.stddev().count());
    if (all_in_range) {
        const double got = b.mdape();
        t.check(std::fabs(got - e.mdape) <= (2.0 / 256.0) * (1.0 + e.mdape) + 1e-15, where, "mdape()", e.mdape, got);
    }
}

int run(const std::string& dir) {
    const std::uint16_t one = 1;
    unsigned char first = 0;
    std::memcpy(&first, &one, 1);
    if (first != 1) {
        std::cout << "gputime_bounded_oracle: the data files are little-endian float64; this host is not\n";
        return 1;
    }
    std::ifstream in(dir + "/expected.txt");
    if (!in) {
        std::cout << "gputime_bounded_oracle: no " << dir << "/expected.txt; run generate_stats_oracle.py first "
                  << "(ctest runs it as stats_oracle.generate, which needs Python 3 with numpy)\n";
        return 1;
    }
    std::vector<Expectations> sets;
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream words(line);
        std::string kind, key, value;
        words >> kind >> key >> value;
        if (kind == "dataset") {
            sets.emplace_back();
            sets.back().name = key;
            sets.back().n = static_cast<std::size_t>(std::stoull(value));
            continue;
        }
        if (sets.empty() || value.empty()) continue;
        const double v = std::strtod(value.c_str(), nullptr);
        Expectations& e = sets.back();
        if (kind == "percentile") e.percentiles.emplace_back(key, v);
        if (key == "min") e.min = v;
        if (key == "max") e.max = v;
        if (key == "mdape") e.mdape = v;
        if (key == "mean") e.mean = v;
        if (key == "stddev") e.stddev = v;
    }
    if (sets.empty()) {
        std::cout << "gputime_bounded_oracle: " << dir << "/expected.txt lists no data set\n";
        return 1;
    }
    Tally t;
    for (const Expectations& e : sets) {
        const std::vector<double> v = read_samples(dir + "/" + e.name + ".f64", e.n);
        const BoundedStats whole = sketch(v, 0, v.size());
        check(e, whole, e.name, t);
        if (e.n >= 2) {
            BoundedStats merged = sketch(v, 0, v.size() / 2);
            merged.merge(sketch(v, v.size() / 2, v.size()));
            t.check(same_counts(merged, whole), e.name, "merged halves have the counts of the whole", 1, 0);
            for (const auto& [p_text, exact] : e.percentiles) {
                const double p = std::strtod(p_text.c_str(), nullptr);
                t.check(merged.percentile(p).count() == whole.percentile(p).count(), e.name + " (merged halves)",
                        "percentile(" + p_text + ") as the whole's", whole.percentile(p).count(),
                        merged.percentile(p).count());
            }
        }
    }
    std::printf("gputime_bounded_oracle: %zu data sets, %zu checks, %zu failed; largest relative error of a "
                "percentile %.9f (bound %.9f)\n",
                sets.size(), t.checks, t.failures, t.worst_relative, BoundedStats::max_relative_error);
    return t.failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: gputime_bounded_oracle DATA_DIR\n";
        return 2;
    }
    try {
        return run(argv[1]);
    } catch (const std::exception& e) {
        std::cout << "gputime_bounded_oracle: " << e.what() << '\n';
        return 1;
    }
}
