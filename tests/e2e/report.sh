#!/usr/bin/env bash
# `pimscale report` and `--plots` in a real browser (issue 18; label browser): reports of a train run, its
# prediction, a GPU prediction, a sweep and a plan are opened in headless Chromium with every host name
# unresolvable (no network); the page's own check (#pimscale-check, written once every chart has
# rendered) must show no console or script error, every expected chart with marks, and each chart's
# data equal to the numbers of run.json, epochs.csv, sweep.csv and plan.csv. A screenshot of each report
# is saved under report-screenshots/ in the build folder. Bad inputs: a folder that is no result, a
# truncated run.json, a run.json of an older format.
source "$(dirname "$0")/lib.sh"
command -v chromium >/dev/null || fail "chromium is not installed: run jobs/install-deps.sh"
SHOTS="$PWD/report-screenshots"
mkdir -p "$SHOTS"

run 2 data synth --kind dense --rows 4096 --test-rows 512 --features 64 --seed 5 --out "$WORK/d.h5" >/dev/null
run 2 train --data "$WORK/d.h5" --dpus-per-server 8 --batch 64 --epochs 3 --out "$WORK/run" --plots >"$WORK/train.log"
grep -q "^report: $WORK/run/report.html" "$WORK/train.log" || fail "train --plots printed no report path"
run 1 predict --data "$WORK/d.h5" --dpus-per-server 8 --batch 64 --epochs 3 --servers 2 --out "$WORK/pred" --plots \
  >/dev/null
run 1 predict --device gpu --hardware gpu-a100-80gb-sxm --data "$WORK/d.h5" --batch 64 --epochs 3 --servers 2 \
  --out "$WORK/gpu" >/dev/null
"$PIMSCALE" sweep --data "$WORK/d.h5" --servers 1,2 --dpus-per-server 4 --batch 64 --epochs 1 --mode strong \
  --target-accuracy 0.5 --out "$WORK/sweep" --plots >/dev/null
run 1 plan --data "$WORK/d.h5" --devices pim,cpu,gpu --servers 1,2 --dpus 8 --batches 8,64 --out "$WORK/plan" \
  --plots >/dev/null
"$PIMSCALE" report "$WORK/run" "$WORK/pred" "$WORK/gpu" "$WORK/sweep" "$WORK/plan" --out "$WORK/all.html" >/dev/null

# browse NAME FILE: the page's check as JSON in $WORK/NAME.json, and a screenshot.
browse() {
  local flags=(--headless --no-sandbox --disable-gpu --host-resolver-rules="MAP * ~NOTFOUND"
               --virtual-time-budget=20000)
  timeout 120 chromium "${flags[@]}" --dump-dom "file://$2" >"$WORK/$1.dom" 2>"$WORK/$1.err" ||
    fail "chromium failed on $2: $(tail -3 "$WORK/$1.err")"
  timeout 120 chromium "${flags[@]}" --hide-scrollbars --window-size=1100,1400 --screenshot="$SHOTS/$1.png" \
    "file://$2" >/dev/null 2>&1 || fail "no screenshot of $2"
  python3 - "$WORK/$1.dom" "$WORK/$1.json" "$WORK/$1.err" <<'PY'
import html, json, re, sys
dom = open(sys.argv[1]).read()
m = re.search(r'<pre id="pimscale-check"[^>]*>(.*?)</pre>', dom, re.S)
assert m and m.group(1).strip(), "the page never finished rendering its charts"
check = json.loads(html.unescape(m.group(1)))
assert check["errors"] == [], check["errors"]
# Chromium's own log: no uncaught error or failed load from the page.
log = open(sys.argv[3]).read()
bad = [l for l in log.splitlines() if "CONSOLE" in l or "Uncaught" in l or "net::ERR" in l]
assert not bad, bad
json.dump(check, open(sys.argv[2], "w"))
PY
}
browse run "$WORK/run/report.html"
browse pred "$WORK/pred/report.html"
browse sweep "$WORK/sweep/report.html"
browse plan "$WORK/plan/report.html"
browse all "$WORK/all.html"

python3 - "$WORK" <<'PY'
import csv, json, math, sys
W = sys.argv[1]
def load(name): return json.load(open(f"{W}/{name}.json"))["charts"]
def close(a, b, rel=1e-8): return abs(a - b) <= rel * max(abs(a), abs(b), 1e-300)
def marks(charts, ids):
    for i in ids:
        assert i in charts, (i, sorted(charts))
        assert "error" not in charts[i] and charts[i]["marks"] > 0, (i, charts[i])

run = json.load(open(f"{W}/run/run.json"))
epochs = list(csv.DictReader(open(f"{W}/run/epochs.csv")))
c = load("run")
marks(c, ["run0-phases", "run0-bytes", "run0-metrics", "run0-servers", "run0-startup"])
# Phases per epoch: every (epoch, phase) value is epochs.csv's, and they add up to run.json's phases.
per = {(int(d["epoch"]), d["phase"]): d["seconds"] for d in c["run0-phases"]["data"]}
for e in epochs:
    for p in run["phases"]:
        assert close(per[(int(e["epoch"]), p)], float(e[p])), (e["epoch"], p)
