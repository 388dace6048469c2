# Checkpoint and resume: a run with --checkpoint-every N whose rank is killed (SIGKILL, mid-epoch:
# PIMSCALE_FAULT=kill:epochE@RANK, src/base/fault.h) and then continued with `train --resume OUT`
# ends bit-identical to the same run uninterrupted: run.json equal in every key but the wall-clock
# ones, the results folder's name and the checkpoint's own (model_sha256, metrics, every emulated
# picosecond and byte, per server), epochs.csv equal but for its wall columns, model.csv and the
# trace equal byte for byte. Three algorithms, the three arithmetics, dense and sparse rows, 1, 2
# and 4 ranks, count-only, two interruptions in one run, a crash between the checkpoint's renames.
# Then what resume refuses, each with one error line and nothing changed.
source "$(dirname "$0")/lib.sh"
run 2 data synth --kind dense --rows 2048 --test-rows 256 --features 24 --seed 1 --out "$WORK/d.h5" >/dev/null
run 2 data synth --kind sparse --rows 2048 --test-rows 256 --features 300 --seed 2 --out "$WORK/s.h5" >/dev/null

# identical A B: the two results folders hold the same results (see the header).
identical() {
  python3 - "$1" "$2" <<'EOF' || fail "$1 and $2 differ"
import csv, json, sys
a, b = sys.argv[1], sys.argv[2]
wall = {"wall_seconds", "train_wall_seconds", "metrics_wall_seconds", "load_wall_seconds",
        "checkpoint_wall_seconds", "peak_rss_mib"}
def strip(run):
    for k in wall: run["final"].pop(k)
    for k in ("out", "resumed_from_epoch"): run.pop(k)
    for k in ("out", "checkpoint_every", "threads", "trace"): run["config"].pop(k)
    return run
ra, rb = (strip(json.load(open(f"{d}/run.json"))) for d in (a, b))
if ra != rb:
    for k in ra:
        if ra[k] != rb.get(k): print(f"run.json {k}: {ra[k]} != {rb.get(k)}")
    sys.exit(1)
def rows(d):
    with open(f"{d}/epochs.csv") as f:
        return [{k: v for k, v in r.items() if "wall" not in k} for r in csv.DictReader(f)]
if rows(a) != rows(b):
    print("epochs.csv differs"); sys.exit(1)
print(f"identical: {len(rows(a))} epochs, model {ra['final']['model_sha256']}, "
      f"{ra['final']['emulated_picoseconds']} ps")
EOF
}

