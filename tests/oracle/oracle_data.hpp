// SPDX-License-Identifier: MIT
// tests/oracle/oracle_data.hpp - reads what generate_stats_oracle.py (and generate_bounded_oracle.py)
// write, for every oracle that checks accumulators against them:
//   DIR/expected.txt   "dataset NAME N", then its expectations: "exact KEY VALUE" (min, max,
//                      mdape), "close KEY VALUE" (mean, stddev), "percentile P VALUE"
//   DIR/NAME.f64       the N samples, little-endian float64
//     for (const gputime_oracle::DataSet& d : gputime_oracle::read_expected(dir))
//         check(d, gputime_oracle::read_samples(dir + "/" + d.name + ".f64", d.n));
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace gputime_oracle {

/// One data set of expected.txt and what the reference computed for it.
struct DataSet {
    std::string name;
    std::size_t n = 0;
    std::vector<std::pair<std::string, double>> exact;         ///< bit for bit: min, max, mdape
    std::vector<std::pair<std::string, double>> close;         ///< to rounding: mean, stddev
    std::vector<std::pair<std::string, double>> percentiles;   ///< p as written, value
    double min = 0, max = 0, mdape = 0, mean = 0, stddev = 0;  ///< the same values, by name
};

/// Every data set of DIR/expected.txt. Throws std::runtime_error, saying what to run, when the
/// file is missing or lists no data set.
inline std::vector<DataSet> read_expected(const std::string& dir) {
    std::ifstream in(dir + "/expected.txt");
    if (!in)
        throw std::runtime_error("no " + dir +
                                 "/expected.txt; run the oracle's generator first (ctest runs it "
                                 "as a fixture; it needs Python 3 with numpy)");
    std::vector<DataSet> sets;
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
        DataSet& d = sets.back();
        if (kind == "exact") d.exact.emplace_back(key, v);
        if (kind == "close") d.close.emplace_back(key, v);
        if (kind == "percentile") d.percentiles.emplace_back(key, v);
        if (key == "min") d.min = v;
        if (key == "max") d.max = v;
        if (key == "mdape") d.mdape = v;
        if (key == "mean") d.mean = v;
        if (key == "stddev") d.stddev = v;
    }
    if (sets.empty()) throw std::runtime_error(dir + "/expected.txt lists no data set");
    return sets;
}

/// The `n` little-endian float64 samples of `path`. Throws std::runtime_error when the host is
/// big-endian or the file holds fewer.
inline std::vector<double> read_samples(const std::string& path, std::size_t n) {
    const std::uint16_t one = 1;
    unsigned char first = 0;
    std::memcpy(&first, &one, 1);
    if (first != 1) throw std::runtime_error("the data files are little-endian float64; this host is not");
    std::ifstream in(path, std::ios::binary);
    std::vector<double> v(n);
    if (!in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(n * sizeof(double))))
        throw std::runtime_error("cannot read " + std::to_string(n) + " float64 values from " + path);
    return v;
}

}  // namespace gputime_oracle
