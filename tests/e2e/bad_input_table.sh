# The bad-input table (tests/e2e/bad_inputs.txt): every case must exit with its status within the
# timeout (no hang on any rank), print exactly one "pimscale: error" line matching its pattern, and
# leave every file and folder under the work folder as it was: nothing created, changed or deleted
# (inputs, fixtures, the --out paths, the working directory). Prints the counts by category.
source "$(dirname "$0")/lib.sh"
: "${MAKE_BAD_DATASETS:?set by ctest}"
table="$(dirname "$0")/bad_inputs.txt"
# The fixtures are made once in $WORK/base; each of the two workers runs every other case in its
# own copy (so a case's changes are seen by its own snapshot only).
IN=$WORK/base H=$IN/h5 T=$IN/text C=$IN/cfg P=$IN/presets
mkdir -p "$H" "$T" "$C" "$P" "$IN/folder" "$IN/staged.partial"

# Fixtures.
"$MAKE_BAD_DATASETS" "$H"
echo "a user's notes" >"$IN/notes.txt"
echo "a user's file" >"$IN/folder/keep.txt"
echo "not pimscale's" >"$IN/staged.partial/x"
# A live writer of locked.h5: a process whose command line names pimscale holds its lock.
bash -c 'exec -a pimscale-lock-holder sleep 600' &
holder=$!
trap 'kill $holder 2>/dev/null; rm -rf "$WORK"' EXIT
echo "$holder $(hostname)" >"$IN/locked.h5.lock"
cp "$H/ok_dense.h5" "$IN/locked.h5"
# The results folder of a previous run names its own path inside: one per worker, made there.

printf 'a,b,label\n0.1,0.2,1\n0.3,0.4,0\n0.5,0.6,1\n0.7,0.8,0\n0.9,1.0,1\n' >"$T/ok.csv"
printf '1 1:0.5 2:1\n-1 2:0.25\n1 1:1\n-1 1:0.5 2:0.5\n1 2:1\n-1 1:0.25\n' >"$T/ok.libsvm"
printf '+1 1:0.5 2:1\n-1 3:abc\n' >"$T/bad_token.libsvm"
printf 'pos 1:1\n' >"$T/bad_label.libsvm"
printf '1 1:1\nnan 2:1\n' >"$T/nan_label.libsvm"
printf '1 1:1 2:inf\n' >"$T/inf_value.libsvm"
printf '1 1:1e39\n' >"$T/huge_value.libsvm"
printf '1 3:1 2:1\n' >"$T/decreasing.libsvm"
printf '1 -1:0.5\n' >"$T/negative_index.libsvm"
printf '1 1.5:0.5\n' >"$T/fraction_index.libsvm"
printf '1 1:0.5\n2 1:0.3\n3 2:0.1\n' >"$T/three.libsvm"
printf '1 1:0.5\n1 2:0.3\n' >"$T/one_class.libsvm"
: >"$T/empty.libsvm"
printf '# only a comment\n\n' >"$T/comments.libsvm"
for i in $(seq 1 2000); do echo "$((i % 2)) 1:0.$i 7:1"; done | gzip -c | head -c 600 >"$T/truncated.libsvm.gz"
printf 'a,b,label\n0.1,0.2,1\n0.3,0.4\n' >"$T/ragged.csv"
printf 'a,b\nc,d\n1,0\n' >"$T/two_headers.csv"
printf '0.1,0.2,1\n0.3,nan,0\n' >"$T/nan.csv"
printf '0.1,0.2,1\n0.3,0.5,0\ninf,0.1,1\n' >"$T/inf.csv"
printf '0.1,0.2,1\n0.3,1e308,0\n' >"$T/huge.csv"
printf 'a,b\n0.1,"0.2\n' >"$T/open_quote.csv"
printf 'a,b\n"0.1"x,0.2\n' >"$T/after_quote.csv"
printf 'a;b;label\n0.1;0.2;1\n' >"$T/semicolons.csv"
printf '1\n0\n' >"$T/one_column.csv"
printf 'a,b,label\n' >"$T/header_only.csv"
: >"$T/empty.csv"
for i in $(seq 1 2000); do echo "0.$i,0.5,$((i % 2))"; done | gzip -c | head -c 500 >"$T/truncated.csv.gz"
echo "label,x" >"$T/not_hdf5.h5"
: >"$T/empty.h5"
# IDX: 6 images of 2x2 bytes and their labels; broken variants.
printf '\x00\x00\x08\x03\x00\x00\x00\x06\x00\x00\x00\x02\x00\x00\x00\x02' >"$T/images.idx"
head -c 24 /dev/urandom >>"$T/images.idx"
printf '\x00\x00\x08\x01\x00\x00\x00\x06\x00\x01\x00\x01\x00\x01' >"$T/labels.idx"
printf '\x00\x00\x08\x01\x00\x00\x00\x05\x00\x01\x00\x01\x00' >"$T/short_labels.idx"
head -c 30 "$T/images.idx" >"$T/cut_images.idx"
printf '\x00\x00\x08\x03\x00\x00' >"$T/header.idx"
printf '\x00\x00\x08\x03\x00\x00\x00\x06\x00\x01\x00\x00\x00\x02\x00\x00' >"$T/huge_rows.idx"

