# perf (wall clock; not in the default run: `ctest --test-dir build -L perf`): netbench's fitted network
# model is within its bound of the MPI collectives it measured here, at 2 and 4 ranks, on the points it was
# fitted on and on those it was not (the sizes between the fitted ones; at 4 ranks the 4-rank schedules,
# fitted at 2 and 3), and its automatic all-reduce against Open MPI's own MPI_Allreduce (never fitted).
# Geometric means measured here over 6 runs (2026-11-30, 2 cores; 4 ranks oversubscribe them):
#   2 ranks: in sample 11-17%, held-out sizes 13-17%, MPI_Allreduce 19-37%
#   4 ranks: in sample 17-26%, held-out sizes 16-24%, held-out rank count 19-27%, MPI_Allreduce 30-40%
# On a loaded machine the timings, and so these figures, move: that is why it is outside the default run.
source "$(dirname "$0")/lib.sh"

for np in 2 4; do
  netbench_at $np
  python3 - "$WORK/nb$np/netbench.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
bounds = {2: {"in_sample": 0.20, "held_out_sizes": 0.20, "held_out_ranks": 0, "mpi_allreduce_error": 0.40},
          4: {"in_sample": 0.30, "held_out_sizes": 0.30, "held_out_ranks": 0.30, "mpi_allreduce_error": 0.45}}
for key, bound in bounds[r["ranks"]].items():
    e = r[key]
    print(f"  {r['ranks']} ranks, {key}: {e['points']} points, geometric mean {e['geomean_error']:.3f}")
    assert e["points"] == 0 or e["geomean_error"] < bound, f"{key}: geometric-mean error {e['geomean_error']:.3f} >= {bound}"
PY
done
