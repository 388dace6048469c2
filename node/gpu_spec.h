// The description of a GPU server for the GPU model (src/devices/gpu_model.h), as loaded from a GPU
// hardware preset (jobs/presets/hardware/gpu-*.toml: published figures, each with its source). No
// GPU trainer exists here: GPU servers are only predicted. Not responsible for loading the preset
// (src/ does) or for pricing anything.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/base/param_table.h"

namespace pimscale {

struct GpuSpec {
  std::string name, file;
  int64_t gpus = 1;                  // GPUs of one server (the default workers)
  double memory_bandwidth_gbps = 0;  // one GPU's device memory, peak (datasheet)
  double stream_fraction = 0;        // a streaming kernel's share of the peak (measured, cited)
  double l2_bytes = 0;               // one GPU's L2 cache
  double l2_bandwidth_gbps = 0;      // L2 reads (random sectors of a model held there)
  double sector_bytes = 32;          // the memory system's access granule
  double fp32_tflops = 0;            // peak float32 (non-tensor) rate
  double device_memory_bytes = 0;    // one GPU's memory
  double host_link_gbps = 0;         // host -> GPU copies (pinned memory), achievable
  double peer_link_gbps = 0;         // GPU <-> GPU inside the server (NVLink), one direction
  double peer_latency_us = 0;        // one step of a ring all-reduce between the server's GPUs
  // The critical path of a chain of kernels (Lin et al., arXiv 2404.12674): the host pays
  // launch_us + framework_us per kernel; the GPU pays kernel_us per kernel and gap_us between two.
  double kernel_us = 0, gap_us = 0, launch_us = 0, framework_us = 0;
  SourceMap sources;
};

const std::vector<Param<GpuSpec>>& gpu_params();

}  // namespace pimscale
