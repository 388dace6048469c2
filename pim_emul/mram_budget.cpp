#include "pim_emul/mram_budget.h"

#include <algorithm>
#include <cstdio>

#include "pim_emul/exp_table.h"
#include "pim_emul/footprint.h"
#include "src/base/error.h"

namespace pimscale {

namespace {
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

uint64_t MramBudget::shard() const {
  uint64_t t = 0;
  for (const auto& i : items) t += i.shard ? i.bytes : 0;
  return t;
}

MramBudget training_mram_budget(const MramNeeds& n) {
  using namespace footprint;
  const WordSizes words{n.weight_bytes, n.wide_bytes};
  MramBudget b;
  b.items.push_back(
      {n.sparse ? "training rows (uint32 feature indices)" : "training rows (uint32 features)",
       align8(feature_bytes(n.sparse, n.rows, n.nnz, n.weights)), true});
  b.items.push_back({"labels (uint32)", label_bytes(n.rows), true});
  if (n.sparse) {
    b.items.push_back({"row offsets (uint32)", align8(row_offset_bytes(n.rows)), true});
    b.items.push_back({"model (weights incl. bias)", align8(model_bytes(true, n.weights, words))});
    b.items.push_back({"gradient buffer", align8(gradient_bytes(true, n.weights, words))});
    if (n.prox) b.items.push_back({"ADMM u - z", align8(model_bytes(true, n.weights, words))});
  } else {
    // The weights 8-byte aligned, then the wide bias.
    const uint64_t model = align8(n.weights * n.weight_bytes) + n.wide_bytes;
    b.items.push_back({"model (weights + bias)", model});
    b.items.push_back({"gradient buffer (weights + bias)", model});
    if (n.prox) b.items.push_back({"ADMM u - z", model});
  }
  if (n.exp_table) b.items.push_back({"exp lookup table (2^20 floats)", ExpTable::kBytes});
  return b;
}

void require_fits_mram(const MramBudget& budget, const DpuSpec& dpu, const std::string& context) {
  const uint64_t need = budget.total();
  const uint64_t have = static_cast<uint64_t>(dpu.mram_bytes);
  if (need <= have) return;
  throw ResourceError("MRAM overflow: each DPU needs " + mib(need) + " MiB (" +
                      mib(budget.shard()) + " MiB of rows + " + mib(need - budget.shard()) +
                      " MiB of buffers) but has " + mib(have) + " MiB (" + context +
                      "); use more DPUs (--dpus-per-server) or servers, or fewer rows");
}

uint64_t dense_wram_bytes(uint64_t padded_features, const DpuSpec& dpu) {
  const uint64_t slice = padded_features / static_cast<uint64_t>(dpu.tasklets) * 4;
  const uint64_t block = std::min<uint64_t>(slice, static_cast<uint64_t>(dpu.dma_max_bytes));
  return static_cast<uint64_t>(dpu.tasklets) * (slice + 2 * block);
}

void require_fits_wram(uint64_t bytes, const DpuSpec& dpu, const std::string& context) {
  if (bytes <= static_cast<uint64_t>(dpu.wram_bytes)) return;
  throw ResourceError("WRAM overflow: the kernel's tasklet buffers need " + std::to_string(bytes) +
                      " bytes of WRAM but a DPU has " + std::to_string(dpu.wram_bytes) + " (" +
                      context + "); use fewer features or fewer tasklets");
}

}  // namespace pimscale
