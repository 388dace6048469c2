// Preset loading: the shipped presets load with a source for every number; mistakes are errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "pim_emul/error.h"
#include "src/presets.h"

namespace pimscale {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Writes `text` to a temporary preset file and returns its path.
std::string temp_preset(const std::string& name, const std::string& text) {
  const auto p = std::filesystem::temp_directory_path() / ("pimscale_test_" + name + ".toml");
  std::ofstream(p) << text;
  return p.string();
}

std::string reference_text() { return slurp(resolve_preset("hardware", "upmem-2560-v1a")); }

std::string error_of(const std::string& path) {
  try {
    load_server_preset(path);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Presets, ReferenceServerLoadsWithPaperValues) {
  const ServerPreset p = load_server_preset("upmem-2560-v1a");
  EXPECT_EQ(p.hardware.name, "upmem-2560-v1a");
  EXPECT_EQ(p.hardware.dpus_per_server, 2560);
  EXPECT_EQ(p.hardware.dpu.frequency_mhz, 350);
  EXPECT_EQ(p.hardware.dpu.mram_bytes, 64 << 20);
  EXPECT_EQ(p.hardware.dpu.wram_bytes, 64 << 10);
  EXPECT_EQ(p.hardware.dpu.iram_bytes, 24 << 10);
  EXPECT_EQ(p.hardware.dpu.tasklets, 16);
  EXPECT_EQ(p.hardware.dpu.issue_interval_cycles, 11);
  EXPECT_EQ(p.host.cores, 16);
  // Every parameter has a non-empty source.
  EXPECT_EQ(p.hardware.sources.size(), hardware_params().size());
  for (const auto& [key, source] : p.hardware.sources) EXPECT_FALSE(source.empty()) << key;
}

TEST(Presets, EveryShippedNetworkLoads) {
  for (const auto& e : std::filesystem::directory_iterator(preset_dir() + "/network")) {
    const NetworkSpec n = load_network_preset(e.path().string());
    EXPECT_GT(n.bandwidth_gbit_s, 0) << e.path();
    EXPECT_EQ(n.sources.size(), network_params().size()) << e.path();
  }
}

TEST(Presets, UnknownKeyIsAnError) {
  const std::string text = std::regex_replace(reference_text(), std::regex("frequency_mhz ="), "frequency_mz =");
  EXPECT_NE(error_of(temp_preset("unknown", text)).find("unknown key 'dpu.frequency_mz'"), std::string::npos);
}

TEST(Presets, NumberWithoutSourceIsAnError) {
  const std::string text = std::regex_replace(reference_text(), std::regex("wram_bytes = \\{[^}]*\\}"), "wram_bytes = 65536");
  EXPECT_NE(error_of(temp_preset("nosource", text)).find("dpu.wram_bytes must be { value"), std::string::npos);
}

TEST(Presets, OutOfRangeValueNamesTheRange) {
  const std::string text =
      std::regex_replace(reference_text(), std::regex("rank_scaling_exponent = \\{ value = 0.8"), "rank_scaling_exponent = { value = 1.5");
  EXPECT_NE(error_of(temp_preset("range", text)).find("transfer.rank_scaling_exponent = 1.5"), std::string::npos);
}

TEST(Presets, UnknownPresetNameListsTheAvailableOnes) {
  try {
    load_server_preset("upmem-9999");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("available: upmem-2560-v1a"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace pimscale
