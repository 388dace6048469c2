// `pimscale sweep` (sweep.h): one train run per point through a launcher, then sweep.csv.
#include "src/commands/sweep.h"

#include <fmt/core.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "io/run_folder.h"
#include "pim_emul/fixed_point.h"
#include "src/algorithms/algorithm.h"
#include "src/base/error.h"
#include "src/base/progress.h"
#include "src/config/train_config.h"

namespace pimscale {

namespace {

namespace fs = std::filesystem;

struct Point {
  int64_t servers = 0, dpus = 0;
  TrainConfig train;
  std::string name;
};

std::string self_path() {
  std::error_code ec;
  const fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("pimscale") : p.string();
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// A train configuration as a TOML file `pimscale train --config` reads back.
std::string to_toml(const TrainConfig& c) {
  std::string t;
  const nlohmann::json j = to_json(c);
  for (const auto& [key, value] : j.items()) {
    if (value.is_string()) {
      t += key + " = " + nlohmann::json(value.get<std::string>()).dump() +
           "\n";  // JSON escapes are TOML's
    } else {
      t += key + " = " + value.dump() + "\n";
    }
  }
  return t;
}

// What a failed point said: its pimscale error line, else the log's last line.
std::string failure_of(const std::string& path) {
  std::ifstream f(path);
  std::string line, last;
  const std::string prefix = "pimscale: error: ";
  while (std::getline(f, line)) {
    if (line.starts_with(prefix)) return line.substr(prefix.size());
    if (!line.empty()) last = line;
  }
  return last;
}

std::vector<Point> make_points(const TrainConfig& base, const SweepConfig& s) {
  std::vector<Point> points;
  const std::vector<int64_t> dpus =
      s.dpus.empty() ? std::vector<int64_t>{base.dpus_per_server} : s.dpus;
  for (int64_t d : dpus) {
    for (int64_t n : s.servers) {
      if (n < 1 || d < 1) throw InputError("--servers and --dpus must be positive");
      Point p{n, d, base, fmt::format("s{}-d{}", n, d)};
      p.train.dpus_per_server = d;
      p.train.shares.clear();
      points.push_back(p);
    }
  }
  std::stable_sort(points.begin(), points.end(), [](const Point& a, const Point& b) {
    return a.servers * a.dpus < b.servers * b.dpus;
  });
  const int64_t n0 = points.front().servers * points.front().dpus;
  if (s.mode == SweepMode::kWeak) {
    if (base.rows_per_dpu <= 0) {
      throw InputError(
          "weak scaling keeps the rows per DPU fixed: give --rows-per-dpu R (the rows grow with "
          "the DPUs)");
    }
    for (Point& p : points) {
      // GA-SGD's batch is global: keep b / N, each DPU's share of a round, fixed.
      if (!Algorithm::of(p.train.algorithm).global_batch()) continue;
      const int64_t n = p.servers * p.dpus;
      if ((base.batch * n) % n0 != 0 ||
          !fixed::is_power_of_two(static_cast<uint64_t>(base.batch * n / n0))) {
        throw InputError(fmt::format(
            "weak scaling GA-SGD: --batch {} x {} DPUs / {} DPUs is not a power of two; use "
            "power-of-two server and DPU counts",
            base.batch, n, n0));
      }
      p.train.batch = base.batch * n / n0;
    }
  } else if (base.rows_per_dpu > 0) {
    throw InputError(
        "strong scaling keeps the problem fixed: give --rows R (or the whole file), not "
        "--rows-per-dpu");
  }
  return points;
}

}  // namespace

int run_sweep(const TrainConfig& base, const SweepConfig& s) {
  std::vector<Point> points = make_points(base, s);
  RunFolder folder(base.out, base.force);
  fs::create_directories(fs::path(folder.staging()) / "points");
  const std::string self = self_path();
  fmt::print("pimscale sweep: {} scaling, {} points, {} {} on {}\n", name_of(s.mode), points.size(),
             name_of(base.algorithm), name_of(base.model),
             base.data.empty() ? "synthetic " + name_string(base.synthetic) : base.data);
  std::fflush(stdout);

  const auto sweep_start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < points.size(); ++i) {
    Point& p = points[i];
    const fs::path dir = fs::path(folder.staging()) / "points";
    p.train.out = (dir / p.name).string();
    const std::string config = (dir / (p.name + ".toml")).string(),
                      log = (dir / (p.name + ".log")).string();
    std::ofstream(config) << to_toml(p.train);
    std::string launcher = s.launcher;
    for (size_t at; (at = launcher.find("{servers}")) != std::string::npos;)
      launcher.replace(at, 9, std::to_string(p.servers));
    const std::string cmd = launcher + " " + shell_quote(self) + " train --config " +
                            shell_quote(config) + " > " + shell_quote(log) + " 2>&1";
    fmt::print("point {}/{}: {} servers x {} DPUs ...", i + 1, points.size(), p.servers, p.dpus);
    std::fflush(stdout);
    const int rc = std::system(cmd.c_str());
    if (rc != 0) {
      fmt::print("\n");
      throw InputError(fmt::format("sweep point {} servers x {} DPUs failed (exit {}): {}",
                                   p.servers, p.dpus, WIFEXITED(rc) ? WEXITSTATUS(rc) : rc,
                                   failure_of(log)));
    }
    const double elapsed = seconds_since(sweep_start);
    const double left = Progress::seconds_left(i + 1, points.size(), elapsed);
    fmt::print(" done ({} so far{})\n", duration_text(elapsed),
               i + 1 < points.size() ? ", about " + duration_text(left) + " left" : "");
    std::fflush(stdout);
  }

