# Dry accounting (`train --count-only`) against pim-training.md section 5, and against full runs.
# 1. Section 5 exactly: host<->DPU bytes and rounds per epoch for every algorithm, YFCC LR and Criteo LR shapes
#    (paper hyperparameters), 256..2,048 DPUs, weak scaling (3,328 / 196,608 rows per DPU) and strong scaling
#    (the 256-DPU training set on every DPU count). Expected values come from the formulas
#    MA-SGD rounds*N*2*model, GA-SGD rounds*N*(model + gradient), ADMM N*3*model (all integers), plus the
#    published headline figures (MA-SGD moves 64x the data of ADMM for Criteo LR at 2,048 DPUs).
# 2. A count-only run reports the same bytes, rounds, phase times (to the picosecond) and start-up as the
#    full run of the same configuration, dense and sparse, at 1 and 2 ranks.
# 3. --trace writes a Chrome trace with one track per server, slices summing to the emulated total, and
#    one flow arrow per collective and non-root server.
source "$(dirname "$0")/lib.sh"

# Model bytes: YFCC 4,096 int32 + an int64 bias; Criteo 1,001,472 int32 (GA gradient: int64).
declare -A model=([yfcc]=16392 [criteo]=4005888) grad=([yfcc]=16392 [criteo]=8011776)
declare -A per_dpu=([yfcc]=3328 [criteo]=196608) strong=([yfcc]=851968 [criteo]=50331648)
declare -A ma_b=([yfcc]=8 [criteo]=2048) ga_b=([yfcc]=8192 [criteo]=262144) lr=([yfcc]=6 [criteo]=0)

moved() { echo $(( $(json_in "$1" bytes host_to_dpu) + $(json_in "$1" bytes dpu_to_host) )); }
checks=0
for data in yfcc criteo; do
  for n in 256 512 1024 2048; do
    for scaling in weak strong; do
      if [ $scaling == weak ]; then rows=$((per_dpu[$data] * n)); else rows=${strong[$data]}; fi
      for algorithm in ma-sgd ga-sgd admm; do
        b=${ma_b[$data]}
        [ $algorithm == ga-sgd ] && b=${ga_b[$data]}
        run 1 train --count-only --synthetic $data --rows $rows --dpus-per-server $n --algorithm $algorithm \
          --batch $b --lr-shift ${lr[$data]} --reg-shift 12 --epochs 1 --force --out "$WORK/dry" >/dev/null
        case $algorithm in
          ma-sgd) rounds=$((rows / n / b)); bytes=$((rounds * n * 2 * model[$data])) ;;
          ga-sgd) rounds=$((rows / b)); bytes=$((rounds * n * (model[$data] + grad[$data]))) ;;
          admm) rounds=1; bytes=$((n * 3 * model[$data])) ;;
        esac
        same "$(json "$WORK/dry/run.json" rounds_per_epoch)" $rounds "$data $scaling $n $algorithm rounds"
        same "$(moved "$WORK/dry/run.json")" $bytes "$data $scaling $n $algorithm bytes"
        eval "got_${algorithm//-/_}=$bytes"
        checks=$((checks + 2))
      done
      if [ $n == 2048 ] && [ $scaling == weak ]; then
        printf "%s 2,048 DPUs weak, GB per epoch: MA-SGD %s, GA-SGD %s, ADMM %s\n" $data \
          "$(awk -v b=$got_ma_sgd 'BEGIN{printf "%.1f", b/1e9}')" "$(awk -v b=$got_ga_sgd 'BEGIN{printf "%.1f", b/1e9}')" \
          "$(awk -v b=$got_admm 'BEGIN{printf "%.2f", b/1e9}')"
        if [ $data == criteo ]; then  # the published figures: 1,575 GB, 37,804 GB, 24.6 GB; 64x
          same "$((got_ma_sgd / 1000000000))" 1575 "Criteo MA-SGD GB"
          same "$((got_ga_sgd / 1000000000))" 37804 "Criteo GA-SGD GB"
          same "$((got_admm / 100000000))" 246 "Criteo ADMM 0.1 GB"
          same "$((got_ma_sgd / got_admm))" 64 "MA-SGD / ADMM"
        else  # 27.9 GB, 55.9 GB, 0.10 GB
          same "$((got_ma_sgd / 100000000))" 279 "YFCC MA-SGD 0.1 GB"
          same "$((got_ga_sgd / 100000000))" 558 "YFCC GA-SGD 0.1 GB"
          same "$((got_admm / 10000000))" 10 "YFCC ADMM 0.01 GB"
        fi
      fi
    done
  done
done
echo "section 5: $checks byte and round counts exact"

# 2. Count-only = full run, dense and sparse, every algorithm, at 1 and 2 ranks.
run 1 data synth --kind dense --rows 2048 --test-rows 64 --features 64 --out "$WORK/dense.h5" >/dev/null
run 1 data synth --kind sparse --rows 2048 --test-rows 64 --features 3000 --out "$WORK/sparse.h5" >/dev/null
for kind in dense sparse; do
  for algorithm in ga-sgd ma-sgd admm; do
    for np in 1 2; do
      common=(train --data "$WORK/$kind.h5" --algorithm $algorithm --dpus-per-server 4 --batch 32 --epochs 2)
      run $np "${common[@]}" --force --out "$WORK/full" >/dev/null
      run $np "${common[@]}" --count-only --force --out "$WORK/dry" >/dev/null
      for key in phases_picoseconds bytes startup; do
        same "$(sed -n "/^  \"$key\": {/,/^  }/p" "$WORK/dry/run.json")" \
             "$(sed -n "/^  \"$key\": {/,/^  }/p" "$WORK/full/run.json")" "$kind $algorithm $np ranks: $key"
      done
      same "$(json "$WORK/dry/run.json" rounds_per_epoch)" "$(json "$WORK/full/run.json" rounds_per_epoch)" "rounds"
      same "$(json "$WORK/dry/run.json" model_sha256)" null "count-only trains no model"
    done
  done
done
echo "count-only equals the full run: 12 configurations"

# 3. The timeline.
run 2 train --data "$WORK/sparse.h5" --algorithm ma-sgd --dpus-per-server 4 --batch 32 --epochs 2 \
  --trace "$WORK/trace.json" --force --out "$WORK/full" >/dev/null
python3 - "$WORK/trace.json" "$(json "$WORK/full/run.json" emulated_picoseconds)" "$(json "$WORK/full/run.json" rounds_per_epoch)" <<'PY'
import json, sys
trace = json.load(open(sys.argv[1]))
total, rounds = int(sys.argv[2]), int(sys.argv[3])
ev = trace["traceEvents"]
tracks = {e["tid"] for e in ev if e["ph"] == "X"}
assert tracks == {0, 1}, tracks
startup = {"allocation", "program_load", "data_load", "table_broadcast"}
for tid in tracks:
    ps = sum(e["args"]["picoseconds"] for e in ev if e["ph"] == "X" and e["tid"] == tid and e["name"] not in startup)
    assert ps == total, (tid, ps, total)
starts = [e for e in ev if e["ph"] == "s"]
ends = [e for e in ev if e["ph"] == "f"]
assert len(starts) == len(ends) == 2 * rounds, (len(starts), len(ends), rounds)
assert sorted(e["id"] for e in starts) == sorted(e["id"] for e in ends)
print(f"trace: 2 tracks, slices sum to {total} ps on each, {len(starts)} collective flows")
PY
