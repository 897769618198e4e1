// SPDX-License-Identifier: MIT
// HtmlReport: the page's structure, the values each chart carries, escaping, and bad input.
// (tests/html/ opens a report in headless Chromium: rendering, console errors, a screenshot.)
#include "support/fixed_context.hpp"
#include "support/manual_clock.hpp"
#include "support/scripted_clock.hpp"
#include "support/test_framework.hpp"

#include <gputime/core/error.hpp>
#include <gputime/measure/ab_compare.hpp>
#include <gputime/measure/idle_gap_sweep.hpp>
#include <gputime/measure/layer_profiler.hpp>
#include <gputime/measure/warmup_runner.hpp>
#include <gputime/report/detail/svg.hpp>
#include <gputime/report/html.hpp>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

using gputime::Duration;
using namespace std::chrono_literals;

std::size_t occurrences(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
    return n;
}

// The value of attribute `name` in the first tag that contains `marker`.
std::string attribute_near(const std::string& html, const std::string& marker, const std::string& name) {
    const std::size_t at = html.find(marker);
    if (at == std::string::npos) return "<no " + marker + ">";
    const std::size_t tag_start = html.rfind('<', at);
    const std::size_t tag_end = html.find('>', at);
    const std::string tag = html.substr(tag_start, tag_end - tag_start);
    const std::size_t a = tag.find(" " + name + "=\"");
    if (a == std::string::npos) return "<no " + name + ">";
    const std::size_t begin = a + name.size() + 3;
    return tag.substr(begin, tag.find('"', begin) - begin);
}

// Every element closed in order (HTML void elements and "/>" excepted), every attribute quoted:
// the page is well-formed, so no browser has to guess.
std::string structure_problem(const std::string& html) {
    std::vector<std::string> open;
    std::size_t i = html.find("<html");
    while (i != std::string::npos && i < html.size()) {
        const std::size_t end = html.find('>', i);
        if (end == std::string::npos) return "unterminated tag at " + std::to_string(i);
        const std::string tag = html.substr(i + 1, end - i - 1);
        if (tag.rfind("style", 0) == 0) {  // CSS may hold '>' (selectors): skip to </style>
            open.push_back("style");
            i = html.find("</style>", end);
            continue;
        }
        std::size_t name_end = tag.find_first_of(" />");
        const bool closing = !tag.empty() && tag[0] == '/';
        const std::string name =
            closing ? tag.substr(1) : tag.substr(0, name_end == std::string::npos ? tag.size() : name_end);
        const bool self_closed = !tag.empty() && tag.back() == '/';
        if (closing) {
            if (open.empty() || open.back() != name)
                return "</" + name + "> closes <" + (open.empty() ? "" : open.back()) + ">";
            open.pop_back();
        } else if (!self_closed && name != "meta" && name != "br") {
            open.push_back(name);
        }
        i = html.find('<', end);
    }
    return open.empty() ? std::string() : "unclosed <" + open.back() + ">";
}

// The ids of the page: each must be unique.
std::map<std::string, int> ids_of(const std::string& html) {
    std::map<std::string, int> ids;
    for (std::size_t at = html.find(" id=\""); at != std::string::npos; at = html.find(" id=\"", at + 1)) {
        const std::size_t begin = at + 5;
        ++ids[html.substr(begin, html.find('"', begin) - begin)];
    }
    return ids;
}

// A run on a scripted clock: 3 warm-up calls of 5, 3 and 2 us, then 40 measured calls of 1 us
// (the first warm-up call is the run's first call).
gputime::RunResult scripted_run(const std::string& name) {
    std::vector<double> script = {5000.0, 3000.0, 2000.0};
    for (int i = 0; i < 40; ++i) script.push_back(1000.0 + (i % 4) * 100.0);
    gputime_test::ScriptedClock clock(script);
    return gputime::WarmupRunner(clock).name(name).warmup(3).iterations(40).run([] {});
}

}  // namespace

