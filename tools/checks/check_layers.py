#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fails when a gputime header includes one from a layer above its own, or another layer's detail/.

Usage: check_layers.py REPO_ROOT

The layer map is read from docs/architecture.md (the table under "## Layers"), so it is written
once. A header in include/gputime/<layer>/ may include gputime headers of the layers its row
lists; <other>/detail/ only when <other> is its own layer or core/ (whose internals every
layer shares). include/gputime/gputime.hpp, the
umbrella, and include/gputime/host.hpp, its host-only part, may include anything.
"""
import pathlib
import re
import sys

ROW = re.compile(r"^\|\s*`(\w+)/`\s*\|\s*(\d+)\s*\|([^|]*)\|")
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]gputime/([^>"]+)[>"]')


def read_layers(doc):
    layers = {}
    in_table = False
    for line in doc.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            in_table = line.strip() == "## Layers"
            continue
        match = ROW.match(line) if in_table else None
        if match:
            allowed = set(re.findall(r"`(\w+)/`", match.group(3)))
            layers[match.group(1)] = allowed | {match.group(1)}
    return layers


def main():
    root = pathlib.Path(sys.argv[1])
    layers = read_layers(root / "docs" / "architecture.md")
    if not layers:
        print("check_layers: no layer table under '## Layers' in docs/architecture.md")
        return 1
    include_root = root / "include" / "gputime"
    bad, checked = [], 0
    for header in sorted(include_root.rglob("*")):
        if header.suffix not in (".hpp", ".cuh"):
            continue
        rel = header.relative_to(include_root)
        if rel.parts in (("gputime.hpp",), ("host.hpp",)):  # the umbrellas: the whole API, the host-only part
            continue
        layer = rel.parts[0]
        if len(rel.parts) < 2 or layer not in layers:
            bad.append(f"{rel}: not in a layer of docs/architecture.md")
            continue
        for number, line in enumerate(header.read_text(encoding="utf-8").splitlines(), 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            checked += 1
            target = pathlib.PurePosixPath(match.group(1))
            target_layer = target.parts[0]
            where = f"include/gputime/{rel}:{number}: includes gputime/{target}"
            if target_layer not in layers:
                bad.append(f"{where}, which is in no layer")
            elif target_layer not in layers[layer]:
                bad.append(f"{where}: layer {layer}/ may include only "
                           + ", ".join(sorted(f"{l}/" for l in layers[layer])))
            elif "detail" in target.parts[1:-1] and target_layer not in (layer, "core"):
                bad.append(f"{where}: another layer's detail/ is private to it")
    if bad:
        print("layering violations (the map is in docs/architecture.md, section Layers):")
        print("\n".join("  " + b for b in bad))
        return 1
    print(f"check_layers: {checked} includes in {len(layers)} layers, all one way")
    return 0


if __name__ == "__main__":
    sys.exit(main())
