// MRAM and WRAM accounting of one DPU: what a kernel keeps there, and whether it fits.
// Not responsible for placing data (node/ shards it) or for timing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pim_emul/hardware_spec.h"

namespace pimscale {

struct MemoryItem {
  std::string what;
  uint64_t bytes;
  bool shard = false;  // part of the training rows (rows, labels, row offsets), not a buffer
};

struct MramBudget {
  std::vector<MemoryItem> items;  // shard first, then buffers
  uint64_t total() const;
  uint64_t shard() const;  // the items marked shard
};

// What one DPU keeps in MRAM for training.
struct MramNeeds {
  bool sparse = false;
  uint64_t rows = 0;          // training rows of the DPU
  uint64_t nnz = 0;           // sparse: non-zeros of those rows
  uint64_t weights = 0;       // model entries (padded; sparse: with the bias)
  uint64_t weight_bytes = 4;  // int32 (fixed) or float
  uint64_t wide_bytes = 8;    // int64 (fixed) or float: the dense bias and the sparse gradient
  bool prox = false;          // ADMM keeps u_i - z
  bool exp_table = false;     // LR keeps the 2^20-entry exp table
};

// Dense: rows x weights features (4 bytes each), labels (uint32, 8-byte aligned), model (weights +
// bias), gradient (weights + bias), [u - z], [exp table]. Sparse: indices (uint32), row offsets
// (uint32), labels, model, gradient (wide entries), [u - z], [exp table].
MramBudget training_mram_budget(const MramNeeds& needs);

// Throws InputError unless the budget fits the DPU's MRAM. The message gives MiB needed and
// available and the fix; `context` names the configuration (e.g. "2 servers x 16 DPUs, 20000
// rows").
void require_fits_mram(const MramBudget& budget, const DpuSpec& dpu, const std::string& context);

// WRAM of the dense kernels: per tasklet an X slice, a weight block and a gradient block.
uint64_t dense_wram_bytes(uint64_t padded_features, const DpuSpec& dpu);
void require_fits_wram(uint64_t bytes, const DpuSpec& dpu, const std::string& context);

}  // namespace pimscale
