#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scripts/format.sh - formats every tracked C++/CUDA source (.hpp .cpp .cu .cuh) with .clang-format.
#   bash scripts/format.sh            rewrite the files in place
#   bash scripts/format.sh --check    change nothing; list the files that are not formatted and
#                                     exit 1 (the ctest `format` runs this)
# CLANG_FORMAT names the binary (default clang-format; Debian: apt-get install clang-format).
# Without it the check exits 77, which the ctest reports as skipped, with the reason.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
check=0
case "${1:-}" in
    --check) check=1 ;;
    "") ;;
    *) echo "usage: bash scripts/format.sh [--check]" >&2; exit 2 ;;
esac

clang_format="${CLANG_FORMAT:-clang-format}"
if ! command -v "$clang_format" >/dev/null 2>&1; then
    echo "format: skipped: $clang_format not found (Debian: apt-get install clang-format)"
    exit 77
fi

# The tracked sources; outside a git checkout (a release tarball), every source in the tree.
files=()
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    while IFS= read -r -d '' f; do [ -f "$f" ] && files+=("$f"); done \
        < <(git ls-files -z -- '*.hpp' '*.cpp' '*.cu' '*.cuh')
else
    while IFS= read -r -d '' f; do files+=("$f"); done \
        < <(find include tests examples bench tools \( -name '*.hpp' -o -name '*.cpp' -o -name '*.cu' -o -name '*.cuh' \) -print0 | sort -z)
fi
[ ${#files[@]} -gt 0 ] || { echo "format: no sources found" >&2; exit 1; }

if [ $check -eq 0 ]; then
    "$clang_format" -i --style=file "${files[@]}"
    echo "format: ${#files[@]} files formatted with $("$clang_format" --version)"
    exit 0
fi

# One run over every file: --dry-run names each place that would change as FILE:LINE:COL.
report=$("$clang_format" --style=file --dry-run "${files[@]}" 2>&1 >/dev/null) || {
    echo "$report" | head -20
    echo "format: $clang_format failed" >&2
    exit 1
}
unformatted=()
while IFS= read -r f; do [ -n "$f" ] && unformatted+=("$f"); done \
    < <(printf '%s\n' "$report" | sed -n 's/^\(.*\):[0-9]*:[0-9]*: \(warning\|error\): code should be clang-formatted.*/\1/p' | sort -u)
if [ ${#unformatted[@]} -gt 0 ]; then
    printf 'format: not formatted: %s\n' "${unformatted[@]}"
    echo "format: ${#unformatted[@]} of ${#files[@]} files differ from .clang-format ($("$clang_format" --version));" \
        "run: bash scripts/format.sh"
    exit 1
fi
echo "format: ${#files[@]} files formatted as .clang-format says"
