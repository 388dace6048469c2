#!/usr/bin/env bash
# Benchmark (run by hand, not by CTest): `train --device cpu` streams dense rows at what fraction of this
# host's memory bandwidth (issue 17: >= 50%)? The yardstick is kernel_bench's BM_StreamRead (each thread
# sums its own 256 MiB of floats); the trainer's rate is the rows' bytes over host_compute's measured
# seconds (run.json bytes.host_compute / phases.host_compute: the workers' kernels and the update), one
# rank, GA-SGD and MA-SGD, LR and SVM, ROWS x 2,048 features (default 65,536 rows: 512 MiB), 1 and 2 threads.
# Usage: bash tests/bench/cpu_bandwidth.sh [build dir (default build)] [ROWS]
set -euo pipefail
cd "$(dirname "$0")/../.."
source jobs/env.sh
B=${1:-build}
ROWS=${2:-65536}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
"$B/tests/kernel_bench" --benchmark_filter=BM_StreamRead --benchmark_format=json >"$OUT/stream.json" 2>/dev/null
mpirun -np 2 "$B/src/pimscale" data synth --kind dense --rows "$ROWS" --test-rows 1024 --features 2048 --seed 1 \
  --out "$OUT/dense.h5" >/dev/null
printf '%-7s %-4s %7s %6s %12s %12s %9s\n' algo model threads batch "GB/s train" "GB/s read" fraction
for threads in 1 2; do
  stream=$(python3 -c "
import json, sys
for b in json.load(open(sys.argv[1]))['benchmarks']:
    if b['name'].endswith('threads:$threads'): print(b['bytes_per_second'] / 1e9)" "$OUT/stream.json")
  for case in "ga-sgd lr 1024" "ga-sgd svm 1024" "ma-sgd lr 256" "ma-sgd svm 256"; do
    read -r alg model batch <<<"$case"
    "$B/src/pimscale" train --device cpu --data "$OUT/dense.h5" --algorithm "$alg" --model "$model" \
      --batch "$batch" --epochs 3 --threads "$threads" --eval-every 3 --out "$OUT/run" --force >/dev/null
    python3 - "$OUT/run/run.json" "$alg" "$model" "$threads" "$batch" "$stream" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))
rate = run["bytes"]["host_compute"] / run["phases"]["host_compute"] / 1e9
stream = float(sys.argv[6])
print(f"{sys.argv[2]:<7} {sys.argv[3]:<4} {sys.argv[4]:>7} {sys.argv[5]:>6} {rate:12.2f} {stream:12.2f} {rate / stream:9.2f}")
PY
  done
done
