// SPDX-License-Identifier: MIT
// Progress: the exact characters a terminal receives, driven by a manual host clock.
#include "support/test_framework.hpp"

#include "support/scripted_clock.hpp"

#include <gputime/measure/progress.hpp>
#include <gputime/measure/run_result.hpp>
#include <gputime/measure/warmup_runner.hpp>
#include <gputime/stats/stats.hpp>

#include <chrono>
#include <cstddef>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;

// A host clock that moves only when the test moves it, and counts how often it is read.
struct FakeHostClock {
    std::chrono::nanoseconds now{0};
    std::size_t reads = 0;
    gputime::Progress::HostNow function() {
        return [this] {
            ++reads;
            return now;
        };
    }
};

// A first call of 5 us, then 10 steady samples 1.0, 1.1, ..., 1.9 us (added out of order).
// Nearest-rank p50 of 10 is the 5th: 1.4 us. Its 95% interval: B ~ Binomial(10, 0.5),
// P(B <= 1) = 11/1024 <= 0.025 < P(B <= 2) = 56/1024, so the lower bound is the 2nd sample,
// 1.1 us, and by symmetry the upper bound the 9th, 1.8 us. Half-width: max(0.4, 0.3) / 1.4.
gputime::Stats ten_samples() {
    gputime::Stats s;
    s.add(gputime::Duration{5000.0});
    for (const double ns : {1900.0, 1000.0, 1800.0, 1100.0, 1700.0, 1200.0, 1600.0, 1300.0, 1500.0, 1400.0})
        s.add(gputime::Duration{ns});
    return s;
}

}  // namespace

TEST_CASE("Progress draws nothing, and reads nothing, when the stream is not a terminal") {
    std::ostringstream out;
    FakeHostClock clock;
    const gputime::Stats s = ten_samples();
    {
        gputime::Progress progress(out, false, clock.function(), "run");
        CHECK_FALSE(progress.active());
        for (std::size_t i = 0; i < 100; ++i) {
            clock.now += 1s;
            progress.update(i + 1, 100, s);
        }
        CHECK(progress.redraws() == 0);
    }
    CHECK(out.str().empty());
    CHECK(clock.reads == 0);
}

TEST_CASE("Progress redraws at most once per interval, with calls, elapsed time and the median's interval") {
    std::ostringstream out;
    FakeHostClock clock;
    const gputime::Stats s = ten_samples();
    gputime::Progress progress(out, true, clock.function(), "run");
    REQUIRE(progress.active());

    clock.now = 50ms;  // before the first interval: a short run prints nothing
    progress.update(1, 20, s);
    CHECK(out.str().empty());

    clock.now = 100ms;
    progress.update(11, 20, s);
    const std::string first = "\rrun  11/20 calls  100.0 ms  p50 1.400 us +/-28.6%";
    CHECK(out.str() == first);

    clock.now = 150ms;  // 50 ms after the last redraw: throttled
    progress.update(12, 20, s);
    CHECK(out.str() == first);
    CHECK(progress.redraws() == 1);

    // A shorter line (no statistics) is padded with spaces over what is left of the longer one.
    clock.now = 200ms;
    progress.update(13, 20);
    const std::string second_text = "run  13/20 calls  200.0 ms";
    const std::size_t first_width = first.size() - 1;  // ASCII: bytes are columns; minus the '\r'
    const std::string second = "\r" + second_text + std::string(first_width - second_text.size(), ' ');
    CHECK(out.str() == first + second);
    CHECK(progress.redraws() == 2);

    // finish() erases the last line drawn (its own width), once.
    progress.finish();
    const std::string erase = "\r" + std::string(second_text.size(), ' ') + "\r";
    CHECK(out.str() == first + second + erase);
    progress.finish();
    CHECK(out.str() == first + second + erase);
}

TEST_CASE("Progress says when the median's interval is still open, and skips statistics without samples") {
    std::ostringstream out;
    FakeHostClock clock;
    gputime::Progress progress(out, true, clock.function());  // no label
    progress.min_interval(10ms);

    gputime::Stats few;  // first call + 3 steady samples: p50's 95% interval needs 6
    for (const double ns : {9000.0, 2000.0, 3000.0, 1000.0}) few.add(gputime::Duration{ns});
    clock.now = 10ms;
    progress.update(4, 8, few);
    CHECK(out.str() == "\r4/8 calls  10.00 ms  p50 2.000 us (95% interval open)");

    gputime::Stats only_first;
    only_first.add(gputime::Duration{7000.0});
    out.str("");
    clock.now = 1500ms;
    progress.update(1, 8, only_first);
    // The earlier line was longer: the rest of it is blanked with spaces.
    const std::string text = "1/8 calls  1.500 s";
    const std::size_t earlier = std::string("4/8 calls  10.00 ms  p50 2.000 us (95% interval open)").size();
    CHECK(out.str() == "\r" + text + std::string(earlier - text.size(), ' '));
}

TEST_CASE("Progress shortens the label first, never splitting a UTF-8 character") {
    std::ostringstream out;
    FakeHostClock clock;
    // 24 columns of label: "r" + 23 times U+00E9 (2 bytes each).
    std::string label = "r";
    for (int i = 0; i < 23; ++i) label += "\xC3\xA9";
    gputime::Progress progress(out, true, clock.function(), label);
    progress.width(30);
    clock.now = 100ms;
    progress.update(1, 2);
    // "1/2 calls  100.0 ms" is 19 columns: the label keeps 30 - 19 - 2 - 3 = 6 columns and "...".
    const std::string shown = "r\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9...  1/2 calls  100.0 ms";
    CHECK(out.str() == "\r" + shown);
    // finish() erases exactly those 30 columns.
    progress.finish();
    CHECK(out.str() == "\r" + shown + "\r" + std::string(30, ' ') + "\r");
}

