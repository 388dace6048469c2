// libFuzzer target: hardware and network presets (TOML) through their loaders and checks. The
// first byte chooses the kind.
#include "src/base/error.h"
#include "src/config/presets.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string path = pimscale::fuzz::bytes_file(data + 1, size - 1, ".toml");
  try {
    if (data[0] % 2 == 0) {
      pimscale::load_server_preset(path);
    } else {
      pimscale::load_network_preset(path);
    }
  } catch (const pimscale::Error&) {
  }
  return 0;
}
