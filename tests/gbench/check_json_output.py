#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""examples/gbench_gpu under Google Benchmark's own flags: stdout must be valid JSON (what the
program says about itself goes to stderr), and --benchmark_min_time must decide how long each
benchmark runs (no MinTime() hard-coded in the program).

    check_json_output.py <gbench_gpu>

Run 1: --quick --benchmark_format=json            (--quick is --benchmark_min_time=0.01)
Run 2: --quick --benchmark_min_time=0.05 ...      (the later flag wins)
The simulated GPU's benchmark (sim/gemm_120us) runs in virtual time, so Google Benchmark's
manual time is deterministic: each reported run must total at least its min_time, and run 2
must have run more iterations than run 1. On a machine with a GPU the gpu/ benchmarks replace
it and only the JSON and the real-time totals are checked.
"""
import json
import subprocess
import sys


def run(exe, *args):
    p = subprocess.run([exe, *args], capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        sys.exit(f"{exe} {' '.join(args)} exited with {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    try:
        doc = json.loads(p.stdout)
    except json.JSONDecodeError as e:
        sys.exit(f"stdout of {exe} {' '.join(args)} is not valid JSON ({e}):\n{p.stdout[:2000]}")
    return doc, p.stderr


def manual_seconds(entry):
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[entry.get("time_unit", "ns")]
    return entry["iterations"] * entry["real_time"] * scale


def main():
    exe = sys.argv[1]
    first, stderr = run(exe, "--quick", "--benchmark_format=json")
    # Google Benchmark appends "/manual_time" to the names of manual-time benchmarks.
    names = [b["name"].split("/manual_time")[0] for b in first["benchmarks"]]
    print("benchmarks:", names)
    if "context" not in first or not names:
        sys.exit("the JSON has no context or no benchmarks")
    if "host/sum_64k_floats" not in names:
        sys.exit("host/sum_64k_floats is missing")
    on_simulator = "sim/gemm_120us" in names
    if on_simulator and "no usable GPU" not in stderr:
        sys.exit("the simulated GPU ran, but stderr does not say why:\n" + stderr)
    for b in first["benchmarks"]:
        for counter in ("p50_ns", "p99_ns", "first_call_ns"):
            if counter not in b:
                sys.exit(f"{b['name']} lacks the counter {counter}: {b}")
        if manual_seconds(b) < 0.01:
            sys.exit(f"{b['name']}: {manual_seconds(b):.4f} s of manual time, below --benchmark_min_time=0.01")

    second, _ = run(exe, "--quick", "--benchmark_min_time=0.05", "--benchmark_format=json", "--benchmark_filter=^(sim|gpu)/")
    for b in second["benchmarks"]:
        if manual_seconds(b) < 0.05:
            sys.exit(f"{b['name']}: {manual_seconds(b):.4f} s of manual time with --benchmark_min_time=0.05: "
                     "the flag was not honoured")
    if on_simulator:
        iters = {run_name: {b["name"].split("/manual_time")[0]: b["iterations"] for b in doc["benchmarks"]}
                 for run_name, doc in (("0.01", first), ("0.05", second))}
        print("sim/gemm_120us iterations:", iters["0.01"]["sim/gemm_120us"], "at 0.01 s,",
              iters["0.05"]["sim/gemm_120us"], "at 0.05 s")
        if not iters["0.05"]["sim/gemm_120us"] > iters["0.01"]["sim/gemm_120us"]:
            sys.exit("a longer --benchmark_min_time did not run more iterations")
    print("stdout is JSON, and --benchmark_min_time decides how long each benchmark runs")


if __name__ == "__main__":
    main()
