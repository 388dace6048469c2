#include "node/host_spec.h"

namespace pimscale {

#define PIMSCALE_F(expr) [](HostSpec& h) -> decltype(auto) { return (expr); }

const std::vector<Param<HostSpec>>& host_params() {
  static const std::vector<Param<HostSpec>> kParams = {
      {"host.cores", "cores", "host threads used for reduction", 1, 4096, PIMSCALE_F(h.cores)},
      {"host.memory_bandwidth_gbps", "GB/s", "sustained host memory bandwidth, all cores", 1e-3,
       1e5, PIMSCALE_F(h.memory_bandwidth_gbps)},
      {"host.core_bandwidth_gbps", "GB/s", "sustained memory bandwidth of one core", 1e-3, 1e5,
       PIMSCALE_F(h.core_bandwidth_gbps)},
      {"host.thread_fork_join_us", "us", "cost of starting and joining the reduction threads", 0,
       1e6, PIMSCALE_F(h.thread_fork_join_us)},
  };
  return kParams;
}

#undef PIMSCALE_F

}  // namespace pimscale
