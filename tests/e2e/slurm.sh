# The Slurm templates (jobs/slurm/*.sbatch) on a real, throw-away, single-node Slurm: Debian's slurmctld and
# slurmd 22.05 with munge, everything (key, socket, state, spool, logs) under the build folder, the node's real
# CPUs and memory. Each template is submitted with `sbatch --wait` on 1 node with 2 tasks; the train run must give
# the model_sha256 of the same run under mpirun, the netbench and sweep runs their results, and a missing build or
# dataset a clear one-line error and a failed job. The daemons this test starts are stopped by their process ids
# whatever the outcome. Needs root (slurmd starts jobs as their user); without it the test fails with the reason.
source "$(dirname "$0")/lib.sh"
repo=$(cd "$(dirname "$0")/../.." && pwd)
for p in slurmctld slurmd sbatch munged munge; do
  command -v "$p" >/dev/null || fail "$p is missing: install Slurm and munge with bash jobs/install-deps.sh"
done
[ "$(id -u)" -eq 0 ] || fail "a throw-away slurmd must run as root to start jobs (this test runs as $(id -un))"

cl=$PWD/slurm-cluster
rm -rf "$cl"
mkdir -p "$cl"/{munge,state,spool,log,jobs}
pids=()
stop_daemons() {
  local f pid
  for f in "$cl/slurmd.pid" "$cl/slurmctld.pid" "$cl/munge/munged.pid"; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
}
trap 'stop_daemons; rm -rf "$WORK"' EXIT

# munge: its own key and socket.
head -c 1024 /dev/urandom >"$cl/munge/munge.key"
chmod 700 "$cl/munge" && chmod 400 "$cl/munge/munge.key"
munged --force --key-file="$cl/munge/munge.key" --socket="$cl/munge/munge.sock" \
  --pid-file="$cl/munge/munged.pid" --log-file="$cl/log/munged.log" --seed-file="$cl/munge/seed" ||
  fail "munged did not start: $(tail -3 "$cl/log/munged.log" 2>/dev/null)"

# slurm.conf: this node with its CPUs and memory (MB, less 10% for the system), reached at 127.0.0.1 (its name
# need not resolve), ports from this test's pid.
node=$(hostname -s)
cpus=$(nproc)
mem=$(awk '/MemTotal/ {printf "%d", $2 / 1024 * 0.9}' /proc/meminfo)
port=$((20000 + ($$ % 5000) * 2))
cat >"$cl/slurm.conf" <<EOF
ClusterName=pimscale-test
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$cl/munge/munge.sock
CredType=cred/munge
StateSaveLocation=$cl/state
SlurmdSpoolDir=$cl/spool
SlurmctldPidFile=$cl/slurmctld.pid
SlurmdPidFile=$cl/slurmd.pid
SlurmctldLogFile=$cl/log/slurmctld.log
SlurmdLogFile=$cl/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$cl/slurm.conf
slurmctld || fail "slurmctld did not start: $(tail -3 "$cl/log/slurmctld.log" 2>/dev/null)"
slurmd || fail "slurmd did not start: $(tail -3 "$cl/log/slurmd.log" 2>/dev/null)"
for _ in $(seq 100); do sinfo -h -o %t 2>/dev/null | grep -q idle && break; sleep 0.2; done
sinfo -h -o %t | grep -q idle || fail "the node did not come up: $(sinfo 2>&1; tail -3 "$cl/log/slurmd.log")"
echo "slurm: $node, $cpus CPUs, $mem MB, ports $port-$((port + 1))"

# submit TEMPLATE ARGS...: sbatch --wait from the jobs folder on 1 node x 2 tasks; prints the job id.
export PIMSCALE
submit() {
  local template=$1
  shift
  (cd "$cl/jobs" && timeout 300 sbatch --wait --parsable --nodes=1 --ntasks=2 --ntasks-per-node=2 \
    --cpus-per-task=1 --time=10 "$repo/jobs/slurm/$template.sbatch" "$@")
}
out_of() { cat "$cl/jobs/"pimscale-*-"$1".out; }

run 2 data synth --kind dense --rows 4096 --test-rows 512 --features 64 --seed 1 --out "$WORK/d.h5" >/dev/null
train_args=(--config "$repo/jobs/configs/quickstart.toml" --data "$WORK/d.h5" --epochs 1 --dpus-per-server 4)

# 1. train: the same model as under mpirun, no warning from srun.
job=$(submit train "${train_args[@]}") || { out_of "$job" >&2; fail "train.sbatch failed"; }
folder=$cl/jobs/runs/train-$job
[ -f "$folder/run.json" ] || fail "train.sbatch left no $folder/run.json"
same "$(json "$folder/run.json" ranks)" "2" "ranks of the Slurm train run"
run 2 train "${train_args[@]}" --threads 1 --out "$WORK/mpirun" >/dev/null
same "$(json "$folder/run.json" model_sha256)" "$(json "$WORK/mpirun/run.json" model_sha256)" \
  "model_sha256 under sbatch and under mpirun"
! out_of "$job" | grep -E "^srun: (warning|error)|lacks support" || fail "srun warned (above)"
echo "ok: train.sbatch job $job: $(json "$folder/run.json" model_sha256)"

# 2. netbench: its results and preset.
job=$(submit netbench --max-bytes 4096 --reps 3) || { out_of "$job" >&2; fail "netbench.sbatch failed"; }
folder=$cl/jobs/runs/netbench-$job
python3 -c "
import json; r = json.load(open('$folder/netbench.json'))
assert r['ranks'] == 2 and r['points'] > 0, r['ranks']" || fail "netbench.sbatch: no valid $folder/netbench.json"
ls "$folder"/*.toml >/dev/null || fail "netbench.sbatch wrote no preset"
echo "ok: netbench.sbatch job $job"

# 3. sweep: two points (1 and 2 servers), each started by srun inside the allocation.
job=$(submit sweep "${train_args[@]}" --servers 1,2 --mode strong) || { out_of "$job" >&2; fail "sweep.sbatch failed"; }
folder=$cl/jobs/runs/sweep-$job
[ "$(($(wc -l <"$folder/sweep.csv") - 1))" -eq 2 ] || fail "sweep.sbatch: $folder/sweep.csv lacks its 2 points"
echo "ok: sweep.sbatch job $job"

# 4. A missing build and a missing dataset: the job fails with one clear line.
rc=0
job=$(PIMSCALE=/nonexistent/pimscale submit train "${train_args[@]}") || rc=$?
[ "$rc" -ne 0 ] || fail "a job without a build succeeded"
out_of "$job" | grep -q "^pimscale: error: no pimscale program at '/nonexistent/pimscale'" ||
  { out_of "$job" >&2; fail "no clear error for a missing build"; }
rc=0
job=$(submit train --config "$repo/jobs/configs/quickstart.toml" --data "$WORK/none.h5") || rc=$?
[ "$rc" -ne 0 ] || fail "a job on a missing dataset succeeded"
out_of "$job" | grep -q "^pimscale: error: .*none.h5" || { out_of "$job" >&2; fail "no clear error for a missing dataset"; }
echo "ok: missing build and missing dataset fail with a clear error"
echo "slurm: all checks passed"
