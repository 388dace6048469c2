#include "node/host_memory.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>

#include "node/pim_server.h"

namespace pimscale {

std::vector<HostMemoryItem> server_memory(const ServerLayout& layout, DpuModels models,
                                          footprint::WordSizes words, int threads,
                                          uint64_t held_entries) {
  const uint64_t d = static_cast<uint64_t>(layout.dpus), n = layout.weights;
  const bool prox = models == DpuModels::kPerDpuWithProx;
  std::vector<HostMemoryItem> items;
  if (models != DpuModels::kShared && !layout.sparse) {
    items.push_back({"per-DPU models", d * (n * words.weight + words.wide)});
    if (prox) items.push_back({"per-DPU u_i - z", d * n * words.weight});
  }
  if (models != DpuModels::kShared && layout.sparse) {
    const uint64_t vectors = prox ? 2 : 1;  // w (and u_i - z)
    items.push_back({"shared base model", vectors * n * words.weight});
    // w and u_i - z (ADMM), or w and the base's value after the step (MA-SGD, fixed point).
    const uint64_t values = prox || words.wide != sizeof(float) ? 2 : 1;
    items.push_back({"per-DPU entries read by its rows",
                     held_entries * (sizeof(uint32_t) + values * words.weight) + d * words.wide});
    // node/dpu_sums.h, float only: DPUs per entry and the entries grouped by weight.
    if (words.wide == sizeof(float)) {
      items.push_back({"sums over DPUs", (n + 1) * sizeof(uint32_t) +
                                             (2 * n + 1) * sizeof(uint64_t) + held_entries * 8});
    }
  }
  const bool floats = words.wide == sizeof(float);
  if (models == DpuModels::kShared && !layout.sparse && floats) {
    items.push_back({"per-DPU dense gradients", d * n * words.weight});
  }
  // Each thread's scratch: GA-SGD's sparse gradient (the touched entries' sums then sit in the
  // DPUs' lists); dense integers' gradient; local steps' gradient (sparse: with a slot per
  // weight).
  const uint64_t t = static_cast<uint64_t>(threads);
  if (models == DpuModels::kShared && layout.sparse) {
    items.push_back({"per-thread sparse gradient", t * n * words.wide});
  } else if (models != DpuModels::kShared || !floats) {
    items.push_back({"per-thread gradient scratch",
                     t * n * (layout.sparse ? words.wide + sizeof(uint32_t) : words.weight)});
  }
  // PimServer's thread_sums_: dense integer sums over DPUs of GA-SGD's gradients or MA-SGD's
  // models.
  if (!layout.sparse && !floats) {
    items.push_back({"per-thread sums over DPUs", t * n * words.wide});
  }
  return items;
}

uint64_t held_entries_bound(const ServerLayout& layout, const std::vector<uint64_t>& offsets,
                            uint64_t rows_per_launch) {
  if (offsets.empty() || rows_per_launch == 0) return 0;
  uint64_t total = 0;
  for (uint64_t d = 0; d < static_cast<uint64_t>(layout.dpus); ++d) {
    uint64_t most = 0;
    const uint64_t r0 = d * layout.rows_per_dpu;
    for (uint64_t r = 0; r < layout.rows_per_dpu; r += rows_per_launch) {
      const uint64_t end = std::min(layout.rows_per_dpu, r + rows_per_launch);
      most = std::max(most, offsets[r0 + end] - offsets[r0 + r]);
    }
    total += std::min(layout.weights, most + 1);
  }
  return total;
}

uint64_t host_memory_available() {
  if (const char* forced = std::getenv("PIMSCALE_HOST_MEMORY")) {
    return std::strtoull(forced, nullptr, 10);
  }
  uint64_t available = std::numeric_limits<uint64_t>::max();
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  uint64_t kib = 0;
  std::string unit;
  while (meminfo >> key >> kib >> unit) {
    if (key == "MemAvailable:") available = kib * 1024;
  }
  std::ifstream cgroup("/sys/fs/cgroup/memory.max");  // cgroup v2; "max" when unlimited
  uint64_t limit = 0;
  if (cgroup >> limit && limit > 0) {
    uint64_t used = 0;
    std::ifstream current("/sys/fs/cgroup/memory.current");
    current >> used;
    available = std::min(available, limit > used ? limit - used : 0);
  }
  return available;
}

std::string gib(uint64_t bytes) {
  char s[32];
  std::snprintf(s, sizeof s, "%.2f GiB", static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0));
  return s;
}

}  // namespace pimscale
