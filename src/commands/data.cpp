// `pimscale data ...`: synth (a synthetic dataset, written in parallel), convert (LIBSVM/svmlight,
// CSV or IDX to a pimscale dataset), stats (a dataset's statistics for predict) and export (a split
// as LIBSVM).
#include <fmt/core.h>

#include <optional>

#include "io/convert.h"
#include "io/run_folder.h"
#include "io/synth.h"
#include "node/host_memory.h"
#include "src/base/error.h"
#include "src/commands/collective_step.h"
#include "src/commands/command.h"
#include "src/commands/data_stats_command.h"

namespace pimscale {

namespace {

class SynthCommand final : public Command {
 public:
  void add_flags(CLI::App& cmd) override {
    app_ = &cmd;
    cmd.add_option("--kind", kind_, "dense (YFCC-like) or sparse (Criteo-like)")
        ->check(CLI::IsMember({"dense", "sparse"}));
    cmd.add_option("--rows", spec_.rows, "training rows");
    cmd.add_option("--test-rows", spec_.test_rows, "test rows");
    cmd.add_option("--features", spec_.features, "features (sparse default 1000000)");
    cmd.add_option("--seed", spec_.seed,
                   "seed; the file depends only on it and the flags, not on the rank count");
    cmd.add_option("--noise", spec_.noise,
                   "dense: label noise (0.1 -> best linear accuracy 96.8%)");
    cmd.add_option("--nnz-per-row", spec_.nnz_per_row, "sparse: non-zeros per row");
    cmd.add_option("--nnz-spread", spec_.nnz_spread,
                   "sparse: each row has nnz-per-row +- up to this many non-zeros (uniform)");
    cmd.add_option("--zipf-exponent", spec_.zipf_exponent, "sparse: skew of feature frequencies");
    cmd.add_option("--positive-rate", spec_.positive_rate,
                   "sparse: expected fraction of positive labels");
    cmd.add_option("--out", out_, "output HDF5 file")->required();
    cmd.add_flag("--force", force_, "replace an existing --out file");
  }
  int run(Cluster* cluster) override {
    spec_.kind = kind_ == "dense" ? DataKind::kDense : DataKind::kSparse;
    if (spec_.kind == DataKind::kSparse && app_->count("--features") == 0) spec_.features = 1000000;
    std::optional<OutputLock> lock;  // rank 0's, held until the file is written
    const uint64_t need = synth_rank_bytes(spec_, cluster->size());
    const int64_t machine_need =
        cluster->machine_sum(static_cast<int64_t>(std::min<uint64_t>(need, INT64_MAX / 4096)));
    collective_step(*cluster, [&] {
      check_synth_spec(spec_);
      const uint64_t available = host_memory_available();
      if (static_cast<uint64_t>(machine_need) > available) {
        throw ResourceError(fmt::format(
            "data synth: a rank holds its share of a split's rows at once ({} each, {} for the {} "
            "ranks on this machine), but it has {} available; run under mpirun with more ranks "
            "(on more machines) or write fewer --rows",
            gib(need), gib(static_cast<uint64_t>(machine_need)), cluster->ranks_on_machine(),
            gib(available)));
      }
      if (cluster->rank() != 0) return;
      check_output_file(out_, force_);
      lock.emplace(out_);
    });
    write_synthetic(spec_, out_, cluster->mpi_comm());
    if (cluster->rank() == 0) {
      fmt::print("wrote {} ({} dataset, {} train + {} test rows, {} features, seed {})\n", out_,
                 kind_, spec_.rows, spec_.test_rows, spec_.features, spec_.seed);
    }
    return 0;
  }

 private:
  CLI::App* app_ = nullptr;
  SynthSpec spec_;
  std::string kind_ = "dense", out_;
  bool force_ = false;
};

class ConvertCommand final : public Command {
 public:
  void add_flags(CLI::App& cmd) override {
    cmd.add_option("--from", from_, "input format: libsvm, csv or idx")
        ->required()
        ->check(CLI::IsMember({"libsvm", "csv", "idx"}));
    cmd.add_option("--in", conv_.in, "input file (IDX: the images)")->required();
    cmd.add_option("--in-labels", conv_.in_labels, "IDX: the labels file");
    cmd.add_option("--test", conv_.test,
                   "a separate test file (otherwise --test-fraction splits --in)");
    cmd.add_option("--test-labels", conv_.test_labels, "IDX: the test labels file");
    cmd.add_option("--test-fraction", conv_.test_fraction,
                   "fraction of rows drawn into the test split (default 0.2)");
    cmd.add_option("--seed", conv_.seed, "seed of the split");
    cmd.add_option("--delimiter", delimiter_,
                   "CSV: the field separator, one character or 'tab' (default ',')");
    cmd.add_option("--label-column", conv_.label_column,
                   "CSV: 0-based label column, negative from the end (default -1)");
    cmd.add_option("--classes", classes_,
                   "A,B: label A -> 0, B -> 1, other rows dropped (default: the two labels)");
    cmd.add_flag("--dense", conv_.dense, "LIBSVM: write dense rows (CSV and IDX are always dense)");
    cmd.add_option("--out", conv_.out, "output HDF5 file")->required();
    cmd.add_flag("--force", force_, "replace an existing --out file");
  }
  // One rank reads and writes; the others wait for its verdict.
  int run(Cluster* cluster) override {
    conv_.from = *format_named(from_);  // CLI11 checked the name
    std::string summary;
    on_root(*cluster, [&] {
      if (delimiter_ == "tab" || delimiter_ == "\\t") delimiter_ = "\t";
      if (delimiter_.size() != 1 || delimiter_[0] == '"' || delimiter_[0] == '\n' ||
          delimiter_[0] == '\r') {
        throw UsageError("--delimiter '" + delimiter_ +
                         "' must be one character other than a quote or line break (or 'tab')");
      }
      conv_.delimiter = delimiter_[0];
      check_output_file(conv_.out, force_);
      const OutputLock lock(conv_.out);
      if (!classes_.empty()) {
        const size_t comma = classes_.find(',');
        try {
          if (comma == std::string::npos) throw std::invalid_argument("no comma");
          conv_.classes = std::make_pair(std::stod(classes_.substr(0, comma)),
                                         std::stod(classes_.substr(comma + 1)));
        } catch (const std::exception&) {
          throw InputError("--classes '" + classes_ + "' must be two numbers A,B");
        }
      }
      summary = convert_dataset(conv_);
    });
    if (cluster->rank() == 0) fmt::print("{}\n", summary);
    return 0;
  }

