#!/usr/bin/env bash
# Benchmark (run by hand, not by CTest): the emulator's wall time per epoch and peak memory on Criteo-like
# sparse data (10^6 features, 39 non-zeros per row), one rank, --threads 1, for the three algorithms.
# Prints epoch wall seconds (run.json final.train_wall_seconds), load seconds and peak RSS per
# configuration, and model_sha256 so runs of two builds can be compared (a speed-up must not change it).
# Usage: bash tests/bench/sparse_bench.sh [build/src/pimscale] [rows (default 262144)]
set -euo pipefail
cd "$(dirname "$0")/../.."
source jobs/env.sh
P=${1:-build/src/pimscale}
ROWS=${2:-262144}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
mpirun -np 2 "$P" data synth --kind sparse --rows "$ROWS" --test-rows 8192 --seed 1 --out "$OUT/criteo.h5" >/dev/null
printf '%-8s %6s %7s %12s %10s %12s  %s\n' algorithm DPUs batch "epoch wall s" "load s" "peak MiB" sha256
for case in "ga-sgd 256 2048 0" "ma-sgd 64 64 2" "admm 64 64 2"; do
  read -r alg dpus batch lr <<<"$case"
  "$P" train --data "$OUT/criteo.h5" --algorithm "$alg" --dpus-per-server "$dpus" --batch "$batch" \
    --lr-shift "$lr" --epochs 1 --threads 1 --out "$OUT/$alg" >/dev/null
  python3 - "$OUT/$alg/run.json" "$alg" "$dpus" "$batch" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["final"]
print(f"{sys.argv[2]:8s} {sys.argv[3]:>6s} {sys.argv[4]:>7s} {r['train_wall_seconds']:12.2f} "
      f"{r.get('load_wall_seconds', float('nan')):10.2f} {r['peak_rss_mib']:12.0f}  {r['model_sha256'][:16]}")
PY
done
