#!/usr/bin/env python3
"""The loops the emulator's speed rests on are vectorised by the compiler, under the build's own flags.

Every loop whose `for` line ends in the comment `// vectorised` (in the sources below and the headers they
include) must be reported by GCC's -fopt-info-vec-optimized as "loop vectorized" when the translation units
below are compiled exactly as the build compiles them (compile_commands.json). A change that defeats
vectorisation (a branch, an alias, a call in the loop) fails here instead of silently halving the speed.

Usage: check_vectorized.py SOURCE_DIR BUILD_DIR
"""
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

UNITS = ["pim_emul/kernels/training.cpp", "node/pim_server.cpp"]
MARKED = ["pim_emul/kernels/training.cpp", "node/dpu_sums.h"]


def main():
    src, build = sys.argv[1], sys.argv[2]
    commands = json.load(open(os.path.join(build, "compile_commands.json")))
    reported = set()
    for unit in UNITS:
        path = os.path.join(src, unit)
        entry = next((c for c in commands if os.path.realpath(c["file"]) == os.path.realpath(path)), None)
        if entry is None:
            print(f"FAIL: {unit} is not in {build}/compile_commands.json")
            return 1
        args = entry.get("arguments") or shlex.split(entry["command"])
        if "-o" in args:
            i = args.index("-o")
            args = args[:i] + args[i + 2:]
        with tempfile.NamedTemporaryFile("r", suffix=".txt") as report:
            cmd = args + ["-o", os.devnull, f"-fopt-info-vec-optimized={report.name}"]
            done = subprocess.run(cmd, cwd=entry["directory"], capture_output=True, text=True)
            if done.returncode != 0:
                print(f"FAIL: compiling {unit}: {done.stderr[-2000:]}")
                return 1
            for line in report.read().splitlines():
                m = re.match(r"(.+?):(\d+):\d+: optimized: loop vectorized", line)
                if m:
                    reported.add((os.path.realpath(m.group(1)), int(m.group(2))))
    failed = checked = 0
    for name in MARKED:
        path = os.path.realpath(os.path.join(src, name))
        for number, text in enumerate(open(path).read().splitlines(), 1):
            if not text.rstrip().endswith("// vectorised"):
                continue
            checked += 1
            if (path, number) not in reported:
                failed += 1
                print(f"FAIL: {name}:{number} is marked vectorised but the compiler did not vectorise it:\n  {text.strip()}")
    if checked == 0:
        print("FAIL: no loop is marked // vectorised")
        return 1
    print(f"{checked} marked loops, {checked - failed} vectorised")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
