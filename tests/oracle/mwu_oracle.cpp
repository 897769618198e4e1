// SPDX-License-Identifier: MIT
// gputime_mwu_oracle FILE - the rank statistics of gputime/stats/mann_whitney.hpp against scipy and
// numpy (generate_mwu_oracle.py writes FILE):
//   mwu records: U must equal scipy's exactly; p within 1e-9 relative of scipy's for the same
//                method; the automatic method must pick the method the record names.
//   hl records:  the Hodges-Lehmann estimate within 1e-12 (relative to the largest |value|, for
//                the log scale: std::log and numpy's log may differ by an ulp) of numpy's median
//                of all pairwise differences; the interval's ranks exact (either of two
//                neighbouring ranks where the record says borderline), its bounds the order
//                statistics at those ranks (exactly equal on the raw scale).
//   wsr records: the Wilcoxon signed-rank test of paired differences (signed_rank.hpp):
//                min(W+, W-) equal to scipy's T, p within 1e-9 relative, the method picked as named.
//   whl records: the one-sample Hodges-Lehmann estimate (median of the Walsh averages) within
//                1e-12 of numpy's brute force, the interval's ranks exact (or either neighbour
//                where borderline), its bounds exactly the Walsh averages at those ranks.
// Exit status 0 when every check passed.
#include <gputime/stats/mann_whitney.hpp>
#include <gputime/stats/signed_rank.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct DataSet {
    std::vector<double> x, y;          // as written
    std::vector<double> raw_x, raw_y;  // sorted
    std::vector<double> log_x, log_y;  // sorted logarithms
};

std::vector<double> read_values(const std::string& line, char tag, std::size_t count, bool& ok) {
    std::istringstream in(line);
    char t = 0;
    in >> t;
    std::vector<double> v;
    v.reserve(count);
    std::string token;
    while (in >> token) v.push_back(std::strtod(token.c_str(), nullptr));
    ok = t == tag && v.size() == count;
    return v;
}

double max_abs(const std::vector<double>& a, const std::vector<double>& b) {
    double m = 0.0;
    for (const double v : a) m = std::max(m, std::fabs(v));
    for (const double v : b) m = std::max(m, std::fabs(v));
    return m;
}

}  // namespace

