# Scaling studies: the README's weak-scaling sweep of GA-SGD over 1, 2, 4, 8 servers (oversubscribed)
# writes one CSV in which each DPU's work per epoch stays fixed while the inter-server share grows exactly
# as the all-reduce formula predicts; a strong-scaling sweep speeds up; a failing point stops the sweep.
source "$(dirname "$0")/lib.sh"

run 2 data synth --kind dense --rows 2048 --test-rows 256 --features 32 --seed 5 --out "$WORK/d.h5" >/dev/null
timeout 600 "$PIMSCALE" sweep --data "$WORK/d.h5" --algorithm ga-sgd --servers 1,2,4,8 --dpus-per-server 2 \
  --rows-per-dpu 64 --batch 32 --epochs 3 --target-accuracy 0.8 --out "$WORK/weak"
python3 - "$WORK/weak" "$PIMSCALE" <<'PY'
import csv, json, math, os, sys
rows = list(csv.DictReader(open(os.path.join(sys.argv[1], "sweep.csv"))))
assert [int(r["servers"]) for r in rows] == [1, 2, 4, 8], rows
# 25gbe preset: alpha 15 us, beta 8 / 25e9 s/B, gamma 1 / 10e9 s/B; an all-reduce of n <= 2048 B over a
# power-of-two p is recursive doubling: lg p (alpha + n beta + n gamma).
alpha, beta, gamma = 15e-6, 8 / 25e9, 1 / 10e9
shares = []
for r in rows:
    run = json.load(open(os.path.join(sys.argv[1], r["run"], "run.json")))
    n = (run["dataset"]["model_weights"] + 1) * 8
    p = int(r["servers"])
    assert n <= 2048 and run["network"]["allreduce"]["algorithm"] in (None, "recursive-doubling")
    expected = int(r["rounds_per_epoch"]) * math.log2(p) * (alpha + n * beta + n * gamma)
    got = float(r["network_seconds_per_epoch"])
    assert abs(got - expected) <= 1e-6 * max(expected, 1e-12) + 1e-12, (p, got, expected)
    assert r["dpu_seconds_per_epoch"] == rows[0]["dpu_seconds_per_epoch"], "weak scaling: each DPU's work is fixed"
    assert int(r["train_rows"]) == 64 * 2 * p and int(r["batch"]) == 32 * p
    if r["time_to_target_seconds"]:
        assert float(r["time_to_target_seconds"]) <= 3 * float(r["emulated_seconds_per_epoch"]) * (1 + 1e-9)
    shares.append(float(r["network_share"]))
    print(f"  {p} servers: network {100 * shares[-1]:.2f}% of the epoch (formula {expected * 1e6:.2f} us/epoch), "
          f"efficiency {float(r['parallel_efficiency']):.3f}")
assert shares[0] == 0 and all(a < b for a, b in zip(shares, shares[1:])), shares
effs = [float(r["parallel_efficiency"]) for r in rows]
assert effs[0] == 1 and all(a > b for a, b in zip(effs, effs[1:])), effs
PY

timeout 600 "$PIMSCALE" sweep --mode strong --data "$WORK/d.h5" --algorithm ma-sgd --servers 1,2,4 --dpus-per-server 2 \
  --rows 1024 --batch 16 --epochs 1 --out "$WORK/strong" >/dev/null
python3 - "$WORK/strong/sweep.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert all(int(r["train_rows"]) == 1024 for r in rows)
speedups = [float(r["speedup"]) for r in rows]
assert speedups[0] == 1 and speedups[1] > 1.5 and speedups[2] > speedups[1], speedups
print(f"  strong scaling MA-SGD 1, 2, 4 servers: speedup {speedups}")
PY

# A point that cannot run stops the sweep with one error line and leaves no results folder.
rc=0
timeout 600 "$PIMSCALE" sweep --data "$WORK/d.h5" --servers 1,2 --dpus-per-server 2 --rows-per-dpu 4096 \
  --out "$WORK/bad" >/dev/null 2>"$WORK/err" || rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "a sweep over too many rows must fail (rc $rc)"
grep -q "^pimscale: error: .*fewer than the" "$WORK/err" || { cat "$WORK/err" >&2; fail "error line"; }
[ ! -e "$WORK/bad" ] && [ ! -e "$WORK/bad.partial" ] || fail "a failed sweep left a folder"
echo "sweep: all checks passed"
