// `pimscale train`: loads presets and the rank's shard, trains, evaluates each epoch and writes the
// run folder. Collective: every rank runs it.

#include <fmt/core.h>
#include <openssl/evp.h>

#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <numeric>
#include <optional>

#include "comm/collective_cost.h"
#include "io/dataset.h"
#include "io/run_folder.h"
#include "io/trace.h"
#include "node/pim_server.h"
#include "pim_emul/fixed_point.h"
#include "src/algorithms/run_setup.h"
#include "src/algorithms/trainer.h"
#include "src/base/fault.h"
#include "src/base/progress.h"
#include "src/commands/collective_step.h"
#include "src/commands/command.h"
#include "src/commands/train_checkpoint.h"
#include "src/config/config_cli.h"
#include "src/config/presets.h"
#include "src/devices/cpu_model.h"
#include "src/devices/cpu_trainer.h"
#include "src/report/metrics.h"
#include "src/report/run_report.h"
#include "src/version.h"

namespace pimscale {

namespace {

using Clock = std::chrono::steady_clock;

// What a server is loaded with: rows (a run), or only their shape (count-only: sparse row offsets
// from a file, or one non-zero count for every row of a synthetic shape).
struct ServerInput {
  SparseRows train, test;  // sparse rows, read and checked
  // Dense rows are read straight into the DPUs' format once the arithmetic is known
  // (read_dense_shard): the file and each split's row range.
  const Dataset* dense = nullptr;
  uint64_t train_first = 0, train_count = 0, test_first = 0, test_count = 0;
  std::vector<uint64_t> offsets;
  uint64_t nnz_per_row = 0;
};

// validate(), and the sparse kernels' own rule: binary features only.
std::optional<std::string> check_rows(const SparseRows& r, const std::string& path,
                                      const std::string& split) {
  if (auto e = validate(r, path, split)) return e;
  for (uint64_t i = 0; i < r.rows; ++i) {
    for (uint64_t k = r.indptr[i]; k < r.indptr[i + 1] && !r.values.empty(); ++k) {
      if (r.values[k] != 1.0f) {
        return fmt::format(
            "dataset '{}': /{}/values row {} holds {}; the sparse kernels take binary features "
            "(drop /values, or convert with --dense)",
            path, split, r.first + i, r.values[k]);
      }
    }
  }
  return std::nullopt;
}

// Sparse rows as the DPUs store them (the CSR arrays, moved).
template <class Num>
ServerData<Num> to_server_data(SparseRows&& rows) {
  ServerData<Num> d;
  d.offsets = std::move(rows.indptr);
  d.indices = std::move(rows.indices);
  d.y = std::move(rows.y);
  return d;
}

// Collective. Dense rows [first, first + count) of `split` as the DPUs store them: features in the
// arithmetic's format, padded to `weights` with zeros. Read 16 MiB at a time, each chunk validated
// and converted as it arrives, so the rows are never held twice; every rank makes as many reads as
// the rank with the most rows. An invalid value on any rank stops every rank with its message.
template <class Num>
ServerData<Num> read_dense_shard(Cluster& cluster, const Dataset& data, const std::string& split,
                                 uint64_t first, uint64_t count, uint64_t weights) {
  ServerData<Num> d;
  d.x.resize(count * weights);
  d.y.resize(count);
  const uint64_t features = data.features();
  const uint64_t chunk_rows = dense_chunk_rows(features);
  const uint64_t most = static_cast<uint64_t>(cluster.max(static_cast<int64_t>(count)));
  const std::optional<std::string> error = data.read_dense_chunks(
      split, first, count, chunk_rows, (most + chunk_rows - 1) / chunk_rows,
      [&](const DenseRows& c) {
        const uint64_t r0 = c.first - first;
        for (uint64_t i = 0; i < c.rows; ++i) {
          const float* src = c.x.data() + i * features;
          typename Num::Feature* dst = d.x.data() + (r0 + i) * weights;
          for (uint64_t j = 0; j < features; ++j) dst[j] = Num::feature(src[j]);
          std::fill(dst + features, dst + weights, typename Num::Feature{0});  // x is unzeroed
        }
        std::copy(c.y.begin(), c.y.end(), d.y.begin() + static_cast<std::ptrdiff_t>(r0));
      });
  collective_step(cluster, [&] {
    if (error) throw InputError(*error);
  });
  return d;
}

// A feature in real units, Num::to_real's value: fixed point's x <= 2^31 goes through int32 (x -
// 2^30, exact) so the conversion vectorises.
template <class Num>
double feature_real(typename Num::Feature x) {
  if constexpr (Num::kFloat) {
    return static_cast<double>(x);
  } else {
    constexpr double kHalf = 0x1.0p30, kScale = 0x1.0p-31;
    return (static_cast<double>(static_cast<int32_t>(x - (uint32_t{1} << 30))) + kHalf) * kScale;
  }
}

// z of rows first, first + stride, ... (count of them) in real units (host-side, not timed), into
// z[0..count): per row z = sum_j x_j w_j in feature order, then + bias (sparse: the row's weights,
// then the bias weight), in double. `wr`: the weights in real units. Dense rows go eight at a time,
// each with its own sum in its own order (the same value as one at a time), so the additions'
// latency overlaps.
template <class Num>
void scores(const ServerData<Num>& d, uint64_t first, uint64_t count, uint64_t stride,
            uint64_t weights, std::span<const double> wr, double bias, uint64_t bias_index,
            double* z) {
  if (!d.offsets.empty()) {
    for (uint64_t i = 0; i < count; ++i) {
      const uint64_t row = first + i * stride;
      double s = 0;
      for (uint64_t k = d.offsets[row]; k < d.offsets[row + 1]; ++k) s += wr[d.indices[k]];
      z[i] = s + wr[bias_index];
    }
    return;
  }
  constexpr uint64_t kRows = 8, kCols = 4;
  const uint64_t row_step = stride * weights;  // between one row's features and the next's
  uint64_t i = 0;
  for (; i + kRows <= count; i += kRows) {
    const typename Num::Feature* x = d.x.data() + (first + i * stride) * weights;
    double s[kRows] = {};
    uint64_t j = 0;
    for (; j + kCols <= weights; j += kCols) {
      double v[kCols][kRows];
      for (uint64_t r = 0; r < kRows; ++r) {
        for (uint64_t c = 0; c < kCols; ++c) v[c][r] = feature_real<Num>(x[r * row_step + j + c]);
      }
      for (uint64_t c = 0; c < kCols; ++c) {
        for (uint64_t r = 0; r < kRows; ++r) s[r] += v[c][r] * wr[j + c];
      }
    }
    for (; j < weights; ++j) {
      for (uint64_t r = 0; r < kRows; ++r) s[r] += feature_real<Num>(x[r * row_step + j]) * wr[j];
    }
    for (uint64_t r = 0; r < kRows; ++r) z[i + r] = s[r] + bias;
  }
  for (; i < count; ++i) {
    const typename Num::Feature* x = d.x.data() + (first + i * stride) * weights;
    double s = 0;
    for (uint64_t j = 0; j < weights; ++j) s += feature_real<Num>(x[j]) * wr[j];
    z[i] = s + bias;
  }
}

// Which training rows the loss is computed on: those whose index in the training split is a
// multiple of `stride`; this server's first row has index `first_row`.
struct LossRows {
  uint64_t first_row = 0, stride = 1;
};

// Collective (sparse rows: their non-zeros are summed): the rows of --eval-rows for this server's
// training rows `d`, whose first is row `first_row` of the split.
template <class Num>
LossRows loss_rows(Cluster& cluster, const RunSetup& p, const TrainConfig& cfg,
                   const ServerData<Num>& d, uint64_t first_row) {
  const uint64_t rows = p.rows_used();
  const uint64_t values =
      d.offsets.empty()
          ? rows * p.layout.features
          : static_cast<uint64_t>(cluster.sum(static_cast<int64_t>(d.offsets.back())));
  return {first_row, loss_stride(rows, values, !d.offsets.empty(), cfg.eval_rows)};
}

// Collective. Loss over the training rows of `rows` on every server (exact integer sum of
// quantised losses), accuracy and AUC over all test rows (scores gathered on rank 0 in row order).
// Identical for any rank split. `wr` receives the model in reals (kept by the caller from one
// epoch to the next: a sparse model's 8 MB are not paged in again).
template <class Num>
EpochMetrics evaluate(Cluster& cluster, const RunSetup& p, const ServerData<Num>& train,
                      const ServerData<Num>& test, std::span<const typename Num::Weight> w,
                      typename Num::Wide bias, LossRows rows, std::vector<double>& wr) {
  const bool lr = p.kernel.model == ModelKind::kLr;
  const uint64_t n = p.layout.weights, bias_index = p.layout.features;
  wr.resize(w.size());
  for (size_t j = 0; j < w.size(); ++j) wr[j] = Num::to_real(w[j]);
  const double bias_real = Num::to_real(bias);
  int64_t loss_q = 0;
  constexpr uint64_t kBlock = 4096;
  std::vector<double> z(kBlock);
  const uint64_t stride = rows.stride, local = train.y.size();
  const uint64_t start = (stride - rows.first_row % stride) % stride;  // this server's first one
  const uint64_t sampled = start < local ? (local - 1 - start) / stride + 1 : 0;
  for (uint64_t done = 0; done < sampled; done += kBlock) {
    const uint64_t count = std::min<uint64_t>(kBlock, sampled - done);
    const uint64_t first = start + done * stride;
    scores<Num>(train, first, count, stride, n, wr, bias_real, bias_index, z.data());
    for (uint64_t i = 0; i < count; ++i) {
      const uint8_t y = train.y[first + i * stride];
      loss_q += quantised_loss(lr ? logistic_loss(z[i], y) : hinge_loss(z[i], y));
    }
  }
  std::vector<double> test_scores(test.y.size());
  scores<Num>(test, 0, test.y.size(), 1, n, wr, bias_real, bias_index, test_scores.data());
  int64_t correct = 0;
  for (uint64_t i = 0; i < test.y.size(); ++i)
    correct += (test_scores[i] >= 0 ? 1 : 0) == test.y[i];
  EpochMetrics m;
  const int64_t total_train = cluster.sum(static_cast<int64_t>(sampled));
  const int64_t total_test = cluster.sum(static_cast<int64_t>(test.y.size()));
  m.train_rows = static_cast<uint64_t>(total_train);
  m.test_rows = static_cast<uint64_t>(total_test);
  m.train_loss =
      static_cast<double>(cluster.sum(loss_q)) * kLossQuantum / static_cast<double>(total_train);
  // Objective = loss + regulariser. GA/MA-SGD's decay w 2^-(lr+reg) is the gradient step of (2^-reg
  // / 2)||w||^2. ADMM's z = S_tau(...) with tau = lambda / (rho N), rho = 2^-reg: lambda = 2^(alpha
  // - 2 reg), on ||w||_1.
  m.objective =
      m.train_loss +
      p.algorithm->regulariser(std::span<const double>(wr).first(p.layout.features), p.settings);
  m.test_accuracy =
      total_test ? static_cast<double>(cluster.sum(correct)) / static_cast<double>(total_test)
                 : NAN;
  const std::vector<double> all_scores = cluster.gather_to_root(test_scores);
  const std::vector<int64_t> all_labels =
      cluster.gather_to_root(std::vector<int64_t>(test.y.begin(), test.y.end()));
  if (cluster.rank() == 0) {
    const std::vector<uint8_t> labels(all_labels.begin(), all_labels.end());
    m.test_auc = roc_auc(all_scores, labels);
  }
  return m;
}

// SHA-256 of the final model's bytes: the dataset's feature weights (sparse: and the bias weight),
// then the dense bias (fixed: int64), little endian.
template <class Num>
std::string model_sha256(std::span<const typename Num::Weight> w, uint64_t entries,
                         typename Num::Wide bias, bool with_bias) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  EVP_DigestUpdate(ctx, w.data(), entries * sizeof(typename Num::Weight));
  if (with_bias) EVP_DigestUpdate(ctx, &bias, sizeof bias);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, digest, &len);
  EVP_MD_CTX_free(ctx);
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

// The final model in real units: the feature weights, then the bias (sparse: the bias weight).
// Where it sits against Q1.31's range tells a user whether fixed point clipped it (fixed: entries
// at the saturation bound; float: entries that Q1.31 could not hold).
template <class Num>
std::vector<double> final_model(std::span<const typename Num::Weight> w, uint64_t features,
                                typename Num::Wide bias, bool sparse) {
  std::vector<double> model(features + 1);
  for (uint64_t j = 0; j < features; ++j) model[j] = Num::to_real(w[j]);
  model[features] = Num::to_real(sparse ? typename Num::Wide{w[features]} : bias);
  return model;
}

nlohmann::json model_summary(const std::vector<double>& model) {
  const double bound = fixed::q31_to_double(fixed::kQ31Max);
  uint64_t outside = 0;
  double largest = 0;
  for (size_t j = 0; j + 1 < model.size(); ++j) {
    outside += std::fabs(model[j]) >= bound;
    largest = std::max(largest, std::fabs(model[j]));
  }
  return {{"max_abs_weight", largest},
          {"weights_at_q31_limit", outside},
          {"bias", model.back()},
          {"bias_at_q31_limit", std::fabs(model.back()) >= bound}};
}

// Collective. Every server's timeline on rank 0, one track per server (empty unless `on`).
std::vector<std::vector<TraceSlice>> gather_timelines(Cluster& cluster,
                                                      const std::vector<TimelineSlice>& mine,
                                                      bool on) {
  std::vector<std::vector<TraceSlice>> tracks;
  if (!on) return tracks;
  constexpr size_t kFields = 5;
  std::vector<int64_t> flat;
  flat.reserve(mine.size() * kFields);
  for (const TimelineSlice& t : mine)
    flat.insert(flat.end(), {t.kind, t.start, t.duration, t.bytes, t.flow});
  const std::vector<int64_t> sizes =
      cluster.gather_to_root(std::vector<int64_t>{static_cast<int64_t>(mine.size())});
  const std::vector<int64_t> all = cluster.gather_to_root(flat);
  size_t at = 0;
  for (const int64_t n : sizes) {
    std::vector<TraceSlice>& track = tracks.emplace_back();
    for (int64_t i = 0; i < n; ++i, at += kFields) {
      track.push_back(
          {std::string(slice_name(all[at])), all[at + 1], all[at + 2], all[at + 3], all[at + 4]});
    }
  }
  return tracks;
}

struct RunContext {
  const std::string& data_name;
  const TrainConfig& cfg;  // --device cpu: with the workers as its DPUs (`given`: as given)
  Cluster& cluster;
  const ServerPreset& preset;
  const NetworkSpec& net;
  const std::string& network_file;
  const RunSetup& setup;
  Clock::time_point wall_start;
  const nlohmann::json* resume = nullptr;  // --resume: the checkpoint's meta.json (every rank)
  const TrainConfig* given = nullptr;
};

// The threads running this rank's DPUs: --threads, else every core the rank may use.
int threads_of(const TrainConfig& cfg) {
  return cfg.threads > 0 ? static_cast<int>(cfg.threads) : available_cores();
}

// Rank 0's record of the epochs so far: the epochs.csv rows and the wall seconds of the rounds and
// of the metrics (a resumed run starts from its checkpoint's).
struct EpochLog {
  std::vector<std::vector<std::string>> csv;
  double train_wall = 0, metrics_wall = 0;
};

// Collective. One epoch: its rounds (`round(r)`; rank 0 shows their progress: a line rewritten on a
// terminal, else a line every 10 s of wall time in long epochs), then the metrics when due (every
// --eval-every epochs and after the last; never with --count-only, which computes nothing), rank
// 0's epochs.csv row and its line. `ledger()` is the server's phase ledger; `clock` says what its
// seconds are (emulated, measured).
template <class Round, class Ledger, class Evaluate>
EpochMetrics run_epoch(int64_t epoch, const TrainConfig& cfg, uint64_t rounds, bool root,
                       Round round, Ledger ledger, Evaluate evaluate, std::string_view clock,
                       EpochLog& log) {
  const PhaseLedger before = ledger();
  const auto epoch_start = Clock::now();
  Progress progress(fmt::format("epoch {}/{}", epoch, cfg.epochs), rounds, "rounds", root);
  for (uint64_t r = 0; r < rounds; ++r) {
    round(r);
    progress.update(r + 1);
  }
  progress.finish();
  const double wall = seconds_since(epoch_start);
  log.train_wall += wall;
  const PhaseLedger delta = ledger() - before;
  const bool evaluated = !cfg.count_only && (epoch % cfg.eval_every == 0 || epoch == cfg.epochs);
  const auto metrics_start = Clock::now();
  const EpochMetrics m = evaluated ? evaluate() : EpochMetrics{};
  const double metrics_wall = seconds_since(metrics_start);
  log.metrics_wall += metrics_wall;
  if (!root) return m;
  log.csv.push_back(epochs_csv_row(epoch, m, delta, wall, ledger().total(), metrics_wall));
  if (evaluated || cfg.count_only) {
    fmt::print(
        "epoch {}/{}  train loss {:.6f}  test acc {:.2f}%  AUC {:.4f}  {} {:.6f} s  wall {:.2f} "
        "s\n",
        epoch, cfg.epochs, m.train_loss, 100 * m.test_accuracy, m.test_auc, clock,
        delta.total().seconds(), wall);
  } else {
    fmt::print("epoch {}/{}  (metrics every {} epochs)  {} {:.6f} s  wall {:.2f} s\n", epoch,
               cfg.epochs, cfg.eval_every, clock, delta.total().seconds(), wall);
  }
  std::fflush(stdout);
  return m;
}

// The trained model into the report (model_sha256 over the dataset's weights, the summary); returns
// it in real units for model.csv.
template <class Num>
std::vector<double> record_model(RunReport& report, const RunSetup& setup,
                                 std::span<const typename Num::Weight> w, typename Num::Wide bias) {
  const uint64_t hashed = setup.sparse ? setup.layout.features + 1 : setup.layout.features;
  report.model_sha256 = model_sha256<Num>(w, hashed, bias, !setup.sparse);
  std::vector<double> model = final_model<Num>(w, setup.layout.features, bias, setup.sparse);
  report.model = model_summary(model);
  return model;
}

// One server's ledger and start-up as integers, for gather_to_root; server_reports reads them back.
std::vector<int64_t> ledger_fields(const PhaseLedger& ledger, Picoseconds startup) {
  std::vector<int64_t> mine;
  for (const auto& t : ledger.time) mine.push_back(t.value);
  for (const auto& b : ledger.bytes) mine.push_back(static_cast<int64_t>(b));
  mine.push_back(startup.value);
  return mine;
}

// run.json's servers[] from every rank's ledger_fields (rank 0).
std::vector<ServerReport> server_reports(const std::vector<int64_t>& all, const TrainConfig& cfg,
                                         const RunSetup& setup, Picoseconds training_start) {
  std::vector<ServerReport> servers;
  const size_t stride = 2 * kPhaseCount + 1;
  for (int64_t s = 0; s < setup.servers; ++s) {
    ServerReport& v = servers.emplace_back();
    for (int p = 0; p < kPhaseCount; ++p) {
      v.ledger.time[p] = {all[s * stride + p]};
      v.ledger.bytes[p] = static_cast<uint64_t>(all[s * stride + kPhaseCount + p]);
    }
    v.hardware = cfg.device == Device::kCpu ? "this host" : hardware_of(cfg, s, setup.servers);
    v.share = setup.shares[static_cast<size_t>(s)];
    v.rows_per_dpu = setup.unit_rows_per_dpu * static_cast<uint64_t>(v.share);
    v.startup = {all[s * stride + 2 * kPhaseCount]};
    v.startup_wait = training_start - v.startup;
  }
  return servers;
}

int64_t peak_rss_kib_of_rank() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_maxrss);
}