cfg() { printf 'data = "%s"\ndpus_per_server = 2\nbatch = 4\n%s\n' "$H/ok_dense.h5" "$2" >"$C/$1"; }
cfg typo.toml 'batchsize = 64'
printf 'data = "%s"\nbatch = "big"\n' "$H/ok_dense.h5" >"$C/wrong_type.toml"
cfg syntax.toml 'epochs = = 3'
cfg enum.toml 'numerics = "double"'
cfg range.toml 'lr_shift = 40'
cfg table.toml '[network_opts]
x = 1'
printf 'data = 5\n' >"$C/data_number.toml"
cfg float_epochs.toml 'epochs = 2.5'
head -c 64 /dev/urandom >"$C/binary.toml"

hw="$(dirname "$0")/../../jobs/presets/hardware/upmem-2560-v1a.toml"
net="$(dirname "$0")/../../jobs/presets/network/25gbe.toml"
sed 's/^frequency_mhz =/frequency_mhzz =/' "$hw" >"$P/typo_hw.toml"
sed 's/^frequency_mhz = { value = 350,/frequency_mhz = { value = "fast",/' "$hw" >"$P/string_value.toml"
sed 's/^\[dpu\]/[dpu/' "$hw" >"$P/syntax.toml"
sed 's/^bandwidth_gbit_s =/bandwidth_gbits =/' "$net" >"$P/typo_net.toml"
cpu="$(dirname "$0")/../golden/cpu-2core-vm.toml"
cp "$cpu" "$P/cpu.toml"
sed 's/^row_ns =/row_nss =/' "$cpu" >"$P/typo_cpu.toml"
grep -v '^svm_row_ns =' "$cpu" >"$P/missing_cpu.toml"
sed 's/^cores = { value = 2,/cores = { value = 0,/' "$cpu" >"$P/zero_cores_cpu.toml"

