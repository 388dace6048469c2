#include "src/config/train_config.h"

#include <fmt/core.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <type_traits>

#include "pim_emul/fixed_point.h"
#include "src/base/error.h"
#include "src/base/text.h"

namespace pimscale {

namespace {

// An enum key of TrainConfig through EnumNames.
template <auto Member>
EnumField enum_field() {
  using E = std::remove_cvref_t<decltype(std::declval<TrainConfig>().*Member)>;
  std::vector<std::string> names(EnumNames<E>::names.begin(), EnumNames<E>::names.end());
  return {names, [](const TrainConfig& c) { return static_cast<size_t>(c.*Member); },
          [](TrainConfig& c, size_t i) { c.*Member = static_cast<E>(i); }};
}

// --topology: "" (the preset's) or one of comm's topologies.
EnumField topology_field() {
  return {{"", "star", "fat-tree", "ring"},
          [](const TrainConfig& c) {
            return c.topology ? static_cast<size_t>(*c.topology) + 1 : size_t{0};
          },
          [](TrainConfig& c, size_t i) {
            c.topology =
                i == 0 ? std::nullopt : std::optional<Topology>(static_cast<Topology>(i - 1));
          }};
}

// --collective: the all-reduce algorithms of comm (reduce-scatter's and broadcast's are not).
constexpr CollectiveAlgorithm kAllreduceChoices[] = {
    CollectiveAlgorithm::kAuto,         CollectiveAlgorithm::kBest,
    CollectiveAlgorithm::kRing,         CollectiveAlgorithm::kRecursiveDoubling,
    CollectiveAlgorithm::kRabenseifner, CollectiveAlgorithm::kHierarchical,
    CollectiveAlgorithm::kMpi};
EnumField collective_field() {
  std::vector<std::string> names;
  for (CollectiveAlgorithm a : kAllreduceChoices) names.emplace_back(algorithm_name(a));
  return {names,
          [](const TrainConfig& c) {
            size_t i = 0;
            while (kAllreduceChoices[i] != c.collective) ++i;
            return i;
          },
          [](TrainConfig& c, size_t i) { c.collective = kAllreduceChoices[i]; },
          "is not an all-reduce algorithm"};
}

constexpr double kMax = 9.2e18;  // int64's range, for counts without a tighter bound

}  // namespace

const std::vector<ConfigKey>& config_keys() {
  static const std::vector<ConfigKey> kKeys = {
      {"data", &TrainConfig::data, "", 0, 0, "HDF5 dataset to train on"},
      {"model", enum_field<&TrainConfig::model>(), "", 0, 0,
       "model: lr (logistic regression) or svm (hinge loss)"},
      {"algorithm", enum_field<&TrainConfig::algorithm>(), "", 0, 0,
       "algorithm: ga-sgd, ma-sgd or admm"},
      {"device", enum_field<&TrainConfig::device>(), "", 0, 0,
       "device: pim (the emulated PIM servers) or cpu (float32 on this host's cores, one MPI rank "
       "per CPU server, real all-reduces; measured wall time, not emulated) or gpu (predict and "
       "plan only: a modelled GPU server)"},
      {"workers_per_server", &TrainConfig::workers_per_server, "workers", 1, 4096,
       "--device cpu: workers per server (GA-SGD's batch share, MA-SGD's and ADMM's models; 0: "
       "the thread count); --device gpu: GPUs per server (0: the preset's)",
       0},
      {"numerics", enum_field<&TrainConfig::numerics>(), "", 0, 0,
       "numerics: fixed (the DPU's Q1.31 arithmetic), float (reference) or float-saturating (float "
       "clipped to "
       "Q1.31's range: fixed's range without its rounding)"},
      {"hardware", &TrainConfig::hardware, "", 0, 0, "hardware preset name or .toml file"},
      {"server_hardware", &TrainConfig::server_hardware, "", 0, 0,
       "other presets for some servers, RANK=PRESET,... (e.g. 3=slow.toml: server 3 is a slower "
       "machine)"},
      {"network", &TrainConfig::network, "", 0, 0,
       "network preset name or .toml file, or measured (time the real MPI all-reduce; "
       "non-deterministic)"},
      {"topology", topology_field(), "", 0, 0,
       "override the preset's topology: star, fat-tree or ring"},
      {"servers_per_leaf", &TrainConfig::servers_per_leaf, "servers", 1, kMaxServers,
       "override the preset's servers per leaf switch (fat tree; hierarchical all-reduce group)",
       0},
      {"oversubscription", &TrainConfig::oversubscription, "ratio", 1, 1e6,
       "override the preset's fat-tree oversubscription (>= 1)", 0},
      {"collective", collective_field(), "", 0, 0,
       "all-reduce algorithm: auto (by size and ranks, as MPI libraries), best (cheapest "
       "modelled), ring, recursive-doubling, rabenseifner, hierarchical, or mpi (the MPI "
       "library's MPI_Allreduce as a netbench preset's fitted.mpi prices it)"},
      {"shares", &TrainConfig::shares, "", 0, 0,
       "relative training rows per server, one integer per rank (e.g. 1,1,1,2: the last server "
       "holds twice "
       "the rows); default equal"},
      {"dpus_per_server", &TrainConfig::dpus_per_server, "DPUs", 1, kMaxDpusPerServer,
       "emulated DPUs per server (MPI rank)"},
      {"batch", &TrainConfig::batch, "rows", 1, 0x1p40,
       "mini-batch, a power of two: GA-SGD's global batch (a multiple of all DPUs); MA-SGD's and "
       "ADMM's per DPU"},
      {"lr_shift", &TrainConfig::lr_shift, "log2", 0, 31, "learning rate 2^-lr_shift"},
      {"reg_shift", &TrainConfig::reg_shift, "log2", 0, 62,
       "L2 coefficient 2^-reg_shift (ADMM: rho)"},
      {"alpha", &TrainConfig::alpha, "log2", 0, 31,
       "ADMM: soft threshold tau = 2^(alpha - reg_shift) / N"},
      {"margin", enum_field<&TrainConfig::margin>(), "", 0, 0,
       "SVM hinge margin: dpu (2^-15, PIM-Opt's DPU code) or half (0.5)"},
      {"class_weights", enum_field<&TrainConfig::class_weights>(), "", 0, 0,
       "none, or criteo (positive terms x15, negative x0.5)"},
      {"svm_active_fraction", &TrainConfig::svm_active_fraction, "share", 0, 1,
       "SVM, where no kernel runs (--count-only, predict, plan): the share of rows inside the "
       "margin, whose gradient the DPUs compute (1: every row, an upper bound of the time; a run "
       "reports the share it measured in run.json's svm_active)"},
      {"epochs", &TrainConfig::epochs, "epochs", 1, 0x1p20, "passes over the training set"},
      {"eval_every", &TrainConfig::eval_every, "epochs", 1, 0x1p20,
       "compute loss, accuracy and AUC every N epochs and after the last (epochs.csv's "
       "metric_*_rows say which epochs have them)"},
      {"eval_rows", &TrainConfig::eval_rows, "rows", 0, 0x1p40,
       "the training loss over about N rows, every k-th of the training split (k = ceil(rows / "
       "N); the same rows for any rank split); 0: every k-th row with k = ceil(values / 2^23), "
       "the values being rows x features (dense) or 4 x non-zeros (sparse), so the pass stays "
       "small beside an epoch (all rows up to 2^23 values). Accuracy and AUC use every test row. "
       "epochs.csv's metric_train_rows counts the rows"},
      {"checkpoint_every", &TrainConfig::checkpoint_every, "epochs", 1, 0x1p20,
       "write the run's full state every N epochs into <out>.partial/checkpoint (atomically), so "
       "`train --resume OUT` can continue it after an interruption",
       0},
      {"seed", &TrainConfig::seed, "", -kMax, kMax,
       "seed (recorded; GA-SGD itself draws nothing: no shuffling, zero init)"},
      {"out", &TrainConfig::out, "", 0, 0, "results folder"},
      {"force", &TrainConfig::force, "", 0, 0,
       "replace a previous pimscale results folder at --out (nothing else is ever replaced)"},
      {"threads", &TrainConfig::threads, "threads", 0, 4096,
       "threads running this rank's DPUs (0: all cores of the rank)"},
      {"trace", &TrainConfig::trace, "", 0, 0,
       "write the emulated timeline to FILE (Chrome trace-event JSON; open in Perfetto)"},
      {"save_model", &TrainConfig::save_model, "", 0, 0,
       "write the final model to model.csv in the results folder (index, weight in real units; "
       "last row the bias)"},
      {"count_only", &TrainConfig::count_only, "", 0, 0,
       "dry accounting: count rounds, bytes and emulated time without running kernels or reading "
       "rows"},
      {"synthetic", enum_field<&TrainConfig::synthetic>(), "", 0, 0,
       "count-only without --data: the shape of yfcc (dense, 4,096 features) or criteo (sparse, "
       "10^6 features, "
       "39 non-zeros per row)"},
      {"rows_per_dpu", &TrainConfig::rows_per_dpu, "rows", 0, 0x1p40,
       "training rows per DPU (weak scaling): the first rows of --data, or the --synthetic size"},
      {"rows", &TrainConfig::rows, "rows", 0, 0x1p50,
       "training rows in all (strong scaling): the first rows of --data, or the --synthetic size"},
  };
  return kKeys;
}

std::string flag_of(const char* key) {
  std::string f = std::string("--") + key;
  for (auto& c : f) c = c == '_' ? '-' : c;
  return f;
}

TrainConfig load_train_config_file(const std::string& path, TrainConfig c) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw InputError("config '" + path + "' " +
                     (std::filesystem::exists(path, ec) ? "is not a file" : "does not exist") +
                     "; check the --config path (jobs/configs/ has examples)");
  }
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw InputError("config '" + path + "' line " + std::to_string(e.source().begin.line) + ": " +
                     std::string(e.description()));
  }
  std::set<std::string> known;
  for (const ConfigKey& k : config_keys()) {
    known.insert(k.key);
    const toml::node* n = root.get(k.key);
    if (!n) continue;
    const std::string where = "config '" + path + "' key " + k.key;
    std::visit(
        [&](const auto& f) {
          using F = std::decay_t<decltype(f)>;
          if constexpr (std::is_same_v<F, std::string TrainConfig::*>) {
            if (!n->is_string()) throw InputError(where + " must be a string");
            c.*f = *n->value<std::string>();
          } else if constexpr (std::is_same_v<F, bool TrainConfig::*>) {
            if (!n->is_boolean()) throw InputError(where + " must be true or false");
            c.*f = *n->value<bool>();
          } else if constexpr (std::is_same_v<F, double TrainConfig::*>) {
            if (!n->is_number()) throw InputError(where + " must be a number");
            c.*f = *n->value<double>();
          } else if constexpr (std::is_same_v<F, int64_t TrainConfig::*>) {
            if (!n->is_integer()) throw InputError(where + " must be an integer");
            c.*f = *n->value<int64_t>();
          } else {
            if (!n->is_string()) throw InputError(where + " must be a string");
            set_enum(c, k, *n->value<std::string>());
          }
        },
        k.field);
  }
  for (auto&& [key, v] : root) {
    if (!known.contains(std::string(key.str()))) {
      const std::vector<std::string> names(known.begin(), known.end());
      throw InputError("config '" + path + "': unknown key '" + std::string(key.str()) + "'" +
                       did_you_mean(std::string(key.str()), names) +
                       " (see `pimscale train --help`)");
    }
  }
  return c;
}

