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
#include "src/devices/cpu_model.h"
#include "src/devices/cpu_trainer.h"
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

// --device cpu: the CPU model (src/devices/cpu_model.h) on the CPU preset --hardware; the workers
// stand where the DPUs stand in the setup, as in `train --device cpu`.
int run_predict_cpu(const TrainConfig& given, int64_t servers, int64_t servers_per_machine) {
  const auto wall_start = std::chrono::steady_clock::now();
  if (servers < 1 || servers > kMaxServers) {
    throw InputError("predict: --servers " + std::to_string(servers) + " must be in [1, " +
                     std::to_string(kMaxServers) + "]");
  }
  if (servers_per_machine < 1 || servers_per_machine > servers) {
    throw InputError("predict: --servers-per-machine " + std::to_string(servers_per_machine) +
                     " must be in [1, --servers]");
  }
  if (given.hardware.empty()) {
    throw InputError(
        "predict --device cpu needs --hardware CPU_PRESET: a CPU server's preset, e.g. this "
        "host's cpu.toml from `pimscale microbench --device cpu`");
  }
  const CpuSpec cpu = load_cpu_preset(given.hardware);
  TrainConfig cfg = given;
  cfg.hardware = TrainConfig{}.hardware;  // the setup's layout; the CPU pads nothing of its own
  const int64_t threads = given.threads > 0 ? given.threads : cpu.cores;
  cfg.dpus_per_server = given.workers_per_server > 0 ? given.workers_per_server : threads;
  const Workload w = load_workload(cfg);
  DataShape shape{w.name, w.stats.sparse, w.stats.features, w.stats.rows, w.test_rows, 0};
  if (w.synthetic) {
    shape = synthetic_shape(cfg, servers);
  } else {
    limit_rows(shape, cfg, servers);
  }
  const ServerPreset pim = load_server_preset(cfg.hardware);
  RunSetup setup;
  try {
    setup = make_setup(cfg, shape, pim.hardware, std::vector<int64_t>(servers, 1), 0);
  } catch (const InputError& e) {
    throw InputError(in_workers(e.what()));
  }
  std::string network_file;
  const NetworkSpec net = network_of(cfg, &network_file);
  if (net.measured) {
    throw InputError(
        "predict: --network measured has no model to predict with; use a preset, or one fitted "
        "by `pimscale netbench`");
  }
  const CpuWork work{threads, servers_per_machine, w.stats.sparse ? w.stats.nnz.mean() : 0.0,
                     cfg.model == ModelKind::kSvm ? cfg.svm_active_fraction : 1.0,
                     w.stats.top1pct_share};
  PhaseLedger epoch;
  const PhaseLedger round = cpu_round_time(setup, cpu, work, net);
  for (int p = 0; p < kPhaseCount; ++p) {
    epoch.time[p] = {round.time[p].value * static_cast<int64_t>(setup.rounds)};
    epoch.bytes[p] = round.bytes[p] * setup.rounds;
  }
  RunFolder folder(cfg.out, cfg.force);
  fmt::print(
      "pimscale predict --device cpu: {} {} (float32) on {} ({} {} rows x {} features), {} "
      "servers x {} workers on '{}', batch {} ({} rows per worker step), {} rounds/epoch\n",
      name_of(cfg.algorithm), name_of(cfg.model), w.name, setup.rows_used(),
      setup.sparse ? "sparse" : "dense", setup.layout.features, servers, setup.dpus, cpu.name,
      cfg.batch, setup.settings.rows_per_dpu_step, setup.rounds);
  std::vector<std::vector<std::string>> csv;
  Picoseconds total;
  PhaseLedger all;
  const EpochMetrics none;
  for (int64_t e = 1; e <= cfg.epochs; ++e) {
    total += epoch.total();
    for (int p = 0; p < kPhaseCount; ++p)
      all.add(static_cast<Phase>(p), epoch.time[p], epoch.bytes[p]);
    csv.push_back(epochs_csv_row(e, none, epoch, 0, total, 0));
  }
  RunReport report;
  report.device = Device::kCpu;
  report.cpu = &cpu;
  report.data_name = w.name;
  report.cfg = &given;
  report.threads = threads;
  report.setup = &setup;
  report.preset = &pim;
  report.net = &net;
  report.network_file = network_file;
  report.allreduce_bytes = cpu_allreduce_bytes(setup);
  report.total = all;
  for (int64_t s = 0; s < servers; ++s) {
    ServerReport& v = report.servers.emplace_back();
    v.hardware = cpu.name;
    v.rows_per_dpu = setup.layout.rows_per_dpu;
    v.ledger = all;
  }
  report.prediction = cpu_model_detail(setup, cpu, work);
  report.prediction["steady_epoch_seconds"] = epoch.total().seconds();
  report.prediction["round_seconds"] = round.total().seconds();
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
  }
  int run(Cluster* cluster) override {
    TrainConfig config;
    collective_step(*cluster, [&] { config = cli_->resolve(); });
    int rc = 0;
    on_root(*cluster, [&] {
      rc = config.device == Device::kCpu ? run_predict_cpu(config, servers_, servers_per_machine_)
                                         : run_predict(config, servers_);
    });
    return rc;
  }

 private:
  std::optional<TrainConfigCli> cli_;
  int64_t servers_ = 1;
  int64_t servers_per_machine_ = 1;
};

}  // namespace

std::unique_ptr<Command> make_predict_command() { return std::make_unique<PredictCommand>(); }

}  // namespace pimscale
