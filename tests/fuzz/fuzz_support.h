// Shared by the libFuzzer targets (tests/fuzz/*.cpp): the fuzzer's bytes as a file the parsers can
// open. Each target defines LLVMFuzzerTestOneInput; built with -fsanitize=fuzzer by
// tests/fuzz/run.sh, and with replay_main.cpp (every file of the seed corpus, once) in the default
// build, where CTest replays the corpus.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

namespace pimscale::fuzz {

// Writes `size` bytes to a file named by this process and `slot`, ending in `suffix` (".toml",
// ".csv": some readers go by the name); in /dev/shm when there is one. Returns its path.
inline std::string bytes_file(const uint8_t* data, size_t size, const std::string& suffix,
                              int slot = 0) {
  static const std::string dir = std::filesystem::is_directory("/dev/shm")
                                     ? "/dev/shm"
                                     : std::filesystem::temp_directory_path().string();
  const std::string path =
      dir + "/pimscale_fuzz_" + std::to_string(getpid()) + "_" + std::to_string(slot) + suffix;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  return path;
}

}  // namespace pimscale::fuzz
