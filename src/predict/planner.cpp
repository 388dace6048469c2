#include "src/predict/planner.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>

#include "io/run_folder.h"
#include "src/base/error.h"
#include "src/base/text.h"
#include "src/predict/predictor.h"

namespace pimscale {

namespace fs = std::filesystem;

namespace {

// The integers of `list`, each in [1, max].
std::vector<int64_t> int_list(const std::string& list, const std::string& flag, int64_t max) {
  std::vector<int64_t> v;
  for (const std::string& item : split_list(list)) {
    const std::optional<int64_t> n = whole_integer(item);
    if (!n || *n <= 0 || *n > max) {
      throw InputError(flag + " '" + list + "' must be integers in [1, " + std::to_string(max) +
                       "] separated by commas");
    }
    v.push_back(*n);
  }
  return v;
}

// A convergence curve: the epoch at which a short run first reached the target, and whose run it
// was.
struct Curve {
  std::string folder;
  AlgorithmKind algorithm = AlgorithmKind::kGaSgd;
  int64_t batch = 0, total_dpus = 0;
  std::optional<int64_t> epochs_to_target;
  int64_t epochs_run = 0;
};

Curve read_curve(const std::string& folder, double target) {
  Curve c;
  c.folder = folder;
  std::ifstream f(fs::path(folder) / "run.json");
  nlohmann::json run;
  try {
    run = nlohmann::json::parse(f);
    const std::optional<AlgorithmKind> a =
        enum_named<AlgorithmKind>(run.at("config").at("algorithm").get<std::string>());
    if (!a) throw InputError("unknown algorithm");
    c.algorithm = *a;
    c.batch = run.at("config").at("batch").get<int64_t>();
    c.total_dpus = run.at("total_dpus").get<int64_t>();
    if (run.value("predicted", false) || run.at("count_only").get<bool>())
      throw InputError("no accuracy");
  } catch (const std::exception&) {
    throw InputError(
        "--curve '" + folder +
        "' is not the folder of a `pimscale train` run with metrics (its run.json "
        "is missing, unreadable, predicted or count-only); pass a short train run's --out folder");
  }
  for (const auto& e : read_csv((fs::path(folder) / "epochs.csv").string())) {
    ++c.epochs_run;
    const auto a = e.find("test_accuracy");
    if (!c.epochs_to_target && a != e.end() && a->second != "nan" &&
        std::stod(a->second) >= target) {
      c.epochs_to_target = std::stoll(e.at("epoch"));
    }
  }
  return c;
}

// The curve that best stands for a candidate: the same algorithm and batch, preferring the same
// total DPUs (model averaging converges differently over more workers).
const Curve* curve_for(const std::vector<Curve>& curves, AlgorithmKind algorithm, int64_t batch,
                       int64_t total_dpus) {
  const Curve* best = nullptr;
  for (const Curve& c : curves) {
    if (c.algorithm != algorithm || c.batch != batch) continue;
    if (!best || (c.total_dpus == total_dpus && best->total_dpus != total_dpus)) best = &c;
  }
  return best;
}

struct Candidate {
  TrainConfig cfg;
  int64_t servers = 0;
  std::string note;  // a device prediction's (a GPU streaming its rows)
  std::optional<Prediction> p;
  std::string reason;  // why infeasible
  const Curve* curve = nullptr;
  double to_target = NAN;
  double epoch() const { return p ? p->steady_epoch.total().seconds() : INFINITY; }
  // DPUs per server (PIM), or workers per server (CPU cores, GPUs) in the DPUs' place.
  int64_t per_server() const {
    return cfg.device == Device::kPim ? cfg.dpus_per_server : cfg.workers_per_server;
  }
};

// Prices `c` (its configuration set but for its DPUs or workers per server, `d`): PIM by the
// predictor, CPU and GPU servers by their models on the plan's presets; infeasible (bad input, does
// not fit) with the reason. Then its time to the target from the curve that stands for it.
void price(Candidate& c, int64_t d, const PlanLimits& l, const std::vector<Curve>& curves,
           const Workload& workload, PresetCache& presets) {
  try {
    if (c.cfg.device == Device::kPim) {
      c.cfg.dpus_per_server = d;
      validate(c.cfg, true);
      c.p = predict(c.cfg, c.servers, workload, presets);
    } else {
      c.cfg.hardware = c.cfg.device == Device::kCpu ? l.cpu_hardware : l.gpu_hardware;
      c.cfg.numerics = Numerics::kFloat;
      c.cfg.workers_per_server = d;
      validate(c.cfg, true);
      DevicePrediction dp = predict_device(c.cfg, c.servers, 1, workload, presets);
      c.note = dp.note;
      c.p = std::move(dp.p);
    }
  } catch (const Error& e) {
    c.reason = e.what();
    return;
  }
  c.curve = curve_for(curves, c.cfg.algorithm, c.cfg.batch, c.servers * d);
  if (c.curve && c.curve->epochs_to_target) {
    const int64_t k = *c.curve->epochs_to_target;
    c.to_target = c.p->startup.total().seconds() + c.p->epoch_seconds(1) +
                  static_cast<double>(k - 1) * c.p->epoch_seconds(2);
  }
}

std::string g9(double v) { return std::isfinite(v) ? fmt::format("{:.9g}", v) : ""; }

}  // namespace

int plan_configurations(const TrainConfig& base, const PlanLimits& l) {
  std::vector<int64_t> servers;
  if (!l.servers.empty()) {
    servers = int_list(l.servers, "--servers", kMaxServers);
  } else {
    if (l.max_servers < 1 || l.max_servers > kMaxServers) {
      throw InputError("--max-servers " + std::to_string(l.max_servers) + " must be in [1, " +
                       std::to_string(kMaxServers) + "]");
    }
    for (int64_t s = 1; s <= l.max_servers; s *= 2) servers.push_back(s);
    if (servers.back() != l.max_servers) servers.push_back(l.max_servers);
  }
  const std::vector<int64_t> dpus = l.dpus.empty() ? std::vector<int64_t>{base.dpus_per_server}
                                                   : int_list(l.dpus, "--dpus", kMaxDpusPerServer);
  const std::vector<int64_t> batches = l.batches.empty()
                                           ? std::vector<int64_t>{base.batch}
                                           : int_list(l.batches, "--batches", int64_t{1} << 40);
  const std::vector<std::string> networks =
      l.networks.empty() ? std::vector<std::string>{base.network} : split_list(l.networks);
  std::vector<AlgorithmKind> algorithms;
  for (const std::string& a : split_list(l.algorithms)) {
    const std::optional<AlgorithmKind> kind = enum_named<AlgorithmKind>(a);
    if (!kind)
      throw InputError("--algorithms '" + l.algorithms + "': '" + a +
                       "' is unknown; use ga-sgd, ma-sgd or admm");
    algorithms.push_back(*kind);
  }
  if (l.target_accuracy > 0 && l.curves.empty()) {
    throw InputError("--target-accuracy needs at least one --curve (a short train run's folder)");
  }
  std::vector<Curve> curves;
  for (const std::string& c : l.curves) curves.push_back(read_curve(c, l.target_accuracy));

  std::vector<Device> devices;
  for (const std::string& d : split_list(l.devices)) {
    const std::optional<Device> device = enum_named<Device>(d);
    if (!device)
      throw InputError("--devices '" + l.devices + "': '" + d + "' is unknown; use pim, cpu, gpu");
    if (std::find(devices.begin(), devices.end(), *device) == devices.end())
      devices.push_back(*device);
  }
  const bool other_devices =
      std::any_of(devices.begin(), devices.end(), [](Device d) { return d != Device::kPim; });
  if (other_devices && base.rows_per_dpu > 0) {
    throw InputError(
        "plan --devices compares PIM, CPU and GPU servers on one dataset: give its size as --rows "
        "R, not --rows-per-dpu (which grows with each candidate's DPUs)");
  }
  PresetCache presets;
  // A name that is no preset is a typo, not an infeasible candidate: refused before any work.
  for (const std::string& network : networks) {
    if (network == "measured") continue;  // predict's own error, per candidate
    TrainConfig c = base;
    c.network = network;
    presets.network(c, nullptr);
  }
  const Workload workload = load_workload(base);
  RunFolder folder(base.out, base.force);
  // The CPU and GPU presets (typos refused before any work, as networks).
  std::optional<CpuSpec> cpu;
  std::optional<GpuSpec> gpu;
  for (const Device device : devices) {
    if (device == Device::kCpu) cpu = load_cpu_preset(l.cpu_hardware);
    if (device == Device::kGpu) gpu = load_gpu_preset(l.gpu_hardware);
  }
  std::vector<Candidate> all;
  for (const Device device : devices) {
    // PIM: each DPU count; CPU and GPU: the preset's cores or GPUs (plan's configuration is a PIM
    // one, so it has no --workers-per-server).
    const std::vector<int64_t> per_server = device == Device::kPim   ? dpus
                                            : device == Device::kCpu ? std::vector{cpu->cores}
                                                                     : std::vector{gpu->gpus};
    for (const AlgorithmKind algorithm : algorithms) {
      for (const std::string& network : networks) {
        for (const int64_t b : batches) {
          for (const int64_t d : per_server) {
            for (const int64_t s : servers) {
              Candidate& c = all.emplace_back();
              c.cfg = base;
              c.cfg.device = device;
              c.cfg.algorithm = algorithm;
              c.cfg.network = network;
              c.cfg.batch = b;
              c.servers = s;
              price(c, d, l, curves, workload, presets);
            }
          }
        }
      }
    }
  }
  const bool by_target = l.target_accuracy > 0;
  std::stable_sort(all.begin(), all.end(), [&](const Candidate& a, const Candidate& b) {
    if (by_target) {
      const double x = std::isfinite(a.to_target) ? a.to_target : INFINITY;
      const double y = std::isfinite(b.to_target) ? b.to_target : INFINITY;
      if (x != y) return x < y;
    }
    return a.epoch() < b.epoch();
  });

  std::vector<std::string> header = {"rank",
                                     "algorithm",
                                     "servers",
                                     "dpus_per_server",
                                     "total_dpus",
                                     "network",
                                     "batch",
                                     "feasible",
                                     "rounds_per_epoch",
                                     "epoch_seconds",
                                     "first_epoch_seconds",
                                     "startup_seconds"};
  for (int p = 0; p < kPhaseCount; ++p) header.emplace_back(phase_name(static_cast<Phase>(p)));
  for (const char* h : {"curve", "epochs_to_target", "time_to_target_seconds", "reason", "device",
                        "hardware", "workers_per_server", "note"})
    header.emplace_back(h);
  std::vector<std::vector<std::string>> rows;
  int64_t feasible = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    const Candidate& c = all[i];
    feasible += c.p ? 1 : 0;
    const int64_t dpus_per_server = c.cfg.device == Device::kPim ? c.cfg.dpus_per_server : 0;
    std::vector<std::string> r = {std::to_string(i + 1),
                                  name_string(c.cfg.algorithm),
                                  std::to_string(c.servers),
                                  std::to_string(dpus_per_server),
                                  std::to_string(c.servers * dpus_per_server),
                                  c.cfg.network,
                                  std::to_string(c.cfg.batch),
                                  c.p ? "1" : "0",
                                  c.p ? std::to_string(c.p->setup.rounds) : "",
                                  g9(c.epoch()),
                                  c.p ? g9(c.p->epoch_seconds(1)) : "",
                                  c.p ? g9(c.p->startup.total().seconds()) : ""};
    for (int p = 0; p < kPhaseCount; ++p)
      r.push_back(c.p ? g9(c.p->steady_epoch.time[p].seconds()) : "");
    r.push_back(c.curve ? c.curve->folder : "");
    r.push_back(c.curve && c.curve->epochs_to_target ? std::to_string(*c.curve->epochs_to_target)
                                                     : "");
    r.push_back(g9(c.to_target));
    std::string reason = c.reason;
    std::replace(reason.begin(), reason.end(), ',', ';');  // one CSV cell
    r.push_back(reason);
    r.push_back(name_string(c.cfg.device));
    r.push_back(c.cfg.device == Device::kPim   ? c.cfg.hardware
                : c.cfg.device == Device::kCpu ? l.cpu_hardware
                                               : l.gpu_hardware);
    r.push_back(c.cfg.device == Device::kPim ? "" : std::to_string(c.per_server()));
    std::string note = c.note;
    std::replace(note.begin(), note.end(), ',', ';');
    r.push_back(note);
    rows.push_back(std::move(r));
  }
  folder.write_csv("plan.csv", header, rows);
  folder.commit();

