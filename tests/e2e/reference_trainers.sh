# pimscale against liblinear on real data no one here made: heart_scale (liblinear-tools) and the
# Wisconsin breast-cancer table (python3-sklearn), converted with `pimscale data convert`. Five fixed random
# splits (half for testing, seeds 1-5; both trainers see the same splits) and the mean test accuracy over them:
# one split's test set is small (heart: 1 row = 0.85 points), the mean over five is a steadier yardstick.
#
# Comparable regularisation (README, "Against reference trainers"):
# - GA-SGD and MA-SGD minimise mean loss + 2^-reg/2 ||w||^2 with an unregularised dense bias: liblinear's L2 solvers
#   (-s 0 LR, -s 2 L2-loss SVM) with C = 2^reg / m and -B 100 (its bias is a feature of value 100 whose weight is
#   regularised, so the bias itself pays (b/100)^2: next to nothing). pimscale's SVM hinge margin is 0.5; margin m
#   with L2 lambda is margin 1 with lambda m, so the SVM's C is 2^(reg+1) / m.
# - ADMM's consensus step soft-thresholds: its regulariser is L1, lambda = 2^(alpha - 2 reg) on the sum of the N
#   DPUs' mean losses, i.e. lambda / N on the mean loss: liblinear's L1 solvers (-s 6 LR, -s 5 L2-loss SVM) with
#   C = N 2^(2 reg - alpha) / m.
# Hyperparameters (one setting for both datasets, chosen by the format, not by these results): reg 4, 200 epochs,
# 8 rows per DPU step at learning rate 2^-3 (GA-SGD b = 16 on 2 DPUs; MA-SGD and ADMM b = 8): rows per DPU step
# <= 2^lr, so the dense int32 gradient accumulator cannot saturate (pimscale warns otherwise).
#
# Numerics: float, fixed, and float-saturating (float clipped to Q1.31's range): fixed - float-saturating is the
# cost of fixed point's rounding, float-saturating - float the cost of its range. Targets: float within 2 points of
# liblinear; fixed within 1 point of float. The test asserts float-liblinear <= 2 and fixed-float_saturating <= 0.25 (measured: 0)
# everywhere; a fixed-float gap over 1 point only where float's model lies outside Q1.31 (some split's bias or
# weights beyond 1), held to the measured regression bound of 4 points. That is the breast-cancer table: float's
# bias reaches 1.8-6.9 there, Q1.31 (and PIM-Opt's saturating int64 bias) stops at 1 (README, "Against reference
# trainers"; the issue's fixed-float target is missed on 5 of its 12 rows).
source "$(dirname "$0")/lib.sh"

heart=/usr/share/doc/liblinear-tools/examples/heart_scale
cancer=/usr/lib/python3/dist-packages/sklearn/datasets/data/breast_cancer.csv
command -v liblinear-train >/dev/null && [ -f "$heart" ] && [ -f "$cancer" ] ||
  fail "needs liblinear-tools and python3-sklearn: run jobs/install-deps.sh"

seeds="1 2 3 4 5"
reg=4 alpha=0 lr=3 dpus=2
for seed in $seeds; do
  run 1 data convert --from libsvm --in "$heart" --dense --test-fraction 0.5 --seed $seed --out "$WORK/heart$seed.h5" >/dev/null
  run 1 data convert --from csv --in "$cancer" --test-fraction 0.5 --seed $seed --out "$WORK/cancer$seed.h5" >/dev/null
  for data in heart cancer; do
    run 1 data export --in "$WORK/$data$seed.h5" --split train --out "$WORK/$data$seed.train.txt" >/dev/null
    run 1 data export --in "$WORK/$data$seed.h5" --split test --out "$WORK/$data$seed.test.txt" >/dev/null
  done
done
mean() { awk '{ s += $1 } END { printf "%.2f", s / NR }'; }
gap() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; print (d < 0 ? -d : d) }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }

# liblinear DATA SOLVER C_NUMERATOR: mean test accuracy over the splits with C = C_NUMERATOR / m.
liblinear() {
  for seed in $seeds; do
    local train="$WORK/$1$seed.train.txt"
    local C
    C=$(awk -v c="$3" -v m="$(wc -l <"$train")" 'BEGIN { print c / m }')
    liblinear-train -q -s "$2" -c "$C" -B 100 "$train" "$WORK/model" >/dev/null
    liblinear-predict "$WORK/$1$seed.test.txt" "$WORK/model" "$WORK/pred" | sed -E 's/.*= ([0-9.]+)%.*/\1/'
  done | mean
}

failures=()
targets_met=0
targets=0
printf "%-7s %-7s %-4s %-13s %9s %8s %8s %8s   %s\n" dataset algo model reference liblinear float float-sat fixed \
  "mean test accuracy over 5 splits; targets 2 / 1 points"
# Each row's gaps as measured (2026-11-30), plus 0.5 points, bound that row, so a regression in one
# configuration fails even where the shared targets above would still hold: float-liblinear and fixed-float.
declare -A max_ref=(
  ["heart ga-sgd lr"]=0.80 ["heart ma-sgd lr"]=0.80 ["heart admm lr"]=1.69
  ["heart ga-sgd svm"]=0.60 ["heart ma-sgd svm"]=0.60 ["heart admm svm"]=0.56
  ["cancer ga-sgd lr"]=1.90 ["cancer ma-sgd lr"]=1.90 ["cancer admm lr"]=1.55
  ["cancer ga-sgd svm"]=1.64 ["cancer ma-sgd svm"]=1.64 ["cancer admm svm"]=0.71)
