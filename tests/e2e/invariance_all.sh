# Server-split invariance for every algorithm and model, dense and sparse: 2 servers x 4 DPUs and
# 4 servers x 2 DPUs train exactly (same model_sha256, same test accuracy) what 1 server x 8 DPUs trains.
source "$(dirname "$0")/lib.sh"

run 2 data synth --kind dense --rows 2048 --test-rows 256 --features 40 --seed 3 --out "$WORK/dense.h5" >/dev/null
run 2 data synth --kind sparse --rows 4096 --test-rows 512 --features 2000 --nnz-per-row 10 --seed 3 \
  --out "$WORK/sparse.h5" >/dev/null

checked=0
for kind in dense sparse; do
  for algorithm in ga-sgd ma-sgd admm; do
    for model in lr svm; do
      batch=8  # MA-SGD and ADMM: per DPU
      [ "$algorithm" == ga-sgd ] && batch=64  # GA-SGD: global, 8 per DPU
      extra=()
      [ "$kind" == sparse ] && extra=(--class-weights criteo --lr-shift 1)
      args=(train --data "$WORK/$kind.h5" --algorithm "$algorithm" --model "$model" --batch "$batch" --epochs 2
        --reg-shift 10 --alpha 6 "${extra[@]}")
      run 1 "${args[@]}" --dpus-per-server 8 --force --out "$WORK/one" >/dev/null
      sha=$(json "$WORK/one/run.json" model_sha256)
      acc=$(json "$WORK/one/run.json" test_accuracy)
      for split in "2 4" "4 2"; do
        read -r servers dpus <<<"$split"
        run "$servers" "${args[@]}" --dpus-per-server "$dpus" --force --out "$WORK/split" >/dev/null
        same "$(json "$WORK/split/run.json" model_sha256)" "$sha" "$kind $algorithm $model: $servers x $dpus vs 1 x 8"
        same "$(json "$WORK/split/run.json" test_accuracy)" "$acc" "$kind $algorithm $model accuracy"
        checked=$((checked + 1))
      done
      echo "ok: $kind $algorithm $model (sha ${sha:0:12}, accuracy $acc)"
    done
  done
done
echo "invariance: $checked splits identical to 1 server"