TEST_CASE("detail::svg escapes every user string for HTML and SVG, and replaces invalid UTF-8") {
    using gputime::detail::svg::escaped;
    CHECK(escaped("a<b>&\"c\" 'd'") == "a&lt;b&gt;&amp;&quot;c&quot; &#39;d&#39;");
    CHECK(escaped("caf\xC3\xA9 \xE2\x86\x92 ok") == "caf\xC3\xA9 \xE2\x86\x92 ok");  // valid UTF-8 stays
    CHECK(escaped("bad\xFFx") == "bad\xEF\xBF\xBDx");                                // a stray byte: U+FFFD
    CHECK(escaped(std::string("nul\0bell\a", 9)) ==
          "nul\xEF\xBF\xBD"
          "bell\xEF\xBF\xBD");
    CHECK(gputime::detail::svg::truncated("\xC3\xA9\xC3\xA9\xC3\xA9xyz", 4) == "\xC3\xA9\xC3\xA9\xC3\xA9x...");
    CHECK(gputime::detail::svg::truncated("short", 5) == "short");
}

TEST_CASE("detail::svg: coordinates, axis ticks and tick labels") {
    namespace svg = gputime::detail::svg;
    CHECK(svg::number(12.345) == "12.35");
    CHECK(svg::number(-0.001) == "0");
    CHECK(svg::number(100.0) == "100");
    CHECK_THROWS_AS(svg::number(std::nan("")), std::logic_error);

    CHECK(svg::tick_label(2e6) == "2 ms");
    CHECK(svg::tick_label(1.5e6) == "1.5 ms");
    CHECK(svg::tick_label(250e3) == "250 us");
    CHECK(svg::tick_label(1000.0) == "1 us");
    CHECK(svg::tick_label(500.0) == "500 ns");

    double lo = 1500.0, hi = 2.3e6;  // 1.5 us .. 2.3 ms: three decades and a bit, 1-2-5 ticks
    const std::vector<double> log_ticks = svg::log_ticks(lo, hi);
    CHECK(log_ticks == std::vector<double>{1000.0, 2000.0, 5000.0, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6});
    CHECK(lo == 1000.0);
    CHECK(hi == 5e6);

    double a = 0.0, b = 87.0;
    const std::vector<double> linear = svg::linear_ticks(a, b, 5);
    CHECK(linear == std::vector<double>{0.0, 20.0, 40.0, 60.0, 80.0, 100.0});
    CHECK(b == 100.0);

    // Two values an ulp apart: a step of a few ulps would not move a tick (it looped until memory
    // ran out); the axis is padded as for one value. Non-finite ends give a unit axis.
    double near_lo = 1000.0, near_hi = std::nextafter(1000.0, 2000.0);
    const std::vector<double> near = svg::linear_ticks(near_lo, near_hi, 8);
    CHECK(near.size() >= 3);
    CHECK(near.size() <= 12);
    CHECK(near_lo <= 900.0);
    CHECK(near_hi >= 1100.0);
    double nan_lo = std::numeric_limits<double>::quiet_NaN(), inf_hi = std::numeric_limits<double>::infinity();
    const std::vector<double> unit = svg::linear_ticks(nan_lo, inf_hi, 5);
    CHECK(unit.front() == 0.0);
    CHECK(unit.back() == 1.0);
    for (const double t : unit) CHECK(std::isfinite(t));

    const svg::Scale log_scale{10.0, 1000.0, 0.0, 200.0, true};
    CHECK(log_scale(100.0) == gputime_test::Approx(100.0));  // one decade of two: the middle
    CHECK(log_scale(0.0) == gputime_test::Approx(0.0));      // a zero sits at the low end
}

