#include "src/commands/netbench.h"

#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
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

struct Point {
  Case what;
  uint64_t bytes = 0;
  CostTerms terms;
  double measured = 0;  // median of the slowest rank's seconds
  double model = 0;     // under the fitted preset
};

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

// Collective. The median over repetitions of the slowest rank's time of `once` (after one warm-up).
template <class Once>
double measure(Cluster& cluster, int64_t reps, Once&& once) {
  once();
  std::vector<double> times;
  for (int64_t r = 0; r < reps; ++r) {
    MPI_Barrier(cluster.mpi_comm());
    times.push_back(cluster.max(once()));
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
  t += toml_entry("allreduce_short_bytes", 2048,
                  "MPICH: MPIR_CVAR_ALLREDUCE_SHORT_MSG_SIZE default");
  t += toml_entry("allreduce_long_bytes", 524288, "pimscale convention: ring above 512 KiB");
  for (const auto& [a, c] : fits) {
    t += fmt::format("\n[fitted.{}]\n", algorithm_name(a));
    t += toml_entry("latency_us", c.latency_us, src);
    t += toml_entry("bandwidth_gbit_s", c.bandwidth_gbit_s, src);
    t += toml_entry("reduce_gbps", c.reduce_gbps, src);
  }
  return t;
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
  });
  std::optional<RunFolder> folder;
  collective_step(cluster, [&] {
    if (root) folder.emplace(cfg.out, cfg.force);
  });
  const std::string name =
      cfg.name.empty() ? fmt::format("measured-{}-p{}", host_name(), p) : cfg.name;
  const std::string where = fmt::format("{} ranks on {}, {}", p, host_name(), today());

  std::vector<uint64_t> sizes;
  for (uint64_t n = cfg.min_bytes; n <= cfg.max_bytes; n *= 8) sizes.push_back(n);
  if (sizes.back() != cfg.max_bytes) sizes.push_back(cfg.max_bytes);
  if (root) {
    fmt::print(
        "pimscale netbench: {} ranks, {} sizes from {} B to {} B, median of the slowest rank\n", p,
        sizes.size(), cfg.min_bytes, cfg.max_bytes);
    std::fflush(stdout);
  }

  // 1. Measure every algorithm's schedule as real messages, and MPI's own all-reduce.
  NetworkSpec shape;  // a star: the schedules' partners and sizes do not depend on link costs
  ScheduleReplay replay(cluster.mpi_comm());
  std::vector<Point> points;
  for (const Case& c : kCases) {
    for (uint64_t n : sizes) {
      const std::vector<Step> steps =
          schedule(c.collective, c.algorithm, static_cast<double>(n), p, shape);
      Point pt{c, n, cost_terms(steps)};
      pt.measured = measure(cluster, reps_for(n, cfg), [&] { return replay.run(steps); });
      points.push_back(pt);
    }
    if (root) {
      fmt::print("  measured {} {}\n", collective_name(c.collective), algorithm_name(c.algorithm));
      std::fflush(stdout);
    }
  }
  std::vector<std::pair<uint64_t, double>> native;
  for (uint64_t n : sizes) {
    std::vector<int64_t> in(std::max<uint64_t>(n / 8, 1), 1), out(in.size());
    native.emplace_back(n, measure(cluster, reps_for(n, cfg), [&] {
                          const double t0 = MPI_Wtime();
                          MPI_Allreduce(in.data(), out.data(), static_cast<int>(in.size()),
                                        MPI_INT64_T, MPI_SUM, cluster.mpi_comm());
                          return MPI_Wtime() - t0;
                        }));
  }
  if (!root) return;

  // 2. Fit: one alpha, beta, gamma over everything, then each algorithm's own alpha and per-byte
  // scale.
  std::vector<FitPoint> all;
  all.reserve(points.size());
  for (const Point& pt : points) all.push_back({pt.terms, pt.measured});
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
      if (pt.what.algorithm == a) mine.push_back({pt.terms, pt.measured});
    }
    fits.emplace_back(a, fit_scaled(mine, link));
    net.fitted[a] = fits.back().second;
  }

  // 3. Model versus measured, under the preset as written.
  std::vector<std::vector<std::string>> rows;
  nlohmann::json report;
  double log_sum = 0, worst = 0, worst_joint = 0, log_joint = 0;
  fmt::print("\n{:<16}{:<20}{:>12}{:>14}{:>14}{:>9}\n", "collective", "algorithm", "bytes",
             "measured us", "model us", "error");
  for (Point& pt : points) {
    pt.model = seconds_under(pt.terms, net.costs_for(pt.what.algorithm));
    const double err = std::fabs(pt.model / pt.measured - 1);
    const double joint = std::fabs(seconds_under(pt.terms, link) / pt.measured - 1);
    log_sum += std::log(std::max(err, 1e-4));
    log_joint += std::log(std::max(joint, 1e-4));
    worst = std::max(worst, err);
    worst_joint = std::max(worst_joint, joint);
    const std::string coll(collective_name(pt.what.collective)),
        alg(algorithm_name(pt.what.algorithm));
    fmt::print("{:<16}{:<20}{:>12}{:>14.2f}{:>14.2f}{:>8.1f}%\n", coll, alg, pt.bytes,
               pt.measured * 1e6, pt.model * 1e6, 100 * err);
    rows.push_back({coll, alg, std::to_string(pt.bytes), fmt::format("{:.9g}", pt.measured),
                    fmt::format("{:.9g}", pt.model), fmt::format("{:.6g}", err)});
  }
  const double n_points = static_cast<double>(points.size());
  const double geomean = std::exp(log_sum / n_points),
               geomean_joint = std::exp(log_joint / n_points);
  fmt::print("\nMPI's own all-reduce (not fitted) against the fitted model's automatic choice:\n");
  for (const auto& [n, t] : native) {
    const A chosen = resolve_allreduce(A::kAuto, n, p, net);
    const double model = collective_time(Collective::kAllreduce, A::kAuto, n, p, net).seconds();
    fmt::print("  {:>12} B  measured {:>10.2f} us  model ({}) {:>10.2f} us\n", n, t * 1e6,
               algorithm_name(chosen), model * 1e6);
    report["mpi_allreduce"].push_back({{"bytes", n},
                                       {"measured_seconds", t},
                                       {"model_seconds", model},
                                       {"model_algorithm", algorithm_name(chosen)}});
  }
  fmt::print(
      "\nfit: alpha {:.3f} us, bandwidth {:.2f} Gb/s, reduce {:.2f} GB/s (joint); per-algorithm "
      "below\n",
      link.latency_us, link.bandwidth_gbit_s, link.reduce_gbps);
  for (const auto& [a, c] : fits) {
    fmt::print("  {:<20} alpha {:>9.3f} us  bandwidth {:>10.2f} Gb/s  reduce {:>9.2f} GB/s\n",
               algorithm_name(a), c.latency_us, c.bandwidth_gbit_s, c.reduce_gbps);
    report["fitted"][std::string(algorithm_name(a))] = {{"latency_us", c.latency_us},
                                                        {"bandwidth_gbit_s", c.bandwidth_gbit_s},
                                                        {"reduce_gbps", c.reduce_gbps}};
  }
  fmt::print(
      "model vs measured over {} points: geometric-mean error {:.1f}%, max {:.1f}% "
      "(joint fit alone: {:.1f}%, max {:.1f}%)\n",
      points.size(), 100 * geomean, 100 * worst, 100 * geomean_joint, 100 * worst_joint);

  report["version"] = kVersion;
  report["git_revision"] = kGitRevision;
  report["ranks"] = p;
  report["host"] = host_name();
  report["sizes"] = sizes;
  report["joint"] = {{"latency_us", link.latency_us},
                     {"bandwidth_gbit_s", link.bandwidth_gbit_s},
                     {"reduce_gbps", link.reduce_gbps}};
  report["geomean_error"] = geomean;
  report["max_error"] = worst;
  report["geomean_error_joint"] = geomean_joint;
  report["max_error_joint"] = worst_joint;
  report["points"] = points.size();
  report["preset"] = name + ".toml";
  folder->write_csv(
      "netbench.csv",
      {"collective", "algorithm", "bytes", "measured_seconds", "model_seconds", "error"}, rows);
  folder->write_json("netbench.json", report);
  folder->write_text(name + ".toml", preset_text(name, link, fits, where));
  folder->commit();
  fmt::print(
      "results in {}: netbench.csv, netbench.json, {}.toml (use: pimscale train --network "
      "{}/{}.toml)\n",
      cfg.out, name, cfg.out, name);
}

}  // namespace pimscale
