#!/usr/bin/env bash
# Installs pimscale's build and test dependencies from Debian's packages, and the plotting libraries
# `pimscale report` inlines (npm's vega, vega-lite and vega-embed, pinned) into
# /usr/local/share/pimscale/node_modules ($PIMSCALE_VEGA_DIR overrides where pimscale looks).
# Idempotent: what is already present is skipped; uses sudo when not root.
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
  chromium                         # the browser test of reports (tests/e2e/report.sh, label browser)
)
vega_prefix=/usr/local/share/pimscale
vega_packages=(vega@6.4.0 vega-lite@6.5.0 vega-embed@7.3.0)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || sudo_cmd=(false)
  [ ${#sudo_cmd[@]} -ne 0 ] || sudo_cmd=(sudo)
fi

# The report's libraries, once the packages below are in (npm comes with them).
install_vega() {
  local have
  have=$(cat "$vega_prefix/.versions" 2>/dev/null || true)
  if [ "$have" = "${vega_packages[*]}" ] && [ -f "$vega_prefix/node_modules/vega-embed/build/vega-embed.min.js" ]; then
    return
  fi
  echo "install-deps: installing ${vega_packages[*]} into $vega_prefix (npm)"
  "${sudo_cmd[@]}" mkdir -p "$vega_prefix"
  "${sudo_cmd[@]}" npm install --silent --no-audit --no-fund --prefix "$vega_prefix" "${vega_packages[@]}"
  echo "${vega_packages[*]}" | "${sudo_cmd[@]}" tee "$vega_prefix/.versions" >/dev/null
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm installs the report's plotting libraries: Debian's package, unless a Node.js install (e.g.
# NodeSource's nodejs, which conflicts with it) already provides the command.
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages (and npm) already installed"
  install_vega
  exit 0
fi

if [ "${sudo_cmd[*]:-}" = false ]; then
  echo "install-deps: not root and no sudo; install as root: ${missing[*]}" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
install_vega
