// The description of one PIM server's DPUs and host<->DPU links, as loaded from a hardware preset.
// Not responsible for loading it (src/ does) nor for the host CPU (node/host_spec.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/base/param_table.h"

namespace pimscale {

// Instruction classes a kernel counts. Each costs `instructions[c]` DPU instructions (a preset
// value): native ops are 1, the multiplier-less DPU runs multiplies, divides and floating point as
// routines.
enum class Op : int {
  kAlu = 0,   // 32-bit add/sub/logic/shift/compare/branch (native)
  kWram,      // WRAM load or store (native)
  kInt32Mul,  // mul_step routine
  kInt64Mul,
  kInt32Div,
  kInt64Div,
  kFloatAdd,
  kFloatMul,
  kFloatDiv,
  kDoubleAdd,
  kDoubleMul,
  kDoubleDiv,
  kCount
};
inline constexpr int kOpCount = static_cast<int>(Op::kCount);
const char* op_name(Op op);

struct DpuSpec {
  double frequency_mhz = 0;
  int64_t mram_bytes = 0;
  int64_t wram_bytes = 0;
  int64_t iram_bytes = 0;
  int64_t max_tasklets = 0;
  int64_t tasklets = 0;  // tasklets the training kernels run
  int64_t issue_interval_cycles =
      0;  // revolver pipeline: a tasklet issues at most once per this many cycles
  double dma_read_alpha_cycles = 0;   // MRAM->WRAM fixed cost per DMA call
  double dma_write_alpha_cycles = 0;  // WRAM->MRAM fixed cost per DMA call
  double dma_beta_cycles_per_byte = 0;
  int64_t dma_min_bytes = 0;
  int64_t dma_max_bytes = 0;
  double dma_overlap = 0;  // fraction of DMA cycles hidden behind other tasklets' compute (T >= 2)
  double barrier_instructions = 0;     // instructions each tasklet spends in one barrier_wait
  double instructions[kOpCount] = {};  // instructions per operation of each class
};

struct TransferSpec {
  int64_t dpus_per_rank = 0;
  double serial_to_dpu_gbps = 0;
  double serial_from_dpu_gbps = 0;
  double parallel_to_dpu_gbps_per_rank = 0;
  double parallel_from_dpu_gbps_per_rank = 0;
  double broadcast_gbps_per_rank = 0;
  double rank_scaling_exponent = 0;  // aggregate bandwidth of k ranks = per-rank * k^exponent
  double transfer_call_us = 0;       // fixed host overhead per transfer call
  double launch_us = 0;              // fixed overhead per synchronous kernel launch
  double alloc_us_per_rank =
      0;  // start-up: dpu_alloc of one UPMEM rank (ranks are allocated in turn)
};

struct HardwareSpec {
  std::string name;
  int64_t dpus_per_server = 0;  // DPUs installed in the server (the reference server has 2,560)
  DpuSpec dpu;
  TransferSpec transfer;
  SourceMap sources;
};

// The parameter tables the preset loader fills; each key appears exactly once in a preset.
const std::vector<Param<HardwareSpec>>& hardware_params();

}  // namespace pimscale
