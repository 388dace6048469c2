#include "src/report/run_report.h"

#include <fmt/core.h>

#include <cmath>

#include "comm/collective_cost.h"
#include "src/version.h"

namespace pimscale {

namespace {

// The run's all-reduce: the algorithm asked for, the one it resolves to for this message and server
// count, and one all-reduce's modelled time.
nlohmann::json allreduce_json(const NetworkSpec& net, uint64_t bytes, int64_t servers) {
  nlohmann::json j = {{"requested", algorithm_name(net.allreduce)}, {"message_bytes", bytes}};
  if (net.measured || servers <= 1) {
    j["algorithm"] = nullptr;  // measured, or no network with one server
    return j;
  }
  j["algorithm"] = algorithm_name(resolve_allreduce(net.allreduce, bytes, servers, net));
  j["seconds"] = allreduce_time(bytes, servers, net).seconds();
  return j;
}

std::string num(double v) { return std::isfinite(v) ? fmt::format("{:.9g}", v) : "nan"; }
nlohmann::json json_num(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

template <class F>
nlohmann::json per_phase(F&& value) {
  nlohmann::json j;
  for (int p = 0; p < kPhaseCount; ++p)
    j[std::string(phase_name(static_cast<Phase>(p)))] = value(p);
  return j;
}
nlohmann::json phases_json(const PhaseLedger& l) {
  return per_phase([&](int p) { return l.time[p].seconds(); });
}
nlohmann::json picoseconds_json(const PhaseLedger& l) {
  return per_phase([&](int p) { return l.time[p].value; });
}
nlohmann::json bytes_json(const PhaseLedger& l) {
  return per_phase([&](int p) { return l.bytes[p]; });
}

// SVM: the share of rows whose gradient the DPUs computed (inside the margin): measured by a run,
// assumed by dry accounting and predict (then 1, every row, makes the time an upper bound).
nlohmann::json svm_active_json(const RunReport& r) {
  if (r.cfg->model != ModelKind::kSvm) return nullptr;
  const bool measured = !r.predicted && !r.cfg->count_only;
  nlohmann::json j;
  if (measured) {
    j["fraction"] =
        r.rows_run ? static_cast<double>(r.rows_active) / static_cast<double>(r.rows_run) : 0.0;
    j["source"] = "measured: the rows inside the margin in every launch of every DPU";
  } else {
    j["fraction"] = r.cfg->svm_active_fraction;
    j["source"] = "assumed: --svm-active-fraction (no kernel ran)";
  }
  if (!r.predicted) {
    j["rows"] = r.rows_run;
    j["active_rows"] = r.rows_active;
  }
  j["upper_bound"] = !measured && r.cfg->svm_active_fraction == 1.0;
  return j;
}

}  // namespace

nlohmann::json run_manifest(const RunReport& r) {
  const TrainConfig& cfg = *r.cfg;
  const RunSetup& setup = *r.setup;
  nlohmann::json run;
  run["version"] = kVersion;
  run["git_revision"] = kGitRevision;
  run["config"] = to_json(cfg);
  run["config"]["threads"] = r.threads;
  run["ranks"] = setup.servers;
  run["dpus_per_server"] = setup.dpus;
  run["total_dpus"] = setup.total_dpus;
  run["out"] = cfg.out;
  run["hardware"] = describe(r.preset->hardware, r.preset->host);
  run["hardware"]["file"] = r.preset->file;
  const bool workers = r.device != Device::kPim;  // a CPU or GPU server: workers in the DPUs' place
  run["device"] = name_of(r.device);
  run["timing"] = r.predicted ? "predicted" : workers ? "measured" : "emulated";
  const bool measured_cpu = workers && !r.predicted;
  if (workers) {
    // The workers stand where the DPUs stand in the setup; no PIM hardware, no network model.
    run["dpus_per_server"] = 0;
    run["total_dpus"] = 0;
    run["workers_per_server"] = setup.dpus;
    run["total_workers"] = setup.total_dpus;
    run["hardware"] = r.gpu   ? describe(*r.gpu)
                      : r.cpu ? describe(*r.cpu)
                              : nlohmann::json{{"name", "this host"},
                                               {"threads_per_rank", r.threads},
                                               {"note",
                                                "float32 on the host's cores; phases are "
                                                "measured wall seconds"}};
  }
  if (measured_cpu) {
    run["network"] = {{"name", "measured"},
                      {"note",
                       "wait: this rank's MPI_Barrier before each all-reduce; network: the "
                       "MPI_Allreduce itself (rank 0's wall time)"}};
  } else if (r.net->measured) {
    run["network"] = {
        {"name", "measured"},
        {"note", "inter-server time is the slowest rank's wall time of the real MPI all-reduce"}};
  } else {
    run["network"] = describe(*r.net);
    run["network"]["file"] = r.network_file;
  }
  // Every round's one all-reduce: the sums of (weights + 1) wide entries; ADMM's of w and u
  // together.
  run["network"]["allreduce"] = measured_cpu
                                    ? nlohmann::json{{"requested", "MPI_Allreduce"},
                                                     {"message_bytes", r.allreduce_bytes},
                                                     {"algorithm", nullptr}}
                                    : allreduce_json(*r.net, r.allreduce_bytes, setup.servers);
  run["dataset"] = {{"path", r.data_name},
                    {"kind", setup.sparse ? "sparse" : "dense"},
                    {"features", setup.layout.features},
                    {"model_weights", setup.layout.weights},
                    {"train_rows", setup.train_rows},
                    {"train_rows_used", setup.rows_used()},
                    {"test_rows", setup.test_rows},
                    {"rows_per_dpu", setup.layout.rows_per_dpu}};
  const footprint::WordSizes words = word_sizes(cfg.numerics);
  run["model_bytes"] = footprint::model_bytes(setup.sparse, setup.layout.weights, words);
  run["gradient_bytes"] = footprint::gradient_bytes(setup.sparse, setup.layout.weights, words);
  run["rounds_per_epoch"] = setup.rounds;
  run["rows_per_dpu_step"] = setup.settings.rows_per_dpu_step;
  run["deterministic"] = !measured_cpu && !r.net->measured;
  run["emulated_time_model"] =
      r.device == Device::kGpu ? "GPU model (src/devices/gpu_model.h): see prediction.method"
      : workers && r.predicted ? "CPU model (src/devices/cpu_model.h): see prediction.method"
      : workers
          ? "none: measured wall seconds of this host's training rounds (metrics excluded); "
            "host_compute: the workers' kernels and the update, host_reduce: summing the "
            "workers, wait and network: the MPI barrier and all-reduce"
          : "v3: counted DPU events x preset costs (revolver pipeline, serial tasklet-0 part, "
            "barriers, shared DMA engine hidden behind compute by dma_overlap; an SVM row's "
            "gradient "
            "part only for rows inside the margin), PrIM-style transfer model, host streaming "
            "model, "
            "all-reduce by the network preset's algorithm and topology (or measured); see README, "
            "Emulated time and Networks";
  run["svm_active"] = svm_active_json(r);
  run["warnings"] = range_warnings(setup, cfg);
  run["count_only"] = cfg.count_only;
  run["predicted"] = r.predicted;
  if (r.predicted) run["prediction"] = r.prediction;
  run["startup_seconds"] = r.startup.total().seconds();
  nlohmann::json startup, startup_bytes;
  for (int i = 0; i < kStartupStepCount; ++i) {
    const std::string name(startup_step_name(static_cast<StartupStep>(i)));
    startup[name] = r.startup.time[i].seconds();
    startup_bytes[name] = r.startup.bytes[i];
  }
  run["startup"] = startup;  // rank 0's; servers[] has each server's total
  run["startup_bytes"] = startup_bytes;
  run["phases"] = phases_json(r.total);
  run["phases_picoseconds"] =
      picoseconds_json(r.total);  // exact: they sum to final.emulated_picoseconds
  run["bytes"] = bytes_json(r.total);
  const EpochMetrics& m = r.final;
  run["final"] = {
      {"train_loss", json_num(m.train_loss)},
      {"objective", json_num(m.objective)},
      {"test_accuracy", json_num(m.test_accuracy)},
      {"test_auc", json_num(m.test_auc)},
      {"model_sha256", r.model_sha256 ? nlohmann::json(*r.model_sha256) : nlohmann::json(nullptr)},
      {"model", r.model},
      {"emulated_seconds", r.total.total().seconds()},
      {"emulated_picoseconds", r.total.total().value},
      {"load_wall_seconds", r.load_wall_seconds},
      {"train_wall_seconds", r.train_wall_seconds},
      {"metrics_wall_seconds", r.metrics_wall_seconds},
      {"checkpoint_wall_seconds", r.checkpoint_wall_seconds},
      {"wall_seconds", r.wall_seconds},
      {"peak_rss_mib", r.peak_rss_mib}};
  run["resumed_from_epoch"] =
      r.resumed_from_epoch > 0 ? nlohmann::json(r.resumed_from_epoch) : nlohmann::json(nullptr);
  nlohmann::json per_server = nlohmann::json::array();
  for (size_t s = 0; s < r.servers.size(); ++s) {
    const ServerReport& v = r.servers[s];
    per_server.push_back({{"rank", s},
                          {"hardware", v.hardware},
                          {"share", v.share},
                          {"rows_per_dpu", v.rows_per_dpu},
                          {"phases", phases_json(v.ledger)},
                          {"phases_picoseconds", picoseconds_json(v.ledger)},
                          {"bytes", bytes_json(v.ledger)},
                          {"startup_seconds", v.startup.seconds()},
                          {"startup_wait_seconds", v.startup_wait.seconds()}});
  }
  run["servers"] = per_server;
  return run;
}

std::vector<std::string> epochs_csv_header() {
  std::vector<std::string> header = {
      "epoch",    "train_loss",       "objective",    "test_accuracy",
      "test_auc", "emulated_seconds", "wall_seconds", "emulated_seconds_total"};
  for (int p = 0; p < kPhaseCount; ++p) header.emplace_back(phase_name(static_cast<Phase>(p)));
  for (int p = 0; p < kPhaseCount; ++p)
    header.push_back("bytes_" + std::string(phase_name(static_cast<Phase>(p))));
  header.emplace_back("metric_train_rows");
  header.emplace_back("metric_test_rows");
  header.emplace_back("metrics_wall_seconds");
  return header;
}

std::vector<std::string> epochs_csv_row(int64_t epoch, const EpochMetrics& m,
                                        const PhaseLedger& delta, double wall,
                                        Picoseconds emulated_total, double metrics_wall) {
  std::vector<std::string> row = {std::to_string(epoch),
                                  num(m.train_loss),
                                  num(m.objective),
                                  num(m.test_accuracy),
                                  num(m.test_auc),
                                  num(delta.total().seconds()),
                                  num(wall),
                                  num(emulated_total.seconds())};
  for (int p = 0; p < kPhaseCount; ++p) row.push_back(num(delta.time[p].seconds()));
  for (int p = 0; p < kPhaseCount; ++p) row.push_back(std::to_string(delta.bytes[p]));
  row.push_back(std::to_string(m.train_rows));
  row.push_back(std::to_string(m.test_rows));
  row.push_back(num(metrics_wall));
  return row;
}

void print_summary(const nlohmann::json& run, const PhaseLedger& total) {
  const double t = total.total().seconds();
  // A CPU run's seconds are measured (wall), a PIM run's emulated.
  const std::string clock = run.value("timing", "emulated");
  fmt::print("\n{:<14}{:>16}{:>9}{:>18}\n", "phase", clock + " s", "share", "bytes");
  for (int p = 0; p < kPhaseCount; ++p) {
    const double s = total.time[p].seconds();
    fmt::print("{:<14}{:>16.9f}{:>8.1f}%{:>18}\n", phase_name(static_cast<Phase>(p)), s,
               t > 0 ? 100 * s / t : 0.0, total.bytes[p]);
  }
  fmt::print("{:<14}{:>16.9f}{:>8.1f}%\n", "total", t, 100.0);
  fmt::print("{:<14}{:>16.9f}   (not in total:", "startup", run["startup_seconds"].get<double>());
  for (int i = 0; i < kStartupStepCount; ++i) {
    const std::string step(startup_step_name(static_cast<StartupStep>(i)));
    fmt::print(" {} {:.6f}", step, run["startup"][step].get<double>());
  }
  fmt::print(")\n");
  const auto& f = run["final"];
  const int64_t epochs = run["config"]["epochs"].get<int64_t>();
  const double emulated = f["emulated_seconds"].get<double>();
  if (run["predicted"].get<bool>()) {
    fmt::print("\npredicted: {} rounds per epoch; nothing run (no model, no metrics)\n",
               run["rounds_per_epoch"].get<uint64_t>());
    fmt::print(
        "predicted {:.6f} s for {} epochs ({:.6f} s per epoch after the first); wall {:.3f} s; "
        "results in {}\n",
        emulated, epochs, run["prediction"]["steady_epoch_seconds"].get<double>(),
        f["wall_seconds"].get<double>(), run["out"].get<std::string>());
    return;
  }
  if (run["count_only"].get<bool>()) {
    fmt::print("\ncount-only: {} rounds per epoch; nothing trained (no model, no metrics)\n",
               run["rounds_per_epoch"].get<uint64_t>());
    fmt::print("emulated {:.6f} s for {} epochs; wall {:.2f} s; results in {}\n", emulated, epochs,
               f["wall_seconds"].get<double>(), run["out"].get<std::string>());
    return;
  }
  auto get = [](const nlohmann::json& v) { return v.is_null() ? NAN : v.get<double>(); };
  fmt::print(
      "\nfinal: train loss {:.6f}, objective {:.6f}, test accuracy {:.2f}%, test AUC {:.4f}\n",
      get(f["train_loss"]), get(f["objective"]), 100 * get(f["test_accuracy"]), get(f["test_auc"]));
  const auto& model = f["model"];
  const uint64_t clipped = model["weights_at_q31_limit"].get<uint64_t>();
  const bool bias_clipped = model["bias_at_q31_limit"].get<bool>();
  std::string at_limit;  // which parts of the model reached Q1.31's bound
  if (clipped > 0) at_limit = fmt::format("{} weight{}", clipped, clipped == 1 ? "" : "s");
  if (bias_clipped) at_limit += at_limit.empty() ? "the bias" : " and the bias";
  if (!at_limit.empty()) {
    at_limit = fmt::format(
        " ({} at Q1.31's limit of 1: {})", at_limit,
        enum_named<Numerics>(run["config"]["numerics"].get<std::string>()) == Numerics::kFloat
            ? "outside what fixed point can hold"
            : "clipped; compare --numerics float");
  }
  fmt::print("model: max |w| {:.6f}, bias {:.6f}{}\n", model["max_abs_weight"].get<double>(),
             model["bias"].get<double>(), at_limit);
  fmt::print("model sha256 {}\n", f["model_sha256"].get<std::string>());
  fmt::print("{} {:.6f} s for {} epochs; wall {:.2f} s; results in {}\n", clock, emulated, epochs,
             f["wall_seconds"].get<double>(), run["out"].get<std::string>());
}

}  // namespace pimscale
