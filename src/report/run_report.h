// A run's results as users read them: run.json (the manifest), the epochs.csv columns and the
// printed summary. One writer for `train` and `predict`, so a prediction has exactly the keys of a
// run. Not responsible for computing any of the numbers.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "comm/network_spec.h"
#include "node/phases.h"
#include "src/algorithms/run_setup.h"
#include "src/config/presets.h"
#include "src/config/train_config.h"

namespace pimscale {

struct EpochMetrics {
  double train_loss = NAN, objective = NAN, test_accuracy = NAN, test_auc = NAN;
  // The rows the metrics were computed on, over every server (0: not computed this epoch).
  uint64_t train_rows = 0, test_rows = 0;
};

// One server's share of the run (run.json servers[]).
struct ServerReport {
  std::string hardware;
  int64_t share = 1;
  uint64_t rows_per_dpu = 0;
  PhaseLedger ledger;
  Picoseconds startup, startup_wait;
};

struct RunReport {
  // pim: emulated time; cpu: this host's measured wall time (train --device cpu).
  Device device = Device::kPim;
  const CpuSpec* cpu = nullptr;  // predict --device cpu: the modelled CPU server
  const GpuSpec* gpu = nullptr;  // predict --device gpu: the modelled GPU server
  std::string data_name;
  const TrainConfig* cfg = nullptr;
  int64_t threads = 0;
  const RunSetup* setup = nullptr;       // rank 0's
  const ServerPreset* preset = nullptr;  // rank 0's
  const NetworkSpec* net = nullptr;
  std::string network_file;
  uint64_t allreduce_bytes = 0;  // one round's all-reduce message, from the algorithm's recipe
  PhaseLedger total;             // rank 0's training phases
  StartupLedger startup;         // rank 0's start-up
  std::vector<ServerReport> servers;
  EpochMetrics final;
  std::optional<std::string> model_sha256;  // none when nothing was trained
  nlohmann::json model;                     // final_model's summary (null when nothing was trained)
  // Wall time (never emulated): loading (start to the first round, slowest rank), the rounds of
  // every epoch (metrics excluded), and the whole run.
  // Wall seconds: reading and sharding the data; the training rounds; the metrics (apart from
  // training); the whole run.
  double load_wall_seconds = 0, train_wall_seconds = 0, metrics_wall_seconds = 0, wall_seconds = 0,
         peak_rss_mib = 0;
  // Checkpoints: the wall seconds writing them (all runs that wrote any, resumed ones included),
  // and the epoch a resumed run continued from (0: not resumed). A resumed run's train and metrics
  // wall seconds include the interrupted run's epochs up to its checkpoint; load and the whole
  // run's wall seconds are the resumed process's.
  double checkpoint_wall_seconds = 0;
  // The rows the DPUs' kernels ran and those with a gradient (inside an SVM's margin), all servers.
  uint64_t rows_run = 0, rows_active = 0;
  int64_t resumed_from_epoch = 0;
  bool predicted = false;
  nlohmann::json prediction;  // predict: how the estimate was made (statistics, assumptions)
};

// The run.json manifest.
nlohmann::json run_manifest(const RunReport& r);

// epochs.csv: the header, and one epoch's row (`wall`: the training rounds' wall seconds;
// `metrics_wall`: the metrics', apart).
std::vector<std::string> epochs_csv_header();
std::vector<std::string> epochs_csv_row(int64_t epoch, const EpochMetrics& m,
                                        const PhaseLedger& delta, double wall,
                                        Picoseconds emulated_total, double metrics_wall);

// The per-phase table and the final lines, from run.json and rank 0's ledger.
void print_summary(const nlohmann::json& run, const PhaseLedger& total);

}  // namespace pimscale
