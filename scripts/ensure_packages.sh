# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# scripts/ensure_packages.sh - sourced by demo.sh, test.sh and fresh-machine-check.sh:
#   ensure_packages PKG...
# Installs the Debian packages that are missing (as root, or with password-less sudo); says
# what to install and fails when it cannot. On a non-Debian system it assumes they are there.
#
# The Debian packages of the Quick start, in one place (Debian 12 names):
#   gputime_demo_packages  what `bash scripts/demo.sh` needs. Debian's oneDNN CMake package
#                          (libdnnl-dev) requires OpenCL, and libdnnl-dev does not depend on
#                          ocl-icd-opencl-dev: without it the oneDNN examples are skipped.
#   gputime_test_packages  what `bash scripts/test.sh` needs: the demo's, plus clang, both test
#                          frameworks, Google Benchmark, python3 with numpy and scipy (for the
#                          tests that check statistics against a Python reference), LibTorch
#                          and python3-torch (the LibTorch examples; the model is scripted at
#                          build time), nlohmann-json (gputime-compare reads JSON with it) and
#                          chromium (the HTML report is checked in a headless browser),
#                          doxygen (the API reference, complete: ctest api_reference);
#                          for the Prometheus exposition: libprotobuf-dev, protobuf-compiler and
#                          golang-github-prometheus-client-model-dev (metrics.proto, compiled by
#                          protoc at build time), libcivetweb-dev (serving_loop's HTTP server)
#                          and prometheus (the fleet test scrapes the example with it);
#                          for the consumer tests: pkgconf (consumer.pkg_config) and
#                          python3-venv (consumer.oldest_cmake and consumer.conan install CMake
#                          3.18 and Conan from PyPI into a virtual environment).
# The CUDA toolkit is not among them: it is used when found (/usr/local/cuda), never installed.
# shellcheck disable=SC2034  # used by the scripts that source this file
gputime_demo_packages=(cmake ninja-build g++ libdnnl-dev ocl-icd-opencl-dev)
# shellcheck disable=SC2034
gputime_test_packages=("${gputime_demo_packages[@]}" clang catch2 doctest-dev libbenchmark-dev
    python3 python3-numpy python3-scipy libtorch-dev python3-torch nlohmann-json3-dev chromium fonts-dejavu-core
    doxygen libprotobuf-dev protobuf-compiler golang-github-prometheus-client-model-dev libcivetweb-dev prometheus)
# clang-format and clang-tidy: the ctests format and tidy (.clang-format, .clang-tidy).
# shellcheck disable=SC2034
gputime_test_packages+=(clang-format clang-tidy pkgconf python3-venv)

ensure_packages() {
    if ! command -v dpkg >/dev/null 2>&1; then
        echo "gputime: not a Debian system; assuming these are installed: $*" >&2
        return 0
    fi
    local missing=() p
    for p in "$@"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            sudo=(sudo -n)
        else
            echo "gputime: missing Debian packages: ${missing[*]}" >&2
            echo "gputime: install them as root: apt-get install -y --no-install-recommends ${missing[*]}" >&2
            return 1
        fi
    fi
    echo "== installing ${missing[*]}" >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" </dev/null >&2
}

# The CUDA toolkit is optional (used when found); nvcc often lives outside PATH.
if ! command -v nvcc >/dev/null 2>&1 && [ -x /usr/local/cuda/bin/nvcc ]; then
    export PATH="/usr/local/cuda/bin:$PATH"
fi
