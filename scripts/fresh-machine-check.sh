#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scripts/fresh-machine-check.sh - run the Quick start on a fresh Debian 12 machine.
#
#   bash scripts/fresh-machine-check.sh [--test-only] [--keep]
#
# Builds a minimal Debian 12 (bookworm) root with mmdebstrap (variant minbase, plus git and
# ca-certificates: what a fresh machine that has just cloned a repository has), bind-mounts
# the host's CUDA toolkit (/usr/local/cuda, read-only) into it, clones this repository's
# committed HEAD into /root/gputime there, and runs the Quick start commands as root inside:
#   bash scripts/demo.sh --quick
#   bash scripts/test.sh
# Each command has to install every other package it needs itself; that is the point.
# Uncommitted changes of this checkout are not part of the check (the output says so).
#
# Package sources: the host's own apt configuration (its Debian bookworm entries in
# /etc/apt/sources.list and /etc/apt/sources.list.d/, and its Acquire:: settings such as
# proxies), so no mirror address is written here. GPUTIME_APT_SOURCES=<file> overrides the
# sources. For PyPI, the CA certificates the host added (/usr/local/share/ca-certificates) and
# its /etc/pip.conf go into the root too.
#
# Options:
#   --test-only  only the test command (what .ci/run uses); the last line printed is then the
#                test command's closing line, `tests: N passed, N failed, N skipped`, and the
#                exit status is the test command's
#   --keep       keep the root (and its build trees) instead of removing it
# Needs root (or password-less sudo), mount rights and the network to the package archive;
# mmdebstrap is installed when missing. Exit status: 0 all passed, 1 a command failed,
# 125 no root could be made here (nothing was run; the reason is printed).
# Environment: GPUTIME_JOBS is passed into the root (default 2); the root and the logs go to a
# new directory fresh-machine.XXXXXX in GPUTIME_FRESH_DIR (default: build/ of this checkout;
# it needs about 4 GB).
set -euo pipefail

readonly cannot=125
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly repo
test_only=0 keep=0
for arg in "$@"; do
    case "$arg" in
        --test-only) test_only=1 ;;
        --keep) keep=1 ;;
        -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "fresh-machine-check: unknown option '$arg' (--test-only, --keep)" >&2; exit 2 ;;
    esac
done

say() { printf '== fresh-machine-check: %s\n' "$*"; }
cannot() {  # on stdout and stderr: logs that keep only one of them still say why
    printf 'fresh-machine-check: CANNOT MAKE A FRESH DEBIAN 12 ROOT HERE: %s\n' "$*"
    printf 'fresh-machine-check: CANNOT MAKE A FRESH DEBIAN 12 ROOT HERE: %s\n' "$*" >&2
    exit $cannot
}

# --- privileges, tools ---------------------------------------------------------------------
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        exec sudo -n --preserve-env=CI,GPUTIME_JOBS,GPUTIME_FRESH_DIR,GPUTIME_APT_SOURCES \
            bash "${BASH_SOURCE[0]}" "$@"
    fi
    cannot "it needs root (or password-less sudo) to run mmdebstrap and mount"
fi
{ command -v dpkg && command -v apt-get; } >/dev/null 2>&1 \
    || cannot "this host is not a Debian system (no dpkg/apt-get for mmdebstrap)"
# shellcheck source=scripts/ensure_packages.sh
. "$repo/scripts/ensure_packages.sh"
ensure_packages mmdebstrap || cannot "mmdebstrap is not installed and cannot be installed"

git_() { git -c safe.directory="$repo" -C "$repo" "$@"; }
commit=$(git_ rev-parse HEAD 2>/dev/null) || cannot "$repo is not a git checkout with a commit"
readonly commit
commit_line=$(git_ log -1 --format='%h %s (%cd)' --date=short "$commit")
dirty=$(git_ status --porcelain 2>/dev/null | wc -l)

# --- the host's package sources: its Debian 12 entries, never a built-in mirror ------------
sources=()
if [ -n "${GPUTIME_APT_SOURCES:-}" ]; then
    [ -r "$GPUTIME_APT_SOURCES" ] || cannot "GPUTIME_APT_SOURCES=$GPUTIME_APT_SOURCES is not readable"
    sources=("$GPUTIME_APT_SOURCES")
