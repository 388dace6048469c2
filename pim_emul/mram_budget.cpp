#include "pim_emul/mram_budget.h"

#include <algorithm>
#include <cstdio>

#include "pim_emul/error.h"

namespace pimscale {

namespace {
uint64_t align8(uint64_t b) { return (b + 7) / 8 * 8; }
std::string mib(uint64_t b) {
  char s[32];
  std::snprintf(s, sizeof s, "%.2f", static_cast<double>(b) / (1024.0 * 1024.0));
  return s;
}
}  // namespace

uint64_t MramBudget::total() const {
  uint64_t t = 0;
  for (const auto& i : items) t += i.bytes;
  return t;
}

uint64_t MramBudget::shard() const { return items.size() >= 2 ? items[0].bytes + items[1].bytes : 0; }

MramBudget dense_mram_budget(uint64_t rows_per_dpu, uint64_t padded_features) {
  const uint64_t model = padded_features * 4 + 8;
  return {{
      {"training rows (uint32 features)", rows_per_dpu * padded_features * 4},
      {"labels (uint32)", align8(rows_per_dpu * 4)},
      {"model (int32 weights + int64 bias)", model},
      {"gradient buffer (int32 + int64 bias)", model},
  }};
}

void require_fits_mram(const MramBudget& budget, const DpuSpec& dpu, const std::string& context) {
  const uint64_t need = budget.total();
  const uint64_t have = static_cast<uint64_t>(dpu.mram_bytes);
  if (need <= have) return;
  throw InputError("MRAM overflow: each DPU needs " + mib(need) + " MiB (" + mib(budget.shard()) +
                   " MiB of rows + " + mib(need - budget.shard()) + " MiB of buffers) but has " + mib(have) +
                   " MiB (" + context + "); use more DPUs (--dpus-per-server) or servers, or fewer rows");
}

uint64_t dense_wram_bytes(uint64_t padded_features, const DpuSpec& dpu) {
  const uint64_t slice = padded_features / static_cast<uint64_t>(dpu.tasklets) * 4;
  const uint64_t block = std::min<uint64_t>(slice, static_cast<uint64_t>(dpu.dma_max_bytes));
  return static_cast<uint64_t>(dpu.tasklets) * (slice + 2 * block);
}

void require_fits_wram(uint64_t bytes, const DpuSpec& dpu, const std::string& context) {
  if (bytes <= static_cast<uint64_t>(dpu.wram_bytes)) return;
  throw InputError("WRAM overflow: the kernel's tasklet buffers need " + std::to_string(bytes) +
                   " bytes of WRAM but a DPU has " + std::to_string(dpu.wram_bytes) + " (" + context +
                   "); use fewer features or fewer tasklets");
}

}  // namespace pimscale
