#!/usr/bin/env bash
# pimscale on several machines without Slurm: one rank (= one emulated server) per host of a hostfile.
#   bash jobs/mpirun-cluster.sh jobs/hostfile.example 4 train --config jobs/configs/quickstart.toml
#   bash jobs/mpirun-cluster.sh my-hosts 4 netbench
# The build folder must be at the same path on every host (a shared file system, or the same checkout).
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 HOSTFILE SERVERS pimscale-subcommand [args...]" >&2; exit 2; }
hostfile=$1 servers=$2
shift 2
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/jobs/env.sh"
exec mpirun --hostfile "$hostfile" --map-by ppr:1:node -n "$servers" "$here/build/src/pimscale" "$@"
