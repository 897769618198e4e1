#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scripts/tidy.sh - clang-tidy (.clang-tidy's checks) over the translation unit that includes the
# whole public API, with a CMake build's compile database; fails on any finding.
#   bash scripts/tidy.sh BUILD_DIR [SOURCE...]   (default SOURCE: tests/habits/tidy_api.cpp)
# BUILD_DIR is a configured test build (GPUTIME_BUILD_TESTS=ON): its compile_commands.json has
# the command of gputime_tidy_api. The ctest `tidy` runs this. CLANG_TIDY names the binary
# (default clang-tidy; Debian: apt-get install clang-tidy); without it this exits 77, which
# the ctest reports as skipped, with the reason.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: bash scripts/tidy.sh BUILD_DIR [SOURCE...]" >&2; exit 2; }
build=$(cd "$1" && pwd)
shift
cd "$(dirname "${BASH_SOURCE[0]}")/.."
sources=("$@")
[ ${#sources[@]} -gt 0 ] || sources=(tests/habits/tidy_api.cpp)

clang_tidy="${CLANG_TIDY:-clang-tidy}"
if ! command -v "$clang_tidy" >/dev/null 2>&1; then
    echo "tidy: skipped: $clang_tidy not found (Debian: apt-get install clang-tidy)"
    exit 77
fi
if [ ! -f "$build/compile_commands.json" ]; then
    echo "tidy: $build/compile_commands.json is missing: configure a test build (GPUTIME_BUILD_TESTS=ON) first" >&2
    exit 1
fi

status=0
for source in "${sources[@]}"; do
    echo "tidy: $source"
    "$clang_tidy" --quiet -p "$build" "$source" || status=1
done
if [ $status -ne 0 ]; then
    echo "tidy: findings above (.clang-tidy lists the checks; fix the code, or turn a check off there with its reason)"
else
    echo "tidy: no findings in ${#sources[@]} translation unit(s)"
fi
exit $status
