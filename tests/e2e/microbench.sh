# `pimscale microbench` on the reference preset against the published UPMEM figures of
# ../shared/reference/pim-training.md section 1 (PrIM, Gomez-Luna et al. 2021): every figure within 10%.
# Also the pipeline's shape: throughput grows linearly to 11 tasklets (IPC = T/11) and is flat beyond.
source "$(dirname "$0")/lib.sh"

run 1 microbench --out "$WORK/mb" >"$WORK/stdout"
python3 - "$WORK/mb/microbench.json" <<'PY'
import json, sys
mb = json.load(open(sys.argv[1]))
# pim-training.md section 1: 1 DPU, >= 11 tasklets, 350 MHz (MOPS).
published = {"int32 add": 58.6, "int32 mul": 10.3, "int32 div": 11.3, "int64 add": 50.2, "int64 mul": 2.6,
             "int64 div": 1.4, "float add": 4.9, "float mul": 1.9, "float div": 0.34, "double add": 3.3,
             "double mul": 0.53, "double div": 0.16}
rows, worst = [], 0.0
def check(what, got, want):
    global worst
    dev = abs(got - want) / want
    worst = max(worst, dev)
    rows.append(f"{what:<40} {got:>10.3f} {want:>10.3f} {100 * dev:>6.1f}%")
    assert dev <= 0.10, f"{what}: {got} vs published {want} ({100 * dev:.1f}% off)"
for op, want in published.items():
    for t in (11, 16, 24):
        check(f"{op} MOPS, {t} tasklets", mb["arithmetic_mops"][op][str(t)], want)
    full = mb["arithmetic_mops"][op]["11"]
    for t in range(1, 11):  # the revolver pipeline: T/11 of the full rate
        got = mb["arithmetic_mops"][op][str(t)]
        # tolerance: 2^20 elements do not split evenly over 11 tasklets (one element more, 1e-5 relative)
        assert abs(got - full * t / 11) <= 1e-4 * full, (op, t, got)
# MRAM: cycles = alpha + 0.5 B (alpha ~77 read, ~61 write); sustained ~0.63 GB/s at 2,048 B.
for size in (8, 64, 512, 2048):
    check(f"MRAM read {size} B cycles", mb["mram"]["read"][str(size)]["cycles"], 77 + 0.5 * size)
    check(f"MRAM write {size} B cycles", mb["mram"]["write"][str(size)]["cycles"], 61 + 0.5 * size)
check("MRAM read 2,048 B GB/s", mb["mram"]["read"]["2048"]["gbps"], 0.63)
check("MRAM write 2,048 B GB/s", mb["mram"]["write"]["2048"]["gbps"], 0.63)
# Host<->DPU, large transfers: 1 DPU 0.33 / 0.12 GB/s; one rank (64 DPUs) parallel 6.68 / 4.74, broadcast 16.88.
big = str(32 << 20)
h = mb["host_gbps"]
check("serial CPU->DPU, 1 DPU", h["serial_to_dpu"]["1"][big], 0.33)
check("serial DPU->CPU, 1 DPU", h["serial_from_dpu"]["1"][big], 0.12)
check("parallel CPU->DPU, 64 DPUs", h["parallel_to_dpu"]["64"][big], 6.68)
check("parallel DPU->CPU, 64 DPUs", h["parallel_from_dpu"]["64"][big], 4.74)
check("broadcast CPU->DPU, 64 DPUs", h["broadcast_to_dpu"]["64"][big], 16.88)
# Parallel bandwidth grows with the DPUs of a rank and never exceeds the rank's figure.
for kind in ("parallel_to_dpu", "parallel_from_dpu", "broadcast_to_dpu"):
    series = [h[kind][str(d)][big] for d in (1, 2, 4, 8, 16, 32, 64)]
    assert all(a <= b + 1e-12 for a, b in zip(series, series[1:])), (kind, series)
print(f"{'figure':<40} {'emulated':>10} {'published':>10} {'off':>7}")
print("\n".join(rows))
print(f"{len(rows)} figures within 10% of the published ones (worst {100 * worst:.1f}%)")
PY
