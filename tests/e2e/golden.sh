# Results unchanged: a fixed set of runs (the quick start; the 12 workload presets in fixed and float, two
# in float-saturating; count-only and predict runs) must give run.json and epochs.csv identical to the
# recorded ones in tests/golden/, byte for byte after dropping what cannot repeat (wall time, peak memory,
# the git revision, paths under the test's temporary folder and the checkout). model_sha256, every metric and every emulated
# picosecond are compared exactly. Refactors and speed-ups must leave these untouched; a deliberate change
# of results re-records them in a commit of its own:
#   PIMSCALE_GOLDEN_RECORD=1 ctest --test-dir build -R e2e_golden
source "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")/../.." && pwd)
golden="$here/tests/golden"

run 2 data synth --kind dense --rows 20000 --test-rows 4000 --features 256 --seed 1 --noise 0.1 \
  --out "$WORK/quick.h5" >/dev/null
run 2 data synth --kind dense --rows 8192 --test-rows 512 --features 64 --seed 3 --out "$WORK/yfcc.h5" >/dev/null
run 2 data synth --kind sparse --rows 32768 --test-rows 2048 --features 100000 --nnz-spread 8 --seed 5 \
  --out "$WORK/criteo.h5" >/dev/null

runs=()
train() {  # NAME NP ARGS...
  local name=$1 np=$2
  shift 2
  run "$np" train "$@" --out "$WORK/$name" >/dev/null
  runs+=("$name")
}
predict() {  # NAME ARGS...
  local name=$1
  shift
  timeout 120 "$PIMSCALE" predict "$@" --out "$WORK/$name" >/dev/null
  runs+=("$name")
}