TEST_CASE("HtmlReport of a run: one page, the warm-up transient and the distribution with their values") {
    const gputime::RunResult run = scripted_run("resnet <b>&\"quoted\"");
    gputime::HtmlReport report("title <script>alert(1)</script>");
    report.add(run);
    CHECK(report.charts() == 2);
    const std::string html = report.str();

    CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
    INFO(structure_problem(html));
    CHECK(structure_problem(html).empty());
    for (const auto& id_count : ids_of(html)) {
        INFO(id_count.first);
        CHECK(id_count.second == 1);
    }
    // Self-contained: no script, nothing fetched, and a policy that forbids fetching anyway.
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("src=") == std::string::npos);
    CHECK(html.find("default-src 'none'") != std::string::npos);
    CHECK(occurrences(html, "http") == occurrences(html, "http://www.w3.org/2000/svg") + 1);  // + http-equiv
    // User strings are text.
    CHECK(html.find("<title>title &lt;script&gt;alert(1)&lt;/script&gt;</title>") != std::string::npos);
    CHECK(html.find("Run: resnet &lt;b&gt;&amp;&quot;quoted&quot;") != std::string::npos);
    CHECK(html.find("<b>&") == std::string::npos);

    // The transient: 43 calls in order, the first 5 us, 3 warm-up calls. MSER-5 on batches of 5:
    // the first batch averages (5 + 3 + 2 + 1 + 1.1) / 5 = 2.42 us, every later batch is steady,
    // so cutting the first batch (5 calls) leaves the least variance: steady_from = 5, quoted as
    // that same number everywhere (the JSON's transient.steady_from, the text hint, the chart).
    CHECK(occurrences(html, "data-chart=\"warmup\"") == 1);
    CHECK(attribute_near(html, "data-chart=\"warmup\"", "data-calls") == "43");
    CHECK(attribute_near(html, "data-chart=\"warmup\"", "data-warmup-calls") == "3");
    CHECK(attribute_near(html, "data-chart=\"warmup\"", "data-first-call-ns") == "5000");
    CHECK(attribute_near(html, "data-chart=\"warmup\"", "data-mser5-steady-from") == "5");
    CHECK(html.find("end of warm-up: 3 calls") != std::string::npos);
    CHECK(html.find("MSER-5: transient over after call 5") != std::string::npos);
    CHECK(html.find("MSER-5 finds the transient over after call 5, 2 calls past the 3 warm-up calls") !=
          std::string::npos);
    CHECK(html.find("first call 5.000 us") != std::string::npos);
    // 42 dots: every call but the first (circled on its own), each with its value as tooltip.
    CHECK(occurrences(html, "class=\"dot warm\"") == 2);
    CHECK(occurrences(html, "class=\"dot measured\"") == 40);
    CHECK(html.find("<title>call 2 (warm-up): 3.000 us</title>") != std::string::npos);
    CHECK(html.find("<title>call 4: 1.000 us</title>") != std::string::npos);

    // The distribution: 40 steady samples, 10 each of 1.0, 1.1, 1.2, 1.3 us: nearest-rank p50
    // is the 20th (1.1 us), p99 the 40th (1.3 us).
    CHECK(attribute_near(html, "data-chart=\"distribution\"", "data-samples") == "40");
    CHECK(attribute_near(html, "data-chart=\"distribution\"", "data-p50-ns") == "1100");
    CHECK(attribute_near(html, "data-chart=\"distribution\"", "data-p99-ns") == "1300");
    CHECK(attribute_near(html, "data-chart=\"distribution\"", "data-scale") == "linear");
    // Every sample is in exactly one bar: the bars' tooltips add up to 40 calls.
    std::size_t in_bars = 0;
    for (std::size_t at = html.find(" calls</title>"); at != std::string::npos;
         at = html.find(" calls</title>", at + 1)) {
        const std::size_t colon = html.rfind(": ", at);
        in_bars += std::stoul(html.substr(colon + 2, at - colon - 2));
    }
    CHECK(in_bars == 40);
    CHECK(occurrences(html, " call</title>") == 0);
    // p50's interval for n = 40 has ranks 14 and 27 (binomial, 95%): 1.1 us and 1.2 us.
    CHECK(html.find("p50 1.100 us, 95% interval 1.100 us to 1.200 us") != std::string::npos);
    // p99 of 40: the lower bound is rank 38 (P(B <= 37) = 0.007 for B ~ Binomial(40, 0.99)), the
    // upper side open: the true p99 lies above the largest of 40 samples with probability 0.67.
    CHECK(html.find("p99 1.300 us, 95% interval from 1.300 us, open above (too few samples: 368 close it)") !=
          std::string::npos);
}

TEST_CASE("HtmlReport: a log axis when the calls span a decade, bins for long runs") {
    gputime::RunResult run;
    run.name = "long";
    run.warmup = {Duration{2e6}};  // a 2 ms first call over ~20 us steady calls: two decades
    run.latency.set_first_call(Duration{2e6});
    for (int i = 0; i < 100000; ++i) run.latency.add(Duration{20000.0 + (i % 7) * 100.0});
    gputime::HtmlReport report;
    report.add(run);
    const std::string html = report.str();
    CHECK(attribute_near(html, "data-chart=\"warmup\"", "data-calls") == "100001");
    CHECK(attribute_near(html, "data-chart=\"warmup\"", "data-calls-per-bin") == "126");  // ceil(100001 / 800)
    CHECK(html.find("duration of the call (log scale)") != std::string::npos);
    CHECK(occurrences(html, "class=\"dot ") == 0);  // no dot per call at this size
    CHECK(html.size() < 400000);
    CHECK(attribute_near(html, "data-chart=\"distribution\"", "data-bins") == "80");
}

