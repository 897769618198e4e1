# scripts/ensure_packages.sh - sourced by demo.sh and test.sh: ensure_packages PKG...
# Installs the Debian packages that are missing (as root, or with password-less sudo); says
# what to install and fails when it cannot. On a non-Debian system it assumes they are there.
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
