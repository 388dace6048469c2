// The host cost model: time of host-side work (reduction, model update) from the bytes it touches.
// Not responsible for doing the work (pim_server.h) or for network time (comm/).
#pragma once

#include <cstdint>

#include "node/host_spec.h"
#include "src/base/units.h"

namespace pimscale {

// Streaming host work over `bytes` touched with the host's threads:
// t = fork_join + bytes / min(cores * core_bw, memory_bw).
Picoseconds host_stream_time(uint64_t bytes, const HostSpec& host);

}  // namespace pimscale