// Rank 0: epochs.csv, run.json and model.csv (`model` empty: none) into the folder.
void write_results(RunFolder& folder, const nlohmann::json& run,
                   const std::vector<std::vector<std::string>>& csv,
                   const std::vector<double>& model) {
  folder.write_csv("epochs.csv", epochs_csv_header(), csv);
  folder.write_json("run.json", run);
  if (!model.empty()) {
    std::vector<std::vector<std::string>> rows;
    rows.reserve(model.size());
    for (size_t j = 0; j + 1 < model.size(); ++j)
      rows.push_back({std::to_string(j), fmt::format("{}", model[j])});
    rows.push_back({"bias", fmt::format("{}", model.back())});
    folder.write_csv("model.csv", {"index", "weight"}, rows);
  }
}

template <class Num>
int train_with(const RunContext& ctx, ServerInput&& input) {
  const TrainConfig& cfg = ctx.cfg;
  Cluster& cluster = ctx.cluster;
  const RunSetup& setup = ctx.setup;
  const bool root = cluster.rank() == 0;

  const int threads = threads_of(cfg);
  PimServer<Num> server(ctx.preset.hardware, ctx.preset.host, setup.layout,
                        setup.algorithm->dpu_models(), setup.kernel, threads,
                        cfg.count_only ? ServerMode::kCountOnly : ServerMode::kRun);
  if (!cfg.trace.empty()) server.record_timeline();
  ServerData<Num> test;
  if (cfg.count_only) {
    server.load_shape(std::move(input.offsets), input.nnz_per_row);
  } else if (input.dense) {
    server.load(read_dense_shard<Num>(cluster, *input.dense, "train", input.train_first,
                                      input.train_count, setup.layout.weights));
    test = read_dense_shard<Num>(cluster, *input.dense, "test", input.test_first, input.test_count,
                                 setup.layout.weights);
  } else {
    server.load(to_server_data<Num>(std::move(input.train)));
    test = to_server_data<Num>(std::move(input.test));
  }
  const LossRows loss = cfg.count_only
                            ? LossRows{}
                            : loss_rows(cluster, setup, cfg, server.data(), input.train_first);
  // Training starts on every server together, once the last has started up (uneven --shares load
  // unevenly).
  const Picoseconds training_start{cluster.max(server.startup().value)};
  server.start_training_at(training_start);
  Trainer<Num> trainer(*setup.algorithm, server, cluster, ctx.net, setup.settings);
  // Wall time from the start to here: presets, the dataset read, validated and converted into
  // shards.
  const double load_wall = cluster.max(seconds_since(ctx.wall_start));

  std::optional<RunFolder> folder;
  collective_step(cluster, [&] {
    if (root) folder.emplace(cfg.out, cfg.force, ctx.resume != nullptr);
    if (root && !cfg.trace.empty()) check_writable(cfg.trace);
  });
  // Checkpoints carry the CRC-32 of each rank's rows: a resumed run must load the same ones.
  const bool checkpointing = cfg.checkpoint_every > 0 || ctx.resume;
  const uint32_t crc = checkpointing ? rows_crc<Num>(server.data(), test) : 0;
  EpochLog log;
  double checkpoint_wall = 0;
  int64_t done = 0;  // epochs done before this process: the checkpoint's
  if (ctx.resume) {
    done = ctx.resume->at("epochs_done").get<int64_t>();
    std::vector<char> bytes;
    collective_step(cluster, [&] {
      bytes =
          cluster.scatter_bytes_in_turn([&](int r) { return folder->checkpoint().read_state(r); });
    });
    collective_step(cluster, [&] {
      StateArchive a = StateArchive::reader(
          std::move(bytes), fmt::format("the checkpoint's state of rank {} in '{}.partial'",
                                        cluster.rank(), cfg.out));
      state_header(a, cluster.rank(), cluster.size(), done, crc, cfg.data);
      trainer.state(a);
      a.finish();
    });
    if (root) {
      log.csv = ctx.resume->at("epochs_csv").get<std::vector<std::vector<std::string>>>();
      log.train_wall = ctx.resume->at("train_wall_seconds").get<double>();
      log.metrics_wall = ctx.resume->at("metrics_wall_seconds").get<double>();
      fmt::print("resuming {} from its checkpoint after epoch {} of {}\n", cfg.out, done,
                 cfg.epochs);
    }
  }
  if (root) {
    fmt::print(
        "pimscale train{}: {} {} ({} numerics) on {} ({} {} rows x {} features), {} servers x {} "
        "DPUs = {} DPUs, "
        "batch {} ({} rows per DPU step), {} rounds/epoch, {} threads per rank\n",
        cfg.count_only ? " --count-only" : "", name_of(cfg.algorithm), name_of(cfg.model),
        name_of(cfg.numerics), ctx.data_name, setup.rows_used(), setup.sparse ? "sparse" : "dense",
        setup.layout.features, setup.servers, setup.dpus, setup.total_dpus, cfg.batch,
        setup.settings.rows_per_dpu_step, setup.rounds, threads);
  }

  if (root) {
    for (const std::string& w : range_warnings(setup, cfg))
      fmt::print(stderr, "pimscale: warning: {}\n", w);
  }
  // evaluate's model in reals, kept from one epoch to the next and paged in here, not in the
  // first epoch's metrics.
  std::vector<double> model_real(cfg.count_only ? 0 : setup.layout.weights);
  EpochMetrics m;
  for (int64_t epoch = done + 1; epoch <= cfg.epochs; ++epoch) {
    m = run_epoch(
        epoch, cfg, setup.rounds, root,
        [&](uint64_t r) {
          trainer.round(r);
          if (r == setup.rounds / 2) kill_point(fmt::format("epoch{}", epoch), cluster.rank());
        },
        [&] { return server.ledger(); },
        [&] {
          return evaluate<Num>(cluster, setup, server.data(), test, trainer.weights(),
                               trainer.bias(), loss, model_real);
        },
        "emulated", log);
    if (cfg.checkpoint_every > 0 && epoch % cfg.checkpoint_every == 0 && epoch < cfg.epochs) {
      const auto checkpoint_start = Clock::now();
      StateArchive a = StateArchive::writer();
      state_header(a, cluster.rank(), cluster.size(), epoch, crc, cfg.data);
      trainer.state(a);
      std::optional<CheckpointFolder> checkpoint;
      on_root(cluster, [&] {
        checkpoint = folder->checkpoint();
        checkpoint->begin();
      });
      uint64_t bytes = 0;
      collective_step(cluster, [&] {
        cluster.gather_bytes_in_turn(std::move(a).release(), [&](int r, std::vector<char>&& state) {
          checkpoint->add_state(r, state);
          bytes += state.size();
        });
      });
      on_root(cluster, [&] {
        checkpoint->finish(
            checkpoint_meta(cfg, cluster.size(), epoch, log.csv, log.train_wall, log.metrics_wall));
        folder->keep_checkpoint();
        const double took = seconds_since(checkpoint_start);
        checkpoint_wall += took;
        fmt::print("checkpoint after epoch {}: {:.1f} MiB in {}.partial/checkpoint ({:.2f} s)\n",
                   epoch, static_cast<double>(bytes) / (1 << 20), cfg.out, took);
        std::fflush(stdout);
      });
    }
  }

  // Every server's ledger, for run.json's per-server breakdown.
  const std::vector<int64_t> all =
      cluster.gather_to_root(ledger_fields(server.ledger(), server.startup()));
  const std::vector<std::vector<TraceSlice>> tracks =
      gather_timelines(cluster, server.timeline(), !cfg.trace.empty());
  const double wall_total = cluster.max(seconds_since(ctx.wall_start));
  const int64_t rows_run = cluster.sum(static_cast<int64_t>(server.rows_run()));
  const int64_t rows_active = cluster.sum(static_cast<int64_t>(server.rows_active()));
  const int64_t peak_rss_kib = cluster.max(peak_rss_kib_of_rank());  // the largest rank
  if (!root) return 0;

  RunReport report;
  report.data_name = ctx.data_name;
  report.cfg = &cfg;
  report.threads = threads;
  report.setup = &setup;
  report.preset = &ctx.preset;
  report.net = &ctx.net;
  report.network_file = ctx.network_file;
  for (const RoundOp& op : trainer.recipe()) {
    if (op.kind == OpKind::kAllReduce) report.allreduce_bytes = op.bytes;
  }
  report.total = server.ledger();
  report.startup = server.startup_ledger();
  report.servers = server_reports(all, cfg, setup, training_start);
  report.final = m;
  report.rows_run = static_cast<uint64_t>(rows_run);
  report.rows_active = static_cast<uint64_t>(rows_active);
  std::vector<double> model;
  if (!cfg.count_only) model = record_model<Num>(report, setup, trainer.weights(), trainer.bias());
  report.train_wall_seconds = log.train_wall;
  report.load_wall_seconds = load_wall;
  report.metrics_wall_seconds = log.metrics_wall;
  report.checkpoint_wall_seconds = checkpoint_wall;
  report.resumed_from_epoch = done;
  report.wall_seconds = wall_total;
  report.peak_rss_mib = static_cast<double>(peak_rss_kib) / 1024.0;
  const nlohmann::json run = run_manifest(report);

  write_results(*folder, run, log.csv, cfg.save_model ? model : std::vector<double>{});
  if (!cfg.trace.empty()) {
    write_file_atomically(
        cfg.trace,
        chrome_trace(tracks, {{"config", run["config"]}, {"git_revision", kGitRevision}}).dump());
  }
  folder->commit();
  print_summary(run, report.total);
  return 0;
}

