// The DPU cost model: cycles of a kernel from its event counts and the DPU preset.
// Not responsible for counting (kernels do) or for host<->DPU transfers (transfer_cost.h).
#pragma once

#include "pim_emul/event_counts.h"
#include "pim_emul/hardware_spec.h"
#include "src/base/units.h"

namespace pimscale {

struct DpuTime {
  double compute_cycles = 0;      // pipeline cycles: parallel part + serial part
  double dma_cycles = 0;          // DMA engine busy cycles (all of them)
  double exposed_dma_cycles = 0;  // the part of dma_cycles not hidden behind compute
  Picoseconds compute;            // compute_cycles
  Picoseconds dma;                // exposed_dma_cycles
  Picoseconds total() const { return compute + dma; }
};

// Instructions one tasklet executed: sum over classes of count * instructions-per-op, plus its
// barriers.
double tasklet_instructions(const TaskletCounts& t, const DpuSpec& dpu);

// DMA engine cycles of one tasklet's calls: calls * alpha + beta * bytes (PrIM section 3.2.1).
double tasklet_dma_cycles(const TaskletCounts& t, const DpuSpec& dpu);

// One DPU's kernel time with `tasklets` active tasklets (the DPU's time is its critical path):
//   parallel part: the revolver pipeline issues one instruction per cycle overall and one per
//   tasklet every
//     issue_interval (11) cycles: C_par = max(sum_t I_t, 11 * max_t I_t), i.e. IPC = min(1, T/11);
//   serial part (tasklet 0 alone, the others at a barrier): C_ser = 11 * I_serial;
//   DMA: the engine is shared, so calls serialise: D = sum over tasklets (and the serial part) of
//     calls * alpha + beta * bytes;
//   overlap rule: while one tasklet waits for its DMA the others issue, so with T >= 2 a fraction
//     `dma_overlap` of the parallel part's DMA hides behind C_par; the serial part's DMA, and all
//     DMA with one tasklet, is exposed: exposed = D_ser + max(0, D_par - overlap * C_par).
//   time = C_par + C_ser + exposed.
DpuTime dpu_time(const DpuCounts& counts, int tasklets, const DpuSpec& dpu);

}  // namespace pimscale
