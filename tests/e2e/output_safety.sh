# No user file is overwritten or deleted: --out may be new, an empty folder or (with --force) a previous
# pimscale results folder; anything else is refused before any work, untouched. A second writer of one
# --out fails at once; an interrupted run's staging folder is cleaned by the next. Trailing slashes and a
# --trace that names a folder are handled before training.
source "$(dirname "$0")/lib.sh"
run 2 data synth --kind dense --rows 512 --test-rows 64 --features 16 --seed 1 --out "$WORK/d.h5" >/dev/null
args=(train --data "$WORK/d.h5" --dpus-per-server 2 --batch 16 --epochs 1)

# refused NP PATTERN PATH ARGS...: fails with one matching error line, and PATH's contents are unchanged.
refused() {
  local np=$1 pattern=$2 path=$3
  shift 3
  local before after rc=0
  before=$(cd "$WORK" && find "$(basename "$path")" -exec sh -c 'printf "%s " "$1"; [ -f "$1" ] && cksum <"$1" || echo' _ {} \; 2>/dev/null | sort)
  timeout 120 "$MPIEXEC" -n "$np" "$PIMSCALE" "$@" >"$WORK/stdout" 2>"$WORK/stderr" || rc=$?
  [ "$rc" -ne 0 ] || fail "expected a failure: $*"
  [ "$rc" -ne 124 ] || fail "timed out: $*"
  [ "$(grep -c '^pimscale: error' "$WORK/stderr")" -eq 1 ] || { cat "$WORK/stderr" >&2; fail "not one error line: $*"; }
  grep -q "^pimscale: error.*$pattern" "$WORK/stderr" || { cat "$WORK/stderr" >&2; fail "error does not match '$pattern'"; }
  grep -q "^epoch" "$WORK/stdout" && fail "it trained before refusing: $*"
  after=$(cd "$WORK" && find "$(basename "$path")" -exec sh -c 'printf "%s " "$1"; [ -f "$1" ] && cksum <"$1" || echo' _ {} \; 2>/dev/null | sort)
  same "$after" "$before" "$path changed by: $*"
  echo "ok: $(grep '^pimscale: error' "$WORK/stderr")"
}

# An existing dataset named as --out stays a dataset.
refused 2 "is an existing file" "$WORK/d.h5" "${args[@]}" --out "$WORK/d.h5"
h5ls "$WORK/d.h5" >/dev/null || fail "the dataset was damaged"
# A folder of the user's is never emptied, with or without --force.
mkdir -p "$WORK/mine/sub" && echo keep >"$WORK/mine/notes.txt" && echo keep >"$WORK/mine/sub/a.txt"
refused 2 "folder with other contents" "$WORK/mine" "${args[@]}" --out "$WORK/mine"
refused 1 "folder with other contents" "$WORK/mine" "${args[@]}" --out "$WORK/mine/" --force
# A previous run is replaced only with --force; the trailing slash names the same folder.
run 2 "${args[@]}" --out "$WORK/r/" >/dev/null
[ -f "$WORK/r/run.json" ] && [ ! -e "$WORK/r.partial" ] && [ ! -e "$WORK/r/.lock" ] || fail "trailing slash: no clean run folder"
refused 2 "holds a previous pimscale run; pass --force" "$WORK/r" "${args[@]}" --out "$WORK/r"
run 2 "${args[@]}" --seed 7 --force --out "$WORK/r" >/dev/null
same "$(json "$WORK/r/run.json" seed)" 7 "--force replaces the previous run"
# An empty folder may receive results.
mkdir "$WORK/empty"
run 1 "${args[@]}" --out "$WORK/empty" >/dev/null
[ -f "$WORK/empty/run.json" ] || fail "an empty folder did not receive the results"
# --trace naming a folder, or an existing file without --force, fails before training.
refused 2 "is a folder" "$WORK/mine" "${args[@]}" --trace "$WORK/mine" --out "$WORK/t1"
echo '{}' >"$WORK/old-trace.json"
refused 1 "--trace .* exists; pass --force" "$WORK/old-trace.json" "${args[@]}" --trace "$WORK/old-trace.json" --out "$WORK/t2"
[ ! -e "$WORK/t1" ] && [ ! -e "$WORK/t2" ] || fail "a refused run left a results folder"
# A live writer holds the staging folder: the second fails (after 3 s, in case it was just being
# stopped). A dead one's (an interrupted run) is cleaned by the next run.
mkdir "$WORK/busy.partial" && touch "$WORK/busy.partial/.pimscale-results"
bash -c 'exec -a pimscale-fake-writer sleep 60' &  # a live process named like pimscale
writer=$!
echo "$writer $(hostname)" >"$WORK/busy.partial/.lock"
refused 1 "another pimscale run (process $writer) is writing" "$WORK/busy.partial" "${args[@]}" --out "$WORK/busy"
kill "$writer"
wait "$writer" 2>/dev/null || true
run 1 "${args[@]}" --out "$WORK/busy" >/dev/null
[ -f "$WORK/busy/run.json" ] && [ ! -e "$WORK/busy.partial" ] || fail "the stale staging folder was not replaced"
# A staging name that is not pimscale's is the user's: refused.
mkdir "$WORK/x.partial" && echo keep >"$WORK/x.partial/f"
refused 1 "is not pimscale's staging folder" "$WORK/x.partial" "${args[@]}" --out "$WORK/x"
# Datasets and exports: an existing file is replaced only with --force, a folder never.
refused 2 "--out .*d.h5' exists; pass --force" "$WORK/d.h5" data synth --kind dense --rows 512 --test-rows 64 \
  --features 16 --seed 2 --out "$WORK/d.h5"
refused 1 "is a folder; name a file" "$WORK/mine" data synth --kind dense --rows 512 --test-rows 64 --out "$WORK/mine"
run 1 data export --in "$WORK/d.h5" --out "$WORK/d.txt" >/dev/null
refused 1 "--out .*d.txt' exists; pass --force" "$WORK/d.txt" data export --in "$WORK/d.h5" --split test --out "$WORK/d.txt"
refused 1 "--out .*d.txt' exists; pass --force" "$WORK/d.txt" data convert --from libsvm --in "$WORK/d.txt" --out "$WORK/d.txt"
run 2 data synth --kind dense --rows 512 --test-rows 64 --features 16 --seed 2 --force --out "$WORK/d.h5" >/dev/null
h5dump -A "$WORK/d.h5" | grep -q "seed=2" || fail "--force did not replace the dataset"
echo "output safety: ok"
