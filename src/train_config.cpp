#include "src/train_config.h"

#include <cmath>
#include <cstdlib>
#include <set>
#include <toml++/toml.h>
#include <type_traits>
#include <variant>

#include "comm/network_spec.h"
#include "pim_emul/error.h"
#include "pim_emul/fixed_point.h"

namespace pimscale {

namespace {

using Field = std::variant<std::string TrainConfig::*, int64_t TrainConfig::*, double TrainConfig::*, bool TrainConfig::*>;
struct FieldInfo {
  const char* key;  // TOML key; the flag is --key with '_' -> '-'
  Field field;
  const char* help;
};

const std::vector<FieldInfo>& fields() {
  static const std::vector<FieldInfo> kFields = {
      {"data", &TrainConfig::data, "HDF5 dataset to train on"},
      {"model", &TrainConfig::model, "model: lr (logistic regression) or svm (hinge loss)"},
      {"algorithm", &TrainConfig::algorithm, "algorithm: ga-sgd, ma-sgd or admm"},
      {"numerics", &TrainConfig::numerics,
       "numerics: fixed (the DPU's Q1.31 arithmetic), float (reference) or float-saturating (float clipped to "
       "Q1.31's range: fixed's range without its rounding)"},
      {"hardware", &TrainConfig::hardware, "hardware preset name or .toml file"},
      {"server_hardware", &TrainConfig::server_hardware,
       "other presets for some servers, RANK=PRESET,... (e.g. 3=slow.toml: server 3 is a slower machine)"},
      {"network", &TrainConfig::network,
       "network preset name or .toml file, or measured (time the real MPI all-reduce; non-deterministic)"},
      {"topology", &TrainConfig::topology, "override the preset's topology: star, fat-tree or ring"},
      {"servers_per_leaf", &TrainConfig::servers_per_leaf,
       "override the preset's servers per leaf switch (fat tree; hierarchical all-reduce group)"},
      {"oversubscription", &TrainConfig::oversubscription, "override the preset's fat-tree oversubscription (>= 1)"},
      {"collective", &TrainConfig::collective,
       "all-reduce algorithm: auto (by size and ranks, as MPI libraries), best (cheapest modelled), ring, "
       "recursive-doubling, rabenseifner or hierarchical"},
      {"shares", &TrainConfig::shares,
       "relative training rows per server, one integer per rank (e.g. 1,1,1,2: the last server holds twice "
       "the rows); default equal"},
      {"dpus_per_server", &TrainConfig::dpus_per_server, "emulated DPUs per server (MPI rank)"},
      {"batch", &TrainConfig::batch,
       "mini-batch, a power of two: GA-SGD's global batch (a multiple of all DPUs); MA-SGD's and ADMM's per DPU"},
      {"lr_shift", &TrainConfig::lr_shift, "learning rate 2^-lr_shift"},
      {"reg_shift", &TrainConfig::reg_shift, "L2 coefficient 2^-reg_shift (ADMM: rho)"},
      {"alpha", &TrainConfig::alpha, "ADMM: soft threshold tau = 2^(alpha - reg_shift) / N"},
      {"margin", &TrainConfig::margin, "SVM hinge margin: dpu (2^-15, PIM-Opt's DPU code) or half (0.5)"},
      {"class_weights", &TrainConfig::class_weights, "none, or criteo (positive terms x15, negative x0.5)"},
      {"epochs", &TrainConfig::epochs, "passes over the training set"},
      {"seed", &TrainConfig::seed, "seed (recorded; GA-SGD itself draws nothing: no shuffling, zero init)"},
      {"out", &TrainConfig::out, "results folder"},
      {"threads", &TrainConfig::threads, "threads running this rank's DPUs (0: all cores of the rank)"},
      {"trace", &TrainConfig::trace, "write the emulated timeline to FILE (Chrome trace-event JSON; open in Perfetto)"},
      {"save_model", &TrainConfig::save_model,
       "write the final model to model.csv in the results folder (index, weight in real units; last row the bias)"},
      {"count_only", &TrainConfig::count_only,
       "dry accounting: count rounds, bytes and emulated time without running kernels or reading rows"},
      {"synthetic", &TrainConfig::synthetic, "count-only without --data: the shape of yfcc (dense, 4,096 features) "
                                              "or criteo (sparse, 10^6 features, 39 non-zeros per row)"},
      {"rows_per_dpu", &TrainConfig::rows_per_dpu,
       "training rows per DPU (weak scaling): the first rows of --data, or the --synthetic size"},
      {"rows", &TrainConfig::rows, "training rows in all (strong scaling): the first rows of --data, or the --synthetic size"},
  };
  return kFields;
}

std::string flag_of(const char* key) {
  std::string f = std::string("--") + key;
  for (auto& c : f) c = c == '_' ? '-' : c;
  return f;
}

}  // namespace

namespace {
// Integer flags also take whole numbers in scientific notation (--rows 4.4e9).
const CLI::Validator kWholeNumber(
    [](std::string& s) {
      if (s.find_first_of(".eE") == std::string::npos) return std::string();
      char* end = nullptr;
      const double v = std::strtod(s.c_str(), &end);
      if (*end != '\0' || !(v >= -9.2e18 && v <= 9.2e18) || v != std::floor(v)) return "'" + s + "' is not a whole number";
      s = std::to_string(static_cast<int64_t>(v));
      return std::string();
    },
    "", "");
}  // namespace

TrainConfigCli::TrainConfigCli(CLI::App& app, bool predicting) : predicting_(predicting) {
  app.add_option("--config", config_file_, "TOML file with any of the keys below (flags override it)");
  for (const FieldInfo& f : fields()) {
    CLI::Option* o = std::visit(
        [&](auto m) {
          if constexpr (std::is_same_v<decltype(m), bool TrainConfig::*>) {
            return app.add_flag(flag_of(f.key), flags_.*m, f.help);
          } else if constexpr (std::is_same_v<decltype(m), int64_t TrainConfig::*>) {
            return app.add_option(flag_of(f.key), flags_.*m, f.help)->transform(kWholeNumber);
          } else {
            return app.add_option(flag_of(f.key), flags_.*m, f.help);
          }
        },
        f.field);
    options_.emplace_back(f.key, o);
  }
}

TrainConfig TrainConfigCli::resolve() const {
  TrainConfig c;
  if (!config_file_.empty()) c = load_train_config_file(config_file_, c);
  for (size_t i = 0; i < fields().size(); ++i) {
    if (options_[i].second->count() == 0) continue;
    std::visit([&](auto m) { c.*m = flags_.*m; }, fields()[i].field);
  }
  validate(c, predicting_);
  return c;
}

TrainConfig load_train_config_file(const std::string& path, TrainConfig c) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw InputError("config '" + path + "' line " + std::to_string(e.source().begin.line) + ": " +
                     std::string(e.description()));
  }
  std::set<std::string> known;
  for (const FieldInfo& f : fields()) {
    known.insert(f.key);
    const toml::node* n = root.get(f.key);
    if (!n) continue;
    const std::string where = "config '" + path + "' key " + f.key;
    if (auto* s = std::get_if<std::string TrainConfig::*>(&f.field)) {
      if (!n->is_string()) throw InputError(where + " must be a string");
      c.*(*s) = *n->value<std::string>();
    } else if (auto* b = std::get_if<bool TrainConfig::*>(&f.field)) {
      if (!n->is_boolean()) throw InputError(where + " must be true or false");
      c.*(*b) = *n->value<bool>();
    } else if (auto* d = std::get_if<double TrainConfig::*>(&f.field)) {
      if (!n->is_number()) throw InputError(where + " must be a number");
      c.*(*d) = *n->value<double>();
    } else {
      if (!n->is_integer()) throw InputError(where + " must be an integer");
      c.*std::get<int64_t TrainConfig::*>(f.field) = *n->value<int64_t>();
    }
  }
  for (auto&& [k, v] : root) {
    if (!known.contains(std::string(k.str()))) {
      throw InputError("config '" + path + "': unknown key '" + std::string(k.str()) + "' (see `pimscale train --help`)");
    }
  }
  return c;
}

