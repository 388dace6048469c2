// Collective cost models: emulated time of an inter-server collective from the network description.
// Not responsible for moving the data (cluster.h does, over real MPI).
#pragma once

#include <cstdint>

#include "comm/network_spec.h"
#include "pim_emul/units.h"

namespace pimscale {

// Ring all-reduce of n bytes over p servers (Thakur, Rabenseifner and Gropp 2005):
// t = 2(p-1) alpha + 2 (p-1)/p n beta + (p-1)/p n gamma; zero for p = 1.
Picoseconds ring_allreduce_time(uint64_t bytes, int p, const NetworkSpec& net);

}  // namespace pimscale
