#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Open gputime's HTML report in headless Chromium and check what the browser made of it.

    check_report.py --example PATH/html_report --out-dir DIR [--chromium PATH]

1. Runs the example (`html_report --quick --out DIR/report.html`), which prints the number of
   charts it wrote.
2. Loads the report in headless Chromium with console logging on and dumps the DOM the browser
   built. Checks: every chart kind is there (warmup, distribution, layers, idle-gap, ab), as
   many <svg class="chart"> as the example wrote, each with its accessible title, marks drawn
   in it and a figure with a heading and a "How to read this" sentence; the page's
   Content-Security-Policy forbids every request; and the browser logged no console message
   at all (the report has no script, so any message is an error: an SVG attribute Chromium
   rejects, a request the policy blocked).
3. Writes screenshots: DIR/report.png (light colour scheme) and DIR/report-dark.png (dark).

Exit status 0 when everything holds. Without Chromium it prints GPUTIME_TEST_SKIPPED and a
reason (ctest shows the test as skipped): Debian: apt-get install chromium.
Only the Python standard library is used.
"""

import argparse
import html.parser
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

CHART_KINDS = ("warmup", "distribution", "layers", "idle-gap", "ab")


def find_chromium(explicit):
    if explicit:
        return explicit
    if os.environ.get("GPUTIME_CHROMIUM"):
        return os.environ["GPUTIME_CHROMIUM"]
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


def run_chromium(chromium, url, extra, timeout=120):
    """Runs headless Chromium once with its own profile directory; returns (stdout, stderr)."""
    profile = tempfile.mkdtemp(prefix="gputime-chromium-")
    args = [chromium, "--headless", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
            "--disable-extensions", "--disable-dev-shm-usage", "--user-data-dir=" + profile]
    # Chromium refuses to run as root with its sandbox (containers, CI).
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")
    try:
        done = subprocess.run(args + extra + [url], capture_output=True, text=True, timeout=timeout)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if done.returncode != 0:
        raise SystemExit("FAIL: chromium exited with %d\n%s" % (done.returncode, done.stderr[-3000:]))
    return done.stdout, done.stderr


class Dom(html.parser.HTMLParser):
    """What the checks need from the DOM Chromium dumps."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.charts = []          # dicts: attributes of each <svg class="chart">, + counts
        self.figures = []         # dicts: id, has_heading, has_how
        self.csp = None
        self.stack = []
        self.scripts = 0
        self._chart = None
        self._figure = None
        self._in_how_label = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy":
            self.csp = a.get("content")
        if tag == "script":
            self.scripts += 1
        if tag == "figure":
            self._figure = {"id": a.get("id"), "heading": False, "how": False}
            self.figures.append(self._figure)
        if self._figure is not None and tag == "h3":
            self._figure["heading"] = True
        if self._figure is not None and tag == "p" and "how" in (a.get("class") or "").split():
            self._figure["how"] = True
        if tag == "svg" and "chart" in (a.get("class") or "").split():
            self._chart = dict(a)
            self._chart["marks"] = 0
            self._chart["title"] = False
            self.charts.append(self._chart)
        elif self._chart is not None:
            if tag in ("rect", "circle", "path", "polygon", "line"):
                self._chart["marks"] += 1
            if tag == "title":
                self._chart["title"] = True

    def handle_endtag(self, tag):
        if tag == "svg":
            self._chart = None
        if tag == "figure":
            self._figure = None


