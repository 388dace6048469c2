// `pimscale predict`: predicts a train run's emulated time per phase and epoch, prints the
// breakdown and writes the run folder (run.json with "predicted": true and train's keys,
// epochs.csv). One process.
#include <fmt/core.h>

#include <chrono>
#include <cmath>

#include "io/run_folder.h"
#include "src/base/progress.h"
#include "src/commands/collective_step.h"
#include "src/commands/command.h"
#include "src/config/config_cli.h"
#include "src/predict/predictor.h"

namespace pimscale {

namespace {

// A prediction's run folder (nothing run: no metrics, the wall time is the prediction's own):
// epochs.csv, run.json, then the summary.
int write_prediction(RunFolder& folder, RunReport& report,
                     const std::vector<std::vector<std::string>>& csv,
                     std::chrono::steady_clock::time_point wall_start) {
  report.final = EpochMetrics{};
  report.predicted = true;
  report.wall_seconds = seconds_since(wall_start);
  report.train_wall_seconds = report.wall_seconds;
  const nlohmann::json run = run_manifest(report);
  folder.write_csv("epochs.csv", epochs_csv_header(), csv);
  folder.write_json("run.json", run);
  folder.commit();
  print_summary(run, report.total);
  return 0;
}

int run_predict(const TrainConfig& cfg, int64_t servers) {
  const auto wall_start = std::chrono::steady_clock::now();
  PresetCache presets;
  const Workload workload = load_workload(cfg);
  const Prediction p = predict(cfg, servers, workload, presets);
  RunFolder folder(cfg.out, cfg.force);

  fmt::print(
      "pimscale predict: {} {} ({} numerics) on {} ({} {} rows x {} features), {} servers x {} "
      "DPUs = {} DPUs, "
      "batch {} ({} rows per DPU step), {} rounds/epoch; statistics: {}\n",
      name_of(cfg.algorithm), name_of(cfg.model), name_of(cfg.numerics), workload.name,
      p.setup.rows_used(), p.setup.sparse ? "sparse" : "dense", p.setup.layout.features,
      p.setup.servers, p.setup.dpus, p.setup.total_dpus, cfg.batch,
      p.setup.settings.rows_per_dpu_step, p.setup.rounds, workload.stats_source);
  std::vector<std::vector<std::string>> csv;
  Picoseconds total;
  const EpochMetrics none;  // nothing run: no metrics
  for (int64_t e = 1; e <= cfg.epochs; ++e) {
    const PhaseLedger& delta = e == 1 ? p.first_epoch : p.steady_epoch;
    total += delta.total();
    csv.push_back(epochs_csv_row(e, none, delta, 0, total, 0));
  }
  RunReport report;
  report.data_name = workload.name;
  report.cfg = &cfg;
  report.threads = 1;
  report.setup = &p.setup;
  report.preset = p.preset;
  report.net = p.net;
  report.network_file = p.network_file;
  report.allreduce_bytes = p.allreduce_bytes;
  report.total = p.total(cfg.epochs);
  report.startup = p.startup;
  report.servers = p.servers;
  report.prediction = p.detail;
  return write_prediction(folder, report, csv, wall_start);
}

// --device cpu or gpu: the device model (predict_device) on the preset --hardware.
int run_predict_device(const TrainConfig& cfg, int64_t servers, int64_t servers_per_machine) {
  const auto wall_start = std::chrono::steady_clock::now();
  PresetCache presets;
  const Workload w = load_workload(cfg);
  const DevicePrediction d = predict_device(cfg, servers, servers_per_machine, w, presets);
  const Prediction& p = d.p;
  const RunSetup& setup = p.setup;
  const bool gpu = cfg.device == Device::kGpu;
  RunFolder folder(cfg.out, cfg.force);
  fmt::print(
      "pimscale predict --device {}: {} {} (float32) on {} ({} {} rows x {} features), {} "
      "servers x {} {} on '{}', batch {} ({} rows per {} step), {} rounds/epoch\n",
      name_string(cfg.device), name_of(cfg.algorithm), name_of(cfg.model), w.name,
      setup.rows_used(), setup.sparse ? "sparse" : "dense", setup.layout.features, servers,
      setup.dpus, gpu ? "GPUs" : "workers", d.name, cfg.batch, setup.settings.rows_per_dpu_step,
      gpu ? "GPU" : "worker", setup.rounds);
  if (!d.note.empty()) fmt::print("pimscale predict: note: {}\n", d.note);
  std::vector<std::vector<std::string>> csv;
  Picoseconds total;
  const EpochMetrics none;
  for (int64_t e = 1; e <= cfg.epochs; ++e) {
    total += p.steady_epoch.total();
    csv.push_back(epochs_csv_row(e, none, p.steady_epoch, 0, total, 0));
  }
  const PhaseLedger all = p.total(cfg.epochs);
  RunReport report;
  report.device = cfg.device;
  report.cpu = d.cpu ? &*d.cpu : nullptr;
  report.gpu = d.gpu ? &*d.gpu : nullptr;
  report.data_name = w.name;
  report.cfg = &cfg;
  report.threads = d.threads;
  report.setup = &setup;
  report.preset = p.preset;
  report.net = p.net;
  report.network_file = p.network_file;
  report.allreduce_bytes = p.allreduce_bytes;
  report.total = all;
  report.startup = p.startup;
  for (int64_t s = 0; s < servers; ++s) {
    ServerReport& v = report.servers.emplace_back();
    v.hardware = d.name;
    v.rows_per_dpu = setup.layout.rows_per_dpu;
    v.ledger = all;
  }
  report.prediction = p.detail;
  return write_prediction(folder, report, csv, wall_start);
}

class PredictCommand final : public Command {
 public:
  void add_flags(CLI::App& app) override {
    cli_.emplace(app, /*predicting=*/true);
    app.add_option("--servers", servers_, "servers to predict for (train: the MPI ranks)");
    app.add_option("--servers-per-machine", servers_per_machine_,
                   "--device cpu: servers (ranks) sharing one machine's cores and memory (default "
                   "1: each server its own machine)");
    add_plots_flag(app, plots_);
  }
  int run(Cluster* cluster) override {
    TrainConfig config;
    collective_step(*cluster, [&] { config = cli_->resolve(); });
    int rc = 0;
    on_root(*cluster, [&] {
      rc = config.device != Device::kPim
               ? run_predict_device(config, servers_, servers_per_machine_)
               : run_predict(config, servers_);
      if (rc == 0 && plots_) write_plots(config.out);
    });
    return rc;
  }

 private:
  std::optional<TrainConfigCli> cli_;
  int64_t servers_ = 1;
  int64_t servers_per_machine_ = 1;
  bool plots_ = false;
};

}  // namespace

std::unique_ptr<Command> make_predict_command() { return std::make_unique<PredictCommand>(); }

}  // namespace pimscale
