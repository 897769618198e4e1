#!/usr/bin/env bash
# scripts/test.sh - THE test command of gputime:   bash scripts/test.sh [CONFIG...]
#
# Builds and tests every configuration the CI runs, each in its own directory under build/:
#   gcc-catch2    g++, Catch2, Release, -Werror: tests, CUDA tests, nvcc tests, header check,
#                 examples (+ smoke tests), benches (built, not run), consumer projects
#   clang-doctest clang++, doctest, Debug, -Werror: tests, CUDA/nvcc tests, header check
#   gcc-asan      g++, Catch2, Debug, ASan+UBSan, -Werror: tests, CUDA tests
# CONFIG picks some of them (default: all three). Nothing CUDA needs a GPU: CUDA tests detect
# that there is none and skip. Missing Debian packages are installed first (as root, or with
# password-less sudo). Exits non-zero if any configuration fails; all of them run regardless.
#
# Environment: GPUTIME_JOBS (default 2) parallel jobs for the build and for ctest;
#              GPUTIME_CMAKE_ARGS extra arguments for every configure step.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
readonly root="$PWD"
readonly jobs="${GPUTIME_JOBS:-2}"
readonly start_all=$(date +%s)

if [ -t 1 ]; then
    log() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
    log() { printf '\n== %s\n' "$*"; }
fi

# --- packages -----------------------------------------------------------------------------
# shellcheck source=scripts/ensure_packages.sh
. "$root/scripts/ensure_packages.sh"

# Ninja when there is one; keep going after a failed step, so one run shows every error.
generator=() keep_going=(-- -k)
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja) keep_going=(-- -k 0); fi
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
    -DGPUTIME_HEADER_CHECK=OFF -DGPUTIME_CONSUMER_TESTS=OFF -DGPUTIME_SANITIZE=ON"
all_configs=(gcc-catch2 clang-doctest gcc-asan)

configs=("$@")
[ ${#configs[@]} -eq 0 ] && configs=("${all_configs[@]}")
for c in "${configs[@]}"; do
    if [ -z "${config_args[$c]+set}" ]; then
        echo "test.sh: unknown configuration '$c' (known: ${all_configs[*]})" >&2
        exit 2
    fi
done

ensure_packages cmake ninja-build g++ clang catch2 doctest-dev libbenchmark-dev libdnnl-dev

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
    local name="$1" dir="build/$1" t0 step
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
    printf '%-14s %-16s %5d s   build/%s\n' "$c" "${result[$c]}" "${seconds[$c]}" "$c"
    [ "${result[$c]}" = "PASS" ] || status=1
done
printf 'total wall time: %d s\n' $(( $(date +%s) - start_all ))
if [ $status -eq 0 ]; then echo "test.sh: all configurations passed"; else echo "test.sh: FAILED"; fi
# The runner-independent closing line: every ctest test of every configuration.
printf 'tests: %d passed, %d failed, %d skipped\n' "$total_passed" "$total_failed" "$total_skipped"
exit $status