# run_part K: the cases whose index is K modulo 2, in $WORK/wK; writes wK.passed ("category" lines)
# and wK.failed (one line per failed case) beside it.
run_part() {
  local part=$1 root=$WORK/w$1
  cp -a "$WORK/base" "$root"
  mkdir -p "$root/cwd" "$root/log"
  local IN=$root H=$root/h5 T=$root/text C=$root/cfg P=$root/presets OUT=$root/out LOG=$root/log
  run 1 train --data "$H/ok_dense.h5" --dpus-per-server 2 --batch 4 --epochs 1 --out "$IN/prev_run" \
    >/dev/null
  # Files with their size, time and mode; folders by name (MPI-IO may make and remove a temporary
  # file beside a dataset it opens, which changes the folder's time but no file).
  snapshot() {
    (cd "$root" && find . \( -path ./log -o -path ./cwd/core\* \) -prune -o \
      \( -type d -printf '%p/\n' \) -o -printf '%p %s %T@ %m\n' | sort)
  }
  check() {  # MESSAGE: a failed case
    echo "FAIL: $1" >&2
    echo "$1" >>"$WORK/w$part.failed"
    [ -n "${BAD_INPUT_KEEP_GOING:-}" ] || exit 1
  }
  : >"$WORK/w$part.passed"
  : >"$WORK/w$part.failed"
  local index=0 line category np status pattern args argv envs limit before after rc lines where
  while IFS= read -r line; do
    [[ -z "$line" || "$line" == \#* ]] && continue
    index=$((index + 1))
    [ $((index % 2)) -eq "$part" ] || continue
    IFS=$'\x1f' read -r category np status pattern args <<<"${line// | /$'\x1f'}"
    eval "argv=($args)"
    envs=() limit=""
    while [[ ${#argv[@]} -gt 0 && "${argv[0]}" =~ ^[A-Z_]+= ]]; do
      if [[ "${argv[0]}" == ULIMIT_V=* ]]; then limit=${argv[0]#ULIMIT_V=}; else envs+=("${argv[0]}"); fi
      argv=("${argv[@]:1}")
    done
    before=$(snapshot)
    rc=0
    (
      cd "$root/cwd"
      [ -z "$limit" ] || ulimit -v "$limit"
      # One rank runs as an MPI singleton (no launcher: 5x faster to start here, and how a user
      # runs one server); more ranks under mpiexec.
      if [ "$np" -eq 1 ]; then exec timeout 60 env "${envs[@]}" "$PIMSCALE" "${argv[@]}"; fi
      exec timeout 60 env "${envs[@]}" "$MPIEXEC" -n "$np" "$PIMSCALE" "${argv[@]}"
    ) >"$LOG/stdout" 2>"$LOG/stderr" </dev/null || rc=$?
    where="[$category, $np ranks] pimscale $args"
    lines=$(grep -c "^pimscale: error" "$LOG/stderr" || true)
    after=$(snapshot)
    if [ "$rc" -eq 124 ]; then
      check "timed out (hang?): $where"
    elif [ "$rc" -ne "$status" ] || [ "$lines" -ne 1 ] ||
      ! grep -Eq "^pimscale: error.*($pattern)" "$LOG/stderr"; then
      head -c 600 "$LOG/stderr" >&2
      check "exit status $rc (expected $status), $lines error lines (expected 1 matching '$pattern'): $where"
    elif [ "$before" != "$after" ]; then
      diff <(echo "$before") <(echo "$after") >&2 || true
      check "files changed: $where"
    else
      echo "$category" >>"$WORK/w$part.passed"
    fi
    rm -rf "$OUT" "$OUT.partial" "$OUT.lock" "$OUT.tmp"  # so that one failure does not hide the next
  done <"$table"
}

# BAD_INPUT_KEEP_GOING=1 reports every failing case instead of stopping at the first.
rc0=0 rc1=0
run_part 0 &
pid0=$!
run_part 1 &
pid1=$!
wait $pid0 || rc0=$?
wait $pid1 || rc1=$?
cat "$WORK/w0.passed" "$WORK/w1.passed" | sort | uniq -c | awk '{print $2 ": " $1}'
passed=$(cat "$WORK/w0.passed" "$WORK/w1.passed" | wc -l)
failed=$(cat "$WORK/w0.failed" "$WORK/w1.failed" | wc -l)
[ "$rc0" -eq 0 ] && [ "$rc1" -eq 0 ] && [ "$failed" -eq 0 ] ||
  fail "$failed cases failed (of $((passed + failed)) run)"
echo "bad-input table: all $passed cases failed cleanly (status, one error line, no file touched)"
