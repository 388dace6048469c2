// The host<->DPU transfer cost model: serial, parallel (push_xfer) and broadcast transfers, and
// launches. Not responsible for moving data (node/ does) or for the DPU's own MRAM DMA
// (dpu_cost.h).
#pragma once

#include <cstdint>

#include "pim_emul/hardware_spec.h"
#include "src/base/units.h"

namespace pimscale {

enum class Transfer {
  kSerialToDpu,  // one DPU at a time
  kSerialFromDpu,
  kParallelToDpu,  // a different buffer per DPU, one common length for the set
  kParallelFromDpu,
  kBroadcastToDpu,  // the same buffer to every DPU
};

// Time of one transfer call moving `bytes_per_dpu` to or from each of `dpus` DPUs.
// Parallel and broadcast: t = call + bytes_per_dpu * dpus / bw, where one rank of R DPUs reaches
//   min(bw_rank, bw_serial * d) with d DPUs of it active, and k ranks reach that times k^exponent.
// Serial: t = dpus * (call + bytes_per_dpu / bw_serial).
Picoseconds transfer_time(Transfer kind, uint64_t bytes_per_dpu, int64_t dpus,
                          const TransferSpec& spec);

// Fixed cost of one synchronous kernel launch on a set of DPUs.
Picoseconds launch_time(const TransferSpec& spec);

}  // namespace pimscale
