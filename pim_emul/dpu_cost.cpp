#include "pim_emul/dpu_cost.h"

#include <algorithm>
#include <bit>

namespace pimscale {

namespace {
// ceil(a / b), b > 0; by a shift where b is a power of two (the DMA sizes of every preset): the
// emulator counts a few hundred transfers per DPU per launch, and a division costs ~20 cycles.
uint64_t ceil_div(uint64_t a, uint64_t b) {
  if (std::has_single_bit(b)) return (a + b - 1) >> std::countr_zero(b);
  return (a + b - 1) / b;
}
// Splits a transfer into DMA calls: ceil(bytes / max) calls, the total rounded up to the alignment.
void count_mram(uint64_t& calls, uint64_t& total, uint64_t bytes, const DpuSpec& dpu,
                uint64_t times) {
  if (bytes == 0) return;
  const uint64_t max = static_cast<uint64_t>(dpu.dma_max_bytes);
  const uint64_t align = static_cast<uint64_t>(dpu.dma_min_bytes);
  calls += times * ceil_div(bytes, max);
  total += times * (ceil_div(bytes, align) * align);
}
}  // namespace

void count_mram_read(TaskletCounts& t, uint64_t bytes, const DpuSpec& dpu, uint64_t times) {
  count_mram(t.dma_read_calls, t.dma_read_bytes, bytes, dpu, times);
}
void count_mram_write(TaskletCounts& t, uint64_t bytes, const DpuSpec& dpu, uint64_t times) {
  count_mram(t.dma_write_calls, t.dma_write_bytes, bytes, dpu, times);
}

void TaskletCounts::add_scaled(const TaskletCounts& o, uint64_t times) {
  for (int c = 0; c < kOpCount; ++c) ops[c] += times * o.ops[c];
  dma_read_calls += times * o.dma_read_calls;
  dma_read_bytes += times * o.dma_read_bytes;
  dma_write_calls += times * o.dma_write_calls;
  dma_write_bytes += times * o.dma_write_bytes;
  barriers += times * o.barriers;
}

void add_scaled(DpuCounts& counts, const DpuCounts& one, uint64_t times) {
  for (int t = 0; t < kMaxTasklets; ++t) counts.tasklet[t].add_scaled(one.tasklet[t], times);
  counts.serial.add_scaled(one.serial, times);
  counts.rows += times * one.rows;
  counts.active_rows += times * one.active_rows;
}

double tasklet_instructions(const TaskletCounts& t, const DpuSpec& dpu) {
  double n = static_cast<double>(t.barriers) * dpu.barrier_instructions;
  for (int c = 0; c < kOpCount; ++c) n += static_cast<double>(t.ops[c]) * dpu.instructions[c];
  return n;
}

double tasklet_dma_cycles(const TaskletCounts& t, const DpuSpec& dpu) {
  return static_cast<double>(t.dma_read_calls) * dpu.dma_read_alpha_cycles +
         static_cast<double>(t.dma_write_calls) * dpu.dma_write_alpha_cycles +
         static_cast<double>(t.dma_read_bytes + t.dma_write_bytes) * dpu.dma_beta_cycles_per_byte;
}

DpuTime dpu_time(const DpuCounts& counts, int tasklets, const DpuSpec& dpu) {
  double sum_instr = 0, max_instr = 0, dma_par = 0;
  for (int i = 0; i < tasklets; ++i) {
    const TaskletCounts& t = counts.tasklet[i];
    const double instr = tasklet_instructions(t, dpu);
    sum_instr += instr;
    max_instr = std::max(max_instr, instr);
    dma_par += tasklet_dma_cycles(t, dpu);
  }
  const double interval = static_cast<double>(dpu.issue_interval_cycles);
  const double compute_par = std::max(sum_instr, interval * max_instr);
  const double compute_ser = interval * tasklet_instructions(counts.serial, dpu);
  const double dma_ser = tasklet_dma_cycles(counts.serial, dpu);
  const double overlap = tasklets >= 2 ? dpu.dma_overlap : 0.0;

  DpuTime time;
  time.compute_cycles = compute_par + compute_ser;
  time.dma_cycles = dma_par + dma_ser;
  time.exposed_dma_cycles = dma_ser + std::max(0.0, dma_par - overlap * compute_par);
  time.compute = cycles_to_time(time.compute_cycles, dpu.frequency_mhz);
  time.dma = cycles_to_time(time.exposed_dma_cycles, dpu.frequency_mhz);
  return time;
}

}  // namespace pimscale
