// `pimscale microbench`: the PrIM microbenchmarks emulated on the hardware preset, printed as
// tables and written to a results folder (microbench.json). Not responsible for the cost model
// itself (pim_emul/).
#pragma once

#include <string>

namespace pimscale {

struct MicrobenchConfig {
  std::string hardware = "upmem-2560-v1a";
  std::string out = "runs/microbench";
  bool force = false;          // replace a previous results folder at `out`
  std::string device = "pim";  // pim: PrIM's benchmarks on the preset; cpu: this host's rates
  int passes = 1;              // cpu: whole measurements, each timing's fastest kept
};

// Rank 0's work; throws InputError for a bad preset or an unwritable folder.
void run_microbench(const MicrobenchConfig& config);
// --device cpu: this host's rates for the CPU baseline's model, as a CPU preset (cpu.toml).
void run_cpu_microbench(const MicrobenchConfig& config);

}  // namespace pimscale
