#!/usr/bin/env bash
# Synthesizes the datasets the workload presets (jobs/workloads/*.toml) train on, scaled to this machine
# with the paper's weak-scaling rows per DPU on 2 servers x 8 DPUs:
#   data/yfcc-like.h5:   16 x 3,328 = 53,248 train rows x 4,096 dense features (+ 13,312 test), ~1.1 GB
#   data/criteo-like.h5: 16 x 196,608 = 3,145,728 train rows x 39 of 10^6 binary features (+ 786,432 test), ~0.6 GB
# Usage: bash jobs/workloads/make-data.sh [ranks]   (needs a build: bash jobs/build.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
source jobs/env.sh
np=${1:-2}
mkdir -p data
mpirun -np "$np" build/src/pimscale data synth --kind dense --rows 53248 --test-rows 13312 --features 4096 --seed 1 \
  --out data/yfcc-like.h5
mpirun -np "$np" build/src/pimscale data synth --kind sparse --rows 3145728 --test-rows 786432 --seed 1 \
  --out data/criteo-like.h5