void validate(const TrainConfig& c, bool predicting) {
  auto need = [](bool ok, const std::string& msg) {
    if (!ok) throw InputError(msg);
  };
  if (!c.synthetic.empty()) {
    need(c.synthetic == "yfcc" || c.synthetic == "criteo", "--synthetic '" + c.synthetic + "' is unknown; use yfcc or criteo");
    need(c.count_only || predicting,
         "--synthetic describes a shape for --count-only or predict; to train, write a file with `pimscale data synth`");
    need(c.data.empty(), "--synthetic and --data both give the dataset; pass one");
    need((c.rows_per_dpu > 0) != (c.rows > 0), "--synthetic needs exactly one of --rows-per-dpu R or --rows R (R > 0)");
  } else {
    need(c.rows_per_dpu >= 0 && c.rows >= 0 && (c.rows_per_dpu == 0 || c.rows == 0),
         "--rows-per-dpu and --rows both limit the training rows; pass one");
    need(!c.data.empty(), std::string("no dataset: pass --data FILE.h5 (make one with `pimscale data synth`)") +
                              (c.count_only || predicting ? ", or --synthetic yfcc|criteo with --rows-per-dpu R or --rows R" : ""));
  }
  need(c.model == "lr" || c.model == "svm", "--model '" + c.model + "' is unknown; use lr or svm");
  need(c.algorithm == "ga-sgd" || c.algorithm == "ma-sgd" || c.algorithm == "admm",
       "--algorithm '" + c.algorithm + "' is unknown; use ga-sgd, ma-sgd or admm");
  need(c.numerics == "fixed" || c.numerics == "float" || c.numerics == "float-saturating",
       "--numerics '" + c.numerics + "' is unknown; use fixed, float or float-saturating");
  need(c.margin == "dpu" || c.margin == "half", "--margin '" + c.margin + "' is unknown; use dpu (2^-15) or half (0.5)");
  need(c.class_weights == "none" || c.class_weights == "criteo",
       "--class-weights '" + c.class_weights + "' is unknown; use none or criteo");
  need(c.alpha >= 0 && c.alpha <= 31, "--alpha must be in [0, 31]");
  need(c.dpus_per_server >= 1, "--dpus-per-server must be at least 1");
  need(c.batch >= 1 && fixed::is_power_of_two(static_cast<uint64_t>(c.batch)),
       "--batch " + std::to_string(c.batch) + " must be a power of two (1/b is a shift on the DPU)");
  need(c.lr_shift >= 0 && c.lr_shift <= 31, "--lr-shift must be in [0, 31]");
  need(c.reg_shift >= 0 && c.reg_shift <= 62, "--reg-shift must be in [0, 62]");
  need(c.epochs >= 1, "--epochs must be at least 1");
  need(c.threads >= 0, "--threads must be >= 0 (0: all cores of the rank)");
  need(!c.out.empty(), "--out must name a results folder");
  need(c.topology.empty() || c.topology == "star" || c.topology == "fat-tree" || c.topology == "ring",
       "--topology '" + c.topology + "' is unknown; use star, fat-tree or ring");
  need(c.servers_per_leaf >= 0, "--servers-per-leaf must be >= 1 (0: the preset's)");
  need(c.oversubscription == 0 || c.oversubscription >= 1, "--oversubscription must be >= 1 (0: the preset's)");
  const auto a = parse_algorithm(c.collective);
  need(a && *a != CollectiveAlgorithm::kRecursiveHalving && *a != CollectiveAlgorithm::kBinomial,
       "--collective '" + c.collective + "' is not an all-reduce algorithm; use auto, best, ring, recursive-doubling, "
       "rabenseifner or hierarchical");
  need(c.network != "measured" || c.topology.empty(), "--topology shapes a modelled network; drop it with --network measured");
  if (!c.shares.empty()) parse_shares(c.shares, -1);
  hardware_of(c, -1, -1);  // the list's form
}

