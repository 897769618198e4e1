#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scripts/test.sh - THE test command of gputime:   bash scripts/test.sh [CONFIG...]
#
# Builds and tests every configuration the CI runs, each in its own directory under build/:
#   gcc-catch2    g++, Catch2, Release, -Werror: tests, CUDA tests, nvcc tests, header check,
#                 examples (+ smoke tests), benches (built, not run), consumer projects
#   clang-doctest clang++, doctest, Debug, -Werror: tests, CUDA/nvcc tests, header check
#   gcc-asan      g++, Catch2, Debug, ASan+UBSan, -Werror: tests, CUDA tests
#   gcc-tsan      g++, Catch2, Debug, ThreadSanitizer, -Werror: tests, CUDA tests (no nvcc)
# CONFIG picks some of them (default: all four). Nothing CUDA needs a GPU: CUDA tests detect
# that there is none and skip. Missing Debian packages are installed first (as root, or with
# password-less sudo; the list is in scripts/ensure_packages.sh). Exits non-zero if any
# configuration fails; all of them run regardless. Once past the package step, the last line is
#   tests: N passed, N failed, N skipped
# counting every ctest test of every configuration (CI reads it).
#
# Environment: GPUTIME_JOBS (default 2) parallel jobs for the build and for ctest;
#              GPUTIME_CMAKE_ARGS extra arguments for every configure step;
#              GPUTIME_BUILD_ROOT (default build) where the build directories go.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
readonly root="$PWD"
readonly jobs="${GPUTIME_JOBS:-2}"
readonly build_root="${GPUTIME_BUILD_ROOT:-build}"
readonly start_all=$(date +%s)
# UBSan stops at the first error (-fno-sanitize-recover=all); this makes it print the stack.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"

if [ -t 1 ]; then
    log() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
    log() { printf '\n== %s\n' "$*"; }
fi

# --- packages -----------------------------------------------------------------------------
# shellcheck source=scripts/ensure_packages.sh
. "$root/scripts/ensure_packages.sh"

read -r -a extra_args <<<"${GPUTIME_CMAKE_ARGS:-}"

# --- configurations ----------------------------------------------------------------------
declare -A config_args
config_args[gcc-catch2]="-DCMAKE_CXX_COMPILER=g++ -DCMAKE_BUILD_TYPE=Release
    -DGPUTIME_TEST_FRAMEWORK=Catch2 -DGPUTIME_WARNINGS_AS_ERRORS=ON
    -DGPUTIME_BUILD_TESTS=ON -DGPUTIME_BUILD_EXAMPLES=ON -DGPUTIME_BUILD_BENCH=ON
    -DGPUTIME_HEADER_CHECK=ON -DGPUTIME_CONSUMER_TESTS=ON -DGPUTIME_INSTALL=ON -DGPUTIME_SANITIZE=OFF"
config_args[clang-doctest]="-DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug
    -DGPUTIME_TEST_FRAMEWORK=doctest -DGPUTIME_WARNINGS_AS_ERRORS=ON
    -DGPUTIME_BUILD_TESTS=ON -DGPUTIME_BUILD_EXAMPLES=OFF -DGPUTIME_BUILD_BENCH=OFF
    -DGPUTIME_HEADER_CHECK=ON -DGPUTIME_CONSUMER_TESTS=OFF -DGPUTIME_SANITIZE=OFF"
config_args[gcc-asan]="-DCMAKE_CXX_COMPILER=g++ -DCMAKE_BUILD_TYPE=Debug
    -DGPUTIME_TEST_FRAMEWORK=Catch2 -DGPUTIME_WARNINGS_AS_ERRORS=ON
    -DGPUTIME_BUILD_TESTS=ON -DGPUTIME_BUILD_EXAMPLES=OFF -DGPUTIME_BUILD_BENCH=OFF
    -DGPUTIME_HEADER_CHECK=OFF -DGPUTIME_CONSUMER_TESTS=OFF -DGPUTIME_SANITIZE=address,undefined"
