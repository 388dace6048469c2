# Many servers: netbench measures 6 algorithms x 11 sizes at 2 ranks and at 2, 3 and 4 of 4 ranks, fits on half the
# sizes and the smaller rank counts, scores the rest and writes a preset train accepts (its
# accuracy, a wall-clock figure, is checked by perf_netbench_fit, outside the default run); a server with twice the rows makes the others wait exactly its extra DPU time;
# the network phase is the modelled all-reduce per round; measured mode is marked non-deterministic.
source "$(dirname "$0")/lib.sh"

# 1. netbench: at 2 ranks (fitted at 2) and 4 (fitted at 2 and 3, scored at 4); every point lands in exactly
# one sample and the errors of each are reported (their size is wall clock: bounded in perf_netbench_fit).
for np in 2 4; do
  netbench_at $np
  python3 - "$WORK/nb$np/netbench.json" "$WORK/nb$np/netbench.csv" $np <<'PY'
import csv, json, sys
r, rows, np = json.load(open(sys.argv[1])), list(csv.DictReader(open(sys.argv[2]))), int(sys.argv[3])
sizes = [8 * 4**k for k in range(11)][:10] + [4194304]  # 4x steps from 8 B, and --max-bytes
assert r["sizes"] == sizes, r["sizes"]
assert r["fit_sizes"] == sizes[0:10:2], r["fit_sizes"]  # 8 B .. 512 KiB, 16x apart
counts = {2: [2], 4: [2, 3, 4]}[np]
fit_counts = {2: [2], 4: [2, 3]}[np]
assert r["rank_counts"] == counts and r["fit_rank_counts"] == fit_counts, (r["rank_counts"], r["fit_rank_counts"])
assert r["points"] == 6 * len(sizes) * len(counts), r["points"]  # 6 algorithms
expect = {"fit": 6 * 5 * len(fit_counts), "held-out size": 6 * 6 * len(fit_counts),
          "held-out ranks": 6 * len(sizes) * (len(counts) - len(fit_counts)), "MPI_Allreduce": len(sizes) * len(counts)}
for key, sample in (("in_sample", "fit"), ("held_out_sizes", "held-out size"), ("held_out_ranks", "held-out ranks"),
                    ("mpi_allreduce_error", "MPI_Allreduce")):
    mine = [row for row in rows if row["sample"] == sample]
    assert len(mine) == r[key]["points"] == expect[sample], (sample, len(mine), r[key]["points"], expect[sample])
    for row in mine:
        fitted = int(row["ranks"]) in fit_counts and int(row["bytes"]) in r["fit_sizes"]
        assert sample == "MPI_Allreduce" or fitted == (sample == "fit"), row
        err = abs(float(row["model_seconds"]) / float(row["measured_seconds"]) - 1)
        assert abs(err - float(row["error"])) <= 1e-5 * max(err, 1), row
    if mine:
        assert abs(max(float(row["error"]) for row in mine) / r[key]["max_error"] - 1) < 1e-5, key
# MPI_Allreduce's own fit (fitted.mpi: the CPU baseline's all-reduce), on the fit sample's sizes and counts.
assert "mpi" in r["fitted"], r["fitted"].keys()
assert r["fitted_mpi_in_sample"]["points"] == 5 * len(fit_counts), r["fitted_mpi_in_sample"]
assert r["fitted_mpi_held_out"]["points"] == len(sizes) * len(counts) - 5 * len(fit_counts), r["fitted_mpi_held_out"]
for e in r["mpi_allreduce"]:
    fitted = e["ranks"] in fit_counts and e["bytes"] in r["fit_sizes"]
    assert e["fitted_mpi_sample"] == ("fit" if fitted else "held out") and e["fitted_mpi_seconds"] > 0, e
print(f"  {np} ranks: " + ", ".join(f"{k} {r[k]['geomean_error'] * 100:.1f}%" for k in
      ("in_sample", "held_out_sizes", "held_out_ranks", "mpi_allreduce_error") if r[k]["points"]))
