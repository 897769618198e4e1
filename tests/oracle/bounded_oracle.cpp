// SPDX-License-Identifier: MIT
// gputime_bounded_oracle - gputime::BoundedStats and its exponential buckets against references
// computed without gputime's code: numpy and exact rationals (generate_stats_oracle.py's data
// sets) and exact integer arithmetic (generate_bounded_oracle.py).
//
//   gputime_bounded_oracle STATS_DATA_DIR BOUNDED_DATA_DIR
//
// * Buckets: every duration of BOUNDED_DATA_DIR/boundaries.txt (the largest double at or below a
//   boundary 1e9 * 2^(i / 2^scale) ns, and the next one up, at every scale from -4 to 8) is in the
//   bucket exact integer arithmetic puts it in; every bound base^i (seconds) is numpy's
//   2.0 ** (i / 2^scale) and the exactly rounded value, bit for bit.
// * For every data set of both directories (n = 1 .. 1e6: uniform, lognormal, Pareto tails to
//   p99.99, ties, zeros, bimodal, 1e12 and 1e15 offsets, durations exactly on bucket boundaries
//   and next to them, sub-nanosecond, hours to years, 1e20 ns), at scales 7 (the default), 6 and 8:
//   - every expected percentile within max_relative_error() of numpy's nearest-rank value when
//     that lies above 2^-48 s; the exact min() when it lies at or below (the zero bucket);
//   - min and max bit for bit, mean within 1e-12 relative, stddev within 1e-11 relative;
//   - mdape within 2 e (1 + exact) / (1 - e), e = max_relative_error();
//   - the sketch of the two halves merged has the same counts as the sketch of the whole, and
//     bit-identical percentiles.
// Prints the largest relative error of a percentile per scale. Exit status 0 when every check
// passed; each failure is printed with both values.
#include "oracle_data.hpp"

#include <gputime/stats/bounded_stats.hpp>
#include <gputime/stats/exponential_histogram.hpp>

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
using gputime::ExponentialHistogram;

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

// One data set and its expectations (tests/oracle/oracle_data.hpp).
using Expectations = gputime_oracle::DataSet;
using gputime_oracle::read_samples;

BoundedStats sketch(const std::vector<double>& v, std::size_t begin, std::size_t end, int scale) {
    BoundedStats b(scale);
    for (std::size_t i = begin; i < end; ++i) b.add_steady(Duration{v[i]});
    return b;
}

bool close(double expected, double got, double relative) {
    return expected == 0.0 ? got == 0.0 : std::fabs(got - expected) <= relative * std::fabs(expected);
}

void check(const Expectations& e, const BoundedStats& b, const std::string& where, Tally& t) {
    t.check(b.count() == e.n, where, "count()", static_cast<double>(e.n), static_cast<double>(b.count()));
    const double bound = b.max_relative_error();
    for (const auto& [p_text, exact] : e.percentiles) {
        const double got = b.percentile(std::strtod(p_text.c_str(), nullptr)).count();
        const std::string what = "percentile(" + p_text + ")";
        if (exact <= ExponentialHistogram::zero_threshold_ns) {
            // The zero bucket: reported as min() (the first rank is the exact min anyway).
            t.check(got == e.min || got == exact, where, what + " in the zero bucket is min()", e.min, got);
        } else {
            const double relative = std::fabs(got - exact) / exact;
            t.worst_relative = std::max(t.worst_relative, relative);
            t.check(relative <= bound, where, what, exact, got);
        }
    }
    t.check(b.min().count() == e.min, where, "min()", e.min, b.min().count());
    t.check(b.max().count() == e.max, where, "max()", e.max, b.max().count());
    t.check(close(e.mean, b.mean().count(), 1e-12), where, "mean()", e.mean, b.mean().count());
    t.check(close(e.stddev, b.stddev().count(), 1e-11), where, "stddev()", e.stddev, b.stddev().count());
    if (e.min > ExponentialHistogram::zero_threshold_ns) {
        const double got = b.mdape();
        t.check(std::fabs(got - e.mdape) <= 2 * bound * (1.0 + e.mdape) / (1 - bound) + 1e-15, where, "mdape()",
                e.mdape, got);
    }
}

