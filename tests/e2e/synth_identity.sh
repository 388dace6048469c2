# `data synth` writes byte-identical files for any rank count (rows come from a hash of seed and index,
# datasets carry no timestamps), dense and sparse.
source "$(dirname "$0")/lib.sh"

for kind in dense sparse; do
  for np in 1 2 3 4; do
    run "$np" data synth --kind "$kind" --rows 1001 --test-rows 77 --features 3000 --seed 5 \
      --out "$WORK/$kind-$np.h5" >/dev/null
  done
  for np in 2 3 4; do
    cmp "$WORK/$kind-1.h5" "$WORK/$kind-$np.h5" || fail "$kind file of $np ranks differs from 1 rank"
  done
  echo "$kind: identical at 1-4 ranks ($(stat -c %s "$WORK/$kind-1.h5") bytes)"
done
run 1 data synth --kind dense --rows 1001 --test-rows 77 --features 3000 --seed 6 --out "$WORK/other.h5" >/dev/null
! cmp -s "$WORK/dense-1.h5" "$WORK/other.h5" || fail "a different seed must give a different file"
