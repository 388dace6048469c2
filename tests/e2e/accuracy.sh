# The quick-start workload learns: 20,000 x 256 synthetic dense rows (label noise 0.1, so the best
# linear classifier reaches 96.8%), 2 servers, 5 epochs, test accuracy >= 90%.
source "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")/../.." && pwd)

run 2 data synth --kind dense --rows 20000 --test-rows 4000 --features 256 --seed 1 --noise 0.1 \
  --out "$WORK/yfcc-small.h5" >/dev/null
run 2 train --config "$here/jobs/configs/quickstart.toml" --data "$WORK/yfcc-small.h5" --out "$WORK/run" \
  | tee "$WORK/log"
acc=$(json "$WORK/run/run.json" test_accuracy)
awk -v a="$acc" 'BEGIN { exit !(a >= 0.90) }' || fail "test accuracy $acc < 0.90"
grep -q "^epoch 5/5" "$WORK/log" || fail "no progress line for epoch 5"
echo "accuracy: $acc after 5 epochs"
