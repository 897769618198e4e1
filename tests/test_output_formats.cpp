// SPDX-License-Identifier: MIT
// The output of every result lives in report/, in one naming style (to_text, to_markdown, to_json,
// to_html, operator<< = to_text), with ratios, percentages and p-values written in one place
// (report/detail/number_text.hpp) and one label for a verdict (verdict_label).
#include "support/manual_clock.hpp"
#include "support/scripted_clock.hpp"
#include "support/test_framework.hpp"
#include "support/test_helpers.hpp"

#include <gputime/core/error.hpp>
#include <gputime/cuda/gated_times.hpp>
#include <gputime/cuda/graph_comparison.hpp>
#include <gputime/cuda/telemetry_summary.hpp>
#include <gputime/measure/ab_compare.hpp>
#include <gputime/measure/comparison.hpp>
#include <gputime/measure/idle_gap_point.hpp>
#include <gputime/measure/layer_profiler.hpp>
#include <gputime/measure/warmup_runner.hpp>
#include <gputime/report/comparison_text.hpp>
#include <gputime/report/detail/number_text.hpp>
#include <gputime/report/gated_text.hpp>
#include <gputime/report/graph_comparison_text.hpp>
#include <gputime/report/idle_gap_text.hpp>
#include <gputime/report/layer_table.hpp>
#include <gputime/report/telemetry_text.hpp>
#include <gputime/report/text.hpp>

#include <chrono>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

using gputime::Duration;
using gputime::Verdict;

namespace {

template <class T>
std::string printed(const T& value) {
    std::ostringstream os;
    os << value;
    return os.str();
}

gputime::Stats steady(double first, std::initializer_list<double> samples) {
    gputime::Stats s;
    s.set_first_call(Duration{first});
    for (const double x : samples) s.add_steady(Duration{x});
    return s;
}

using gputime_test::invalid_argument_of;

}  // namespace

TEST_CASE("number text: ratios, percentages and p-values, written one way for every output") {
    using gputime::detail::p_value_text;
    using gputime::detail::percent_text;
    using gputime::detail::ratio_text;
    CHECK(ratio_text(0.96844) == "0.968");
    CHECK(ratio_text(1.0969) == "1.097");
    CHECK(ratio_text(1.2345, 2) == "1.23");
    CHECK(ratio_text(123.456) == "123.5");                                // from 100 up one decimal is enough
    CHECK(ratio_text(0.0) == "0");                                        // an open lower end
    CHECK(ratio_text(std::numeric_limits<double>::infinity()) == "inf");  // an open upper end
    CHECK(ratio_text(std::nan("")) == "-");
    CHECK(percent_text(0.02) == "2%");
    CHECK(percent_text(0.95) == "95%");
    CHECK(percent_text(0.005) == "0.5%");
    CHECK(percent_text(0.0548, 2) == "5.48%");
    CHECK(percent_text(0.25, 1) == "25.0%");
    CHECK(percent_text(0.75, 0) == "75%");
    CHECK(p_value_text(0.1702) == "0.170");
    CHECK(p_value_text(0.001) == "0.001");
    CHECK(p_value_text(0.000999) == "1.0e-03");
    CHECK(p_value_text(4.8e-67) == "4.8e-67");
    CHECK(p_value_text(0.0) == "<1e-300");
    CHECK(p_value_text(std::nan("")) == "-");
}

TEST_CASE("the verdict as the reports label it: inconclusive when nothing was shown either way") {
    gputime::Contrast c;
    c.verdict = Verdict::same;
    c.equivalent = false;
    CHECK(gputime::inconclusive(c));
    CHECK(gputime::verdict_label(c) == "inconclusive");
    c.equivalent = true;
    CHECK(gputime::verdict_label(c) == "SAME");
    c.verdict = Verdict::slower;
    c.equivalent = false;
    CHECK_FALSE(gputime::inconclusive(c));
    CHECK(gputime::verdict_label(c) == "SLOWER");
    c.verdict = Verdict::inconclusive;
    CHECK(gputime::inconclusive(c));
    CHECK(gputime::verdict_label(c) == "inconclusive");
}

