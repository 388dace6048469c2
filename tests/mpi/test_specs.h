// Small hardware, host and network specs for tests that build a PimServer by hand. The numbers are the
// reference preset's where they matter; every instruction costs 1 (timing is not under test here).
#pragma once

#include "comm/network_spec.h"
#include "node/host_spec.h"
#include "pim_emul/hardware_spec.h"

namespace pimscale::test {

inline HardwareSpec small_hardware() {
  HardwareSpec hw;
  hw.dpus_per_server = 64;
  hw.dpu.frequency_mhz = 350;
  hw.dpu.tasklets = 16;
  hw.dpu.issue_interval_cycles = 11;
  hw.dpu.dma_min_bytes = 8;
  hw.dpu.dma_max_bytes = 2048;
  for (double& i : hw.dpu.instructions) i = 1;
  hw.transfer = {64, 0.33, 0.12, 6.68, 4.74, 16.88, 0.8, 10, 20};
  return hw;
}

inline HostSpec small_host() { return {16, 100, 10, 10, {}}; }

inline NetworkSpec small_network() {
  NetworkSpec net;
  net.bandwidth_gbit_s = 25;
  net.latency_us = 15;
  net.reduce_gbps = 10;
  return net;
}

}  // namespace pimscale::test
