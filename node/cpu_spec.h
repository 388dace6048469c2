// The description of a CPU server for the CPU baseline's model (src/devices/cpu_model.h), as
// loaded from a CPU hardware preset (jobs/presets/hardware/cpu-*.toml: a published server, or this
// host as `pimscale microbench --device cpu` measured it). Not responsible for loading it (src/
// does) or for pricing anything.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "src/base/param_table.h"

namespace pimscale {

// The working sets (bytes of the model-sized arrays a thread touches) of CpuSpec's sweep: 256 KiB
// to 1 GiB, 4x apart.
inline constexpr std::array<double, 7> kCpuSweepBytes = {
    262144.0, 1048576.0, 4194304.0, 16777216.0, 67108864.0, 268435456.0, 1073741824.0};
// Their names in the preset's keys (cpu.sparse_ns_at_<name>, cpu.vector_gbps_at_<name>).
inline constexpr std::array<const char*, kCpuSweepBytes.size()> kCpuSweepNames = {
    "256KiB", "1MiB", "4MiB", "16MiB", "64MiB", "256MiB", "1GiB"};
// One value per working set of the sweep.
using CpuSweep = std::array<double, kCpuSweepBytes.size()>;

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
  // Optional, from `microbench --device cpu`: the same two costs measured at working sets of
  // kCpuSweepBytes (one thread), which the model interpolates instead of placing the three points
  // above by the caches' sizes (a virtual machine's CPUID may report the socket's last-level cache,
  // of which one core sees a slice). 0: not measured.
  CpuSweep sparse_ns_at{};    // one sparse LR non-zero, ns
  CpuSweep vector_gbps_at{};  // the SGD update, GB/s
  // Optional: a sparse step's first touch of a gradient entry beyond a repeat's (listing it,
  // clearing it after the step), and one mispredicted test of whether an entry is new (when new
  // and repeated entries mix), ns. 0: not measured.
  double sparse_first_touch_ns = 0, sparse_mispredict_ns = 0;
  bool has_sweep() const { return sparse_ns_at[0] > 0 && vector_gbps_at[0] > 0; }
  SourceMap sources;
};

const std::vector<Param<CpuSpec>>& cpu_params();

}  // namespace pimscale
