# Bad input gets one clear error line, a non-zero exit, no hang on any rank, nothing half-written.
source "$(dirname "$0")/lib.sh"

run 2 data synth --kind dense --rows 1024 --test-rows 64 --features 32 --out "$WORK/dense.h5" >/dev/null
run 2 data synth --kind sparse --rows 256 --test-rows 16 --features 1000 --out "$WORK/sparse.h5" >/dev/null
echo "label,x" >"$WORK/not-hdf5.h5"
printf 'data = "%s"\nbatchsize = 64\n' "$WORK/dense.h5" >"$WORK/typo.toml"

for np in 1 2; do
  expect_error $np "does not exist" train --data "$WORK/missing.h5"
  expect_error $np "cannot open .* as HDF5" train --data "$WORK/not-hdf5.h5"
  expect_error $np "numerics 'double' is unknown" train --data "$WORK/sparse.h5" --numerics double
  expect_error $np "unknown key 'batchsize'" train --config "$WORK/typo.toml"
  expect_error $np "unknown hardware preset 'nope'" train --data "$WORK/dense.h5" --hardware nope
  expect_error $np "fewer than one mini-batch" train --data "$WORK/dense.h5" --batch 2048 --dpus-per-server 1
done
expect_error 2 "not a multiple of the 6 DPUs" train --data "$WORK/dense.h5" --dpus-per-server 3 --batch 64
# Host memory is checked before anything is allocated (PIMSCALE_HOST_MEMORY stands for a 10 kB machine).
PIMSCALE_HOST_MEMORY=10000 expect_error 2 "host memory: a rank needs .* the 2 ranks on this machine .* but it has 0.00 GiB available" \
  train --data "$WORK/sparse.h5" --algorithm admm --dpus-per-server 64 --batch 1
expect_error 1 "must be a power of two" train --data "$WORK/dense.h5" --batch 96
# Dry accounting and the trace.
expect_error 1 "describes a shape for --count-only" train --synthetic criteo --rows-per-dpu 1024
expect_error 1 "exactly one of --rows-per-dpu R or --rows R" train --count-only --synthetic yfcc
expect_error 1 "--synthetic 'imagenet' is unknown" train --count-only --synthetic imagenet --rows 1024
expect_error 2 "MRAM" train --count-only --synthetic yfcc --rows-per-dpu 8192 --dpus-per-server 2 --batch 8
expect_error 2 "cannot write '.*no-such-dir/t.json'" train --data "$WORK/dense.h5" --dpus-per-server 2 --batch 64 \
  --trace "$WORK/no-such-dir/t.json"
# Networks and uneven servers.
expect_error 2 "has 3 entries for 2 servers" train --data "$WORK/dense.h5" --dpus-per-server 2 --batch 64 --shares 1,1,1
expect_error 1 "'x' is not a positive integer" train --data "$WORK/dense.h5" --shares 1,x
expect_error 2 "GA-SGD with --shares 1,2: a round's batch .* = 96 is not a power of two" train --data "$WORK/dense.h5" \
  --dpus-per-server 2 --batch 64 --shares 1,2
expect_error 1 "--collective 'binomial' is not an all-reduce algorithm" train --data "$WORK/dense.h5" --collective binomial
expect_error 1 "--topology 'torus' is unknown" train --data "$WORK/dense.h5" --topology torus
expect_error 1 "unknown network preset 'infiniband'" train --data "$WORK/dense.h5" --network infiniband
expect_error 2 "fewer than the 100000 asked for" train --data "$WORK/dense.h5" --rows 100000
expect_error 1 "run it under mpirun with -n 2 or more" netbench
expect_error 2 "'5=x.toml' must be RANK=PRESET with RANK in .0, 2)" train --data "$WORK/dense.h5" --dpus-per-server 2 \
  --batch 64 --server-hardware 5=x.toml
# predict, plan and data stats: the same one-line errors, on one or two ranks.
expect_error 2 "--network measured has no model to predict with" predict --data "$WORK/dense.h5" --network measured
expect_error 1 "MRAM overflow: each DPU needs" predict --synthetic criteo --rows 4.4e9 --dpus-per-server 64 --algorithm admm
expect_error 1 "not a multiple of the 6 DPUs" predict --data "$WORK/dense.h5" --dpus-per-server 3 --batch 64 --servers 2
expect_error 2 "dataset '$WORK/none.h5' does not exist" predict --data "$WORK/none.h5"
expect_error 1 "--shards '0' must be positive integers" data stats "$WORK/sparse.h5" --shards 0
expect_error 1 "give a dataset FILE or --synthetic" data stats
expect_error 1 "--target-accuracy needs at least one --curve" plan --data "$WORK/dense.h5" --target-accuracy 0.9
expect_error 2 "--curve '$WORK/none' is not the folder of a .pimscale train. run" plan --data "$WORK/dense.h5" \
  --curve "$WORK/none"
# synth writes via a temporary file: a failed write leaves no dataset behind.
rc=0
run 2 data synth --kind dense --rows 10 --out "$WORK/no-such-dir/x.h5" >/dev/null 2>&1 || rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "synth into a missing folder must fail (rc $rc)"
echo "bad input: all cases failed cleanly"

# Converters: malformed input is reported with its file and line.
printf '+1 1:0.5 2:1\n-1 3:abc\n' >"$WORK/bad.libsvm"
printf 'a,b,label\n0.1,0.2,1\n0.3,0.4\n' >"$WORK/bad.csv"
printf '1 1:0.5\n2 1:0.3\n3 2:0.1\n' >"$WORK/three.libsvm"
convert_error() {  # PATTERN ARGS...
  local pattern=$1 rc=0
  shift
  run 2 data convert "$@" --out "$WORK/converted.h5" >"$WORK/stdout" 2>"$WORK/stderr" || rc=$?
  [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "convert must fail cleanly: $*"
  grep -q "^pimscale: error: .*$pattern" "$WORK/stderr" || { cat "$WORK/stderr" >&2; fail "no '$pattern' error"; }
  [ ! -e "$WORK/converted.h5" ] && [ ! -e "$WORK/converted.h5.tmp" ] || fail "convert left a file behind"
  echo "ok: $(grep '^pimscale: error' "$WORK/stderr")"
}
convert_error "bad.libsvm:2: '3:abc' is not index:value" --from libsvm --in "$WORK/bad.libsvm"
convert_error "bad.csv:3: has 2 columns, the first row has 3" --from csv --in "$WORK/bad.csv"
convert_error "3 distinct labels .*--classes A,B" --from libsvm --in "$WORK/three.libsvm"
convert_error "cannot read" --from idx --in "$WORK/none.idx" --in-labels "$WORK/none.labels"
