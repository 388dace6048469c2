// The command-line face of TrainConfig: one CLI11 flag per declared key, plus --config FILE.
// Not responsible for the keys' meaning or ranges (train_config.h declares and checks them).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <utility>
#include <vector>

#include "src/config/train_config.h"

namespace pimscale {

class TrainConfigCli {
 public:
  // predicting: for `predict` and `plan`, which also take --synthetic without --count-only.
  explicit TrainConfigCli(CLI::App& app, bool predicting = false);
  // Defaults, then --config FILE (if given), then flags given on the command line, then validate().
  // Throws InputError for an unknown key, a wrong type or an impossible value.
  TrainConfig resolve() const;
  // The flags given on the command line over `base` (no --config file), then validate().
  TrainConfig resolve_over(TrainConfig base) const;
  // The flags given on the command line (--config included), as typed: "--epochs".
  std::vector<std::string> given_flags() const;

 private:
  // --device cpu or gpu: refuses a PIM-only flag, resets a --config file's PIM-only keys to their
  // defaults, and makes float32 the numerics.
  void on_device(TrainConfig& c) const;

  bool predicting_ = false;
  std::string config_file_;
  std::vector<std::string> values_;  // one per key, as typed
  std::vector<CLI::Option*> options_;
};

}  // namespace pimscale
