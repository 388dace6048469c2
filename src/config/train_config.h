// The configuration of a training run (train, predict, plan, sweep): typed fields, each key
// declared once (config_keys(): name, unit, range, help), defaults, a TOML file, then command-line
// overrides, checked against the declarations. Free of CLI11 (config_cli.h binds the flags) and of
// TOML outside its .cpp. Not responsible for presets (presets.h) or for running anything.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "comm/network_spec.h"
#include "src/config/enums.h"

namespace pimscale {

// The largest cluster a run or a prediction may describe: a million servers of a million DPUs
// (UPMEM's are 2,560), and row shares up to a million to one. Every product of them (DPUs x
// servers x shares <= 2^60) fits in int64, so no size computed from the flags can wrap.
inline constexpr int64_t kMaxServers = int64_t{1} << 20;
inline constexpr int64_t kMaxDpusPerServer = int64_t{1} << 20;
inline constexpr int64_t kMaxShare = int64_t{1} << 20;

struct TrainConfig {
  std::string data;  // HDF5 dataset (README, "Dataset format")
  ModelKind model = ModelKind::kLr;
  AlgorithmKind algorithm = AlgorithmKind::kGaSgd;
  Device device = Device::kPim;
  int64_t workers_per_server = 0;  // --device cpu: workers per server (0: the thread count)
  Numerics numerics = Numerics::kFixed;
  std::string hardware = "upmem-2560-v1a";
  std::string server_hardware;       // per-server presets, "RANK=PRESET,..." (others: hardware)
  std::string network = "25gbe";     // a network preset, or "measured" (real MPI wall time)
  std::optional<Topology> topology;  // none: the preset's
  int64_t servers_per_leaf = 0;      // fat tree leaf / hierarchical group (0 = the preset's)
  double oversubscription = 0;       // fat tree uplink oversubscription (0 = the preset's)
  CollectiveAlgorithm collective =
      CollectiveAlgorithm::kAuto;  // an all-reduce algorithm, auto or best
  std::string shares;              // per-server relative row shares, e.g. "1,1,1,2" ("" = equal)
  int64_t dpus_per_server = 16;
  int64_t batch = 1024;    // a power of two: GA-SGD's global batch; MA-SGD/ADMM's per DPU
  int64_t lr_shift = 4;    // learning rate 2^-lr_shift
  int64_t reg_shift = 10;  // L2 coefficient 2^-reg_shift (ADMM: rho = 2^-reg_shift)
  int64_t alpha = 4;       // ADMM: soft threshold tau = 2^(alpha - reg) / N
  SvmMargin margin = SvmMargin::kDpu;
  ClassWeights class_weights = ClassWeights::kNone;
  double svm_active_fraction = 1;  // SVM rows assumed inside the margin where no kernel runs
  int64_t epochs = 5;
  int64_t eval_every = 1;        // metrics every N epochs and after the last
  int64_t eval_rows = 0;         // the training rows the loss is computed on (0: automatic)
  int64_t checkpoint_every = 0;  // the run's state every N epochs (0 = never)
  int64_t seed = 1;
  std::string out = "runs/latest";
  int64_t threads = 0;      // 0: every core this rank may use
  std::string trace;        // Chrome trace-event JSON of the emulated timeline ("" = none)
  bool force = false;       // replace a previous results folder at `out`
  bool save_model = false;  // write the final model to model.csv in the results folder
  bool count_only = false;  // dry accounting: rounds' bookkeeping only, no kernels, no rows read
  SyntheticShape synthetic = SyntheticShape::kNone;
  int64_t rows_per_dpu = 0;  // use this many training rows per DPU (weak scaling) ...
  int64_t rows = 0;          // ... or this many in all (strong scaling); 0 = the whole file
};

// A closed set's key, seen through its names: get and set by the index into `names`.
struct EnumField {
  std::vector<std::string> names;  // "" names "none given" (e.g. the preset's topology)
  size_t (*get)(const TrainConfig&);
  void (*set)(TrainConfig&, size_t);
  const char* rejection = "is unknown";  // what an unknown name is called in the error
};
using ConfigField = std::variant<std::string TrainConfig::*, int64_t TrainConfig::*,
                                 double TrainConfig::*, bool TrainConfig::*, EnumField>;

// One key, declared once: the TOML key (the flag is --key with '_' -> '-'), its unit, the inclusive
// range of a number (checked whenever a configuration is resolved), and its help.
struct ConfigKey {
  const char* key;
  ConfigField field;
  const char* unit;  // "" for names, words and counts
  double min, max;   // numbers only
  const char* help;
  double unset =
      -1;  // a value outside the range that still means "not given" (e.g. 0 = the preset's), or -1
};
const std::vector<ConfigKey>& config_keys();
std::string flag_of(const char* key);

// Defaults, then `path`'s keys over `base`. Throws InputError naming the file, line and key.
TrainConfig load_train_config_file(const std::string& path, TrainConfig base);
// Sets an EnumField key from its name. Throws InputError listing the names for an unknown one.
void set_enum(TrainConfig& c, const ConfigKey& key, const std::string& value);
// Every declared range, then the rules between keys. predicting: for `predict` and `plan`, which
// also take
// --synthetic without --count-only. Throws InputError naming the flag and the fix.
void validate(const TrainConfig& c, bool predicting = false);
// The keys --device cpu (this host's cores, real MPI) does not take: those that describe the
// emulated PIM cluster, and --trace, --checkpoint-every and --shares (not built for it yet).
const std::vector<std::string>& pim_only_keys();
nlohmann::json to_json(const TrainConfig& c);
// The inverse of to_json: defaults, then every key `j` names. Throws InputError naming `source`
// and the key for an unknown key or a value of the wrong type (ranges: validate()).
TrainConfig config_from_json(const nlohmann::json& j, const std::string& source);

// The parsed --shares for S servers: S positive integers (all 1 when none were given).
// Throws InputError when the list is malformed or does not have one entry per server.
std::vector<int64_t> parse_shares(const std::string& shares, int64_t servers);
// The hardware preset of server `rank`: its entry in --server-hardware "RANK=PRESET,...", else
// --hardware. Throws InputError for a malformed list or a rank outside [0, servers).
std::string hardware_of(const TrainConfig& c, int64_t rank, int64_t servers);

}  // namespace pimscale
