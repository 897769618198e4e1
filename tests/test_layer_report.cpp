// SPDX-License-Identifier: MIT
// Per-layer tables: layers x runs with a SUM row, and trtexec's profile table.
#include "support/manual_clock.hpp"
#include "support/test_framework.hpp"
#include "support/test_helpers.hpp"

#include <gputime/core/error.hpp>
#include <gputime/measure/layer_profiler.hpp>
#include <gputime/report/layer_table.hpp>

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using gputime::LayerMetric;
using gputime::LayerOrder;
using gputime::LayerProfile;
using gputime_test::ManualClock;

namespace {

// Three iterations: a heavy first call on block1_conv1, a nested block, host work
// between layers. Every duration is multiplied by `scale` (a bigger batch).
LayerProfile vgg_like(const char* label, double scale, bool with_fc2 = false) {
    ManualClock clock;
    gputime::LayerProfiler prof(clock);
    prof.label(label);
    for (int it = 0; it < 3; ++it) {
        auto iteration = prof.iteration();
        prof.time("block1_conv1", [&] { clock.advance(scale * (it == 0 ? 25'000'000 : 1'300'000)); });
        clock.advance(scale * 1000);
        {
            auto block = prof.scope("block2");
            prof.time("conv", [&] { clock.advance(scale * 500); });
            clock.advance(20);
        }
        prof.time("fc1", [&] { clock.advance(scale * (it == 0 ? 900 : 2000)); });
        if (with_fc2 && it == 0) prof.time("fc2", [&] { clock.advance(10); });  // ran once: no p50
    }
    return prof.profile();
}

using gputime_test::contains;

// The lines of a table.
std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    for (std::size_t end = text.find('\n'); end != std::string::npos; end = text.find('\n', start)) {
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

// The cells after the row label `name` (as printed, indentation included), trimmed; "(no row)" if none.
std::string row(const std::string& table, const std::string& name) {
    for (const std::string& line : lines_of(table)) {
        if (line.compare(0, name.size() + 1, name + " ") != 0) continue;
        const std::size_t first = line.find_first_not_of(' ', name.size());
        return first == std::string::npos ? std::string() : line.substr(first);
    }
    return "(no row)";
}

using gputime_test::invalid_argument_of;

}  // namespace

TEST_CASE("layer table: layers as rows, runs as columns, with SUM, unattributed and iteration rows") {
    const LayerProfile b1 = vgg_like("batch 1", 1);
    const LayerProfile b8 = vgg_like("batch 8", 8);
    gputime::LayerTable table;
    table.title("VGG per layer")
        .column(b1, LayerMetric::first_call)
        .column(b1, LayerMetric::p50)
        .column(b8, LayerMetric::first_call)
        .column(b8, LayerMetric::p50);
    const std::string expected =
        "VGG per layer\n"
        "                     batch 1               batch 8\n"
        "layer         first call       p50  first call       p50\n"
        "--------------------------------------------------------\n"
        "block1_conv1    25.00 ms  1.300 ms    200.0 ms  10.40 ms\n"
        "block2            520 ns    520 ns    4.020 us  4.020 us\n"
        "  conv            500 ns    500 ns    4.000 us  4.000 us\n"
        "fc1               900 ns  2.000 us    7.200 us  16.00 us\n"
        "--------------------------------------------------------\n"
        "SUM             25.00 ms  1.303 ms    200.0 ms  10.42 ms\n"
        "unattributed    1.000 us  1.000 us    8.000 us  8.000 us\n"
        "iteration       25.00 ms  1.304 ms    200.0 ms  10.43 ms\n";
    CHECK(table.str() == expected);
    std::ostringstream os;
    os << table;
    CHECK(os.str() == expected);
}

TEST_CASE("layer table: first calls add up exactly: SUM + unattributed = iteration") {
    const LayerProfile p = vgg_like("run", 1);
    double sum = 0;
    for (const gputime::LayerStats& l : p.layers())
        if (l.top_level()) sum += l.time.first_call().count();
    CHECK(sum + p.unattributed().first_call().count() == p.iteration_total().first_call().count());
}

TEST_CASE("layer table: ordered by cost, children stay under their parent") {
    const LayerProfile b1 = vgg_like("batch 1", 1);
    gputime::LayerTable table;
    table.column(b1, LayerMetric::p50).order(LayerOrder::cost).totals(false);
    const std::string text = table.str();
    INFO(text);
    const auto at = [&](const char* row) { return text.find(row); };
    CHECK(at("block1_conv1") < at("fc1"));
    CHECK(at("fc1") < at("block2"));
    CHECK(at("block2") < at("  conv"));
    CHECK_FALSE(contains(text, "SUM"));

    SECTION("by a chosen column") {
        gputime::LayerTable by_overhead;
        // first-call overhead: block2 0 ns, fc1 -1.1 us (its first call was the faster one)
        by_overhead.column(b1, LayerMetric::first_call_overhead)
            .column(b1, LayerMetric::p50)
            .order(LayerOrder::cost, 0);
        const std::string t = by_overhead.str();
        CHECK(t.find("block2") < t.find("fc1"));
    }
}

TEST_CASE("layer table: a layer missing from a run, or without steady calls, shows '-'") {
    const LayerProfile with = vgg_like("with fc2", 1, true);
    const LayerProfile without = vgg_like("without", 1);
    gputime::LayerTable table;
    table.column(with, LayerMetric::first_call).column(with, LayerMetric::p50).column(without, LayerMetric::p50);
    const std::string text = table.str();
    INFO(text);
    CHECK(contains(text, "fc2                10 ns         -         -\n"));
}

TEST_CASE("layer table: bad use is refused") {
    gputime::LayerTable empty;
    CHECK_THROWS_AS(empty.str(), std::logic_error);
    const LayerProfile p = vgg_like("run", 1);
    gputime::LayerTable table;
    table.column(p).order(LayerOrder::cost, 3);
    const gputime::InvalidArgument e = invalid_argument_of([&] { (void)table.str(); });
    CHECK(e.parameter() == "by_column");
    CHECK(e.where() == "LayerTable::order");
    CHECK(contains(e.what(), "by_column is 3"));
    table.column(p).column(p).column(p);  // a fourth column makes column 3 valid
    CHECK(contains(table.str(), "block1_conv1"));

    const auto bogus = static_cast<LayerMetric>(99);
    gputime::LayerTable unchanged;
    CHECK(invalid_argument_of([&] { unchanged.column(p, bogus); }).parameter() == "metric");
    CHECK(invalid_argument_of([&] { unchanged.column(p, bogus, "x"); }).parameter() == "metric");
    CHECK(invalid_argument_of([&] { unchanged.order(static_cast<LayerOrder>(7)); }).parameter() == "how");
    CHECK_THROWS_AS(unchanged.str(), std::logic_error);  // still no column
    CHECK(std::string(gputime::metric_name(bogus)) == "?");
    CHECK_FALSE(gputime::metric_value(p.iteration_total(), bogus, p).has_value());
}

TEST_CASE("layer table: top-level 'a/b' and 'b' inside 'a' are two rows, SUM + unattributed = iteration") {
    // "a" (20 ns) holds "b" (15 ns); 1 ns of host work; then a top-level layer named "a/b" (10 ns).
    ManualClock clock;
    gputime::LayerProfiler prof(clock);
    for (int it = 0; it < 2; ++it) {
        auto iteration = prof.iteration();
        {
            auto a = prof.scope("a");
            clock.advance(2);
            prof.time("b", [&] { clock.advance(15); });
            clock.advance(3);
        }
        clock.advance(1);
        prof.time("a/b", [&] { clock.advance(10); });
    }
    const LayerProfile& p = prof.profile();
    gputime::LayerTable table;
    table.column(p, LayerMetric::first_call).column(p, LayerMetric::p50);
    const std::string text = table.str();
    INFO(text);
    CHECK(row(text, "a") == "20 ns  20 ns");
    CHECK(row(text, "  b") == "15 ns  15 ns");
    CHECK(row(text, "a/b") == "10 ns  10 ns");
    CHECK(row(text, "SUM") == "30 ns  30 ns");
    CHECK(row(text, "unattributed") == "1 ns   1 ns");
    CHECK(row(text, "iteration") == "31 ns  31 ns");
    CHECK(lines_of(text).size() == 2 + 3 + 1 + 3);  // header + rule, 3 layers, rule, 3 totals
}

TEST_CASE("layer table and profile table of a profile that measured nothing: every cell '-'") {
    ManualClock clock;
    gputime::LayerProfiler prof(clock);
    prof.label("idle");
    const LayerProfile& nothing = prof.profile();
    gputime::LayerTable table;
    table.column(nothing, LayerMetric::first_call)
        .column(nothing, LayerMetric::steady_calls, "calls", nothing.label())
        .column(nothing, LayerMetric::share);
    const std::string text = table.str();
    INFO(text);
    CHECK(row(text, "SUM") == "-         -");  // no sum of call counts
    CHECK(row(text, "unattributed") == "-      0  -");
    CHECK(row(text, "iteration") == "-      0  -");
    CHECK(lines_of(text).size() == 3 + 3);  // group line, header, one rule (no layer rows), 3 totals

    const std::string profile = gputime::to_text(nothing);
    INFO(profile);
    CHECK(contains(profile, "=== Profile: idle (0 iterations; host time) ===\n"));
    CHECK(row(profile, "iteration") == "0      -    -       -    -           -  -");
}

TEST_CASE("profile table: trtexec's columns plus p99 and the first call, steady state only") {
    const LayerProfile b8 = vgg_like("batch 8", 8);
    const std::string text = gputime::to_text(b8);
    INFO(text);
    CHECK(contains(text, "=== Profile: batch 8 (3 iterations: the first + 2 steady; host time) ===\n"));
    CHECK(contains(text, "layer         calls     total       avg    median       p99  first call       %\n"));
    CHECK(contains(text, "block1_conv1      2  20.80 ms  10.40 ms  10.40 ms  10.40 ms    200.0 ms   99.7%\n"));
    CHECK(contains(text, "  conv            2  8.000 us  4.000 us  4.000 us  4.000 us    4.000 us    0.0%\n"));
    CHECK(contains(text, "SUM                  20.84 ms"));  // no sum of call counts
    CHECK(contains(text, "iteration         2  20.86 ms  10.43 ms  10.43 ms  10.43 ms    200.0 ms  100.0%\n"));
    CHECK(contains(text, "first call is kept apart"));

    const std::string by_cost = gputime::to_text(b8, LayerOrder::cost);
    CHECK(by_cost.find("fc1") < by_cost.find("block2"));  // by steady total
}

TEST_CASE("metric values: share and overhead of any Stats in a profile") {
    const LayerProfile p = vgg_like("run", 1);
    const gputime::Stats& conv1 = p.find("block1_conv1")->time;
    CHECK(*gputime::metric_value(conv1, LayerMetric::first_call_overhead, p) == 23'700'000.0);
    CHECK(*gputime::metric_value(conv1, LayerMetric::steady_calls, p) == 2.0);
    CHECK(*gputime::metric_value(conv1, LayerMetric::calls, p) == 3.0);  // the first call too, as Stats::calls()
    CHECK(*gputime::metric_value(p.iteration_total(), LayerMetric::share, p) == 1.0);
    CHECK(*gputime::metric_value(conv1, LayerMetric::share, p) ==
          gputime_test::Approx(p.share(*p.find("block1_conv1"))));
    CHECK_FALSE(gputime::metric_value(gputime::Stats{}, LayerMetric::p50, p).has_value());
    CHECK(std::string(gputime::metric_name(LayerMetric::first_call)) == "first call");
}

TEST_CASE("layer table: any statistic of the catalogue, headed and printed as the catalogue says") {
    const LayerProfile b8 = vgg_like("batch 8", 8);
    gputime::LayerTable table;
    table.column(b8, LayerMetric::calls)
        .column(b8, LayerMetric::steady_calls)
        .column(b8, LayerMetric::stddev)
        .column(b8, LayerMetric::mdape)
        .column(b8, LayerMetric::p999)
        .column(b8, LayerMetric::share);
    const std::string text = table.str();
    INFO(text);
    CHECK(contains(text, "layer         calls  steady calls  stddev   err%     p99.9       %\n"));
    CHECK(row(text, "block1_conv1") == "3             2    0 ns  0.00%  10.40 ms   99.7%");
    // Counts, spreads and relative errors are not added up in the SUM row; shares and p99.9 are.
    CHECK(row(text, "SUM") == "10.42 ms   99.9%");
    CHECK(row(text, "iteration") == "3             2    0 ns  0.00%  10.43 ms  100.0%");
    for (const gputime::StatisticInfo& info : gputime::statistic_catalogue)
        CHECK(std::string(gputime::metric_name(info.statistic)) == info.heading);
}

TEST_CASE("layer table as markdown: group and heading in one header cell, indentation kept, no rules") {
    const LayerProfile b1 = vgg_like("batch 1", 1);
    gputime::LayerTable table;
    table.title("VGG | batch 1").column(b1, LayerMetric::first_call, "first", "batch 1").column(b1, LayerMetric::share);
    const std::string md = gputime::to_markdown(table);
    INFO(md);
    const std::vector<std::string> lines = lines_of(md);
    REQUIRE(lines.size() == 2 + 2 + 4 + 3);
    CHECK(lines[0] == "**VGG | batch 1**");
    CHECK(lines[2] == "| layer | batch 1 first | batch 1 % |");
    CHECK(lines[3] == "|:---|---:|---:|");
    CHECK(lines[4] == "| block1_conv1 | 25.00 ms | 99.7% |");
    CHECK(lines[6] == "| &nbsp;&nbsp;conv | 500 ns | 0.0% |");
    CHECK(lines[8] == "| SUM | 25.00 ms | 99.9% |");
    CHECK(lines[10] == "| iteration | 25.00 ms | 100.0% |");
}