 private:
  ConvertOptions conv_;
  std::string from_, classes_, delimiter_ = ",";
  bool force_ = false;
};

class StatsCommand final : public Command {
 public:
  void add_flags(CLI::App& stats) override {
    spec_.kind = DataKind::kSparse;
    spec_.features = 1000000;
    stats.add_option("file", file_, "pimscale dataset (HDF5)");
    stats
        .add_option("--synthetic", synthetic_,
                    "instead of a file: the generator's criteo (sparse) or yfcc (dense)")
        ->check(CLI::IsMember({"criteo", "yfcc"}));
    stats.add_option("--rows", rows_, "synthetic: training rows (e.g. 4.4e9)");
    stats.add_option("--features", spec_.features, "synthetic criteo: features (default 1000000)");
    stats.add_option("--nnz-per-row", spec_.nnz_per_row,
                     "synthetic criteo: non-zeros per row (default 39)");
    stats.add_option("--nnz-spread", spec_.nnz_spread,
                     "synthetic criteo: +- spread of the non-zeros per row");
    stats.add_option("--zipf-exponent", spec_.zipf_exponent,
                     "synthetic criteo: skew of feature frequencies");
    stats.add_option("--sample-rows", sample_,
                     "synthetic: rows generated to measure skew and reuse (default 65536)");
    stats.add_option("--batches", batches_,
                     "batch sizes of the reuse histograms, comma-separated (default 64,1024)");
    stats.add_option("--shards", shards_,
                     "shard counts (total DPUs) whose load imbalance to measure, comma-separated");
    stats.add_flag("--no-store", no_store_, "print only; do not write /stats into the file");
    stats.add_option("--out", out_, "also write the statistics as JSON to this file");
    stats.add_flag("--force", force_, "replace an existing --out file");
  }
  int run(Cluster* cluster) override {
    on_root(*cluster, [&] {
      std::optional<OutputLock> lock;
      if (!out_.empty()) {
        check_output_file(out_, force_);
        lock.emplace(out_);
      }
      run_data_stats(file_, *enum_named<SyntheticShape>(synthetic_), spec_, rows_, sample_,
                     batches_, shards_, !no_store_, out_);
    });
    return 0;
  }

 private:
  std::string file_, synthetic_, out_, batches_ = "64,1024", shards_;
  SynthSpec spec_;
  double rows_ = 0;
  uint64_t sample_ = uint64_t{1} << 16;
  bool no_store_ = false, force_ = false;
};

class ExportCommand final : public Command {
 public:
  void add_flags(CLI::App& cmd) override {
    cmd.add_option("--in", in_, "pimscale dataset")->required();
    cmd.add_option("--split", split_, "train or test")->check(CLI::IsMember({"train", "test"}));
    cmd.add_option("--out", out_, "LIBSVM text file")->required();
    cmd.add_flag("--force", force_, "replace an existing --out file");
  }
  int run(Cluster* cluster) override {
    on_root(*cluster, [&] {
      check_output_file(out_, force_);
      const OutputLock lock(out_);
      export_libsvm(in_, split_, out_);
    });
    if (cluster->rank() == 0) fmt::print("wrote {}\n", out_);
    return 0;
  }

 private:
  std::string in_, split_ = "train", out_;
  bool force_ = false;
};

}  // namespace

std::unique_ptr<Command> make_synth_command() { return std::make_unique<SynthCommand>(); }
std::unique_ptr<Command> make_convert_command() { return std::make_unique<ConvertCommand>(); }
std::unique_ptr<Command> make_stats_command() { return std::make_unique<StatsCommand>(); }
std::unique_ptr<Command> make_export_command() { return std::make_unique<ExportCommand>(); }

}  // namespace pimscale
