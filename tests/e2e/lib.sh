# Helpers for the end-to-end tests. CTest sets PIMSCALE (the program), MPIEXEC and the OpenMPI
# environment (see tests/CMakeLists.txt). Every run is bounded by a timeout, so a hang fails the test.
set -euo pipefail
: "${PIMSCALE:?set by ctest}" "${MPIEXEC:?set by ctest}"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# run NP ARGS...: pimscale under mpiexec with NP ranks.
run() {
  local np=$1
  shift
  timeout 300 "$MPIEXEC" -n "$np" "$PIMSCALE" "$@"
}

# json FILE KEY: the value of the first "KEY": line of a pretty-printed JSON file.
json() { grep -m1 "\"$2\":" "$1" | sed -E 's/^[^:]*: *//; s/,$//; s/"//g'; }

# json_in FILE OBJECT KEY: the value of KEY inside the first top-level "OBJECT": { ... } of FILE.
json_in() { sed -n "/^  \"$2\": {/,/^  }/p" "$1" | grep -m1 "\"$3\":" | sed -E 's/^[^:]*: *//; s/,$//; s/"//g'; }

# netbench_at NP: netbench at NP ranks into $WORK/nbNP (6 algorithms, 8 B .. 4 MiB), its fit's error line
# printed; the log in $WORK/nbNP.log.
netbench_at() {
  run "$1" netbench --max-bytes 4194304 --reps 20 --out "$WORK/nb$1" >"$WORK/nb$1.log"
  grep "geometric-mean error" "$WORK/nb$1.log"
}

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# same A B WHAT: fail unless A == B.
same() { [ "$1" == "$2" ] || fail "$3: '$1' != '$2'"; }

# expect_error NP PATTERN ARGS...: the run must exit non-zero within the timeout, print the pimscale
# error line matching PATTERN exactly once, and leave no results folder at $WORK/out.
expect_error() {
  local np=$1 pattern=$2
  shift 2
  local rc=0
  run "$np" "$@" --out "$WORK/out" >"$WORK/stdout" 2>"$WORK/stderr" || rc=$?
  [ "$rc" -ne 0 ] || fail "expected a failure: $*"
  [ "$rc" -ne 124 ] || fail "timed out (hang?): $*"
  local lines
  lines=$(grep -c "^pimscale: error" "$WORK/stderr" || true)
  [ "$lines" -eq 1 ] || { cat "$WORK/stderr" >&2; fail "expected one error line, got $lines: $*"; }
  grep -q "^pimscale: error.*$pattern" "$WORK/stderr" || { cat "$WORK/stderr" >&2; fail "error does not match '$pattern'"; }
  [ ! -e "$WORK/out" ] && [ ! -e "$WORK/out.partial" ] || fail "a results folder was left behind: $*"
  echo "ok ($np ranks): $(grep '^pimscale: error' "$WORK/stderr")"
}
