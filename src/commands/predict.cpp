// `pimscale predict`: predicts a train run's emulated time per phase and epoch, prints the
// breakdown and writes the run folder (run.json with "predicted": true and train's keys,
// epochs.csv). One process.
#include <fmt/core.h>

#include <chrono>
#include <cmath>

#include "io/run_folder.h"
#include "src/commands/collective_step.h"
#include "src/commands/command.h"
#include "src/config/config_cli.h"
#include "src/predict/predictor.h"

namespace pimscale {

namespace {

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
  report.final = none;
  report.predicted = true;
  report.prediction = p.detail;
  report.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  report.train_wall_seconds = report.wall_seconds;
  const nlohmann::json run = run_manifest(report);
  folder.write_csv("epochs.csv", epochs_csv_header(), csv);
  folder.write_json("run.json", run);
  folder.commit();
  print_summary(run, report.total);
  return 0;
}

class PredictCommand final : public Command {
 public:
  void add_flags(CLI::App& app) override {
    cli_.emplace(app, /*predicting=*/true);
    app.add_option("--servers", servers_, "servers to predict for (train: the MPI ranks)");
  }
  int run(Cluster* cluster) override {
    TrainConfig config;
    collective_step(*cluster, [&] { config = cli_->resolve(); });
    int rc = 0;
    on_root(*cluster, [&] { rc = run_predict(config, servers_); });
    return rc;
  }

 private:
  std::optional<TrainConfigCli> cli_;
  int64_t servers_ = 1;
};

}  // namespace

std::unique_ptr<Command> make_predict_command() { return std::make_unique<PredictCommand>(); }

}  // namespace pimscale
