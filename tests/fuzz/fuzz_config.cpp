// libFuzzer target: a train configuration file (TOML) through load_train_config_file and
// validate, as `train --config` reads it.
#include "src/base/error.h"
#include "src/config/train_config.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = pimscale::fuzz::bytes_file(data, size, ".toml");
  try {
    const pimscale::TrainConfig c = pimscale::load_train_config_file(path, pimscale::TrainConfig{});
    pimscale::validate(c, false);
  } catch (const pimscale::Error&) {
  }
  return 0;
}
