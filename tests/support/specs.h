// The hand-built DPU, transfer, hardware, host and network specs the tests share (one place, so a
// field added to a spec is set once). The numbers are the reference preset's where they matter;
// instruction costs are 1 where timing is not under test. Not a preset: tests that check presets
// load jobs/presets.
#pragma once

#include "comm/network_spec.h"
#include "node/host_spec.h"
#include "pim_emul/hardware_spec.h"

namespace pimscale::test {

// 16 tasklets moving 8-2,048 B per DMA: what the kernels and their counts need.
inline DpuSpec dpu16() {
  DpuSpec d;
  d.tasklets = 16;
  d.dma_min_bytes = 8;
  d.dma_max_bytes = 2048;
  return d;
}

// dpu16 with the reference DPU's 64 MiB MRAM and 64 KiB WRAM (memory budgets).
inline DpuSpec memory_dpu() {
  DpuSpec d = dpu16();
  d.mram_bytes = 64 << 20;
  d.wram_bytes = 64 << 10;
  return d;
}

// dpu16 at 350 MHz, issuing every 11 cycles, every instruction 1 cycle.
inline DpuSpec unit_cost_dpu() {
  DpuSpec d = dpu16();
  d.frequency_mhz = 350;
  d.issue_interval_cycles = 11;
  for (double& i : d.instructions) i = 1;
  return d;
}

// unit_cost_dpu with DMA costs and a 130-cycle int64 multiply (the DPU cost model's tests).
inline DpuSpec cost_dpu() {
  DpuSpec d = unit_cost_dpu();
  d.dma_read_alpha_cycles = 77;
  d.dma_write_alpha_cycles = 61;
  d.dma_beta_cycles_per_byte = 0.5;
  d.instructions[static_cast<int>(Op::kInt64Mul)] = 130;
  return d;
}

// Host<->DPU transfers of the reference server (PrIM's figures), with the given scaling over UPMEM
// ranks.
inline TransferSpec transfer_spec(double rank_scaling_exponent) {
  TransferSpec s;
  s.dpus_per_rank = 64;
  s.serial_to_dpu_gbps = 0.33;
  s.serial_from_dpu_gbps = 0.12;
  s.parallel_to_dpu_gbps_per_rank = 6.68;
  s.parallel_from_dpu_gbps_per_rank = 4.74;
  s.broadcast_gbps_per_rank = 16.88;
  s.rank_scaling_exponent = rank_scaling_exponent;
  s.transfer_call_us = 10;
  s.launch_us = 20;
  return s;
}

// A 64-DPU server of unit-cost DPUs, for tests that build a PimServer by hand.
inline HardwareSpec small_hardware() {
  HardwareSpec hw;
  hw.dpus_per_server = 64;
  hw.dpu = unit_cost_dpu();
  hw.transfer = transfer_spec(0.8);
  return hw;
}

inline HostSpec small_host() { return {16, 100, 10, 10, {}}; }

// 25 GbE: bandwidth, latency and reduction rate only.
inline NetworkSpec small_network() {
  NetworkSpec net;
  net.bandwidth_gbit_s = 25;
  net.latency_us = 15;
  net.reduce_gbps = 10;
  return net;
}

// small_network on a star with a 1 us hop and MPI-like all-reduce size thresholds (the cost models'
// tests).
inline NetworkSpec star_network() {
  NetworkSpec net = small_network();
  net.hop_latency_us = 1;
  net.allreduce_short_bytes = 2048;
  net.allreduce_long_bytes = 524288;
  return net;
}

}  // namespace pimscale::test