void set_enum(TrainConfig& c, const ConfigKey& key, const std::string& value) {
  const EnumField& f = std::get<EnumField>(key.field);
  for (size_t i = 0; i < f.names.size(); ++i) {
    if (f.names[i] == value) return f.set(c, i);
  }
  std::string choices;
  std::vector<std::string> named;
  for (const std::string& n : f.names) {
    if (!n.empty()) named.push_back(n);
  }
  for (size_t i = 0; i < named.size(); ++i) {
    choices += (i == 0 ? "" : i + 1 == named.size() ? " or " : ", ") + named[i];
  }
  throw InputError(flag_of(key.key) + " '" + value + "' " + f.rejection + "; use " + choices);
}

namespace {

// A number outside its declared range: "--alpha 40: must be in [0, 31] log2 (ADMM: soft threshold
// ...)".
void check_range(const ConfigKey& k, double v, const std::string& shown) {
  if ((v >= k.min && v <= k.max) || (k.unset != -1 && v == k.unset)) return;  // -1: no unset
  const bool unbounded = k.max >= kMax;
  std::string range =
      unbounded ? fmt::format("at least {}", k.min) : fmt::format("in [{}, {}]", k.min, k.max);
  if (k.unset != -1) range += fmt::format(" ({}: the default)", k.unset);
  throw InputError(fmt::format("{} {}: must be {}{} ({})", flag_of(k.key), shown, range,
                               *k.unit ? fmt::format(" {}", k.unit) : "", k.help));
}

}  // namespace