# Every test under ThreadSanitizer (TSAN_OPTIONS from GPUTIME_TEST_ENVIRONMENT: the first race
# fails the test). Host-compiled tests only: nvcc's kernels add nothing TSan can check here.
config_args[gcc-tsan]="-DCMAKE_CXX_COMPILER=g++ -DCMAKE_BUILD_TYPE=Debug
    -DGPUTIME_TEST_FRAMEWORK=Catch2 -DGPUTIME_WARNINGS_AS_ERRORS=ON -DGPUTIME_NVCC=OFF
    -DGPUTIME_BUILD_TESTS=ON -DGPUTIME_BUILD_EXAMPLES=OFF -DGPUTIME_BUILD_BENCH=OFF
    -DGPUTIME_HEADER_CHECK=OFF -DGPUTIME_CONSUMER_TESTS=OFF -DGPUTIME_SANITIZE=thread"
all_configs=(gcc-catch2 clang-doctest gcc-asan gcc-tsan)

configs=("$@")
[ ${#configs[@]} -eq 0 ] && configs=("${all_configs[@]}")
for c in "${configs[@]}"; do
    if [ -z "${config_args[$c]+set}" ]; then
        echo "test.sh: unknown configuration '$c' (known: ${all_configs[*]})" >&2
        exit 2
    fi
done

ensure_packages "${gputime_test_packages[@]}"

# Ninja (installed just above, so look only now); keep going after a failed step, so one run
# shows every error.
generator=() keep_going=(-- -k)
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja) keep_going=(-- -k 0); fi

declare -A result seconds
total_passed=0 total_failed=0 total_skipped=0
# Adds one configuration's ctest counts (from its JUnit report) to the totals.
count_tests() {
    local report="$1/ctest-junit.xml" line tests failures skipped
    [ -f "$report" ] || return 0
    # ctest writes the <testsuite ...> attributes one per line
    line=$(sed -n '/<testsuite/,/>/p' "$report" | tr '\n\t' '  ')
    tests=$(sed -n 's/.* tests="\([0-9]*\)".*/\1/p' <<<"$line")
    failures=$(sed -n 's/.* failures="\([0-9]*\)".*/\1/p' <<<"$line")
    skipped=$(sed -n 's/.* skipped="\([0-9]*\)".*/\1/p' <<<"$line")
    total_failed=$(( total_failed + ${failures:-0} ))
    total_skipped=$(( total_skipped + ${skipped:-0} ))
    total_passed=$(( total_passed + ${tests:-0} - ${failures:-0} - ${skipped:-0} ))
}
run_config() {
    local name="$1" dir="$build_root/$1" t0 step
    local -a args
    read -r -d '' -a args <<<"${config_args[$1]}" || true
    t0=$(date +%s)
    log "[$name] configure: ${args[*]} ${extra_args[*]}"
    step=configure
    if cmake -S . -B "$dir" "${generator[@]}" "${args[@]}" "${extra_args[@]}"; then
        log "[$name] build (-j$jobs)"
        step=build
        if cmake --build "$dir" --parallel "$jobs" "${keep_going[@]}"; then
            log "[$name] ctest (-j$jobs)"
            step=ctest
            if ctest --test-dir "$dir" --output-on-failure --parallel "$jobs" --no-tests=error \
                --output-junit ctest-junit.xml; then
                step=""
            fi
        fi
    fi
    [ "$step" = configure ] || [ "$step" = build ] || count_tests "$dir"
    seconds[$name]=$(( $(date +%s) - t0 ))
    if [ -z "$step" ]; then result[$name]="PASS"; else result[$name]="FAIL ($step)"; fi
    log "[$name] ${result[$name]} in ${seconds[$name]} s"
}

for c in "${configs[@]}"; do
    run_config "$c"
done

# --- summary -----------------------------------------------------------------------------
status=0
log "summary"
for c in "${configs[@]}"; do
    printf '%-14s %-16s %5d s   %s/%s\n' "$c" "${result[$c]}" "${seconds[$c]}" "$build_root" "$c"
    [ "${result[$c]}" = "PASS" ] || status=1
done
printf 'total wall time: %d s\n' $(( $(date +%s) - start_all ))
if [ $status -eq 0 ]; then echo "test.sh: all configurations passed"; else echo "test.sh: FAILED"; fi
# The runner-independent closing line: every ctest test of every configuration.
printf 'tests: %d passed, %d failed, %d skipped\n' "$total_passed" "$total_failed" "$total_skipped"
exit $status