TEST_CASE("HtmlReport of layer profiles: steady p50 against the first call, per layer") {
    gputime_test::ManualClock clock;
    gputime::LayerProfiler profiler(clock);
    profiler.label("batch <1>");
    for (int i = 0; i < 5; ++i) {
        auto iteration = profiler.iteration();
        {
            auto conv = profiler.scope("conv \"3x3\" & <relu>");
            clock.advance(i == 0 ? 900000.0 : 2000.0);  // the first call autotunes: 900 us
        }
        clock.advance(100.0);  // between layers
        {
            auto fc = profiler.scope("fc");
            clock.advance(500.0);
        }
    }
    gputime::HtmlReport report;
    report.add(std::vector<gputime::LayerProfile>{profiler.profile()});
    CHECK(report.charts() == 1);
    const std::string html = report.str();
    CHECK(structure_problem(html).empty());
    CHECK(attribute_near(html, "data-chart=\"layers\"", "data-layers") == "2");
    CHECK(attribute_near(html, "data-chart=\"layers\"", "data-rows") == "4");     // + between layers, whole iteration
    CHECK(attribute_near(html, "data-chart=\"layers\"", "data-scale") == "log");  // 500 ns .. 900 us
    CHECK(html.find(">conv &quot;3x3&quot; &amp; &lt;relu&gt;</text>") != std::string::npos);
    CHECK(html.find("conv &quot;3x3&quot; &amp; &lt;relu&gt;: steady p50 2.000 us, first call 900.0 us, 5 calls") !=
          std::string::npos);
    CHECK(html.find(">900.0 us</text>") != std::string::npos);
    CHECK(html.find(">2.000 us</text>") != std::string::npos);
    CHECK(html.find(">500 ns</text>") != std::string::npos);
    CHECK(html.find(">100 ns</text>") != std::string::npos);  // between layers, every iteration
    CHECK(html.find("Layers: batch &lt;1&gt;") != std::string::npos);
}

TEST_CASE("HtmlReport of an idle-gap sweep: p50 and p99 against the gap, 0 apart on a log axis") {
    std::vector<gputime::IdleGapPoint> points;
    for (const auto& [gap, ns] : std::vector<std::pair<std::chrono::nanoseconds, double>>{{0ms, 1000.0},
                                                                                          {1ms, 1000.0},
                                                                                          {10ms, 1500.0},
                                                                                          {100ms, 2000.0}}) {
        gputime::IdleGapPoint p;
        p.gap = gap;
        p.result.latency.set_first_call(Duration{ns * 3});
        for (int i = 0; i < 50; ++i) p.result.latency.add(Duration{ns});
        points.push_back(std::move(p));
    }
    gputime::HtmlReport report;
    report.add(points, "sweep <gpu>");
    CHECK(report.charts() == 1);
    const std::string html = report.str();
    CHECK(structure_problem(html).empty());
    CHECK(attribute_near(html, "data-chart=\"idle-gap\"", "data-points") == "4");
    CHECK(attribute_near(html, "data-chart=\"idle-gap\"", "data-gap-scale") == "log");
    CHECK(attribute_near(html, "data-chart=\"idle-gap\"", "data-worst-ratio") == "2.000");
    CHECK(html.find(">0</text>") != std::string::npos);
    CHECK(html.find("(log scale; 0 = back to back)") != std::string::npos);
    CHECK(html.find("class=\"axis-break\"") != std::string::npos);
    CHECK(html.find(">1.50x</text>") != std::string::npos);
    CHECK(html.find("Latency grows with the idle gap (up to 2.00x)") != std::string::npos);
    CHECK(html.find("<h2>sweep &lt;gpu&gt;</h2>") != std::string::npos);

    // A sweep run from the largest gap down draws the same curve: ratios stay relative to the
    // smallest gap (a 100 ms reference would make every ratio <= 1).
    gputime::HtmlReport reversed;
    reversed.add(std::vector<gputime::IdleGapPoint>(points.rbegin(), points.rend()));
    CHECK(attribute_near(reversed.str(), "data-chart=\"idle-gap\"", "data-worst-ratio") == "2.000");
    CHECK(reversed.str().find("class=\"series-p50\"") != std::string::npos);
    const std::string d = attribute_near(reversed.str(), "class=\"series-p50\"", "d");
    double last_x = -1.0;
    std::istringstream steps(d);
    std::string command;
    double px = 0.0, py = 0.0;
    while (steps >> command >> py) {  // "M12.5 40 L..." reads as "M12.5" then the y
        px = std::stod(command.substr(1));
        CHECK(px > last_x);
        last_x = px;
    }
    CHECK(last_x > 0.0);
}