void validate(const TrainConfig& c, bool predicting) {
  for (const ConfigKey& k : config_keys()) {
    if (auto* i = std::get_if<int64_t TrainConfig::*>(&k.field))
      check_range(k, static_cast<double>(c.**i), std::to_string(c.**i));
    if (auto* d = std::get_if<double TrainConfig::*>(&k.field))
      check_range(k, c.**d, fmt::format("{}", c.**d));
  }
  auto need = [](bool ok, const std::string& msg) {
    if (!ok) throw InputError(msg);
  };
  if (c.synthetic != SyntheticShape::kNone) {
    need(c.count_only || predicting,
         "--synthetic describes a shape for --count-only or predict; to train, write a file with "
         "`pimscale data synth`");
    need(c.data.empty(), "--synthetic and --data both give the dataset; pass one");
    need((c.rows_per_dpu > 0) != (c.rows > 0),
         "--synthetic needs exactly one of --rows-per-dpu R or --rows R (R > 0)");
  } else {
    need(c.rows_per_dpu == 0 || c.rows == 0,
         "--rows-per-dpu and --rows both limit the training rows; pass one");
    need(!c.data.empty(),
         std::string("no dataset: pass --data FILE.h5 (make one with `pimscale data synth`)") +
             (c.count_only || predicting
                  ? ", or --synthetic yfcc|criteo with --rows-per-dpu R or --rows R"
                  : ""));
  }
  need(
      fixed::is_power_of_two(static_cast<uint64_t>(c.batch)),
      "--batch " + std::to_string(c.batch) + " must be a power of two (1/b is a shift on the DPU)");
  need(!c.out.empty(), "--out must name a results folder");
  need(!predicting || c.checkpoint_every == 0,
       "--checkpoint-every is for train (predict and plan train nothing); drop it");
  need(c.network != "measured" || !c.topology,
       "--topology shapes a modelled network; drop it with --network measured");
  if (!c.shares.empty()) parse_shares(c.shares, -1);
  hardware_of(c, -1, -1);  // the list's form
  need(c.device != Device::kPim || c.workers_per_server == 0,
       "--workers-per-server is for --device cpu or gpu (PIM servers have --dpus-per-server)");
  need(c.device == Device::kPim || c.numerics == Numerics::kFloat,
       "--device " + name_string(c.device) + " trains in float32: drop --numerics " +
           name_string(c.numerics));
  need(c.device != Device::kGpu || predicting,
       "--device gpu: no GPU trainer here (GPU servers are modelled): use `pimscale predict "
       "--device gpu --hardware gpu-a100-80gb-sxm` or `pimscale plan --devices pim,gpu`");
}

