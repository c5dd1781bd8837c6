#!/usr/bin/env python3
"""Lists functions longer than a limit in Rust sources: `fn-lengths.py LIMIT PATH...`.

Exit 1 when any is found, so CI can hold the line (the engine: 100; every crate's src: 150).
Counts from the `fn` line to its closing brace. Strings, chars and comments are skipped
when matching braces, so a `{` inside a format string does not count.
"""
import re
import sys
from pathlib import Path

FN = re.compile(r"^\s*(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?(extern\s+\"[^\"]*\"\s+)?fn\s+(\w+)")


def strip(line, state):
    """The line without strings, chars and comments; `state` carries a block comment or a
    raw/normal string across lines."""
    out = []
    i = 0
    while i < len(line):
        if state["block"]:
            j = line.find("*/", i)
            if j < 0:
                return "".join(out)
            state["block"] = False
            i = j + 2
            continue
        if state["str"] is not None:
            end = state["str"]
            if end == '"':
                if line[i] == "\\":
                    i += 2
                    continue
                if line[i] == '"':
                    state["str"] = None
                i += 1
                continue
            j = line.find(end, i)
            if j < 0:
                return "".join(out)
            state["str"] = None
            i = j + len(end)
            continue
        c = line[i]
        if line.startswith("//", i):
            break
        if line.startswith("/*", i):
            state["block"] = True
            i += 2
            continue
        m = re.match(r'r(#*)"', line[i:])
        if m and (i == 0 or not (line[i - 1].isalnum() or line[i - 1] == "_")):
            state["str"] = '"' + m.group(1)
            i += len(m.group(0))
            continue
        if c == '"':
            state["str"] = '"'
            i += 1
            continue
        if c == "'":
            m = re.match(r"'(\\.|[^\\'])'", line[i:]) or re.match(r"'\\u\{[0-9a-fA-F]+\}'", line[i:])
            if m:
                i += len(m.group(0))
                continue
        out.append(c)
        i += 1
    return "".join(out)


def functions(path):
    lines = path.read_text().splitlines()
    state = {"block": False, "str": None}
    clean = [strip(l, state) for l in lines]
    for n, l in enumerate(clean):
        m = FN.match(l)
        if not m:
            continue
        depth, opened = 0, False
        for k in range(n, len(clean)):
            for ch in clean[k]:
                if ch == ";" and not opened and depth == 0:
                    break
                if ch == "{":
                    depth += 1
                    opened = True
                elif ch == "}":
                    depth -= 1
            else:
                if opened and depth == 0:
                    yield m.group(7), n + 1, k - n + 1
                    break
                continue
            break


def main():
    limit = int(sys.argv[1])
    bad = []
    for root in sys.argv[2:]:
        for p in sorted(Path(root).rglob("*.rs")):
            for name, line, length in functions(p):
                if length > limit:
                    bad.append((length, f"{p}:{line}", name))
    for length, where, name in sorted(bad, reverse=True):
        print(f"{length:5} {where} {name}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
