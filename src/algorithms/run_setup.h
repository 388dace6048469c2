// What a run is, decided before any row is read (its RunSetup): the dataset's shape, each server's
// layout and algorithm settings, and the network. Shared by `train` (one setup per rank) and
// `predict` (one per server, in one process). Not responsible for reading rows or for timing
// anything.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "comm/network_spec.h"
#include "io/dataset.h"
#include "node/pim_server.h"
#include "pim_emul/footprint.h"
#include "pim_emul/mram_budget.h"
#include "src/algorithms/algorithm.h"
#include "src/config/train_config.h"

namespace pimscale {

// Everything decided before any row is read; identical on every rank apart from the layout and
// share.
struct RunSetup {
  bool sparse = false;
  int64_t servers = 0, dpus = 0;
  std::vector<int64_t> shares;  // relative rows per server (all 1 by default)
  int64_t share_sum = 0;
  uint64_t unit_rows_per_dpu =
      0;  // rows per DPU of a share-1 server; this server's layout has share x that

  uint64_t rows_used() const { return unit_rows_per_dpu * static_cast<uint64_t>(dpus * share_sum); }
  // The first training row of server r: servers before it hold their shares' rows.
  uint64_t first_row(int64_t r) const {
    int64_t before = 0;
    for (int64_t q = 0; q < r; ++q) before += shares[static_cast<size_t>(q)];
    return unit_rows_per_dpu * static_cast<uint64_t>(dpus * before);
  }
  uint64_t total_dpus = 0, train_rows = 0, test_rows = 0, rounds = 0;
  const Algorithm* algorithm = nullptr;
  ServerLayout layout;
  AlgorithmSettings settings;
  KernelConfig kernel;
};

// What the plan needs of a dataset: from a file's metadata, or a --synthetic shape.
struct DataShape {
  std::string name;  // the file, or "synthetic yfcc|criteo"
  bool sparse = false;
  uint64_t features = 0, train_rows = 0, test_rows = 0;
  uint64_t nnz_per_row = 0;  // synthetic sparse: every row's non-zeros
};

// The run's network: a preset with the command line's topology overrides and all-reduce algorithm,
// or "measured" (no model: the real MPI all-reduce's wall time). `file` receives the preset's path.
NetworkSpec network_of(const TrainConfig& cfg, std::string* file);

// The rows a run asks for: --rows R, or --rows-per-dpu R on every DPU (share-weighted), else 0
// (all).
uint64_t requested_rows(const TrainConfig& cfg, int64_t share_sum);
// Limits d to the rows asked for (--rows / --rows-per-dpu); throws InputError when it has fewer.
void limit_rows(DataShape& d, const TrainConfig& cfg, int64_t share_sum);
// A file's shape, limited to the rows asked for (throws InputError when the file has fewer).
DataShape shape_of(const Dataset& data, const std::string& path, const TrainConfig& cfg,
                   int64_t share_sum);
// The --synthetic workloads' shapes (yfcc: dense, 4,096 features; criteo: sparse, 10^6 features, 39
// per row).
DataShape synthetic_shape(const TrainConfig& cfg, int64_t share_sum);

// The setup of server `rank` (only its layout and share differ between servers). Throws InputError
// for a batch the DPUs cannot share or a dataset smaller than one mini-batch per DPU.
RunSetup make_setup(const TrainConfig& cfg, const DataShape& data, const HardwareSpec& hw,
                    std::vector<int64_t> shares, int64_t rank);

// The sizes of a model entry and of a wide accumulator in the run's arithmetic.
footprint::WordSizes word_sizes(Numerics numerics);
MramNeeds mram_needs(const RunSetup& p, const TrainConfig& cfg, uint64_t max_nnz);
std::string setup_context(const RunSetup& p);
// Hyperparameters outside the fixed-point format's working range, one line each (none for float
// numerics): a dense step's gradient (rows per DPU step x 2^-lr, x15 with Criteo class weights) can
// exceed the int32 accumulator's range of 1 and saturate.
std::vector<std::string> range_warnings(const RunSetup& p, const TrainConfig& cfg);

// What one rank holds in host memory for a run (not --count-only): its training rows (dense: one
// read chunk, and the rows as the DPUs store them; sparse: from `offsets`, the rows' CSR offsets,
// read before the rows), the server (node/host_memory.h, with the sparse DPUs' held entries bounded
// from `offsets`) and the algorithm's host state.
// The training rows alone, as host_memory_needs counts them (dense: with one read chunk).
std::vector<HostMemoryItem> rows_memory_needs(const RunSetup& p,
                                              const std::vector<uint64_t>& offsets);
std::vector<HostMemoryItem> host_memory_needs(const RunSetup& p, const TrainConfig& cfg,
                                              int threads, const std::vector<uint64_t>& offsets);
// Throws ResourceError, naming the largest items, when `machine_need` (every rank on this machine)
// exceeds `available`.
void require_fits_host(const std::vector<HostMemoryItem>& mine, uint64_t machine_need,
                       int ranks_here, uint64_t available);

}  // namespace pimscale
