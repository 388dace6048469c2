// The configuration of `pimscale train`: defaults, a TOML file, then command-line overrides.
// Not responsible for presets (presets.h) or for running anything.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace pimscale {

struct TrainConfig {
  std::string data;                       // HDF5 dataset (README, "Dataset format")
  std::string model = "lr";               // lr or svm
  std::string algorithm = "ga-sgd";       // ga-sgd, ma-sgd or admm
  std::string numerics = "fixed";         // fixed (the DPU's Q1.31 arithmetic), float or float-saturating
  std::string hardware = "upmem-2560-v1a";
  std::string server_hardware;            // per-server presets, "RANK=PRESET,..." (others: hardware)
  std::string network = "25gbe";          // a network preset, or "measured" (real MPI wall time)
  std::string topology;                   // star, fat-tree or ring ("" = the preset's)
  int64_t servers_per_leaf = 0;           // fat tree leaf / hierarchical group (0 = the preset's)
  double oversubscription = 0;            // fat tree uplink oversubscription (0 = the preset's)
  std::string collective = "auto";        // all-reduce algorithm: auto, best, ring, recursive-doubling, ...
  std::string shares;                     // per-server relative row shares, e.g. "1,1,1,2" ("" = equal)
  int64_t dpus_per_server = 16;
  int64_t batch = 1024;                   // a power of two: GA-SGD's global batch; MA-SGD/ADMM's per DPU
  int64_t lr_shift = 4;                   // learning rate 2^-lr_shift
  int64_t reg_shift = 10;                 // L2 coefficient 2^-reg_shift (ADMM: rho = 2^-reg_shift)
  int64_t alpha = 4;                      // ADMM: soft threshold tau = 2^(alpha - reg) / N
  std::string margin = "dpu";             // SVM hinge margin: dpu (2^-15, PIM-Opt's DPU code) or half (0.5)
  std::string class_weights = "none";     // none, or criteo (positive-class terms x15, negative x0.5)
  int64_t epochs = 5;
  int64_t seed = 1;
  std::string out = "runs/latest";
  int64_t threads = 0;                    // 0: every core this rank may use
  std::string trace;                      // Chrome trace-event JSON of the emulated timeline ("" = none)
  bool save_model = false;                // write the final model to model.csv in the results folder
  bool count_only = false;                // dry accounting: rounds' bookkeeping only, no kernels, no rows read
  std::string synthetic;                  // count-only without a file: yfcc or criteo shape
  int64_t rows_per_dpu = 0;               // use this many training rows per DPU (weak scaling) ...
  int64_t rows = 0;                       // ... or this many in all (strong scaling); 0 = the whole file
};

// Binds one command-line flag per TrainConfig field (--config plus the fields) to `app`.
class TrainConfigCli {
 public:
  // predicting: for `predict` and `plan`, which also take --synthetic without --count-only.
  explicit TrainConfigCli(CLI::App& app, bool predicting = false);
  // Defaults, then --config FILE (if given), then flags given on the command line.
  // Throws InputError for an unknown key, a wrong type or an impossible value.
  TrainConfig resolve() const;

 private:
  TrainConfig flags_;
  bool predicting_ = false;
  std::string config_file_;
  std::vector<std::pair<std::string, CLI::Option*>> options_;
};

TrainConfig load_train_config_file(const std::string& path, TrainConfig base);
void validate(const TrainConfig& c, bool predicting = false);
nlohmann::json to_json(const TrainConfig& c);

// The comma-separated items of `list` ("" -> one empty item), and an item read as a whole integer.
std::vector<std::string> split_list(const std::string& list, char separator = ',');
std::optional<int64_t> whole_integer(const std::string& item);

// The parsed --shares for S servers: S positive integers (all 1 when none were given).
// Throws InputError when the list is malformed or does not have one entry per server.
std::vector<int64_t> parse_shares(const std::string& shares, int64_t servers);
// The hardware preset of server `rank`: its entry in --server-hardware "RANK=PRESET,...", else --hardware.
// Throws InputError for a malformed list or a rank outside [0, servers).
std::string hardware_of(const TrainConfig& c, int64_t rank, int64_t servers);

}  // namespace pimscale