// One server's rows in float32, as the CPU workers read them (dense: padded like the DPUs').
ServerData<Float32> cpu_rows(Cluster& cluster, const RunSetup& setup, ServerInput& input,
                             bool train) {
  if (!input.dense) return to_server_data<Float32>(std::move(train ? input.train : input.test));
  return read_dense_shard<Float32>(
      cluster, *input.dense, train ? "train" : "test", train ? input.train_first : input.test_first,
      train ? input.train_count : input.test_count, setup.layout.weights);
}

// --device cpu: the measured CPU baseline. The same setup, metrics and run folder as a PIM run;
// the phases are this host's wall seconds (metrics excluded).
int train_cpu(const RunContext& ctx, ServerInput&& input) {
  const TrainConfig& cfg = ctx.cfg;
  Cluster& cluster = ctx.cluster;
  const RunSetup& setup = ctx.setup;
  const bool root = cluster.rank() == 0;
  const int threads = threads_of(cfg);
  const ServerData<Float32> train = cpu_rows(cluster, setup, input, true);
  const ServerData<Float32> test = cpu_rows(cluster, setup, input, false);
  // Threads beyond the cores a rank may use share them (mpirun binds each rank to one core by
  // default): the measured times then say little about the CPU.
  const int crowded = static_cast<int>(cluster.max(int64_t{threads > available_cores()}));
  if (root && crowded) {
    fmt::print(stderr,
               "pimscale: warning: --threads {} is more than the cores a rank may use here "
               "(mpirun binds each rank to a core by default), so the threads share cores; give "
               "each rank its cores (mpirun --bind-to none, or --map-by slot:PE={})\n",
               threads, threads);
  }
  CpuTrainer trainer(setup, train, threads, cluster);
  const LossRows loss = loss_rows(cluster, setup, cfg, train, input.train_first);
  const double load_wall = cluster.max(seconds_since(ctx.wall_start));
  std::optional<RunFolder> folder;
  collective_step(cluster, [&] {
    if (root) folder.emplace(cfg.out, cfg.force, false);
  });
  if (root) {
    fmt::print(
        "pimscale train --device cpu: {} {} (float32) on {} ({} {} rows x {} features), {} "
        "servers x {} workers = {} workers, batch {} ({} rows per worker step), {} rounds/epoch, "
        "{} threads per rank; times are measured wall seconds\n",
        name_of(cfg.algorithm), name_of(cfg.model), ctx.data_name, setup.rows_used(),
        setup.sparse ? "sparse" : "dense", setup.layout.features, setup.servers, setup.dpus,
        setup.total_dpus, cfg.batch, setup.settings.rows_per_dpu_step, setup.rounds, threads);
  }
  EpochLog log;
  // evaluate's model in reals, kept from one epoch to the next and paged in here, not in the
  // first epoch's metrics.
  std::vector<double> model_real(cfg.count_only ? 0 : setup.layout.weights);
  EpochMetrics m;
  for (int64_t epoch = 1; epoch <= cfg.epochs; ++epoch) {
    m = run_epoch(
        epoch, cfg, setup.rounds, root, [&](uint64_t r) { trainer.round(r); },
        [&] { return trainer.ledger(); },
        [&] {
          return evaluate<Float32>(cluster, setup, train, test, trainer.weights(), trainer.bias(),
                                   loss, model_real);
        },
        "measured", log);
  }
  const std::vector<int64_t> all = cluster.gather_to_root(ledger_fields(trainer.ledger(), {}));
  const double wall_total = cluster.max(seconds_since(ctx.wall_start));
  const int64_t rows_run = cluster.sum(static_cast<int64_t>(trainer.rows_run()));
  const int64_t rows_active = cluster.sum(static_cast<int64_t>(trainer.rows_active()));
  const int64_t peak_rss_kib = cluster.max(peak_rss_kib_of_rank());
  if (!root) return 0;

  RunReport report;
  report.device = Device::kCpu;
  report.data_name = ctx.data_name;
  report.cfg = ctx.given;
  report.threads = threads;
  report.setup = &setup;
  report.preset = &ctx.preset;
  report.net = &ctx.net;
  report.allreduce_bytes = cpu_allreduce_bytes(setup);
  report.total = trainer.ledger();
  report.servers = server_reports(all, cfg, setup, {});
  report.final = m;
  report.rows_run = static_cast<uint64_t>(rows_run);
  report.rows_active = static_cast<uint64_t>(rows_active);
  const std::vector<double> model =
      record_model<Float32>(report, setup, trainer.weights(), trainer.bias());
  report.train_wall_seconds = log.train_wall;
  report.load_wall_seconds = load_wall;
  report.metrics_wall_seconds = log.metrics_wall;
  report.wall_seconds = wall_total;
  report.peak_rss_mib = static_cast<double>(peak_rss_kib) / 1024.0;
  const nlohmann::json run = run_manifest(report);
  write_results(*folder, run, log.csv, cfg.save_model ? model : std::vector<double>{});
  folder->commit();
  print_summary(run, report.total);
  return 0;
}

