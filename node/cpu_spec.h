// The description of a CPU server for the CPU baseline's model (src/devices/cpu_model.h), as
// loaded from a CPU hardware preset (jobs/presets/hardware/cpu-*.toml: a published server, or this
// host as `pimscale microbench --device cpu` measured it). Not responsible for loading it (src/
// does) or for pricing anything.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/base/param_table.h"

namespace pimscale {

struct CpuSpec {
  std::string name, file;
  int64_t cores = 0;                 // cores of one server (the default workers)
  double core_bandwidth_gbps = 0;    // one core streaming reads from memory
  double memory_bandwidth_gbps = 0;  // all cores together
  double dense_efficiency = 0;       // the dense gradient kernel's rate over the streaming rate
  double l2_bytes = 0;               // one core's L2 cache
  double cache_bytes = 0;            // last-level cache of one server
  // One non-zero of a sparse gradient (gather and scatter) by where the models live: L2, the
  // last-level cache, memory.
  double sparse_l2_ns = 0, sparse_llc_ns = 0, sparse_memory_ns = 0;
  double row_ns = 0;                 // one LR row's fixed work (score, sigmoid, loop)
  double svm_row_ns = 0;             // one SVM row's (score, hinge test, loop)
  double sparse_gather_share = 0.5;  // a non-zero's gather share (SVM rows outside skip the rest)
  // One core's vector work (updates, sums) with its data in L2 and in the last-level cache
  // (beyond: streamed at the memory rates).
  double vector_l2_gbps = 0, vector_llc_gbps = 0;
  double fork_join_us = 0;  // one parallel section over the server's threads
  SourceMap sources;
};

const std::vector<Param<CpuSpec>>& cpu_params();

}  // namespace pimscale
