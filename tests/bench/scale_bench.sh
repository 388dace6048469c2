#!/usr/bin/env bash
# Benchmark (run by hand, not by CTest): issue 14's scale targets on this machine, with the peak resident
# memory of every rank (GNU time's maximum RSS, per process).
#  1. Criteo-like data (10^6 features, 39 non-zeros per row), MA-SGD and ADMM x LR and SVM, one epoch:
#     1 rank x 2,560 DPUs and 2 ranks x 2,048 DPUs. Target: <= 8 GiB per rank, plus the shard.
#  2. 64 ranks x 2,560 DPUs on a small dense file (64 features, 2 rows per DPU) still trains (MA-SGD: GA-SGD's
#     global batch would have to be a power of two and a multiple of 163,840 DPUs).
#  3. A configuration that cannot fit is refused before allocation, naming what it needs and what the
#     machine has (PIMSCALE_HOST_MEMORY stands for a 256 MiB machine).
# Usage: bash tests/bench/scale_bench.sh [build dir (default build)] [Criteo rows (default 2,097,152)]
# About 4 minutes here (2 cores).
set -euo pipefail
cd "$(dirname "$0")/../.."
source jobs/env.sh
B=${1:-build}
ROWS=${2:-2097152}
P="$B/src/pimscale"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
mpirun -np 2 "$P" data synth --kind sparse --rows "$ROWS" --test-rows 16384 --seed 1 --out "$OUT/criteo.h5" >/dev/null
mpirun -np 2 "$P" data synth --kind dense --rows 327680 --test-rows 1024 --features 64 --seed 1 \
  --out "$OUT/dense.h5" >/dev/null

report() {  # RUN_DIR RSS_FILE LABEL
  python3 - "$@" <<'PY'
import json, sys
run, rss, label = sys.argv[1:4]
f = json.load(open(run + "/run.json"))["final"]
ranks = [int(l) / 1024 for l in open(rss).read().split()]
print(f"{label:34s} {f['train_wall_seconds']:9.2f} {f['load_wall_seconds']:7.2f} "
      f"{' '.join(f'{r:7.0f}' for r in ranks):>16s}  {f['test_auc']:.4f}")
PY
}
printf '%-34s %9s %7s %16s  %s\n' "configuration" "epoch s" "load s" "peak MiB/rank" "test AUC"
for alg in ma-sgd admm; do
  for model in lr svm; do
    for shape in "1 2560" "2 2048"; do
      read -r np dpus <<<"$shape"
      name="$alg-$model-${np}x$dpus"
      : >"$OUT/$name.rss"
      mpirun -np "$np" /usr/bin/time -a -o "$OUT/$name.rss" -f "%M" "$P" train --data "$OUT/criteo.h5" \
        --algorithm "$alg" --model "$model" --dpus-per-server "$dpus" --batch 64 --lr-shift 2 --epochs 1 \
        --threads 1 --out "$OUT/$name" >/dev/null
      report "$OUT/$name" "$OUT/$name.rss" "criteo $alg $model $np x $dpus"
    done
  done
done
: >"$OUT/dense.rss"
mpirun -np 64 /usr/bin/time -a -o "$OUT/dense.rss" -f "%M" "$P" train --data "$OUT/dense.h5" \
  --algorithm ma-sgd --dpus-per-server 2560 --batch 1 --epochs 1 --threads 1 --out "$OUT/dense64" >/dev/null
python3 - "$OUT/dense64/run.json" "$OUT/dense.rss" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))["final"]
ranks = [int(l) / 1024 for l in open(sys.argv[2]).read().split()]
print(f"dense ma-sgd 64 x 2560: epoch {f['train_wall_seconds']:.2f} s, peak {min(ranks):.0f}-{max(ranks):.0f} MiB per rank, "
      f"sha256 {json.load(open(sys.argv[1]))['final']['model_sha256'][:16]}")
PY
if PIMSCALE_HOST_MEMORY=$((256 << 20)) "$P" train --data "$OUT/criteo.h5" --algorithm admm --dpus-per-server 2560 \
  --batch 64 --epochs 1 --out "$OUT/refused" >"$OUT/refused.log" 2>&1; then
  echo "FAIL: a 256 MiB machine was not refused"
  exit 1
fi
echo "256 MiB machine: $(grep -m1 'host memory' "$OUT/refused.log")"
[[ ! -e "$OUT/refused" ]] && echo "(nothing written)"
