#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Refuses test names that ctest cannot keep apart.

Usage: check_test_names.py TESTS_DIR

ctest learns the test cases from the test binary (catch_discover_tests, doctest_discover_tests)
as a CMake list: a ';' in a name splits it, and Catch2 reads '[' as the start of a tag. Either
silently folds many test cases into one ctest entry, so a failure there is hard to find.
"""
import pathlib
import re
import sys

NAME = re.compile(r'TEST_CASE\(\s*"((?:[^"\\]|\\.)*)"')


def main():
    root = pathlib.Path(sys.argv[1])
    bad, count = [], 0
    for source in sorted(list(root.rglob("*.cpp")) + list(root.rglob("*.cu"))):
        for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
            for name in NAME.findall(line):
                count += 1
                if ";" in name or "[" in name or "]" in name:
                    bad.append(f"{source}:{number}: {name}")
    if bad:
        print("test names with ';' or '[' (ctest discovery folds them into other tests):")
        print("\n".join("  " + b for b in bad))
        return 1
    print(f"check_test_names: {count} test names, none with ';' or '['")
    return 0


if __name__ == "__main__":
    sys.exit(main())
