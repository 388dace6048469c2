#include "node/phases.h"

namespace pimscale {

std::string_view phase_name(Phase p) {
  static constexpr std::string_view kNames[kPhaseCount] = {"host_to_dpu", "dpu_compute", "dpu_dma",
                                                           "dpu_to_host", "host_reduce", "network",
                                                           "wait",        "host_compute"};
  return kNames[static_cast<int>(p)];
}

std::string_view startup_step_name(StartupStep s) {
  static constexpr std::string_view kNames[kStartupStepCount] = {"allocation", "program_load",
                                                                 "data_load", "table_broadcast"};
  return kNames[static_cast<int>(s)];
}

std::string_view slice_name(int64_t kind) {
  if (kind >= kStartupKindBase)
    return startup_step_name(static_cast<StartupStep>(kind - kStartupKindBase));
  return phase_name(static_cast<Phase>(kind));
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