else
    # Only files whose suites are bookworm's (third-party repositories have keys the root lacks).
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [ -r "$f" ] || continue
        if grep -v '^[[:space:]]*#' "$f" | grep -qE '(^|[[:space:]])bookworm(-[a-z]+)?([[:space:]]|$)'; then
            sources+=("$f")
        fi
    done
fi
[ ${#sources[@]} -gt 0 ] || cannot "no Debian 12 (bookworm) package source in the host's apt configuration"

# --- the work directory and its cleanup ------------------------------------------------------
parent="${GPUTIME_FRESH_DIR:-$repo/build}"
mkdir -p "$parent"
work="$(mktemp -d "$(cd "$parent" && pwd)/fresh-machine.XXXXXX")"
readonly work root="$work/root"

mounts_under_root() { awk -v r="$root" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/self/mounts; }
torn_down=0
processes_in_root() {
    local p
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && echo "${p#/proc/}"
    done
    return 0
}
teardown() {  # stop what runs inside, unmount everything under the root, remove it (unless --keep)
    local m pids _
    [ "$torn_down" -eq 0 ] || return 0
    torn_down=1
    pids=$(processes_in_root)
    if [ -n "$pids" ]; then
        # shellcheck disable=SC2086
        kill -TERM $pids 2>/dev/null || true
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            [ -n "$(processes_in_root)" ] || break
            sleep 0.5
        done
        pids=$(processes_in_root)
        # shellcheck disable=SC2086
        [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
    fi
    for m in $(mounts_under_root | sort -r); do  # innermost first
        umount "$m" 2>/dev/null || umount -R "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
    if [ -n "$(mounts_under_root)" ]; then
        echo "fresh-machine-check: still mounted under $root, NOT removing it:" >&2
        mounts_under_root >&2
    elif [ "$keep" -eq 1 ]; then
        say "kept the root: $root (enter it with: chroot $root bash)"
    else
        rm -rf --one-file-system "$work"
    fi
}
# shellcheck disable=SC2317  # called by the EXIT trap
on_exit() {
    local status=$?
    trap - EXIT INT TERM HUP
    teardown
    exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

start_all=$(date +%s)
say "commit $commit_line"
if [ "$dirty" -gt 0 ]; then
    say "note: $dirty uncommitted or untracked file(s) in $repo are NOT part of this check (it clones HEAD)"
fi

# --- the root ------------------------------------------------------------------------------
# The host's Acquire:: settings (proxies, snapshot validity checks) go into the root's apt
# configuration, as on any machine of this network.
apt-config dump 2>/dev/null \
    | grep -E '^Acquire::(Check-Valid-Until|Check-Date|(http|https|ftp)::(Proxy|proxy)|Retries|(http|https)::Timeout) ' \
    > "$work/apt-host.conf" || true
aptopt=()
[ -s "$work/apt-host.conf" ] && aptopt=(--aptopt="$work/apt-host.conf")
say "making a Debian 12 minbase root (+ git, ca-certificates) in $root from ${sources[*]}"
t0=$(date +%s)
if ! mmdebstrap --mode=root --variant=minbase --include=git,ca-certificates "${aptopt[@]}" \
        bookworm "$root" "${sources[@]}" >"$work/mmdebstrap.log" 2>&1; then
    tail -n 20 "$work/mmdebstrap.log" >&2
    cannot "mmdebstrap failed (no network to the package archive, or no right to mount?)"
fi
root_seconds=$(( $(date +%s) - t0 ))
say "root made in $root_seconds s ($(du -sh --one-file-system "$root" | cut -f1))"

# /proc, /sys, /dev (with /dev/pts and /dev/shm) as on a machine; rslave: an unmount inside
# never reaches the host.
mount -t proc proc "$root/proc" || cannot "cannot mount /proc in the root (no mount rights?)"
mount --rbind /sys "$root/sys" && mount --make-rslave "$root/sys" || cannot "cannot bind-mount /sys"
mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev" || cannot "cannot bind-mount /dev"
cuda_note="no CUDA toolkit on this host (/usr/local/cuda): the CUDA parts are not built"
if [ -d /usr/local/cuda ]; then
    cuda_dir="$(readlink -f /usr/local/cuda)"
    mkdir -p "$root/usr/local/cuda"
    mount --bind "$cuda_dir" "$root/usr/local/cuda" \
        && mount -o remount,bind,ro "$root/usr/local/cuda" \
        || cannot "cannot bind-mount the CUDA toolkit read-only"
    cuda_note="CUDA toolkit $cuda_dir bind-mounted read-only at /usr/local/cuda"
    # As NVIDIA's packages and runfile do on an installed machine: the dynamic loader finds
    # cudart (an nvcc-linked program gets no RPATH for the toolkit's own library directory).
    for lib in /usr/local/cuda/lib64 /usr/local/cuda/lib /usr/local/cuda/targets/x86_64-linux/lib; do
        if [ -e "$root$lib/libcudart.so" ]; then
            echo "$lib" >"$root/etc/ld.so.conf.d/zz-cuda.conf"
            chroot "$root" /sbin/ldconfig || cannot "ldconfig failed in the root"
            cuda_note="$cuda_note, $lib in the loader's path"
            break
        fi
    done
fi
say "$cuda_note"

# The host's own trust and PyPI settings, as its apt settings above: the CA certificates it
# added itself (an HTTPS proxy's, say) and its /etc/pip.conf, so that pip reaches PyPI from the
# root as it does from the host (consumer.oldest_cmake and consumer.conan install from PyPI).
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    mkdir -p "$root/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/" \
        && chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin update-ca-certificates >/dev/null \
        || cannot "cannot add the host's CA certificates to the root"
    say "the host's own CA certificates added to the root"
fi
if [ -f /etc/pip.conf ]; then
    cp /etc/pip.conf "$root/etc/pip.conf" || cannot "cannot copy /etc/pip.conf into the root"
fi

git -c safe.directory="$repo" clone --quiet --no-hardlinks --no-checkout "$repo" "$root/root/gputime" \
    && git -C "$root/root/gputime" checkout --quiet --detach "$commit" \
    || cannot "cannot clone $repo into the root"
say "cloned $commit into /root/gputime"

# --- the Quick start, inside ---------------------------------------------------------------
# A clean environment: nothing of the host's PATH (pyenv, ...) leaks in.
in_root() {
    chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" CI="${CI:-}" \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        GPUTIME_JOBS="${GPUTIME_JOBS:-2}" \
        bash -c "cd /root/gputime && $1" </dev/null
}
declare -A result seconds
steps=()
run_step() {  # run_step <name> <command>
    local name="$1" command="$2" t0 status
    steps+=("$name")
    say "[$name] $command"
    t0=$(date +%s)
    # In the background, so that a signal to this script is handled at once (bash runs traps
    # only between foreground commands); with pipefail the status is the command's.
    (in_root "$command" 2>&1 | tee "$work/$name.log") &
    status=0
    wait $! || status=$?
    seconds[$name]=$(( $(date +%s) - t0 ))
    if [ "$status" -eq 0 ]; then result[$name]=PASS; else result[$name]="FAIL (exit $status)"; fi
    say "[$name] ${result[$name]} in ${seconds[$name]} s"
    return "$status"
}
declare -A commands=([demo]="bash scripts/demo.sh --quick" [test]="bash scripts/test.sh")
status=0 test_status=0
if [ "$test_only" -eq 0 ]; then
    run_step demo "${commands[demo]}" || status=1
fi
run_step test "${commands[test]}" || { test_status=$?; status=1; }

# --- summary -------------------------------------------------------------------------------
closing_line=$(grep -E '^tests: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$work/test.log" | tail -n 1 || true)
teardown  # here, not at exit: nothing may follow the closing line
echo
say "summary"
echo "commit   $commit_line"
echo "machine  Debian 12 minbase + git, ca-certificates (root made in $root_seconds s); $cuda_note"
for s in "${steps[@]}"; do
    printf '%-8s %-14s %5d s   %s\n' "$s" "${result[$s]}" "${seconds[$s]}" "${commands[$s]}"
done
printf 'total wall time: %d s\n' $(( $(date +%s) - start_all ))
if [ $status -eq 0 ]; then
    echo "fresh-machine-check: the Quick start passed on a fresh Debian 12 machine"
else
    echo "fresh-machine-check: FAILED"
fi
if [ "$test_only" -eq 1 ]; then
    # The test command's closing line stays the last line (CI reads it); its status is ours.
    [ -z "$closing_line" ] || echo "$closing_line"
    exit "$test_status"
fi
exit $status