train quickstart 2 --config "$here/jobs/configs/quickstart.toml" --data "$WORK/quick.h5"
for preset in "$here"/jobs/workloads/*.toml; do
  name=$(basename "$preset" .toml)
  data="$WORK/yfcc.h5"
  extra=()
  if [[ $name == criteo-* ]]; then
    data="$WORK/criteo.h5"
    [[ $name == *-ga-sgd ]] && extra=(--batch 8192)  # the preset's 262,144 exceeds this file
  fi
  for numerics in fixed float; do
    train "$name-$numerics" 2 --config "$preset" --data "$data" --dpus-per-server 2 --epochs 2 --numerics "$numerics" \
      "${extra[@]}"
  done
done
train yfcc-svm-ma-sgd-float-saturating 2 --config "$here/jobs/workloads/yfcc-svm-ma-sgd.toml" --data "$WORK/yfcc.h5" \
  --dpus-per-server 2 --epochs 2 --numerics float-saturating
train criteo-lr-admm-float-saturating 2 --config "$here/jobs/workloads/criteo-lr-admm.toml" --data "$WORK/criteo.h5" \
  --dpus-per-server 2 --epochs 2 --numerics float-saturating
# Sparse MA-SGD and ADMM on many DPUs per server with small batches: most DPUs leave most weights untouched
# (the runs that keep the shared-base-plus-own-entries model representation exact), uneven shares included.
for numerics in fixed float float-saturating; do
  train "criteo-lr-admm-64dpus-$numerics" 2 --config "$here/jobs/workloads/criteo-lr-admm.toml" --data "$WORK/criteo.h5" \
    --dpus-per-server 64 --batch 16 --epochs 3 --numerics "$numerics"
  train "criteo-svm-ma-sgd-64dpus-$numerics" 2 --config "$here/jobs/workloads/criteo-svm-ma-sgd.toml" \
    --data "$WORK/criteo.h5" --dpus-per-server 64 --batch 16 --epochs 1 --numerics "$numerics"
done
# One server: no all-reduce changes the host's sums, so sparse GA-SGD's update and the next round's clearing
# touch only the entries the DPUs' rows reached (and MA-SGD and ADMM run their one-server paths).
for numerics in fixed float; do
  train "one-server-criteo-lr-ga-sgd-$numerics" 1 --config "$here/jobs/workloads/criteo-lr-ga-sgd.toml" \
    --data "$WORK/criteo.h5" --dpus-per-server 8 --batch 1024 --epochs 2 --numerics "$numerics"
  train "one-server-criteo-svm-ga-sgd-$numerics" 1 --config "$here/jobs/workloads/criteo-svm-ga-sgd.toml" \
    --data "$WORK/criteo.h5" --dpus-per-server 8 --batch 1024 --epochs 2 --numerics "$numerics"
  train "one-server-criteo-lr-ma-sgd-$numerics" 1 --config "$here/jobs/workloads/criteo-lr-ma-sgd.toml" \
    --data "$WORK/criteo.h5" --dpus-per-server 64 --batch 16 --epochs 1 --numerics "$numerics"
  train "one-server-criteo-svm-admm-$numerics" 1 --config "$here/jobs/workloads/criteo-svm-admm.toml" \
    --data "$WORK/criteo.h5" --dpus-per-server 64 --batch 16 --epochs 2 --numerics "$numerics"
done
train criteo-svm-admm-shares-float 2 --config "$here/jobs/workloads/criteo-svm-admm.toml" --data "$WORK/criteo.h5" \
  --dpus-per-server 32 --batch 32 --shares 2,1 --epochs 2 --numerics float
train criteo-lr-ma-sgd-shares-fixed 2 --config "$here/jobs/workloads/criteo-lr-ma-sgd.toml" --data "$WORK/criteo.h5" \
  --dpus-per-server 32 --batch 16 --shares 1,2 --epochs 1
train count-only-criteo-ga-sgd 1 --count-only --synthetic criteo --rows-per-dpu 65536 --dpus-per-server 2048 --batch 8192 \
  --epochs 1
train count-only-file-admm 3 --count-only --data "$WORK/criteo.h5" --algorithm admm --model svm --dpus-per-server 4 \
  --batch 64 --shares 1,2,1 --epochs 2
train uneven-shares-ma-sgd 3 --data "$WORK/yfcc.h5" --algorithm ma-sgd --dpus-per-server 4 --batch 16 --shares 1,1,2 \
  --epochs 2 --network 100gbe
predict predict-criteo-admm --synthetic criteo --rows-per-dpu 100000 --algorithm admm --dpus-per-server 2048 --batch 2048 \
  --servers 4 --epochs 3
predict predict-yfcc-ga-sgd --synthetic yfcc --rows-per-dpu 3328 --dpus-per-server 2048 --batch 8192 --servers 2 \
  --network ib-hdr --epochs 2
predict predict-file-ma-sgd --data "$WORK/criteo.h5" --algorithm ma-sgd --model svm --dpus-per-server 8 --batch 64 \
  --servers 2 --shares 1,3 --epochs 2 --numerics float
predict predict-file-dense-ga-sgd --data "$WORK/yfcc.h5" --dpus-per-server 16 --batch 256 --servers 4 --epochs 2
# The CPU model on a fixed CPU preset (tests/golden/cpu-2core-vm.toml): its formula, not this machine's speed.
predict predict-cpu-dense-ma-sgd --device cpu --hardware "$golden/cpu-2core-vm.toml" --data "$WORK/yfcc.h5" \
  --algorithm ma-sgd --batch 64 --servers 4 --servers-per-machine 2 --threads 2 --workers-per-server 4 --epochs 2
predict predict-cpu-sparse-admm --device cpu --hardware "$golden/cpu-2core-vm.toml" --data "$WORK/criteo.h5" \
  --algorithm admm --model svm --batch 64 --svm-active-fraction 0.25 --servers 8 --network ib-hdr --epochs 2

python3 - "$WORK" "$here" "$golden" "${runs[@]}" <<'PY'
import json, os, sys
work, repo, golden, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
record = os.environ.get("PIMSCALE_GOLDEN_RECORD") == "1"
DROP = {("git_revision",), ("final", "wall_seconds"), ("final", "load_wall_seconds"), ("final", "train_wall_seconds"), ("final", "metrics_wall_seconds"),
        ("final", "peak_rss_mib")}

def clean(v, path=()):
    if isinstance(v, dict):
        return {k: clean(x, path + (k,)) for k, x in v.items() if path + (k,) not in DROP}
    if isinstance(v, list):
        return [clean(x, path) for x in v]
    if isinstance(v, str):  # paths: the test's temporary folder and this checkout
        return v.replace(work, "$WORK").replace(repo, "$REPO")
    return v

def result(name):
    run = json.load(open(os.path.join(work, name, "run.json")))
    lines = open(os.path.join(work, name, "epochs.csv")).read().splitlines()
    header = lines[0].split(",")
    rows = [dict(zip(header, l.split(","))) for l in lines[1:]]
    epochs = [",".join(c for c in header if c not in WALL_COLUMNS)]
    epochs += [",".join(r[c] for c in header if c not in WALL_COLUMNS) for r in rows]
    return {"run": clean(run), "epochs": epochs}


WALL_COLUMNS = {"wall_seconds", "metrics_wall_seconds"}


def epochs_diff(want, got, added):
    """Every recorded column, in every recorded row, unchanged; new columns are only listed."""
    wh, gh = want[0].split(","), got[0].split(",")
    missing = [c for c in wh if c not in gh]
    if missing:
        return [f"/epochs: columns {missing} removed"]
    added.update(f"/epochs/{c}" for c in gh if c not in wh)
    if len(want) != len(got):
        return [f"/epochs: {len(want) - 1} rows -> {len(got) - 1}"]
    out = []
    for i, (w, g) in enumerate(zip(want[1:], got[1:])):
        wr, gr = dict(zip(wh, w.split(","))), dict(zip(gh, g.split(",")))
        out += [f"/epochs[{i}]/{c}: {wr[c]} -> {gr[c]}" for c in wh if wr[c] != gr[c]]
    return out

# Keys may be added (run.json is a contract users extend, never break): a key in the recording must be
# there with its value; a new key is listed, not failed. epochs.csv columns likewise.
def diff(a, b, path="", added=None):
    if type(a) != type(b):
        return [f"{path}: {a!r} -> {b!r}"]
    if isinstance(a, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k not in b:
                out.append(f"{path}/{k}: removed")
            elif k not in a:
                if added is not None:
                    added.add(f"{path}/{k}")
            else:
                out += diff(a[k], b[k], f"{path}/{k}", added)
        return out
    if isinstance(a, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} entries -> {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in diff(x, y, f"{path}[{i}]", added)]
    return [] if a == b else [f"{path}: {a!r} -> {b!r}"]

failed = 0
for name in names:
    got = result(name)
    path = os.path.join(golden, name + ".json")
    if record:
        os.makedirs(golden, exist_ok=True)
        with open(path, "w") as f:
            json.dump(got, f, indent=1, sort_keys=True)
            f.write("\n")
        print(f"recorded: {name}")
        continue
    if not os.path.exists(path):
        print(f"FAIL: {name}: no recorded result {path}")
        failed += 1
        continue
    want = json.load(open(path))
    added = set()
    d = diff(want["run"], got["run"], "/run", added) + epochs_diff(want["epochs"], got["epochs"], added)
    if d:
        failed += 1
        print(f"FAIL: {name}: {len(d)} differences from the recorded result (recorded -> now):")
        for line in d[:20]:
            print("   ", line)
    else:
        sha = got["run"]["final"]["model_sha256"]
        print(f"ok: {name}: emulated {got['run']['final']['emulated_picoseconds']} ps, sha256 {str(sha)[:12]}"
              + (f" (new keys: {', '.join(sorted(added))})" if added else ""))
if not record:
    print(f"golden: {len(names) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
