// `pimscale plan`: the workload's configuration (train's keys) and the candidates to rank (plan's
// own flags), handed to the planner (src/predict/planner.h) on rank 0.
#include "src/commands/collective_step.h"
#include "src/commands/command.h"
#include "src/config/config_cli.h"
#include "src/predict/planner.h"

namespace pimscale {

namespace {

// The plan's own flags (the workload's come from TrainConfigCli).
void add_plan_flags(CLI::App& app, PlanLimits& l) {
  app.add_option("--max-servers", l.max_servers,
                 "servers to consider: 1, 2, 4, ... up to this (default 16)");
  app.add_option("--servers", l.servers, "or exactly these server counts, comma-separated");
  app.add_option("--dpus", l.dpus,
                 "DPUs per server to consider, comma-separated (default: --dpus-per-server)");
  app.add_option("--networks", l.networks,
                 "network presets to consider, comma-separated (default: --network)");
  app.add_option("--batches", l.batches,
                 "batch sizes to consider, comma-separated (default: --batch)");
  app.add_option("--algorithms", l.algorithms,
                 "algorithms to consider (default ga-sgd,ma-sgd,admm)");
  app.add_option("--curve", l.curves,
                 "a short emulated run's folder (run.json, epochs.csv) giving a convergence curve; "
                 "repeatable");
  app.add_option("--target-accuracy", l.target_accuracy,
                 "rank by predicted time to this test accuracy (needs --curve)");
  app.add_option("--top", l.top, "candidates to print (default 10)");
  app.add_option("--devices", l.devices,
                 "devices to compare, comma-separated: pim (the configuration's PIM servers), cpu, "
                 "gpu (modelled servers of --cpu-hardware, --gpu-hardware; default pim)");
  app.add_option("--cpu-hardware", l.cpu_hardware,
                 "the CPU server's preset for --devices cpu (default cpu-epyc-7742-2s)");
  app.add_option("--gpu-hardware", l.gpu_hardware,
                 "the GPU server's preset for --devices gpu (default gpu-a100-80gb-sxm)");
}

class PlanCommand final : public Command {
 public:
  void add_flags(CLI::App& app) override {
    cli_.emplace(app, /*predicting=*/true);
    add_plan_flags(app, limits_);
    add_plots_flag(app, plots_);
  }
  int run(Cluster* cluster) override {
    TrainConfig config;
    collective_step(*cluster, [&] {
      config = cli_->resolve();
      if (config.device != Device::kPim) {
        throw InputError("plan --device " + name_string(config.device) +
                         " is not available yet: plan ranks PIM configurations; add CPU and GPU "
                         "servers with --devices pim,cpu,gpu");
      }
    });
    on_root(*cluster, [&] {
      plan_configurations(config, limits_);
      if (plots_) write_plots(config.out);
    });
    return 0;
  }

 private:
  std::optional<TrainConfigCli> cli_;
  PlanLimits limits_;
  bool plots_ = false;
};

}  // namespace

std::unique_ptr<Command> make_plan_command() { return std::make_unique<PlanCommand>(); }

}  // namespace pimscale