PY
done
grep -q 'fitted at 2,3 ranks' "$WORK"/nb4/*.toml || fail "the 4-rank preset does not say it was fitted at 2 and 3 ranks"
grep -q '^\[fitted.mpi\]' "$WORK"/nb4/*.toml || fail "the 4-rank preset has no [fitted.mpi] (MPI_Allreduce's own costs)"
run 4 netbench --max-bytes 64 --fit-ranks 4 --out "$WORK/nbfit4" >/dev/null
python3 -c "
import json; r = json.load(open('$WORK/nbfit4/netbench.json'))
assert r['fit_rank_counts'] == [4] and r['held_out_ranks']['points'] == 6 * 3 * 2, r['held_out_ranks']"
expect_error 4 "fit-ranks 5: each rank count must be between 2 and the 4 ranks started" netbench --fit-ranks 5
expect_error 2 "netbench sizes: --min-bytes 64 equals --max-bytes, which is held out of the fit, so nothing is left to fit; give a range, e.g. --max-bytes 4096" \
  netbench --min-bytes 64 --max-bytes 64
preset=$(ls "$WORK"/nb2/*.toml)
run 2 data synth --kind dense --rows 4096 --test-rows 256 --features 32 --seed 3 --out "$WORK/d.h5" >/dev/null
run 2 train --data "$WORK/d.h5" --dpus-per-server 4 --batch 64 --epochs 1 --network "$preset" --out "$WORK/fitted" >/dev/null
same "$(json_in "$WORK/fitted/run.json" network topology)" "star" "topology of the fitted preset"

# 2. Uneven servers: shares 1,1,1,2 (MA-SGD, ADMM) and 1,1,2,4 (GA-SGD: a round's batch stays a power of two).
check_wait() {  # run.json: every server's wait == the slowest server's DPU time - its own, to the picosecond
  python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
servers = r["servers"]
dpu = [s["phases_picoseconds"]["dpu_compute"] + s["phases_picoseconds"]["dpu_dma"] for s in servers]
slowest = max(dpu)
for s, d in zip(servers, dpu):
    wait = s["phases_picoseconds"]["wait"]
    assert wait == slowest - d, f"rank {s['rank']}: wait {wait} ps != extra DPU time {slowest - d} ps"
    for phase in ("host_to_dpu", "dpu_to_host", "host_reduce", "network"):
        assert s["phases_picoseconds"][phase] == servers[0]["phases_picoseconds"][phase], (phase, s["rank"])
heavy = servers[dpu.index(slowest)]
assert heavy["phases_picoseconds"]["wait"] == 0 and heavy["rows_per_dpu"] == max(s["rows_per_dpu"] for s in servers)
assert slowest > min(dpu), "the heavy server must be slower"
print(f"  {r['config']['algorithm']} shares {r['config']['shares']}: waits {[s['phases_picoseconds']['wait'] for s in servers]} ps")
PY
}
args=(train --data "$WORK/d.h5" --dpus-per-server 4 --epochs 1)
run 4 "${args[@]}" --algorithm ma-sgd --batch 16 --shares 1,1,1,2 --out "$WORK/ma" >/dev/null
check_wait "$WORK/ma/run.json"
run 4 "${args[@]}" --algorithm admm --batch 16 --shares 1,1,1,2 --out "$WORK/admm" >/dev/null
check_wait "$WORK/admm/run.json"
run 4 "${args[@]}" --algorithm ga-sgd --batch 64 --shares 1,1,2,4 --out "$WORK/ga" >/dev/null
check_wait "$WORK/ga/run.json"

# A slower preset on one server (its DPUs at half the clock) slows everyone the same way.
sed 's/frequency_mhz = { value = 350,/frequency_mhz = { value = 175,/' "$(dirname "$0")/../../jobs/presets/hardware/upmem-2560-v1a.toml" \
  >"$WORK/slow.toml"
grep -q "value = 175," "$WORK/slow.toml" || fail "could not derive the slow preset"
run 2 "${args[@]}" --algorithm ga-sgd --batch 64 --server-hardware "1=$WORK/slow.toml" --out "$WORK/slow" >/dev/null
check_wait "$WORK/slow/run.json"
python3 -c "
import json; r = json.load(open('$WORK/slow/run.json'))
assert r['servers'][1]['hardware'].endswith('slow.toml') and r['servers'][0]['phases_picoseconds']['wait'] > 0"

# 3. The network phase is rounds x the modelled all-reduce, for each topology and forced algorithm.
for t in "--topology star" "--topology fat-tree --servers-per-leaf 2 --oversubscription 2" "--topology ring" \
  "--collective ring" "--collective hierarchical --servers-per-leaf 2" "--collective best --network ib-hdr"; do
  # shellcheck disable=SC2086
  run 4 train --count-only --synthetic criteo --rows-per-dpu 256 --dpus-per-server 4 --algorithm ga-sgd --batch 1024 \
    --epochs 1 $t --force --out "$WORK/topo" >/dev/null
  python3 - "$WORK/topo/run.json" "$t" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
a = r["network"]["allreduce"]
per_round = round(a["seconds"] * 1e12)
assert r["phases_picoseconds"]["network"] == r["rounds_per_epoch"] * per_round, (r["phases_picoseconds"]["network"], per_round)
assert a["message_bytes"] == (r["dataset"]["model_weights"] + 1) * 8  # the weights and the bias slot, int64
print(f"  {sys.argv[2]}: {a['algorithm']}, {a['seconds'] * 1e6:.1f} us per all-reduce")
PY
done

# 4. Measured mode: the real all-reduce's wall time, marked non-deterministic.
run 2 train --data "$WORK/d.h5" --dpus-per-server 4 --batch 64 --epochs 1 --network measured --out "$WORK/measured" >/dev/null
same "$(json "$WORK/measured/run.json" deterministic)" "false" "deterministic in measured mode"
python3 -c "
import json; r = json.load(open('$WORK/measured/run.json'))
assert r['phases_picoseconds']['network'] > 0 and r['network']['name'] == 'measured'"
echo "network: all checks passed"
