# SPDX-License-Identifier: MIT
"""A real Prometheus merges three serving_loop replicas; its fleet-wide percentiles are checked.

    python3 fleet_check.py --serving-loop build/examples/serving_loop --workdir DIR [--prometheus PATH]

Starts three replicas of examples/serving_loop (lognormal, bimodal and Pareto-tailed device
times) and Debian's `prometheus` (2.42: --enable-feature=native-histograms), everything on
127.0.0.1. Two scrape jobs read the same replicas: `native` gets the protobuf format (native
histograms), `classic` asks for the text format (`?format=text`: classic `le` buckets). The
replicas record for a few seconds, write every request's exact device time as JSON and keep
serving; once Prometheus has scraped the final counts, the test asks its HTTP API for the
fleet-wide p50/p90/p99 (histogram_quantile over the sum of the three) and the counts, and
compares them with the exact nearest-rank percentiles of the pooled samples:
counts exact, native within 1%, classic within the bound the classic buckets state.
Prints GPUTIME_TEST_SKIPPED (ctest shows the test as skipped) when prometheus is not installed.
Bounded: every wait has a deadline, the whole run takes about 20 s.
"""
import argparse
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

PROFILES = ["lognormal", "bimodal", "pareto"]
THREADS = 3
CLASSIC_SCALE = 2
NATIVE_BOUND = 0.01
CLASSIC_BOUND = 2 ** (2 ** -CLASSIC_SCALE) - 1  # PrometheusClassicBuckets::max_relative_error()
QUANTILES = [0.5, 0.9, 0.99]


def server_environment():
    """The environment of a server this test starts: under ThreadSanitizer, the suppressions of
    civetweb.tsan.supp (a race inside Debian's CivetWeb, not in gputime) are added."""
    env = dict(os.environ)
    suppressions = os.path.join(os.path.dirname(os.path.abspath(__file__)), "civetweb.tsan.supp")
    env["TSAN_OPTIONS"] = ":".join(filter(None, [env.get("TSAN_OPTIONS"), "suppressions=" + suppressions]))
    return env


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, predicate, timeout, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise SystemExit(f"fleet_check: timed out after {timeout:.0f} s waiting for {what}")


def query(base, promql):
    url = base + "/api/v1/query?" + urllib.parse.urlencode({"query": promql})
    with urllib.request.urlopen(url, timeout=5) as response:
        body = json.load(response)
    if body.get("status") != "success":
        raise SystemExit(f"fleet_check: {promql}: {body}")
    result = body["data"]["result"]
    if not result:
        return None
    return float(result[0]["value"][1])


