#include "node/host_cost.h"

#include <algorithm>

namespace pimscale {

Picoseconds host_stream_time(uint64_t bytes, const HostSpec& host) {
  const double bw = std::min(static_cast<double>(host.cores) * host.core_bandwidth_gbps,
                             host.memory_bandwidth_gbps);
  return from_seconds(host.thread_fork_join_us * 1e-6) +
         bytes_at_gbps(static_cast<double>(bytes), bw);
}

}  // namespace pimscale
