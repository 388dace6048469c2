# The predictor against the emulator. 20 decision sets of 4 random configurations each (80 in all), every
# one trained for an epoch under mpiexec and predicted in one process: algorithm, LR or SVM, fixed or float,
# dense or sparse data with different feature skews and non-zero spreads (two files with stored /stats,
# three read through their row offsets), 4-32 DPUs per server, 1-4 servers, batch size, network preset.
# Targets (issue 6): per-epoch time within a geometric-mean relative error of 3% and a maximum of 10%, every
# error reported and none floored (those exactly 0 are counted apart: dense data, and LR on a sparse file, whose
# launches predict prices on the rows each DPU holds); the predicted fastest of each set is an emulated fastest
# in >= 95% of the sets. Sorted, clustered and real sparse files and close decision sets: e2e_predict_files. Also: `data stats` is exact on
# a constant-row file, predict writes run.json with train's keys and "predicted": true, and `plan` ranks
# candidates by predicted time per epoch and by time to a target accuracy from a short run's curve.
# SVM configurations are predicted with the share of rows inside the margin their run measured
# (--svm-active-fraction; so that share itself is not validated here) and, apart, with predict's
# default of every row, whose excess over the emulated time is reported.
source "$(dirname "$0")/lib.sh"

synth() { run 2 data synth --test-rows 256 --seed 11 --out "$WORK/$1.h5" "${@:2}" >/dev/null; }
synth dense64 --kind dense --rows 4096 --features 64
synth dense200 --kind dense --rows 4096 --features 200
synth flat --kind sparse --rows 4096 --features 2048 --nnz-per-row 39 --zipf-exponent 0.8
synth skewed --kind sparse --rows 4096 --features 4096 --nnz-per-row 24 --nnz-spread 16 --zipf-exponent 1.4
synth spread --kind sparse --rows 4096 --features 1024 --nnz-per-row 12 --nnz-spread 8 --zipf-exponent 1.0

# Statistics: stored for two files (the others are predicted from their row offsets alone).
timeout 120 "$PIMSCALE" data stats "$WORK/flat.h5" --batches 64 --shards 32 >"$WORK/stats.txt"
cat "$WORK/stats.txt"
grep -q "mean 39.000, std 0.000, max 39" "$WORK/stats.txt" || fail "flat: 39 non-zeros in every row"
grep -q "32 shards of 128 rows: fullest / mean non-zeros 1.0000 (independent rows would give 1.0000)" "$WORK/stats.txt" ||
  fail "flat: equal rows make equal shards"
timeout 120 "$PIMSCALE" data stats "$WORK/skewed.h5" --batches 16,256 --shards 64 >"$WORK/stats2.txt"
cat "$WORK/stats2.txt"
grep -q "stored in" "$WORK/stats2.txt" || fail "stats not stored"

export WORK
python3 - "$PIMSCALE" "$MPIEXEC" <<'PY'
import csv, json, math, os, random, subprocess, sys
pimscale, mpiexec = sys.argv[1], sys.argv[2]
work = os.environ["WORK"]
rng = random.Random(20261123)

def sh(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)}\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")

def epoch_seconds(out):
    rows = list(csv.DictReader(open(os.path.join(out, "epochs.csv"))))
    return float(rows[0]["emulated_seconds"])

datasets = ["dense64", "dense200", "flat", "skewed", "spread"]
def draw(data, model, numerics):
    while True:
        alg = rng.choice(["ga-sgd", "ma-sgd", "admm"])
        servers = rng.choice([1, 2, 4]) if alg == "ga-sgd" else rng.randint(1, 4)
        dpus = rng.choice([4, 8, 16, 32])
        n = servers * dpus
        if alg == "ga-sgd":
            batch = n * rng.choice([1, 2, 4, 8])
        else:
            batch = rng.choice([4, 8, 16, 32])
            if batch * n > 4096:
                continue
        net = rng.choice(["25gbe", "100gbe", "ib-hdr"])
        return dict(algorithm=alg, servers=servers, dpus=dpus, batch=batch, network=net, data=data,
                    model=model, numerics=numerics)

def flags(c):
    return ["--data", f"{work}/{c['data']}.h5", "--algorithm", c["algorithm"], "--model", c["model"],
            "--numerics", c["numerics"], "--dpus-per-server", str(c["dpus"]), "--batch", str(c["batch"]),
            "--network", c["network"], "--epochs", "1", "--lr-shift", "4", "--reg-shift", "10"]

