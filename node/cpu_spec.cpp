#include "node/cpu_spec.h"

namespace pimscale {

#define PIMSCALE_F(expr) [](CpuSpec& c) -> decltype(auto) { return (expr); }

const std::vector<Param<CpuSpec>>& cpu_params() {
  static const std::vector<Param<CpuSpec>> kParams = {
      {"cpu.cores", "cores", "cores of one server (the default workers)", 1, 1 << 20,
       PIMSCALE_F(c.cores)},
      {"cpu.core_bandwidth_gbps", "GB/s", "one core streaming reads from memory", 1e-3, 1e5,
       PIMSCALE_F(c.core_bandwidth_gbps)},
      {"cpu.memory_bandwidth_gbps", "GB/s", "sustained memory read bandwidth, all cores", 1e-3, 1e6,
       PIMSCALE_F(c.memory_bandwidth_gbps)},
      {"cpu.dense_efficiency", "ratio",
       "the dense gradient kernel's rate over the streaming rate (two passes, one from cache)",
       1e-3, 4, PIMSCALE_F(c.dense_efficiency)},
      {"cpu.l2_bytes", "bytes", "one core's L2 cache", 0, 1e12, PIMSCALE_F(c.l2_bytes)},
      {"cpu.cache_bytes", "bytes", "last-level cache of one server", 0, 1e12,
       PIMSCALE_F(c.cache_bytes)},
      {"cpu.sparse_l2_ns", "ns",
       "one non-zero of a sparse gradient (gather and scatter), model and gradient in L2", 1e-3,
       1e6, PIMSCALE_F(c.sparse_l2_ns)},
      {"cpu.sparse_llc_ns", "ns", "one non-zero of a sparse gradient, in the last-level cache",
       1e-3, 1e6, PIMSCALE_F(c.sparse_llc_ns)},
      {"cpu.sparse_memory_ns", "ns", "one non-zero of a sparse gradient, beyond the caches", 1e-3,
       1e6, PIMSCALE_F(c.sparse_memory_ns)},
      {"cpu.row_ns", "ns", "one LR row's fixed work (score, sigmoid, loop)", 0, 1e6,
       PIMSCALE_F(c.row_ns)},
      {"cpu.svm_row_ns", "ns", "one SVM row's fixed work (score, hinge test, loop)", 0, 1e6,
       PIMSCALE_F(c.svm_row_ns)},
      {"cpu.sparse_gather_share", "ratio",
       "the gather's share of a sparse non-zero's cost (an SVM row outside the margin skips the "
       "scatter)",
       0, 1, PIMSCALE_F(c.sparse_gather_share)},
      {"cpu.vector_l2_gbps", "GB/s", "one core's vector work (updates, sums) in L2", 1e-3, 1e6,
       PIMSCALE_F(c.vector_l2_gbps)},
      {"cpu.vector_llc_gbps", "GB/s", "one core's vector work in the last-level cache", 1e-3, 1e6,
       PIMSCALE_F(c.vector_llc_gbps)},
      {"cpu.fork_join_us", "us", "one parallel section over the server's threads", 0, 1e6,
       PIMSCALE_F(c.fork_join_us)},
      {"cpu.sparse_first_touch_ns", "ns",
       "a sparse step's first touch of a gradient entry beyond a repeat's (list, clear)", 0, 1e6,
       PIMSCALE_F(c.sparse_first_touch_ns), true},
      {"cpu.sparse_mispredict_ns", "ns",
       "a mispredicted test of whether a sparse step's gradient entry is new", 0, 1e6,
       PIMSCALE_F(c.sparse_mispredict_ns), true},
// clang-format off
// The sweep's two costs at one working set (kCpuSweepNames[i] == size).
#define PIMSCALE_SWEEP(i, size)                                                                   \
      {"cpu.sparse_ns_at_" size, "ns", "one sparse LR non-zero, one thread, " size " working set", \
       1e-3, 1e6, PIMSCALE_F(c.sparse_ns_at[i]), true},                                           \
      {"cpu.vector_gbps_at_" size, "GB/s", "the SGD update, one thread, " size " working set",     \
       1e-3, 1e6, PIMSCALE_F(c.vector_gbps_at[i]), true}
      PIMSCALE_SWEEP(0, "256KiB"), PIMSCALE_SWEEP(1, "1MiB"),   PIMSCALE_SWEEP(2, "4MiB"),
      PIMSCALE_SWEEP(3, "16MiB"),  PIMSCALE_SWEEP(4, "64MiB"),  PIMSCALE_SWEEP(5, "256MiB"),
      PIMSCALE_SWEEP(6, "1GiB"),
// clang-format on
#undef PIMSCALE_SWEEP
  };
  return kParams;
}

#undef PIMSCALE_F

}  // namespace pimscale