def nearest_rank(sorted_values, q):
    return sorted_values[max(1, math.ceil(q * len(sorted_values))) - 1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--serving-loop", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--prometheus", default=shutil.which("prometheus"))
    args = parser.parse_args()
    if not args.prometheus or not os.access(args.prometheus, os.X_OK):
        print("GPUTIME_TEST_SKIPPED: prometheus is not installed (Debian 12: apt-get install prometheus)")
        return 0
    version = subprocess.run([args.prometheus, "--version"], capture_output=True, text=True, timeout=10)
    print("fleet_check:", (version.stdout or version.stderr).splitlines()[0])
    os.makedirs(args.workdir, exist_ok=True)
    processes = []
    try:
        replicas = []
        for i, profile in enumerate(PROFILES):
            samples = os.path.join(args.workdir, f"replica{i}.json")
            if os.path.exists(samples):
                os.remove(samples)
            log = open(os.path.join(args.workdir, f"replica{i}.log"), "w+")
            p = subprocess.Popen([args.serving_loop, "--profile", profile, "--seed", str(11 + i),
                                  "--threads", str(THREADS), "--record-seconds", "5", "--rate", "300",
                                  "--linger-seconds", "60", "--classic-scale", str(CLASSIC_SCALE),
                                  "--samples-json", samples], stdout=log, stderr=subprocess.STDOUT,
                                 env=server_environment())
            processes.append(p)

            def port_of(log=log):
                log.seek(0)
                for line in log.read().splitlines():
                    if "/metrics on http://127.0.0.1:" in line:
                        return int(line.split("127.0.0.1:")[1].split("/")[0])
                return None
            replicas.append((profile, samples, wait_for(f"replica {i} to listen", port_of, 10)))
        targets = ", ".join(f"'127.0.0.1:{port}'" for _, _, port in replicas)
        config = os.path.join(args.workdir, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n"
                    "scrape_configs:\n"
                    f"  - job_name: native\n    static_configs:\n      - targets: [{targets}]\n"
                    f"  - job_name: classic\n    params:\n      format: [text]\n"
                    f"    static_configs:\n      - targets: [{targets}]\n")
        web = free_port()
        base = f"http://127.0.0.1:{web}"
        data = os.path.join(args.workdir, "tsdb")
        shutil.rmtree(data, ignore_errors=True)
        prometheus_log = open(os.path.join(args.workdir, "prometheus.log"), "w")
        processes.append(subprocess.Popen(
            [args.prometheus, f"--config.file={config}", f"--storage.tsdb.path={data}",
             f"--web.listen-address=127.0.0.1:{web}", "--enable-feature=native-histograms"],
            stdout=prometheus_log, stderr=subprocess.STDOUT))

        def ready():
            try:
                with urllib.request.urlopen(base + "/-/ready", timeout=2) as r:
                    return r.status == 200
            except OSError:
                return False
        wait_for("prometheus to be ready", ready, 30)

        # The truth: every request's device time, written when the replica stopped recording.
        wait_for("the replicas to stop recording", lambda: all(os.path.exists(s) for _, s, _ in replicas), 30)
        steady, first = [], []
        for _, samples, _ in replicas:
            with open(samples) as f:
                for thread in json.load(f)["request_device"]:
                    first.extend(thread[:1])  # a thread's first request is its first call
                    steady.extend(thread[1:])
        steady.sort()
        selector = 'gputime_request_seconds{{job="{job}",time="device"}}'
        native = selector.format(job="native")
        classic = selector.format(job="classic").replace("_seconds{", "_seconds_bucket{")
        first_count = 'sum(gputime_request_first_call_seconds_count{{job="{job}",time="device"}})'
        counts = {
            "native": f"sum(histogram_count({native}))",
            "classic": f'sum({selector.format(job="classic").replace("_seconds{", "_seconds_count{")})',
        }

        def final_counts_scraped():
            got = {job: query(base, q) for job, q in counts.items()}
            return got if all(v == len(steady) for v in got.values()) else None
        try:
            wait_for("Prometheus to scrape the final counts", final_counts_scraped, 20, interval=0.5)
        except SystemExit:
            print("fleet_check: counts seen:", {job: query(base, q) for job, q in counts.items()},
                  "exact:", len(steady))
            raise
        rows = []
        failures = []
        for job, bound in (("native", NATIVE_BOUND), ("classic", CLASSIC_BOUND)):
            count = query(base, counts[job])
            firsts = query(base, first_count.format(job=job))
            first_sum = query(base, first_count.format(job=job).replace("_count{", "_sum{"))
            if count != len(steady):
                failures.append(f"{job}: count {count} != {len(steady)}")
            if firsts != len(first):
                failures.append(f"{job}: first calls {firsts} != {len(first)}")
            if not math.isclose(first_sum, sum(first) * 1e-9, rel_tol=1e-9):
                failures.append(f"{job}: first-call sum {first_sum} != {sum(first) * 1e-9}")
            for q in QUANTILES:
                promql = (f"histogram_quantile({q}, sum({native}))" if job == "native"
                          else f"histogram_quantile({q}, sum by (le) ({classic}))")
                got = query(base, promql)
                exact = nearest_rank(steady, q) * 1e-9
                error = (got - exact) / exact
                rows.append((job, q, got, exact, error, bound, count))
                if not abs(error) <= bound:
                    failures.append(f"{job} p{q * 100:g}: {got:.6g} s vs exact {exact:.6g} s ({error:+.3%}, bound {bound:.2%})")
        lines = ["| histograms | percentile | PromQL (fleet) | exact (pooled) | error | bound | count (PromQL = exact) |",
                 "|---|---|---|---|---|---|---|"]
        for job, q, got, exact, error, bound, count in rows:
            lines.append(f"| {job} | p{q * 100:g} | {got * 1e6:.2f} us | {exact * 1e6:.2f} us | {error:+.3%} | "
                         f"{bound:.2%} | {int(count)} = {len(steady)} |")
        lines.append(f"first calls: {len(first)} (3 replicas x {THREADS} threads), counted and summed exactly by both jobs")
        table = "\n".join(lines)
        print(table)
        with open(os.path.join(args.workdir, "fleet_table.md"), "w") as f:
            f.write(table + "\n")
        if failures:
            print("fleet_check: FAILED\n  " + "\n  ".join(failures))
            return 1
        print("fleet_check: passed")
        return 0
    finally:
        for p in processes:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in processes:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


if __name__ == "__main__":
    sys.exit(main())