declare -A max_fixed=(
  ["heart ga-sgd lr"]=0.72 ["heart ma-sgd lr"]=0.86 ["heart admm lr"]=0.94
  ["heart ga-sgd svm"]=0.51 ["heart ma-sgd svm"]=0.93 ["heart admm svm"]=0.64
  ["cancer ga-sgd lr"]=1.92 ["cancer ma-sgd lr"]=1.99 ["cancer admm lr"]=3.53
  ["cancer ga-sgd svm"]=1.90 ["cancer ma-sgd svm"]=2.18 ["cancer admm svm"]=1.42)
for data in heart cancer; do
  for model in lr svm; do
    for algorithm in ga-sgd ma-sgd admm; do
      batch=8
      [ $algorithm == ga-sgd ] && batch=$((8 * dpus))
      if [ $algorithm == admm ]; then
        solver=6 && [ $model == svm ] && solver=5
        numerator=$((dpus * 2 ** (2 * reg - alpha)))
      else
        solver=0 && [ $model == svm ] && solver=2
        numerator=$((2 ** reg)) && [ $model == svm ] && numerator=$((2 ** (reg + 1)))
      fi
      ll=$(liblinear $data $solver $numerator)
      outside=0     # splits whose float model Q1.31 cannot hold
      float_bias=0  # the largest |bias| of float's models
      for numerics in float float-saturating fixed; do
        : >"$WORK/$numerics.list"
        for seed in $seeds; do
          run 1 train --data "$WORK/$data$seed.h5" --algorithm $algorithm --model $model --numerics $numerics \
            --batch $batch --lr-shift $lr --reg-shift $reg --alpha $alpha --margin half --dpus-per-server $dpus \
            --epochs 200 --force --out "$WORK/run" >/dev/null 2>"$WORK/stderr"
          ! grep -q "warning" "$WORK/stderr" || fail "$data $algorithm $model: unexpected warning: $(cat "$WORK/stderr")"
          if [ $numerics == float ]; then
            float_bias=$(awk -v a="$float_bias" -v b="$(json "$WORK/run/run.json" bias)" \
              'BEGIN { b = b < 0 ? -b : b; printf "%.2f", (b > a ? b : a) }')
            [ "$(json "$WORK/run/run.json" bias_at_q31_limit)" == false ] &&
              [ "$(json "$WORK/run/run.json" weights_at_q31_limit)" == 0 ] || outside=$((outside + 1))
          fi
          awk -v a="$(json "$WORK/run/run.json" test_accuracy)" 'BEGIN { print 100 * a }' >>"$WORK/$numerics.list"
        done
      done
      fl=$(mean <"$WORK/float.list")
      fs=$(mean <"$WORK/float-saturating.list")
      fx=$(mean <"$WORK/fixed.list")
      g_ref=$(gap "$fl" "$ll")
      g_fixed=$(gap "$fx" "$fl")
      g_round=$(gap "$fx" "$fs")
      targets=$((targets + 2))
      le "$g_ref" 2 && targets_met=$((targets_met + 1))
      le "$g_fixed" 1 && targets_met=$((targets_met + 1))
      what="$data $algorithm $model"
      le "$g_ref" 2 || failures+=("$what: float is $g_ref points from liblinear (target 2)")
      le "$g_round" 0.25 || failures+=("$what: fixed is $g_round points from float-saturating (rounding; bound 0.25)")
      le "$g_ref" "${max_ref[$what]}" || failures+=("$what: float-liblinear $g_ref over its row's bound ${max_ref[$what]}")
      le "$g_fixed" "${max_fixed[$what]}" || failures+=("$what: fixed-float $g_fixed over its row's bound ${max_fixed[$what]}")
      # A fixed-float gap over 1 point must be fixed point's range, not its rounding: float's model outside Q1.31.
      if ! le "$g_fixed" 1; then
        [ $outside -gt 0 ] || failures+=("$what: fixed is $g_fixed points from float although float's model fits Q1.31")
        le "$g_fixed" 4 || failures+=("$what: fixed-float $g_fixed points grew beyond the recorded bound of 4")
      fi
      mark="float-liblinear $g_ref $(le "$g_ref" 2 && echo met || echo MISSED), fixed-float $g_fixed"
      mark+=" $(le "$g_fixed" 1 && echo met || echo MISSED) = range $(gap "$fs" "$fl") + rounding $g_round"
      mark+=" (float's |bias| up to $float_bias; outside Q1.31 on $outside of 5 splits)"
      printf "%-7s %-7s %-4s %-13s %9s %8s %8s %8s   %s\n" $data $algorithm $model "liblinear -s $solver" \
        "$ll" "$fl" "$fs" "$fx" "$mark"
    done
  done
done
echo "issue targets met: $targets_met of $targets"
[ ${#failures[@]} -eq 0 ] || { printf 'FAIL: %s\n' "${failures[@]}" >&2; exit 1; }
