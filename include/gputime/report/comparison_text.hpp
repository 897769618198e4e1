// SPDX-License-Identifier: MIT
// gputime/report/comparison_text.hpp - an A/B comparison (gputime::compare) as text: the verdict
// line of each candidate and the whole report.
//
//   std::cout << comparison;                     // = gputime::to_text(comparison)
//   std::cout << gputime::to_text(comparison.contrasts[0]);
//   // blocked vs nchw: 0.968x [0.962, 0.975] p=1.2e-09 FASTER (min effect 2%)
//
// The verdict is the library's (gputime/measure/comparison.hpp); ratios and p-values are
// written as gputime/report/detail/number_text.hpp writes them everywhere.
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/measure/comparison.hpp>
#include <gputime/report/detail/number_text.hpp>
#include <gputime/report/detail/text_table.hpp>

#include <cstddef>
#include <iosfwd>
#include <string>
#include <type_traits>

namespace gputime {

/// The verdict as a report shows it: "FASTER", "SLOWER", "SAME" when a difference of the
/// minimum effect is ruled out, and "inconclusive" when it is not (gputime::inconclusive).
inline std::string verdict_label(const Contrast& c) {
    return inconclusive(c) ? std::string("inconclusive") : std::string(to_string(c.verdict));
}

/// The verdict line: "b vs a: 0.968x [0.962, 0.975] p=1.2e-09 FASTER (min effect 2%)"; an open
/// side of the interval reads 0 or inf; a SAME that rules nothing out says it is inconclusive.
inline std::string to_text(const Contrast& c) {
    const std::string p = detail::p_value_text(c.p_value);
    std::string s = c.name + " vs " + c.baseline_name + ": " + detail::ratio_text(c.ratio) + "x [" +
                    detail::ratio_text(c.ratio_lower) + ", " + detail::ratio_text(c.ratio_upper) + "] " +
                    (p.front() == '<' ? "p" + p : "p=" + p) + " " + to_string(c.verdict) + " (min effect " +
                    detail::percent_text(c.min_effect);
    if (inconclusive(c)) s += "; the interval holds 1 and reaches past it";
    return s + ")";
}

/// The whole report: per-variant p50 / p99 / first call, then one verdict line per candidate and
/// a legend of the method.
inline std::string to_text(const Comparison& r) {
    const std::string how =
        r.samples == 0
            ? std::string("samples measured elsewhere)\n")
            : std::to_string(r.variants.size()) + " variants interleaved: " + std::to_string(r.warmup) + " warm-up + " +
                  std::to_string(r.samples) +
                  " measured blocks, each variant once per block in random order; one synchronisation "
                  "per call; stopped: " +
                  to_string(r.stop) + " after " + std::to_string(r.looks) + (r.looks == 1 ? " look" : " looks") + ")\n";
    std::string out =
        "gputime: A/B comparison  (" + std::string(r.device_timed ? "device time" : "host time") + ", " + how;
    detail::TextTable table({"variant", "p50", "p99", "first call", "samples"});
    for (const VariantTiming& v : r.variants) {
        const bool steady = v.latency.count() > 0;
        table.row({v.name, steady ? format_duration(v.latency.p50()) : "-",
                   steady ? format_duration(v.latency.p99()) : "-",
                   v.latency.has_first_call() ? format_duration(v.latency.first_call()) : "-",
                   std::to_string(v.latency.count())});
    }
    const std::string text = table.str();
    std::size_t begin = 0;
    while (begin < text.size()) {
        const std::size_t end = text.find('\n', begin);
        out += "  " + text.substr(begin, end - begin) + "\n";
        begin = end == std::string::npos ? text.size() : end + 1;
    }
    for (const Contrast& c : r.contrasts) out += "  " + to_text(c) + "\n";
    const bool paired = !r.contrasts.empty() && r.contrasts.front().paired;
    if (paired) {
        out += "  ratio = candidate / baseline call of the same block, Hodges-Lehmann on log ratios; [its " +
               detail::percent_text(r.look_confidence) + " interval at each of up to " +
               std::to_string(r.planned_looks) + " looks: " + detail::percent_text(r.confidence) + " overall]\n";
        out += "  p = two-sided Wilcoxon signed-rank over the blocks; ";
    } else {
        out += "  ratio = median(candidate) / median(baseline), Hodges-Lehmann on log durations; [its " +
               detail::percent_text(r.confidence) + " confidence interval]\n";
        out += "  p = two-sided Mann-Whitney U; ";
    }
    out += "FASTER / SLOWER: the whole interval at least " + detail::percent_text(r.min_effect) +
           " from 1; SAME: the interval within it\n";
    if (r.stop == CompareStop::time_limit || r.stop == CompareStop::sample_limit)
        out += "  the " + std::string(to_string(r.stop)) + " ended the measuring before every interval decided\n";
    return out;
}

/// Prints to_text(c).
template <class Ostream, class = std::enable_if_t<std::is_base_of<std::ostream, Ostream>::value>>
Ostream& operator<<(Ostream& os, const Contrast& c) {
    os << to_text(c);
    return os;
}
/// Prints to_text(r).
template <class Ostream, class = std::enable_if_t<std::is_base_of<std::ostream, Ostream>::value>>
Ostream& operator<<(Ostream& os, const Comparison& r) {
    os << to_text(r);
    return os;
}

}  // namespace gputime