int run_train(const TrainConfig& given, Cluster& cluster, const nlohmann::json* resume) {
  const auto wall_start = Clock::now();
  const bool root = cluster.rank() == 0;
  // --device cpu: the server's workers take the DPUs' place in the setup (rows per step, rounds).
  const bool cpu = given.device == Device::kCpu;
  TrainConfig device_cfg = given;
  if (cpu) {
    device_cfg.dpus_per_server =
        given.workers_per_server > 0 ? given.workers_per_server : threads_of(given);
  }
  const TrainConfig& cfg = device_cfg;

  ServerPreset preset;
  NetworkSpec net;
  std::string network_file;
  collective_step(cluster, [&] {
    // Where results go is checked before any work (and again when the folder is taken).
    if (cluster.rank() == 0) {
      RunFolder::check_target(cfg.out, cfg.force, resume != nullptr);
      if (!cfg.trace.empty()) {
        check_output_file(cfg.trace, cfg.force, "--trace");
        check_writable(cfg.trace);
      }
    }
    preset = load_server_preset(hardware_of(cfg, cluster.rank(), cluster.size()));
    net = network_of(cfg, &network_file);
  });

  std::optional<Dataset> data;
  DataShape shape;
  RunSetup setup;
  collective_step(cluster, [&] {
    std::vector<int64_t> shares = parse_shares(cfg.shares, cluster.size());
    const int64_t share_sum = std::accumulate(shares.begin(), shares.end(), int64_t{0});
    if (cfg.synthetic == SyntheticShape::kNone) {
      data.emplace(Dataset::open(cfg.data, cluster.mpi_comm()));
      shape = shape_of(*data, cfg.data, cfg, share_sum);
    } else {
      shape = synthetic_shape(cfg, share_sum);
    }
    try {
      setup = make_setup(cfg, shape, preset.hardware, std::move(shares), cluster.rank());
    } catch (const InputError& e) {
      if (!cpu) throw;
      throw InputError(in_workers(e.what()));
    }
    // Dense shards are checked before any row is read; sparse ones once their non-zeros are known.
    if (!setup.sparse && !cpu)
      check_server_layout(setup.layout, preset.hardware, mram_needs(setup, cfg, 0),
                          setup_context(setup));
  });
  const uint64_t per_rank = static_cast<uint64_t>(setup.dpus) * setup.layout.rows_per_dpu;
  const uint64_t first_row = setup.first_row(cluster.rank());
  // Host memory, before any row or model is allocated: every rank on this machine together. Sparse
  // rows' offsets (8 bytes a row) tell how much the rows and the DPUs' held model entries need.
  if (!cfg.count_only) {
    std::vector<uint64_t> row_offsets;
    if (setup.sparse) {
      collective_step(cluster,
                      [&] { row_offsets = data->read_row_offsets("train", first_row, per_rank); });
    }
    std::vector<HostMemoryItem> mine =
        cpu ? rows_memory_needs(setup, row_offsets)
            : host_memory_needs(setup, cfg, threads_of(cfg), row_offsets);
    if (cpu) {
      for (HostMemoryItem& i : CpuTrainer::memory_needs(setup, threads_of(cfg)))
        mine.push_back(std::move(i));
    }
    uint64_t need = 0;
    for (const HostMemoryItem& i : mine) need += i.bytes;
    const uint64_t machine_need =
        static_cast<uint64_t>(cluster.machine_sum(static_cast<int64_t>(need)));
    const int ranks_here = cluster.ranks_on_machine();
    collective_step(cluster, [&] {
      require_fits_host(mine, machine_need, ranks_here, host_memory_available());
    });
  }
  // Servers with their own presets must still share one model layout (the tasklet count pads the
  // features).
  const int64_t weights = static_cast<int64_t>(setup.layout.weights);
  const bool one_layout = cluster.max(weights) == -cluster.max(-weights);
  collective_step(cluster, [&] {
    if (!one_layout) {
      throw InputError(
          "--server-hardware: the presets pad the model differently (their dpu.tasklets differ); "
          "keep "
          "dpu.tasklets equal so every server holds the same model layout");
    }
  });
  const uint64_t rows_used = setup.rows_used();
  if (root && rows_used < setup.train_rows) {
    fmt::print(
        "note: {} of {} training rows fill whole mini-batches on {} {}; the last {} are not "
        "used\n",
        rows_used, setup.train_rows, setup.total_dpus, cpu ? "workers" : "DPUs",
        setup.train_rows - rows_used);
  }

  // Global sharding: DPU g = rank * D + d holds training rows [g * rpd, (g + 1) * rpd), so S
  // servers x D DPUs and 1 server x S*D DPUs run exactly the same kernels on exactly the same rows.
  // Each rank reads only its contiguous row range (collective hyperslab reads). With --shares,
  // server r's range is share_r units long and starts after the units of the servers before it.
  const uint64_t rank = static_cast<uint64_t>(cluster.rank()),
                 S = static_cast<uint64_t>(setup.servers);
  ServerInput input;
  const std::vector<uint64_t>* offsets = nullptr;  // sparse rows' offsets, when known
  if (cfg.count_only) {
    // Dry accounting reads no rows: a sparse file's row offsets give each row's non-zero count.
    input.nnz_per_row = shape.nnz_per_row;
    if (setup.sparse && data) input.offsets = data->read_row_offsets("train", first_row, per_rank);
    if (!input.offsets.empty()) offsets = &input.offsets;
  } else {
    const uint64_t test_first = setup.test_rows * rank / S;
    const uint64_t test_count = setup.test_rows * (rank + 1) / S - test_first;
    input.train_first = first_row;
    if (setup.sparse) {
      input.train = data->read_sparse("train", first_row, per_rank);
      input.test = data->read_sparse("test", test_first, test_count);
      collective_step(cluster, [&] {
        if (auto e = check_rows(input.train, cfg.data, "train")) throw InputError(*e);
        if (auto e = check_rows(input.test, cfg.data, "test")) throw InputError(*e);
      });
      offsets = &input.train.indptr;
    } else {
      input.dense = &*data;
      input.train_count = per_rank;
      input.test_first = test_first;
      input.test_count = test_count;
    }
  }
  if (!input.dense) data.reset();
  if (setup.sparse && !cpu) {
    const uint64_t rpd = setup.layout.rows_per_dpu;
    uint64_t local_max = 0;
    for (int64_t d = 0; d < setup.dpus; ++d) {
      const uint64_t* off = offsets ? offsets->data() + static_cast<uint64_t>(d) * rpd : nullptr;
      local_max =
          std::max(local_max, nonzeros({true, setup.layout.weights, off, shape.nnz_per_row}, rpd));
    }
    const uint64_t max_nnz = static_cast<uint64_t>(cluster.max(static_cast<int64_t>(local_max)));
    collective_step(cluster, [&] {
      check_server_layout(setup.layout, preset.hardware, mram_needs(setup, cfg, max_nnz),
                          setup_context(setup));
    });
  }

  const RunContext ctx{shape.name,   cfg,   cluster,    preset, net,
                       network_file, setup, wall_start, resume, &given};
  if (cpu) return train_cpu(ctx, std::move(input));
  switch (cfg.numerics) {
    case Numerics::kFloat:
      return train_with<Float32>(ctx, std::move(input));
    case Numerics::kFloatSaturating:
      return train_with<Float32Saturating>(ctx, std::move(input));
    case Numerics::kFixed:
      break;
  }
  return train_with<FixedQ31>(ctx, std::move(input));
}

