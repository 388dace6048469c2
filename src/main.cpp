// The pimscale program: the table of commands, and how errors stop every MPI rank.
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <cstdio>
#include <map>
#include <optional>
#include <string>

#include "io/hdf5.h"
#include "src/commands/collective_step.h"
#include "src/commands/command.h"
#include "src/version.h"

using namespace pimscale;

namespace {

struct CommandEntry {
  const char* group;  // "" or the parent command ("data")
  const char* name;
  const char* help;
  bool mpi;  // runs as an MPI process (sweep only launches MPI jobs: it must not be one itself)
  std::unique_ptr<Command> (*make)();
};

constexpr CommandEntry kCommands[] = {
    {"", "train", "train a model on emulated PIM servers (one per MPI rank)", true,
     make_train_command},
    {"", "predict",
     "predict a train run's emulated time per phase and epoch without running it (one process)",
     true, make_predict_command},
    {"", "plan",
     "rank candidate configurations (servers, DPUs, networks, batches, algorithms) by predicted "
     "time",
     true, make_plan_command},
    {"", "microbench", "emulate the PrIM microbenchmarks on a hardware preset", true,
     make_microbench_command},
    {"", "netbench",
     "measure MPI collectives here (run under mpirun), fit the network model, write a network "
     "preset",
     true, make_netbench_command},
    {"", "sweep",
     "weak or strong scaling over servers and DPUs: one train run per point, sweep.csv", false,
     make_sweep_command},
    {"data", "synth", "write a synthetic dataset (in parallel under mpirun)", true,
     make_synth_command},
    {"data", "convert", "convert LIBSVM/svmlight, CSV or IDX files to a pimscale dataset", true,
     make_convert_command},
    {"data", "stats",
     "compute a dataset's statistics for predict (stored in the file's /stats), or a synthetic "
     "workload's",
     true, make_stats_command},
    {"data", "export", "write a split of a pimscale dataset as LIBSVM text", true,
     make_export_command},
};

// Whether the command line names a command that runs without MPI.
bool without_mpi(int argc, char** argv) {
  if (argc < 2) return false;
  for (const CommandEntry& c : kCommands) {
    if (!c.mpi && *c.group == '\0' && argv[1] == std::string(c.name)) return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<boost::mpi::environment> env;
  std::optional<Cluster> cluster;
  if (!without_mpi(argc, argv)) {
    env.emplace(argc, argv);
    cluster.emplace(boost::mpi::communicator());
  }
  const bool root = !cluster || cluster->rank() == 0;
  h5::silence_hdf5_errors();

  CLI::App app{
      "pimscale: an emulator of clusters of processing-in-memory servers training linear models"};
  app.set_version_flag("--version", std::string(kVersion) + " (" + kGitRevision + ")");
  app.require_subcommand(1);
  CLI::App* data = app.add_subcommand("data", "dataset tools");
  data->require_subcommand(1);
  std::vector<std::pair<CLI::App*, std::unique_ptr<Command>>> commands;
  for (const CommandEntry& c : kCommands) {
    CLI::App* parent = *c.group == '\0' ? &app : data;
    CLI::App* sub = parent->add_subcommand(c.name, c.help);
    commands.emplace_back(sub, c.make());
    commands.back().second->add_flags(*sub);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Every rank parsed the same arguments; only rank 0 speaks.
    if (root) return app.exit(e);
    return e.get_exit_code();
  }

  for (auto& [sub, command] : commands) {
    if (!sub->parsed()) continue;
    try {
      return command->run(cluster ? &*cluster : nullptr);
    } catch (const CollectiveError& e) {
      // Every rank has this error: one line from rank 0, and all ranks exit together.
      if (root) std::fprintf(stderr, "pimscale: error: %s\n", e.what());
      return 1;
    } catch (const std::exception& e) {
      if (!cluster) {
        std::fprintf(stderr, "pimscale: error: %s\n", e.what());
        return 1;
      }
      // Only this rank knows: say so, then stop every rank so none waits in a collective.
      std::fprintf(stderr, "pimscale: error (rank %d): %s\n", cluster->rank(), e.what());
      std::fflush(stderr);
      if (cluster->size() > 1) env->abort(1);
      return 1;
    }
  }
  return 0;
}
