#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scripts/demo.sh - THE demo command of gputime:   bash scripts/demo.sh [demo arguments...]
#
# Installs what the demo needs when missing (Debian, as root or with password-less sudo),
# configures a Release build of the examples only (no tests) in build/demo, builds the `demo`
# program and runs it with the given arguments (e.g. --quick; --help lists them all, see
# docs/run_options.md). The demo times a VGG-style network on the CPU with oneDNN, and on the
# GPU with cuBLAS when the CUDA toolkit is installed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
readonly jobs="${GPUTIME_JOBS:-2}"
readonly dir=build/demo

# shellcheck source=scripts/ensure_packages.sh
. scripts/ensure_packages.sh
ensure_packages "${gputime_demo_packages[@]}"

generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi

# The demo is host code (it links cudart/cuBLAS, no kernels): no nvcc needed, and no -Werror,
# so a newer compiler's new warning cannot stop a demo (scripts/test.sh is the strict build).
echo "== configuring $dir" >&2
mkdir -p "$dir"
cmake -S . -B "$dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DGPUTIME_BUILD_TESTS=OFF -DGPUTIME_BUILD_EXAMPLES=ON -DGPUTIME_BUILD_BENCH=OFF \
    -DGPUTIME_NVCC=OFF -DGPUTIME_WARNINGS_AS_ERRORS=OFF -DGPUTIME_INSTALL=OFF 2>&1 \
    | tee "$dir/configure.log" >&2
# A missing prerequisite of oneDNN skips the demo at configure time: say why, not "unknown target".
if grep -q 'gputime examples: .*demo.*skipped' "$dir/configure.log"; then
    echo "demo.sh: the demo cannot be built here:" >&2
    grep 'gputime examples: ' "$dir/configure.log" | sed 's/^-- /  /' >&2
    exit 1
fi
echo "== building demo" >&2
cmake --build "$dir" --target demo --parallel "$jobs" >&2
echo "== running $dir/examples/demo $*" >&2
exec "$dir/examples/demo" "$@"
