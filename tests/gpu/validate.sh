#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/gpu/validate.sh - validate gputime on a REAL GPU:   bash tests/gpu/validate.sh [--no-suites]
#
# What it does
#   1. builds tests/gpu/validate_gpu.cu with nvcc (CMake; tests/gpu/CMakeLists.txt uses gputime
#      through add_subdirectory), for the GPU's own architecture when one is visible, else sm_90;
#   2. builds the main project's nvcc tests (tests/cuda/*.cu) and the example mock_kernel_test
#      with its real-GPU adapter (skip with --no-suites);
#   3. without a usable GPU: prints "SKIPPED: no GPU (...)", writes {"skipped": true, ...} to the
#      results file and exits 0 (the builds still count);
#   4. with one: reads the clocks (nvidia-smi, read-only), runs validate_gpu with the tolerances
#      below (its checks are listed at the top of validate_gpu.cu: gate, L2 flush, telemetry,
#      first call LAZY vs EAGER in child processes, a faulting kernel in a child, LayerProfiler,
#      throughput mode and max_pending overflow, the default stream, every device...), checks the
#      NVTX ranges with Nsight Systems when nsys is installed, runs the suites, reads the clocks
#      again, prints "N passed, M failed".
# Results: validate_gpu writes every check, its numbers, the device and the telemetry as JSON to
# $GPUTIME_GPU_BUILD_DIR/validate_gpu.json (format: the top of validate_gpu.cu).
# It changes NO GPU setting: no clock locking (nvidia-smi -lgc/-ac), no persistence mode, no
# reset, no power limit. Results therefore reflect the GPU as configured; the clock readouts
# before and after say what that was.
#
# Environment: CUDA_ARCH (e.g. 80, 90, native; default native with a GPU, else 90),
#              GPUTIME_JOBS (build jobs, default 2), GPUTIME_GPU_BUILD_DIR (default build/gpu-validate).
# Exit status: 0 all passed (or no GPU), 1 a check or a build failed, 2 bad usage.
set -uo pipefail

# --- tolerances: the pass/fail rules of the checks (validate_gpu.cu says how each is measured) ---
# A 100 us %globaltimer spin, timed with events while the gate (gputime::CudaGate) holds the stream
# (so launch latency is hidden), minus the median of 0 ns spins timed the same way (the kernel
# start/retire cost every event pair around a kernel contains): within 2% of 100 us.
SPIN_TOLERANCE=0.02
# WarmupRunner in latency mode starts each call on an idle stream, so a call is the spin plus the
# host's launch latency plus the kernel overhead: p50 in [100 us, 100 us + 50 us].
LATENCY_SLACK_US=50
# JoinStreams: main 100 us + side 300 us spins; joined p50 in [300 us, 300 us + 50 us];
# the same scope without the join must read below 200 us (it misses the side kernel).
JOIN_SLACK_US=50
# A host clock around an un-synchronised 1 ms spin must read below 0.5 x 1 ms.
HOST_FRACTION=0.5
# Samples per distribution (spin and 0 ns spin). Any number works: the gate that hides the launch
# latency holds the stream for as long as the host needs to enqueue them.
SAMPLES=101
# First call, in fresh child processes: with CUDA_MODULE_LOADING=LAZY the first launch of a kernel
# loads its module, so the first call must cost at least this much more than the steady p50; with
# EAGER (modules loaded with the context) the overhead must be lower than with LAZY.
FIRST_CALL_MIN_US=20
# L2 flush: a read of a quarter of the L2, cold (gputime::L2Flush before each call) against hot
# (back to back): cold p50 >= this x hot p50. 1.0: cold must not be faster. The event-pool check is
# exact: 0 events created by a second run on the same clock.
L2_MIN_RATIO=1.0

run_suites=1
for arg in "$@"; do
    case "$arg" in
        --no-suites) run_suites=0 ;;
        -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
        *) echo "validate.sh: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
    esac
