# No rank hangs on an error: a failure injected on one rank only (PIMSCALE_FAULT=PHASE@RANK,
# src/base/fault.h) inside each collective phase - opening an HDF5 file, reading rows, writing rows,
# closing a written file, the all-reduce between servers - stops every rank within seconds, with that
# rank's message, a non-zero exit, and no results folder or dataset left under its name.
source "$(dirname "$0")/lib.sh"
run 2 data synth --kind dense --rows 512 --test-rows 64 --features 16 --seed 1 --out "$WORK/d.h5" >/dev/null
run 2 data synth --kind sparse --rows 512 --test-rows 64 --features 100 --seed 1 --out "$WORK/s.h5" >/dev/null

# fault PHASE RANK NP OUT ARGS...: the run fails within 60 s (a hang would run into the timeout).
fault() {
  local phase=$1 rank=$2 np=$3 out=$4
  shift 4
  local rc=0 start=$SECONDS
  PIMSCALE_FAULT="$phase@$rank" timeout 60 "$MPIEXEC" -n "$np" "$PIMSCALE" "$@" >"$WORK/stdout" 2>"$WORK/stderr" || rc=$?
  [ "$rc" -ne 124 ] || fail "hang: a fault at $phase on rank $rank did not stop every rank within 60 s"
  [ "$rc" -ne 0 ] || fail "a fault at $phase on rank $rank was not reported: $*"
  [ "$(grep -c "injected fault at $phase on rank $rank" "$WORK/stderr")" -eq 1 ] ||
    { cat "$WORK/stderr" >&2; fail "the failing rank's message is not there once ($phase@$rank)"; }
  [ ! -e "$out" ] || fail "a fault at $phase left $out behind"
  echo "ok: $phase@$rank stopped $np ranks in $((SECONDS - start)) s: $(grep -m1 'injected fault' "$WORK/stderr")"
}

train=(train --dpus-per-server 2 --batch 16 --epochs 1)
for rank in 0 1; do
  fault open $rank 2 "$WORK/r" "${train[@]}" --data "$WORK/d.h5" --out "$WORK/r"
  fault read $rank 2 "$WORK/r" "${train[@]}" --data "$WORK/d.h5" --out "$WORK/r"
  fault read $rank 2 "$WORK/r" "${train[@]}" --data "$WORK/s.h5" --out "$WORK/r"
  fault allreduce $rank 2 "$WORK/r" "${train[@]}" --data "$WORK/d.h5" --out "$WORK/r"
  fault write $rank 2 "$WORK/w.h5" data synth --kind dense --rows 512 --test-rows 64 --features 16 --out "$WORK/w.h5"
  fault close $rank 2 "$WORK/w.h5" data synth --kind sparse --rows 512 --test-rows 64 --features 100 --out "$WORK/w.h5"
done
fault read 3 4 "$WORK/r" "${train[@]}" --data "$WORK/s.h5" --out "$WORK/r"
# Without the variable the same runs succeed.
run 2 "${train[@]}" --data "$WORK/s.h5" --out "$WORK/r" >/dev/null
[ -f "$WORK/r/run.json" ] || fail "the run without a fault did not finish"
echo "faults: ok"