TEST_CASE("HtmlReport of an A/B pair: distributions on one axis and the library's verdict") {
    gputime::Stats a, b;
    a.add(Duration{50000.0});
    b.add(Duration{50000.0});
    for (int i = 0; i < 200; ++i) {
        a.add(Duration{10000.0 + (i % 10) * 50.0});  // 10.0 .. 10.45 us
        b.add(Duration{8000.0 + (i % 10) * 40.0});   // 8.0 .. 8.36 us: 20% faster
    }
    gputime::HtmlReport report;
    report.add_ab("nchw", a, "blocked <avx>", b);
    const std::string html = report.str();
    CHECK(report.charts() == 1);
    CHECK(structure_problem(html).empty());
    CHECK(attribute_near(html, "data-chart=\"ab\"", "data-variants") == "2");
    CHECK(attribute_near(html, "data-chart=\"ab\"", "data-verdicts") == "FASTER");
    const gputime::Contrast expected = gputime::compare_stats(a, b, [] {
        gputime::CompareOptions o;
        o.names = {"nchw", "blocked <avx>"};
        return o;
    }());
    CHECK(html.find(gputime::detail::svg::escaped(gputime::to_text(expected))) != std::string::npos);
    CHECK(html.find("<h2>A/B: nchw vs blocked &lt;avx&gt;</h2>") != std::string::npos);
    CHECK(html.find("<td>blocked &lt;avx&gt;</td><td>8.160 us</td>") != std::string::npos);  // p50: 5th of 10 levels
}

TEST_CASE("HtmlReport of a Comparison from compare(): every variant has a row") {
    gputime_test::ManualClock clock;
    gputime::CompareOptions options;
    options.samples = 30;
    options.warmup = 2;
    options.names = {"a", "b", "c"};
    const gputime::Comparison c =
        gputime::compare(clock,
                         {[&](std::size_t call) { clock.advance(1000.0 + static_cast<double>(call % 3)); },
                          [&](std::size_t call) { clock.advance(1000.0 + static_cast<double>(call % 3)); },
                          [&](std::size_t call) { clock.advance(3000.0 + static_cast<double>(call % 3)); }},
                         options);
    gputime::HtmlReport report;
    report.add(c);
    const std::string html = report.str();
    CHECK(attribute_near(html, "data-chart=\"ab\"", "data-variants") == "3");
    CHECK(attribute_near(html, "data-chart=\"ab\"", "data-verdicts") == "SAME,SLOWER");
    CHECK(occurrences(html, "class=\"variant-row\"") == 3);
    CHECK(html.find("2 warm-up + 30 measured calls per variant") != std::string::npos);
}

TEST_CASE("HtmlReport refuses bad input and stays as it was") {
    gputime::HtmlReport report("r");
    report.add(scripted_run("ok"));
    const std::string before = report.str();

    gputime::RunResult bad = scripted_run("bad");
    bad.warmup[1] = Duration{std::numeric_limits<double>::quiet_NaN()};
    try {
        report.add(bad);
        FAIL("a NaN warm-up duration was accepted");
    } catch (const gputime::InvalidArgument& e) {
        CHECK(e.parameter() == "run");
        CHECK(std::string(e.what()).find("call 2") != std::string::npos);
    }
    CHECK_THROWS_AS(report.add(std::vector<gputime::IdleGapPoint>{}), gputime::InvalidArgument);
    CHECK_THROWS_AS(report.add(gputime::Comparison{}), gputime::InvalidArgument);
    CHECK_THROWS_AS(report.add_ab("a", gputime::Stats{}, "b", gputime::Stats{}), gputime::InvalidArgument);
    CHECK(report.str() == before);
    CHECK(report.charts() == 2);
}

