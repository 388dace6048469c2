#include "src/train.h"

#include <fmt/core.h>
#include <openssl/evp.h>

#include <chrono>
#include <cmath>
#include <optional>

#include "io/dataset.h"
#include "io/run_folder.h"
#include "node/pim_server.h"
#include "pim_emul/fixed_point.h"
#include "src/collective_step.h"
#include "src/ga_sgd.h"
#include "src/metrics.h"
#include "src/presets.h"
#include "src/version.h"

namespace pimscale {

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// SHA-256 of the final model: the dataset's `features` int32 weights, then the int64 bias (little endian).
std::string model_sha256(const std::vector<int32_t>& w, uint64_t features, int64_t bias) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  EVP_DigestUpdate(ctx, w.data(), features * sizeof(int32_t));
  EVP_DigestUpdate(ctx, &bias, sizeof bias);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx, digest, &n);
  EVP_MD_CTX_free(ctx);
  std::string hex;
  for (unsigned int i = 0; i < n; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

// Features as the DPU stores them: uint32 scaled by 2^31, rows padded with zero features.
std::vector<uint32_t> to_q31_rows(const DenseRows& rows, uint64_t padded) {
  std::vector<uint32_t> q(rows.rows * padded, 0);
  for (uint64_t i = 0; i < rows.rows; ++i) {
    for (uint64_t j = 0; j < rows.features; ++j) q[i * padded + j] = fixed::feature_to_q31(rows.x[i * rows.features + j]);
  }
  return q;
}

struct EpochMetrics {
  double train_loss = 0, test_accuracy = 0, test_auc = 0;
};

// Collective. Loss over every server's training rows (exact integer sum of quantised losses), accuracy
// and AUC over the test rows (scores gathered on rank 0 in row order). Identical for any rank split.
EpochMetrics evaluate(Cluster& cluster, const PimServer& server, const std::vector<uint32_t>& test_x,
                      const std::vector<uint8_t>& test_y, const std::vector<int32_t>& w, int64_t bias) {
  const uint64_t n = server.layout().padded_features;
  const uint64_t train_rows = server.y().size();
  int64_t loss_q = 0;
  for (uint64_t i = 0; i < train_rows; ++i) {
    loss_q += quantised_loss(logistic_loss(linear_score(server.x().data() + i * n, w, bias), server.y()[i]));
  }
  std::vector<double> scores(test_y.size());
  int64_t correct = 0;
  for (uint64_t i = 0; i < test_y.size(); ++i) {
    scores[i] = linear_score(test_x.data() + i * n, w, bias);
    correct += (scores[i] >= 0 ? 1 : 0) == test_y[i];
  }
  EpochMetrics m;
  const int64_t total_train = cluster.sum(static_cast<int64_t>(train_rows));
  const int64_t total_test = cluster.sum(static_cast<int64_t>(test_y.size()));
  m.train_loss = static_cast<double>(cluster.sum(loss_q)) * kLossQuantum / static_cast<double>(total_train);
  m.test_accuracy = total_test ? static_cast<double>(cluster.sum(correct)) / static_cast<double>(total_test) : NAN;
  const std::vector<double> all_scores = cluster.gather_to_root(scores);
  const std::vector<int64_t> all_labels = cluster.gather_to_root(std::vector<int64_t>(test_y.begin(), test_y.end()));
  if (cluster.rank() == 0) {
    const std::vector<uint8_t> labels(all_labels.begin(), all_labels.end());
    m.test_auc = roc_auc(all_scores, labels);
  }
  return m;
}

std::string num(double v) { return std::isfinite(v) ? fmt::format("{:.9g}", v) : "nan"; }
nlohmann::json json_num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

nlohmann::json phases_json(const PhaseLedger& l) {
  nlohmann::json j;
  for (int p = 0; p < kPhaseCount; ++p) j[std::string(phase_name(static_cast<Phase>(p)))] = l.time[p].seconds();
  return j;
}

nlohmann::json picoseconds_json(const PhaseLedger& l) {
  nlohmann::json j;
  for (int p = 0; p < kPhaseCount; ++p) j[std::string(phase_name(static_cast<Phase>(p)))] = l.time[p].value;
  return j;
}

nlohmann::json bytes_json(const PhaseLedger& l) {
  nlohmann::json j;
  for (int p = 0; p < kPhaseCount; ++p) j[std::string(phase_name(static_cast<Phase>(p)))] = l.bytes[p];
  return j;
}

void print_summary(const nlohmann::json& run, const PhaseLedger& total) {
  const double t = total.total().seconds();
  fmt::print("\n{:<14}{:>16}{:>9}{:>18}\n", "phase", "emulated s", "share", "bytes");
  for (int p = 0; p < kPhaseCount; ++p) {
    const double s = total.time[p].seconds();
    fmt::print("{:<14}{:>16.9f}{:>8.1f}%{:>18}\n", phase_name(static_cast<Phase>(p)), s, t > 0 ? 100 * s / t : 0.0,
               total.bytes[p]);
  }
  fmt::print("{:<14}{:>16.9f}{:>8.1f}%\n", "total", t, 100.0);
  fmt::print("{:<14}{:>16.9f}   (not in total)\n", "startup", run["startup_seconds"].get<double>());
  const auto& f = run["final"];
  fmt::print("\nfinal: train loss {:.6f}, test accuracy {:.2f}%, test AUC {:.4f}\n", f["train_loss"].get<double>(),
             100 * f["test_accuracy"].get<double>(), f["test_auc"].is_null() ? NAN : f["test_auc"].get<double>());
  fmt::print("model sha256 {}\n", f["model_sha256"].get<std::string>());
  fmt::print("emulated {:.6f} s for {} epochs; wall {:.2f} s; results in {}\n", f["emulated_seconds"].get<double>(),
             run["config"]["epochs"].get<int64_t>(), f["wall_seconds"].get<double>(), run["out"].get<std::string>());
}

}  // namespace

