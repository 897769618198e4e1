#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the references for gputime_bounded_oracle beyond the stats oracle's data sets.

Usage: generate_bounded_oracle.py OUTPUT_DIR

OUTPUT_DIR/boundaries.txt, one record per line:

    index <scale> <duration ns, float hex> <bucket index>
        the bucket (base^i, base^(i+1)] seconds, base = 2^(2^-scale), that holds the duration,
        decided in exact integer arithmetic: the largest double at or below each boundary
        1e9 * 2^(i / 2^scale) ns and the next one up, for thousands of boundaries per scale
    bound <scale> <i> <numpy's 2.0 ** (i / 2^scale), float hex> <the exact value rounded, float hex>
        the bucket bounds in seconds, as numpy computes them and exactly rounded

OUTPUT_DIR/expected.txt and <name>.f64: more data sets in the stats oracle's format (see
generate_stats_oracle.py): a million lognormal durations rounded to whole microseconds (ties),
Pareto tails to p99.99, durations exactly on bucket boundaries, sub-nanosecond and huge ones.
"""
import os
import random
import sys
from fractions import Fraction

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate_stats_oracle as stats_oracle  # noqa: E402  (numpy, ranks, exact moments)

np = stats_oracle.np


def compare(x, scale, i):
    """Sign of x - 2^(i / 2^scale), x a float or a Fraction, exactly."""
    power, exponent = (2**scale, i) if scale >= 0 else (1, i * 2 ** (-scale))
    left, right = Fraction(x) ** power, Fraction(2) ** exponent
    return (left > right) - (left < right)


def up(x):
    return float(np.nextafter(x, np.inf))


def down(x):
    return float(np.nextafter(x, 0.0))


def largest_at_or_below(scale, i):
    """The largest double x (ns) with x <= 1e9 * 2^(i / 2^scale) ns, exactly."""
    x = float(1e9 * np.exp2(np.float64(i) / 2.0**scale))
    while compare(Fraction(x) / 10**9, scale, i) > 0:
        x = down(x)
    while compare(Fraction(up(x)) / 10**9, scale, i) <= 0:
        x = up(x)
    return x


def exact_bound_seconds(scale, i):
    """2^(i / 2^scale) rounded to the nearest double, from exact comparisons."""
    x = float(np.exp2(np.float64(i) / 2.0**scale))
    while compare(x, scale, i) > 0:
        x = down(x)
    while compare(up(x), scale, i) <= 0:
        x = up(x)
    if compare(x, scale, i) == 0:
        return x
    return x if compare((Fraction(x) + Fraction(up(x))) / 2, scale, i) > 0 else up(x)


def boundaries(out):
    rng = random.Random(11)
    lines = []
    for scale in range(-4, 9):
        per = 2**scale if scale >= 0 else 1
        step = 2 ** (-scale) if scale < 0 else 1
        # 1 ns .. 100 s everywhere at scale <= 3, random boundaries across 2^-47 s .. 2^40 s beyond.
        indices = set()
        for k in range(-30 * per, 7 * per, max(1, per // 8)):
            indices.add(k - k % step if scale < 0 else k)
        for _ in range(600):
            k = rng.randint(-47 * per, 40 * per)
            indices.add(k - k % step if scale < 0 else k)
        for i in sorted(indices):
            if scale < 0:
                i //= step
            x = largest_at_or_below(scale, i)
            lines.append(f"index {scale} {x.hex()} {i - 1}")
            lines.append(f"index {scale} {float(np.nextafter(x, np.inf)).hex()} {i}")
        for i in sorted(indices)[:: max(1, len(indices) // 300)]:
            if scale < 0:
                i //= step
            numpy_value = float(np.float64(2.0) ** (np.float64(i) / 2.0**scale))
            lines.append(f"bound {scale} {i} {numpy_value.hex()} {exact_bound_seconds(scale, i).hex()}")
    with open(os.path.join(out, "boundaries.txt"), "w", encoding="ascii") as f:
        f.write("\n".join(lines) + "\n")
    return len(lines)


def datasets(gen):
    out = []
    out.append(("fleet_lognormal_us_ties_1000000", np.round(gen.lognormal(13.0, 1.0, 1_000_000) / 1e3) * 1e3))
    out.append(("pareto_1.1_1000000", 2e4 * (1.0 + gen.pareto(1.1, 1_000_000))))
    powers = 1e9 * np.exp2(gen.integers(-30, 10, 100_000).astype(np.float64))  # exactly on boundaries
    out.append(("powers_of_two_seconds_100000", powers))
    neighbours = np.concatenate([np.nextafter(powers[:30000], 0.0), np.nextafter(powers[30000:60000], np.inf), powers[60000:]])
    out.append(("around_boundaries_100000", neighbours))
    out.append(("sub_ns_10000", gen.uniform(1e-3, 1.0, 10_000)))
    out.append(("hours_to_years_10000", 3.6e12 * np.exp(gen.uniform(0.0, 9.0, 10_000))))
    out.append(("huge_1e15_1e20_10000", np.power(10.0, gen.uniform(15.0, 20.0, 10_000))))
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: generate_bounded_oracle.py OUTPUT_DIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    n_boundaries = boundaries(out)
    gen = np.random.default_rng(20250101)
    picker = random.Random(5)
    lines = []
    sets = datasets(gen)
    for name, data in sets:
        data = np.ascontiguousarray(data, dtype="<f8")
        assert np.all(np.isfinite(data)) and np.all(data >= 0.0), name
        data.tofile(os.path.join(out, name + ".f64"))
        n = len(data)
        ordered = np.sort(data, kind="stable")
        mean, stddev = stats_oracle.exact_moments(data.tolist())
        lines += [f"dataset {name} {n}", f"exact min {float(ordered[0])!r}", f"exact max {float(ordered[-1])!r}",
                  f"exact mdape {float(stats_oracle.mdape(ordered))!r}", f"close mean {mean!r}", f"close stddev {stddev!r}"]
        for p in stats_oracle.FIXED_PERCENTS + stats_oracle.random_percents(picker, 20):
            lines.append(f"percentile {p} {float(ordered[stats_oracle.rank_index(p, n)])!r}")
    with open(os.path.join(out, "expected.txt"), "w", encoding="ascii") as f:
        f.write("\n".join(lines) + "\n")
    print(f"generate_bounded_oracle: {n_boundaries} boundary records, {len(sets)} data sets in {out}")


if __name__ == "__main__":
    main()
