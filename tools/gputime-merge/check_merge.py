#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks gputime-merge against arithmetic of its own on the pooled samples.

Usage: check_merge.py GPUTIME_MERGE GOLDEN_DIR WORK_DIR

1. Merges three library-written result files (tests/golden/compare/{main,pr,other_machine}/
   models.json: two runs and a Stats each, with samples) and the two layer profiles, and checks
   every pooled Stats object against the concatenated samples: calls and steady calls add, the
   samples are concatenated in input order, min/p50/p90/p99/p99.9/max are the nearest-rank order
   statistics (rank ceil(p n / 100) in exact rationals), mean, total and stddev are the exact
   rational values rounded (within 1e-12), mdape is the nearest-rank median of |x - p50| / x,
   first_call is the count-weighted mean of the inputs' first calls; warm-up calls and durations
   add up; merging a merged file again with another gives the same as merging all at once.
2. Feeds it inconsistent inputs: each must exit 2, name the file and the field on stderr, and
   write nothing.
Exit status 0 when every check passed.
"""
import json
import math
import os
import shutil
import subprocess
import sys
from fractions import Fraction

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL " + what)


def rank_index(p, n):
    rank = math.ceil(Fraction(p) * n / 100)
    return 0 if rank <= 1 else min(rank, n) - 1


def close(a, b, rel=1e-12):
    return a == b or abs(a - b) <= rel * abs(b)


def check_stats(where, got, samples, first_calls):
    """got: the merged Stats object; samples: pooled steady samples; first_calls: [(value, count)]."""
    n = len(samples)
    fc = sum(c for _, c in first_calls)
    check(got["steady_calls"] == n, f"{where}.steady_calls {got['steady_calls']} != {n}")
    check(got["calls"] == n + fc, f"{where}.calls {got['calls']} != {n + fc}")
    check(got["samples"] == samples, f"{where}.samples are not the inputs' samples in input order")
    if fc:
        expected = float(sum(Fraction(v) * c for v, c in first_calls) / fc)
        check(close(got["first_call"], expected), f"{where}.first_call {got['first_call']} != {expected}")
    ordered = sorted(samples)
    for key, p in (("min", "0"), ("p50", "50"), ("p90", "90"), ("p99", "99"), ("p999", "99.9"), ("max", "100")):
        expected = ordered[rank_index(p, n)]
        check(got[key] == expected, f"{where}.{key} {got[key]} != {expected} (nearest rank of {n} pooled samples)")
    exact = [Fraction(x) for x in samples]
    mean = sum(exact) / n
    check(close(got["mean"], float(mean)), f"{where}.mean {got['mean']} != {float(mean)}")
    check(close(got["total"], float(sum(exact))), f"{where}.total")
    if n > 1:
        var = sum((x - mean) ** 2 for x in exact) / (n - 1)
        check(close(got["stddev"], math.sqrt(var), 1e-9), f"{where}.stddev {got['stddev']} != {math.sqrt(var)}")
    p50 = ordered[rank_index("50", n)]
    errors = sorted(abs(x - p50) / x if x != 0 else (0.0 if p50 == 0 else math.inf) for x in samples)
    check(close(got["mdape"], errors[rank_index("50", n)]), f"{where}.mdape {got['mdape']} != {errors[rank_index('50', n)]}")


def first_calls_of(stats):
    count = stats["calls"] - stats["steady_calls"]
    return [(stats["first_call"], count)] if count else []


def run(tool, args, output=None):
    cmd = [tool] + args + (["-o", output] if output else [])
    return subprocess.run(cmd, capture_output=True, text=True)


def check_models(tool, inputs, work):
    out = os.path.join(work, "merged_models.json")
    r = run(tool, inputs, out)
    check(r.returncode == 0, f"merging {inputs}: exit {r.returncode}: {r.stderr}")
    if r.returncode != 0:
        return out
    merged = json.load(open(out))
    docs = [json.load(open(f)) for f in inputs]
    check(merged["schema"] == "gputime-results" and merged["schema_version"] == 2, "merged schema")
    check([m["file"] for m in merged["merged_from"]] == inputs, "merged_from lists the inputs")
    check(merged["context"] == docs[0]["context"], "the merged context is the first input's")
    check([(r["kind"], r["name"]) for r in merged["results"]] == [(r["kind"], r["name"]) for r in docs[0]["results"]],
          "the results in the first input's order")
    for i, result in enumerate(merged["results"]):
        parts = [next(x for x in d["results"] if x["name"] == result["name"]) for d in docs]
        key = "stats" if result["kind"] == "stats" else "latency"
        samples = [x for p in parts for x in p[key]["samples"]]
        first = [fc for p in parts for fc in first_calls_of(p[key])]
        check_stats(f"{result['name']}.{key}", result[key], samples, first)
        if result["kind"] == "run":
            check(result["warmup"]["calls"] == sum(p["warmup"]["calls"] for p in parts), f"{result['name']}.warmup.calls")
            check(result["warmup"]["durations"] == [x for p in parts for x in p["warmup"]["durations"]],
                  f"{result['name']}.warmup.durations")
            check(close(result["wall"], float(sum(Fraction(p["wall"]) for p in parts))), f"{result['name']}.wall")
            check(close(result["throughput_per_second"], 1e9 / result["latency"]["mean"]), f"{result['name']}.throughput")
            check(result["settings"] == parts[0]["settings"], f"{result['name']}.settings")
            check(result["model"] is None, f"{result['name']}.model is null")
    return out


def check_layers(tool, inputs, work):
    out = os.path.join(work, "merged_layers.json")
    r = run(tool, inputs, out)
    check(r.returncode == 0, f"merging {inputs}: exit {r.returncode}: {r.stderr}")
    if r.returncode != 0:
        return
    merged = json.load(open(out))["results"][0]
    parts = [json.load(open(f))["results"][0] for f in inputs]
    check(merged["iterations"] == sum(p["iterations"] for p in parts), "layer profile iterations add")
    for key in ("iteration", "unattributed"):
        check_stats(f"layers.{key}", merged[key], [x for p in parts for x in p[key]["samples"]],
                    [fc for p in parts for fc in first_calls_of(p[key])])
    check(len(merged["layers"]) == len(parts[0]["layers"]), "every layer merged")
    for j, layer in enumerate(merged["layers"]):
        check(layer["path"] == parts[0]["layers"][j]["path"], f"layer {j} path")
        check_stats(f"layers[{j}]", layer["stats"], [x for p in parts for x in p["layers"][j]["stats"]["samples"]],
                    [fc for p in parts for fc in first_calls_of(p["layers"][j]["stats"])])
        share = float(Fraction(layer["stats"]["total"]) / Fraction(merged["iteration"]["total"]))
        check(close(layer["stats"]["share"], share, 1e-9), f"layers[{j}].share {layer['stats']['share']} != {share}")


def check_refusals(tool, golden, work):
    base = json.load(open(os.path.join(golden, "compare", "main", "models.json")))

    def write(name, doc_or_text):
        path = os.path.join(work, name)
        with open(path, "w") as f:
            f.write(doc_or_text if isinstance(doc_or_text, str) else json.dumps(doc_or_text))
        return path

    good = write("good.json", base)

    def spoiled(name, spoil):
        doc = json.loads(json.dumps(base))
        spoil(doc)
        return write(name, doc)

    def lat(doc, i=0):
        return doc["results"][i]["latency"]

    cases = [
        # (file name, how it is spoiled or its text, the field the message must name)
        ("huge_version.json", '{"schema": "gputime-results", "schema_version": 99999999999999999999999, "results": []}',
         "schema_version"),
        ("not_json.json", "{ this is not json", "not JSON"),
        ("not_results.json", '{"traceEvents": []}', "schema"),
        ("samples_text.json", lambda d: lat(d).__setitem__("samples", "abc"), "results[0].latency.samples"),
        ("name_number.json", lambda d: d["results"][2].__setitem__("name", 123), "results[2].name"),
        ("huge_sample.json", lambda d: lat(d)["samples"].__setitem__(17, 1e308), "results[0].latency.max"),
        ("p50_contradicts.json", lambda d: lat(d, 1).__setitem__("p50", lat(d, 1)["p50"] * 1.5), "results[1].latency.p50"),
        ("negative_sample.json", lambda d: lat(d)["samples"].__setitem__(3, -1.0), "results[0].latency.samples[3]"),
        ("steady_calls.json", lambda d: lat(d).__setitem__("steady_calls", 5), "results[0].latency.steady_calls"),
        ("calls_below_steady.json", lambda d: lat(d).__setitem__("calls", 3), "results[0].latency.calls"),
        ("first_call_missing.json", lambda d: lat(d).__setitem__("first_call", None), "results[0].latency.first_call"),
        ("no_samples.json", lambda d: lat(d).pop("samples"), "results[0].latency.samples"),
        ("settings.json", lambda d: d["results"][0]["settings"].__setitem__("iterations", 100),
         "results[0].settings.iterations"),
        ("time.json", lambda d: d["results"][1].__setitem__("time", "device"), "results[1].time"),
        ("missing_result.json", lambda d: d["results"].pop(1), "results"),
        ("extra_result.json", lambda d: d["results"].append(dict(d["results"][2], name="another")), "results[3]"),
        ("duplicate.json", lambda d: d["results"].append(d["results"][2]), "results[3].name"),
        ("confidence.json", lambda d: lat(d)["intervals"].__setitem__("confidence", 0.9),
         "results[0].latency.intervals.confidence"),
        ("comparison.json", lambda d: d["results"][2].__setitem__("kind", "comparison"), "results[2].kind"),
        ("enqueue.json", lambda d: d["results"][0].__setitem__("enqueue", lat(d)), "results[0].enqueue"),
    ]
    for name, spoil, field in cases:
        path = write(name, spoil) if isinstance(spoil, str) else spoiled(name, spoil)
        out = os.path.join(work, "refused_" + name)
        r = run(tool, [good, path], out)
        check(r.returncode == 2, f"{name}: exit {r.returncode}, expected 2 ({r.stderr.strip()})")
        check(path in r.stderr and field in r.stderr, f"{name}: stderr does not name {path} and {field}: {r.stderr.strip()}")
        check(not os.path.exists(out), f"{name}: an output was written")
    r = run(tool, [])
    check(r.returncode == 2 and "usage" in r.stderr, "no input: exit 2 with the usage")
    r = run(tool, [good, os.path.join(work, "does_not_exist.json")])
    check(r.returncode == 2 and "does_not_exist.json" in r.stderr, "a missing file: exit 2, named")


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: check_merge.py GPUTIME_MERGE GOLDEN_DIR WORK_DIR")
    tool, golden, work = sys.argv[1:]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    compare = os.path.join(golden, "compare")
    models = [os.path.join(compare, d, "models.json") for d in ("main", "pr", "other_machine")]
    merged = check_models(tool, models, work)
    # Merging is associative: (a + b) + c == a + b + c, statistic for statistic.
    two = os.path.join(work, "two.json")
    r = run(tool, models[:2], two)
    check(r.returncode == 0, "merging two")
    again = os.path.join(work, "again.json")
    r = run(tool, [two, models[2]], again)
    check(r.returncode == 0, f"merging a merged file: {r.stderr}")
    if r.returncode == 0 and os.path.exists(merged):
        a = json.load(open(merged))["results"]
        b = json.load(open(again))["results"]
        for x, y in zip(a, b):
            key = "stats" if x["kind"] == "stats" else "latency"
            for stat in ("calls", "steady_calls", "min", "p50", "p90", "p99", "p999", "max", "samples"):
                check(x[key][stat] == y[key][stat], f"{x['name']}: {stat} differs when merged in two steps")
            check(close(x[key]["first_call"], y[key]["first_call"]), f"{x['name']}: first_call in two steps")
    check_layers(tool, [os.path.join(compare, d, "layers.json") for d in ("main", "pr")], work)
    check_refusals(tool, golden, work)
    print(f"check_merge: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
