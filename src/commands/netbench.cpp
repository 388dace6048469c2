#include "src/commands/netbench.h"

#include <fmt/core.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>
#include <vector>

#include "comm/calibration.h"
#include "io/run_folder.h"
#include "src/base/error.h"
#include "src/commands/collective_step.h"
#include "src/config/presets.h"
#include "src/version.h"

namespace pimscale {

namespace {

using A = CollectiveAlgorithm;

struct Case {
  Collective collective;
  A algorithm;
};
// Every algorithm the model has, each through the collective it implements.
constexpr Case kCases[] = {
    {Collective::kAllreduce, A::kRing},         {Collective::kAllreduce, A::kRecursiveDoubling},
    {Collective::kAllreduce, A::kRabenseifner}, {Collective::kReduceScatter, A::kRecursiveHalving},
    {Collective::kAllgather, A::kRing},         {Collective::kBroadcast, A::kBinomial}};

// Which sample a measured point belongs to. The preset is fitted on kFit only; the others are
// scored against it without having been seen.
enum class Sample { kFit, kNewSize, kNewRanks, kMpi };
constexpr const char* sample_name(Sample s) {
  switch (s) {
    case Sample::kFit:
      return "fit";
    case Sample::kNewSize:
      return "held-out size";
    case Sample::kNewRanks:
      return "held-out ranks";
    case Sample::kMpi:
      return "MPI_Allreduce";
  }
  return "";
}

struct Point {
  Case what;
  int64_t ranks = 0;
  uint64_t bytes = 0;
  Sample sample = Sample::kFit;
  CostTerms terms;
  double measured = 0;  // median of the slowest rank's seconds
  double model = 0;     // under the fitted preset
  double error() const { return std::fabs(model / measured - 1); }
};

// Geometric mean and maximum of the relative errors of the points in `sample`; nothing floored.
struct ErrorSummary {
  int64_t points = 0;
  double log_sum = 0, max = 0;
  void add(double error) {
    ++points;
    log_sum += std::log(error);
    max = std::max(max, error);
  }
  double geomean() const {
    return points > 0 ? std::exp(log_sum / static_cast<double>(points)) : 0;
  }
};
ErrorSummary summarise(const std::vector<Point>& points, Sample sample) {
  ErrorSummary e;
  for (const Point& pt : points) {
    if (pt.sample == sample) e.add(pt.error());
  }
  return e;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int64_t reps_for(uint64_t bytes, const NetbenchConfig& cfg) {
  if (cfg.reps > 0) return cfg.reps;
  return std::clamp<int64_t>(
      static_cast<int64_t>((uint64_t{8} << 20) / std::max<uint64_t>(bytes, 1)), 5, 50);
}

// Collective. The median over repetitions of the slowest rank's time of `once` (after one warm-up)
// on the ranks of `group`, which start each repetition together; the others wait.
template <class Once>
double measure(Cluster& cluster, const FirstRanks& group, int64_t reps, Once&& once) {
  const bool idle = !group.member();
  if (!idle) once();
  std::vector<double> times;
  for (int64_t r = 0; r < reps; ++r) {
    MPI_Barrier(cluster.mpi_comm());
    times.push_back(cluster.max(idle ? 0.0 : once()));
  }
  return median(times);
}

std::string host_name() {
  char buf[256] = {};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

std::string today() {
  const std::time_t now = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", std::gmtime(&now));
  return buf;
}

std::string toml_entry(const char* key, double value, const std::string& source) {
  return fmt::format("{} = {{ value = {:.6g}, source = \"{}\" }}\n", key, value, source);
}

// The automatic all-reduce's switch points the preset is written with (and fitted under).
constexpr int64_t kShortBytes = 2048, kLongBytes = 524288;

std::string preset_text(const std::string& name, const LinkCosts& link,
                        const std::vector<std::pair<A, LinkCosts>>& fits,
                        const std::string& where) {
  const std::string src = "pimscale netbench: " + where;
  std::string t = fmt::format(
      "# Fitted by `pimscale netbench` ({}). Use it with --network <this file>.\n"
      "name = \"{}\"\ndescription = \"measured: {}\"\n\n[network]\n",
      kVersion, name, where);
  t += toml_entry("bandwidth_gbit_s", link.bandwidth_gbit_s,
                  src + ", joint fit over all collectives");
  t += toml_entry("latency_us", link.latency_us, src + ", joint fit over all collectives");
  t += toml_entry("reduce_gbps", link.reduce_gbps, src + ", joint fit over all collectives");
  t += toml_entry("hop_latency_us", 0, "not measured: netbench sees one level of network");
  t += "\n[topology]\nkind = \"star\"  # as measured; change to fat-tree or ring to "
       "extrapolate\n\n[collectives]\n";
  t += toml_entry("allreduce_short_bytes", kShortBytes,
                  "MPICH: MPIR_CVAR_ALLREDUCE_SHORT_MSG_SIZE default");
  t += toml_entry("allreduce_long_bytes", kLongBytes, "pimscale convention: ring above 512 KiB");
  for (const auto& [a, c] : fits) {
    t += fmt::format("\n[fitted.{}]\n", algorithm_name(a));
    t += toml_entry("latency_us", c.latency_us, src);
    t += toml_entry("bandwidth_gbit_s", c.bandwidth_gbit_s, src);
    t += toml_entry("reduce_gbps", c.reduce_gbps, src);
  }
  return t;
}

// The rank counts measured: 2, 3, the powers of two up to p, and p (a handful even on a large
// cluster), with every count the fit is asked for.
std::vector<int64_t> measured_counts(int64_t p, const std::vector<int64_t>& fit) {
  std::vector<int64_t> counts = fit;
  for (int64_t k = 2; k < p; k *= 2) counts.push_back(k);
  if (p >= 3) counts.push_back(3);
  counts.push_back(p);
  std::sort(counts.begin(), counts.end());
  counts.erase(std::unique(counts.begin(), counts.end()), counts.end());
  return counts;
}

// The counts the preset is fitted on: as asked, else every measured count but the largest (which is
// then the extrapolation the fit is scored on); at 2 ranks, 2.
std::vector<int64_t> fit_counts(int64_t p, const std::vector<int64_t>& asked) {
  if (!asked.empty()) return asked;
  std::vector<int64_t> fit = measured_counts(p, {});
  if (fit.size() > 1) fit.pop_back();
  return fit;
}

void print_summary(const char* what, const ErrorSummary& e) {
  if (e.points == 0) {
    fmt::print("  {:<40} none measured\n", what);
    return;
  }
  fmt::print("  {:<40} {:>4} points  geometric-mean error {:>6.1f}%  max {:>6.1f}%\n", what,
             e.points, 100 * e.geomean(), 100 * e.max);
}

nlohmann::json summary_json(const ErrorSummary& e) {
  return {{"points", e.points}, {"geomean_error", e.geomean()}, {"max_error", e.max}};
}

// What is measured and which of it the fit sees. Sizes grow 4x from the smallest; every other one
// (16x apart, from the smallest) is fitted at the fitted rank counts; the sizes between,
// --max-bytes and the other rank counts are held out.
struct Plan {
  std::vector<int64_t> counts, fit_ranks;
  std::vector<uint64_t> sizes, fit_sizes;

  Plan(const NetbenchConfig& cfg, std::vector<int64_t> measured, std::vector<int64_t> fitted)
      : counts(std::move(measured)), fit_ranks(std::move(fitted)) {
    for (uint64_t n = cfg.min_bytes; n <= cfg.max_bytes; n *= 4) sizes.push_back(n);
    if (sizes.back() != cfg.max_bytes) sizes.push_back(cfg.max_bytes);
    for (size_t i = 0; i < sizes.size(); i += 2) {
      if (sizes[i] != cfg.max_bytes) fit_sizes.push_back(sizes[i]);
    }
  }
  bool fitted_count(int64_t k) const {
    return std::find(fit_ranks.begin(), fit_ranks.end(), k) != fit_ranks.end();
  }
  Sample sample_of(int64_t k, uint64_t bytes) const {
    if (!fitted_count(k)) return Sample::kNewRanks;
    return std::find(fit_sizes.begin(), fit_sizes.end(), bytes) != fit_sizes.end()
               ? Sample::kFit
               : Sample::kNewSize;
  }
};

// Collective. Every algorithm's schedule as real messages at each rank count of `plan` (the first
// k ranks; the others wait), and MPI's own all-reduce; every rank returns the same points.
std::vector<Point> measure_points(Cluster& cluster, const NetbenchConfig& cfg, const Plan& plan) {
  const NetworkSpec shape;  // a star: the schedules' partners and sizes do not depend on link costs
  std::vector<Point> points;
  for (int64_t k : plan.counts) {
    FirstRanks group(cluster.mpi_comm(), static_cast<int>(k));
    std::optional<ScheduleReplay> replay;
    if (group.member()) replay.emplace(group.comm());
    for (const Case& c : kCases) {
      for (uint64_t n : plan.sizes) {
        const std::vector<Step> steps =
            schedule(c.collective, c.algorithm, static_cast<double>(n), k, shape);
        Point pt{c, k, n, plan.sample_of(k, n), cost_terms(steps)};
        pt.measured = measure(cluster, group, reps_for(n, cfg), [&] { return replay->run(steps); });
        points.push_back(pt);
      }
    }
    for (uint64_t n : plan.sizes) {
      std::vector<int64_t> in(std::max<uint64_t>(n / 8, 1), 1), out(in.size());
      Point pt{{Collective::kAllreduce, A::kAuto}, k, n, Sample::kMpi, {}};
      pt.measured = measure(cluster, group, reps_for(n, cfg), [&] {
        const double t0 = MPI_Wtime();
        MPI_Allreduce(in.data(), out.data(), static_cast<int>(in.size()), MPI_INT64_T, MPI_SUM,
                      group.comm());
        return MPI_Wtime() - t0;
      });
      points.push_back(pt);
    }
    if (cluster.rank() == 0) {
      fmt::print("  measured at {} ranks{}\n", k,
                 plan.fitted_count(k) ? "" : " (held out of the fit)");
      std::fflush(stdout);
    }
  }
  return points;
}

}  // namespace

void run_netbench(const NetbenchConfig& cfg, Cluster& cluster) {
  const int64_t p = cluster.size();
  const bool root = cluster.rank() == 0;
  collective_step(cluster, [&] {
    if (p < 2)
      throw InputError(
          "netbench measures collectives between ranks: run it under mpirun with -n 2 or more");
    if (cfg.min_bytes < 8 || cfg.min_bytes > cfg.max_bytes || cfg.max_bytes > (uint64_t{1} << 30)) {
      throw InputError("netbench sizes: need 8 <= --min-bytes <= --max-bytes <= 1 GiB");
    }
    if (cfg.min_bytes == cfg.max_bytes) {
      // --max-bytes is always held out: one size would leave the fit nothing, and the preset
      // written zero latencies that no run can load.
      throw InputError(fmt::format(
          "netbench sizes: --min-bytes {0} equals --max-bytes, which is held out of the fit, so "
          "nothing is left to fit; give a range, e.g. --max-bytes {1}",
          cfg.min_bytes, std::min<uint64_t>(cfg.min_bytes * 64, uint64_t{1} << 30)));
    }
    for (int64_t k : cfg.fit_ranks) {
      if (k < 2 || k > p)
        throw InputError(fmt::format(
            "--fit-ranks {}: each rank count must be between 2 and the {} ranks started", k, p));
    }
  });
  std::optional<RunFolder> folder;
  collective_step(cluster, [&] {
    if (root) folder.emplace(cfg.out, cfg.force);
  });
  const std::string name =
      cfg.name.empty() ? fmt::format("measured-{}-p{}", host_name(), p) : cfg.name;
  const std::vector<int64_t> fit_ranks = fit_counts(p, cfg.fit_ranks);
  const std::vector<int64_t> counts = measured_counts(p, fit_ranks);
  const std::string where = fmt::format("{} ranks on {}, {}, fitted at {} ranks", p, host_name(),
                                        today(), fmt::join(fit_ranks, ","));

  const Plan plan(cfg, counts, fit_ranks);
  if (root) {
    fmt::print(
        "pimscale netbench: {} ranks, {} sizes from {} B to {} B at {} rank counts ({}), median of "
        "the slowest rank\n",
        p, plan.sizes.size(), cfg.min_bytes, cfg.max_bytes, counts.size(), fmt::join(counts, ", "));
    std::fflush(stdout);
  }

  std::vector<Point> points = measure_points(cluster, cfg, plan);
  if (!root) return;

  // 2. Fit on the fit sample only: one alpha, beta, gamma over every algorithm, then each
  // algorithm's own alpha and per-byte scale.
  std::vector<FitPoint> all;
  for (const Point& pt : points) {
    if (pt.sample == Sample::kFit) all.push_back({pt.terms, pt.measured});
  }
  NetworkSpec net;
  net.name = name;
  const LinkCosts link = fit_link(all);
  net.bandwidth_gbit_s = link.bandwidth_gbit_s;
  net.latency_us = link.latency_us;
  net.reduce_gbps = link.reduce_gbps;
  std::vector<std::pair<A, LinkCosts>> fits;
  for (A a :
       {A::kRing, A::kRecursiveDoubling, A::kRabenseifner, A::kRecursiveHalving, A::kBinomial}) {
    std::vector<FitPoint> mine;
    for (const Point& pt : points) {
      if (pt.sample == Sample::kFit && pt.what.algorithm == a)
        mine.push_back({pt.terms, pt.measured});
    }
    fits.emplace_back(a, fit_scaled(mine, link));
    net.fitted[a] = fits.back().second;
  }

  // MPI's own all-reduce, whose algorithm the library picks itself: the automatic choice's schedule
  // with its own alpha and a scaled beta and gamma, fitted to MPI_Allreduce at the fit sample's
  // rank counts and sizes (fitted.mpi: the CPU baseline's all-reduce, `--collective mpi`).
  net.allreduce_short_bytes = kShortBytes;
  net.allreduce_long_bytes = kLongBytes;
  std::vector<FitPoint> library_points;
  for (Point& pt : points) {
    if (pt.sample != Sample::kMpi) continue;
    pt.terms = cost_terms(
        schedule(Collective::kAllreduce, A::kAuto, static_cast<double>(pt.bytes), pt.ranks, net));
    if (plan.sample_of(pt.ranks, pt.bytes) == Sample::kFit)
      library_points.push_back({pt.terms, pt.measured});
  }
  fits.emplace_back(A::kMpi, fit_scaled(library_points, link));
  net.fitted[A::kMpi] = fits.back().second;

  // 3. Model versus measured, under the preset as written; MPI's all-reduce against the model's
  // automatic choice (never fitted to it), and against its own fit.
  std::vector<std::vector<std::string>> rows;
  nlohmann::json report;
  double log_sum = 0, worst = 0, log_joint = 0, worst_joint = 0;
  ErrorSummary library_fit, library_held_out;  // MPI_Allreduce against fitted.mpi
  int64_t schedule_points = 0;
  for (Point& pt : points) {
    const std::string coll(collective_name(pt.what.collective));
    std::string alg(algorithm_name(pt.what.algorithm));
    if (pt.sample == Sample::kMpi) {
      const A chosen = resolve_allreduce(A::kAuto, pt.bytes, pt.ranks, net);
      pt.model =
          collective_time(Collective::kAllreduce, A::kAuto, pt.bytes, pt.ranks, net).seconds();
      alg = fmt::format("MPI_Allreduce vs {}", algorithm_name(chosen));
      const double library = seconds_under(pt.terms, net.costs_for(A::kMpi));
      const bool fitted = plan.sample_of(pt.ranks, pt.bytes) == Sample::kFit;
      (fitted ? library_fit : library_held_out).add(std::fabs(library / pt.measured - 1));
      report["mpi_allreduce"].push_back({{"ranks", pt.ranks},
                                         {"bytes", pt.bytes},
                                         {"measured_seconds", pt.measured},
                                         {"model_seconds", pt.model},
                                         {"model_algorithm", algorithm_name(chosen)},
                                         {"fitted_mpi_seconds", library},
                                         {"fitted_mpi_sample", fitted ? "fit" : "held out"}});
    } else {
      pt.model = seconds_under(pt.terms, net.costs_for(pt.what.algorithm));
      const double joint = std::fabs(seconds_under(pt.terms, link) / pt.measured - 1);
      log_sum += std::log(pt.error());
      log_joint += std::log(joint);
      worst = std::max(worst, pt.error());
      worst_joint = std::max(worst_joint, joint);
      ++schedule_points;
    }
    rows.push_back({coll, alg, std::to_string(pt.bytes), fmt::format("{:.9g}", pt.measured),
                    fmt::format("{:.9g}", pt.model), fmt::format("{:.6g}", pt.error()),
                    std::to_string(pt.ranks), sample_name(pt.sample)});
  }
  const double n_points = static_cast<double>(schedule_points);
  const double geomean = std::exp(log_sum / n_points),
               geomean_joint = std::exp(log_joint / n_points);
  const ErrorSummary in_sample = summarise(points, Sample::kFit),
                     new_sizes = summarise(points, Sample::kNewSize),
                     new_ranks = summarise(points, Sample::kNewRanks),
                     mpi = summarise(points, Sample::kMpi);

  fmt::print(
      "\nfit at {} ranks on sizes {} B: alpha {:.3f} us, bandwidth {:.2f} Gb/s, reduce {:.2f} "
      "GB/s (joint); per-algorithm below\n",
      fmt::join(fit_ranks, ","), fmt::join(plan.fit_sizes, ","), link.latency_us,
      link.bandwidth_gbit_s, link.reduce_gbps);
  for (const auto& [a, c] : fits) {
    fmt::print("  {:<20} alpha {:>9.3f} us  bandwidth {:>10.2f} Gb/s  reduce {:>9.2f} GB/s\n",
               algorithm_name(a), c.latency_us, c.bandwidth_gbit_s, c.reduce_gbps);
    report["fitted"][std::string(algorithm_name(a))] = {{"latency_us", c.latency_us},
                                                        {"bandwidth_gbit_s", c.bandwidth_gbit_s},
                                                        {"reduce_gbps", c.reduce_gbps}};
  }
  fmt::print("\nmodel vs measured (every point in netbench.csv):\n");
  print_summary("in sample (fitted)", in_sample);
  print_summary("held-out sizes, fitted rank counts", new_sizes);
  print_summary("held-out rank counts, every size", new_ranks);
  print_summary("MPI_Allreduce vs automatic choice", mpi);
  print_summary("MPI_Allreduce vs fitted.mpi, in sample", library_fit);
  print_summary("MPI_Allreduce vs fitted.mpi, held out", library_held_out);
  fmt::print(
      "model vs measured over {} points: geometric-mean error {:.1f}%, max {:.1f}% "
      "(joint fit alone: {:.1f}%, max {:.1f}%)\n",
      schedule_points, 100 * geomean, 100 * worst, 100 * geomean_joint, 100 * worst_joint);

  report["version"] = kVersion;
  report["git_revision"] = kGitRevision;
  report["ranks"] = p;
  report["rank_counts"] = counts;
  report["fit_rank_counts"] = fit_ranks;
  report["host"] = host_name();
  report["sizes"] = plan.sizes;
  report["fit_sizes"] = plan.fit_sizes;
  report["joint"] = {{"latency_us", link.latency_us},
                     {"bandwidth_gbit_s", link.bandwidth_gbit_s},
                     {"reduce_gbps", link.reduce_gbps}};
  report["geomean_error"] = geomean;
  report["max_error"] = worst;
  report["geomean_error_joint"] = geomean_joint;
  report["max_error_joint"] = worst_joint;
  report["points"] = schedule_points;
  report["in_sample"] = summary_json(in_sample);
  report["held_out_sizes"] = summary_json(new_sizes);
  report["held_out_ranks"] = summary_json(new_ranks);
  report["mpi_allreduce_error"] = summary_json(mpi);
  report["fitted_mpi_in_sample"] = summary_json(library_fit);
  report["fitted_mpi_held_out"] = summary_json(library_held_out);
  report["preset"] = name + ".toml";
  folder->write_csv("netbench.csv",
                    {"collective", "algorithm", "bytes", "measured_seconds", "model_seconds",
                     "error", "ranks", "sample"},
                    rows);
  folder->write_json("netbench.json", report);
  folder->write_text(name + ".toml", preset_text(name, link, fits, where));
  folder->commit();
  fmt::print(
      "results in {}: netbench.csv, netbench.json, {}.toml (use: pimscale train --network "
      "{}/{}.toml)\n",
      cfg.out, name, cfg.out, name);
}

}  // namespace pimscale