errors, sets_right, sets, upper = [], 0, 20, []
for s in range(sets):
    data = datasets[s % len(datasets)]
    model, numerics = rng.choice(["lr", "svm"]), rng.choice(["fixed", "fixed", "float"])
    seen, cands = set(), []
    while len(cands) < 4:
        c = draw(data, model, numerics)
        key = tuple(sorted(c.items()))
        if key not in seen:
            seen.add(key)
            cands.append(c)
    emulated, predicted = [], []
    for i, c in enumerate(cands):
        t_out, p_out = f"{work}/t{s}_{i}", f"{work}/p{s}_{i}"
        sh(["timeout", "300", mpiexec, "-n", str(c["servers"]), pimscale, "train"] + flags(c) + ["--threads", "1", "--out", t_out])
        sh(["timeout", "120", pimscale, "predict"] + flags(c) + ["--servers", str(c["servers"]), "--out", p_out])
        e, p = epoch_seconds(t_out), epoch_seconds(p_out)
        if model == "svm":
            # SVM rows outside the margin skip the gradient on the DPU, so a prediction needs the share
            # of rows inside it: by default every row (an upper bound, reported apart), else a
            # measured share. Here the training run's own share (run.json's svm_active) is passed:
            # the errors below then check everything but that share, which predict cannot know.
            share = json.load(open(f"{t_out}/run.json"))["svm_active"]["fraction"]
            sh(["timeout", "120", pimscale, "predict"] + flags(c) + ["--servers", str(c["servers"]),
                "--svm-active-fraction", repr(share), "--out", p_out + "m", "--force"])
            bound = p
            p = epoch_seconds(p_out + "m")
            assert json.load(open(f"{p_out}/run.json"))["svm_active"]["upper_bound"] is True
            assert bound >= p, f"the all-rows prediction {bound} is below the measured share's {p}"
            upper.append((bound - e) / e)
        err = abs(p - e) / e
        errors.append(err)
        emulated.append(e)
        predicted.append(p)
        print(f"set {s:2d} {data:8s} {model} {numerics:5s} {c['algorithm']:6s} {c['servers']}x{c['dpus']:2d} "
              f"b={c['batch']:3d} {c['network']:6s}: emulated {e:.9f} s predicted {p:.9f} s error {100 * err:.4f}%")
        if s == 0 and i == 0:
            tr, pr = json.load(open(f"{t_out}/run.json")), json.load(open(f"{p_out}/run.json"))
            missing = set(tr) - set(pr)
            assert not missing, f"predict's run.json lacks train's keys {missing}"
            assert pr["predicted"] is True and tr["predicted"] is False
            assert set(pr["phases"]) == set(tr["phases"]) and len(pr["servers"]) == c["servers"]
    pick = min(range(len(cands)), key=lambda i: predicted[i])
    right = emulated[pick] <= min(emulated) * (1 + 1e-12)  # an emulated fastest (ties: either is fastest)
    sets_right += right
    print(f"set {s:2d}: predicted fastest #{pick}, emulated fastest #{emulated.index(min(emulated))}: "
          f"{'right' if right else 'WRONG'}")

# Every error, none floored: those exactly 0 are counted (dense data and LR on a sparse file: predict prices
# the rows each DPU holds with the count-only accounting, as the run does), the geometric mean is over the others.
zero = sum(e == 0 for e in errors)
rest = [e for e in errors if e > 0]
geo = math.exp(sum(math.log(e) for e in rest) / len(rest)) if rest else 0.0
worst = max(errors)
print(f"\nper-epoch time over {len(errors)} configurations: {zero} exact; the other {len(rest)}: geometric-mean error "
      f"{100 * geo:.4f}% (target <= 3%); maximum of all {100 * worst:.4f}% (target <= 10%)")
print(f"SVM with every row assumed inside the margin (predict's default, an upper bound): "
      f"{len(upper)} configurations, over the emulated time by {100 * min(upper):.2f}% to {100 * max(upper):.2f}%")
print(f"choice: predicted fastest = emulated fastest in {sets_right}/{sets} sets = {100 * sets_right / sets:.0f}% "
      f"(target >= 95%)")
assert len(errors) >= 40 and sets >= 20
assert geo <= 0.03, "geometric-mean error over 3%"
assert worst <= 0.10, "maximum error over 10%"
assert sets_right >= 0.95 * sets, "choice below 95%"
PY

# plan: ranked by predicted time per epoch (the CSV's order), every candidate listed; with a curve from a
# short emulated run, by time to the target accuracy = start-up + first epoch + (k - 1) later epochs.
run 1 train --data "$WORK/dense64.h5" --algorithm ma-sgd --batch 8 --dpus-per-server 8 --epochs 3 --out "$WORK/curve" >/dev/null
timeout 120 "$PIMSCALE" plan --data "$WORK/dense64.h5" --max-servers 4 --dpus 4,8 --networks 25gbe,ib-hdr \
  --batches 8,32 --curve "$WORK/curve" --target-accuracy 0.5 --out "$WORK/plan" | tee "$WORK/plan.txt"
python3 - "$WORK/plan/plan.csv" "$WORK/curve" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 3 * 3 * 2 * 2 * 2, len(rows)  # algorithms x servers {1,2,4} x DPUs x networks x batches
feasible = [r for r in rows if r["feasible"] == "1"]
timed = [r for r in feasible if r["time_to_target_seconds"]]
assert timed and all(r["algorithm"] == "ma-sgd" and r["batch"] == "8" for r in timed), "curve matched by algorithm, batch"
for r in timed:
    k = int(r["epochs_to_target"])
    want = float(r["startup_seconds"]) + float(r["first_epoch_seconds"]) + (k - 1) * float(r["epoch_seconds"])
    assert abs(float(r["time_to_target_seconds"]) - want) <= 1e-6 * want, r
t = [float(r["time_to_target_seconds"]) for r in timed]
assert [r["rank"] for r in timed] == [str(i + 1) for i in range(len(timed))] and t == sorted(t), "ranked by time to target"
rest = [float(r["epoch_seconds"]) for r in feasible[len(timed):]]
assert rest == sorted(rest), "then by time per epoch"
for r in rows:
    assert (r["feasible"] == "1") == (r["reason"] == ""), r
print(f"plan: {len(rows)} candidates, {len(feasible)} feasible, {len(timed)} with a time to target")
PY
echo "e2e_predict: ok"