std::vector<std::string> split_list(const std::string& list, char separator) {
  std::vector<std::string> items;
  size_t at = 0;
  while (true) {
    const size_t end = std::min(list.find(separator, at), list.size());
    items.push_back(list.substr(at, end - at));
    if (end == list.size()) return items;
    at = end + 1;
  }
}

std::optional<int64_t> whole_integer(const std::string& item) {
  try {
    size_t used = 0;
    const int64_t v = std::stoll(item, &used);
    if (used == item.size()) return v;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

std::string hardware_of(const TrainConfig& c, int64_t rank, int64_t servers) {
  std::string chosen = c.hardware;
  if (c.server_hardware.empty()) return chosen;
  for (const std::string& item : split_list(c.server_hardware)) {
    const size_t eq = item.find('=');
    const std::optional<int64_t> r = eq == std::string::npos ? std::nullopt : whole_integer(item.substr(0, eq));
    if (!r || *r < 0 || eq + 1 >= item.size() || (servers >= 0 && *r >= servers)) {
      throw InputError("--server-hardware '" + c.server_hardware + "': '" + item + "' must be RANK=PRESET with RANK in [0, " +
                       (servers >= 0 ? std::to_string(servers) : std::string("servers")) + ")");
    }
    if (*r == rank) chosen = item.substr(eq + 1);
  }
  return chosen;
}

std::vector<int64_t> parse_shares(const std::string& shares, int64_t servers) {
  if (shares.empty()) return std::vector<int64_t>(static_cast<size_t>(std::max<int64_t>(servers, 0)), 1);
  std::vector<int64_t> out;
  for (const std::string& item : split_list(shares)) {
    const std::optional<int64_t> v = whole_integer(item);
    if (!v || *v < 1) {
      throw InputError("--shares '" + shares + "': '" + item + "' is not a positive integer; give one per server, e.g. 1,1,1,2");
    }
    out.push_back(*v);
  }
  if (servers >= 0 && static_cast<int64_t>(out.size()) != servers) {
    throw InputError("--shares '" + shares + "' has " + std::to_string(out.size()) + " entries for " +
                     std::to_string(servers) + " servers; give one per server (MPI rank)");
  }
  return out;
}

nlohmann::json to_json(const TrainConfig& c) {
  nlohmann::json j;
  for (const FieldInfo& f : fields()) std::visit([&](auto m) { j[f.key] = c.*m; }, f.field);
  return j;
}

}  // namespace pimscale