const std::vector<std::string>& pim_only_keys() {
  static const std::vector<std::string> kKeys = {
      "hardware", "server_hardware",     "dpus_per_server",  "network",
      "topology", "servers_per_leaf",    "oversubscription", "collective",
      "shares",   "svm_active_fraction", "count_only",       "synthetic",
      "trace",    "checkpoint_every",    "rows_per_dpu"};
  return kKeys;
}

std::string hardware_of(const TrainConfig& c, int64_t rank, int64_t servers) {
  std::string chosen = c.hardware;
  if (c.server_hardware.empty()) return chosen;
  for (const std::string& item : split_list(c.server_hardware)) {
    const size_t eq = item.find('=');
    const std::optional<int64_t> r =
        eq == std::string::npos ? std::nullopt : whole_integer(item.substr(0, eq));
    if (!r || *r < 0 || eq + 1 >= item.size() || (servers >= 0 && *r >= servers)) {
      throw InputError("--server-hardware '" + c.server_hardware + "': '" + item +
                       "' must be RANK=PRESET with RANK in [0, " +
                       (servers >= 0 ? std::to_string(servers) : std::string("servers")) + ")");
    }
    if (*r == rank) chosen = item.substr(eq + 1);
  }
  return chosen;
}

std::vector<int64_t> parse_shares(const std::string& shares, int64_t servers) {
  if (shares.empty())
    return std::vector<int64_t>(static_cast<size_t>(std::max<int64_t>(servers, 0)), 1);
  std::vector<int64_t> out;
  for (const std::string& item : split_list(shares)) {
    const std::optional<int64_t> v = whole_integer(item);
    if (!v || *v < 1 || *v > kMaxShare) {
      throw InputError("--shares '" + shares + "': '" + item + "' is not an integer in [1, " +
                       std::to_string(kMaxShare) + "]; give one per server, e.g. 1,1,1,2");
    }
    out.push_back(*v);
  }
  if (servers >= 0 && static_cast<int64_t>(out.size()) != servers) {
    throw InputError("--shares '" + shares + "' has " + std::to_string(out.size()) +
                     " entries for " + std::to_string(servers) +
                     " servers; give one per server (MPI rank)");
  }
  return out;
}

