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
};

struct MramBudget {
  std::vector<MemoryItem> items;  // shard first, then buffers
  uint64_t total() const;
  uint64_t shard() const;         // the training rows and labels
};

// MRAM of the dense training kernels: X (rows x padded features, uint32), labels (uint32, 8-byte
// aligned), the model (int32 weights + int64 bias) and the gradient buffer (int32 + int64 bias).
MramBudget dense_mram_budget(uint64_t rows_per_dpu, uint64_t padded_features);

// Throws InputError unless the budget fits the DPU's MRAM. The message gives MiB needed and available
// and the fix; `context` names the configuration (e.g. "2 servers x 16 DPUs, 20000 rows").
void require_fits_mram(const MramBudget& budget, const DpuSpec& dpu, const std::string& context);

// WRAM of the dense kernels: per tasklet an X slice, a weight block and a gradient block.
uint64_t dense_wram_bytes(uint64_t padded_features, const DpuSpec& dpu);
void require_fits_wram(uint64_t bytes, const DpuSpec& dpu, const std::string& context);

}  // namespace pimscale
