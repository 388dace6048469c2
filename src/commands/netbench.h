// `pimscale netbench`: measures collectives over real MPI on the machines it runs on, fits the
// network model's alpha, beta and gamma to them, writes a network preset and reports
// model-versus-measured error. Not responsible for the cost formulas (comm/collective_cost.h) or
// the fitting (comm/calibration.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "comm/cluster.h"

namespace pimscale {

struct NetbenchConfig {
  uint64_t min_bytes = 8;
  uint64_t max_bytes = uint64_t{64} << 20;
  int64_t reps = 0;  // repetitions per size (0: from 50 at small sizes down to 5 at large ones)
  // Rank counts the preset is fitted on (empty: every measured count but the largest, or 2 at 2
  // ranks); the others are held out and scored.
  std::vector<int64_t> fit_ranks;
  std::string name;  // of the written preset (default: measured-<host>-p<ranks>)
  std::string out = "runs/netbench";
  bool force = false;  // replace a previous results folder at `out`
};

// Collective over all ranks; rank 0 prints and writes <out>/{netbench.csv, netbench.json,
// <name>.toml}. Throws InputError for fewer than 2 ranks, a bad size range or an unwritable folder.
void run_netbench(const NetbenchConfig& config, Cluster& cluster);

}  // namespace pimscale
