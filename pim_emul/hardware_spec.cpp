#include "pim_emul/hardware_spec.h"

namespace pimscale {

const char* op_name(Op op) {
  static constexpr const char* kNames[kOpCount] = {
      "alu",       "wram",      "int32_mul", "int64_mul",  "int32_div",  "int64_div",
      "float_add", "float_mul", "float_div", "double_add", "double_mul", "double_div"};
  return kNames[static_cast<int>(op)];
}

namespace {
using H = HardwareSpec;
template <Op op>
double& instr(H& h) {
  return h.dpu.instructions[static_cast<int>(op)];
}
}  // namespace

#define PIMSCALE_F(expr) [](H& h) -> decltype(auto) { return (expr); }

const std::vector<Param<HardwareSpec>>& hardware_params() {
  static const std::vector<Param<HardwareSpec>> kParams = {
      {"server.dpus", "DPUs", "DPUs installed in one server", 1, 1 << 20,
       PIMSCALE_F(h.dpus_per_server)},
      {"dpu.frequency_mhz", "MHz", "DPU clock", 1, 10000, PIMSCALE_F(h.dpu.frequency_mhz)},
      {"dpu.mram_bytes", "bytes", "MRAM bank per DPU", 1, 1e12, PIMSCALE_F(h.dpu.mram_bytes)},
      {"dpu.wram_bytes", "bytes", "WRAM scratchpad per DPU", 1, 1e9, PIMSCALE_F(h.dpu.wram_bytes)},
      {"dpu.iram_bytes", "bytes", "instruction memory per DPU", 1, 1e9,
       PIMSCALE_F(h.dpu.iram_bytes)},
      {"dpu.max_tasklets", "tasklets", "hardware threads per DPU", 1, 1024,
       PIMSCALE_F(h.dpu.max_tasklets)},
      {"dpu.tasklets", "tasklets", "tasklets the training kernels run", 1, 1024,
       PIMSCALE_F(h.dpu.tasklets)},
      {"dpu.issue_interval_cycles", "cycles", "minimum cycles between two issues of one tasklet", 1,
       1000, PIMSCALE_F(h.dpu.issue_interval_cycles)},
      {"dpu.dma_read_alpha_cycles", "cycles", "fixed cost of one MRAM->WRAM DMA call", 0, 1e6,
       PIMSCALE_F(h.dpu.dma_read_alpha_cycles)},
      {"dpu.dma_write_alpha_cycles", "cycles", "fixed cost of one WRAM->MRAM DMA call", 0, 1e6,
       PIMSCALE_F(h.dpu.dma_write_alpha_cycles)},
      {"dpu.dma_beta_cycles_per_byte", "cycles/byte", "DMA cost per byte", 0, 1e3,
       PIMSCALE_F(h.dpu.dma_beta_cycles_per_byte)},
      {"dpu.dma_min_bytes", "bytes", "smallest DMA call (and alignment)", 1, 1 << 20,
       PIMSCALE_F(h.dpu.dma_min_bytes)},
      {"dpu.dma_max_bytes", "bytes", "largest DMA call", 1, 1 << 30,
       PIMSCALE_F(h.dpu.dma_max_bytes)},
      {"dpu.dma_overlap", "1", "fraction of DMA cycles hidden behind other tasklets' compute", 0, 1,
       PIMSCALE_F(h.dpu.dma_overlap)},
      {"dpu.barrier_instructions", "instructions", "instructions per tasklet per barrier_wait", 0,
       1e6, PIMSCALE_F(h.dpu.barrier_instructions)},
      {"instructions.alu", "instructions", "32-bit add/sub/logic/shift/branch", 0, 1e6,
       instr<Op::kAlu>},
      {"instructions.wram", "instructions", "WRAM load or store", 0, 1e6, instr<Op::kWram>},
      {"instructions.int32_mul", "instructions", "32-bit multiply routine", 0, 1e6,
       instr<Op::kInt32Mul>},
      {"instructions.int64_mul", "instructions", "64-bit multiply routine", 0, 1e6,
       instr<Op::kInt64Mul>},
      {"instructions.int32_div", "instructions", "32-bit divide routine", 0, 1e6,
       instr<Op::kInt32Div>},
      {"instructions.int64_div", "instructions", "64-bit divide routine", 0, 1e6,
       instr<Op::kInt64Div>},
      {"instructions.float_add", "instructions", "float add routine", 0, 1e6, instr<Op::kFloatAdd>},
      {"instructions.float_mul", "instructions", "float multiply routine", 0, 1e6,
       instr<Op::kFloatMul>},
      {"instructions.float_div", "instructions", "float divide routine", 0, 1e6,
       instr<Op::kFloatDiv>},
      {"instructions.double_add", "instructions", "double add routine", 0, 1e6,
       instr<Op::kDoubleAdd>},
      {"instructions.double_mul", "instructions", "double multiply routine", 0, 1e6,
       instr<Op::kDoubleMul>},
      {"instructions.double_div", "instructions", "double divide routine", 0, 1e6,
       instr<Op::kDoubleDiv>},
      {"transfer.dpus_per_rank", "DPUs", "DPUs per UPMEM rank (transfers run per rank)", 1, 1 << 20,
       PIMSCALE_F(h.transfer.dpus_per_rank)},
      {"transfer.serial_to_dpu_gbps", "GB/s", "host->DPU bandwidth, one DPU", 1e-6, 1e6,
       PIMSCALE_F(h.transfer.serial_to_dpu_gbps)},
      {"transfer.serial_from_dpu_gbps", "GB/s", "DPU->host bandwidth, one DPU", 1e-6, 1e6,
       PIMSCALE_F(h.transfer.serial_from_dpu_gbps)},
      {"transfer.parallel_to_dpu_gbps_per_rank", "GB/s",
       "host->DPU parallel bandwidth of one full rank", 1e-6, 1e6,
       PIMSCALE_F(h.transfer.parallel_to_dpu_gbps_per_rank)},
      {"transfer.parallel_from_dpu_gbps_per_rank", "GB/s",
       "DPU->host parallel bandwidth of one full rank", 1e-6, 1e6,
       PIMSCALE_F(h.transfer.parallel_from_dpu_gbps_per_rank)},
      {"transfer.broadcast_gbps_per_rank", "GB/s", "host->DPU broadcast bandwidth of one full rank",
       1e-6, 1e6, PIMSCALE_F(h.transfer.broadcast_gbps_per_rank)},
      {"transfer.rank_scaling_exponent", "1",
       "aggregate of k ranks = per-rank bandwidth * k^exponent", 0, 1,
       PIMSCALE_F(h.transfer.rank_scaling_exponent)},
      {"transfer.transfer_call_us", "us", "fixed host cost of one transfer call", 0, 1e6,
       PIMSCALE_F(h.transfer.transfer_call_us)},
      {"transfer.launch_us", "us", "fixed cost of one synchronous kernel launch", 0, 1e6,
       PIMSCALE_F(h.transfer.launch_us)},
      {"transfer.alloc_us_per_rank", "us", "start-up: allocating one UPMEM rank (dpu_alloc)", 0,
       1e9, PIMSCALE_F(h.transfer.alloc_us_per_rank)},
  };
  return kParams;
}

#undef PIMSCALE_F

}  // namespace pimscale
