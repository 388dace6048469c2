# A dataset too large for MRAM fails before training, on every rank count, with one line naming the
# MiB needed and available and the fix; no rank hangs and no results folder is written.
source "$(dirname "$0")/lib.sh"

run 2 data synth --kind dense --rows 8192 --test-rows 64 --features 256 --out "$WORK/d.h5" >/dev/null
# A what-if preset: the reference server with 1 MiB of MRAM per DPU.
sed -E 's/^mram_bytes = \{ value = [0-9]+/mram_bytes = { value = 1048576/' \
  "$PIMSCALE_PRESETS/hardware/upmem-2560-v1a.toml" >"$WORK/small-mram.toml"
grep -q "value = 1048576" "$WORK/small-mram.toml" || fail "could not make the small-MRAM preset"
for np in 1 2 4; do
  # 8,192 rows over np x 2 DPUs: at least 1,024 rows x 1 KiB = 1 MiB of rows per DPU, plus buffers.
  expect_error "$np" "MRAM overflow: each DPU needs .* MiB .* but has 1.00 MiB.*--dpus-per-server" \
    train --data "$WORK/d.h5" --hardware "$WORK/small-mram.toml" --dpus-per-server 2 --batch 64
done
