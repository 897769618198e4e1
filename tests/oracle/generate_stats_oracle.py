#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the data sets and the expected statistics for gputime_stats_oracle.

Usage: generate_stats_oracle.py OUTPUT_DIR

For every data set, OUTPUT_DIR/<name>.f64 holds the samples (float64, little-endian, in the
order they are added) and OUTPUT_DIR/expected.txt the expectations, one record per line:

    dataset <name> <n>
    exact <statistic> <value>       min, max, mdape: must match bit for bit
    close <statistic> <value>       mean, stddev: within 1e-12 relative (0 must be 0)
    percentile <p as written> <value>

The expectations do not use gputime's code: order statistics come from numpy's sort and a rank
computed in exact rationals from the decimal text of p, ceil(p/100 * n) (0 -> the minimum);
mean and stddev from the samples as exact rationals (each float64 is an integer times a
power of two), rounded once at the end.
"""
import math
import os
import random
import sys
from fractions import Fraction

try:
    import numpy as np
except ImportError:
    sys.exit(
        f"generate_stats_oracle.py: numpy is missing for {sys.executable}; install it "
        "(Debian: apt-get install python3-numpy) or point GPUTIME_ORACLE_PYTHON at a Python 3 with numpy"
    )

FIXED_PERCENTS = [
    "0", "0.001", "0.01", "0.1", "0.5", "1", "5", "10", "12.345678", "25", "33.333333", "50",
    "66.666667", "75", "90", "95", "99", "99.5", "99.9", "99.99", "99.999", "99.9999", "100",
]


def rank_index(p_text, n):
    """Index of the nearest-rank percentile p (given as decimal text) among n sorted values."""
    rank = math.ceil(Fraction(p_text) * n / 100)
    return 0 if rank <= 1 else min(rank, n) - 1


def random_percents(rng, count):
    """Random decimals in [0, 100] with 0 to 6 digits after the point."""
    out = []
    for _ in range(count):
        digits = rng.randint(0, 6)
        value = rng.randint(0, 100 * 10**digits)
        text = str(Fraction(value, 10**digits)) if digits == 0 else f"{value // 10**digits}.{value % 10**digits:0{digits}d}"
        out.append(text)
    # four decimals: p * 10^6 / 100 is whole, the rank boundary itself, for n = 10^6
    for _ in range(count // 2):
        value = rng.randint(0, 100 * 10**4)
        out.append(f"{value // 10**4}.{value % 10**4:04d}")
    return out


def exact_moments(values):
    """(mean, stddev) of float64 values, each computed exactly and rounded once."""
    n = len(values)
    ratios = [v.as_integer_ratio() for v in values]
    shift = max(d.bit_length() - 1 for _, d in ratios)  # every denominator is a power of two
    scaled = [num << (shift - (den.bit_length() - 1)) for num, den in ratios]
    s1 = sum(scaled)
    s2 = sum(k * k for k in scaled)
    mean = Fraction(s1, n << shift)
    if n < 2:
        return float(mean), 0.0
    var = Fraction(n * s2 - s1 * s1, (n * (n - 1)) << (2 * shift))
    return float(mean), math.sqrt(float(var))


def mdape(sorted_values):
    n = len(sorted_values)
    middle = rank_index("50", n)
    median = sorted_values[middle]
    x = sorted_values
    with np.errstate(divide="ignore", invalid="ignore"):
        errors = np.abs(x - median) / x
    errors = np.where(x == 0.0, 0.0 if median == 0.0 else np.inf, errors)
    return np.sort(errors, kind="stable")[middle]


def datasets(gen):
    """(name, float64 array) pairs; fixed generator state, so every run writes the same files."""
    out = []
    for n in (1, 2, 3, 7, 100, 1000, 12345):
        out.append((f"uniform_{n}", gen.uniform(1e3, 1e6, n)))
    out.append(("uniform_1000000", gen.uniform(1e5, 2e5, 1_000_000)))
    out.append(("pareto_12345", 1e4 * (1.0 + gen.pareto(1.2, 12345))))
    out.append(("pareto_100000", 1e4 * (1.0 + gen.pareto(0.8, 100_000))))
    out.append(("lognormal_1000000", gen.lognormal(13.0, 1.5, 1_000_000)))
    out.append(("ties_zero_1000", gen.choice(np.array([0.0, 1.0, 2.0, 3.0, 5.0]), 1000)))
    out.append(("ties_12345", gen.choice(np.array([1000.0, 1001.0, 1002.0, 1500.0, 4000.0]), 12345)))
    out.append(("ties_all_equal_100", np.full(100, 7.5)))
    bimodal = np.where(gen.random(100_000) < 0.7, gen.normal(1e6, 1e4, 100_000), gen.normal(5e6, 1e5, 100_000))
    out.append(("bimodal_100000", bimodal))
    out.append(("offset_1e12_fractions_4", np.array([1e12 + 0.25, 1e12 + 0.5, 1e12 + 1.0, 1e12 + 3.0])))
    out.append(("offset_1e12_1000", 1e12 + gen.uniform(0.0, 4.0, 1000)))
    out.append(("offset_1e12_100000", 1e12 + gen.uniform(0.0, 1e3, 100_000)))
    out.append(("offset_1e15_12345", 1e15 + gen.integers(0, 64, 12345) * 0.125))
    out.append(("whole_ns_2e40_1000", np.floor(2.0**40 + gen.uniform(0.0, 1e6, 1000))))
    out.append(("ramp_1_99999", np.arange(1.0, 100_000.0)))
    ramp = np.arange(1.0, 1_000_000.0)
    gen.shuffle(ramp)
    out.append(("ramp_1_999999_shuffled", ramp))
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: generate_stats_oracle.py OUTPUT_DIR")
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    gen = np.random.default_rng(20240607)
    picker = random.Random(7)
    lines = []
    checks = 0
    sets = datasets(gen)
    for name, data in sets:
        data = np.ascontiguousarray(data, dtype="<f8")
        assert np.all(np.isfinite(data)) and np.all(data >= 0.0), name
        data.tofile(os.path.join(out_dir, name + ".f64"))
        n = len(data)
        ordered = np.sort(data, kind="stable")
        values = data.tolist()
        mean, stddev = exact_moments(values)
        lines.append(f"dataset {name} {n}")
        lines.append(f"exact min {float(ordered[0])!r}")
        lines.append(f"exact max {float(ordered[-1])!r}")
        lines.append(f"exact mdape {float(mdape(ordered))!r}")
        lines.append(f"close mean {mean!r}")
        lines.append(f"close stddev {stddev!r}")
        checks += 5
        for p in FIXED_PERCENTS + random_percents(picker, 20):
            lines.append(f"percentile {p} {float(ordered[rank_index(p, n)])!r}")
            checks += 1
    with open(os.path.join(out_dir, "expected.txt"), "w", encoding="ascii") as f:
        f.write("\n".join(lines) + "\n")
    print(f"generate_stats_oracle: {len(sets)} data sets, {checks} expectations in {out_dir}")


if __name__ == "__main__":
    main()