TEST_CASE("compare_measured: a whole Comparison of samples measured elsewhere, with compare_stats' verdicts") {
    const gputime::Stats a = steady(9000, {1000, 1010, 1020, 1030, 1040, 1050, 1060, 1070});
    const gputime::Stats b = steady(9000, {1200, 1210, 1220, 1230, 1240, 1250, 1260, 1270});
    const gputime::Stats c = steady(9000, {1000, 1010, 1020, 1030, 1040, 1050, 1060, 1070});
    gputime::CompareOptions options;
    options.names = {"base", "slow", "twin"};
    const gputime::Comparison r = gputime::compare_measured({a, b, c}, options);
    REQUIRE(r.variants.size() == 3);
    REQUIRE(r.contrasts.size() == 2);
    CHECK(r.samples == 0);  // measured elsewhere
    CHECK(r.variants[1].name == "slow");
    CHECK(r.variants[1].latency.p50() == b.p50());
    CHECK(r.contrasts[0].variant == 1);
    CHECK(r.contrasts[1].variant == 2);
    CHECK(r.contrasts[1].baseline_name == "base");
    gputime::CompareOptions pair;
    pair.names = {"base", "slow"};
    const gputime::Contrast expected = gputime::compare_stats(a, b, pair);
    CHECK(r.contrasts[0].ratio == expected.ratio);
    CHECK(r.contrasts[0].p_value == expected.p_value);
    CHECK(r.contrasts[0].verdict == Verdict::slower);  // 8 vs 8 without ties: exact p = 1.6e-4
    CHECK(r.contrasts[1].ratio == 1.0);
    // 8 vs 8 of the same samples: the interval holds 1 but is too wide to rule out 2%.
    CHECK(r.contrasts[1].verdict == Verdict::inconclusive);
    CHECK(gputime::to_text(r).find("samples measured elsewhere") != std::string::npos);
    CHECK(gputime::compare_measured({a, b}).variants[1].name == "b");

    CHECK(invalid_argument_of([&] { (void)gputime::compare_measured({a}); }).parameter() == "measured");
    const gputime::InvalidArgument empty = invalid_argument_of([&] {
        (void)gputime::compare_measured({a, gputime::Stats{}});
    });
    CHECK(empty.parameter() == "measured");
    CHECK(std::string(empty.what()).find("index 1") != std::string::npos);
    gputime::CompareOptions bad;
    bad.names = {"only one"};
    CHECK(invalid_argument_of([&] { (void)gputime::compare_measured({a, b}, bad); }).parameter() == "names");
    bad = gputime::CompareOptions{};
    bad.confidence = 1.0;
    CHECK(invalid_argument_of([&] { (void)gputime::compare_measured({a, b}, bad); }).parameter() == "confidence");
}

TEST_CASE("one naming style: to_text for every result, and operator<< prints the same") {
    gputime_test::ScriptedClock clock({5000, 2000, 1000, 1000, 1100, 1000, 1100, 1000});
    const gputime::RunResult run = gputime::WarmupRunner(clock).warmup(2).iterations(6).name("r").run([] {});
    CHECK(printed(run) == gputime::to_text(run));
    CHECK(printed(run.latency) == gputime::to_text(run.latency));
    CHECK(gputime::to_text(run).rfind("gputime: r  (host time, latency mode", 0) == 0);

    const gputime::Comparison comparison = gputime::compare_measured({run.latency, run.latency});
    CHECK(printed(comparison) == gputime::to_text(comparison));
    CHECK(printed(comparison.contrasts[0]) == gputime::to_text(comparison.contrasts[0]));
    CHECK(gputime::to_text(comparison.contrasts[0]) ==
          "b vs a: 1.000x [" + gputime::detail::ratio_text(comparison.contrasts[0].ratio_lower) + ", " +
              gputime::detail::ratio_text(comparison.contrasts[0].ratio_upper) +
              "] p=1.000 inconclusive (min effect 2%; " + "the interval holds 1 and reaches past it)");

    const std::vector<gputime::IdleGapPoint> points{{std::chrono::nanoseconds(0), run},
                                                    {std::chrono::milliseconds(1), run}};
    CHECK(printed(points) == gputime::to_text(points));
    CHECK(gputime::to_text(points).find("1.00x") != std::string::npos);
    const gputime::InvalidArgument none =
        invalid_argument_of([] { (void)gputime::to_text(std::vector<gputime::IdleGapPoint>{}); });
    CHECK(none.parameter() == "points");
    CHECK(none.where() == "to_text");

    gputime::GraphComparison graph;
    graph.name = "g";
    graph.eager = run;
    graph.graph = run;
    CHECK(printed(graph) == gputime::to_text(graph));
    CHECK(gputime::to_text(graph).find("graph/eager 1.00x, saves 0 ns per call") != std::string::npos);

    gputime::GatedTimes gated;
    gated.end_to_end = run;
    gated.device = run;
    CHECK(printed(gated) == gputime::to_text(gated));
    CHECK(gputime::to_text(gated).find("difference") != std::string::npos);

    gputime::TelemetrySummary t;
    t.unavailable = "NVML not available: libnvidia-ml.so.1 not found";
    CHECK(printed(t) == gputime::to_text(t));
    CHECK(gputime::to_text(t) == "  telemetry    none: NVML not available: libnvidia-ml.so.1 not found\n");

    gputime_test::ManualClock manual;
    gputime::LayerProfiler profiler(manual);
    profiler.label("p");
    for (int i = 0; i < 3; ++i) {
        auto iteration = profiler.iteration();
        profiler.time("conv", [&] { manual.advance(i == 0 ? 5000 : 1000); });
    }
    const gputime::LayerProfile profile = profiler.profile();
    gputime::LayerTable table;
    table.column(profile);
    CHECK(printed(table) == gputime::to_text(table));
    CHECK(gputime::to_text(table) == table.str());
    CHECK(gputime::to_markdown(table).rfind("| layer | p p50 |", 0) == 0);
    CHECK(gputime::to_text(profile).rfind("=== Profile: p (3 iterations", 0) == 0);
    CHECK(gputime::to_markdown(profile).rfind("**=== Profile: p (3 iterations", 0) == 0);
}
