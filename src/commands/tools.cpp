// The commands around training: sweep (launches train runs; no MPI of its own), microbench (the
// PrIM microbenchmarks on a preset, rank 0) and netbench (measures MPI collectives, every rank).
#include <fmt/core.h>

#include "src/commands/collective_step.h"
#include "src/commands/command.h"
#include "src/commands/microbench.h"
#include "src/commands/netbench.h"
#include "src/commands/sweep.h"
#include "src/config/config_cli.h"
#include "src/report/html_report.h"

namespace pimscale {

namespace {

// `pimscale report PATH... [--out report.html]`: one HTML file of result folders.
class ReportCommand final : public Command {
 public:
  void add_flags(CLI::App& app) override {
    app.add_option("paths", paths_,
                   "result folders: train, predict, sweep or plan --out folders, in any mix")
        ->required()
        ->type_name("FOLDER...");
    app.add_option("--out", out_, "the HTML file to write (default report.html)");
    app.add_flag("--force", force_, "replace --out if it exists");
  }
  int run(Cluster*) override {
    write_html_report(paths_, out_, force_);
    fmt::print("report: {} ({} result folder(s))\n", out_, paths_.size());
    return 0;
  }

 private:
  std::vector<std::string> paths_;
  std::string out_ = "report.html";
  bool force_ = false;
};

class SweepCommand final : public Command {
 public:
  void add_flags(CLI::App& app) override {
    cli_.emplace(app);
    app.add_option("--servers", s_.servers, "server counts (MPI ranks), e.g. 1,2,4,8")
        ->delimiter(',');
    app.add_option("--dpus", s_.dpus,
                   "DPUs per server to sweep, e.g. 16,32 (default: --dpus-per-server)")
        ->delimiter(',');
    app.add_option("--mode", mode_,
                   "weak (--rows-per-dpu fixed; GA-SGD's batch grows with the DPUs) or strong")
        ->check(CLI::IsMember({"weak", "strong"}));
    app.add_option("--target-accuracy", s_.target_accuracy,
                   "report the emulated time to reach this test accuracy");
    app.add_option(
        "--launcher", s_.launcher,
        "command that starts {servers} ranks, e.g. 'srun -N {servers} --ntasks-per-node=1' "
        "(default '${MPIEXEC:-mpirun} -n {servers}')");
    add_plots_flag(app, plots_);
  }
  int run(Cluster*) override {
    s_.mode = *enum_named<SweepMode>(mode_);  // CLI11 checked the name
    TrainConfig base = cli_->resolve();
    if (base.device != Device::kPim) {
      throw InputError(
          "sweep --device cpu is not available yet: run `pimscale train --device cpu` for each "
          "point");
    }
    if (base.out == TrainConfig{}.out) base.out = "runs/sweep";
    const int rc = run_sweep(base, s_);
    if (rc == 0 && plots_) write_plots(base.out);
    return rc;
  }

 private:
  std::optional<TrainConfigCli> cli_;
  bool plots_ = false;
  SweepConfig s_;
  std::string mode_ = "weak";
};

class MicrobenchCommand final : public Command {
 public:
  void add_flags(CLI::App& app) override {
    app.add_option("--hardware", config_.hardware, "hardware preset name or .toml file");
    app.add_option("--out", config_.out, "results folder (microbench.json)");
    app.add_flag("--force", config_.force, "replace a previous pimscale results folder at --out");
    app.add_option("--device", config_.device,
                   "pim: PrIM's microbenchmarks emulated on --hardware; cpu: measure this host's "
                   "rates for the CPU model and write them as a preset (cpu.toml)")
        ->check(CLI::IsMember({"pim", "cpu"}));
    app.add_option("--passes", config_.passes,
                   "--device cpu: measure everything this many times, one pass after another, and "
                   "keep each timing's fastest (a shared machine's slow spells last seconds; "
                   "default 1)")
        ->check(CLI::Range(1, 100));
  }
  int run(Cluster* cluster) override {
    if (config_.passes != 1 && config_.device != "cpu") {
      throw InputError(
          "microbench: --passes is for --device cpu (the PIM microbenchmarks are "
          "emulated, not timed); leave it out");
    }
    on_root(*cluster, [&] {
      if (config_.device == "cpu") {
        run_cpu_microbench(config_);
      } else {
        run_microbench(config_);
      }
    });
    return 0;
  }

 private:
  MicrobenchConfig config_;
};

class NetbenchCommand final : public Command {
 public:
  void add_flags(CLI::App& app) override {
    app.add_option("--min-bytes", config_.min_bytes, "smallest message (default 8)");
    app.add_option(
        "--max-bytes", config_.max_bytes,
        "largest message (default 64 MiB); sizes grow 4x from the smallest, every other one "
        "(16x apart) is fitted, the rest and the largest are held out");
    app.add_option("--reps", config_.reps,
                   "repetitions per size (default: 50 small .. 5 large); the median is used");
    app.add_option("--fit-ranks", config_.fit_ranks,
                   "rank counts to fit on, e.g. 2,3 (default: every measured count but the "
                   "largest; 2, 3, the powers of two and the ranks started are measured)")
        ->delimiter(',');
    app.add_option("--name", config_.name,
                   "name of the written preset (default measured-<host>-p<ranks>)");
    app.add_option("--out", config_.out,
                   "results folder (netbench.csv, netbench.json, <name>.toml)");
    app.add_flag("--force", config_.force, "replace a previous pimscale results folder at --out");
  }
  int run(Cluster* cluster) override {
    run_netbench(config_, *cluster);
    return 0;
  }

 private:
  NetbenchConfig config_;
};

}  // namespace

void add_plots_flag(CLI::App& app, bool& plots) {
  app.add_flag("--plots", plots,
               "end by writing report.html (charts of the results) into the results folder");
}

void write_plots(const std::string& out) {
  const std::string file = out + "/report.html";
  write_html_report({out}, file, /*force=*/true);  // a file of the folder this command wrote
  fmt::print("report: {}\n", file);
}

std::unique_ptr<Command> make_sweep_command() { return std::make_unique<SweepCommand>(); }
std::unique_ptr<Command> make_report_command() { return std::make_unique<ReportCommand>(); }
std::unique_ptr<Command> make_microbench_command() { return std::make_unique<MicrobenchCommand>(); }
std::unique_ptr<Command> make_netbench_command() { return std::make_unique<NetbenchCommand>(); }

}  // namespace pimscale
