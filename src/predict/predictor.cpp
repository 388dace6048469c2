#include "src/predict/predictor.h"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <numeric>

#include "comm/collective_cost.h"
#include "io/dataset.h"
#include "io/run_folder.h"
#include "node/host_cost.h"
#include "pim_emul/exp_table.h"
#include "pim_emul/transfer_cost.h"
#include "src/base/error.h"
#include "src/devices/cpu_model.h"
#include "src/devices/cpu_trainer.h"
#include "src/devices/gpu_model.h"

namespace pimscale {

const ServerPreset& PresetCache::server(const std::string& name) {
  auto it = servers_.find(name);
  if (it == servers_.end()) it = servers_.emplace(name, load_server_preset(name)).first;
  return it->second;
}

const NetworkSpec& PresetCache::network(const TrainConfig& cfg, std::string* file) {
  const std::string key =
      fmt::format("{}|{}|{}|{}|{}", cfg.network, cfg.topology ? topology_name(*cfg.topology) : "",
                  cfg.servers_per_leaf, cfg.oversubscription, algorithm_name(cfg.collective));
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
  if (cfg.synthetic != SyntheticShape::kNone) {
    // The --synthetic shapes are the generator's Criteo and YFCC defaults (io/synth.h,
    // pim-training.md).
    SynthSpec spec;
    const uint64_t rows = requested_rows(cfg, 1) > 0 ? requested_rows(cfg, 1) : 1;
    if (cfg.synthetic == SyntheticShape::kCriteo) {
      spec.kind = DataKind::kSparse;
      spec.features = 1000000;
    } else {
      spec.kind = DataKind::kDense;
      spec.features = 4096;
    }
    w.name = "synthetic " + name_string(cfg.synthetic);
    w.synthetic = true;
    w.stats = synthetic_shape_stats(spec, rows);
    w.stats_source = "generator parameters (" + w.stats.source + ")";
    return w;
  }
  const Dataset data = Dataset::open(cfg.data, MPI_COMM_SELF);
  w.name = cfg.data;
  w.test_rows = data.rows("test");
  const uint64_t rows = data.rows("train");
  if (data.kind() == DataKind::kSparse) {
    auto offsets = std::make_shared<std::vector<uint64_t>>();
    offsets->reserve(rows + 1);
    constexpr uint64_t kChunk = uint64_t{1} << 20;
    for (uint64_t first = 0; first < rows; first += kChunk) {
      const std::vector<uint64_t> off =
          data.read_row_offsets("train", first, std::min(kChunk, rows - first));
      offsets->insert(offsets->end(), off.begin() + (first == 0 ? 0 : 1), off.end());
    }
    if (rows == 0) offsets->push_back(0);
    w.offsets = std::move(offsets);
  }
  if (std::optional<DataStats> s = load_stats(cfg.data)) {
    if (s->rows != rows || s->features != data.features()) {
      throw InputError("dataset '" + cfg.data + "': its /stats describe " +
                       std::to_string(s->rows) + " rows, the file has " + std::to_string(rows) +
                       "; recompute them with `pimscale data stats " + cfg.data + "`");
    }
    w.stats = std::move(*s);
    w.stats_source = w.offsets ? "stored /stats of the file; launches on its rows (row offsets)"
                               : "stored /stats of the file";
    return w;
  }
  // No stored statistics: the non-zero histogram is all the rest of prediction needs.
  DataStats& s = w.stats;
  s.source = cfg.data;
  s.sparse = data.kind() == DataKind::kSparse;
  s.rows = rows;
  s.features = data.features();
  if (!s.sparse) {
    s.nnz = {{s.features}, {s.rows}};
    w.stats_source = "the file's shape (dense rows cost by their padded width)";
    return w;
  }
  std::map<uint64_t, uint64_t> counts;
  const std::vector<uint64_t>& off = *w.offsets;
  for (size_t i = 0; i + 1 < off.size(); ++i) ++counts[off[i + 1] - off[i]];
  s.nnz = histogram_of(counts);
  w.stats_source = "the file's row offsets: launches on its rows";
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

// `rows` rows whose non-zero counts follow the histogram's quantiles, then evened up or down by one
// per row until they hold `total` non-zeros: CSR offsets from 0.
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

}  // namespace

double expected_max_binomial(uint64_t n, double f, uint64_t d) {
  if (n == 0 || f <= 0 || f >= 1 || d <= 1) return static_cast<double>(n) * std::clamp(f, 0.0, 1.0);
  // E[max] = sum_{k=1..n} P(max >= k) = sum_k (1 - F(k-1)^d), F the binomial CDF, from its pmf in
  // log space (n may be a DPU's whole shard).
  const double nn = static_cast<double>(n), lf = std::log(f), lg = std::log1p(-f);
  const double lnn = std::lgamma(nn + 1), mean = nn * f;
  double cdf = 0, sum = 0;
  for (uint64_t k = 0; k < n; ++k) {
    const double kk = static_cast<double>(k);
    cdf +=
        std::exp(lnn - std::lgamma(kk + 1) - std::lgamma(nn - kk + 1) + kk * lf + (nn - kk) * lg);
    const double tail = cdf >= 1 ? 0 : -std::expm1(static_cast<double>(d) * std::log(cdf));
    sum += cdf > 0 ? tail : 1;  // P(max >= k + 1)
    if (kk > mean && tail < 1e-12) break;
  }
  return sum;
}

namespace {

// The kernel settings a launch is counted with. SVM: the launch waits for the DPU with the most
// rows inside the margin, so the share assumed is the expected largest of every DPU's (each row
// independently inside with the assumed share). Computed once per launch of the recipe.
KernelConfig launch_kernel(const RoundOp& launch, const RunSetup& p) {
  KernelConfig kernel = p.kernel;
  if (kernel.model == ModelKind::kSvm && launch.rows_read > 0) {
    kernel.svm_active_fraction = expected_max_binomial(launch.rows_read, kernel.svm_active_fraction,
                                                       static_cast<uint64_t>(p.total_dpus)) /
                                 static_cast<double>(launch.rows_read);
  }
  return kernel;
}

// One DPU launch of the recipe, counted by the kernels' count-only accounting on rows of `shape`.
template <class Num>
DpuCounts launch_counts(const RoundOp& launch, const RunSetup& p, const KernelConfig& kernel,
                        const DpuSpec& dpu, const uint64_t* offsets, uint64_t first = 0) {
  const RowShape shape{p.sparse, p.layout.weights, offsets, 0};
  DpuCounts c;
  if (launch.kind == OpKind::kLaunchGradient) {
    count_gradient<Num>(shape, first, launch.count, kernel, dpu, c);
  } else {
    count_local_steps<Num>(shape, first, launch.count, launch.prox, kernel, dpu, c);
  }
  return c;
}

uint64_t dma_bytes(const DpuCounts& c, int tasklets) {
  uint64_t b = 0;
  for (int t = 0; t < tasklets; ++t)
    b += c.tasklet[t].dma_read_bytes + c.tasklet[t].dma_write_bytes;
  return b;
}

struct Launch {
  Picoseconds compute, dma;  // the launch call and the DPU's critical path; exposed DMA
};

// The launch on a DPU holding `nnz` non-zeros in its launch's rows (fractional: interpolated
// between the whole counts below and above).
template <class Num>
Launch launch_at(const RoundOp& launch, const RunSetup& p, const HardwareSpec& hw,
                 const NnzHistogram& h, double nnz) {
  const int tasklets = static_cast<int>(hw.dpu.tasklets);
  const KernelConfig kernel = launch_kernel(launch, p);
  auto at = [&](uint64_t k) {
    std::vector<uint64_t> off;
    if (p.sparse) off = representative_offsets(h, launch.rows_read, k);
    const DpuTime t =
        dpu_time(launch_counts<Num>(launch, p, kernel, hw.dpu, p.sparse ? off.data() : nullptr),
                 tasklets, hw.dpu);
    return Launch{launch_time(hw.transfer) + t.compute, t.dma};
  };
  if (!p.sparse) return at(0);
  const uint64_t lo = static_cast<uint64_t>(std::floor(nnz));
  const Launch a = at(lo);
  const double frac = nnz - static_cast<double>(lo);
  if (frac < 1e-9) return a;
  const Launch b = at(lo + 1);
  auto mix = [&](Picoseconds x, Picoseconds y) {
    return Picoseconds{x.value + std::llround(frac * static_cast<double>(y.value - x.value))};
  };
  return {mix(a.compute, b.compute), mix(a.dma, b.dma)};
}

// A sparse file's launches as train runs them: every round, on each server, the DPU whose launch
// rows hold the most non-zeros (read from the file's offsets), priced by the count-only accounting
// on those very rows. Sums over one epoch's rounds.
struct FileLaunches {
  Picoseconds own, slowest;             // this server's slowest DPU; the group's slowest DPU
  Picoseconds own_dma;                  // of `own`: the exposed DMA part
  double own_nnz = 0, slowest_nnz = 0;  // mean over rounds of those DPUs' launch non-zeros
};

constexpr size_t kPriced = 8;

template <class Num>
FileLaunches file_launches(const RoundOp& op, const RunSetup& p, const HardwareSpec& hw,
                           const std::vector<uint64_t>& off, const std::vector<int64_t>& ranks) {
  FileLaunches f;
  const uint64_t per_dpu = p.layout.rows_per_dpu;
  const int tasklets = static_cast<int>(hw.dpu.tasklets);
  const KernelConfig kernel = launch_kernel(op, p);
  auto price = [&](uint64_t base, uint64_t r) {
    const DpuTime t =
        dpu_time(launch_counts<Num>(op, p, kernel, hw.dpu, off.data() + base, op.first_row_of(r)),
                 tasklets, hw.dpu);
    return Launch{launch_time(hw.transfer) + t.compute, t.dma};
  };
  // Each round, the kPriced DPUs with the most launch non-zeros (of the server; of the group) are
  // priced and the slowest kept: a DPU's time also depends on how its rows fall to its tasklets.
  std::vector<std::pair<uint64_t, uint64_t>> load;  // (launch non-zeros, shard's first row)
  auto slowest_of = [&](size_t n, uint64_t r, uint64_t& nnz) {
    const size_t k = std::min(n, kPriced);
    std::partial_sort(load.begin(), load.begin() + static_cast<std::ptrdiff_t>(k),
                      load.begin() + static_cast<std::ptrdiff_t>(n), std::greater<>());
    Launch worst{};
    for (size_t i = 0; i < k; ++i) {
      const Launch l = price(load[i].second, r);
      if (i == 0 || l.compute + l.dma > worst.compute + worst.dma) worst = l;
    }
    nnz = load[0].first;
    return worst;
  };
  const size_t own_dpus = static_cast<size_t>(p.dpus);
  for (uint64_t r = 0; r < p.rounds; ++r) {
    const uint64_t lo = op.first_row_of(r), hi = lo + op.rows_read;
    load.clear();
    for (int64_t s : ranks) {
      for (int64_t d = 0; d < p.dpus; ++d) {
        const uint64_t base = p.first_row(s) + static_cast<uint64_t>(d) * per_dpu;
        load.emplace_back(off[base + hi] - off[base + lo], base);
      }
    }
    uint64_t own_nnz = 0, top_nnz = 0;
    const Launch own = slowest_of(own_dpus, r, own_nnz);  // the first server's DPUs come first
    const Launch top = ranks.size() > 1 ? slowest_of(load.size(), r, top_nnz) : own;
    if (ranks.size() == 1) top_nnz = own_nnz;
    f.own += own.compute + own.dma;
    f.own_dma += own.dma;
    f.slowest += std::max(top.compute + top.dma, own.compute + own.dma);
    f.own_nnz += static_cast<double>(own_nnz) / static_cast<double>(p.rounds);
    f.slowest_nnz += static_cast<double>(top_nnz) / static_cast<double>(p.rounds);
  }
  return f;
}

// The most non-zeros any DPU of the servers `ranks` holds (train's MRAM check and the start-up
// transfer's length).
uint64_t fullest_shard(const RunSetup& p, const std::vector<uint64_t>& off,
                       const std::vector<int64_t>& ranks) {
  uint64_t most = 0;
  for (int64_t s : ranks) {
    for (int64_t d = 0; d < p.dpus; ++d) {
      const uint64_t base = p.first_row(s) + static_cast<uint64_t>(d) * p.layout.rows_per_dpu;
      most = std::max(most, off[base + p.layout.rows_per_dpu] - off[base]);
    }
  }
  return most;
}

// What one group of identical servers (same preset and share) spends per round and at start-up.
struct GroupCosts {
  int64_t first_rank = 0, servers = 0;
  RunSetup setup;
  const ServerPreset* preset = nullptr;
  PhaseLedger pre;  // before the collective; its own slowest DPU (expected over its D DPUs)
  Picoseconds
      slowest_extra;  // the group's slowest server's launches minus this one's (over n x D DPUs)
  PhaseLedger post;   // host work after the collective
  StartupLedger startup;
  Picoseconds startup_slowest;
  uint64_t allreduce_bytes = 0;
  uint64_t launch_rows = 0;
  double own_nnz = 0, slowest_nnz = 0;
};

// Prices one round of the algorithm's recipe, operation by operation, with the emulator's cost
// models.
// `ranks`: the group's servers, the one reported first. A sparse file's rows are read from its
// offsets (each server's own); otherwise every server's rows are independent draws from the
// histogram.
template <class Num>
GroupCosts group_costs(const Workload& w, const ServerPreset& preset, RunSetup setup,
                       const std::vector<int64_t>& ranks) {
  GroupCosts g;
  g.first_rank = ranks.front();
  const int64_t servers = static_cast<int64_t>(ranks.size());
  g.servers = servers;
  const std::vector<uint64_t>* file = w.offsets && setup.sparse ? w.offsets.get() : nullptr;
  g.preset = &preset;
  const HardwareSpec& hw = preset.hardware;
  const ServerLayout& L = setup.layout;
  const int64_t D = L.dpus;
  const uint64_t dpus = static_cast<uint64_t>(D);
  const NnzHistogram& h = w.stats.nnz;

  // Start-up (PimServer::charge_startup): the fullest shard sets the parallel transfer's length.
  const uint64_t rows = L.rows_per_dpu;
  auto startup = [&](double nnz) {
    const uint64_t shard =
        footprint::shard_bytes(L.sparse, rows, static_cast<uint64_t>(std::ceil(nnz)), L.weights);
    return startup_costs(D, shard, setup.kernel.model == ModelKind::kLr, hw);
  };
  if (file) {
    g.startup = startup(static_cast<double>(fullest_shard(setup, *file, {ranks.front()})));
    g.startup_slowest = startup(static_cast<double>(fullest_shard(setup, *file, ranks))).total();
  } else {
    g.startup = startup(expected_max_shard(h, rows, dpus));
    g.startup_slowest =
        startup(expected_max_shard(h, rows, dpus * static_cast<uint64_t>(servers))).total();
  }

  auto host = [&](PhaseLedger& l, uint64_t bytes) {
    l.add(Phase::kHostReduce, host_stream_time(bytes, preset.host), bytes);
  };
  PhaseLedger* l = &g.pre;  // operations after the all-reduce go to `post`
  for (const RoundOp& op : setup.algorithm->recipe(L, setup.settings, footprint::words_of<Num>())) {
    switch (op.kind) {
      case OpKind::kPushModel:
        l->add(Phase::kHostToDpu,
               transfer_time(Transfer::kBroadcastToDpu, op.bytes, D, hw.transfer), op.bytes * dpus);
        break;
      case OpKind::kPushOwnModels: {
        Picoseconds t;
        for (uint64_t c = 0; c < op.copies; ++c)
          t += transfer_time(Transfer::kParallelToDpu, op.bytes, D, hw.transfer);
        l->add(Phase::kHostToDpu, t, op.copies * op.bytes * dpus);
        break;
      }
      case OpKind::kLaunchGradient:
      case OpKind::kLaunchLocalSteps: {
        // The fullest of this server's D DPUs, and of the group's n x D (the collective waits for
        // it).
        g.launch_rows = op.rows_read;
        Launch own;
        if (file) {
          // Per round on average: the sums over an epoch's rounds, divided by the rounds.
          const FileLaunches f = file_launches<Num>(op, setup, hw, *file, ranks);
          const int64_t rounds = static_cast<int64_t>(setup.rounds);
          own.dma = Picoseconds{f.own_dma.value / rounds};
          own.compute = Picoseconds{f.own.value / rounds} - own.dma;
          g.slowest_extra += Picoseconds{(f.slowest - f.own).value / rounds};
          g.own_nnz = f.own_nnz;
          g.slowest_nnz = f.slowest_nnz;
        } else {
          g.own_nnz = expected_max_shard(h, op.rows_read, dpus);
          g.slowest_nnz =
              expected_max_shard(h, op.rows_read, dpus * static_cast<uint64_t>(servers));
          own = launch_at<Num>(op, setup, hw, h, g.own_nnz);
          const Launch slowest =
              servers > 1 ? launch_at<Num>(op, setup, hw, h, g.slowest_nnz) : own;
          g.slowest_extra += (slowest.compute + slowest.dma) - (own.compute + own.dma);
        }
        // Every DPU's MRAM traffic: D times the mean DPU's.
        std::vector<uint64_t> mean_off;
        if (L.sparse) {
          mean_off = representative_offsets(
              h, op.rows_read,
              static_cast<uint64_t>(std::llround(static_cast<double>(op.rows_read) * h.mean())));
        }
        const uint64_t launch_bytes =
            dpus * dma_bytes(launch_counts<Num>(op, setup, launch_kernel(op, setup), hw.dpu,
                                                L.sparse ? mean_off.data() : nullptr),
                             static_cast<int>(hw.dpu.tasklets));
        l->add(Phase::kDpuCompute, own.compute);
        l->add(Phase::kDpuDma, own.dma, launch_bytes);
        break;
      }
      case OpKind::kPullGradients:
      case OpKind::kPullModelSums:
      case OpKind::kPullModels:
        l->add(Phase::kDpuToHost,
               transfer_time(Transfer::kParallelFromDpu, op.bytes, D, hw.transfer),
               op.bytes * dpus);
        break;
      case OpKind::kHostReduce:
      case OpKind::kHostUpdate:
        host(*l, op.bytes);
        break;
      case OpKind::kAllReduce:
        g.allreduce_bytes = op.bytes;  // priced once for the cluster (predict_with)
        l = &g.post;
        break;
    }
  }
  g.setup = std::move(setup);
  return g;
}

void add_times(PhaseLedger& l, const PhaseLedger& x, int64_t times) {
  for (int p = 0; p < kPhaseCount; ++p) {
    l.time[p].value += x.time[p].value * times;
    l.bytes[p] += x.bytes[p] * static_cast<uint64_t>(times);
  }
}

void check_servers(int64_t servers) {
  if (servers < 1 || servers > kMaxServers) {
    throw InputError("predict: --servers " + std::to_string(servers) + " must be in [1, " +
                     std::to_string(kMaxServers) + "]");
  }
}

// The configuration's network, which must be a model (a preset), not "measured".
const NetworkSpec& modelled_network(const TrainConfig& cfg, PresetCache& presets,
                                    std::string* file) {
  const NetworkSpec& net = presets.network(cfg, file);
  if (net.measured) {
    throw InputError(
        "predict: --network measured has no model to predict with; use a preset, or a preset "
        "fitted by `pimscale netbench` on the cluster in question");
  }
  return net;
}

template <class Num>
Prediction predict_with(const TrainConfig& cfg, int64_t servers, const Workload& w,
                        PresetCache& presets) {
  Prediction out;
  out.net = &modelled_network(cfg, presets, &out.network_file);
  const std::vector<int64_t> shares = parse_shares(cfg.shares, servers);
  const int64_t share_sum = std::accumulate(shares.begin(), shares.end(), int64_t{0});
  // A synthetic workload has whatever rows are asked for (its histogram is a distribution); a file,
  // at most its own.
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
  std::vector<std::vector<int64_t>> ranks_of(keys.size());
  for (int64_t s = 0; s < servers; ++s) ranks_of[server_group[static_cast<size_t>(s)]].push_back(s);
  uint64_t weights = 0;
  for (size_t k = 0; k < keys.size(); ++k) {
    const ServerPreset& preset = presets.server(keys[k].first);
    RunSetup setup = make_setup(cfg, shape, preset.hardware, shares, ranks_of[k].front());
    if (k == 0) weights = setup.layout.weights;
    if (setup.layout.weights != weights) {
      throw InputError(
          "--server-hardware: the presets pad the model differently (their dpu.tasklets differ); "
          "keep "
          "dpu.tasklets equal so every server holds the same model layout");
    }
    // MRAM holds the fullest shard of any server (train checks the true maximum: a file's is
    // known).
    double fullest = 0;
    if (setup.sparse && w.offsets) {
      fullest = static_cast<double>(fullest_shard(setup, *w.offsets, ranks_of[k]));
    } else if (setup.sparse) {
      fullest = expected_max_shard(w.stats.nnz, setup.layout.rows_per_dpu,
                                   static_cast<uint64_t>(servers * setup.dpus));
    }
    check_server_layout(setup.layout, preset.hardware,
                        mram_needs(setup, cfg, static_cast<uint64_t>(std::ceil(fullest))),
                        setup_context(setup));
    groups.push_back(group_costs<Num>(w, preset, std::move(setup), ranks_of[k]));
  }

  // The all-reduce every round: everyone leaves it together.
  const uint64_t message = groups[0].allreduce_bytes;
  PhaseLedger net;
  if (servers > 1) net.add(Phase::kNetwork, allreduce_time(message, servers, *out.net), message);

  // Critical path. Round 1 starts together (after the slowest start-up); later rounds start when
  // each server has done its post-collective host work. The collective begins when the slowest
  // server is ready.
  Picoseconds first_ready, steady_ready, startup_end;
  for (const GroupCosts& g : groups) {
    const Picoseconds worst = g.pre.total() + g.slowest_extra;
    first_ready = std::max(first_ready, worst);
    steady_ready = std::max(steady_ready, g.post.total() + worst);
    startup_end = std::max(startup_end, g.startup_slowest);
  }
  const uint64_t R = groups[0].setup.rounds;
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
  out.setup = g0.setup;
  out.preset = g0.preset;
  out.first_epoch = epochs[0].first;
  out.steady_epoch = epochs[0].second;
  out.startup = g0.startup;
  out.allreduce_bytes = g0.allreduce_bytes;
  for (int64_t s = 0; s < servers; ++s) {
    const size_t k = server_group[static_cast<size_t>(s)];
    ServerReport& v = out.servers.emplace_back();
    v.hardware = keys[k].first;
    v.share = keys[k].second;
    v.rows_per_dpu = groups[k].setup.layout.rows_per_dpu;
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
      {"launch_rows_per_dpu", g0.launch_rows},
      {"launch_nnz_fullest_dpu_of_server", g0.own_nnz},
      {"launch_nnz_fullest_dpu_of_cluster", g0.slowest_nnz},
      {"first_epoch_seconds", out.first_epoch.total().seconds()},
      {"steady_epoch_seconds", out.steady_epoch.total().seconds()},
      {"method", w.offsets && g0.setup.sparse
                     ? "train's plan; each round's launches priced by the count-only kernel "
                       "accounting on the file's own rows: each server's DPU with the most "
                       "non-zeros in its launch rows, and the cluster's (the collective waits for "
                       "it); the emulator's transfer, host, DPU and network cost models"
                     : "train's plan; each launch's events from the count-only kernel accounting "
                       "on a representative shard whose rows follow the non-zero histogram, "
                       "holding the expected non-zeros of the fullest DPU (rows as independent "
                       "draws: r mean + sqrt(r var) E[max of n normals]; exact for one row); the "
                       "emulator's transfer, host, DPU and network cost models; waits for the "
                       "expected slowest server every round"}};
  return out;
}

}  // namespace

Prediction predict(const TrainConfig& cfg, int64_t servers, const Workload& workload,
                   PresetCache& presets) {
  check_servers(servers);
  // float-saturating costs what float costs: the same routines, clipping is host bookkeeping of the
  // emulator
  if (cfg.numerics != Numerics::kFixed)
    return predict_with<Float32>(cfg, servers, workload, presets);
  return predict_with<FixedQ31>(cfg, servers, workload, presets);
}

DevicePrediction predict_device(const TrainConfig& given, int64_t servers,
                                int64_t servers_per_machine, const Workload& w,
                                PresetCache& presets) {
  const bool gpu = given.device == Device::kGpu;
  check_servers(servers);
  if (servers_per_machine < 1 || servers_per_machine > servers) {
    throw InputError("predict: --servers-per-machine " + std::to_string(servers_per_machine) +
                     " must be in [1, --servers]");
  }
  if (given.hardware.empty()) {
    throw InputError(gpu ? "predict --device gpu needs --hardware GPU_PRESET: a GPU server's "
                           "preset, e.g. gpu-a100-80gb-sxm or gpu-h100-sxm"
                         : "predict --device cpu needs --hardware CPU_PRESET: a CPU server's "
                           "preset, e.g. cpu-epyc-7742-2s, or this host's cpu.toml from "
                           "`pimscale microbench --device cpu`");
  }
  DevicePrediction d;
  int64_t workers = 1;
  if (gpu) {
    d.gpu = load_gpu_preset(given.hardware);
    d.name = d.gpu->name;
    workers = d.gpu->gpus;
  } else {
    d.cpu = load_cpu_preset(given.hardware);
    d.name = d.cpu->name;
    d.threads = given.threads > 0 ? given.threads : d.cpu->cores;
    workers = d.threads;
  }
  TrainConfig cfg = given;
  cfg.hardware = TrainConfig{}.hardware;  // the setup's layout; the device pads nothing of its own
  cfg.dpus_per_server = given.workers_per_server > 0 ? given.workers_per_server : workers;
  DataShape shape{w.name, w.stats.sparse, w.stats.features, w.stats.rows, w.test_rows, 0};
  if (w.synthetic) {
    shape = synthetic_shape(cfg, servers);
  } else {
    limit_rows(shape, cfg, servers);
  }
  Prediction& p = d.p;
  p.preset = &presets.server(cfg.hardware);
  try {
    p.setup = make_setup(cfg, shape, p.preset->hardware, std::vector<int64_t>(servers, 1), 0);
  } catch (const InputError& e) {
    throw InputError(in_workers(e.what()));
  }
  p.net = &modelled_network(cfg, presets, &p.network_file);
  const double nnz = w.stats.sparse ? w.stats.nnz.mean() : 0.0;
  const double active = cfg.model == ModelKind::kSvm ? cfg.svm_active_fraction : 1.0;
  PhaseLedger round;
  if (gpu) {
    const GpuWork work{nnz, active};
    round = gpu_round_time(p.setup, *d.gpu, work, *p.net);
    p.detail = gpu_model_detail(p.setup, *d.gpu, work);
    const double needed = gpu_memory_needed(p.setup, work);
    if (needed > d.gpu->device_memory_bytes) {
      d.note = fmt::format(
          "a GPU's share of the data and model ({:.3g} GB) exceeds {}'s device memory ({:.3g} "
          "GB): its rows are streamed over the host link every step (host_to_dpu), overlapped "
          "with the kernels",
          needed / 1e9, d.name, d.gpu->device_memory_bytes / 1e9);
    } else {
      // The rows cross the host link once, before training.
      p.startup.add(StartupStep::kDataLoad, from_seconds(gpu_load_seconds(p.setup, *d.gpu, work)),
                    static_cast<uint64_t>(needed));
    }
  } else {
    const CpuWork work{d.threads, servers_per_machine, nnz, active, w.stats.top1pct_share};
    round = cpu_round_time(p.setup, *d.cpu, work, *p.net);
    p.detail = cpu_model_detail(p.setup, *d.cpu, work);
  }
  add_times(p.steady_epoch, round, static_cast<int64_t>(p.setup.rounds));
  p.first_epoch = p.steady_epoch;
  p.allreduce_bytes = cpu_allreduce_bytes(p.setup);
  p.detail["steady_epoch_seconds"] = p.steady_epoch.total().seconds();
  p.detail["round_seconds"] = round.total().seconds();
  if (!d.note.empty()) p.detail["note"] = d.note;
  return d;
}

}  // namespace pimscale