# interrupted NP KILL OUT ARGS...: the run killed at KILL (kill:POINT@RANK) exits with a signal and
# leaves OUT.partial with a checkpoint, and no OUT.
interrupted() {
  local np=$1 kill=$2 out=$3 rc=0
  shift 3
  PIMSCALE_FAULT="$kill" timeout 120 "$MPIEXEC" -n "$np" "$PIMSCALE" "$@" --out "$out" >"$WORK/stdout" 2>&1 || rc=$?
  [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || { cat "$WORK/stdout"; fail "the run killed at $kill ended with $rc"; }
  [ -d "$out.partial/checkpoint" ] || [ -d "$out.partial/checkpoint.old" ] || fail "no checkpoint after $kill"
  [ ! -e "$out" ] || fail "$out exists after $kill"
}

# case NP KILL RESUME_FLAGS -- ARGS...: uninterrupted, then killed at KILL and resumed (with
# RESUME_FLAGS, e.g. --threads 2); the two must be identical. An argument TRACE stands for a trace
# file of each run's own, whose events must be identical too.
n=0
case_() {
  local np=$1 kill=$2 flags=$3
  shift 4
  n=$((n + 1))
  run "$np" "${@/#TRACE/$WORK/u$n.trace.json}" --out "$WORK/u$n" >/dev/null
  interrupted "$np" "$kill" "$WORK/k$n" "${@/#TRACE/$WORK/k$n.trace.json}"
  # shellcheck disable=SC2086
  run "$np" train --resume "$WORK/k$n" $flags >"$WORK/resumed.log"
  grep -q "^resuming" "$WORK/resumed.log" || fail "no resuming line"
  [ ! -e "$WORK/k$n.partial" ] && [ ! -e "$WORK/k$n/checkpoint" ] || fail "the checkpoint outlived the finished run"
  identical "$WORK/u$n" "$WORK/k$n"
  if [ -e "$WORK/u$n.trace.json" ]; then
    python3 -c 'import json, sys; e = [json.load(open(f))["traceEvents"] for f in sys.argv[1:]]; sys.exit(e[0] != e[1] or not e[0])' \
      "$WORK/u$n.trace.json" "$WORK/k$n.trace.json" || fail "the traces' events differ"
  fi
  echo "ok: $np ranks, killed at $kill, resumed ($(grep -m1 -o 'after epoch [0-9]* of [0-9]*' "$WORK/resumed.log")): $*"
}

dense=(train --data "$WORK/d.h5" --dpus-per-server 4 --batch 64 --epochs 5)
sparse=(train --data "$WORK/s.h5" --dpus-per-server 4 --batch 16 --epochs 5)
case_ 2 kill:epoch4@1 "" -- "${dense[@]}" --algorithm ga-sgd --checkpoint-every 1
case_ 2 kill:epoch4@0 "--threads 2" -- "${sparse[@]}" --algorithm ma-sgd --model svm --numerics float --checkpoint-every 2
case_ 4 kill:epoch2@3 "" -- "${sparse[@]}" --algorithm admm --checkpoint-every 1 --save-model --trace TRACE
cmp "$WORK/u$n/model.csv" "$WORK/k$n/model.csv" || fail "model.csv differs"
[ -s "$WORK/k$n.trace.json" ] || fail "no trace"
case_ 1 kill:epoch3@0 "" -- "${dense[@]}" --algorithm admm --numerics float-saturating --eval-every 2 --checkpoint-every 1
case_ 2 kill:epoch3@1 "" -- train --synthetic criteo --rows-per-dpu 64 --count-only --dpus-per-server 4 --batch 16 --epochs 4 --algorithm ga-sgd --checkpoint-every 1
# A crash of rank 0 between the renames of the checkpoint after epoch 3: the one after epoch 2 is used.
case_ 2 kill:swap3@0 "" -- "${dense[@]}" --algorithm ma-sgd --checkpoint-every 1
grep -q "after epoch 2 of 5" "$WORK/resumed.log" || fail "the crash between renames did not fall back to epoch 2"
# Two interruptions: killed in epoch 2, resumed and killed in epoch 4, resumed again.
run 2 "${dense[@]}" --algorithm ga-sgd --model svm --out "$WORK/u2x" >/dev/null
interrupted 2 kill:epoch2@0 "$WORK/k2x" "${dense[@]}" --algorithm ga-sgd --model svm --checkpoint-every 1
PIMSCALE_FAULT=kill:epoch4@1 timeout 120 "$MPIEXEC" -n 2 "$PIMSCALE" train --resume "$WORK/k2x" >/dev/null 2>&1 && fail "the second kill did not stop the run"
run 2 train --resume "$WORK/k2x" >"$WORK/resumed.log"
grep -q "after epoch 3 of 5" "$WORK/resumed.log" || fail "the second resume did not start after epoch 3"
identical "$WORK/u2x" "$WORK/k2x"
echo "ok: two interruptions"

# What resume refuses: each one error line, the checkpoint untouched.
interrupted 2 kill:epoch3@1 "$WORK/k" "${dense[@]}" --checkpoint-every 1
snapshot() { (cd "$WORK" && find k.partial -type f ! -name .lock -exec cksum {} + 2>/dev/null | sort || true); }
before=$(snapshot)
refused() {
  local np=$1 pattern=$2 rc=0
  shift 2
  timeout 120 "$MPIEXEC" -n "$np" "$PIMSCALE" "$@" >"$WORK/stdout" 2>"$WORK/stderr" || rc=$?
  [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "expected a failure: $*"
  [ "$(grep -c '^pimscale: error' "$WORK/stderr")" -eq 1 ] || { cat "$WORK/stderr" >&2; fail "not one error line: $*"; }
  grep -q "^pimscale: error.*$pattern" "$WORK/stderr" || { cat "$WORK/stderr" >&2; fail "error does not match '$pattern'"; }
  same "$(snapshot)" "$before" "the checkpoint changed: $*"
  echo "ok: $(grep '^pimscale: error' "$WORK/stderr")"
}
refused 2 "has the checkpoint of an interrupted run.*--resume" "${dense[@]}" --out "$WORK/k"
refused 3 "had 2 ranks.*mpirun -n 2" train --resume "$WORK/k"
refused 2 "drop --epochs" train --resume "$WORK/k" --epochs 9
refused 2 "no checkpoint in" train --resume "$WORK/nothing"
cp "$WORK/d.h5" "$WORK/d.keep"
run 1 data synth --kind dense --rows 2048 --test-rows 256 --features 24 --seed 9 --force --out "$WORK/d.h5" >/dev/null
refused 2 "rows of rank 0 differ.*d.h5' changed" train --resume "$WORK/k"
mv "$WORK/d.keep" "$WORK/d.h5"
printf 'X' | dd of="$WORK/k.partial/checkpoint/rank-00001.state" bs=1 seek=40 conv=notrunc status=none
before=$(snapshot)
refused 2 "rank-00001.state' is damaged" train --resume "$WORK/k/"
# Discarding the checkpoint takes --force; the run then starts over.
run 2 "${dense[@]}" --out "$WORK/k" --force >/dev/null
[ -f "$WORK/k/run.json" ] && [ ! -e "$WORK/k.partial" ] || fail "--force did not start the run over"
before=$(snapshot)
refused 2 "that run finished" train --resume "$WORK/k"
echo "resume: ok"
