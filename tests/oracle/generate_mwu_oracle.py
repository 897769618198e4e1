#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes samples and the expected Mann-Whitney U / Hodges-Lehmann results for gputime_mwu_oracle.

Usage: generate_mwu_oracle.py OUTPUT_DIR

OUTPUT_DIR/expected.txt holds, one record per line (numbers in Python's shortest round-trip form):

    data <id> <n> <m>                 then two lines: x <n values> and y <m values>
    mwu <id> <call> <method> <U> <p> <auto_agrees>
        call: the method gputime is asked for (automatic, exact, asymptotic); method: the one scipy
        used (exact or asymptotic; gputime's automatic choice must be the same); U and p from
        scipy.stats.mannwhitneyu(x, y, alternative='two-sided', use_continuity=True,
        method=<method>). auto_agrees: 1 when scipy's own method='auto' picks the same method
        (it differs only past gputime's documented limits of the exact distribution).
    hl <id> <scale> <confidence> <exact> <estimate> <lower_rank> <upper_rank> <lower> <upper> <borderline>
        scale raw: on x and y; log: on np.log(x) and np.log(y). estimate: numpy's median of every
        pairwise difference (brute force, np.subtract.outer). The interval's ranks: k = the largest
        rank with P(U <= k-1) <= alpha/2, from the exact null distribution counted with Python
        integers (exact = 1) or from scipy.stats.norm.ppf (k = floor(nm/2 + 0.5 - z sigma),
        sigma^2 = nm(n+m+1)/12); 0 when no rank qualifies (open). lower/upper: the sorted
        differences at those ranks (nan when open). borderline = 1 when the normal-approximation
        bound lies within 1e-9 of a whole number (either rank is then right).

    pair <id> <n>                     then one line: d <n values> (paired differences)
    wsr <id> <call> <method> <T> <p>
        The Wilcoxon signed-rank test of d: scipy.stats.wilcoxon(d, zero_method='wilcox',
        correction=False, alternative='two-sided', method=<method>) with method exact or approx
        (gputime's asymptotic); T = min(W+, W-). call: the method gputime is asked for; with
        automatic, the method gputime must pick (exact for n <= 50 without zeros or ties).
    whl <id> <confidence> <exact> <estimate> <lower_rank> <upper_rank> <lower> <upper> <borderline>
        The Hodges-Lehmann estimate of d's centre: numpy's median of every Walsh average
        (d_i + d_j) / 2, i <= j (brute force); the interval's ranks: k = the largest rank with
        P(W+ <= k-1) <= alpha/2 from the exact null distribution of W+ counted with Python integers
        (exact = 1), or k = floor(N/2 + 0.5 - z sigma), N = n(n+1)/2, sigma^2 = n(n+1)(2n+1)/24;
        lower/upper: the sorted Walsh averages at those ranks.

The expectations use scipy and numpy only, never gputime's code.
"""
import math
import os
import sys
import warnings
from functools import lru_cache

try:
    import numpy as np
    from scipy.stats import mannwhitneyu, norm, wilcoxon
except ImportError as error:
    sys.exit(
        f"generate_mwu_oracle.py: {error.name} is missing for {sys.executable}; install it "
        "(Debian: apt-get install python3-numpy python3-scipy) or point GPUTIME_ORACLE_PYTHON at a "
        "Python 3 with numpy and scipy"
    )

EXACT_MAX_MIN_SIZE = 8          # scipy's method='auto': exact only when min(n, m) <= 8 ...
EXACT_MAX_COUNT = 2**63         # ... and gputime's limits: C(n + m, n) < 2^63
EXACT_MAX_PRODUCT = 10**6       # ... and n * m <= 10^6


def has_ties(x, y):
    pooled = np.concatenate([x, y])
    return len(np.unique(pooled)) != len(pooled)


def gputime_auto_method(x, y):
    n, m = len(x), len(y)
    if (not has_ties(x, y) and min(n, m) <= EXACT_MAX_MIN_SIZE and math.comb(n + m, n) < EXACT_MAX_COUNT
            and n * m <= EXACT_MAX_PRODUCT):
        return "exact"
    return "asymptotic"


def scipy_auto_method(x, y):
    n, m = len(x), len(y)
    if n > 8 and m > 8:
        return "asymptotic"
    return "asymptotic" if has_ties(x, y) else "exact"


def u_counts(n, m):
    """Number of arrangements with U = u, u = 0..nm, with Python integers (exact)."""
    @lru_cache(maxsize=None)
    def f(a, b):
        # U counts for a x's and b y's, as a tuple: f(a, b)[u]
        if a == 0 or b == 0:
            return (1,)
        # the largest value is an x (it beats all b y's: shift by b) or a y
        with_x = f(a - 1, b)
        with_y = f(a, b - 1)
        out = [0] * (a * b + 1)
        for u, c in enumerate(with_x):
            out[u + b] += c
        for u, c in enumerate(with_y):
            out[u] += c
        return tuple(out)
    return f(n, m)


def interval_rank(n, m, confidence, exact):
    """(k, borderline): the Hodges-Lehmann interval's lower rank (0 = open)."""
    half_alpha = (1.0 - confidence) / 2.0
    nm = n * m
    if exact:
        counts = u_counts(n, m)
        total = sum(counts)
        k, cumulative = 0, 0
        for candidate in range(1, nm // 2 + 2):  # P(U <= candidate - 1) <= alpha/2 ?
            cumulative += counts[candidate - 1]
            if cumulative / total <= half_alpha:
                k = candidate
            else:
                break
        return k, False
    z = norm.ppf(1.0 - half_alpha)
    sigma = math.sqrt(nm * (n + m + 1) / 12.0)
    bound = nm / 2.0 + 0.5 - z * sigma
    borderline = abs(bound - round(bound)) <= 1e-9 * max(1.0, abs(bound))
    k = math.floor(bound)
    return (k if k >= 1 else 0), borderline


def fmt(v):
    return repr(float(v))


def signed_rank_counts(n):
    """Number of sign patterns with W+ = w, w = 0..n(n+1)/2, with Python integers (exact)."""
    counts = [1]
    for i in range(1, n + 1):
        grown = counts + [0] * i
        for w, c in enumerate(counts):
            grown[w + i] += c
        counts = grown
    return counts


def walsh_interval_rank(n, confidence, exact):
    """(k, borderline): the one-sample Hodges-Lehmann interval's lower rank (0 = open)."""
    half_alpha = (1.0 - confidence) / 2.0
    total_pairs = n * (n + 1) // 2
    if exact:
        counts = signed_rank_counts(n)
        total = sum(counts)
        k, cumulative = 0, 0
        for candidate in range(1, total_pairs // 2 + 2):
            cumulative += counts[candidate - 1]
            if cumulative / total <= half_alpha:
                k = candidate
            else:
                break
        return k, False
    z = norm.ppf(1.0 - half_alpha)
    sigma = math.sqrt(n * (n + 1) * (2 * n + 1) / 24.0)
    bound = total_pairs / 2.0 + 0.5 - z * sigma
    borderline = abs(bound - round(bound)) <= 1e-9 * max(1.0, abs(bound))
    k = math.floor(bound)
    return (k if k >= 1 else 0), borderline


def signed_rank_records(lines, rng, first_id):
    """Paired data sets and their wsr / whl records; returns (data sets, wsr, whl) counts."""
    sets = []
    for n in (1, 2, 3, 5, 8, 10, 20, 33, 50, 51, 63, 100, 300, 2000):
        for shift in (0.0, 0.3, 1.5):
            sets.append(rng.normal(shift, 1.0, size=n))
    for n in (5, 20, 50, 200, 3000):  # ties and zeros: whole numbers
        for levels in (3, 7):
            sets.append(rng.integers(-levels // 2, levels - levels // 2, size=n).astype(float))
    sets.append(rng.integers(1, 4, size=30).astype(float))  # ties, no zero, n <= 50: scipy's auto differs
    sets.append(np.zeros(12))                              # every difference zero
    sets.append(np.array([0.0, 0.0, 1.5, -0.5, 2.0]))
    sets.append(np.log(np.exp(rng.normal(0.0, 0.1, size=400) + 0.01)))  # log ratios of durations
    wsr_records = whl_records = 0
    warnings.simplefilter("ignore", UserWarning)  # scipy: "Sample size too small for normal approximation."
    for offset, d in enumerate(sets):
        index = first_id + offset
        n = len(d)
        lines.append(f"pair {index} {n}")
        lines.append("d " + " ".join(fmt(v) for v in d))
        nonzero = d[d != 0]
        has_zero = len(nonzero) != n
        tied = len(np.unique(np.abs(nonzero))) != len(nonzero)
        auto = "exact" if (len(nonzero) <= 50 and not has_zero and not tied and len(nonzero) > 0) else "approx"
        calls = [("automatic", auto), ("asymptotic", "approx")]
        if auto == "exact":
            calls.append(("exact", "exact"))
        for call, used in calls:
            if len(nonzero) == 0:
                lines.append(f"wsr {index} {call} {used} 0.0 1.0")  # no evidence: p = 1 (scipy refuses)
            else:
                result = wilcoxon(d, zero_method="wilcox", correction=False, alternative="two-sided", method=used)
                lines.append(f"wsr {index} {call} {used} {fmt(result.statistic)} {fmt(result.pvalue)}")
            wsr_records += 1
        i, j = np.triu_indices(n)
        walsh = np.sort((d[i] + d[j]) / 2.0)
        estimate = np.median(walsh)
        for confidence in (0.9, 0.95, 0.99):
            modes = [False] + ([True] if n <= 63 else [])
            for exact in modes:
                k, borderline = walsh_interval_rank(n, confidence, exact)
                if k >= 1:
                    lower, upper = walsh[k - 1], walsh[len(walsh) - k]
                    upper_rank = len(walsh) + 1 - k
                else:
                    lower = upper = float("nan")
                    upper_rank = 0
                lines.append(f"whl {index} {confidence} {int(exact)} {fmt(estimate)} {k} {upper_rank} "
                             f"{fmt(lower)} {fmt(upper)} {int(borderline)}")
                whl_records += 1
    return len(sets), wsr_records, whl_records


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(20240911)
    lines = []
    cases = []  # (x, y, calls to check)

    def continuous(n, shift=0.0):
        return np.exp(rng.normal(0.0, 0.05, size=n) + shift) * 1e6  # lognormal "durations" in ns

    def ties(n, levels, shift=0):
        return rng.integers(0, levels, size=n).astype(float) * 500.0 + 1e6 + shift * 500.0

    # Small samples without ties: exact (scipy's auto choice as well).
    for n, m in [(1, 1), (1, 5), (2, 2), (3, 3), (5, 4), (4, 7), (8, 8), (8, 20), (3, 40), (8, 100), (8, 300),
                 (2, 1000), (6, 6)]:
        for shift in (0.0, 0.05, 0.3):
            cases.append((continuous(n), continuous(m, shift)))
    # Moderate samples without ties: asymptotic under auto; exact when asked (n, m <= 33).
    for n, m in [(9, 9), (10, 12), (20, 20), (15, 20), (30, 30), (33, 33)]:
        for shift in (0.0, 0.02, 0.2):
            cases.append((continuous(n), continuous(m, shift), ["exact"]))
    # Completely separated samples: the smallest exact p there is, 2 / C(n + m, n).
    for n, m in [(5, 5), (8, 8), (20, 20), (33, 33)]:
        cases.append((np.arange(n, dtype=float) + 100.0, np.arange(m, dtype=float), ["exact"]))
    # Ties: the normal approximation with the tie correction.
    for n, m in [(1, 3), (3, 3), (5, 8), (8, 8), (20, 30), (100, 100), (300, 300), (1000, 700), (5000, 5000)]:
        for levels in (2, 5, 50):
            for shift in (0, 1):
                cases.append((ties(n, levels), ties(m, levels, shift)))
    # Large samples without ties; and huge ones (selection only: no brute-force HL).
    for n, m in [(100, 100), (300, 300), (2000, 1500), (20000, 20000)]:
        for shift in (0.0, 0.01):
            cases.append((continuous(n), continuous(m, shift)))
    # Edge cases: every value equal (p = 1), one value against many, a constant shift.
    cases.append((np.full(10, 7.0), np.full(12, 7.0)))
    cases.append((np.array([5.0]), np.arange(50, dtype=float)))
    cases.append((np.arange(40, dtype=float) * 3.0 + 1.0, np.arange(40, dtype=float) * 3.0))

    mwu_records = hl_records = 0
    for index, case in enumerate(cases):
        x, y = case[0], case[1]
        extra_calls = case[2] if len(case) > 2 else []
        n, m = len(x), len(y)
        lines.append(f"data {index} {n} {m}")
        lines.append("x " + " ".join(fmt(v) for v in x))
        lines.append("y " + " ".join(fmt(v) for v in y))
        method = gputime_auto_method(x, y)
        agrees = int(method == scipy_auto_method(x, y))
        calls = [("automatic", method)]
        if method == "exact":
            calls.append(("exact", "exact"))
        calls.append(("asymptotic", "asymptotic"))
        for call in extra_calls:
            calls.append((call, call))
        for call, used in calls:
            result = mannwhitneyu(x, y, use_continuity=True, alternative="two-sided", method=used)
            lines.append(f"mwu {index} {call} {used} {fmt(result.statistic)} {fmt(result.pvalue)} {agrees}")
            mwu_records += 1
        if n * m > 4_000_000:
            continue  # brute force would need more than 4e6 differences
        for scale in ("raw", "log"):
            if scale == "log" and (np.min(x) <= 0 or np.min(y) <= 0):
                continue
            a, b = (x, y) if scale == "raw" else (np.log(x), np.log(y))
            differences = np.sort(np.subtract.outer(a, b).ravel())
            estimate = np.median(differences)
            for confidence in (0.9, 0.95, 0.99):
                modes = [False]
                if math.comb(n + m, n) < EXACT_MAX_COUNT and n * m <= 1200 and not has_ties(x, y):
                    modes.append(True)
                for exact in modes:
                    k, borderline = interval_rank(n, m, confidence, exact)
                    if k >= 1:
                        lower, upper = differences[k - 1], differences[n * m - k]
                        upper_rank = n * m + 1 - k
                    else:
                        lower = upper = float("nan")
                        upper_rank = 0
                    lines.append(f"hl {index} {scale} {confidence} {int(exact)} {fmt(estimate)} {k} {upper_rank} "
                                 f"{fmt(lower)} {fmt(upper)} {int(borderline)}")
                    hl_records += 1

    pairs, wsr_records, whl_records = signed_rank_records(lines, rng, len(cases))

    with open(os.path.join(out_dir, "expected.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"generate_mwu_oracle.py: {len(cases)} data sets, {mwu_records} mwu and {hl_records} hl records, "
          f"{pairs} paired data sets, {wsr_records} wsr and {whl_records} whl records "
          f"in {os.path.join(out_dir, 'expected.txt')}")


if __name__ == "__main__":
    main()
