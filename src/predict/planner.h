// The planner behind `pimscale plan`: ranks candidate configurations of one workload (device: PIM,
// CPU or GPU servers; servers, DPUs per server, network, batch, algorithm) by predicted time per
// epoch, or by predicted time to a
// target accuracy when short emulated runs supply convergence curves. Prints the top candidates
// with their breakdowns and writes every candidate (infeasible ones with the reason) to plan.csv.
// Not responsible for predicting (predict.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/config/train_config.h"

namespace pimscale {

struct PlanLimits {
  int64_t max_servers = 16;  // servers 1, 2, 4, ... up to this (and it)
  std::string servers;       // or an explicit list
  std::string dpus;          // DPUs per server ("" = the configuration's)
  std::string networks;      // network presets ("" = the configuration's)
  std::string batches;       // batch sizes ("" = the configuration's)
  std::string algorithms = "ga-sgd,ma-sgd,admm";
  // Devices to compare: pim (the configuration's PIM servers), cpu and gpu (modelled servers of
  // the presets below, float32, their cores or GPUs as workers).
  std::string devices = "pim";
  std::string cpu_hardware = "cpu-epyc-7742-2s";
  std::string gpu_hardware = "gpu-a100-80gb-sxm";
  std::vector<std::string> curves;  // run folders of short emulated runs (run.json + epochs.csv)
  double target_accuracy = 0;
  int64_t top = 10;
};

// Predicts every candidate, prints the top ones and writes <cfg.out>/plan.csv. Throws InputError
// for malformed lists or unreadable curves.
int plan_configurations(const TrainConfig& cfg, const PlanLimits& limits);

}  // namespace pimscale
