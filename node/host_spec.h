// The description of a PIM server's host CPU, as loaded from the [host] table of a hardware preset.
// Not responsible for loading it (src/ does).
#pragma once

#include <cstdint>
#include <vector>

#include "src/base/param_table.h"

namespace pimscale {

struct HostSpec {
  int64_t cores = 0;                 // threads the host uses for reduction
  double memory_bandwidth_gbps = 0;  // sustained, all cores
  double core_bandwidth_gbps = 0;    // sustained, one core
  double thread_fork_join_us = 0;    // starting and joining the reduction threads, once per round
  SourceMap sources;
};

const std::vector<Param<HostSpec>>& host_params();

}  // namespace pimscale