class TrainCommand final : public Command {
 public:
  void add_flags(CLI::App& app) override {
    cli_.emplace(app);
    app.add_option("--resume", resume_,
                   "continue the interrupted run whose --out is DIR from its last checkpoint "
                   "(--checkpoint-every), with its configuration and as many ranks; results are "
                   "bit-identical to an uninterrupted run")
        ->type_name("DIR");
    add_plots_flag(app, plots_);
  }
  int run(Cluster* cluster) override {
    const int rc = run_resumed_or_new(cluster);
    if (rc == 0 && plots_) on_root(*cluster, [&] { write_plots(out_); });
    return rc;
  }

 private:
  int run_resumed_or_new(Cluster* cluster) {
    TrainConfig config;
    if (resume_.empty()) {
      collective_step(*cluster, [&] { config = cli_->resolve(); });
      out_ = config.out;
      return run_train(config, *cluster, nullptr);
    }
    const std::string out = resume_target(resume_);
    std::string text;
    collective_step(*cluster, [&] { check_resume_flags(*cli_); });
    on_root(*cluster, [&] { text = read_resume_meta(out, cluster->size()).dump(); });
    const nlohmann::json meta = nlohmann::json::parse(cluster->broadcast_from_root(text));
    collective_step(*cluster, [&] { config = resumed_config(meta, out, *cli_); });
    out_ = config.out;
    return run_train(config, *cluster, &meta);
  }

  std::optional<TrainConfigCli> cli_;
  std::string resume_;
  std::string out_;
  bool plots_ = false;
};

}  // namespace

std::unique_ptr<Command> make_train_command() { return std::make_unique<TrainCommand>(); }

}  // namespace pimscale
