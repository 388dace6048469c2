// The host memory one emulated server holds, item by item, and the memory this machine has: so a
// configuration that cannot fit is refused before anything is allocated.
// Not responsible for the algorithm's own host state (src/algorithms adds it) or for MPI.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pim_emul/footprint.h"

namespace pimscale {

struct ServerLayout;
enum class DpuModels;

struct HostMemoryItem {
  std::string what;
  uint64_t bytes = 0;
};

// What a PimServer of `layout` allocates in kRun mode: per-DPU models (and ADMM's u_i - z; sparse:
// the shared base and `held_entries` entries the DPUs hold apart from it, with the host sums'
// scratch), GA-SGD's dense gradients, and each thread's gradient scratch.
std::vector<HostMemoryItem> server_memory(const ServerLayout& layout, DpuModels models,
                                          footprint::WordSizes words, int threads,
                                          uint64_t held_entries);

// At most how many entries a server's sparse DPUs hold apart from the shared base (MA-SGD and
// ADMM): per DPU, the most non-zeros the rows of one launch read (launches of `rows_per_launch`
// rows from the shard's start) plus the bias, and never more than the model. `offsets`: the
// server's rows' CSR offsets ([dpus * rows_per_dpu + 1], any base).
uint64_t held_entries_bound(const ServerLayout& layout, const std::vector<uint64_t>& offsets,
                            uint64_t rows_per_launch);

// Bytes this process may still use: $PIMSCALE_HOST_MEMORY if set (a what-if, or a test), else the
// smaller of the machine's available memory (/proc/meminfo MemAvailable) and its cgroup's limit.
uint64_t host_memory_available();

// "41.25 GiB"
std::string gib(uint64_t bytes);

}  // namespace pimscale
