#!/usr/bin/env bash
# The test command: install, build (Release), run every test (unit, MPI at 1-4 ranks, end to end).
# Usage: bash jobs/test.sh [ctest options, e.g. -L unit]
set -euo pipefail
cd "$(dirname "$0")/.."
bash jobs/build.sh
source jobs/env.sh
# Wall-clock (perf-labelled) checks are left out: they depend on the machine's load. Run them with
# `ctest --test-dir build -L perf` on a quiet machine.
ctest --test-dir build --output-on-failure -j "$(nproc)" -LE perf "$@"
