#include "node/gpu_spec.h"

namespace pimscale {

#define PIMSCALE_F(expr) [](GpuSpec& g) -> decltype(auto) { return (expr); }

const std::vector<Param<GpuSpec>>& gpu_params() {
  static const std::vector<Param<GpuSpec>> kParams = {
      {"gpu.gpus", "GPUs", "GPUs of one server (the default workers)", 1, 1 << 10,
       PIMSCALE_F(g.gpus)},
      {"gpu.memory_bandwidth_gbps", "GB/s", "one GPU's device memory bandwidth, peak", 1, 1e6,
       PIMSCALE_F(g.memory_bandwidth_gbps)},
      {"gpu.stream_fraction", "ratio", "a streaming kernel's share of the peak bandwidth", 0.01, 1,
       PIMSCALE_F(g.stream_fraction)},
      {"gpu.l2_bytes", "bytes", "one GPU's L2 cache", 0, 1e12, PIMSCALE_F(g.l2_bytes)},
      {"gpu.l2_bandwidth_gbps", "GB/s", "L2 read bandwidth", 1, 1e7,
       PIMSCALE_F(g.l2_bandwidth_gbps)},
      {"gpu.sector_bytes", "bytes",
       "the memory system's access granule (a random access moves one)", 1, 4096,
       PIMSCALE_F(g.sector_bytes)},
      {"gpu.fp32_tflops", "TFLOP/s", "peak float32 rate (no tensor cores)", 0.01, 1e5,
       PIMSCALE_F(g.fp32_tflops)},
      {"gpu.device_memory_bytes", "bytes", "one GPU's memory", 1e6, 1e15,
       PIMSCALE_F(g.device_memory_bytes)},
      {"gpu.host_link_gbps", "GB/s", "host -> GPU copies from pinned memory, achievable", 0.01, 1e5,
       PIMSCALE_F(g.host_link_gbps)},
      {"gpu.peer_link_gbps", "GB/s", "GPU <-> GPU inside the server, one direction", 0.01, 1e5,
       PIMSCALE_F(g.peer_link_gbps)},
      {"gpu.peer_latency_us", "us", "one step of a ring all-reduce between the server's GPUs", 0,
       1e6, PIMSCALE_F(g.peer_latency_us)},
      {"gpu.kernel_us", "us", "a kernel's fixed cost on the GPU", 0, 1e6, PIMSCALE_F(g.kernel_us)},
      {"gpu.gap_us", "us", "between two kernels on one stream", 0, 1e6, PIMSCALE_F(g.gap_us)},
      {"gpu.launch_us", "us", "the host's launch call per kernel", 0, 1e6, PIMSCALE_F(g.launch_us)},
      {"gpu.framework_us", "us", "the host's framework work per kernel (eager dispatch)", 0, 1e6,
       PIMSCALE_F(g.framework_us)},
  };
  return kParams;
}

#undef PIMSCALE_F

}  // namespace pimscale