def page_height(chromium, report, out_dir):
    """The report's height in px at a width of 1200 px, as Chromium lays it out; None if unknown."""
    helper = os.path.join(out_dir, "measure_height.html")
    with open(helper, "w") as f:
        f.write("<!DOCTYPE html><html><head><title>pending</title></head><body style=\"margin:0\">"
                "<iframe id=\"r\" src=\"%s\" style=\"width:1200px;height:100px;border:0\"></iframe><script>"
                "document.getElementById('r').addEventListener('load', function () {"
                " var d = this.contentDocument;"
                " document.title = d ? 'height=' + d.documentElement.scrollHeight : 'no access'; });"
                "</script></body></html>" % os.path.basename(report))
    dom, _ = run_chromium(chromium, "file://" + os.path.abspath(helper),
                          ["--allow-file-access-from-files", "--virtual-time-budget=5000", "--dump-dom"])
    found = re.search(r"<title>height=(\d+)</title>", dom)
    return int(found.group(1)) if found else None


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit("FAIL: %s is not a PNG" % path)
    return struct.unpack(">II", head[16:24])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--example", required=True, help="the html_report example program")
    parser.add_argument("--out-dir", required=True, help="where the report and screenshots go")
    parser.add_argument("--chromium", help="the browser (default: chromium on PATH)")
    options = parser.parse_args()

    chromium = find_chromium(options.chromium)
    if chromium is None:
        print("GPUTIME_TEST_SKIPPED: Chromium is not installed, so the HTML report was not opened in a "
              "browser (Debian: apt-get install chromium)")
        return 0

    os.makedirs(options.out_dir, exist_ok=True)
    report = os.path.abspath(os.path.join(options.out_dir, "report.html"))
    made = subprocess.run([options.example, "--quick", "--out", report], capture_output=True, text=True, timeout=240)
    if made.returncode != 0:
        raise SystemExit("FAIL: %s exited with %d\n%s%s" % (options.example, made.returncode, made.stdout, made.stderr))
    written = re.search(r"\((\d+) charts\)", made.stdout)
    if not written:
        raise SystemExit("FAIL: the example did not say how many charts it wrote:\n" + made.stdout)
    expected_charts = int(written.group(1))
    url = "file://" + report

    problems = []
    dom_text, log = run_chromium(chromium, url, ["--enable-logging=stderr", "--v=0", "--dump-dom"])
    dom = Dom()
    dom.feed(dom_text)

    # Console messages: Chromium logs each as "...:INFO:CONSOLE(line)] "text", source: ...".
    console = [line for line in log.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    for line in console:
        problems.append("console: " + line.strip())

    if not dom.charts:
        problems.append("the DOM has no <svg class=\"chart\"> (did the page load?)")
    if len(dom.charts) != expected_charts:
        problems.append("the example wrote %d charts, the browser's DOM has %d" % (expected_charts, len(dom.charts)))
    kinds = {}
    for chart in dom.charts:
        kinds[chart.get("data-chart")] = kinds.get(chart.get("data-chart"), 0) + 1
        if not chart["title"]:
            problems.append("chart %s has no <title>" % chart.get("id"))
        if chart["marks"] < 5:
            problems.append("chart %s has only %d marks drawn" % (chart.get("id"), chart["marks"]))
        if not re.fullmatch(r"0 0 [0-9.]+ [0-9.]+", chart.get("viewbox", "")):
            problems.append("chart %s has viewBox %r" % (chart.get("id"), chart.get("viewbox")))
    for kind in CHART_KINDS:
        if kinds.get(kind, 0) == 0:
            problems.append("no chart of kind %r" % kind)
    ids = [c.get("id") for c in dom.charts]
    if len(set(ids)) != len(ids):
        problems.append("chart ids are not unique: %r" % ids)
    for figure in dom.figures:
        if not figure["heading"] or not figure["how"]:
            problems.append("figure %s lacks its heading or its 'How to read this'" % figure["id"])
    if dom.scripts:
        problems.append("the report has %d <script> elements; it should have none" % dom.scripts)
    if not dom.csp or "default-src 'none'" not in dom.csp:
        problems.append("the Content-Security-Policy does not forbid requests: %r" % dom.csp)

    # Screenshots, light and dark. Headless Chromium shoots the window, not the whole page, so
    # the window is made as tall as the page: a helper page (outside the report, whose policy
    # forbids scripts) loads it in a 1200 px wide frame and writes its height into its title.
    height = page_height(chromium, report, options.out_dir) or 10000
    shots = []
    for name, extra in (("report.png", []), ("report-dark.png", ["--force-dark-mode"])):
        path = os.path.abspath(os.path.join(options.out_dir, name))
        if os.path.exists(path):
            os.remove(path)
        run_chromium(chromium, url, extra + ["--window-size=1200,%d" % height, "--screenshot=" + path])
        if not os.path.exists(path):
            problems.append("chromium wrote no screenshot %s" % path)
            continue
        width, tall = png_size(path)
        if (width, tall) != (1200, height) or os.path.getsize(path) < 20000:
            problems.append("screenshot %s is %dx%d, %d bytes" % (path, width, tall, os.path.getsize(path)))
        shots.append(path)

    summary = ", ".join("%s %d" % (k, kinds.get(k, 0)) for k in CHART_KINDS)
    if problems:
        print("FAIL: %d problem(s) with %s:" % (len(problems), report))
        for p in problems:
            print("  " + p)
        return 1
    print("ok: %s rendered in %s: %d charts (%s), no console message; screenshots: %s" %
          (report, os.path.basename(chromium), len(dom.charts), summary, ", ".join(shots)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
