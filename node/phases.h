// The phases an emulated server's time is split into, and a per-phase ledger of time and bytes.
// Not responsible for computing any phase's cost.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "src/base/units.h"

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
  kHostCompute,  // the host's own training work (a CPU server's kernels and update; 0 on PIM)
  kCount
};
inline constexpr int kPhaseCount = static_cast<int>(Phase::kCount);
std::string_view phase_name(Phase p);

// Time and bytes per entry of an enum (training phases, start-up steps).
template <class Key, int N>
struct Ledger {
  std::array<Picoseconds, N> time{};
  std::array<uint64_t, N> bytes{};

  void add(Key k, Picoseconds t, uint64_t b = 0) {
    time[static_cast<int>(k)] += t;
    bytes[static_cast<int>(k)] += b;
  }
  Picoseconds total() const {
    Picoseconds t;
    for (const auto& v : time) t += v;
    return t;
  }
};

struct PhaseLedger : Ledger<Phase, kPhaseCount> {
  PhaseLedger operator-(const PhaseLedger& earlier) const;
};

// One slice of a server's emulated timeline: a training phase (kind = its Phase) or a start-up step
// (kind = kStartupKindBase + its StartupStep), from `start` for `duration`. Collective slices carry
// the collective's sequence number in `flow` (the same on every server), -1 otherwise.
struct TimelineSlice {
  int64_t kind = 0;
  int64_t start = 0, duration = 0;  // picoseconds
  int64_t bytes = 0;
  int64_t flow = -1;
};
inline constexpr int64_t kStartupKindBase = 100;
std::string_view slice_name(int64_t kind);

// Start-up, reported apart from the training phases (as PIM-Opt does). Names are run.json keys.
enum class StartupStep : int { kAllocation = 0, kProgramLoad, kDataLoad, kTableBroadcast, kCount };
inline constexpr int kStartupStepCount = static_cast<int>(StartupStep::kCount);
std::string_view startup_step_name(StartupStep s);

using StartupLedger = Ledger<StartupStep, kStartupStepCount>;

}  // namespace pimscale
