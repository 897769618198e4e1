#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""README.md, checked: every C++ block compiles, and every output block matches what the program
prints, modulo numbers.

  readme_check.py blocks  README.md OUT_DIR            one .cpp per ```cpp block, and OUT_DIR/manifest.txt
  readme_check.py outputs README.md NAME=PROGRAM...    run the programs, compare (GPUTIME_README_UPDATE=1: rewrite)

C++ blocks. A block with `int main(` or a TEST_CASE is a whole file and is compiled as it is. Any
other block is a fragment: its #include lines go first, then a prelude of stand-ins for the
names the fragment uses without declaring them (the `stream`, the `model`, the `net`...), then the
fragment inside a function, in a nested scope so that it may redeclare a stand-in. The prelude,
and so what the block needs to compile (gputime::cuda, oneDNN, cuDNN, LibTorch, a test
framework), is `<!-- readme-compile: NAME -->` on the line before the block, or else guessed from
what the block uses (preludes/NAME.hpp; a "// --- locals ---" line in it separates types from the
local variables). manifest.txt lists "NEED|FILE|LINE" per block.

Output blocks. A ``` or ```text block after `<!-- readme-output: PROGRAM ARGS... | from TEXT to
TEXT -->` is the part of `PROGRAM ARGS...`'s stdout from the first line containing the first TEXT
to the next line containing the second. They match when the lines are the same once every number
(with its unit: 2.145 ms, 7.15%, 4.7x) is masked and runs of spaces are one; "hint:" lines are
left out on both sides, because whether a hint fires depends on the machine. A block after
`<!-- readme-output: none (WHY) -->` is not program output, or cannot be compared, and says why.
An output block with neither marker fails the check, so that a new one is not forgotten.
With GPUTIME_README_UPDATE=1 a block that differs is rewritten: its lines that still match keep
their text (their numbers, measured on a quiet machine), the others become what the program
printed (review `git diff README.md`).
"""
import difflib
import os
import re
import subprocess
import sys

FENCE = re.compile(r"^```(\w*)\s*$")
COMPILE_MARK = re.compile(r"<!--\s*readme-compile:\s*([\w-]+)\s*-->")
OUTPUT_MARK = re.compile(r"<!--\s*readme-output:\s*(.*?)\s*-->")
# A number and its unit, not one that is part of a name (p50, p99.9, sm_90).
NUMBER = re.compile(r"(?<![A-Za-z_\d.])[-+]?(?:\d+\.\d+|\d+|\.\d+)(?:e[-+]?\d+)?"
                    r"(?:\s?(?:ns|us|µs|ms|s|%|x|calls/s)(?![A-Za-z]))?")


def blocks(lines):
    """(language, first line index of the body, body lines, the line before the fence)"""
    out, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start = i + 1
        j = start
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        previous = lines[i - 1] if i > 0 else ""
        out.append((m.group(1), start, lines[start:j], previous))
        i = j + 1
    return out


def guess_prelude(body):
    text = "\n".join(l.split("//")[0] for l in body)  # what the code uses, not what comments mention
    if "torch::" in text or "at::" in text:
        return "torch"
    if "dnnl::" in text:
        return "onednn"
    if "cudnn" in text or "cublas" in text:
        return "cudnn"
    if "GPUTIME_CHECK_" in text or "TEST_CASE" in text:
        return "test"
    if "gputime::sim::" in text:
        return "sim"
    if any(name in text for name in ("GpuClock", "CudaRuntime", "ScopedGpuTimer", "graph_timing", "CapturedGraph")):
        return "gpu"
    return "host"


def split_prelude(path):
    text = open(path, encoding="utf-8").read()
    head, _, locals_ = text.partition("// --- locals ---\n")
    return head, locals_


def extract(readme, out_dir):
    lines = open(readme, encoding="utf-8").read().split("\n")
    preludes = os.path.join(os.path.dirname(os.path.abspath(__file__)), "preludes")
    os.makedirs(out_dir, exist_ok=True)
    manifest = []
    for language, start, body, previous in blocks(lines):
        if language != "cpp":
            continue
        line = start  # 1-based number of the fence line is `start`; the first body line is start + 1
        mark = COMPILE_MARK.search(previous)
        text = "\n".join(body)
        whole = "int main(" in text or "TEST_CASE(" in text
        need = mark.group(1) if mark else guess_prelude(body)
        name = os.path.join(out_dir, f"readme_line_{line + 1}.cpp")
        header = f"// Generated from {readme} line {line + 1} by tests/consumer/readme/readme_check.py: do not edit.\n"
        if whole:
            source = header + text + "\n"
        else:
            prelude_path = os.path.join(preludes, need + ".hpp")
            if not os.path.exists(prelude_path):
                sys.exit(f"{readme}:{line}: no prelude '{need}' ({prelude_path})")
            head, locals_ = split_prelude(prelude_path)
            includes = [l for l in body if l.lstrip().startswith("#include")]
            rest = [l for l in body if not l.lstrip().startswith("#include")]
            source = (header + "\n".join(includes) + "\n" + head +
                      f"\nvoid readme_line_{line + 1}() {{\n" + locals_ + "    {\n" +
                      "\n".join("        " + l if l else "" for l in rest) + "\n    }\n}\n")
        old = open(name, encoding="utf-8").read() if os.path.exists(name) else None
        if old != source:  # unchanged files keep their time stamp: no rebuild
            with open(name, "w", encoding="utf-8") as f:
                f.write(source)
        manifest.append(f"{need}|{name}|{line + 1}")
    kept = {entry.split("|")[1] for entry in manifest}
    for old_file in os.listdir(out_dir):  # blocks that moved or went
        path = os.path.join(out_dir, old_file)
        if old_file.startswith("readme_line_") and path not in kept:
            os.remove(path)
    with open(os.path.join(out_dir, "manifest.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(manifest) + "\n")


def masked(line):
    return " ".join(NUMBER.sub("#", line).split())


def comparable(lines):
    return [masked(l) for l in lines if l.strip() and not l.strip().startswith("hint:")]


def merged(readme_lines, program_lines):
    """The program's lines, except that a line equal to the README's modulo numbers keeps the
    README's text: a refresh rewrites what changed, not the numbers of a quieter machine."""
    old = [masked(l) for l in readme_lines]
    new = [masked(l) for l in program_lines]
    out = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        out.extend(readme_lines[i1:i2] if tag == "equal" else program_lines[j1:j2])
    return out


def region(output, first, last):
    lines = output.split("\n")
    for i, l in enumerate(lines):
        if first in l:
            for j in range(i, len(lines)):
                if last in lines[j]:
                    return lines[i:j + 1]
            return None
    return None


def outputs(readme, programs, update):
    text = open(readme, encoding="utf-8").read()
    lines = text.split("\n")
    failures, checked, replacements = [], 0, []
    for language, start, body, previous in blocks(lines):
        if language not in ("", "text"):
            continue
        mark = OUTPUT_MARK.search(previous)
        where = f"{readme}:{start}"
        if not mark:
            failures.append(f"{where}: an output block without <!-- readme-output: PROGRAM ARGS | from TEXT to TEXT --> "
                            "or <!-- readme-output: none (WHY) --> on the line before it")
            continue
        spec = mark.group(1)
        if spec.startswith("none"):
            continue
        m = re.fullmatch(r"(\S+)(.*?)\|\s*from\s+\"(.*?)\"\s+to\s+\"(.*?)\"", spec)
        if not m:
            failures.append(f"{where}: cannot read the marker '{spec}'")
            continue
        program, args, first, last = m.group(1), m.group(2).split(), m.group(3), m.group(4)
        if program not in programs:
            print(f"{where}: {program} is not built here; not checked")
            continue
        p = subprocess.run([programs[program], *args], capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            failures.append(f"{where}: `{program} {' '.join(args)}` exited with {p.returncode}:\n{p.stderr}")
            continue
        got = region(p.stdout, first, last)
        if got is None:
            failures.append(f"{where}: `{program} {' '.join(args)}` printed no line containing '{first}' followed by "
                            f"one containing '{last}':\n{p.stdout}")
            continue
        checked += 1
        want_c, got_c = comparable(body), comparable(got)
        if want_c != got_c:
            diff = difflib.unified_diff(want_c, got_c, "README.md", f"{program} {' '.join(args)}", n=1, lineterm="")
            failures.append(f"{where}: differs from `{program} {' '.join(args)}` (numbers masked as #, hint lines "
                            "left out):\n" + "\n".join(diff))
            replacements.append((start, len(body), merged(body, got)))
    if update and replacements:
        for start, length, got in sorted(replacements, reverse=True):
            lines[start:start + length] = got
        with open(readme, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        print(f"GPUTIME_README_UPDATE: rewrote {len(replacements)} output block(s) of {readme}; review git diff")
        return 0
    for f in failures:
        print(f, file=sys.stderr)
    if failures:
        print("\nTo refresh the output blocks from the programs: GPUTIME_README_UPDATE=1 ctest -R readme.output "
              "(then review git diff README.md)", file=sys.stderr)
        return 1
    print(f"{checked} output block(s) match their programs (numbers masked)")
    return 0


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "blocks":
        extract(sys.argv[2], sys.argv[3])
        return 0
    if len(sys.argv) >= 3 and sys.argv[1] == "outputs":
        programs = dict(a.split("=", 1) for a in sys.argv[3:])
        return outputs(sys.argv[2], programs, os.environ.get("GPUTIME_README_UPDATE") == "1")
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