done

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 2
root="$PWD"
build="${GPUTIME_GPU_BUILD_DIR:-$root/build/gpu-validate}"
jobs="${GPUTIME_JOBS:-2}"
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
log() { printf '\n== %s\n' "$*"; }
summary() {
    log "summary"
    echo "$passed passed, $failed failed"
}

# --- tools ----------------------------------------------------------------------------------------
if ! command -v nvcc >/dev/null 2>&1 && [ -x /usr/local/cuda/bin/nvcc ]; then
    export PATH="/usr/local/cuda/bin:$PATH"
fi
for tool in nvcc cmake; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "validate.sh: $tool not found (the CUDA toolkit's nvcc and CMake >= 3.24 are needed)" >&2
        exit 1
    fi
done
generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)

have_smi=0
gpu_visible=0
if command -v nvidia-smi >/dev/null 2>&1; then
    have_smi=1
    nvidia-smi -L >/dev/null 2>&1 && gpu_visible=1
fi
arch="${CUDA_ARCH:-}"
if [ -z "$arch" ]; then
    if [ "$gpu_visible" = 1 ]; then arch=native; else arch=90; fi
fi

# Read-only clock readout: the query names only; nothing is set.
read_clocks() {
    [ "$have_smi" = 1 ] || { echo "(nvidia-smi not available: no clock readout)"; return 0; }
    nvidia-smi --query-gpu=index,name,pstate,clocks.sm,clocks.max.sm,clocks.mem,temperature.gpu,power.draw \
        --format=csv 2>/dev/null || nvidia-smi -q -d CLOCK 2>/dev/null || echo "(nvidia-smi could not read the clocks)"
}

mkdir -p "$build" || exit 1

# --- 1. the validation program ----------------------------------------------------------------------
log "building tests/gpu/validate_gpu.cu with $(command -v nvcc) for CUDA architecture $arch"
validator_build="$build/validator"
if cmake -S "$root/tests/gpu" -B "$validator_build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_CUDA_COMPILER="$(command -v nvcc)" -DCMAKE_CUDA_ARCHITECTURES="$arch" \
        >"$build/validator-configure.log" 2>&1 \
    && cmake --build "$validator_build" --parallel "$jobs"; then
    pass "build validate_gpu"
else
    sed -n '1,200p' "$build/validator-configure.log" 2>/dev/null
    fail "build validate_gpu"
fi

# --- 2. the main project's nvcc tests and the mock-kernel example ---------------------------------------
suite_targets=()
suite_build="$build/suites"
if [ "$run_suites" = 1 ]; then
    log "building the nvcc tests and examples/mock_kernel_test (real-GPU adapter) in $suite_build"
    if cmake -S "$root" -B "$suite_build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
            -DCMAKE_CUDA_COMPILER="$(command -v nvcc)" -DCMAKE_CUDA_ARCHITECTURES="$arch" \
            -DGPUTIME_CUDA=ON -DGPUTIME_NVCC=ON -DGPUTIME_BUILD_TESTS=ON -DGPUTIME_BUILD_EXAMPLES=ON \
            -DGPUTIME_BUILD_BENCH=OFF -DGPUTIME_HEADER_CHECK=OFF -DGPUTIME_CONSUMER_TESTS=OFF \
            -DGPUTIME_INSTALL=OFF >"$build/suites-configure.log" 2>&1; then
        targets_list="$(cmake --build "$suite_build" --target help 2>/dev/null)"
        for target in gputime_nvcc_tests gputime_cuda_tests mock_kernel_test; do
            if grep -Eq "(^|[ .])$target(:| |$)" <<<"$targets_list"; then
                if cmake --build "$suite_build" --parallel "$jobs" --target "$target"; then
                    pass "build $target"
                    suite_targets+=("$target")
                else
                    fail "build $target"
                fi
            fi
        done
    else
        tail -40 "$build/suites-configure.log"
        fail "configure the main project with nvcc"
    fi
fi

validator="$validator_build/validate_gpu"
results="$build/validate_gpu.json"
if [ ! -x "$validator" ]; then
    summary
    exit 1
fi

