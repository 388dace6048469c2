// The predictor: a run's emulated time without running it. The setup (layouts, rounds, settings) is
// the one `train` makes, and each round is the algorithm's own recipe, priced operation by
// operation; each DPU launch's event counts come from the count-only kernel accounting: for a
// sparse file on the rows each DPU holds (every round, each server's DPU with the most non-zeros in
// its launch rows), otherwise on a representative shard built from the dataset's statistics
// (non-zeros per row), sized at the expected fullest DPU; transfers, host, network and DPU time use
// the emulator's own cost models; rounds and servers are composed along the critical path (every
// collective waits for the slowest server). One process, any server count. Not responsible for the
// dataset statistics themselves (io/data_stats.h).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/algorithms/run_setup.h"
#include "src/config/presets.h"
#include "src/config/train_config.h"
#include "src/predict/data_stats.h"
#include "src/report/run_report.h"

namespace pimscale {

// Presets loaded once per name (the planner predicts thousands of candidates).
class PresetCache {
 public:
  const ServerPreset& server(const std::string& name);
  // The network of a configuration (preset, overrides, all-reduce algorithm); `file` as
  // network_of's.
  const NetworkSpec& network(const TrainConfig& cfg, std::string* file);

 private:
  std::map<std::string, ServerPreset> servers_;
  std::map<std::string, std::pair<NetworkSpec, std::string>> networks_;
};

// What a prediction starts from: the dataset's statistics and shape.
struct Workload {
  std::string name;  // the file, or "synthetic criteo|yfcc"
  DataStats stats;   // train split (rows, features, non-zeros per row)
  uint64_t test_rows = 0;
  bool synthetic = false;  // any row count (the histogram is a distribution)
  // A sparse file's train-split CSR offsets from row 0 (8 bytes a row): each DPU's launches are
  // then priced on the rows train would give it, not on the histogram.
  std::shared_ptr<const std::vector<uint64_t>> offsets;
  std::string
      stats_source;  // "stored /stats", "computed from the row offsets", "generator parameters"
};

// The workload of a configuration: --data (its row offsets for a sparse file, with the stored
// /stats or else the histogram read from them) or --synthetic (the generator's parameters). Throws
// InputError for a missing or malformed file.
Workload load_workload(const TrainConfig& cfg);

struct Prediction {
  RunSetup setup;  // server 0's
  const ServerPreset* preset = nullptr;
  const NetworkSpec* net = nullptr;
  std::string network_file;
  PhaseLedger first_epoch, steady_epoch;  // server 0's
  std::vector<ServerReport> servers;      // totals over all epochs
  StartupLedger startup;                  // server 0's
  uint64_t allreduce_bytes = 0;           // one round's all-reduce message
  nlohmann::json detail;                  // run.json "prediction"

  PhaseLedger total(int64_t epochs) const;  // server 0's over `epochs`
  double epoch_seconds(int64_t epoch) const {
    return (epoch == 1 ? first_epoch : steady_epoch).total().seconds();
  }
};

// Predicts `cfg` on `servers` servers. Throws InputError for what train would refuse (a batch the
// DPUs cannot share, a shard over MRAM, the measured network, ...).
Prediction predict(const TrainConfig& cfg, int64_t servers, const Workload& workload,
                   PresetCache& presets);

// A CPU or GPU cluster's prediction (predict --device cpu|gpu, plan --devices): the model of
// src/devices (cpu_model.h, gpu_model.h) on the preset cfg.hardware, the workers (threads, GPUs)
// where the DPUs stand in the setup (cfg.workers_per_server, else the preset's cores or GPUs;
// --device cpu: cfg.threads, else the cores). Every epoch is alike (first_epoch = steady_epoch);
// `servers` is left empty. Throws InputError as predict, and for a preset of another device.
struct DevicePrediction {
  Prediction p;
  std::optional<CpuSpec> cpu;
  std::optional<GpuSpec> gpu;
  std::string name;  // the preset's
  int64_t threads = 1;
  std::string note;  // what the reader must know (a GPU streaming its rows), or empty
};
DevicePrediction predict_device(const TrainConfig& cfg, int64_t servers,
                                int64_t servers_per_machine, const Workload& workload,
                                PresetCache& presets);

// The expected largest of d independent Binomial(n, f) counts: SVM rows inside the margin on the
// slowest of d DPUs, each with n rows. Exact (a sum over the binomial's CDF), not a normal
// approximation.
double expected_max_binomial(uint64_t n, double f, uint64_t d);

}  // namespace pimscale