// boundaries.txt: bucket indices and bounds against exact integer arithmetic and numpy.
void check_boundaries(const std::string& dir, Tally& t) {
    std::ifstream in(dir + "/boundaries.txt");
    if (!in) throw std::runtime_error("no " + dir + "/boundaries.txt; run generate_bounded_oracle.py first");
    std::string line;
    std::size_t indices = 0, bounds = 0;
    while (std::getline(in, line)) {
        std::istringstream words(line);
        std::string kind, a, b, c;
        words >> kind >> a >> b >> c;
        const int scale = std::stoi(a);
        if (kind == "index") {
            const double x = std::strtod(b.c_str(), nullptr);
            const long long expected = std::stoll(c);
            ++indices;
            if (x <= ExponentialHistogram::zero_threshold_ns) {  // the zero bucket's own boundary
                t.check(expected < (scale >= 0 ? -(48LL << scale) : -(48LL >> -scale)), line, "at or below 2^-48 s", 0,
                        x);
                continue;
            }
            const long long got = ExponentialHistogram::index_of(Duration{x}, scale);
            t.check(got == expected, line, "ExponentialHistogram::index_of", static_cast<double>(expected),
                    static_cast<double>(got));
        } else if (kind == "bound") {
            const long long i = std::stoll(b);
            std::istringstream rest(line);
            std::string k, s, ii, numpy_text, exact_text;
            rest >> k >> s >> ii >> numpy_text >> exact_text;
            const double numpy_value = std::strtod(numpy_text.c_str(), nullptr);
            const double exact = std::strtod(exact_text.c_str(), nullptr);
            const double got = ExponentialHistogram::bound_seconds(scale, i);
            ++bounds;
            t.check(got == exact, line, "bound_seconds: the exactly rounded base^i", exact, got);
            t.check(got == numpy_value, line, "bound_seconds: numpy's 2.0 ** (i / 2^scale)", numpy_value, got);
        }
    }
    std::printf("gputime_bounded_oracle: %zu bucket indices and %zu bounds checked\n", indices, bounds);
    if (indices < 1000 || bounds < 100)
        t.check(false, dir + "/boundaries.txt", "records", 1000, static_cast<double>(indices));
}

int run(const std::string& stats_dir, const std::string& bounded_dir) {
    Tally t;
    check_boundaries(bounded_dir, t);
    std::size_t sets = 0;
    for (const int scale : {BoundedStats::default_scale, 6, 8}) {
        Tally per_scale;
        std::size_t lowered = 0;  // data sets whose span made the sketch lower its scale
        for (const std::string& dir : {stats_dir, bounded_dir}) {
            for (const Expectations& e : gputime_oracle::read_expected(dir)) {
                const std::vector<double> v = read_samples(dir + "/" + e.name + ".f64", e.n);
                const std::string where = e.name + " (scale " + std::to_string(scale) + ")";
                const BoundedStats whole = sketch(v, 0, v.size(), scale);
                check(e, whole, where, per_scale);
                ++sets;
                if (whole.scale() != scale) ++lowered;
                if (e.n >= 2) {
                    BoundedStats merged = sketch(v, 0, v.size() / 2, scale);
                    merged.merge(sketch(v, v.size() / 2, v.size(), scale));
                    per_scale.check(same_counts(merged, whole), where, "merged halves have the counts of the whole", 1,
                                    0);
                    for (const auto& [p_text, exact] : e.percentiles) {
                        const double p = std::strtod(p_text.c_str(), nullptr);
                        per_scale.check(merged.percentile(p).count() == whole.percentile(p).count(),
                                        where + " (merged halves)", "percentile(" + p_text + ") as the whole's",
                                        whole.percentile(p).count(), merged.percentile(p).count());
                    }
                }
            }
        }
        std::printf(
            "gputime_bounded_oracle: scale %d: largest relative error of a percentile %.9f (bound %.9f; %zu data "
            "sets spanned too much for %zu buckets and were kept at a lower scale, within its bound)\n",
            scale, per_scale.worst_relative, BoundedStats::relative_error_of(scale), lowered,
            BoundedStats::max_buckets);
        t.checks += per_scale.checks;
        t.failures += per_scale.failures;
    }
    std::printf("gputime_bounded_oracle: %zu data sets x scales, %zu checks, %zu failed\n", sets, t.checks, t.failures);
    return t.failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: gputime_bounded_oracle STATS_DATA_DIR BOUNDED_DATA_DIR\n";
        return 2;
    }
    try {
        return run(argv[1], argv[2]);
    } catch (const std::exception& e) {
        std::cout << "gputime_bounded_oracle: " << e.what() << '\n';
        return 1;
    }
}
