#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fails when a source file of gputime does not start with its SPDX licence line.

Usage: check_spdx.py REPO_ROOT

C++ and CUDA sources (.hpp .cpp .cu .cuh .h) start with `// SPDX-License-Identifier: MIT`;
CMake, shell and Python files (and the .in templates) with `# SPDX-License-Identifier: MIT`,
on their second line when the first is a #! line. The files are those git tracks (every file
under the source folders when REPO_ROOT is not a git checkout); data (golden files, JSON, CSV)
and prose (Markdown) carry no licence line.
"""
import pathlib
import subprocess
import sys

LICENCE = "SPDX-License-Identifier: MIT"
SLASH = {".hpp", ".cpp", ".cu", ".cuh", ".h"}
HASH = {".py", ".sh", ".cmake", ".in"}
HASH_NAMES = {"CMakeLists.txt", ".clang-format", ".clang-tidy"}
FOLDERS = ("include", "tests", "examples", "bench", "tools", "scripts", "cmake", "docs")


def comment_of(path):
    if path.suffix in SLASH:
        return "// "
    if path.suffix in HASH or path.name in HASH_NAMES:
        return "# "
    return None


def sources(root):
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=root, check=True, capture_output=True).stdout
        names = [n for n in listed.decode().split("\0") if n]
    except (OSError, subprocess.CalledProcessError):
        names = [str(p.relative_to(root)) for folder in FOLDERS for p in (root / folder).rglob("*") if p.is_file()]
        names += [p.name for p in root.iterdir() if p.is_file()]
    for name in sorted(names):
        path = root / name
        if path.is_file() and comment_of(path) is not None:
            yield pathlib.Path(name), comment_of(path)


def has_licence(path, comment):
    """The licence line is first (after a #! line), and only once."""
    with open(path, encoding="utf-8", errors="replace") as f:
        first = f.readline().rstrip("\n")
        if first.startswith("#!"):
            first = f.readline().rstrip("\n")
        second = f.readline().rstrip("\n")
    return first == comment + LICENCE and LICENCE not in second


def main():
    root = pathlib.Path(sys.argv[1])
    missing = [str(name) for name, comment in sources(root) if not has_licence(root / name, comment)]
    checked = sum(1 for _ in sources(root))
    for name in missing:
        print(f"spdx: {name}: the first line is not the licence line (// or # {LICENCE}), or it is repeated")
    if missing:
        print(f"spdx: {len(missing)} of {checked} sources lack their licence line")
        return 1
    print(f"spdx: all {checked} sources start with their licence line")
    return 0


if __name__ == "__main__":
    sys.exit(main())
