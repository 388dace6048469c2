#include "src/config/config_cli.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string_view>

#include "src/base/error.h"

namespace pimscale {

namespace {

// Integer flags also take whole numbers in scientific notation (--rows 4.4e9).
const CLI::Validator kWholeNumber(
    [](std::string& s) {
      if (s.find_first_of(".eE") == std::string::npos) return std::string();
      char* end = nullptr;
      const double v = std::strtod(s.c_str(), &end);
      if (*end != '\0' || !(v >= -9.2e18 && v <= 9.2e18) || v != std::floor(v)) {
        return "'" + s + "' is not a whole number";
      }
      s = std::to_string(static_cast<int64_t>(v));
      return std::string();
    },
    "", "");

// The key's help with its unit and declared range, e.g. "learning rate 2^-lr_shift [log2, 0..31]".
std::string help_of(const ConfigKey& k) {
  const bool number = std::holds_alternative<int64_t TrainConfig::*>(k.field) ||
                      std::holds_alternative<double TrainConfig::*>(k.field);
  if (!number || k.min < -9e18) return k.help;
  std::string range =
      k.max >= 9e18 ? fmt::format(">= {}", k.min) : fmt::format("{}..{}", k.min, k.max);
  if (k.unset != -1) range += fmt::format(", {} = default", k.unset);
  return fmt::format("{} [{}{}]", k.help, *k.unit ? fmt::format("{}, ", k.unit) : "", range);
}

// `text` read whole by `parse` (std::stod, std::stoll) as a finite value; UsageError(`error`) for
// anything else ("", "2x", "nan", "inf", out of range).
template <class T, class Parse>
T whole_text(const std::string& text, Parse parse, const std::string& error) {
  try {
    size_t used = 0;
    const T v = parse(text, &used);
    if (used == text.size() && std::isfinite(static_cast<double>(v))) return v;
  } catch (const std::exception&) {
  }
  throw UsageError(error);
}

}  // namespace

TrainConfigCli::TrainConfigCli(CLI::App& app, bool predicting) : predicting_(predicting) {
  app.add_option("--config", config_file_,
                 "TOML file with any of the keys below (flags override it)");
  values_.resize(config_keys().size());
  for (size_t i = 0; i < config_keys().size(); ++i) {
    const ConfigKey& k = config_keys()[i];
    const std::string flag = flag_of(k.key);
    CLI::Option* o = nullptr;
    if (std::holds_alternative<bool TrainConfig::*>(k.field)) {
      o = app.add_flag(flag, k.help);
    } else {
      o = app.add_option(flag, values_[i], help_of(k));
      if (std::holds_alternative<int64_t TrainConfig::*>(k.field)) {
        o->transform(kWholeNumber)->type_name("INT");
      } else if (std::holds_alternative<double TrainConfig::*>(k.field)) {
        o->type_name("FLOAT");
      }
    }
    options_.push_back(o);
  }
}

TrainConfig TrainConfigCli::resolve() const {
  TrainConfig c;
  if (!config_file_.empty()) c = load_train_config_file(config_file_, c);
  return resolve_over(std::move(c));
}

TrainConfig TrainConfigCli::resolve_over(TrainConfig c) const {
  for (size_t i = 0; i < config_keys().size(); ++i) {
    if (options_[i]->count() == 0) continue;
    const ConfigKey& k = config_keys()[i];
    const std::string& v = values_[i];
    std::visit(
        [&](const auto& f) {
          using F = std::decay_t<decltype(f)>;
          if constexpr (std::is_same_v<F, std::string TrainConfig::*>) {
            c.*f = v;
          } else if constexpr (std::is_same_v<F, bool TrainConfig::*>) {
            c.*f = true;
          } else if constexpr (std::is_same_v<F, double TrainConfig::*>) {
            c.*f = whole_text<double>(
                v, [](const std::string& t, size_t* n) { return std::stod(t, n); },
                flag_of(k.key) + " '" + v + "' is not a finite number");
          } else if constexpr (std::is_same_v<F, int64_t TrainConfig::*>) {
            c.*f = whole_text<int64_t>(
                v, [](const std::string& t, size_t* n) { return std::stoll(t, n); },
                flag_of(k.key) + " '" + v + "' is not a whole number in int64's range");
          } else {
            try {
              set_enum(c, k, v);
            } catch (const InputError& e) {
              throw UsageError(e.what());  // a flag's value that is none of its names
            }
          }
        },
        k.field);
  }
  if (c.device != Device::kPim) on_device(c);
  validate(c, predicting_);
  return c;
}

void TrainConfigCli::on_device(TrainConfig& c) const {
  // predict --device cpu|gpu describes a modelled CPU or GPU cluster: its preset (--hardware), its
  // network and a synthetic shape are its own.
  static const std::vector<std::string_view> kPredictKeys = {
      "hardware",         "network",    "topology",  "servers_per_leaf",
      "oversubscription", "collective", "synthetic", "svm_active_fraction"};
  const TrainConfig defaults;
  bool numerics_given = false;
  for (size_t i = 0; i < config_keys().size(); ++i) {
    const ConfigKey& k = config_keys()[i];
    const std::string_view key = k.key;
    const bool given = options_[i]->count() > 0;
    const std::vector<std::string>& pim = pim_only_keys();
    numerics_given |= key == "numerics" && given;
    if (std::find(pim.begin(), pim.end(), key) == pim.end()) continue;
    const bool predict_key = predicting_ && std::find(kPredictKeys.begin(), kPredictKeys.end(),
                                                      key) != kPredictKeys.end();
    if (predict_key && (given || key != "hardware")) continue;
    if (predict_key) {  // predict --device cpu without --hardware: no CPU preset (a file's is a
                        // PIM's)
      c.hardware.clear();
      continue;
    }
    if (given) {
      const bool not_yet = key == "trace" || key == "checkpoint_every" || key == "shares";
      const std::string device = "--device " + name_string(c.device);
      throw InputError(flag_of(k.key) +
                       (not_yet ? " is not available with " + device + " yet"
                        : c.device == Device::kCpu
                            ? " describes the emulated PIM cluster; --device cpu trains on this "
                              "host's cores with real MPI all-reduces"
                            : " describes the emulated PIM cluster; --device gpu models GPU "
                              "servers from a GPU preset (--hardware)") +
                       ": drop " + flag_of(k.key));
    }
    // A --config file's PIM keys (a workload preset's DPUs, hardware, network) do not apply.
    std::visit(
        [&](const auto& f) {
          if constexpr (std::is_same_v<std::decay_t<decltype(f)>, EnumField>) {
            f.set(c, f.get(defaults));
          } else {
            c.*f = defaults.*f;
          }
        },
        k.field);
  }
  if (!numerics_given) c.numerics = Numerics::kFloat;
}

std::vector<std::string> TrainConfigCli::given_flags() const {
  std::vector<std::string> given;
  if (!config_file_.empty()) given.emplace_back("--config");
  for (size_t i = 0; i < options_.size(); ++i) {
    if (options_[i]->count() > 0) given.push_back(flag_of(config_keys()[i].key));
  }
  return given;
}

}  // namespace pimscale
