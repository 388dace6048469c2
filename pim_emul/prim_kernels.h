// The PrIM microbenchmarks (Gomez-Luna et al., arXiv 2105.03814, section 3) as event counts on one
// DPU, so that `pimscale microbench` measures the cost model the training kernels use, not a
// formula of its own. Not responsible for timing (dpu_cost.h, transfer_cost.h) or for printing
// (src/microbench.cpp).
#pragma once

#include <cstdint>
#include <string>

#include "pim_emul/event_counts.h"
#include "pim_emul/hardware_spec.h"

namespace pimscale {

enum class ArithType { kInt32, kInt64, kFloat, kDouble };
enum class ArithOp { kAdd, kSub, kMul, kDiv };
std::string arith_name(ArithType type, ArithOp op);  // e.g. "int32 add"

// PrIM's arithmetic-throughput loop over `elements` WRAM elements split evenly over `tasklets`: per
// element a WRAM load, the operation, a WRAM store and 3 loop instructions (index update, compare,
// branch). A 64-bit add/sub is 2 native instructions (add, addc); multiplies, divides and floating
// point are routines.
DpuCounts arithmetic_loop(ArithType type, ArithOp op, uint64_t elements, int tasklets);

// PrIM's MRAM read (or write) benchmark: each of `tasklets` tasklets moves `calls` blocks of
// `bytes` (8..2,048) between MRAM and WRAM, nothing else.
DpuCounts mram_stream(bool write, uint64_t bytes, uint64_t calls, int tasklets, const DpuSpec& dpu);

}  // namespace pimscale