TEST_CASE("Progress keeps the +/-% visible in 80 columns: the label and then the calls give way") {
    FakeHostClock clock;
    const gputime::Stats s = ten_samples();
    const std::string stats = "p50 1.400 us +/-28.6%";
    const std::string calls = "1234567/10000000 calls  12.50 s";
    gputime::Progress progress(std::cout, true, clock.function(), std::string(60, 'L'));  // a 60-column label
    // The default width, 79, fits an 80-column terminal without wrapping.
    const std::string fitted = progress.line(1234567, 10000000, 12500ms, &s);
    CHECK(fitted.size() == 79);  // ASCII: bytes are columns
    CHECK(fitted == std::string(79 - 3 - 2 - calls.size() - 2 - stats.size(), 'L') + "...  " + calls + "  " + stats);
    // Narrower: the label goes, then the calls and time; the interval stays whole.
    progress.width(56);
    CHECK(progress.line(1234567, 10000000, 12500ms, &s) == calls + "  " + stats);
    progress.width(40);
    CHECK(progress.line(1234567, 10000000, 12500ms, &s) == stats);
    // A line that fits is not touched.
    progress.label("run").width(79);
    CHECK(progress.line(3, 9, 2500ms, &s) == "run  3/9 calls  2.500 s  " + stats);
}

TEST_CASE("Progress toward a precision target: time against the limit, the interval against the target") {
    std::ostringstream out;
    FakeHostClock clock;
    const gputime::Stats s = ten_samples();
    gputime::PrecisionTarget target;  // p50 at 95% to +-1%, at most 15 s
    gputime::Progress progress(out, true, clock.function(), "run");
    // Not "10/10000000 calls": the sample cap rarely ends such a run; the time limit and the
    // width do.
    CHECK(progress.line(10, target, 2500ms, &s) ==
          "run  2.500 s of 15.00 s, 10 calls  p50 1.400 us +/-28.6% (target +/-1.0%)");
    CHECK(progress.line(1, target, 2500ms, nullptr) == "run  2.500 s of 15.00 s, 1 call  (target +/-1.0%)");

    // The target's own percentile and confidence: the line names p90 and the interval
    // percentile_interval(90, 0.5) gives.
    gputime::PrecisionTarget p90 = target;
    p90.percentile = 90.0;
    p90.confidence = 0.5;
    p90.relative_half_width = 0.05;
    const gputime::PercentileInterval i = s.percentile_interval(90.0, 0.5);
    const std::string p90_line = progress.line(10, p90, 2500ms, &s);
    CHECK(p90_line.find("p90 " + gputime::format_duration(i.estimate)) != std::string::npos);
    CHECK(p90_line.find("(target +/-5.0%)") != std::string::npos);

    // Too few samples for the interval: it says so, at the target's confidence. (82 columns with
    // the label: the label gives way.)
    gputime::Stats few;
    for (const double ns : {9000.0, 2000.0, 3000.0, 1000.0}) few.add(gputime::Duration{ns});
    CHECK(progress.line(3, target, 1s, &few) ==
          "1.000 s of 15.00 s, 3 calls  p50 2.000 us (95% interval open) (target +/-1.0%)");

    // update() draws the same text, throttled as ever; a narrow terminal keeps the +/-%.
    clock.now = 100ms;
    progress.width(50).update(10, target, s);
    CHECK(out.str() == "\rp50 1.400 us +/-28.6% (target +/-1.0%)");
}
TEST_CASE("Progress::line is the text of a redraw, and the destructor erases the line") {
    std::ostringstream out;
    FakeHostClock clock;
    const gputime::Stats s = ten_samples();
    {
        gputime::Progress progress(out, true, clock.function(), "warm");
        CHECK(progress.line(3, 9, 2500ms, &s) == "warm  3/9 calls  2.500 s  p50 1.400 us +/-28.6%");
        CHECK(progress.line(3, 9, 2500ms, nullptr) == "warm  3/9 calls  2.500 s");
        clock.now = 1s;
        progress.update(3, 9);
    }
    const std::string drawn = "warm  3/9 calls  1.000 s";
    CHECK(out.str() == "\r" + drawn + "\r" + std::string(drawn.size(), ' ') + "\r");
}

TEST_CASE("WarmupRunner with a precision target draws time against its limit, not calls against the sample cap") {
    gputime_test::ScriptedClock clock(std::vector<double>(200, 1000.0));  // every call 1 us
    std::ostringstream terminal;
    long long now_ns = 0;  // the line's own clock: 150 ms per read, so every call redraws
    gputime::Progress progress(
        terminal, true, [&] { return std::chrono::nanoseconds(now_ns += 150000000); }, "gemm");
    gputime::PrecisionTarget target;
    target.min_samples = 20;
    target.min_time = std::chrono::nanoseconds(0);
    const gputime::RunResult r =
        gputime::WarmupRunner<gputime_test::ScriptedClock>(clock).warmup(2).until(target).progress(progress).run([] {});
    CHECK(r.stop_reason == gputime::StopReason::precision_reached);
    const std::string text = terminal.str();
    INFO(text);
    CHECK(text.find("/10000000 calls") == std::string::npos);
    CHECK(text.find("of 15.00 s, 20 calls  p50 1.000 us +/-0.0% (target +/-1.0%)") != std::string::npos);
}
