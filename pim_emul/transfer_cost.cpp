#include "pim_emul/transfer_cost.h"

#include <algorithm>
#include <cmath>

namespace pimscale {

Picoseconds transfer_time(Transfer kind, uint64_t bytes_per_dpu, int64_t dpus,
                          const TransferSpec& spec) {
  if (dpus <= 0 || bytes_per_dpu == 0) return {};
  const Picoseconds call = from_seconds(spec.transfer_call_us * 1e-6);
  const double bytes = static_cast<double>(bytes_per_dpu);
  switch (kind) {
    case Transfer::kSerialToDpu:
    case Transfer::kSerialFromDpu: {
      const double bw =
          kind == Transfer::kSerialToDpu ? spec.serial_to_dpu_gbps : spec.serial_from_dpu_gbps;
      const Picoseconds one = call + bytes_at_gbps(bytes, bw);
      return {one.value * dpus};
    }
    case Transfer::kParallelToDpu:
    case Transfer::kParallelFromDpu:
    case Transfer::kBroadcastToDpu: {
      double serial = spec.serial_to_dpu_gbps, rank = spec.parallel_to_dpu_gbps_per_rank;
      if (kind == Transfer::kParallelFromDpu) {
        serial = spec.serial_from_dpu_gbps;
        rank = spec.parallel_from_dpu_gbps_per_rank;
      } else if (kind == Transfer::kBroadcastToDpu) {
        rank = spec.broadcast_gbps_per_rank;
      }
      const int64_t ranks = (dpus + spec.dpus_per_rank - 1) / spec.dpus_per_rank;
      const int64_t active_in_rank = std::min(dpus, spec.dpus_per_rank);
      const double one_rank = std::min(rank, serial * static_cast<double>(active_in_rank));
      const double bw = one_rank * std::pow(static_cast<double>(ranks), spec.rank_scaling_exponent);
      return call + bytes_at_gbps(bytes * static_cast<double>(dpus), bw);
    }
  }
  return {};
}

Picoseconds launch_time(const TransferSpec& spec) { return from_seconds(spec.launch_us * 1e-6); }

}  // namespace pimscale
