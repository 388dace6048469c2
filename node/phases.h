// The phases an emulated server's time is split into, and a per-phase ledger of time and bytes.
// Not responsible for computing any phase's cost.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "pim_emul/units.h"

namespace pimscale {

// Phase names are a contract: run.json keys and epochs.csv columns use them.
enum class Phase : int {
  kHostToDpu = 0,
  kDpuCompute,
  kDpuDma,
  kDpuToHost,
  kHostReduce,
  kNetwork,
  kWait,
  kCount
};
inline constexpr int kPhaseCount = static_cast<int>(Phase::kCount);
std::string_view phase_name(Phase p);

struct PhaseLedger {
  std::array<Picoseconds, kPhaseCount> time{};
  std::array<uint64_t, kPhaseCount> bytes{};

  void add(Phase p, Picoseconds t, uint64_t b = 0) {
    time[static_cast<int>(p)] += t;
    bytes[static_cast<int>(p)] += b;
  }
  Picoseconds total() const;
  PhaseLedger operator-(const PhaseLedger& earlier) const;
};

}  // namespace pimscale
