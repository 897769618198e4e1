// SPDX-License-Identifier: MIT
// gputime/report/detail/number_text.hpp - the one place where ratios, percentages and p-values
// become text, for every output (text reports, tables, HTML, gputime-compare).
//
//   ratio_text(0.9684) == "0.968"        ratio_text(1.2345, 2) == "1.23"
//   percent_text(0.02) == "2%"           percent_text(0.0548, 2) == "5.48%"
//   p_value_text(0.1702) == "0.170"      p_value_text(1.2e-9) == "1.2e-09"
//
// Durations are format_duration's (gputime/core/duration.hpp); statistics of the catalogue are
// format_statistic's (gputime/stats/statistic_catalogue.hpp).
#pragma once

#include <cmath>
#include <cstdio>
#include <string>

namespace gputime::detail {

/// A ratio (no "x"): `decimals` digits after the point, one digit from 100 up (a ratio that
/// large needs no more); "0" for zero (an open lower end of an interval), "inf" for infinity
/// (an open upper end), "-" for NaN.
inline std::string ratio_text(double r, int decimals = 3) {
    if (std::isnan(r)) return "-";
    if (std::isinf(r)) return r > 0 ? "inf" : "-inf";
    if (r == 0.0) return "0";
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%.*f", std::fabs(r) >= 100.0 ? 1 : decimals, r);
    return buffer;
}

/// A fraction as a percentage with `decimals` digits after the point: 0.0548 -> "5.48%".
inline std::string percent_text(double fraction, int decimals) {
    if (std::isnan(fraction)) return "-";
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%.*f%%", decimals, fraction * 100.0);
    return buffer;
}

/// A setting given as a fraction, in its shortest form: 0.02 -> "2%", 0.95 -> "95%", 0.005 -> "0.5%".
inline std::string percent_text(double fraction) {
    if (std::isnan(fraction)) return "-";
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%g%%", fraction * 100.0);
    return buffer;
}

/// A p-value: three decimals from 0.001 up ("0.170"), else two significant digits with an
/// exponent ("4.8e-67"); "<1e-300" for 0 (below what a double resolves), "-" for NaN (no test).
inline std::string p_value_text(double p) {
    if (std::isnan(p)) return "-";
    if (p <= 0.0) return "<1e-300";
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, p >= 0.001 ? "%.3f" : "%.1e", p);
    return buffer;
}

}  // namespace gputime::detail
