#include "src/algorithms/run_setup.h"

#include <fmt/core.h>

#include <algorithm>
#include <numeric>

#include "pim_emul/fixed_point.h"
#include "pim_emul/numerics.h"
#include "src/base/error.h"
#include "src/config/presets.h"

namespace pimscale {

// The run's network: a preset with the command line's topology overrides and all-reduce algorithm,
// or "measured" (no model: the real MPI all-reduce's wall time).
NetworkSpec network_of(const TrainConfig& cfg, std::string* file) {
  NetworkSpec net;
  if (cfg.network == "measured") {
    net.name = "measured";
    net.measured = true;
  } else {
    net = load_network_preset(cfg.network, file);
    if (cfg.topology) net.topology = *cfg.topology;
    if (cfg.servers_per_leaf > 0) {
      net.servers_per_leaf = cfg.servers_per_leaf;
      net.sources["topology.servers_per_leaf"] = "command line (--servers-per-leaf)";
    }
    if (cfg.oversubscription > 0) {
      net.oversubscription = cfg.oversubscription;
      net.sources["topology.oversubscription"] = "command line (--oversubscription)";
    }
    check(net, "network '" + cfg.network + "' with the command line's overrides");
  }
  net.allreduce = cfg.collective;
  return net;
}

// The rows a run asks for: --rows R, or --rows-per-dpu R on every DPU (share-weighted), else all of
// them.
uint64_t requested_rows(const TrainConfig& cfg, int64_t share_sum) {
  if (cfg.rows > 0) return static_cast<uint64_t>(cfg.rows);
  int64_t dpus = 0, rows = 0;  // the flags' bounds keep dpus (DPUs weighted by share) in range
  if (__builtin_mul_overflow(cfg.dpus_per_server, share_sum, &dpus) ||
      __builtin_mul_overflow(cfg.rows_per_dpu, dpus, &rows)) {
    throw InputError(fmt::format(
        "--rows-per-dpu {} on {} DPUs is more than 2^63 rows; ask for fewer rows per DPU",
        cfg.rows_per_dpu, dpus));
  }
  return static_cast<uint64_t>(rows);
}

void limit_rows(DataShape& d, const TrainConfig& cfg, int64_t share_sum) {
  if (cfg.rows == 0 && cfg.rows_per_dpu == 0) return;
  const uint64_t want = requested_rows(cfg, share_sum);
  if (want > d.train_rows) {
    throw InputError(
        fmt::format("dataset '{}' has {} training rows, fewer than the {} asked for by --rows / "
                    "--rows-per-dpu; ask for fewer or write a larger file",
                    d.name, d.train_rows, want));
  }
  d.train_rows = want;
}

DataShape shape_of(const Dataset& data, const std::string& path, const TrainConfig& cfg,
                   int64_t share_sum) {
  DataShape d{path,
              data.kind() == DataKind::kSparse,
              data.features(),
              data.rows("train"),
              data.rows("test"),
              0};
  limit_rows(d, cfg, share_sum);
  return d;
}

// The workloads' shapes (pim-training.md section 4): YFCC100M-HNfc6 dense with 4,096 features;
// Criteo 1TB sparse with 10^6 hashed binary features and 39 non-zeros per row.
DataShape synthetic_shape(const TrainConfig& cfg, int64_t share_sum) {
  const uint64_t rows = requested_rows(cfg, share_sum);
  if (cfg.synthetic == SyntheticShape::kYfcc) return {"synthetic yfcc", false, 4096, rows, 0, 0};
  return {"synthetic criteo", true, 1000000, rows, 0, 39};
}

// The setup of server `rank` (only its layout and share differ between servers).
RunSetup make_setup(const TrainConfig& cfg, const DataShape& data, const HardwareSpec& hw,
                    std::vector<int64_t> shares, int64_t rank) {
  RunSetup p;
  p.algorithm = &Algorithm::of(cfg.algorithm);
  p.sparse = data.sparse;
  p.servers = static_cast<int64_t>(shares.size());
  p.share_sum = std::accumulate(shares.begin(), shares.end(), int64_t{0});
  p.shares = std::move(shares);
  const uint64_t share = static_cast<uint64_t>(p.shares[static_cast<size_t>(rank)]);
  p.dpus = cfg.dpus_per_server;
  p.total_dpus = static_cast<uint64_t>(p.servers * p.dpus);
  p.train_rows = data.train_rows;
  p.test_rows = data.test_rows;
  AlgorithmSettings& s = p.settings;
  const StepRule step = p.algorithm->step_rule(
      {static_cast<uint64_t>(cfg.batch), p.total_dpus, p.servers, p.dpus, p.share_sum, cfg.shares});
  s.rows_per_dpu_step = step.rows_per_dpu_step;
  s.batch_log2 = step.batch_log2;
  s.lr_shift = static_cast<int>(cfg.lr_shift);
  s.reg_shift = static_cast<int>(cfg.reg_shift);
  s.alpha = static_cast<int>(cfg.alpha);
  s.total_dpus = static_cast<int64_t>(p.total_dpus);
  s.share = share;
  const uint64_t unit_dpus = static_cast<uint64_t>(p.dpus * p.share_sum);  // DPUs weighted by share
  const uint64_t steps = p.train_rows / unit_dpus / s.rows_per_dpu_step;
  if (steps == 0) {
    throw InputError(fmt::format(
        "dataset '{}' has {} training rows, fewer than one mini-batch on each of the {} DPUs "
        "({} rows per DPU); use a smaller --batch, fewer DPUs or more rows",
        data.name, p.train_rows, p.total_dpus, s.rows_per_dpu_step));
  }
  p.rounds = p.algorithm->rounds_per_epoch(steps);
  s.rounds_per_epoch = p.rounds;
  p.unit_rows_per_dpu = steps * s.rows_per_dpu_step;
  p.layout = {p.sparse, p.dpus, p.unit_rows_per_dpu * share, data.features,
              model_weights(p.sparse, data.features, hw.dpu)};
  KernelConfig& k = p.kernel;
  k.model = cfg.model;
  k.lr_shift = s.lr_shift;
  k.decay_shift = s.lr_shift + s.reg_shift;
  k.batch_log2 = s.batch_log2;
  k.svm_margin = cfg.margin == SvmMargin::kHalf ? 0.5 : 0x1.0p-15;
  k.class_weights = cfg.class_weights == ClassWeights::kCriteo;
  k.svm_active_fraction = cfg.svm_active_fraction;
  return p;
}

footprint::WordSizes word_sizes(Numerics numerics) {
  return numerics == Numerics::kFixed ? footprint::words_of<FixedQ31>()
                                      : footprint::words_of<Float32>();
}

MramNeeds mram_needs(const RunSetup& p, const TrainConfig& cfg, uint64_t max_nnz) {
  const footprint::WordSizes words = word_sizes(cfg.numerics);
  return {p.sparse,
          p.layout.rows_per_dpu,
          max_nnz,
          p.layout.weights,
          words.weight,
          words.wide,
          p.algorithm->dpu_models() == DpuModels::kPerDpuWithProx,
          p.kernel.model == ModelKind::kLr};
}

std::vector<std::string> range_warnings(const RunSetup& p, const TrainConfig& cfg) {
  std::vector<std::string> out;
  if (cfg.numerics == Numerics::kFloat || p.sparse) return out;
  const uint64_t rows =
      p.settings.rows_per_dpu_step * (p.kernel.class_weights ? kPositiveClassWeight : 1);
  const uint64_t range = uint64_t{1}
                         << p.kernel.lr_shift;  // terms of up to 2^-lr fill the accumulator's 1
  if (rows > range) {
    out.push_back(fmt::format(
        "the dense gradient of {} rows per DPU step{} at learning rate 2^-{} can reach {} times "
        "the int32 accumulator's "
        "range and saturate there (PIM-Opt's wraps); keep rows per DPU step <= 2^lr (raise "
        "--lr-shift or lower --batch) "
        "for fixed point to follow float",
        p.settings.rows_per_dpu_step,
        p.kernel.class_weights ? fmt::format(" (x{} class weight)", kPositiveClassWeight) : "",
        p.kernel.lr_shift, static_cast<double>(rows) / static_cast<double>(range)));
  }
  return out;
}

std::vector<HostMemoryItem> rows_memory_needs(const RunSetup& p,
                                              const std::vector<uint64_t>& offsets) {
  std::vector<HostMemoryItem> items;
  const uint64_t rows = static_cast<uint64_t>(p.dpus) * p.layout.rows_per_dpu;
  if (!p.sparse) {
    items.push_back({"dense rows read per chunk (float)",
                     std::min(rows, dense_chunk_rows(p.layout.features)) * p.layout.features * 4});
    items.push_back({"training rows as the DPUs store them",
                     footprint::feature_bytes(false, rows, 0, p.layout.weights)});
  } else if (!offsets.empty()) {
    items.push_back(
        {"training rows (CSR)",
         footprint::feature_bytes(true, rows, offsets.back() - offsets.front(), p.layout.weights) +
             (rows + 1) * sizeof(uint64_t) + rows});
  }
  return items;
}

std::vector<HostMemoryItem> host_memory_needs(const RunSetup& p, const TrainConfig& cfg,
                                              int threads, const std::vector<uint64_t>& offsets) {
  const footprint::WordSizes words = word_sizes(cfg.numerics);
  std::vector<HostMemoryItem> items = rows_memory_needs(p, offsets);
  // The rows one launch of local steps reads: what a sparse DPU's held entries come from.
  uint64_t held = 0;
  for (const RoundOp& op : p.algorithm->recipe(p.layout, p.settings, words)) {
    if (op.kind == OpKind::kLaunchLocalSteps && p.sparse)
      held = held_entries_bound(p.layout, offsets, op.rows_read);
  }
  for (HostMemoryItem& i :
       server_memory(p.layout, p.algorithm->dpu_models(), words, threads, held)) {
    items.push_back(std::move(i));
  }
  for (HostMemoryItem& i : p.algorithm->host_memory(p.layout, words, held))
    items.push_back(std::move(i));
  return items;
}

void require_fits_host(const std::vector<HostMemoryItem>& mine, uint64_t machine_need,
                       int ranks_here, uint64_t available) {
  if (machine_need <= available) return;
  std::vector<HostMemoryItem> largest = mine;
  std::sort(largest.begin(), largest.end(),
            [](const HostMemoryItem& a, const HostMemoryItem& b) { return a.bytes > b.bytes; });
  std::string parts;
  for (size_t i = 0; i < std::min<size_t>(3, largest.size()); ++i) {
    parts += fmt::format("{}{} {}", i ? ", " : "", largest[i].what, gib(largest[i].bytes));
  }
  uint64_t total = 0;
  for (const HostMemoryItem& i : mine) total += i.bytes;
  throw ResourceError(
      fmt::format("host memory: a rank needs {} ({}), the {} rank{} on this machine {}, but it has "
                  "{} available; "
                  "use fewer DPUs per server (--dpus-per-server), more machines, or --count-only "
                  "for time alone",
                  gib(total), parts, ranks_here, ranks_here == 1 ? "" : "s", gib(machine_need),
                  gib(available)));
}

std::string setup_context(const RunSetup& p) {
  return fmt::format("{} servers x {} DPUs, {} rows per DPU, {} features", p.servers, p.dpus,
                     p.layout.rows_per_dpu, p.layout.features);
}

}  // namespace pimscale
