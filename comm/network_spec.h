// The description of the network between PIM servers, as loaded from a network preset.
// Not responsible for loading it (src/ does).
#pragma once

#include <string>
#include <vector>

#include "pim_emul/param_table.h"

namespace pimscale {

struct NetworkSpec {
  std::string name;
  double bandwidth_gbit_s = 0;  // link bandwidth per direction
  double latency_us = 0;        // per message: NIC + switch + MPI software
  double reduce_gbps = 0;       // rate at which a host combines received data (gamma = 1 / rate)
  SourceMap sources;

  double alpha_s() const { return latency_us * 1e-6; }
  double beta_s_per_byte() const { return 8.0 / (bandwidth_gbit_s * 1e9); }
  double gamma_s_per_byte() const { return 1.0 / (reduce_gbps * 1e9); }
};

const std::vector<Param<NetworkSpec>>& network_params();

}  // namespace pimscale
