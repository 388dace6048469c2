# Absolute emulated DPU time pinned by arithmetic written out here, from the preset's numbers and PIM-Opt's work
# split, never by calling the cost model (issue 16 point 2): the README's worked example (the quick start, dense
# LR), a sparse LR case and a dense SVM case. A change to an instruction count, a DMA rule, the pipeline model or
# the work split moves one of these and fails here, with the arithmetic to compare against.
#
# Preset numbers used (jobs/presets/hardware/upmem-2560-v1a.toml): 350 MHz, 16 tasklets, issue interval 11,
# barrier 12 instructions, DMA alpha 77 (read) / 61 (write) + 0.5 cycles a byte (calls rounded up to 8 B),
# dma_overlap 1, launch_us 20; routines: int64 mul 130, float add 66, float mul 179, float div 1,024,
# double add 101, double div 2,182. Rounding: each launch's cycles become picoseconds by rounding to the nearest
# (cycles x 10^6 / 350), then the 20 us launch is added.
source "$(dirname "$0")/lib.sh"

python3 - <<'PY'
# The sums below are checked here too, so that the comments and the numbers cannot drift apart.
T, ALPHA_R, ALPHA_W = 16, 77, 61
def read(b): return ALPHA_R + 0.5 * max(8, -(-b // 8) * 8)
def write(b): return ALPHA_W + 0.5 * max(8, -(-b // 8) * 8)
# Dense LR, 16 features per tasklet, 2 rows per DPU (the README's worked example): per tasklet
#   zeroing its 16-entry gradient slice: 16 WRAM + 2 x 16 ALU                                   =    48
#   per row, dot product: 2 x 16 WRAM + 2 x 16 loop ALU + 16 int64 mul (130) + 4 x 16 ALU       = 2,208
#   per row, gradient (LR: every row): 3 x 16 WRAM + 2 x 16 ALU + 16 x 130 + 4 x 16 + 8 x 16    = 2,352
#   2 barriers a row x 12                                                                       =    24
assert 16 + 2 * 16 == 48 and 32 + 32 + 16 * 130 + 64 == 2208 and 48 + 32 + 16 * 130 + 64 + 128 == 2352
per_tasklet = 48 + 2 * (2208 + 2352 + 24)
assert per_tasklet == 9216
# the last tasklet adds the bias: 5 ALU into the dot product and 5 into the gradient, per row: +20
C_par = max(16 * per_tasklet + 20, 11 * (per_tasklet + 20))
assert C_par == 147476
# serial part (tasklet 0 alone) per row: 16 WRAM + (2 x 16 + 8) ALU to combine the partial sums; the sigmoid:
# float div 1,024 + 2 float mul 358 + 2 float add 132 + 24 ALU + double add 101 + double div 2,182
serial_row = 16 + 40 + 1024 + 2 * 179 + 2 * 66 + 24 + 101 + 2182
assert serial_row == 3877
C_ser = 11 * 2 * serial_row
assert C_ser == 85294 and C_par + C_ser == 232770
# DMA: the parallel part's (per tasklet: the 64-byte slice zeroed, 2 rows x X and W slices read, the gradient
# slice read and written; tasklet 0 the 8-byte labels) hides behind C_par; the serial part's two 8-byte exp-table
# reads do not: 2 x (77 + 4) = 162 cycles.
dma_par = T * (write(64) + 2 * 2 * read(64) + 2 * (read(64) + write(64))) + read(8)
assert dma_par == 15009 < C_par
print("worked example: 232,770 compute cycles and 162 exposed DMA cycles per launch")
PY

cycles_ps() {  # CYCLES at 350 MHz, rounded to the picosecond as the cost model does (round half away from 0)
  python3 -c "from fractions import Fraction as F; import math; print(math.floor(F($1) * 10**6 / 350 + F(1, 2)))"
}

# 1. The quick start: 2 servers x 16 DPUs, 256 features, b = 64 (2 rows per DPU per round), 20,000 rows:
# 312 rounds an epoch (19,968 rows used), 5 epochs = 1,560 launches.
run 2 data synth --kind dense --rows 20000 --test-rows 4000 --features 256 --seed 1 --noise 0.1 \
  --out "$WORK/quick.h5" >/dev/null
run 2 train --config "$(dirname "$0")/../../jobs/configs/quickstart.toml" --data "$WORK/quick.h5" \
  --out "$WORK/quick" >/dev/null
launch=20000000  # 20 us
want_compute=$((1560 * (launch + $(cycles_ps 232770))))
want_dma=$((1560 * $(cycles_ps 162)))
same "$(json_in "$WORK/quick/run.json" phases_picoseconds dpu_compute)" "$want_compute" "quick start dpu_compute (ps)"
same "$(json_in "$WORK/quick/run.json" phases_picoseconds dpu_dma)" "$want_dma" "quick start dpu_dma (ps)"
same "$(json "$WORK/quick/run.json" rounds_per_epoch)" "312" "quick start rounds per epoch"
echo "ok: quick start dpu_compute $want_compute ps = 1,560 x (20 us + 232,770 cycles), dpu_dma $want_dma ps"

# 2. Sparse LR: 4,096 rows of exactly 20 binary features out of 2,047 (+ the bias: 2,048 weights, 128 a
# tasklet), 1 server x 4 DPUs, GA-SGD b = 64: 16 rows per DPU per launch, 1,024 rows per DPU, 64 launches.
run 1 data synth --kind sparse --rows 4096 --test-rows 256 --features 2047 --nnz-per-row 20 --nnz-spread 0 \
  --seed 3 --out "$WORK/sparse.h5" >/dev/null
run 1 train --data "$WORK/sparse.h5" --algorithm ga-sgd --dpus-per-server 4 --batch 64 --epochs 1 \
  --lr-shift 4 --reg-shift 10 --out "$WORK/sparse" >/dev/null
python3 - <<'PY'
# A row's 20 non-zeros are dealt out to the 16 tasklets: tasklets 0-3 take 2, 4-14 take 1, and tasklet 15 takes 1
# and the bias: m = 2, 1 or 2; sum m = 21. Per tasklet and row, for its m entries (fixed point):
#   dot product: 2m WRAM + 4m ALU (address, select, loop) + 2m ALU (64-bit add)           = 8m
#   gradient (LR: every row): 2m WRAM + 4m ALU + 4m ALU (64-bit add, guard)               = 10m
#   2 barriers x 12                                                                       = 24
# Zeroing its 128 int64 gradient entries: 128 WRAM + 256 ALU = 384 per tasklet.
r = 16
shares = [2] * 4 + [1] * 11 + [2]
assert sum(shares) == 21
par_sum = sum(384 + r * (18 * m + 24) for m in shares)
par_max = max(384 + r * (18 * m + 24) for m in shares)
C_par = max(par_sum, 11 * par_max)
assert C_par == 6144 + 762 * r == 18336
C_ser = 11 * 3877 * r  # the same row head and sigmoid as the dense case, per row
compute = C_par + C_ser
assert compute == 700688
# DMA per launch: per tasklet the 1,024-byte zeroing write (61 + 512 = 573); per row its m indices (one call of 8
# bytes after rounding: 81), m 8-byte weight reads (81 each) and m 8-byte gradient reads and writes (81 + 65);
# tasklet 0 reads the 512-byte label block once (77 + 256 = 333). The serial part reads 16 exp-table entries
# (81 each). Parallel DMA 9,168 + 6,063 r + 333 = 106,509 exceeds C_par = 18,336 by 88,173 cycles: exposed.
dma_par = 16 * 573 + r * sum(81 + m * 81 + m * (81 + 65) for m in shares) + 333
assert dma_par == 106509
exposed = 81 * r + (dma_par - C_par)
assert exposed == 89469
open("/dev/stdout", "w").write(f"sparse: {compute} compute cycles, {exposed} exposed DMA cycles per launch\n")
PY
want_compute=$((64 * (launch + $(cycles_ps 700688))))
want_dma=$((64 * $(cycles_ps 89469)))
same "$(json_in "$WORK/sparse/run.json" phases_picoseconds dpu_compute)" "$want_compute" "sparse dpu_compute (ps)"
same "$(json_in "$WORK/sparse/run.json" phases_picoseconds dpu_dma)" "$want_dma" "sparse dpu_dma (ps)"
echo "ok: sparse dpu_compute $want_compute ps = 64 x (20 us + 700,688 cycles), dpu_dma $want_dma ps"

# 3. Dense SVM (fixed, DPU margin): 4,096 rows x 64 features (4 a tasklet), 1 server x 1 DPU, GA-SGD b = 16: 16
# rows per launch, 256 launches an epoch. A launch with k rows inside the margin costs, per tasklet:
#   zeroing 4 entries: 4 WRAM + 8 ALU = 12
#   per row: 2 x 4 WRAM + 2 x 4 ALU + 4 int64 mul (520) + 4 x 4 ALU + 2 barriers (24)     = 576
#   per active row: 3 x 4 WRAM + 2 x 4 ALU + 8 x 4 (shift, guard, add) + 2 x 4 (hinge)     = 60
#   and the last tasklet 5 ALU per row (bias) and 5 per active row (bias gradient);
# C_par = 16 x 12 + 16 x 576 r + 5 r + 16 x 60 k + 5 k = 192 + 9,221 r + 965 k (above 11 x the last tasklet's);
# serial: per row 16 WRAM + 40 ALU (the hinge test, no sigmoid): 11 x 56 r = 616 r. With r = 16:
# 192 + 147,536 + 9,856 = 157,584 cycles + 965 k. The DMA (at most 84,696 cycles) hides behind C_par.
# k differs from launch to launch; run.json's svm_active gives their sum K over the epoch. Each launch's cycles are
# rounded to the picosecond on their own, so the total may differ from the formula on K by up to 256 x 0.5 ps.
run 1 data synth --kind dense --rows 4096 --test-rows 256 --features 64 --seed 4 --out "$WORK/svm.h5" >/dev/null
run 1 train --data "$WORK/svm.h5" --model svm --algorithm ga-sgd --dpus-per-server 1 --batch 16 --epochs 1 \
  --lr-shift 6 --reg-shift 8 --out "$WORK/svm" >/dev/null
python3 - "$WORK/svm/run.json" <<'PY'
import json, sys
from fractions import Fraction as F
r = json.load(open(sys.argv[1]))
assert r["rounds_per_epoch"] == 256
K = r["svm_active"]["active_rows"]
assert 0 < K < 4096, K  # some rows inside the margin, not all: the active part is exercised
cycles = 256 * 157584 + 965 * K
want = 256 * 20000000 + F(cycles) * 10**6 / 350
got = r["phases_picoseconds"]["dpu_compute"]
assert abs(got - want) <= 128, f"dense SVM dpu_compute {got} ps, hand-derived {float(want):.1f} ps (K = {K})"
assert r["phases_picoseconds"]["dpu_dma"] == 0, r["phases_picoseconds"]["dpu_dma"]
print(f"ok: dense SVM dpu_compute {got} ps = 256 x 20 us + (256 x 157,584 + 965 x {K}) cycles "
      f"({float(got - want):+.1f} ps of per-launch rounding)")
PY
echo "hand_derived: all checks passed"
