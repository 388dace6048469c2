#!/usr/bin/env bash
# Issue 17's comparison table: PIM-Opt's 12 workloads at its scale (2,048 DPUs, the weak-scaling
# training sets: 3,328 YFCC rows and 196,608 Criteo rows a DPU, so 6,815,744 and 402,653,184 rows),
# predicted seconds per epoch on one UPMEM server (2,048 DPUs of upmem-2560-v1a), one 2x EPYC 7742
# server (cpu-epyc-7742-2s, 128 workers) and one A100 80GB (gpu-a100-80gb-sxm), with PIM-Opt's
# hyperparameters (shared/reference/pim-training.md section 4; the batches of jobs/workloads/*.toml
# at the paper's scale). Nothing is trained: every number is a prediction (`pimscale predict`), and
# the CPU and GPU ones rest on their presets' sources (README, CPU and GPU servers).
# Usage: bash jobs/pimopt-compare.sh [build dir (default build)]   (prints a Markdown table)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
echo "| workload | batch | PIM s/epoch | CPU s/epoch | GPU s/epoch | fastest | GPU data |"
echo "|---|---|---|---|---|---|---|"
for data in yfcc criteo; do
  if [ "$data" = yfcc ]; then rows=6815744; else rows=402653184; fi
  for model in lr svm; do
    for alg in ma-sgd ga-sgd admm; do
      # PIM-Opt's hyperparameters (MA-SGD and ADMM: b per DPU or worker; GA-SGD: global b).
      case "$data-$model-$alg" in
        yfcc-lr-ma-sgd) h="--batch 8 --lr-shift 6 --reg-shift 12" ;;
        yfcc-lr-ga-sgd) h="--batch 8192 --lr-shift 4 --reg-shift 10" ;;
        yfcc-lr-admm) h="--batch 8 --lr-shift 6 --reg-shift 12 --alpha 4" ;;
        yfcc-svm-ma-sgd) h="--batch 8 --lr-shift 6 --reg-shift 10" ;;
        yfcc-svm-ga-sgd) h="--batch 8192 --lr-shift 6 --reg-shift 8" ;;
        yfcc-svm-admm) h="--batch 8 --lr-shift 6 --reg-shift 10 --alpha 12" ;;
        criteo-lr-ma-sgd) h="--batch 2048 --lr-shift 0 --reg-shift 12" ;;
        criteo-lr-ga-sgd) h="--batch 262144 --lr-shift 0 --reg-shift 12" ;;
        criteo-lr-admm) h="--batch 2048 --lr-shift 0 --reg-shift 12 --alpha 6" ;;
        criteo-svm-ma-sgd) h="--batch 2048 --lr-shift 2 --reg-shift 12" ;;
        criteo-svm-ga-sgd) h="--batch 262144 --lr-shift 2 --reg-shift 12" ;;
        criteo-svm-admm) h="--batch 2048 --lr-shift 1 --reg-shift 12 --alpha 8" ;;
      esac
      common="--synthetic $data --rows $rows --model $model --algorithm $alg $h --epochs 2"
      # shellcheck disable=SC2086
      "$B/src/pimscale" predict $common --dpus-per-server 2048 --out "$OUT/pim" --force >/dev/null
      # shellcheck disable=SC2086
      "$B/src/pimscale" predict --device cpu --hardware cpu-epyc-7742-2s $common --out "$OUT/cpu" \
        --force >/dev/null
      # shellcheck disable=SC2086
      "$B/src/pimscale" predict --device gpu --hardware gpu-a100-80gb-sxm $common --out "$OUT/gpu" \
        --force >/dev/null
      python3 - "$data-$model-$alg" "$(echo "$h" | cut -d' ' -f2)" "$OUT" <<'PY'
import json, sys
name, batch, out = sys.argv[1:]
def steady(d):
    run = json.load(open(f"{out}/{d}/epochs.csv".replace("epochs.csv", "run.json")))
    rows = open(f"{out}/{d}/epochs.csv").read().splitlines()
    head = rows[0].split(","); last = dict(zip(head, rows[-1].split(",")))
    return float(last["emulated_seconds"]), run
t = {d: steady(d) for d in ("pim", "cpu", "gpu")}
best = min(t, key=lambda d: t[d][0])
gpu = t["gpu"][1]["prediction"]
fits = "streamed" if gpu["data_streams"] else "resident"
print(f"| {name} | {batch} | {t['pim'][0]:.4g} | {t['cpu'][0]:.4g} | {t['gpu'][0]:.4g} | {best} | {fits} |")
PY
    done
  done
done
