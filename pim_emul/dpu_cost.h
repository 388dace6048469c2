// The DPU cost model: cycles of a kernel from its event counts and the DPU preset.
// Not responsible for counting (kernels do) or for host<->DPU transfers (transfer_cost.h).
#pragma once

#include "pim_emul/event_counts.h"
#include "pim_emul/hardware_spec.h"
#include "pim_emul/units.h"

namespace pimscale {

struct DpuTime {
  double compute_cycles = 0;
  double dma_cycles = 0;
  Picoseconds compute;
  Picoseconds dma;
  Picoseconds total() const { return compute + dma; }
};

// Instructions one tasklet executed: sum over classes of count * instructions-per-op.
double tasklet_instructions(const TaskletCounts& t, const DpuSpec& dpu);

// One DPU's kernel time with `tasklets` active tasklets.
// compute: the revolver pipeline issues one instruction per cycle overall and one per tasklet every
//   issue_interval cycles, so cycles = max(sum_t I_t, issue_interval * max_t I_t) (IPC = min(1, T/11)).
// dma: the DMA engine is shared, so calls serialise: sum over tasklets of calls * alpha + beta * bytes.
// v1 rule: DMA does not overlap compute; kernel time = compute + dma (conservative; see README).
DpuTime dpu_time(const DpuCounts& counts, int tasklets, const DpuSpec& dpu);

}  // namespace pimscale