TEST_CASE("HtmlReport of results with little or nothing in them still makes a valid page") {
    gputime::HtmlReport report;
    report.add(gputime::RunResult{});     // nothing measured
    report.add(gputime::LayerProfile{});  // no layer
    gputime::RunResult one;               // only a first call
    one.latency.add(Duration{1000.0});
    report.add(one);
    report.add_note("a note <with> markup");
    CHECK(report.charts() == 1);  // the single call's transient; no distribution without steady samples
    const std::string html = report.str();
    CHECK(structure_problem(html).empty());
    CHECK(html.find("Nothing was measured.") != std::string::npos);
    CHECK(html.find("No layer was timed.") != std::string::npos);
    CHECK(html.find("No steady sample: only the first call was measured.") != std::string::npos);
    CHECK(html.find("<p class=\"note-text\">a note &lt;with&gt; markup</p>") != std::string::npos);
}

TEST_CASE("HtmlReport::write writes str() to a file, and says when it cannot") {
    gputime::HtmlReport report("file");
    report.add(scripted_run("w"));
    const std::string path = "gputime_test_html_report.html";
    report.write(path);
    std::ifstream in(path, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    CHECK(content.str() == report.str());
    in.close();
    std::remove(path.c_str());
    CHECK_THROWS_AS(report.write("/nonexistent-directory-of-gputime/report.html"), gputime::Error);
}

// A run of `calls` calls on a scripted clock: 3 warm-up calls settling from 50 us, then steady
// calls of 10.0 .. 10.6 us.
gputime::RunResult run_of(std::size_t calls) {
    std::vector<double> script = {50000.0, 20000.0, 12000.0};
    for (std::size_t i = 3; i < calls; ++i) script.push_back(10000.0 + static_cast<double>(i % 7) * 100.0);
    gputime_test::ScriptedClock clock(script);
    return gputime::WarmupRunner(clock).name("run").warmup(3).iterations(calls - 3).run([] {});
}

TEST_CASE("HtmlReport: the warm-up legend names what the chart draws, and only that") {
    SECTION("up to 400 calls: a dot per call") {
        const std::string html = gputime::to_html(run_of(43));
        CHECK(occurrences(html, "class=\"dot warm\"") == 2);  // calls 2 and 3 (call 1 is circled)
        CHECK(occurrences(html, "class=\"dot measured\"") == 40);
        CHECK(occurrences(html, "swatch dot-swatch warm") == 1);
        CHECK(occurrences(html, "swatch dot-swatch measured") == 1);
        CHECK(html.find("each dot is one call") != std::string::npos);
        CHECK(occurrences(html, "swatch stroke-swatch") == 0);
    }
    SECTION("401 to 2000 calls: the line alone, no dot, and the legend shows no dot") {
        const std::string html = gputime::to_html(run_of(1000));
        CHECK(occurrences(html, "class=\"dot ") == 0);
        CHECK(occurrences(html, "swatch dot-swatch") == 0);
        CHECK(occurrences(html, "swatch line-swatch series") == 1);
        CHECK(html.find("the line joins every call in the order it ran") != std::string::npos);
        CHECK(html.find("each dot is one call") == std::string::npos);
    }
    SECTION("beyond 2000 calls: a stroke per bin, and the legend says so") {
        const std::string html = gputime::to_html(run_of(5000));
        CHECK(occurrences(html, "class=\"dot ") == 0);
        CHECK(occurrences(html, "swatch dot-swatch") == 0);
        CHECK(attribute_near(html, "data-chart=\"warmup\"", "data-calls-per-bin") == "7");  // ceil(5000 / 800)
        CHECK(occurrences(html, "swatch stroke-swatch warm") == 1);  // the 3 warm-up calls: one bin
        CHECK(html.find("measured bin of up to 7 calls") != std::string::npos);
        CHECK(html.find("each vertical stroke is a bin") != std::string::npos);
    }
    SECTION("the first call alone is a warm-up call: no warm-up dot, none in the legend") {
        std::vector<double> script = {50000.0};
        for (int i = 0; i < 30; ++i) script.push_back(10000.0);
        gputime_test::ScriptedClock clock(script);
        const std::string html = gputime::to_html(gputime::WarmupRunner(clock).warmup(1).iterations(30).run([] {}));
        CHECK(occurrences(html, "class=\"dot warm\"") == 0);
        CHECK(occurrences(html, "swatch dot-swatch warm") == 0);
        CHECK(occurrences(html, "swatch region-swatch") == 1);
    }
}

TEST_CASE("HtmlReport: err% and the percentiles read as in the text report, every percentile with its interval") {
    gputime::RunResult run;
    run.name = "spread";
    run.latency.set_first_call(Duration{90000.0});
    for (int i = 0; i < 40; ++i) run.latency.add(Duration{1000.0 + (i % 7) * 37.0});
    const double mdape = run.latency.mdape();
    CHECK(mdape == gputime_test::Approx(0.0624472573839));  // median |x - p50| / x, p50 = 1074 ns
    const std::string err = gputime::format_statistic(gputime::Statistic::mdape, mdape);
    CHECK(err == "6.24%");
    const std::string html = gputime::to_html(run);
    CHECK(html.find("err% 6.24%") != std::string::npos);                                        // the table's note
    CHECK(html.find("median absolute deviation is 6.24% of the median") != std::string::npos);  // the hint
    CHECK(html.find("6.2%") == std::string::npos);
    for (const char* p : {"p50", "p90", "p99", "p99.9"}) {
        INFO(p);
        const std::size_t row = html.find(std::string("<th scope=\"row\">steady ") + p + "</th>");
        REQUIRE(row != std::string::npos);
        const std::string interval_note = "<td class=\"note\">95% interval";
        CHECK(html.compare(html.find("<td class=\"note\">", row), interval_note.size(), interval_note) == 0);
    }
}

TEST_CASE("HtmlReport of a RunContext: the GPU, or why there is none") {
    gputime::RunContext without = gputime_test::fixed_context();
    without.gpu.reset();
    without.no_gpu_reason = "cudaGetDeviceCount: no CUDA-capable device is detected";
    const std::string none = gputime::HtmlReport("r").add(without).str();
    CHECK(none.find("<h2>Machine, build and GPU</h2>") != std::string::npos);
    CHECK(none.find("<dt>GPU</dt><dd>none: cudaGetDeviceCount: no CUDA-capable device is detected</dd>") !=
          std::string::npos);
    CHECK(none.find("<dt>CPU</dt><dd>Example CPU @ 3.00GHz</dd>") != std::string::npos);

    const std::string with = gputime::HtmlReport("r").add(gputime_test::fixed_context()).str();
    CHECK(with.find("<dt>GPU</dt><dd>NVIDIA H100 80GB HBM3, compute capability 9.0, 132 SMs</dd>") !=
          std::string::npos);
    CHECK(with.find("<dt>GPU clocks</dt><dd>SM 1980 MHz, memory 2619 MHz (peak)</dd>") != std::string::npos);
    CHECK(with.find("<dt>CUDA</dt><dd>driver 12.4, runtime 12.4</dd>") != std::string::npos);
    CHECK(with.find("none:") == std::string::npos);

    // A HostContext alone says nothing about a GPU.
    CHECK(gputime::HtmlReport("r").add(without.host).str().find("<dt>GPU</dt>") == std::string::npos);
}

TEST_CASE("HtmlReport: the title can change once it is known what ran, to_html makes a one-result page") {
    gputime::HtmlReport report("demo: the CPU, and the GPU");
    report.add(scripted_run("cpu"));
    report.title("demo: the CPU (GPU part skipped)").add_note("The GPU part was skipped: no usable GPU.");
    const std::string html = report.str();
    CHECK(report.title() == "demo: the CPU (GPU part skipped)");
    CHECK(html.find("<title>demo: the CPU (GPU part skipped)</title>") != std::string::npos);
    CHECK(html.find("<h1>demo: the CPU (GPU part skipped)</h1>") != std::string::npos);
    CHECK(html.find("and the GPU") == std::string::npos);
    CHECK(html.find("The GPU part was skipped: no usable GPU.") != std::string::npos);
    CHECK(report.title("").title() == "gputime report");

    const gputime::RunResult run = scripted_run("one");
    CHECK(gputime::to_html(run, "t") == gputime::HtmlReport("t").add(run).str());
    CHECK_THROWS_AS(gputime::to_html(std::vector<gputime::IdleGapPoint>{}), gputime::InvalidArgument);
}

TEST_CASE("HtmlReport: samples a few ulps apart draw an axis and end (a tick step too small to move looped)") {
    gputime::Stats a, b;
    const double x = 100000.0, y = std::nextafter(x, 1e9);
    for (int i = 0; i < 20; ++i) {
        a.add(gputime::Duration{i % 2 ? x : y});
        b.add(gputime::Duration{i % 3 ? x : y});
    }
    const std::string compared = gputime::to_html(gputime::compare_measured({a, b}, gputime::CompareOptions{}));
    CHECK(structure_problem(compared).empty());
    CHECK(compared.find("<svg") != std::string::npos);
}
