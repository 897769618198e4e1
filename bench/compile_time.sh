#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/compile_time.sh - what including gputime costs, against Google Benchmark's one header,
# measured in the same run:   bash bench/compile_time.sh
#
# Compiles three one-line files with `$CXX -std=c++17 -fsyntax-only -O2` (CXX: default g++):
#   benchmark.h  #include <benchmark/benchmark.h>        the baseline (Debian: libbenchmark-dev)
#   core         #include <gputime/host.hpp>             what a host-only program needs: the host
#                                                        clock, ScopedTimer, Stats, WarmupRunner,
#                                                        the text report
#   umbrella     #include <gputime/gputime.hpp>          the whole public API
# Each is compiled RUNS times (default 3), the three interleaved so that a busy machine slows
# them alike; the time is the compiler's CPU time (user + sys: steadier than wall time on a
# shared machine), the best of the runs. Prints a table, then as its last line:
#   compile_time core_vs_benchmark_h <x> umbrella_vs_benchmark_h <x>
# the ratios to benchmark.h (2 decimals). A ratio, never a pass/fail.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
readonly cxx="${CXX:-g++}"
readonly runs="${RUNS:-3}"
readonly flags=(-std=c++17 -fsyntax-only -O2 -Iinclude)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
names=(benchmark_h core umbrella)
printf '#include <benchmark/benchmark.h>\n' >"$work/benchmark_h.cpp"
printf '#include <gputime/host.hpp>\n' >"$work/core.cpp"
printf '#include <gputime/gputime.hpp>\n' >"$work/umbrella.cpp"

for name in "${names[@]}"; do
    if ! "$cxx" "${flags[@]}" "$work/$name.cpp" 2>"$work/$name.err"; then
        head -20 "$work/$name.err" >&2
        echo "compile_time: $name does not compile with $cxx (benchmark.h: apt-get install libbenchmark-dev)" >&2
        exit 1
    fi
done

# CPU seconds (user + sys) of one compile.
cpu_seconds() {
    local TIMEFORMAT='%3U %3S' t
    t=$({ time "$cxx" "${flags[@]}" "$1" >/dev/null 2>&1; } 2>&1)
    awk '{printf "%.3f", $1 + $2}' <<<"$t"
}

declare -A best
for ((i = 0; i < runs; ++i)); do
    for name in "${names[@]}"; do
        t=$(cpu_seconds "$work/$name.cpp")
        if [ -z "${best[$name]:-}" ] || awk -v a="$t" -v b="${best[$name]}" 'BEGIN { exit !(a < b) }'; then
            best[$name]=$t
        fi
    done
done

printf '%-12s %10s %18s\n' "header" "cpu s" "preprocessed lines"
for name in "${names[@]}"; do
    lines=$("$cxx" -std=c++17 -E -Iinclude "$work/$name.cpp" 2>/dev/null | grep -vc '^#' || true)
    printf '%-12s %10s %18s\n' "$name" "${best[$name]}" "$lines"
done
echo "($cxx, -fsyntax-only -O2, best of $runs)"
awk -v b="${best[benchmark_h]}" -v c="${best[core]}" -v u="${best[umbrella]}" \
    'BEGIN { printf "compile_time core_vs_benchmark_h %.2f umbrella_vs_benchmark_h %.2f\n", c / b, u / b }'