# --- 3. is there a GPU to run on? -----------------------------------------------------------------------
log "looking for a usable GPU"
probe_output="$("$validator" --probe --json "$results" 2>&1)"
probe_status=$?
echo "$probe_output"
if [ "$probe_status" = 77 ]; then
    # validate_gpu --probe only asks cudaGetDeviceCount; 77 = no usable device.
    echo "SKIPPED: no GPU; validate_gpu and the suites were built but not run (results: $results)."
    summary
    [ "$failed" = 0 ] && exit 0 || exit 1
elif [ "$probe_status" != 0 ]; then
    fail "validate_gpu --probe exited with status $probe_status"
    summary
    exit 1
fi

# --- 4. run ----------------------------------------------------------------------------------------------
log "GPU clocks before (read-only)"
read_clocks

log "validate_gpu (CUDA_MODULE_LOADING=LAZY)"
validator_output="$(CUDA_MODULE_LOADING=LAZY "$validator" --spin-tolerance "$SPIN_TOLERANCE" \
    --latency-slack-us "$LATENCY_SLACK_US" --join-slack-us "$JOIN_SLACK_US" \
    --host-fraction "$HOST_FRACTION" --samples "$SAMPLES" --first-call-min-us "$FIRST_CALL_MIN_US" \
    --l2-min-ratio "$L2_MIN_RATIO" --json "$results" 2>&1)"
status=$?
echo "$validator_output"
echo "results: $results"
counts="$(grep -E '^validate_gpu: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' <<<"$validator_output" | tail -1)"
if [ -n "$counts" ]; then
    read -r v_passed v_failed < <(sed -E 's/^validate_gpu: ([0-9]+) passed, ([0-9]+) failed, [0-9]+ skipped$/\1 \2/' <<<"$counts")
    passed=$((passed + v_passed))
    failed=$((failed + v_failed))
    # A crash after the summary line (or a non-zero exit with 0 failures) still counts.
    if [ "$status" != 0 ] && [ "$v_failed" = 0 ]; then fail "validate_gpu exited with status $status"; fi
else
    fail "validate_gpu exited with status $status before its summary"
fi

# NVTX ranges, seen by a profiler: validate_gpu --child nvtx runs a LayerProfiler with NVTX ranges
# named gputime_validate_conv and gputime_validate_fc under Nsight Systems (read-only tracing).
log "NVTX ranges under Nsight Systems"
if command -v nsys >/dev/null 2>&1; then
    report_base="$build/nvtx_check"
    if nsys profile --trace=nvtx,cuda --force-overwrite=true -o "$report_base" "$validator" --child nvtx \
            >"$build/nvtx_check.log" 2>&1; then
        ranges="$(nsys stats --report nvtx_sum --format csv "$report_base.nsys-rep" 2>/dev/null ||
                  nsys stats --report nvtxsum --format csv "$report_base.nsys-rep" 2>/dev/null)"
        if grep -q gputime_validate_conv <<<"$ranges" && grep -q gputime_validate_fc <<<"$ranges"; then
            pass "nvtx_ranges: Nsight Systems shows the profiler's scopes as NVTX ranges"
        else
            fail "nvtx_ranges: the ranges gputime_validate_conv/gputime_validate_fc are not in the nsys report"
        fi
    else
        tail -20 "$build/nvtx_check.log"
        fail "nvtx_ranges: nsys profile failed"
    fi
else
    echo "SKIP nvtx_ranges: nsys (Nsight Systems) is not installed; validate_gpu's nvtx check only says NVTX is built in"
fi

for target in "${suite_targets[@]}"; do
    log "$target"
    exe="$(find "$suite_build" -type f -name "$target" -perm -u+x | head -1)"
    if [ -z "$exe" ]; then
        fail "$target: executable not found"
        continue
    fi
    if CUDA_MODULE_LOADING=LAZY "$exe"; then pass "$target"; else fail "$target"; fi
done

log "GPU clocks after (read-only)"
read_clocks

summary
[ "$failed" = 0 ] && exit 0 || exit 1
