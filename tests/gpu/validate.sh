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
#      below (its checks are listed at the top of validate_gpu.cu: spin accuracy behind a gate of
#      32 launches, the gate and its timeout, L2 cold vs hot with a zero-byte control, NVML's
#      UUID and SM clock against the GPU's own, the event tick and the cost of the capture check,
#      stream capture (clock, legacy stream, gate, JoinStreams), hang recovery, the legacy stream
#      around a blocking stream, a stream-0 clock after cudaSetDevice, first and gated first calls
#      in LAZY children, a faulting kernel (700, sticky) in a child, LayerProfiler, throughput
#      mode, every device...), checks the NVTX ranges with Nsight Systems when nsys is installed,
#      runs the suites, reads the clocks again, prints "N passed, M failed".
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
# Each says why it holds on a healthy H100; a check fails only when something is wrong.
#
# A 100 us %globaltimer spin, timed with events while the gate (gputime::CudaGate) holds the stream
# (16 pairs per gate, so launch latency is hidden), minus the median of 0 ns spins timed the same
# way (the kernel start/retire cost every event pair around a kernel contains): within 2% of
# 100 us plus two %globaltimer updates (validate_gpu measures the update period: each spin ends
# within one update after its deadline). Back-to-back kernels on an H100 repeat to well under 1 us.
SPIN_TOLERANCE=0.02
# WarmupRunner in latency mode starts each call on an idle stream, so a call is the spin plus the
# host's launch latency plus the kernel overhead: p50 in [100 us, 100 us + 50 us]. An H100's
# launch latency and kernel start are a few us each; 50 us leaves room for a busy host.
LATENCY_SLACK_US=50
# JoinStreams (eagerly and inside a captured graph): main 100 us + side 300 us spins; joined p50
# in [300 us, 300 us + 50 us]; the same scope without the join must read below 200 us (it misses
# the side kernel). The slack is the launch latency and kernel start, as above.
JOIN_SLACK_US=50
# A host clock around an un-synchronised 1 ms spin must read below 0.5 x 1 ms: the launch
# returns in a few us on an H100, long before the spin ends.
HOST_FRACTION=0.5
# Samples per distribution (spin and 0 ns spin). Any number works: each gate holds 16 pairs.
SAMPLES=101
# First call, in fresh child processes: with CUDA_MODULE_LOADING=LAZY the first launch of a kernel
# loads its module (hundreds of us to ms on an H100), so the first call must cost at least 20 us
# more than the steady p50; with EAGER (modules loaded with the context) the overhead is lower.
FIRST_CALL_MIN_US=20
# L2 cold vs hot: identical work before the start mark (one flush with a read-only sweep of
# max(2 x L2, 256 MiB), one read of the data, a 30 us spin), only its order differs. Reading 0
# bytes (the control), cold/hot must be 1 +- 5%: the samples are ~22 us of the same kernels at a
# 0.5 us event resolution. Reading half the L2, cold - hot must be at least a quarter of that read's
# time at peak DRAM bandwidth: on an H100 the L2 serves it about 2.5x faster than HBM, so the
# difference is about 60% of it; a flush that leaves the data in the L2 reads 0.
L2_CONTROL_TOLERANCE=0.05
L2_MIN_DRAM_FRACTION=0.25
# NVML's SM clock, sampled during a throughput run (WarmupRunner::during_calls), against the rate
# of clock64 over %globaltimer inside the same calls: within 10%. Both read the same GPU's SM clock
# during the same work; under a steady load an H100 holds it within a few 15 MHz bins.
TELEMETRY_CLOCK_TOLERANCE=0.10
# The clock asks cudaStreamIsCapturing before every mark: at most half the cost of the
# cudaEventRecord it guards. It answers from host state (tens of ns); a record writes a command for
# the GPU (about a microsecond on an H100).
CAPTURE_CHECK_MAX_FRACTION=0.5
# Fixed in validate_gpu.cu, with their reasons there: the event tick at most 1 us (CUDA documents
# ~0.5 us); hang recovery with resolve_timeout(50 ms) around a 200 ms spin; a gated first call in a
# LAZY child with a 2 s gate done within 1 s; the fault is 700 and sticky; a 300 us spin on a
# blocking stream inside a legacy-stream scope reads 300 us (+ the latency slack).

run_suites=1
for arg in "$@"; do
    case "$arg" in
        --no-suites) run_suites=0 ;;
        -h|--help) sed -n '2,/^set -uo pipefail/p' "$0" | sed '$d'; exit 0 ;;
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
    --l2-control-tolerance "$L2_CONTROL_TOLERANCE" --l2-min-dram-fraction "$L2_MIN_DRAM_FRACTION" \
    --telemetry-clock-tolerance "$TELEMETRY_CLOCK_TOLERANCE" \
    --capture-check-max-fraction "$CAPTURE_CHECK_MAX_FRACTION" --json "$results" 2>&1)"
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
