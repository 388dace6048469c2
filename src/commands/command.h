// The one shape of every pimscale command: flags bound to its configuration, then run -> exit
// status. main.cpp holds the table of commands. Not responsible for printing errors or stopping
// ranks (main.cpp).
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "comm/cluster.h"

namespace pimscale {

class Command {
 public:
  virtual ~Command() = default;
  // Binds the command's flags to its configuration.
  virtual void add_flags(CLI::App& app) = 0;
  // Runs the parsed configuration and returns the exit status. Collective over `cluster` (every
  // rank calls it) for commands that run under MPI; null for those that only launch MPI jobs
  // (sweep). Throws Error (src/base/error.h) for bad input; CollectiveError when every rank has the
  // error.
  virtual int run(Cluster* cluster) = 0;
};

// One builder per command (src/commands/*.cpp).
std::unique_ptr<Command> make_train_command();
std::unique_ptr<Command> make_predict_command();
std::unique_ptr<Command> make_plan_command();
std::unique_ptr<Command> make_sweep_command();
std::unique_ptr<Command> make_microbench_command();
std::unique_ptr<Command> make_netbench_command();
std::unique_ptr<Command> make_synth_command();
std::unique_ptr<Command> make_convert_command();
std::unique_ptr<Command> make_stats_command();
std::unique_ptr<Command> make_export_command();
std::unique_ptr<Command> make_report_command();

// --plots (train, predict, plan, sweep): the command ends by writing report.html into its results
// folder (src/report/html_report.h) and printing its path. Rank 0.
void add_plots_flag(CLI::App& app, bool& plots);
void write_plots(const std::string& out);

}  // namespace pimscale
