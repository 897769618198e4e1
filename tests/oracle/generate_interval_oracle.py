#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the expected confidence-interval ranks of percentiles, from scipy.stats.binom.

Usage: generate_interval_oracle.py OUTPUT_FILE

One record per line:
    ranks <n> <p> <confidence> <lower> <upper> <coverage> <borderline>
    needed <p> <confidence> <n>
lower is the largest rank l in [0, n] with P(B <= l-1) <= alpha/2, upper the smallest u in
[1, n+1] with P(B >= u) <= alpha/2, B ~ Binomial(n, p/100), alpha = 1 - confidence; 0 and n+1
mean open. borderline is 1 when a tail probability at the chosen rank lies within 1e-9 relative
of alpha/2 (there two correct implementations may round to different ranks).
needed is the smallest n with (1-q)^n <= alpha/2 and q^n <= alpha/2.
"""
import sys

try:
    from scipy.stats import binom
except ImportError:
    sys.exit(
        f"generate_interval_oracle.py: scipy is missing for {sys.executable}; install it "
        "(Debian: apt-get install python3-scipy)"
    )

NS = [1, 2, 3, 5, 7, 10, 20, 50, 99, 100, 101, 200, 367, 368, 369, 500, 1000, 3687, 3688, 10000,
      12345, 100000, 1000000, 10000000]
PS = ["0", "0.1", "1", "5", "10", "25", "50", "75", "90", "95", "99", "99.5", "99.9", "99.99",
      "99.999", "100"]
CONFIDENCES = ["0.5", "0.8", "0.9", "0.95", "0.99", "0.999"]


def cdf(k, n, q):
    return 0.0 if k < 0 else float(binom.cdf(k, n, q))


def sf(k, n, q):  # P(B >= k)
    return 1.0 if k <= 0 else float(binom.sf(k - 1, n, q))


def ranks(n, q, half_alpha):
    lo, hi = 0, n + 1  # lo qualifies, hi does not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if cdf(mid - 1, n, q) <= half_alpha:
            lo = mid
        else:
            hi = mid
    lower = lo
    lo, hi = 0, n + 1  # hi qualifies, lo does not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if sf(mid, n, q) <= half_alpha:
            hi = mid
        else:
            lo = mid
    upper = hi
    miss_low = 0.0 if lower == 0 else cdf(lower - 1, n, q)
    miss_high = 0.0 if upper == n + 1 else sf(upper, n, q)
    # The probabilities that decided each rank: next to alpha/2 means either rank is right.
    border = [cdf(lower - 1, n, q) if lower > 0 else None, cdf(lower, n, q) if lower < n else None,
              sf(upper, n, q) if upper <= n else None, sf(upper - 1, n, q) if upper > 1 else None]
    borderline = any(b is not None and abs(b - half_alpha) <= 1e-9 * half_alpha for b in border)
    return lower, upper, 1.0 - miss_low - miss_high, borderline


def needed(q, half_alpha):
    n = 1
    while (1 - q) ** n > half_alpha or q ** n > half_alpha:
        n += 1
    return n


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    lines = []
    for n in NS:
        for p in PS:
            for c in CONFIDENCES:
                half_alpha = (1.0 - float(c)) / 2.0
                lower, upper, coverage, borderline = ranks(n, float(p) / 100.0, half_alpha)
                lines.append(f"ranks {n} {p} {c} {lower} {upper} {coverage!r} {int(borderline)}")
    for p in PS[1:-1]:
        for c in CONFIDENCES:
            if float(p) >= 99.99 and float(c) >= 0.999:
                continue  # ~10^5 iterations of the plain loop: covered by the others
            lines.append(f"needed {p} {c} {needed(float(p) / 100.0, (1.0 - float(c)) / 2.0)}")
    with open(sys.argv[1], "w") as out:
        out.write("\n".join(lines) + "\n")
    print(f"generate_interval_oracle.py: {len(lines)} records -> {sys.argv[1]}")


if __name__ == "__main__":
    main()
