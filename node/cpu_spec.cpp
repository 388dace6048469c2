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
  };
  return kParams;
}

#undef PIMSCALE_F

}  // namespace pimscale
