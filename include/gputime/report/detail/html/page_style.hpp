// SPDX-License-Identifier: MIT
// gputime/report/detail/html/page_style.hpp - the report's one style sheet: light and dark colours
// as CSS variables (prefers-color-scheme), every chart element styled by class.
//
//   page += "<style>" + std::string(page_style()) + "</style>";
#pragma once

namespace gputime::detail::html {

// Light and dark colours as variables; every chart element is styled by class, so one set of
// rules serves both schemes.
inline const char* page_style() {
    return R"(:root{color-scheme:light dark;--bg:#ffffff;--fg:#1f2328;--muted:#59636e;--grid:#d8dee4;--axis:#818b98;--panel:#f6f8fa;--a:#0969da;--b:#bc4c00;--c:#1a7f37;--d:#8250df;--warn:#cf222e;--band-a:rgba(9,105,218,.16);--band-b:rgba(130,80,223,.16);--warm:rgba(188,76,0,.07)}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--grid:#2a313c;--axis:#656c76;--panel:#151b23;--a:#4493f8;--b:#f0883e;--c:#3fb950;--d:#ab7df8;--warn:#f85149;--band-a:rgba(68,147,248,.22);--band-b:rgba(171,125,248,.22);--warm:rgba(240,136,62,.09)}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
header,main,footer{max-width:980px;margin:0 auto;padding:0 20px}
header{padding-top:24px}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:21px;margin:36px 0 6px;padding-top:12px;border-top:1px solid var(--grid)}
h3{font-size:16px;margin:22px 0 2px}
.meta,.summary,.how,.note,.muted{color:var(--muted)}
.how{margin:0 0 8px;font-size:14px}
.how-label{font-weight:600}
nav ul{margin:8px 0 0;padding-left:20px}
figure{margin:0 0 12px}
svg.chart{display:block;width:100%;height:auto;max-width:900px;overflow:visible}
svg.chart text{fill:var(--fg);font-size:12px;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
svg.chart .tick,svg.chart .axis-title,svg.chart .muted,svg.chart .row-sub{fill:var(--muted)}
svg.chart .axis-title{font-size:12.5px}
svg.chart .grid{stroke:var(--grid);stroke-width:1}
svg.chart .axis{stroke:var(--axis);stroke-width:1}
svg.chart .separator{stroke:var(--axis);stroke-dasharray:3 3}
svg.chart .warm-region{fill:var(--warm)}
svg.chart .series-line{fill:none;stroke:var(--axis);stroke-width:1;stroke-opacity:.7}
svg.chart .dot.measured{fill:var(--a)}
svg.chart .dot.warm{fill:var(--b)}
svg.chart .range{fill:none;stroke-width:1.2}
svg.chart .range.measured{stroke:var(--a)}
svg.chart .range.warm{stroke:var(--b)}
svg.chart .first{fill:none;stroke:var(--warn);stroke-width:2.2}
svg.chart .first-text{fill:var(--warn);font-weight:600}
svg.chart .marker-text{font-weight:600}
svg.chart .marker-text,svg.chart .first-text,svg.chart .value,svg.chart .ratio{paint-order:stroke;stroke:var(--bg);stroke-width:3px;stroke-linejoin:round}
svg.chart .axis-break{fill:var(--bg)}
a{color:var(--a)}
svg.chart .marker-p50{stroke:var(--a);stroke-width:1.6}
svg.chart .marker-p99{stroke:var(--d);stroke-width:1.6}
svg.chart .marker-warmup{stroke:var(--b);stroke-width:1.6}
svg.chart .marker-mser{stroke:var(--c);stroke-width:1.6;stroke-dasharray:6 4}
svg.chart .band-p50{fill:var(--band-a)}
svg.chart .band-p99{fill:var(--band-b)}
svg.chart .band.open{fill-opacity:.5}
svg.chart .bar{fill:var(--a);fill-opacity:.75}
svg.chart .bar-b{fill:var(--d)}
svg.chart .bar-p50{fill:var(--a)}
svg.chart .bar-first{fill:var(--b)}
svg.chart .row-label.total{font-style:italic}
svg.chart .series-p50{fill:none;stroke:var(--a);stroke-width:2}
svg.chart .series-p99{fill:none;stroke:var(--d);stroke-width:1.6;stroke-dasharray:5 4}
svg.chart .dot-p50{fill:var(--a)}
svg.chart .dot-p99{fill:var(--d)}
svg.chart .ratio{fill:var(--muted);font-size:11px}
svg.chart .row-sub.faster{fill:var(--c)}
svg.chart .row-sub.slower{fill:var(--warn)}
.legend{list-style:none;display:flex;flex-wrap:wrap;gap:4px 18px;padding:0;margin:6px 0;font-size:13px;color:var(--muted)}
.swatch{display:inline-block;width:14px;height:10px;margin-right:6px;vertical-align:baseline}
.dot-swatch{width:9px;height:9px;border-radius:50%}
.dot-swatch.measured{background:var(--a)}.dot-swatch.warm{background:var(--b)}
.first-swatch{width:11px;height:11px;border-radius:50%;border:2px solid var(--warn)}
.region-swatch{background:var(--warm);border:1px solid var(--b)}
.stroke-swatch{width:3px;height:12px;vertical-align:middle}.stroke-swatch.measured{background:var(--a)}.stroke-swatch.warm{background:var(--b)}
.line-swatch{height:0;border-top:2px solid}
.line-swatch.series{border-top-width:1px;border-color:var(--axis)}.line-swatch.warmup{border-color:var(--b)}.line-swatch.mser{border-top-style:dashed;border-color:var(--c)}
.line-swatch.p50{border-color:var(--a)}.line-swatch.p99{border-top-style:dashed;border-color:var(--d)}
.bar-swatch{background:var(--a);opacity:.8}.bar-swatch.b{background:var(--d)}
.bar-swatch.p50{background:var(--a);opacity:1}.bar-swatch.first{background:var(--b);opacity:1}
.band-swatch.p50{background:var(--band-a);border-left:2px solid var(--a)}
.band-swatch.p99{background:var(--band-b);border-left:2px solid var(--d)}
.verdict-text{margin:4px 0 0;font-size:14px}
.warn{color:var(--warn)}
table.numbers{border-collapse:collapse;margin:10px 0;font-size:14px;font-variant-numeric:tabular-nums}
table.numbers th,table.numbers td{text-align:left;padding:3px 14px 3px 0;border-bottom:1px solid var(--grid);vertical-align:top}
table.numbers th{font-weight:600}
ul.hints{padding-left:20px;color:var(--warn)}
ul.verdicts{list-style:none;padding:0;margin:8px 0}
.verdict{margin:4px 0}
.badge{display:inline-block;min-width:64px;text-align:center;font-weight:700;font-size:12px;padding:1px 6px;border-radius:4px;border:1px solid var(--muted);color:var(--muted)}
.verdict.faster .badge{color:var(--c);border-color:var(--c)}
.verdict.slower .badge{color:var(--warn);border-color:var(--warn)}
dl.context{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:8px 0}
dl.context dt{color:var(--muted)}dl.context dd{margin:0}
footer{margin:40px auto 32px;color:var(--muted);font-size:13px}
)";
}

}  // namespace gputime::detail::html