  // One row per point; speedup and efficiency relative to the first (fewest DPUs).
  const std::vector<std::string> header = {"mode",
                                           "servers",
                                           "dpus_per_server",
                                           "total_dpus",
                                           "train_rows",
                                           "batch",
                                           "rounds_per_epoch",
                                           "emulated_seconds_per_epoch",
                                           "dpu_seconds_per_epoch",
                                           "network_seconds_per_epoch",
                                           "wait_seconds_per_epoch",
                                           "network_share",
                                           "speedup",
                                           "parallel_efficiency",
                                           "test_accuracy",
                                           "target_accuracy",
                                           "time_to_target_seconds",
                                           "wall_seconds",
                                           "run"};
  std::vector<std::vector<std::string>> rows;
  double t0 = 0;
  int64_t n0 = 0;
  fmt::print("\n{:>8}{:>6}{:>8}{:>16}{:>10}{:>10}{:>8}{:>10}{:>14}\n", "servers", "DPUs", "N",
             "s/epoch", "network", "speedup", "eff.", "test acc", "to target s");
  for (const Point& p : points) {
    std::ifstream f(fs::path(p.train.out) / "run.json");
    const nlohmann::json run = nlohmann::json::parse(f);
    const double epochs = static_cast<double>(run["config"]["epochs"].get<int64_t>());
    const double per_epoch = run["final"]["emulated_seconds"].get<double>() / epochs;
    const auto& ph = run["phases"];
    const double dpu = (ph["dpu_compute"].get<double>() + ph["dpu_dma"].get<double>()) / epochs;
    const double network = ph["network"].get<double>() / epochs,
                 wait = ph["wait"].get<double>() / epochs;
    const int64_t n = p.servers * p.dpus;
    if (rows.empty()) t0 = per_epoch, n0 = n;
    const double ratio = static_cast<double>(n) / static_cast<double>(n0);
    const double speedup = s.mode == SweepMode::kStrong ? t0 / per_epoch : ratio * t0 / per_epoch;
    const double efficiency = speedup / ratio;
    const nlohmann::json& acc = run["final"]["test_accuracy"];
    std::string to_target;
    if (s.target_accuracy > 0) {
      for (const auto& e : read_csv((fs::path(p.train.out) / "epochs.csv").string())) {
        const std::string a = e.at("test_accuracy");
        if (a != "nan" && std::stod(a) >= s.target_accuracy) {
          to_target = e.at("emulated_seconds_total");
          break;
        }
      }
    }
    const std::string rel = (fs::path("points") / p.name).string();
    rows.push_back(
        {name_string(s.mode), std::to_string(p.servers), std::to_string(p.dpus), std::to_string(n),
         std::to_string(run["dataset"]["train_rows_used"].get<uint64_t>()),
         std::to_string(p.train.batch), std::to_string(run["rounds_per_epoch"].get<uint64_t>()),
         fmt::format("{:.9g}", per_epoch), fmt::format("{:.9g}", dpu),
         fmt::format("{:.9g}", network), fmt::format("{:.9g}", wait),
         fmt::format("{:.6g}", network / per_epoch), fmt::format("{:.6g}", speedup),
         fmt::format("{:.6g}", efficiency),
         acc.is_null() ? "" : fmt::format("{:.6g}", acc.get<double>()),
         s.target_accuracy > 0 ? fmt::format("{:.6g}", s.target_accuracy) : "", to_target,
         fmt::format("{:.3f}", run["final"]["wall_seconds"].get<double>()), rel});
    fmt::print("{:>8}{:>6}{:>8}{:>16.9f}{:>9.1f}%{:>10.3f}{:>8.3f}{:>10}{:>14}\n", p.servers,
               p.dpus, n, per_epoch, 100 * network / per_epoch, speedup, efficiency,
               acc.is_null() ? "-" : fmt::format("{:.2f}%", 100 * acc.get<double>()),
               to_target.empty() ? "-" : to_target);
  }
  folder.write_csv("sweep.csv", header, rows);
  folder.commit();
  fmt::print("\nresults in {}/sweep.csv (each point's run folder under {}/points)\n", base.out,
             base.out);
  return 0;
}

}  // namespace pimscale
