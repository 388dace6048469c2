#!/usr/bin/env bash
# The quick start: install, build, synthesize a small YFCC-like dense dataset, train GA-SGD logistic
# regression on 2 emulated PIM servers x 16 DPUs with mpirun, print the summary and write the report.
# Results: runs/quickstart/ (run.json, epochs.csv, report.html). Usage: bash jobs/quickstart.sh [extra train flags]
set -euo pipefail
cd "$(dirname "$0")/.."
bash jobs/build.sh
source jobs/env.sh
mkdir -p data
if [ ! -f data/yfcc-small.h5 ]; then
  mpirun -np 2 build/src/pimscale data synth --kind dense --rows 20000 --test-rows 4000 --features 256 \
    --seed 1 --noise 0.1 --out data/yfcc-small.h5
fi
mpirun -np 2 build/src/pimscale train --config jobs/configs/quickstart.toml --force --plots "$@"  # --force: replace the last quick start
