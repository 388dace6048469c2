# Server-split and thread invariance: S servers x D DPUs train exactly what 1 server x S*D DPUs trains,
# and emulated time never depends on threads or on the run.
source "$(dirname "$0")/lib.sh"

run 3 data synth --kind dense --rows 4096 --test-rows 512 --features 64 --seed 7 --out "$WORK/d.h5" >/dev/null
args=(train --data "$WORK/d.h5" --batch 64 --epochs 2 --lr-shift 4 --reg-shift 10)
run 4 "${args[@]}" --dpus-per-server 4 --out "$WORK/s4" >/dev/null
run 2 "${args[@]}" --dpus-per-server 8 --out "$WORK/s2" >/dev/null
run 1 "${args[@]}" --dpus-per-server 16 --out "$WORK/s1" >/dev/null
run 1 "${args[@]}" --dpus-per-server 16 --out "$WORK/s1_again" >/dev/null
run 1 "${args[@]}" --dpus-per-server 16 --threads 2 --out "$WORK/s1_t2" >/dev/null
run 4 "${args[@]}" --dpus-per-server 4 --threads 2 --out "$WORK/s4_t2" >/dev/null

sha=$(json "$WORK/s1/run.json" model_sha256)
acc=$(json "$WORK/s1/run.json" test_accuracy)
for r in s4 s2 s1_again s1_t2 s4_t2; do
  same "$(json "$WORK/$r/run.json" model_sha256)" "$sha" "model_sha256 of $r vs s1"
  same "$(json "$WORK/$r/run.json" test_accuracy)" "$acc" "test_accuracy of $r vs s1"
done
t1=$(json "$WORK/s1/run.json" emulated_picoseconds)
same "$(json "$WORK/s1_again/run.json" emulated_picoseconds)" "$t1" "emulated time, same command twice"
same "$(json "$WORK/s1_t2/run.json" emulated_picoseconds)" "$t1" "emulated time, --threads 1 vs 2"
same "$(json "$WORK/s4_t2/run.json" emulated_picoseconds)" "$(json "$WORK/s4/run.json" emulated_picoseconds)" \
  "emulated time of 4 servers, --threads 1 vs 2"

# The contract of the results folder.
header=$(head -1 "$WORK/s4/epochs.csv")
for col in epoch train_loss test_accuracy test_auc emulated_seconds wall_seconds host_to_dpu dpu_compute \
  dpu_dma dpu_to_host host_reduce network wait; do
  [[ ",$header," == *",$col,"* ]] || fail "epochs.csv lacks column $col"
done
same "$(wc -l <"$WORK/s4/epochs.csv")" "3" "epochs.csv rows (header + 2 epochs)"
for key in config version git_revision ranks dpus_per_server final train_loss test_accuracy test_auc \
  model_sha256 emulated_seconds wall_seconds phases bytes rounds_per_epoch startup_seconds servers hardware; do
  grep -q "\"$key\":" "$WORK/s4/run.json" || fail "run.json lacks $key"
done
same "$(json "$WORK/s4/run.json" ranks)" "4" "ranks"
# The phases sum to the total exactly (integer picoseconds).
sum=0
for phase in host_to_dpu dpu_compute dpu_dma dpu_to_host host_reduce network wait; do
  sum=$((sum + $(json_in "$WORK/s4/run.json" phases_picoseconds "$phase")))
done
same "$sum" "$(json "$WORK/s4/run.json" emulated_picoseconds)" "sum of phases vs total"
same "$(json "$WORK/s4/run.json" rounds_per_epoch)" "64" "rounds per epoch (4096 rows / batch 64)"
# Metrics every 2 epochs (and after the last): epoch 1 has none and says so (0 rows); training, the model
# and emulated time are those of the run that evaluates every epoch; the evaluated epochs' metrics equal it.
three=(train --data "$WORK/d.h5" --batch 64 --epochs 3 --lr-shift 4 --reg-shift 10 --dpus-per-server 8)
run 2 "${three[@]}" --out "$WORK/every1" >/dev/null
run 2 "${three[@]}" --eval-every 2 --out "$WORK/every2" >/dev/null
same "$(json "$WORK/every2/run.json" model_sha256)" "$(json "$WORK/every1/run.json" model_sha256)" "model, --eval-every 2"
same "$(json "$WORK/every2/run.json" emulated_picoseconds)" "$(json "$WORK/every1/run.json" emulated_picoseconds)" \
  "emulated time, --eval-every 2"
col() { python3 -c "import csv,sys; r=list(csv.DictReader(open(sys.argv[1]))); print(' '.join(x[sys.argv[2]] for x in r))" "$@"; }
same "$(col "$WORK/every2/epochs.csv" metric_train_rows)" "0 4096 4096" "rows the metrics were computed on"
same "$(col "$WORK/every2/epochs.csv" test_accuracy | cut -d' ' -f1)" "nan" "no metrics in epoch 1"
same "$(col "$WORK/every2/epochs.csv" test_auc | cut -d' ' -f2-)" "$(col "$WORK/every1/epochs.csv" test_auc | cut -d' ' -f2-)" \
  "metrics of the evaluated epochs"
# --eval-rows 1000: the loss over every 5th training row (ceil(4096 / 1000) = 5: rows 0, 5, ..., 4095, 820
# rows), the same rows and the same loss for 1, 2 and 4 servers, whose first rows (1024, 2048, 3072) are not
# multiples of 5; training, the model and the test metrics (every test row) are those of the full pass.
for s in 1 2 4; do
  run "$s" "${args[@]}" --dpus-per-server $((16 / s)) --eval-rows 1000 --out "$WORK/rows$s" >/dev/null
  same "$(col "$WORK/rows$s/epochs.csv" metric_train_rows)" "820 820" "rows the loss was computed on, $s servers"
  same "$(json "$WORK/rows$s/run.json" model_sha256)" "$sha" "model_sha256 with --eval-rows, $s servers"
  same "$(json "$WORK/rows$s/run.json" test_accuracy)" "$acc" "test_accuracy with --eval-rows, $s servers"
  same "$(col "$WORK/rows$s/epochs.csv" train_loss)" "$(col "$WORK/rows1/epochs.csv" train_loss)" \
    "the sampled loss, $s servers vs 1"
done
[[ "$(json "$WORK/rows1/run.json" train_loss)" != "$(json "$WORK/s1/run.json" train_loss)" ]] ||
  fail "the loss over every 5th row equals the full pass's: were the rows sampled?"
echo "invariance: sha $sha, accuracy $acc, emulated ${t1} ps at 1 x 16"
