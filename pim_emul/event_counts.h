// What a DPU kernel did, counted per tasklet: operations by class, MRAM DMA calls and bytes,
// barriers. Not responsible for what that costs in time (dpu_cost.h turns counts into cycles).
#pragma once

#include <array>
#include <cstdint>

#include "pim_emul/hardware_spec.h"

namespace pimscale {

inline constexpr int kMaxTasklets = 24;

struct TaskletCounts {
  std::array<uint64_t, kOpCount> ops{};
  uint64_t dma_read_calls = 0;
  uint64_t dma_read_bytes = 0;
  uint64_t dma_write_calls = 0;
  uint64_t dma_write_bytes = 0;
  uint64_t barriers = 0;

  void add(Op op, uint64_t n) { ops[static_cast<int>(op)] += n; }
  // this += times * other
  void add_scaled(const TaskletCounts& other, uint64_t times);
};

// Per tasklet, the work all tasklets run concurrently; `serial`, the work tasklet 0 runs alone
// between two barriers while the others wait (PIM-Opt's per-row sigmoid or hinge test).
struct DpuCounts {
  std::array<TaskletCounts, kMaxTasklets> tasklet{};
  TaskletCounts serial;
  // The rows the kernel ran, and those whose gradient it computed (LR: all; SVM: inside the
  // margin); not events, what the SVM's share of active rows is measured from.
  uint64_t rows = 0, active_rows = 0;
  void clear() {
    tasklet = {};
    serial = {};
    rows = active_rows = 0;
  }
};

// counts += times * one (every tasklet and the serial part).
void add_scaled(DpuCounts& counts, const DpuCounts& one, uint64_t times);

// Records one logical MRAM transfer of `bytes` as the DMA engine sees it: split into calls of at
// most max_bytes, each rounded up to a multiple of min_bytes (the 8-byte alignment rule).
void count_mram_read(TaskletCounts& t, uint64_t bytes, const DpuSpec& dpu, uint64_t times = 1);
void count_mram_write(TaskletCounts& t, uint64_t bytes, const DpuSpec& dpu, uint64_t times = 1);

}  // namespace pimscale
