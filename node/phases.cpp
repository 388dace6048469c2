#include "node/phases.h"

namespace pimscale {

std::string_view phase_name(Phase p) {
  static constexpr std::string_view kNames[kPhaseCount] = {
      "host_to_dpu", "dpu_compute", "dpu_dma", "dpu_to_host", "host_reduce", "network", "wait"};
  return kNames[static_cast<int>(p)];
}

Picoseconds PhaseLedger::total() const {
  Picoseconds t;
  for (const auto& v : time) t += v;
  return t;
}

PhaseLedger PhaseLedger::operator-(const PhaseLedger& earlier) const {
  PhaseLedger d;
  for (int i = 0; i < kPhaseCount; ++i) {
    d.time[i] = time[i] - earlier.time[i];
    d.bytes[i] = bytes[i] - earlier.bytes[i];
  }
  return d;
}

}  // namespace pimscale
