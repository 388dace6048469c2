// The pimscale program: command line, and how errors stop every MPI rank.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <cstdio>

#include "comm/cluster.h"
#include "io/convert.h"
#include "io/data_stats.h"
#include "io/hdf5.h"
#include "io/synth.h"
#include "src/collective_step.h"
#include "src/microbench.h"
#include "src/netbench.h"
#include "src/planner.h"
#include "src/predict.h"
#include "src/stats_command.h"
#include "src/sweep.h"
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
  cmd.add_option("--nnz-spread", spec.nnz_spread, "sparse: each row has nnz-per-row +- up to this many non-zeros (uniform)");
  cmd.add_option("--zipf-exponent", spec.zipf_exponent, "sparse: skew of feature frequencies");
  cmd.add_option("--positive-rate", spec.positive_rate, "sparse: expected fraction of positive labels");
  cmd.add_option("--out", out, "output HDF5 file")->required();
}

}  // namespace

int main(int argc, char** argv) {
  // The sweep only launches MPI jobs: it must not be an MPI process itself.
  if (argc > 1 && std::string(argv[1]) == "sweep") return sweep_main(argc, argv);
  boost::mpi::environment env(argc, argv);
  Cluster cluster{boost::mpi::communicator()};
  const bool root = cluster.rank() == 0;
  h5::silence_hdf5_errors();

  CLI::App app{"pimscale: an emulator of clusters of processing-in-memory servers training linear models"};
  app.set_version_flag("--version", std::string(kVersion) + " (" + kGitRevision + ")");
  app.require_subcommand(1);

  CLI::App* train = app.add_subcommand("train", "train a model on emulated PIM servers (one per MPI rank)");
  TrainConfigCli train_cli(*train);

  CLI::App* predict_cmd = app.add_subcommand(
      "predict", "predict a train run's emulated time per phase and epoch without running it (one process)");
  TrainConfigCli predict_cli(*predict_cmd, /*predicting=*/true);
  int64_t predict_servers = 1;
  predict_cmd->add_option("--servers", predict_servers, "servers to predict for (train: the MPI ranks)");

  CLI::App* plan_cmd = app.add_subcommand(
      "plan", "rank candidate configurations (servers, DPUs, networks, batches, algorithms) by predicted time");
  TrainConfigCli plan_cli(*plan_cmd, /*predicting=*/true);
  PlanLimits plan_limits;
  add_plan_flags(*plan_cmd, plan_limits);

  CLI::App* microbench = app.add_subcommand("microbench", "emulate the PrIM microbenchmarks on a hardware preset");
  MicrobenchConfig bench;
  microbench->add_option("--hardware", bench.hardware, "hardware preset name or .toml file");
  microbench->add_option("--out", bench.out, "results folder (microbench.json)");

  CLI::App* netbench = app.add_subcommand(
      "netbench", "measure MPI collectives here (run under mpirun), fit the network model, write a network preset");
  NetbenchConfig nb;
  netbench->add_option("--min-bytes", nb.min_bytes, "smallest message (default 8)");
  netbench->add_option("--max-bytes", nb.max_bytes, "largest message (default 64 MiB); sizes grow 8x from the smallest");
  netbench->add_option("--reps", nb.reps, "repetitions per size (default: 50 small .. 5 large); the median is used");
  netbench->add_option("--name", nb.name, "name of the written preset (default measured-<host>-p<ranks>)");
  netbench->add_option("--out", nb.out, "results folder (netbench.csv, netbench.json, <name>.toml)");

  app.add_subcommand("sweep", "weak or strong scaling over servers and DPUs (see `pimscale sweep --help`)");

  CLI::App* data = app.add_subcommand("data", "dataset tools");
  data->require_subcommand(1);
  CLI::App* synth = data->add_subcommand("synth", "write a synthetic dataset (in parallel under mpirun)");
  SynthSpec spec;
  std::string kind = "dense", out;
  add_synth_flags(*synth, spec, kind, out);

  CLI::App* convert = data->add_subcommand("convert", "convert LIBSVM/svmlight, CSV or IDX files to a pimscale dataset");
  ConvertOptions conv;
  std::string classes;
  convert->add_option("--from", conv.from, "input format")->required()->check(CLI::IsMember({"libsvm", "csv", "idx"}));
  convert->add_option("--in", conv.in, "input file (IDX: the images)")->required();
  convert->add_option("--in-labels", conv.in_labels, "IDX: the labels file");
  convert->add_option("--test", conv.test, "a separate test file (otherwise --test-fraction splits --in)");
  convert->add_option("--test-labels", conv.test_labels, "IDX: the test labels file");
  convert->add_option("--test-fraction", conv.test_fraction, "fraction of rows drawn into the test split (default 0.2)");
  convert->add_option("--seed", conv.seed, "seed of the split");
  convert->add_option("--label-column", conv.label_column, "CSV: 0-based label column, negative from the end (default -1)");
  convert->add_option("--classes", classes, "A,B: label A -> 0, B -> 1, other rows dropped (default: the two labels)");
  convert->add_flag("--dense", conv.dense, "LIBSVM: write dense rows (CSV and IDX are always dense)");
  convert->add_option("--out", conv.out, "output HDF5 file")->required();

  CLI::App* stats = data->add_subcommand(
      "stats", "compute a dataset's statistics for predict (stored in the file's /stats), or a synthetic workload's");
  std::string stats_file, stats_synthetic, stats_out, stats_batches = "64,1024", stats_shards;
  SynthSpec stats_spec;
  stats_spec.kind = DataKind::kSparse;
  stats_spec.features = 1000000;
  double stats_rows = 0;
  uint64_t stats_sample = uint64_t{1} << 16;
  bool stats_no_store = false;
  stats->add_option("file", stats_file, "pimscale dataset (HDF5)");
  stats->add_option("--synthetic", stats_synthetic, "instead of a file: the generator's criteo (sparse) or yfcc (dense)")
      ->check(CLI::IsMember({"criteo", "yfcc"}));
  stats->add_option("--rows", stats_rows, "synthetic: training rows (e.g. 4.4e9)");
  stats->add_option("--features", stats_spec.features, "synthetic criteo: features (default 1000000)");
  stats->add_option("--nnz-per-row", stats_spec.nnz_per_row, "synthetic criteo: non-zeros per row (default 39)");
  stats->add_option("--nnz-spread", stats_spec.nnz_spread, "synthetic criteo: +- spread of the non-zeros per row");
  stats->add_option("--zipf-exponent", stats_spec.zipf_exponent, "synthetic criteo: skew of feature frequencies");
  stats->add_option("--sample-rows", stats_sample, "synthetic: rows generated to measure skew and reuse (default 65536)");
  stats->add_option("--batches", stats_batches, "batch sizes of the reuse histograms, comma-separated (default 64,1024)");
  stats->add_option("--shards", stats_shards, "shard counts (total DPUs) whose load imbalance to measure, comma-separated");
  stats->add_flag("--no-store", stats_no_store, "print only; do not write /stats into the file");
  stats->add_option("--out", stats_out, "also write the statistics as JSON to this file");

  CLI::App* exporter = data->add_subcommand("export", "write a split of a pimscale dataset as LIBSVM text");
  std::string export_in, export_split = "train", export_out;
  exporter->add_option("--in", export_in, "pimscale dataset")->required();
  exporter->add_option("--split", export_split, "train or test")->check(CLI::IsMember({"train", "test"}));
  exporter->add_option("--out", export_out, "LIBSVM text file")->required();

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
    if (predict_cmd->parsed()) {
      TrainConfig config;
      collective_step(cluster, [&] { config = predict_cli.resolve(); });
      int rc = 0;
      collective_step(cluster, [&] {
        if (root) rc = run_predict(config, predict_servers);
      });
      return rc;
    }
    if (plan_cmd->parsed()) {
      TrainConfig config;
      collective_step(cluster, [&] { config = plan_cli.resolve(); });
      collective_step(cluster, [&] {
        if (root) run_plan(config, plan_limits);
      });
      return 0;
    }
    if (stats->parsed()) {
      collective_step(cluster, [&] {
        if (root) run_data_stats(stats_file, stats_synthetic, stats_spec, stats_rows, stats_sample, stats_batches,
                                 stats_shards, !stats_no_store, stats_out);
      });
      return 0;
    }
    if (netbench->parsed()) {
      run_netbench(nb, cluster);
      return 0;
    }
    if (microbench->parsed()) {
      collective_step(cluster, [&] {
        if (root) run_microbench(bench);
      });
      return 0;
    }
    if (convert->parsed() || exporter->parsed()) {
      // One rank reads and writes; the others wait for its verdict.
      std::string summary;
      collective_step(cluster, [&] {
        if (!root) return;
        if (exporter->parsed()) {
          export_libsvm(export_in, export_split, export_out);
          summary = "wrote " + export_out;
          return;
        }
        if (!classes.empty()) {
          const size_t comma = classes.find(',');
          try {
            if (comma == std::string::npos) throw std::invalid_argument("no comma");
            conv.classes = std::make_pair(std::stod(classes.substr(0, comma)), std::stod(classes.substr(comma + 1)));
          } catch (const std::exception&) {
            throw InputError("--classes '" + classes + "' must be two numbers A,B");
          }
        }
        summary = convert_dataset(conv);
      });
      if (root) fmt::print("{}\n", summary);
      return 0;
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
