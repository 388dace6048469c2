# pimscale against liblinear on real data no one here made: heart_scale (liblinear-tools) and the
# Wisconsin breast-cancer table (python3-sklearn), converted with `pimscale data convert`. Five fixed random
# splits (half for testing, seeds 1-5; both trainers see the same splits) and the mean test accuracy over them:
# one split's test set is small (heart: 1 row = 0.85 points), the mean over five is a steadier yardstick.
# liblinear: L2-regularised LR (-s 0) and L2-loss SVM (-s 2) with C = 2^reg / m, the same L2 strength as
# pimscale's 2^-reg. pimscale: every algorithm, LR and SVM (hinge margin 0.5), float and fixed numerics.
# Prints the table and marks the issue's targets (float within 2 points of liblinear, fixed within 1 point of
# float). They are not all met yet (see README, Status); the test asserts the gaps measured when this was
# written as a regression bound (float-liblinear <= 4, fixed-float <= 6 points; all runs are deterministic).
source "$(dirname "$0")/lib.sh"

heart=/usr/share/doc/liblinear-tools/examples/heart_scale
cancer=/usr/lib/python3/dist-packages/sklearn/datasets/data/breast_cancer.csv
command -v liblinear-train >/dev/null && [ -f "$heart" ] && [ -f "$cancer" ] ||
  fail "needs liblinear-tools and python3-sklearn: run jobs/install-deps.sh"

seeds="1 2 3 4 5"
reg=4
for seed in $seeds; do
  run 1 data convert --from libsvm --in "$heart" --dense --test-fraction 0.5 --seed $seed --out "$WORK/heart$seed.h5" >/dev/null
  run 1 data convert --from csv --in "$cancer" --test-fraction 0.5 --seed $seed --out "$WORK/cancer$seed.h5" >/dev/null
done
mean() { awk '{ s += $1 } END { printf "%.2f", s / NR }'; }
worst_float=0
worst_fixed=0
targets_met=0
targets=0
gap() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; print (d < 0 ? -d : d) }'; }
printf "%-7s %-7s %-4s %10s %8s %8s   %s\n" dataset algo model liblinear float fixed "mean test accuracy over 5 splits; targets (2 / 1 points)"
for data in heart cancer; do
  for model in lr svm; do
    solver=0
    [ $model == svm ] && solver=2
    ll=$(for seed in $seeds; do
      run 1 data export --in "$WORK/$data$seed.h5" --split train --out "$WORK/train.txt" >/dev/null
      run 1 data export --in "$WORK/$data$seed.h5" --split test --out "$WORK/test.txt" >/dev/null
      C=$(awk -v r=$reg -v m="$(wc -l <"$WORK/train.txt")" 'BEGIN { print 2^r / m }')
      liblinear-train -q -s $solver -c "$C" -B 1 "$WORK/train.txt" "$WORK/model" >/dev/null
      liblinear-predict "$WORK/test.txt" "$WORK/model" "$WORK/pred" | sed -E 's/.*= ([0-9.]+)%.*/\1/'
    done | mean)
    for algorithm in ga-sgd ma-sgd admm; do
      batch=32 lr=2
      [ $algorithm == ga-sgd ] && batch=64 lr=1
      for numerics in float fixed; do
        for seed in $seeds; do
          run 1 train --data "$WORK/$data$seed.h5" --algorithm $algorithm --model $model --numerics $numerics \
            --batch $batch --lr-shift $lr --reg-shift $reg --alpha 0 --margin half --dpus-per-server 2 --epochs 200 \
            --out "$WORK/run" >/dev/null
          awk -v a="$(json "$WORK/run/run.json" test_accuracy)" 'BEGIN { print 100 * a }'
        done | mean >"$WORK/$numerics.acc"
      done
      fl=$(cat "$WORK/float.acc")
      fx=$(cat "$WORK/fixed.acc")
      g1=$(gap "$fl" "$ll")
      g2=$(gap "$fx" "$fl")
      mark="float-liblinear $g1 $(awk -v g="$g1" 'BEGIN{print (g <= 2 ? "met" : "MISSED")}'), fixed-float $g2 $(awk -v g="$g2" 'BEGIN{print (g <= 1 ? "met" : "MISSED")}')"
      targets=$((targets + 2))
      targets_met=$((targets_met + $(awk -v a="$g1" -v b="$g2" 'BEGIN{print (a <= 2) + (b <= 1)}')))
      printf "%-7s %-7s %-4s %10s %8s %8s   %s\n" $data $algorithm $model "$ll" "$fl" "$fx" "$mark"
      worst_float=$(awk -v a="$worst_float" -v b="$g1" 'BEGIN{print (b > a ? b : a)}')
      worst_fixed=$(awk -v a="$worst_fixed" -v b="$g2" 'BEGIN{print (b > a ? b : a)}')
    done
  done
done
echo "issue targets met: $targets_met of $targets; worst gaps: float-liblinear $worst_float, fixed-float $worst_fixed points"
awk -v a="$worst_float" -v b="$worst_fixed" 'BEGIN { exit !(a <= 4 && b <= 6) }' ||
  fail "a gap grew beyond the recorded bound (float-liblinear 4, fixed-float 6 points)"
