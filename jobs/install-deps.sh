#!/usr/bin/env bash
# Installs pimscale's build and test dependencies from Debian's packages.
# Idempotent: packages already present are skipped; uses sudo when not root.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libopenmpi-dev openmpi-bin
  libboost-mpi-dev
  libhdf5-openmpi-dev hdf5-tools
  libeigen3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev libtomlplusplus-dev libfmt-dev nlohmann-json3-dev libssl-dev
  zlib1g-dev                       # data convert reads .gz inputs
  liblinear-tools python3-sklearn  # reference trainer and data for tests/e2e/reference_trainers.sh
  python3                          # e2e scripts, the golden comparison, the include-rules check
  clang-format-14 clang-tidy-14    # jobs/lint.sh and the lint_format test
  clang-14                         # tests/fuzz/run.sh (libFuzzer) and jobs/sanitize.sh (ASan, UBSan)
  slurmctld slurmd slurm-client slurm-wlm-basic-plugins munge  # the slurm_templates test's throw-away cluster
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: not root and no sudo; install as root: ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
