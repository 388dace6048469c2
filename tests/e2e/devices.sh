#!/usr/bin/env bash
# Modelled CPU and GPU servers (issue 17): `predict --device gpu` writes a run folder every reader of a
# PIM prediction reads (device "gpu", timing "predicted", the phases summing to the total, the preset's
# numbers with their sources); rows beyond the GPU's memory are streamed and the run says so; `plan
# --devices pim,cpu,gpu` ranks the three kinds of server together and names the winner's margin.
# The model's arithmetic is unit-tested (tests/unit/gpu_model_test.cpp); this checks the program.
source "$(dirname "$0")/lib.sh"

run 2 data synth --kind dense --rows 8192 --test-rows 512 --features 256 --seed 3 --out "$WORK/d.h5" >/dev/null
run 2 data synth --kind sparse --rows 8192 --test-rows 512 --seed 3 --out "$WORK/s.h5" >/dev/null

for kind in d s; do
  for alg in ga-sgd ma-sgd admm; do
    batch=256
    [ "$alg" != ga-sgd ] && batch=16
    run 1 predict --device gpu --hardware gpu-a100-80gb-sxm --data "$WORK/$kind.h5" --algorithm "$alg" \
      --batch "$batch" --servers 2 --epochs 2 --network 100gbe --out "$WORK/g-$kind-$alg" >"$WORK/g.log"
    python3 - "$WORK/g-$kind-$alg/run.json" "$WORK/g-$kind-$alg/epochs.csv" <<'PY'
import csv, json, sys
run = json.load(open(sys.argv[1]))
assert run["device"] == "gpu" and run["timing"] == "predicted" and run["predicted"], run["device"]
assert run["workers_per_server"] == 1 and run["dpus_per_server"] == 0
p = run["prediction"]
assert p["device"] == "gpu" and p["gpu"] == "gpu-a100-80gb-sxm" and not p["data_streams"]
params = run["hardware"]["parameters"]
assert params["gpu.memory_bandwidth_gbps"]["value"] == 2039
assert all(v["source"] for v in params.values()), "every preset number has its source"
ps = run["phases_picoseconds"]
assert sum(v for k, v in ps.items() if k != "total") == run["final"]["emulated_picoseconds"]
assert ps["dpu_compute"] > 0 and ps["network"] > 0  # two servers
assert ps["dpu_dma"] == 0 and ps["dpu_to_host"] == 0 and ps["host_to_dpu"] == 0  # resident rows
rows = list(csv.DictReader(open(sys.argv[2])))
assert len(rows) == 2 and abs(float(rows[1]["emulated_seconds_total"]) - run["final"]["emulated_seconds"]) < 1e-9
# The first epoch's rows are loaded once, before training (start-up, not in the epoch).
assert run["startup"]["data_load"] > 0
PY
  done
done

# A GPU of 4 MB behind a 0.1 GB/s link: the rows (8 MB) are streamed every step, the copies outlast
# the kernels, and the run says so.
sed -E 's/^device_memory_bytes = \{ value = [0-9e.]+/device_memory_bytes = { value = 4e6/;
        s/^host_link_gbps = \{ value = [0-9e.]+/host_link_gbps = { value = 0.1/' \
  "$(dirname "$0")/../../jobs/presets/hardware/gpu-a100-80gb-sxm.toml" >"$WORK/small-gpu.toml"
run 1 predict --device gpu --hardware "$WORK/small-gpu.toml" --data "$WORK/d.h5" --batch 256 \
  --out "$WORK/small" >"$WORK/small.log"
grep -q "exceeds gpu-a100-80gb-sxm's device memory (0.004 GB): its rows are streamed" "$WORK/small.log" ||
  fail "no streaming note: $(cat "$WORK/small.log")"
python3 - "$WORK/small/run.json" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))
p = run["prediction"]
assert p["data_streams"] and "streamed" in p["note"], p
assert run["phases_picoseconds"]["host_to_dpu"] > 0 and run["bytes"]["host_to_dpu"] > 0
PY

# plan --devices: PIM, CPU and GPU candidates ranked together, the winner and its margin over each.
run 1 plan --data "$WORK/s.h5" --devices pim,cpu,gpu --servers 1,2 --dpus 16 --batches 16,256 \
  --out "$WORK/plan" >"$WORK/plan.log"
python3 - "$WORK/plan/plan.csv" "$WORK/plan.log" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
devices = {r["device"] for r in rows}
assert devices == {"pim", "cpu", "gpu"}, devices
assert len(rows) == 3 * 3 * 2 * 2, len(rows)  # devices x algorithms x batches x servers
feasible = [r for r in rows if r["feasible"] == "1"]
t = [float(r["epoch_seconds"]) for r in feasible]
assert t == sorted(t) and feasible[0]["rank"] == "1", "ranked by time per epoch"
for r in rows:
    if r["device"] == "cpu":
        assert r["hardware"] == "cpu-epyc-7742-2s" and r["workers_per_server"] == "128" and r["dpus_per_server"] == "0"
    if r["device"] == "gpu":
        assert r["hardware"] == "gpu-a100-80gb-sxm" and r["workers_per_server"] == "1"
log = open(sys.argv[2]).read()
w = feasible[0]
assert f"winner: {w['servers']} {w['device']} servers" in log, log
others = sorted(devices - {w["device"]})
for d in others:
    best = next(r for r in feasible if r["device"] == d)
    margin = float(best["epoch_seconds"]) / float(w["epoch_seconds"])
    assert f"{margin:.3g}x faster than the best {d} candidate (rank {best['rank']}" in log, (d, log)
print("plan --devices:", len(rows), "candidates; winner", w["device"], w["algorithm"])
PY

expect_error 1 "plan --devices compares PIM, CPU and GPU servers on one dataset: give its size as --rows" \
  plan --synthetic yfcc --rows-per-dpu 64 --devices pim,gpu
expect_error 1 "--devices 'pim,tpu': 'tpu' is unknown" plan --data "$WORK/d.h5" --devices pim,tpu
expect_error 1 "has no \[gpu\] table" plan --data "$WORK/d.h5" --devices gpu --gpu-hardware cpu-epyc-7742-2s
echo "e2e_devices: ok"