for p, total in run["phases"].items():
    assert close(sum(v for (ep, q), v in per.items() if q == p), total, 1e-7), p
# Each server's phases and the start-up: run.json's own numbers.
srv = {(d["server"], d["phase"]): d["seconds"] for d in c["run0-servers"]["data"]}
for s in run["servers"]:
    for p, v in s["phases"].items():
        assert srv[(s["rank"], p)] == v, (s["rank"], p)
assert {d["part"]: d["seconds"] for d in c["run0-startup"]["data"]} == run["startup"]
acc = [d for d in c["run0-metrics"]["data"] if d["metric"] == "test_accuracy" and d["epoch"] == len(epochs)]
assert close(acc[0]["value"], run["final"]["test_accuracy"], 1e-8), acc

# The prediction beside the run: its own report, and in the combined one the error per phase.
c = load("all")
marks(c, ["run0-phases", "run1-phases", "run2-phases", "sweep3-time", "sweep3-speedup", "plan4",
          "compare-curves", "predicted0"])
pred = json.load(open(f"{W}/pred/run.json"))
pairs = {(d["phase"], d["source"]): d["seconds"] for d in c["predicted0"]["data"]}
for p in run["phases"]:
    assert pairs[(p, "emulated")] == run["phases"][p] and pairs[(p, "predicted")] == pred["phases"][p], p
gpu = json.load(open(f"{W}/gpu/run.json"))
assert gpu["device"] == "gpu"
assert {d["part"]: d["seconds"] for d in c["run2-startup"]["data"]} == gpu["startup"]

# Sweep: seconds per epoch, speed-up and the ideal line from sweep.csv.
sweep = list(csv.DictReader(open(f"{W}/sweep/sweep.csv")))
c = load("sweep")
marks(c, ["sweep0-time", "sweep0-speedup", "sweep0-efficiency", "sweep0-network"])
if any(r["time_to_target_seconds"] for r in sweep):
    marks(c, ["sweep0-target"])
    assert sorted(d["time_to_target"] for d in c["sweep0-target"]["data"] if d["time_to_target"] is not None) == \
        sorted(float(r["time_to_target_seconds"]) for r in sweep if r["time_to_target_seconds"])
data = sorted(c["sweep0-time"]["data"], key=lambda d: d["total_dpus"])
assert [d["seconds"] for d in data] == [float(r["emulated_seconds_per_epoch"]) for r in sweep]
t0, n0 = data[0]["seconds"], data[0]["total_dpus"]
assert all(close(d["ideal_seconds"], t0 * n0 / d["total_dpus"]) for d in data)  # strong scaling

# Plan: the feasible candidates in rank order, their predicted seconds per epoch from plan.csv.
plan = [r for r in csv.DictReader(open(f"{W}/plan/plan.csv")) if r["feasible"] == "1"]
c = load("plan")
marks(c, ["plan0"])
bars = c["plan0"]["data"]
assert [d["epoch_seconds"] for d in bars] == [float(r["epoch_seconds"]) for r in plan[:20]]
assert {d["device"] for d in bars} <= {"pim", "cpu", "gpu"} and len({d["device"] for d in bars}) >= 2
print("e2e_report: every chart rendered, its data equal to the results' files")
PY

# Bad inputs: one clear line naming the path, exit 1, no report written.
bad() {
  local pattern=$1
  shift
  local rc=0
  "$PIMSCALE" report "$@" --out "$WORK/bad.html" >"$WORK/bad.out" 2>"$WORK/bad.err" || rc=$?
  [ "$rc" -eq 1 ] || fail "report $*: exit $rc, want 1"
  [ "$(grep -c '^pimscale: error' "$WORK/bad.err")" -eq 1 ] || fail "report $*: $(cat "$WORK/bad.err")"
  grep -q "^pimscale: error: .*$pattern" "$WORK/bad.err" || fail "report $*: $(cat "$WORK/bad.err")"
  [ ! -e "$WORK/bad.html" ] || fail "report $*: wrote a report"
  echo "ok: $(cat "$WORK/bad.err")"
}
mkdir -p "$WORK/notes"
echo hello >"$WORK/notes/readme.txt"
bad "'$WORK/notes' is not a pimscale result" "$WORK/notes"
bad "'$WORK/missing' is not a folder" "$WORK/missing"
cp -r "$WORK/run" "$WORK/trunc"
head -c 300 "$WORK/run/run.json" >"$WORK/trunc/run.json"
bad "'$WORK/trunc/run.json' is truncated or not JSON" "$WORK/run" "$WORK/trunc"
cp -r "$WORK/run" "$WORK/old"
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); del r['timing']; json.dump(r, open(sys.argv[1],'w'))" \
  "$WORK/old/run.json"
bad "'$WORK/old/run.json' is from an older pimscale format .no 'timing' key" "$WORK/old"
# An existing report is not replaced without --force.
rc=0
"$PIMSCALE" report "$WORK/run" --out "$WORK/all.html" 2>"$WORK/bad.err" >/dev/null || rc=$?
[ "$rc" -eq 1 ] && grep -q "^pimscale: error: .*all.html.*--force" "$WORK/bad.err" ||
  fail "report over an existing file: exit $rc, $(cat "$WORK/bad.err")"
echo "e2e_report: ok"
