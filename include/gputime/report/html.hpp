// SPDX-License-Identifier: MIT
// gputime/report/html.hpp - one self-contained HTML file that shows what the numbers mean.
//
//   gputime::HtmlReport report("resnet50 on an A100, batch 1");
//   report.add(run_result);          // warm-up transient + distribution with p50/p99 intervals
//   report.add(layer_profiles);      // per layer: steady p50 against the first call
//   report.add(idle_gap_points);     // latency against the idle gap between calls
//   report.add(comparison);          // A/B: distributions side by side, with the verdict
//   report.add(gputime::read_run_context());   // the machine, the build, the GPU or why there is none
//   report.write("report.html");     // or std::string html = report.str();
//   std::string one = gputime::to_html(run_result, "title");   // one result, one page
//
// One file, no script, no network access; every chart with its numbers in tooltips and tables;
// caller text escaped. Bad input throws gputime::InvalidArgument and leaves the report as it was.
// What each add() draws and the rules: docs/html_report.md.
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/core/error.hpp>
#include <gputime/core/host_context.hpp>
#include <gputime/core/version.hpp>
#include <gputime/measure/ab_compare.hpp>
#include <gputime/measure/comparison.hpp>
#include <gputime/measure/idle_gap_point.hpp>
#include <gputime/measure/layer_profile.hpp>
#include <gputime/measure/run_result.hpp>
#include <gputime/report/detail/html/ab_figure.hpp>
#include <gputime/report/detail/html/distribution_figure.hpp>
#include <gputime/report/detail/html/idle_gap_figure.hpp>
#include <gputime/report/detail/html/layers_figure.hpp>
#include <gputime/report/detail/html/page_style.hpp>
#include <gputime/report/detail/html/run_numbers.hpp>
#include <gputime/report/detail/html/warmup_figure.hpp>
#include <gputime/report/detail/svg.hpp>
#include <gputime/report/run_context.hpp>
#include <gputime/report/text.hpp>
#include <gputime/stats/stats.hpp>
#include <gputime/stats/warmup_detection.hpp>

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gputime {

/// Builds one self-contained HTML page of charts from gputime's results; see the header comment.
class HtmlReport {
public:
    /// `title` heads the page and names the browser tab (escaped; empty: "gputime report").
    explicit HtmlReport(std::string heading = "gputime report")
        : title_(heading.empty() ? std::string("gputime report") : std::move(heading)) {}

    /// A run: its warm-up transient, the distribution of its steady samples and its numbers.
    /// Throws InvalidArgument (parameter "run") when a warm-up duration is NaN, infinite or
    /// negative; the report is then unchanged.
    HtmlReport& add(const RunResult& run) {
        for (std::size_t i = 0; i < run.warmup.size(); ++i) {
            const double x = run.warmup[i].count();
            if (!(x >= 0.0 && std::isfinite(x)))
                throw InvalidArgument("HtmlReport::add", "run",
                                      "holds a warm-up duration that is NaN, infinite or negative (call " +
                                          std::to_string(i + 1) + "): nothing was added");
        }
        const std::size_t index = runs_ + 1;
        const std::string id = "run-" + std::to_string(index);
        const std::vector<Duration> calls = run.calls_in_order();
        const WarmupTruncation mser = mser5_truncation_of(calls);
        const std::string name = run.name.empty() ? "run " + std::to_string(index) : run.name;
        std::string html = "<p class=\"summary\">" +
                           svg_escaped(std::string(run.device_timed ? "device time (GPU clock)" : "host time") + ", " +
                                       (run.mode == RunMode::latency ? "latency mode: one synchronisation per call"
                                                                     : "throughput mode: calls back to back") +
                                       (run.complete ? ""
                                                     : "; INTERRUPTED: the callable threw, what was measured "
                                                       "before is shown")) +
                           "</p>";
        html += detail::html::numbers_table(run);
        const std::vector<std::string> warnings = hints(run);
        if (!warnings.empty()) {
            html += "<ul class=\"hints\">";
            for (const std::string& w : warnings) html += "<li>" + svg_escaped(w) + "</li>";
            html += "</ul>";
        }
        html += detail::html::warmup_figure(run, calls, mser, "warmup-" + std::to_string(index));
        html += detail::html::distribution_figure(run.latency, "distribution-" + std::to_string(index));
        commit(id, "Run: " + name, std::move(html), calls.empty() ? 0 : (run.latency.count() > 0 ? 2 : 1));
        ++runs_;
        return *this;
    }

    /// A layer profile: two bars per layer (steady p50, first call), plus the time between
    /// layers and the whole iteration.
    HtmlReport& add(const LayerProfile& profile) {
        const std::size_t index = layer_charts_ + 1;
        const std::string id = "layers-" + std::to_string(index);
        std::string html = detail::html::layers_figure(profile, "layer-chart-" + std::to_string(index));
        commit(id, "Layers" + (profile.label().empty() ? std::string() : ": " + profile.label()), std::move(html),
               profile.layers().empty() ? 0 : 1);
        ++layer_charts_;
        return *this;
    }

    /// One layer chart per profile (e.g. one per batch size), in order.
    HtmlReport& add(const std::vector<LayerProfile>& profiles) {
        HtmlReport copy = *this;  // all or nothing: a profile that throws leaves the report as it was
        for (const LayerProfile& p : profiles) copy.add(p);
        *this = std::move(copy);
        return *this;
    }

    /// Latency against the idle gap (gputime::sweep_idle_gaps). Throws InvalidArgument
    /// (parameter "points") for an empty list.
    HtmlReport& add(const std::vector<IdleGapPoint>& points, const std::string& heading = "Idle-gap sweep") {
        if (points.empty()) throw InvalidArgument("HtmlReport::add", "points", "is empty: there is no curve to draw");
        const std::size_t index = idle_charts_ + 1;
        std::size_t measured = 0;
        for (const IdleGapPoint& p : points) measured += p.result.latency.count() > 0 ? 1u : 0u;
        std::string html = detail::html::idle_gap_figure(points, "idle-gap-chart-" + std::to_string(index));
        commit("idle-gap-" + std::to_string(index), heading, std::move(html), measured > 0 ? 1 : 0);
        ++idle_charts_;
        return *this;
    }

    /// An A/B comparison from gputime::compare(): the variants' distributions on one axis and
    /// the verdicts. Throws InvalidArgument (parameter "comparison") when it has no variant.
    HtmlReport& add(const Comparison& comparison) {
        if (comparison.variants.empty())
            throw InvalidArgument("HtmlReport::add", "comparison", "has no variants: there is nothing to compare");
        const std::size_t index = ab_charts_ + 1;
        std::string heading = "A/B: ";
        for (std::size_t i = 0; i < comparison.variants.size(); ++i)
            heading += (i == 0 ? "" : " vs ") + comparison.variants[i].name;
        // compare() interleaves its own calls; add_ab() pairs samples measured elsewhere (samples == 0).
        const std::string settings = comparison.samples == 0
                                         ? std::string("samples measured elsewhere; verdict by compare_stats")
                                         : std::string(comparison.device_timed ? "device time" : "host time") + ", " +
                                               std::to_string(comparison.warmup) + " warm-up + " +
                                               std::to_string(comparison.samples) +
                                               " measured calls per variant, interleaved in random order";
        std::string html = "<p class=\"summary\">" + svg_escaped(settings) + "</p>";
        bool any = false;
        for (const VariantTiming& v : comparison.variants) any = any || v.latency.count() > 0;
        html += detail::html::ab_figure(comparison, "ab-chart-" + std::to_string(index));
        commit("ab-" + std::to_string(index), heading, std::move(html), any ? 1 : 0);
        ++ab_charts_;
        return *this;
    }

    /// An A/B pair from samples measured elsewhere: gputime::compare_measured gives the
    /// verdict. Throws InvalidArgument for a Stats without steady samples (parameter "baseline"
    /// or "candidate") and what compare_measured throws (bad options, names that are the same).
    HtmlReport& add_ab(const std::string& baseline_name, const Stats& baseline, const std::string& candidate_name,
                       const Stats& candidate, CompareOptions options = {}) {
        if (baseline.count() == 0) throw InvalidArgument("HtmlReport::add_ab", "baseline", "has no steady samples");
        if (candidate.count() == 0) throw InvalidArgument("HtmlReport::add_ab", "candidate", "has no steady samples");
        options.names = {baseline_name, candidate_name};
        return add(compare_measured({baseline, candidate}, options));
    }

    /// The machine and build the numbers came from (gputime/core/host_context.hpp), with its hints.
    HtmlReport& add(const HostContext& context) {
        commit("context-" + std::to_string(++contexts_), "Machine and build", context_html(context, nullptr), 0);
        return *this;
    }

    /// The machine, the build and the GPU the numbers came from (gputime::read_run_context()):
    /// the GPU's name, compute capability, clocks and CUDA versions, or, when there is none, why
    /// ("no GPU: built without the CUDA toolkit"), so a report of CPU results says so.
    HtmlReport& add(const RunContext& context) {
        commit("context-" + std::to_string(++contexts_), "Machine, build and GPU", context_html(context.host, &context),
               0);
        return *this;
    }

    /// A paragraph of your own (escaped: plain text, not markup).
    HtmlReport& add_note(const std::string& text) {
        sections_.push_back(Section{"", "", "<p class=\"note-text\">" + svg_escaped(text) + "</p>"});
        return *this;
    }

    /// Replaces the title given to the constructor (empty: "gputime report"), e.g. once it is
    /// known which parts of a program ran.
    HtmlReport& title(std::string text) {
        title_ = text.empty() ? std::string("gputime report") : std::move(text);
        return *this;
    }
    /// The page's title.
    const std::string& title() const noexcept { return title_; }

    /// The number of SVG charts in the report.
    std::size_t charts() const noexcept { return charts_; }

    /// The whole page.
    std::string str() const {
        std::string out =
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<meta name=\"color-scheme\" content=\"light dark\">"
            // Nothing may be fetched: the page is complete as it is, and must stay so offline.
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
            "<meta name=\"generator\" content=\"gputime " GPUTIME_VERSION "\"><title>";
        out += svg_escaped(title_);
        out += "</title><style>";
        out += detail::html::page_style();
        out += "</style></head><body><header><h1>" + svg_escaped(title_) + "</h1><p class=\"meta\">" +
               svg_escaped("gputime " GPUTIME_VERSION " - " + std::to_string(charts_) +
                           (charts_ == 1 ? " chart" : " charts") +
                           "; hover a mark for its exact value. One self-contained file: no script, no network.") +
               "</p>";
        std::size_t linked = 0;
        for (const Section& s : sections_) linked += s.id.empty() ? 0u : 1u;
        if (linked > 1) {
            out += "<nav aria-label=\"Sections\"><ul>";
            for (const Section& s : sections_)
                if (!s.id.empty()) out += "<li><a href=\"#" + s.id + "\">" + svg_escaped(s.heading) + "</a></li>";
            out += "</ul></nav>";
        }
        out += "</header><main>";
        for (const Section& s : sections_) {
            if (s.id.empty()) {
                out += s.html;
                continue;
            }
            out += "<section id=\"" + s.id + "\"><h2>" + svg_escaped(s.heading) + "</h2>" + s.html + "</section>";
        }
        out += "</main><footer>" +
               svg_escaped("Written by gputime " GPUTIME_VERSION
                           ". Percentiles are nearest-rank; intervals are "
                           "distribution-free (binomial order statistics); MSER-5 after White, Cobb and Spratt "
                           "(2000).") +
               "</footer></body></html>\n";
        return out;
    }

    /// Writes str() to `path`. Throws gputime::Error when the file cannot be written.
    void write(const std::string& path) const {
        const std::string page = str();
        std::FILE* file = std::fopen(path.c_str(), "wb");  // <cstdio>: cheaper to include than <fstream>
        bool written = file != nullptr && std::fwrite(page.data(), 1, page.size(), file) == page.size();
        if (file != nullptr && std::fclose(file) != 0) written = false;
        if (!written) throw Error("gputime::HtmlReport::write: cannot write " + path);
    }

private:
    struct Section {
        std::string id;       // empty for a note: no heading, not in the table of contents
        std::string heading;  // plain text (escaped when written)
        std::string html;     // finished markup
    };

    static std::string svg_escaped(std::string_view text) { return detail::svg::escaped(text); }

    // The host (and, with a RunContext, the GPU or why there is none) as a definition list, then
    // the host's hints.
    static std::string context_html(const HostContext& context, const RunContext* run) {
        std::string html = "<dl class=\"context\">";
        const auto item = [&html](std::string_view what, const std::string& value) {
            if (value.empty()) return;
            html += "<dt>" + svg_escaped(what) + "</dt><dd>" + svg_escaped(value) + "</dd>";
        };
        item("host", context.host_name);
        item("date (UTC)", context.date_utc);
        item("CPU", context.cpu_model);
        item("logical cores", context.logical_cores > 0 ? std::to_string(context.logical_cores) : std::string());
        item("CPU governor", context.scaling_governor);
        item("turbo", context.turbo ? (*context.turbo ? "on" : "off") : std::string());
        item("compiler", context.compiler);
        item("build", context.build_type);
        item("gputime", context.library_version);
        if (run != nullptr && run->gpu) {
            const GpuContext& g = *run->gpu;
            std::string gpu = g.name.empty() ? "device " + std::to_string(g.device) : g.name;
            if (g.compute_capability_major > 0)
                gpu += ", compute capability " + std::to_string(g.compute_capability_major) + "." +
                       std::to_string(g.compute_capability_minor);
            if (g.multiprocessors > 0) gpu += ", " + std::to_string(g.multiprocessors) + " SMs";
            item("GPU", gpu);
            if (g.sm_clock_khz > 0)
                item("GPU clocks",
                     "SM " + std::to_string(g.sm_clock_khz / 1000) + " MHz" +
                         (g.memory_clock_khz > 0 ? ", memory " + std::to_string(g.memory_clock_khz / 1000) + " MHz"
                                                 : std::string()) +
                         " (peak)");
            const std::string driver = cuda_version_text(g.driver_cuda_version);
            const std::string runtime = cuda_version_text(g.runtime_cuda_version);
            if (!driver.empty() || !runtime.empty())
                item("CUDA", "driver " + (driver.empty() ? std::string("?") : driver) + ", runtime " +
                                 (runtime.empty() ? std::string("?") : runtime));
        } else if (run != nullptr) {
            item("GPU", "none: " + (run->no_gpu_reason.empty() ? std::string("no reason given") : run->no_gpu_reason));
        }
        html += "</dl>";
        const std::vector<std::string> warnings = host_hints(context);
        if (!warnings.empty()) {
            html += "<ul class=\"hints\">";
            for (const std::string& w : warnings) html += "<li>" + svg_escaped(w) + "</li>";
            html += "</ul>";
        }
        return html;
    }

    void commit(std::string id, std::string heading, std::string html, std::size_t charts) {
        sections_.push_back(Section{std::move(id), std::move(heading), std::move(html)});
        charts_ += charts;
    }

    std::string title_;
    std::vector<Section> sections_;
    std::size_t charts_ = 0;
    std::size_t runs_ = 0;
    std::size_t layer_charts_ = 0;
    std::size_t idle_charts_ = 0;
    std::size_t ab_charts_ = 0;
    std::size_t contexts_ = 0;
};

/// One run as a whole HTML page (an HtmlReport with this one result).
inline std::string to_html(const RunResult& run, const std::string& title = "gputime report") {
    return HtmlReport(title).add(run).str();
}

/// One layer profile as a whole HTML page.
inline std::string to_html(const LayerProfile& profile, const std::string& title = "gputime report") {
    return HtmlReport(title).add(profile).str();
}

/// One idle-gap sweep as a whole HTML page. Throws InvalidArgument (parameter "points") when empty.
inline std::string to_html(const std::vector<IdleGapPoint>& points, const std::string& title = "gputime report") {
    return HtmlReport(title).add(points).str();
}

/// One A/B comparison as a whole HTML page. Throws InvalidArgument (parameter "comparison")
/// when it has no variant.
inline std::string to_html(const Comparison& comparison, const std::string& title = "gputime report") {
    return HtmlReport(title).add(comparison).str();
}

}  // namespace gputime