int main(int argc, char** argv) {
    namespace detail = gputime::detail;
    if (argc != 2) {
        std::cerr << "usage: gputime_mwu_oracle FILE\n";
        return 2;
    }
    std::ifstream in(argv[1]);
    if (!in) {
        std::cerr << "gputime_mwu_oracle: cannot read " << argv[1] << " (did mwu_oracle.generate run?)\n";
        return 2;
    }
    std::map<std::string, DataSet> data;
    std::map<std::string, std::vector<double>> pairs;  // sorted paired differences
    std::size_t data_sets = 0, mwu_records = 0, hl_records = 0, checks = 0, failures = 0, borderline = 0,
                scipy_auto_differs = 0, wsr_records = 0, whl_records = 0;
    double worst_p = 0.0;  // the largest relative p-value difference seen
    auto fail = [&](const std::string& what) {
        ++failures;
        if (failures <= 20) std::cerr << "MISMATCH " << what << "\n";
    };
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string kind;
        fields >> kind;
        if (kind == "data") {
            std::string id;
            std::size_t n = 0, m = 0;
            fields >> id >> n >> m;
            std::string xs, ys;
            std::getline(in, xs);
            std::getline(in, ys);
            bool ok_x = false, ok_y = false;
            DataSet d;
            d.x = read_values(xs, 'x', n, ok_x);
            d.y = read_values(ys, 'y', m, ok_y);
            if (!ok_x || !ok_y) {
                fail("malformed data set " + id);
                continue;
            }
            d.raw_x = d.x;
            d.raw_y = d.y;
            std::sort(d.raw_x.begin(), d.raw_x.end());
            std::sort(d.raw_y.begin(), d.raw_y.end());
            for (const double v : d.raw_x) d.log_x.push_back(std::log(v));
            for (const double v : d.raw_y) d.log_y.push_back(std::log(v));
            data[id] = std::move(d);
            ++data_sets;
        } else if (kind == "mwu") {
            ++mwu_records;
            std::string id, call, method;
            double u = 0, p = 0;
            int agrees = 0;
            fields >> id >> call >> method >> u >> p >> agrees;
            if (agrees == 0) ++scipy_auto_differs;
            const auto it = data.find(id);
            if (it == data.end()) {
                fail("no data set for: " + line);
                continue;
            }
            const detail::RankTestMethod how = call == "exact"        ? detail::RankTestMethod::exact
                                               : call == "asymptotic" ? detail::RankTestMethod::asymptotic
                                                                      : detail::RankTestMethod::automatic;
            const detail::MannWhitneyResult got = detail::mann_whitney(it->second.x, it->second.y, how);
            char detail_text[160];
            std::snprintf(detail_text, sizeof detail_text, "  got U %.17g p %.17g %s", got.u, got.p_value,
                          got.exact ? "exact" : "asymptotic");
            checks += 3;
            if (got.u != u) fail(line + detail_text);
            if (got.exact != (method == "exact")) fail(line + detail_text);
            if (p > 0.0) worst_p = std::max(worst_p, std::fabs(got.p_value - p) / p);
            if (!(std::fabs(got.p_value - p) <= 1e-9 * p) && !(p == 0.0 && got.p_value < 1e-300))
                fail(line + detail_text);
        } else if (kind == "hl") {
            ++hl_records;
            std::string id, scale, lower_text, upper_text, estimate_text;
            double confidence = 0;
            int exact = 0, border = 0;
            std::uint64_t lower_rank = 0, upper_rank = 0;
            fields >> id >> scale >> confidence >> exact >> estimate_text >> lower_rank >> upper_rank >> lower_text >>
                upper_text >> border;
            const double estimate = std::strtod(estimate_text.c_str(), nullptr);
            const double lower = std::strtod(lower_text.c_str(), nullptr);
            const double upper = std::strtod(upper_text.c_str(), nullptr);
            const auto it = data.find(id);
            if (it == data.end()) {
                fail("no data set for: " + line);
                continue;
            }
            const bool log_scale = scale == "log";
            const std::vector<double>& xs = log_scale ? it->second.log_x : it->second.raw_x;
            const std::vector<double>& ys = log_scale ? it->second.log_y : it->second.raw_y;
            const detail::ShiftEstimate got = detail::hodges_lehmann_sorted(xs, ys, confidence, exact != 0);
            char detail_text[240];
            std::snprintf(detail_text, sizeof detail_text, "  got %.17g ranks %llu %llu [%.17g, %.17g]", got.estimate,
                          static_cast<unsigned long long>(got.lower_rank),
                          static_cast<unsigned long long>(got.upper_rank), got.lower, got.upper);
            const double scale_of_values = std::max(1.0, max_abs(xs, ys));
            const double tolerance = 1e-12 * scale_of_values;
            checks += 3;
            if (!(std::fabs(got.estimate - estimate) <= tolerance)) fail(line + detail_text);
            if (border != 0) {
                ++borderline;
                if (got.lower_rank + 1 < lower_rank || got.lower_rank > lower_rank + 1) fail(line + detail_text);
                continue;
            }
            if (got.lower_rank != lower_rank || got.upper_rank != upper_rank) {
                fail(line + detail_text);
                continue;
            }
            if (lower_rank == 0) {
                if (!std::isinf(got.lower) || !std::isinf(got.upper)) fail(line + detail_text);
                continue;
            }
            const double bound_tolerance = log_scale ? tolerance : 0.0;
            if (!(std::fabs(got.lower - lower) <= bound_tolerance) ||
                !(std::fabs(got.upper - upper) <= bound_tolerance))
                fail(line + detail_text);
        } else if (kind == "pair") {
            std::string id;
            std::size_t n = 0;
            fields >> id >> n;
            std::string ds;
            std::getline(in, ds);
            bool ok = false;
            std::vector<double> d = read_values(ds, 'd', n, ok);
            if (!ok) {
                fail("malformed paired data set " + id);
                continue;
            }
            std::sort(d.begin(), d.end());
            pairs[id] = std::move(d);
            ++data_sets;
        } else if (kind == "wsr") {
            ++wsr_records;
            std::string id, call, method;
            double t = 0, p = 0;
            fields >> id >> call >> method >> t >> p;
            const auto it = pairs.find(id);
            if (it == pairs.end()) {
                fail("no paired data set for: " + line);
                continue;
            }
            const detail::RankTestMethod how = call == "exact"        ? detail::RankTestMethod::exact
                                               : call == "asymptotic" ? detail::RankTestMethod::asymptotic
                                                                      : detail::RankTestMethod::automatic;
            const detail::SignedRankResult got = detail::wilcoxon_signed_rank_sorted(it->second, how);
            const double top = static_cast<double>(got.n) * static_cast<double>(got.n + 1) / 2.0;
            const double got_t = std::min(got.w_plus, top - got.w_plus);
            char detail_text[160];
            std::snprintf(detail_text, sizeof detail_text, "  got T %.17g p %.17g %s", got_t, got.p_value,
                          got.exact ? "exact" : "asymptotic");
            checks += 3;
            if (got_t != t) fail(line + detail_text);
            if (got.exact != (method == "exact")) fail(line + detail_text);
            if (p > 0.0) worst_p = std::max(worst_p, std::fabs(got.p_value - p) / p);
            if (!(std::fabs(got.p_value - p) <= 1e-9 * p) && !(p == 0.0 && got.p_value < 1e-300))
                fail(line + detail_text);
        } else if (kind == "whl") {
            ++whl_records;
            std::string id, lower_text, upper_text, estimate_text;
            double confidence = 0;
            int exact = 0, border = 0;
            std::uint64_t lower_rank = 0, upper_rank = 0;
            fields >> id >> confidence >> exact >> estimate_text >> lower_rank >> upper_rank >> lower_text >>
                upper_text >> border;
            const double estimate = std::strtod(estimate_text.c_str(), nullptr);
            const double lower = std::strtod(lower_text.c_str(), nullptr);
            const double upper = std::strtod(upper_text.c_str(), nullptr);
            const auto it = pairs.find(id);
            if (it == pairs.end()) {
                fail("no paired data set for: " + line);
                continue;
            }
            const detail::ShiftEstimate got = detail::walsh_hodges_lehmann_sorted(it->second, confidence, exact != 0);
            char detail_text[240];
            std::snprintf(detail_text, sizeof detail_text, "  got %.17g ranks %llu %llu [%.17g, %.17g]", got.estimate,
                          static_cast<unsigned long long>(got.lower_rank),
                          static_cast<unsigned long long>(got.upper_rank), got.lower, got.upper);
            const double tolerance = 1e-12 * std::max(1.0, max_abs(it->second, {}));
            checks += 3;
            if (!(std::fabs(got.estimate - estimate) <= tolerance)) fail(line + detail_text);
            if (border != 0) {
                ++borderline;
                if (got.lower_rank + 1 < lower_rank || got.lower_rank > lower_rank + 1) fail(line + detail_text);
                continue;
            }
            if (got.lower_rank != lower_rank || got.upper_rank != upper_rank) {
                fail(line + detail_text);
                continue;
            }
            if (lower_rank == 0) {
                if (!std::isinf(got.lower) || !std::isinf(got.upper)) fail(line + detail_text);
                continue;
            }
            if (got.lower != lower || got.upper != upper) fail(line + detail_text);
        } else if (!kind.empty() && kind != "x" && kind != "y" && kind != "d") {
            fail("unknown record: " + line);
        }
    }
    std::printf(
        "mwu oracle: %zu data sets, %zu mwu, %zu hl, %zu wsr and %zu whl records, %zu checks, %zu borderline, "
        "%zu where scipy's auto method differs, largest relative p difference %.2g, %zu failed\n",
        data_sets, mwu_records, hl_records, wsr_records, whl_records, checks, borderline, scipy_auto_differs, worst_p,
        failures);
    return failures == 0 && mwu_records > 0 && hl_records > 0 && wsr_records > 0 && whl_records > 0 ? 0 : 1;
}
