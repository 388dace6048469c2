// The pimscale program: command line, and how errors stop every MPI rank.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <cstdio>

#include "comm/cluster.h"
#include "io/hdf5.h"
#include "io/synth.h"
#include "src/collective_step.h"
#include "src/train.h"
#include "src/train_config.h"
#include "src/version.h"

using namespace pimscale;

namespace {

void add_synth_flags(CLI::App& cmd, SynthSpec& spec, std::string& kind, std::string& out) {
  cmd.add_option("--kind", kind, "dense (YFCC-like) or sparse (Criteo-like)")->check(CLI::IsMember({"dense", "sparse"}));
  cmd.add_option("--rows", spec.rows, "training rows");
  cmd.add_option("--test-rows", spec.test_rows, "test rows");
  cmd.add_option("--features", spec.features, "features (sparse default 1000000)");
  cmd.add_option("--seed", spec.seed, "seed; the file depends only on it and the flags, not on the rank count");
  cmd.add_option("--noise", spec.noise, "dense: label noise (0.1 -> best linear accuracy 96.8%)");
  cmd.add_option("--nnz-per-row", spec.nnz_per_row, "sparse: non-zeros per row");
  cmd.add_option("--zipf-exponent", spec.zipf_exponent, "sparse: skew of feature frequencies");
  cmd.add_option("--positive-rate", spec.positive_rate, "sparse: expected fraction of positive labels");
  cmd.add_option("--out", out, "output HDF5 file")->required();
}

}  // namespace

int main(int argc, char** argv) {
  boost::mpi::environment env(argc, argv);
  Cluster cluster{boost::mpi::communicator()};
  const bool root = cluster.rank() == 0;
  h5::silence_hdf5_errors();

  CLI::App app{"pimscale: an emulator of clusters of processing-in-memory servers training linear models"};
  app.set_version_flag("--version", std::string(kVersion) + " (" + kGitRevision + ")");
  app.require_subcommand(1);

  CLI::App* train = app.add_subcommand("train", "train a model on emulated PIM servers (one per MPI rank)");
  TrainConfigCli train_cli(*train);

  CLI::App* data = app.add_subcommand("data", "dataset tools");
  data->require_subcommand(1);
  CLI::App* synth = data->add_subcommand("synth", "write a synthetic dataset (in parallel under mpirun)");
  SynthSpec spec;
  std::string kind = "dense", out;
  add_synth_flags(*synth, spec, kind, out);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Every rank parsed the same arguments; only rank 0 speaks.
    if (root) return app.exit(e);
    return e.get_exit_code();
  }

  try {
    if (train->parsed()) {
      TrainConfig config;
      collective_step(cluster, [&] { config = train_cli.resolve(); });
      return run_train(config, cluster);
    }
    if (synth->parsed()) {
      spec.kind = kind == "dense" ? DataKind::kDense : DataKind::kSparse;
      if (spec.kind == DataKind::kSparse && synth->count("--features") == 0) spec.features = 1000000;
      collective_step(cluster, [&] { check_synth_spec(spec); });
      write_synthetic(spec, out, cluster.mpi_comm());
      if (root) fmt::print("wrote {} ({} dataset, {} train + {} test rows, {} features, seed {})\n", out, kind,
                           spec.rows, spec.test_rows, spec.features, spec.seed);
      return 0;
    }
  } catch (const CollectiveError& e) {
    // Every rank has this error: one line from rank 0, and all ranks exit together.
    if (root) std::fprintf(stderr, "pimscale: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    // Only this rank knows: say so, then stop every rank so none waits in a collective.
    std::fprintf(stderr, "pimscale: error (rank %d): %s\n", cluster.rank(), e.what());
    std::fflush(stderr);
    if (cluster.size() > 1) env.abort(1);
    return 1;
  }
  return 0;
}