nlohmann::json to_json(const TrainConfig& c) {
  nlohmann::json j;
  for (const ConfigKey& k : config_keys()) {
    std::visit(
        [&](const auto& f) {
          if constexpr (std::is_same_v<std::decay_t<decltype(f)>, EnumField>) {
            j[k.key] = f.names[f.get(c)];
          } else {
            j[k.key] = c.*f;
          }
        },
        k.field);
  }
  return j;
}

TrainConfig config_from_json(const nlohmann::json& j, const std::string& source) {
  TrainConfig c;
  if (!j.is_object()) throw InputError(source + ": the configuration is not a JSON object");
  for (auto item = j.begin(); item != j.end(); ++item) {
    // Not a structured binding: clang 14 cannot capture one in the lambdas below.
    const std::string& key = item.key();
    const nlohmann::json& value = item.value();
    const auto k = std::find_if(config_keys().begin(), config_keys().end(),
                                [&](const ConfigKey& ck) { return key == ck.key; });
    if (k == config_keys().end()) {
      throw InputError(source + ": unknown configuration key '" + key +
                       "' (written by another version of pimscale)");
    }
    try {
      std::visit(
          [&](const auto& f) {
            using F = std::decay_t<decltype(f)>;
            if constexpr (std::is_same_v<F, EnumField>) {
              set_enum(c, *k, value.template get<std::string>());
            } else {
              c.*f = value.template get<std::remove_reference_t<decltype(c.*f)>>();
            }
          },
          k->field);
    } catch (const nlohmann::json::exception&) {
      throw InputError(source + ": configuration key '" + key + "' holds " + value.dump() +
                       ", not a value of its type");
    }
  }
  return c;
}

}  // namespace pimscale
