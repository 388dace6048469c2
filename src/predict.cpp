#include "src/predict.h"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "comm/collective_cost.h"
#include "io/dataset.h"
#include "io/run_folder.h"
#include "node/host_cost.h"
#include "pim_emul/error.h"
#include "pim_emul/exp_table.h"
#include "pim_emul/transfer_cost.h"

namespace pimscale {

const ServerPreset& PresetCache::server(const std::string& name) {
  auto it = servers_.find(name);
  if (it == servers_.end()) it = servers_.emplace(name, load_server_preset(name)).first;
  return it->second;
}

const NetworkSpec& PresetCache::network(const TrainConfig& cfg, std::string* file) {
  const std::string key = fmt::format("{}|{}|{}|{}|{}", cfg.network, cfg.topology, cfg.servers_per_leaf,
                                      cfg.oversubscription, cfg.collective);
  auto it = networks_.find(key);
  if (it == networks_.end()) {
    std::string f;
    NetworkSpec net = network_of(cfg, &f);
    it = networks_.emplace(key, std::make_pair(std::move(net), std::move(f))).first;
  }
  if (file) *file = it->second.second;
  return it->second.first;
}

Workload load_workload(const TrainConfig& cfg) {
  Workload w;
  if (!cfg.synthetic.empty()) {
    // The --synthetic shapes are the generator's Criteo and YFCC defaults (io/synth.h, pim-training.md).
    SynthSpec spec;
    const uint64_t rows = requested_rows(cfg, 1) > 0 ? requested_rows(cfg, 1) : 1;
    if (cfg.synthetic == "criteo") {
      spec.kind = DataKind::kSparse;
      spec.features = 1000000;
    } else {
      spec.kind = DataKind::kDense;
      spec.features = 4096;
    }
    w.name = "synthetic " + cfg.synthetic;
    w.synthetic = true;
    w.stats = synthetic_shape_stats(spec, rows);
    w.stats_source = "generator parameters (" + w.stats.source + ")";
    return w;
  }
  const Dataset data = Dataset::open(cfg.data, MPI_COMM_SELF);
  w.name = cfg.data;
  w.test_rows = data.rows("test");
  if (std::optional<DataStats> s = load_stats(cfg.data)) {
    if (s->rows != data.rows("train") || s->features != data.features()) {
      throw InputError("dataset '" + cfg.data + "': its /stats describe " + std::to_string(s->rows) +
                       " rows, the file has " + std::to_string(data.rows("train")) +
                       "; recompute them with `pimscale data stats " + cfg.data + "`");
    }
    w.stats = std::move(*s);
    w.stats_source = "stored /stats of the file";
    return w;
  }
  // No stored statistics: the non-zero histogram is all prediction needs, from the row offsets alone.
  DataStats& s = w.stats;
  s.source = cfg.data;
  s.sparse = data.kind() == DataKind::kSparse;
  s.rows = data.rows("train");
  s.features = data.features();
  if (!s.sparse) {
    s.nnz = {{s.features}, {s.rows}};
    w.stats_source = "the file's shape (dense rows cost by their padded width)";
    return w;
  }
  std::map<uint64_t, uint64_t> counts;
  constexpr uint64_t kChunk = uint64_t{1} << 20;
  for (uint64_t first = 0; first < s.rows; first += kChunk) {
    const std::vector<uint64_t> off = data.read_row_offsets("train", first, std::min(kChunk, s.rows - first));
    for (size_t i = 0; i + 1 < off.size(); ++i) ++counts[off[i + 1] - off[i]];
  }
  s.nnz = histogram_of(counts);
  w.stats_source = "the file's row offsets (no /stats: `pimscale data stats` stores them)";
  return w;
}

PhaseLedger Prediction::total(int64_t epochs) const {
  PhaseLedger t = first_epoch;
  for (int p = 0; p < kPhaseCount; ++p) {
    t.time[p].value += steady_epoch.time[p].value * (epochs - 1);
    t.bytes[p] += steady_epoch.bytes[p] * static_cast<uint64_t>(epochs - 1);
  }
  return t;
}

namespace {

// `rows` rows whose non-zero counts follow the histogram's quantiles, then evened up or down by one per row
// until they hold `total` non-zeros: CSR offsets from 0.
std::vector<uint64_t> representative_offsets(const NnzHistogram& h, uint64_t rows, uint64_t total) {
  std::vector<uint64_t> nnz(rows);
  const double all = static_cast<double>(h.total_rows());
  size_t bin = 0;
  double below = static_cast<double>(h.rows[0]);
  uint64_t sum = 0;
  for (uint64_t i = 0; i < rows; ++i) {
    const double q = (static_cast<double>(i) + 0.5) / static_cast<double>(rows) * all;
    while (below < q && bin + 1 < h.values.size()) below += static_cast<double>(h.rows[++bin]);
    nnz[i] = h.values[bin];
    sum += nnz[i];
  }
  // Spread the difference: whole passes first, then one more on the fullest (or emptiest) rows.
  const bool up = total >= sum;
  const uint64_t diff = up ? total - sum : sum - total;
  const uint64_t each = diff / rows, extra = diff % rows;
  for (uint64_t i = 0; i < rows; ++i) {
    const uint64_t d = each + (up ? (i >= rows - extra ? 1 : 0) : (i < extra ? 1 : 0));
    nnz[i] = up ? nnz[i] + d : (nnz[i] > d ? nnz[i] - d : 0);
  }
  std::vector<uint64_t> offsets(rows + 1, 0);
  for (uint64_t i = 0; i < rows; ++i) offsets[i + 1] = offsets[i] + nnz[i];
  return offsets;
}

// One DPU launch of the round: counted by the kernels' count-only accounting.
template <class Num>
DpuCounts launch_counts(const Plan& p, const std::string& algorithm, const DpuSpec& dpu, const uint64_t* offsets) {
  const RowShape shape{p.sparse, p.layout.weights, offsets, 0};
  const AlgorithmSettings& s = p.settings;
  DpuCounts c;
  if (algorithm == "ga-sgd") {
    count_gradient<Num>(shape, 0, s.rows_per_dpu_step * s.share, p.kernel, dpu, c);
  } else if (algorithm == "ma-sgd") {
    count_local_steps<Num>(shape, 0, s.share, false, p.kernel, dpu, c);
  } else {
    count_local_steps<Num>(shape, 0, p.layout.rows_per_dpu / s.rows_per_dpu_step, true, p.kernel, dpu, c);
  }
  return c;
}

// Rows one launch reads on one DPU.
uint64_t launch_rows(const Plan& p, const std::string& algorithm) {
  const AlgorithmSettings& s = p.settings;
  // GA-SGD: its share of the global batch; MA-SGD: `share` local steps of b; ADMM: the whole shard.
  return algorithm == "admm" ? p.layout.rows_per_dpu : s.rows_per_dpu_step * s.share;
}

uint64_t dma_bytes(const DpuCounts& c, int tasklets) {
  uint64_t b = 0;
  for (int t = 0; t < tasklets; ++t) b += c.tasklet[t].dma_read_bytes + c.tasklet[t].dma_write_bytes;
  return b;
}

struct Launch {
  Picoseconds compute, dma;  // the launch call and the DPU's critical path; exposed DMA
};

// The launch on a DPU holding `nnz` non-zeros in its launch's rows (fractional: interpolated between the
// whole counts below and above).
template <class Num>
Launch launch_at(const Plan& p, const std::string& algorithm, const HardwareSpec& hw, const NnzHistogram& h,
                 double nnz) {
  const int tasklets = static_cast<int>(hw.dpu.tasklets);
  auto at = [&](uint64_t k) {
    std::vector<uint64_t> off;
    if (p.sparse) off = representative_offsets(h, launch_rows(p, algorithm), k);
    const DpuTime t = dpu_time(launch_counts<Num>(p, algorithm, hw.dpu, p.sparse ? off.data() : nullptr), tasklets, hw.dpu);
    return Launch{launch_time(hw.transfer) + t.compute, t.dma};
  };
  if (!p.sparse) return at(0);
  const uint64_t lo = static_cast<uint64_t>(std::floor(nnz));
  const Launch a = at(lo);
  const double frac = nnz - static_cast<double>(lo);
  if (frac < 1e-9) return a;
  const Launch b = at(lo + 1);
  auto mix = [&](Picoseconds x, Picoseconds y) { return Picoseconds{x.value + std::llround(frac * static_cast<double>(y.value - x.value))}; };
  return {mix(a.compute, b.compute), mix(a.dma, b.dma)};
}

// What one group of identical servers (same preset and share) spends per round and at start-up.
struct GroupCosts {
  int64_t first_rank = 0, servers = 0;
  Plan plan;
  const ServerPreset* preset = nullptr;
  PhaseLedger pre;            // before the collective; its own slowest DPU (expected over its D DPUs)
  Picoseconds slowest_extra;  // the group's slowest server's launch minus this one's (over n x D DPUs)
  PhaseLedger post;           // host work after the collective
  StartupLedger startup;
  Picoseconds startup_slowest;
  uint64_t model_bytes = 0, gradient_bytes = 0;
  double own_nnz = 0, slowest_nnz = 0;
};

template <class Num>
GroupCosts group_costs(const TrainConfig& cfg, const Workload& w, const ServerPreset& preset, Plan plan,
                       int64_t first_rank, int64_t servers) {
  using Weight = typename Num::Weight;
  using Wide = typename Num::Wide;
  GroupCosts g;
  g.first_rank = first_rank;
  g.servers = servers;
  g.preset = &preset;
  const HardwareSpec& hw = preset.hardware;
  const HostSpec& host_spec = preset.host;
  const ServerLayout& L = plan.layout;
  const int64_t D = L.dpus;
  const uint64_t dpus = static_cast<uint64_t>(D), n = L.weights;
  const NnzHistogram& h = w.stats.nnz;
  g.model_bytes = n * sizeof(Weight) + (L.sparse ? 0 : sizeof(Wide));
  g.gradient_bytes = L.sparse ? n * sizeof(Wide) : n * sizeof(Weight) + sizeof(Wide);

  // Start-up (PimServer::charge_startup): the fullest shard sets the parallel transfer's length.
  const uint64_t rows = L.rows_per_dpu, labels = (rows * 4 + 7) / 8 * 8;
  auto shard_bytes = [&](double nnz) {
    return L.sparse ? static_cast<uint64_t>(std::ceil(nnz)) * 4 + (rows + 1) * 4 + labels : rows * n * 4 + labels;
  };
  const double own_shard = expected_max_shard(h, rows, dpus);
  const double worst_shard = expected_max_shard(h, rows, dpus * static_cast<uint64_t>(servers));
  auto startup = [&](double nnz) {
    return startup_costs(D, shard_bytes(nnz), plan.kernel.model == ModelKind::kLr, hw);
  };
  g.startup = startup(own_shard);
  g.startup_slowest = startup(worst_shard).total();

  // The DPU launch: the fullest of this server's D DPUs, and of the group's n x D (the collective waits for it).
  const uint64_t r = launch_rows(plan, cfg.algorithm);
  auto fullest = [&](uint64_t among) { return expected_max_shard(h, r, among); };
  g.own_nnz = fullest(dpus);
  g.slowest_nnz = fullest(dpus * static_cast<uint64_t>(servers));
  const Launch own = launch_at<Num>(plan, cfg.algorithm, hw, h, g.own_nnz);
  const Launch slowest = servers > 1 ? launch_at<Num>(plan, cfg.algorithm, hw, h, g.slowest_nnz) : own;
  g.slowest_extra = (slowest.compute + slowest.dma) - (own.compute + own.dma);
  // Every DPU's MRAM traffic: D times the mean DPU's.
  std::vector<uint64_t> mean_off;
  if (L.sparse) mean_off = representative_offsets(h, r, static_cast<uint64_t>(std::llround(static_cast<double>(r) * h.mean())));
  const uint64_t launch_bytes =
      dpus * dma_bytes(launch_counts<Num>(plan, cfg.algorithm, hw.dpu, L.sparse ? mean_off.data() : nullptr),
                       static_cast<int>(hw.dpu.tasklets));

  // The round, as src/algorithms charges it.
  auto host = [&](PhaseLedger& l, uint64_t bytes) { l.add(Phase::kHostReduce, host_stream_time(bytes, host_spec), bytes); };
  const uint64_t mb = g.model_bytes, sums = (n + 1) * sizeof(Wide);
  PhaseLedger& a = g.pre;
  if (cfg.algorithm == "admm") {
    a.add(Phase::kHostToDpu, transfer_time(Transfer::kParallelToDpu, mb, D, hw.transfer) +
                                 transfer_time(Transfer::kParallelToDpu, mb, D, hw.transfer),
          2 * mb * dpus);
  } else {
    a.add(Phase::kHostToDpu, transfer_time(Transfer::kBroadcastToDpu, mb, D, hw.transfer), mb * dpus);
  }
  a.add(Phase::kDpuCompute, own.compute);
  a.add(Phase::kDpuDma, own.dma, launch_bytes);
  if (cfg.algorithm == "ga-sgd") {
    a.add(Phase::kDpuToHost, transfer_time(Transfer::kParallelFromDpu, g.gradient_bytes, D, hw.transfer),
          g.gradient_bytes * dpus);
    host(a, g.gradient_bytes * dpus + sums);
    host(g.post, sums + 2 * n * sizeof(Weight));
  } else if (cfg.algorithm == "ma-sgd") {
    a.add(Phase::kDpuToHost, transfer_time(Transfer::kParallelFromDpu, mb, D, hw.transfer), mb * dpus);
    host(a, mb * dpus + sums);
    host(g.post, sums + n * sizeof(Weight));
  } else {
    a.add(Phase::kDpuToHost, transfer_time(Transfer::kParallelFromDpu, mb, D, hw.transfer), mb * dpus);
    host(g.post, dpus * n * sizeof(Weight) * 6 + 2 * sums + 3 * n * sizeof(Weight));
  }
  g.plan = std::move(plan);
  return g;
}

void add_times(PhaseLedger& l, const PhaseLedger& x, int64_t times) {
  for (int p = 0; p < kPhaseCount; ++p) {
    l.time[p].value += x.time[p].value * times;
    l.bytes[p] += x.bytes[p] * static_cast<uint64_t>(times);
  }
}

template <class Num>
Prediction predict_with(const TrainConfig& cfg, int64_t servers, const Workload& w, PresetCache& presets) {
  Prediction out;
  out.net = &presets.network(cfg, &out.network_file);
  if (out.net->measured) {
    throw InputError("predict: --network measured has no model to predict with; use a preset, or a preset fitted "
                     "by `pimscale netbench` on the cluster in question");
  }
  const std::vector<int64_t> shares = parse_shares(cfg.shares, servers);
  const int64_t share_sum = std::accumulate(shares.begin(), shares.end(), int64_t{0});
  // A synthetic workload has whatever rows are asked for (its histogram is a distribution); a file, at most its own.
  DataShape shape{w.name, w.stats.sparse, w.stats.features, w.stats.rows, w.test_rows, 0};
  if (w.synthetic) {
    shape = synthetic_shape(cfg, share_sum);
  } else {
    limit_rows(shape, cfg, share_sum);
  }

  // Servers with the same preset and share cost the same: one group each, in rank order.
  std::vector<GroupCosts> groups;
  std::map<std::pair<std::string, int64_t>, size_t> group_of;
  std::vector<size_t> server_group(static_cast<size_t>(servers));
  std::vector<std::pair<std::string, int64_t>> keys;
  for (int64_t s = 0; s < servers; ++s) {
    const auto key = std::make_pair(hardware_of(cfg, s, servers), shares[static_cast<size_t>(s)]);
    auto [it, added] = group_of.emplace(key, keys.size());
    if (added) keys.push_back(key);
    server_group[static_cast<size_t>(s)] = it->second;
  }
  std::vector<int64_t> members(keys.size(), 0), first(keys.size(), -1);
  for (int64_t s = 0; s < servers; ++s) {
    const size_t k = server_group[static_cast<size_t>(s)];
    ++members[k];
    if (first[k] < 0) first[k] = s;
  }
  uint64_t weights = 0;
  for (size_t k = 0; k < keys.size(); ++k) {
    const ServerPreset& preset = presets.server(keys[k].first);
    Plan plan = make_plan(cfg, shape, preset.hardware, shares, first[k]);
    if (k == 0) weights = plan.layout.weights;
    if (plan.layout.weights != weights) {
      throw InputError("--server-hardware: the presets pad the model differently (their dpu.tasklets differ); keep "
                       "dpu.tasklets equal so every server holds the same model layout");
    }
    // MRAM holds the fullest shard of any server (train checks the true maximum).
    const double fullest = plan.sparse ? expected_max_shard(w.stats.nnz, plan.layout.rows_per_dpu,
                                                            static_cast<uint64_t>(servers * plan.dpus))
                                       : 0;
    check_server_layout(plan.layout, preset.hardware,
                        mram_needs(plan, cfg, static_cast<uint64_t>(std::ceil(fullest))), layout_context(plan));
    groups.push_back(group_costs<Num>(cfg, w, preset, std::move(plan), first[k], members[k]));
  }

  // The all-reduce every round: everyone leaves it together.
  const uint64_t message = (weights + 1) * sizeof(typename Num::Wide) * (cfg.algorithm == "admm" ? 2 : 1);
  PhaseLedger net;
  if (servers > 1) net.add(Phase::kNetwork, allreduce_time(message, servers, *out.net), message);

  // Critical path. Round 1 starts together (after the slowest start-up); later rounds start when each
  // server has done its post-collective host work. The collective begins when the slowest server is ready.
  Picoseconds first_ready, steady_ready, startup_end;
  for (const GroupCosts& g : groups) {
    const Picoseconds worst = g.pre.total() + g.slowest_extra;
    first_ready = std::max(first_ready, worst);
    steady_ready = std::max(steady_ready, g.post.total() + worst);
    startup_end = std::max(startup_end, g.startup_slowest);
  }
  const uint64_t R = groups[0].plan.rounds;
  std::vector<std::pair<PhaseLedger, PhaseLedger>> epochs;  // per group: first, steady
  for (const GroupCosts& g : groups) {
    PhaseLedger round1 = g.pre, round = g.pre;
    round1.add(Phase::kWait, first_ready - g.pre.total());
    round.add(Phase::kWait, steady_ready - (g.post.total() + g.pre.total()));
    for (PhaseLedger* l : {&round1, &round}) {
      add_times(*l, net, 1);
      add_times(*l, g.post, 1);
    }
    PhaseLedger first_epoch = round1, steady_epoch;
    add_times(first_epoch, round, static_cast<int64_t>(R) - 1);
    add_times(steady_epoch, round, static_cast<int64_t>(R));
    epochs.emplace_back(first_epoch, steady_epoch);
  }

  const GroupCosts& g0 = groups[0];
  out.plan = g0.plan;
  out.preset = g0.preset;
  out.first_epoch = epochs[0].first;
  out.steady_epoch = epochs[0].second;
  out.startup = g0.startup;
  out.model_bytes = g0.model_bytes;
  out.gradient_bytes = g0.gradient_bytes;
  out.wide_bytes = sizeof(typename Num::Wide);
  for (int64_t s = 0; s < servers; ++s) {
    const size_t k = server_group[static_cast<size_t>(s)];
    ServerReport& v = out.servers.emplace_back();
    v.hardware = keys[k].first;
    v.share = keys[k].second;
    v.rows_per_dpu = groups[k].plan.layout.rows_per_dpu;
    v.ledger = epochs[k].first;
    add_times(v.ledger, epochs[k].second, cfg.epochs - 1);
    v.startup = groups[k].startup.total();
    v.startup_wait = std::max(Picoseconds{}, startup_end - v.startup);
  }
  const NnzHistogram& h = w.stats.nnz;
  out.detail = {
      {"statistics", w.stats_source},
      {"servers", servers},
      {"nnz_per_row_mean", h.mean()},
      {"nnz_per_row_std", std::sqrt(h.variance())},
      {"launch_rows_per_dpu", launch_rows(g0.plan, cfg.algorithm)},
      {"launch_nnz_fullest_dpu_of_server", g0.own_nnz},
      {"launch_nnz_fullest_dpu_of_cluster", g0.slowest_nnz},
      {"first_epoch_seconds", out.first_epoch.total().seconds()},
      {"steady_epoch_seconds", out.steady_epoch.total().seconds()},
      {"method",
       "train's plan; each launch's events from the count-only kernel accounting on a representative shard "
       "whose rows follow the non-zero histogram, holding the expected non-zeros of the fullest DPU (rows as "
       "independent draws: r mean + sqrt(r var) E[max of n normals]; exact for one row); the emulator's "
       "transfer, host, DPU and network cost models; waits for the expected slowest server every round"}};
  return out;
}

}  // namespace

Prediction predict(const TrainConfig& cfg, int64_t servers, const Workload& workload, PresetCache& presets) {
  if (servers < 1) throw InputError("predict: --servers must be at least 1");
  // float-saturating costs what float costs: the same routines, clipping is host bookkeeping of the emulator
  if (cfg.numerics != "fixed") return predict_with<Float32>(cfg, servers, workload, presets);
  return predict_with<FixedQ31>(cfg, servers, workload, presets);
}

int run_predict(const TrainConfig& cfg, int64_t servers) {
  const auto wall_start = std::chrono::steady_clock::now();
  PresetCache presets;
  const Workload workload = load_workload(cfg);
  const Prediction p = predict(cfg, servers, workload, presets);
  RunFolder folder(cfg.out);

  fmt::print("pimscale predict: {} {} ({} numerics) on {} ({} {} rows x {} features), {} servers x {} DPUs = {} DPUs, "
             "batch {} ({} rows per DPU step), {} rounds/epoch; statistics: {}\n",
             cfg.algorithm, cfg.model, cfg.numerics, workload.name, p.plan.rows_used(),
             p.plan.sparse ? "sparse" : "dense", p.plan.layout.features, p.plan.servers, p.plan.dpus,
             p.plan.total_dpus, cfg.batch, p.plan.settings.rows_per_dpu_step, p.plan.rounds, workload.stats_source);
  std::vector<std::vector<std::string>> csv;
  Picoseconds total;
  const EpochMetrics none{NAN, NAN, NAN, NAN};
  for (int64_t e = 1; e <= cfg.epochs; ++e) {
    const PhaseLedger& delta = e == 1 ? p.first_epoch : p.steady_epoch;
    total += delta.total();
    csv.push_back(epochs_csv_row(e, none, delta, 0, total));
  }
  RunReport report;
  report.data_name = workload.name;
  report.cfg = &cfg;
  report.threads = 1;
  report.plan = &p.plan;
  report.preset = p.preset;
  report.net = p.net;
  report.network_file = p.network_file;
  report.model_bytes = p.model_bytes;
  report.gradient_bytes = p.gradient_bytes;
  report.wide_bytes = p.wide_bytes;
  report.total = p.total(cfg.epochs);
  report.startup = p.startup;
  report.servers = p.servers;
  report.final = none;
  report.predicted = true;
  report.prediction = p.detail;
  report.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  report.train_wall_seconds = report.wall_seconds;
  const nlohmann::json run = run_manifest(report);
  folder.write_csv("epochs.csv", epochs_csv_header(), csv);
  folder.write_json("run.json", run);
  folder.commit();
  print_summary(run, report.total);
  return 0;
}

}  // namespace pimscale
