#include "comm/network_spec.h"

namespace pimscale {

#define PIMSCALE_F(expr) [](NetworkSpec& n) -> decltype(auto) { return (expr); }

const std::vector<Param<NetworkSpec>>& network_params() {
  static const std::vector<Param<NetworkSpec>> kParams = {
      {"network.bandwidth_gbit_s", "Gb/s", "link bandwidth per direction", 1e-3, 1e6,
       PIMSCALE_F(n.bandwidth_gbit_s)},
      {"network.latency_us", "us", "per-message latency (NIC, switch, MPI)", 0, 1e6, PIMSCALE_F(n.latency_us)},
      {"network.reduce_gbps", "GB/s", "host reduction rate of received data", 1e-3, 1e6, PIMSCALE_F(n.reduce_gbps)},
  };
  return kParams;
}

#undef PIMSCALE_F

}  // namespace pimscale
