#include "pim_emul/dpu_cost.h"

#include <algorithm>

namespace pimscale {

namespace {
// Splits a transfer into DMA calls: ceil(bytes / max) calls, the total rounded up to the alignment.
void count_mram(uint64_t& calls, uint64_t& total, uint64_t bytes, const DpuSpec& dpu, uint64_t times) {
  if (bytes == 0) return;
  const uint64_t max = static_cast<uint64_t>(dpu.dma_max_bytes);
  const uint64_t align = static_cast<uint64_t>(dpu.dma_min_bytes);
  calls += times * ((bytes + max - 1) / max);
  total += times * ((bytes + align - 1) / align * align);
}
}  // namespace

void count_mram_read(TaskletCounts& t, uint64_t bytes, const DpuSpec& dpu, uint64_t times) {
  count_mram(t.dma_read_calls, t.dma_read_bytes, bytes, dpu, times);
}
void count_mram_write(TaskletCounts& t, uint64_t bytes, const DpuSpec& dpu, uint64_t times) {
  count_mram(t.dma_write_calls, t.dma_write_bytes, bytes, dpu, times);
}

double tasklet_instructions(const TaskletCounts& t, const DpuSpec& dpu) {
  double n = 0;
  for (int c = 0; c < kOpCount; ++c) n += static_cast<double>(t.ops[c]) * dpu.instructions[c];
  return n;
}

DpuTime dpu_time(const DpuCounts& counts, int tasklets, const DpuSpec& dpu) {
  double sum_instr = 0, max_instr = 0, dma = 0;
  for (int i = 0; i < tasklets; ++i) {
    const TaskletCounts& t = counts.tasklet[i];
    const double instr = tasklet_instructions(t, dpu);
    sum_instr += instr;
    max_instr = std::max(max_instr, instr);
    // MRAM DMA: alpha + beta * bytes per call (PrIM, section 3.2.1).
    dma += static_cast<double>(t.dma_read_calls) * dpu.dma_read_alpha_cycles +
           static_cast<double>(t.dma_write_calls) * dpu.dma_write_alpha_cycles +
           static_cast<double>(t.dma_read_bytes + t.dma_write_bytes) * dpu.dma_beta_cycles_per_byte;
  }
  DpuTime time;
  time.compute_cycles = std::max(sum_instr, static_cast<double>(dpu.issue_interval_cycles) * max_instr);
  time.dma_cycles = dma;
  time.compute = cycles_to_time(time.compute_cycles, dpu.frequency_mhz);
  time.dma = cycles_to_time(time.dma_cycles, dpu.frequency_mhz);
  return time;
}

}  // namespace pimscale