  fmt::print("pimscale plan: {} {} on {} ({} rows); {} candidates, {} feasible; ranked by {}\n",
             name_of(base.model), name_of(base.numerics), workload.name, workload.stats.rows,
             all.size(), feasible,
             by_target
                 ? fmt::format("predicted time to {:.2f}% test accuracy", 100 * l.target_accuracy)
                 : std::string("predicted time per epoch"));
  fmt::print("\n{:>4} {:<4} {:<7}{:>8}{:>6}{:>9}{:>8}{:>14}{:>7}{:>7}{:>7}{:>7}{:>7}{:>14}\n",
             "rank", "dev", "algo", "servers", "DPUs", "network", "batch", "s/epoch", "dev%",
             "xfer%", "host%", "net%", "wait%", by_target ? "to target s" : "");
  for (size_t i = 0; i < all.size() && static_cast<int64_t>(i) < l.top; ++i) {
    const Candidate& c = all[i];
    if (!c.p) break;
    const PhaseLedger& e = c.p->steady_epoch;
    const double t = e.total().seconds();
    auto pct = [&](std::initializer_list<Phase> ps) {
      double s = 0;
      for (Phase p : ps) s += e.time[static_cast<int>(p)].seconds();
      return t > 0 ? 100 * s / t : 0.0;
    };
    // CPU and GPU servers: their workers (cores, GPUs) in the DPUs' column; host% holds their
    // kernels' host side and the sums (host_compute + host_reduce).
    fmt::print(
        "{:>4} {:<4} {:<7}{:>8}{:>6}{:>9}{:>8}{:>14.6g}{:>7.1f}{:>7.1f}{:>7.1f}{:>7.1f}{:>7.1f}"
        "{:>14}\n",
        i + 1, name_of(c.cfg.device), name_of(c.cfg.algorithm), c.servers, c.per_server(),
        c.cfg.network, c.cfg.batch, t, pct({Phase::kDpuCompute, Phase::kDpuDma}),
        pct({Phase::kHostToDpu, Phase::kDpuToHost}), pct({Phase::kHostReduce, Phase::kHostCompute}),
        pct({Phase::kNetwork}), pct({Phase::kWait}),
        by_target ? (std::isfinite(c.to_target) ? fmt::format("{:.6g}", c.to_target)
                     : c.curve                  ? "not reached"
                                                : "no curve")
                  : "");
  }
  // The winner, and by how much it beats the best of each other device.
  if (!all.empty() && all.front().p) {
    const Candidate& w = all.front();
    auto score = [&](const Candidate& c) {
      return by_target && std::isfinite(c.to_target) ? c.to_target : c.epoch();
    };
    const char* unit = by_target && std::isfinite(w.to_target) ? "s to target" : "s per epoch";
    fmt::print("\nwinner: {} {} servers x {} {}, {}, {}, batch {}: {:.6g} {}\n", w.servers,
               name_of(w.cfg.device), w.per_server(),
               w.cfg.device == Device::kPim   ? "DPUs"
               : w.cfg.device == Device::kCpu ? "workers"
                                              : "GPUs",
               name_of(w.cfg.algorithm), w.cfg.network, w.cfg.batch, score(w), unit);
    for (const Device d : devices) {
      if (d == w.cfg.device) continue;
      const auto best = std::find_if(all.begin(), all.end(),
                                     [&](const Candidate& c) { return c.p && c.cfg.device == d; });
      if (best == all.end()) {
        fmt::print("  no feasible {} candidate\n", name_of(d));
      } else {
        fmt::print("  {:.3g}x faster than the best {} candidate (rank {}: {:.6g} {})\n",
                   score(*best) / score(w), name_of(d), best - all.begin() + 1, score(*best), unit);
      }
    }
  }
  fmt::print("\nall {} candidates in {}/plan.csv\n", all.size(), base.out);
  return 0;
}

}  // namespace pimscale
