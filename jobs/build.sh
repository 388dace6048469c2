#!/usr/bin/env bash
# Installs the dependencies (jobs/install-deps.sh) and builds pimscale in Release into build/.
# Usage: bash jobs/build.sh [extra cmake -D options]
set -euo pipefail
cd "$(dirname "$0")/.."
bash jobs/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build build -j "$(nproc)"
