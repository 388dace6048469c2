#!/usr/bin/env python3
"""Include direction: a room may include only itself and the rooms below it (design.md, README Layout).

Rooms, lowest first: src/base; pim_emul; node, comm, io (siblings: none includes another); src/config;
src/algorithms; src/devices; src/report; src/predict; src/commands; src/main.cpp. A quoted #include of a higher or sibling
room is reported with file and line, and the script exits 1. CMake targets make most wrong-way includes fail
to link too; this check also catches header-only uses that would link. Before checking the tree it checks
itself on a made-up violation, so it cannot pass by finding nothing.
Usage: check_includes.py REPO_ROOT
"""
import os
import re
import sys

LOWER = {
    "src/base": set(),
    "pim_emul": {"src/base"},
    "node": {"src/base", "pim_emul"},
    "comm": {"src/base", "pim_emul"},
    "io": {"src/base", "pim_emul"},
}
LOWER["src/config"] = LOWER["node"] | LOWER["comm"] | LOWER["io"] | {"node", "comm", "io"}
LOWER["src/algorithms"] = LOWER["src/config"] | {"src/config"}
LOWER["src/devices"] = LOWER["src/algorithms"] | {"src/algorithms"}
LOWER["src/report"] = LOWER["src/devices"] | {"src/devices", "src/version"}
LOWER["src/predict"] = LOWER["src/report"] | {"src/report"}
LOWER["src/commands"] = LOWER["src/predict"] | {"src/predict"}
LOWER["src/main"] = LOWER["src/commands"] | {"src/commands"}
ROOMS = sorted(LOWER, key=len, reverse=True)
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def room_of(path):
    if path == "src/main.cpp":
        return "src/main"
    if path == "src/version.h":
        return "src/version"
    for room in ROOMS:
        if path.startswith(room + "/"):
            return room
    return None


def violations(files):
    """files: {path: text}. Yields 'path:line: message' for each wrong-way include."""
    for path, text in sorted(files.items()):
        room = room_of(path)
        if room is None or room == "src/version":
            continue
        for n, line in enumerate(text.splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            target = room_of(m.group(1))
            if target is None or target == room:
                continue
            if target not in LOWER[room]:
                yield f"{path}:{n}: {room} includes {m.group(1)} ({target} is not below {room})"


def self_check():
    fake = {
        "pim_emul/a.h": '#include "node/pim_server.h"\n',  # upward
        "node/b.cpp": '#include "comm/cluster.h"\n',  # sibling
        "src/algorithms/c.cpp": '#include "src/algorithms/d.h"\n#include "src/base/error.h"\n',  # fine
    }
    found = list(violations(fake))
    assert len(found) == 2 and "node/b.cpp:1" in found[0] and "pim_emul/a.h:1" in found[1], found


def main(root):
    self_check()
    files = {}
    for top in ["pim_emul", "node", "comm", "io", "src"]:
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for name in names:
                if name.endswith((".h", ".cpp", ".h.in")):
                    full = os.path.join(dirpath, name)
                    files[os.path.relpath(full, root)] = open(full, encoding="utf-8").read()
    bad = list(violations(files))
    for b in bad:
        print(b)
    print(f"include rules: {len(files)} files, {len(bad)} wrong-way includes")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
