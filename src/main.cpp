// The pimscale program: the table of commands, and how errors stop every MPI rank.
#include <algorithm>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <cstdio>
#include <map>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "io/hdf5.h"
#include "node/host_memory.h"
#include "src/base/error.h"
#include "src/base/text.h"
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
    {"", "report",
     "one self-contained HTML report (charts) of train, predict, sweep and plan result folders",
     false, make_report_command},
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

// A mistake in the command line itself (an unknown command or flag, a missing or mistyped value)
// exits with this status; every other error with 1 (README, section Errors).
constexpr int kUsageStatus = 2;

std::vector<std::string> command_names(const std::string& group) {
  std::vector<std::string> names;
  if (group.empty()) names.emplace_back("data");
  for (const CommandEntry& c : kCommands) {
    if (c.group == group) names.emplace_back(c.name);
  }
  return names;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

const CLI::Validator kNotNegative(
    [](std::string& s) {
      return s.find('-') == std::string::npos ? std::string()
                                              : "'" + s + "' is negative; give a count >= 0";
    },
    "", "");

// A command word that names no command ("trian", "data synthe"), caught before CLI11 reads it.
void check_command_words(int argc, char** argv) {
  std::string group;
  for (int i = 1; i < argc && i <= 2; ++i) {
    const std::string word = argv[i];
    if (word.starts_with("-")) return;
    const std::vector<std::string> names = command_names(group);
    if (std::find(names.begin(), names.end(), word) == names.end()) {
      const std::string where = group.empty() ? "pimscale" : "pimscale " + group;
      throw UsageError("'" + word + "' is not a command of `" + where + "`" +
                       did_you_mean(word, names) + " (commands: " + joined(names) + ")");
    }
    if (word != "data") return;
    group = word;
  }
}

// Arguments the command did not take (an unknown flag, a stray word), with the flag meant.
void check_leftovers(CLI::App& sub, const std::string& path) {
  const std::vector<std::string> left = sub.remaining();
  if (left.empty()) return;
  const std::string& first = left.front();
  if (!first.starts_with("-")) {
    throw UsageError("`" + path + "` takes no argument '" + first + "' (see `" + path +
                     " --help`)");
  }
  std::vector<std::string> flags;
  for (const CLI::Option* o : sub.get_options()) {
    for (const std::string& n : o->get_lnames()) flags.push_back(n);
  }
  const std::string name = first.substr(first.find_first_not_of('-'));
  const std::optional<std::string> meant = closest_name(name.substr(0, name.find('=')), flags);
  throw UsageError("`" + path + "` has no flag '" + first.substr(0, first.find('=')) + "'" +
                   (meant ? "; did you mean '--" + *meant + "'?" : "") + " (see `" + path +
                   " --help`)");
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
    sub->allow_extras();  // reported by check_leftovers, with the flag that was meant
    commands.emplace_back(sub, c.make());
    commands.back().second->add_flags(*sub);
    // CLI11 reads "-3" into an unsigned count as 2^64 - 3: refuse it as the usage error it is.
    for (CLI::Option* o : sub->get_options()) {
      if (o->get_type_name() == "UINT") o->check(kNotNegative);
    }
  }

  // Every rank parses the same arguments; only rank 0 speaks, and no rank waits for another.
  try {
    check_command_words(argc, argv);
    app.parse(argc, argv);
    for (auto& [sub, command] : commands) {
      if (sub->parsed()) {
        const CLI::App* parent = sub->get_parent();
        check_leftovers(*sub, parent == &app ? "pimscale " + sub->get_name()
                                             : "pimscale data " + sub->get_name());
      }
    }
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return root ? app.exit(e) : 0;  // --help, --version
    if (root) {
      std::string message = e.what();
      if (message == "A subcommand is required") {
        message = "give a command: " + joined(command_names(data->parsed() ? "data" : ""));
      }
      std::string help = "pimscale";  // the command whose flags were being read
      std::string typo;
      for (auto& [sub, command] : commands) {
        if (!sub->parsed()) continue;
        help += (sub->get_parent() == &app ? " " : " data ") + sub->get_name();
        // A misspelt flag also leaves its value or a required flag missing: name the typo.
        try {
          check_leftovers(*sub, help);
        } catch (const UsageError& leftover) {
          typo = leftover.what();
        }
      }
      if (typo.empty()) {
        std::fprintf(stderr, "pimscale: error: %s (see `%s --help`)\n", message.c_str(),
                     help.c_str());
      } else {
        std::fprintf(stderr, "pimscale: error: %s\n", typo.c_str());
      }
    }
    return kUsageStatus;
  } catch (const UsageError& e) {
    if (root) std::fprintf(stderr, "pimscale: error: %s\n", e.what());
    return kUsageStatus;
  }

  for (auto& [sub, command] : commands) {
    if (!sub->parsed()) continue;
    try {
      return command->run(cluster ? &*cluster : nullptr);
    } catch (const CollectiveError& e) {
      // Every rank has this error: one line from rank 0, and all ranks exit together.
      if (root) std::fprintf(stderr, "pimscale: error: %s\n", e.what());
      return e.status();
    } catch (const std::exception& e) {
      const int status = dynamic_cast<const UsageError*>(&e) ? kUsageStatus : 1;
      // Sizes are checked against the machine before allocating; this is the net below them.
      const std::string message =
          dynamic_cast<const std::bad_alloc*>(&e)
              ? "out of memory in `pimscale " + std::string(sub->get_name()) + "` (" +
                    gib(host_memory_available()) +
                    " available now); the input's sizes need more memory than this machine has: "
                    "use a smaller input, more ranks or a larger machine"
              : e.what();
      if (!cluster) {
        std::fprintf(stderr, "pimscale: error: %s\n", message.c_str());
        return status;
      }
      // Only this rank knows: say so, then stop every rank so none waits in a collective.
      std::fprintf(stderr, "pimscale: error (rank %d): %s\n", cluster->rank(), message.c_str());
      std::fflush(stderr);
      if (cluster->size() > 1) env->abort(status);
      return status;
    }
  }
  return 0;
}