int run_train(const TrainConfig& cfg, Cluster& cluster) {
  const auto wall_start = Clock::now();
  const bool root = cluster.rank() == 0;

  ServerPreset preset;
  NetworkSpec net;
  std::string network_file;
  collective_step(cluster, [&] {
    preset = load_server_preset(cfg.hardware);
    net = load_network_preset(cfg.network, &network_file);
  });
  const HardwareSpec& hw = preset.hardware;

  std::optional<Dataset> data;
  collective_step(cluster, [&] {
    data.emplace(Dataset::open(cfg.data, cluster.mpi_comm()));
    if (data->kind() != DataKind::kDense) {
      throw InputError("dataset '" + cfg.data + "' is sparse; this version trains dense data only "
                       "(make one with `pimscale data synth --kind dense`)");
    }
  });

  // Global sharding: DPU g = rank * D + d holds training rows [g * rpd, (g + 1) * rpd), so S servers x D
  // DPUs and 1 server x S*D DPUs run exactly the same kernels on exactly the same rows.
  const int64_t servers = cluster.size();
  const int64_t dpus = cfg.dpus_per_server;
  const uint64_t total_dpus = static_cast<uint64_t>(servers * dpus);
  const uint64_t train_rows = data->rows("train");
  DenseLayout layout;
  GaSgdSettings settings;
  uint64_t rounds = 0;
  collective_step(cluster, [&] {
    const uint64_t b = static_cast<uint64_t>(cfg.batch);
    if (b % total_dpus != 0) {
      throw InputError(fmt::format("GA-SGD: --batch {} is not a multiple of the {} DPUs ({} servers x {} DPUs), so "
                                   "the DPUs cannot share it evenly; use a power-of-two DPU count or a larger batch",
                                   b, total_dpus, servers, dpus));
    }
    settings = {b / total_dpus, fixed::log2_exact(b), static_cast<int>(cfg.lr_shift), static_cast<int>(cfg.reg_shift)};
    rounds = train_rows / total_dpus / settings.rows_per_dpu_batch;
    if (rounds == 0) {
      throw InputError(fmt::format("dataset '{}' has {} training rows, fewer than one batch of {}; use a smaller "
                                   "--batch or more rows", cfg.data, train_rows, b));
    }
    layout = {dpus, rounds * settings.rows_per_dpu_batch, data->features(),
              padded_feature_count(data->features(), hw.dpu)};
    check_dense_layout(layout, hw,
                       fmt::format("{} servers x {} DPUs, {} rows per DPU x {} features", servers, dpus,
                                   layout.rows_per_dpu, layout.features));
  });
  const uint64_t rows_used = layout.rows_per_dpu * total_dpus;
  if (root && rows_used < train_rows) {
    fmt::print("note: {} of {} training rows fit whole batches on {} DPUs; the last {} are not used\n", rows_used,
               train_rows, total_dpus, train_rows - rows_used);
  }

  // Each rank reads only its contiguous row range (collective hyperslab reads).
  const uint64_t test_rows = data->rows("test");
  const uint64_t test_first = test_rows * static_cast<uint64_t>(cluster.rank()) / static_cast<uint64_t>(servers);
  const uint64_t test_count = test_rows * static_cast<uint64_t>(cluster.rank() + 1) / static_cast<uint64_t>(servers) - test_first;
  DenseRows train = data->read_dense("train", static_cast<uint64_t>(cluster.rank()) * static_cast<uint64_t>(dpus) * layout.rows_per_dpu,
                                     static_cast<uint64_t>(dpus) * layout.rows_per_dpu);
  DenseRows test = data->read_dense("test", test_first, test_count);
  data.reset();
  collective_step(cluster, [&] {
    if (auto e = validate(train, cfg.data, "train")) throw InputError(*e);
    if (auto e = validate(test, cfg.data, "test")) throw InputError(*e);
  });

  const int threads = cfg.threads > 0 ? static_cast<int>(cfg.threads) : available_cores();
  PimServer server(hw, preset.host, layout, threads);
  server.load_dense(to_q31_rows(train, layout.padded_features), std::move(train.y));
  train = {};
  const std::vector<uint32_t> test_x = to_q31_rows(test, layout.padded_features);
  GaSgd ga(server, cluster, net, settings);

  std::optional<RunFolder> folder;
  collective_step(cluster, [&] {
    if (root) folder.emplace(cfg.out);
  });

  if (root) {
    fmt::print("pimscale train: {} {} on {} ({} train rows x {} features), {} servers x {} DPUs = {} DPUs, "
               "batch {} ({} per DPU), {} rounds/epoch, {} threads per rank\n",
               cfg.algorithm, cfg.model, cfg.data, rows_used, layout.features, servers, dpus, total_dpus, cfg.batch,
               settings.rows_per_dpu_batch, rounds, threads);
  }

  std::vector<std::string> header = {"epoch", "train_loss", "test_accuracy", "test_auc", "emulated_seconds",
                                     "wall_seconds", "emulated_seconds_total"};
  for (int p = 0; p < kPhaseCount; ++p) header.emplace_back(phase_name(static_cast<Phase>(p)));
  std::vector<std::vector<std::string>> csv;
  EpochMetrics m;
  double train_wall = 0;
  for (int64_t epoch = 1; epoch <= cfg.epochs; ++epoch) {
    const PhaseLedger before = server.ledger();
    const auto epoch_start = Clock::now();
    auto last_progress = Clock::now();
    for (uint64_t r = 0; r < rounds; ++r) {
      ga.round(r);
      if (root && since(last_progress) > 10.0) {  // long epochs: a line every 10 s of wall time
        fmt::print("epoch {}/{}: round {}/{}\n", epoch, cfg.epochs, r + 1, rounds);
        std::fflush(stdout);
        last_progress = Clock::now();
      }
    }
    const double wall = since(epoch_start);
    train_wall += wall;
    const PhaseLedger delta = server.ledger() - before;
    m = evaluate(cluster, server, test_x, test.y, ga.weights(), ga.bias());
    if (!root) continue;
    std::vector<std::string> row = {std::to_string(epoch), num(m.train_loss), num(m.test_accuracy), num(m.test_auc),
                                    num(delta.total().seconds()), num(wall), num(server.ledger().total().seconds())};
    for (int p = 0; p < kPhaseCount; ++p) row.push_back(num(delta.time[p].seconds()));
    csv.push_back(std::move(row));
    fmt::print("epoch {}/{}  train loss {:.6f}  test acc {:.2f}%  AUC {:.4f}  emulated {:.6f} s  wall {:.2f} s\n", epoch,
               cfg.epochs, m.train_loss, 100 * m.test_accuracy, m.test_auc, delta.total().seconds(), wall);
    std::fflush(stdout);
  }

  // Every server's ledger, for run.json's per-server breakdown.
  std::vector<int64_t> mine;
  for (const auto& t : server.ledger().time) mine.push_back(t.value);
  for (const auto& b : server.ledger().bytes) mine.push_back(static_cast<int64_t>(b));
  mine.push_back(server.startup().value);
  const std::vector<int64_t> all = cluster.gather_to_root(mine);
  const double wall_total = cluster.max(since(wall_start));
  if (!root) return 0;

  const PhaseLedger& total = server.ledger();
  nlohmann::json run;
  run["version"] = kVersion;
  run["git_revision"] = kGitRevision;
  run["config"] = to_json(cfg);
  run["config"]["threads"] = threads;
  run["ranks"] = servers;
  run["servers_count"] = servers;
  run["dpus_per_server"] = dpus;
  run["total_dpus"] = total_dpus;
  run["out"] = cfg.out;
  run["hardware"] = describe(hw, preset.host);
  run["hardware"]["file"] = preset.file;
  run["network"] = describe(net);
  run["network"]["file"] = network_file;
  run["dataset"] = {{"path", cfg.data},
                    {"kind", "dense"},
                    {"features", layout.features},
                    {"padded_features", layout.padded_features},
                    {"train_rows", train_rows},
                    {"train_rows_used", rows_used},
                    {"test_rows", test_rows},
                    {"rows_per_dpu", layout.rows_per_dpu}};
  run["rounds_per_epoch"] = rounds;
  run["rows_per_dpu_batch"] = settings.rows_per_dpu_batch;
  run["deterministic"] = true;
  run["emulated_time_model"] = "v1: counted DPU events x preset costs, PrIM-style transfer model, host streaming "
                               "model, ring all-reduce (alpha-beta-gamma); see README, section Emulated time";
  run["startup_seconds"] = server.startup().seconds();
  run["phases"] = phases_json(total);
  run["phases_picoseconds"] = picoseconds_json(total);  // exact: they sum to final.emulated_picoseconds
  run["bytes"] = bytes_json(total);
  run["final"] = {{"train_loss", json_num(m.train_loss)},
                  {"test_accuracy", json_num(m.test_accuracy)},
                  {"test_auc", json_num(m.test_auc)},
                  {"model_sha256", model_sha256(ga.weights(), layout.features, ga.bias())},
                  {"emulated_seconds", total.total().seconds()},
                  {"emulated_picoseconds", total.total().value},
                  {"train_wall_seconds", train_wall},
                  {"wall_seconds", wall_total}};
  nlohmann::json per_server = nlohmann::json::array();
  const size_t stride = 2 * kPhaseCount + 1;
  for (int64_t s = 0; s < servers; ++s) {
    PhaseLedger l;
    for (int p = 0; p < kPhaseCount; ++p) {
      l.time[p] = {all[s * stride + p]};
      l.bytes[p] = static_cast<uint64_t>(all[s * stride + kPhaseCount + p]);
    }
    per_server.push_back({{"rank", s},
                          {"phases", phases_json(l)},
                          {"bytes", bytes_json(l)},
                          {"startup_seconds", Picoseconds{all[s * stride + 2 * kPhaseCount]}.seconds()}});
  }
  run["servers"] = per_server;

  folder->write_csv("epochs.csv", header, csv);
  folder->write_json("run.json", run);
  folder->commit();
  print_summary(run, total);
  return 0;
}

}  // namespace pimscale
