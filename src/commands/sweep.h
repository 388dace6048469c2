// `pimscale sweep`: weak or strong scaling over servers and DPUs per server. Launches one
// `pimscale train` per point through a launcher command (mpirun, srun), then writes one CSV with
// time per epoch, speedup, parallel efficiency, accuracy and time to a target accuracy. Not
// responsible for training (each point is an ordinary train run, kept under <out>/points/).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/config/enums.h"
#include "src/config/train_config.h"

namespace pimscale {

enum class SweepMode { kWeak, kStrong };
template <>
struct EnumNames<SweepMode> {
  static constexpr std::array<std::string_view, 2> names = {"weak", "strong"};
};

struct SweepConfig {
  std::vector<int64_t> servers = {1, 2, 4};
  std::vector<int64_t> dpus;  // empty: the train configuration's dpus_per_server
  SweepMode mode =
      SweepMode::kWeak;        // weak: rows (and a global batch) grow with the DPUs; strong: fixed
  double target_accuracy = 0;  // 0: no time-to-target column values
  std::string launcher = "${MPIEXEC:-mpirun} -n {servers}";
};

// Runs without MPI (it only launches MPI jobs). Throws InputError for impossible points or a failed
// point.
int run_sweep(const TrainConfig& base, const SweepConfig& s);

}  // namespace pimscale
