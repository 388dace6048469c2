// Preset loading: the shipped presets load with a source for every number; mistakes are errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "src/base/error.h"
#include "src/config/presets.h"

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
    EXPECT_GT(n.latency_us, 0) << e.path();
    EXPECT_EQ(n.sources.size(), network_params().size()) << e.path();
    for (const auto& [key, source] : n.sources) EXPECT_FALSE(source.empty()) << key;
  }
  EXPECT_EQ(load_network_preset("ib-hdr").bandwidth_gbit_s, 200);
  EXPECT_EQ(load_network_preset("100gbe").bandwidth_gbit_s, 100);
}

TEST(Presets, NetworkTopologyAndFittedCostsLoad) {
  const std::string text = slurp(resolve_preset("network", "25gbe"));
  const std::string fat =
      std::regex_replace(text, std::regex("kind = \"star\""), "kind = \"fat-tree\"") +
      "\n[fitted.ring]\nlatency_us = { value = 3, source = \"netbench\" }\n"
      "bandwidth_gbit_s = { value = 50, source = \"netbench\" }\n"
      "reduce_gbps = { value = 5, source = \"netbench\" }\n"
      "\n[fitted.mpi]\nlatency_us = { value = 9, source = \"netbench\" }\n"
      "bandwidth_gbit_s = { value = 40, source = \"netbench\" }\n"
      "reduce_gbps = { value = 4, source = \"netbench\" }\n";
  const NetworkSpec n = load_network_preset(temp_preset("fat", fat));
  EXPECT_EQ(n.costs_for(CollectiveAlgorithm::kMpi).latency_us, 9);  // MPI_Allreduce's own fit
  EXPECT_EQ(n.topology, Topology::kFatTree);
  EXPECT_EQ(n.servers_per_leaf, 32);
  EXPECT_EQ(n.oversubscription, 2);
  EXPECT_EQ(n.costs_for(CollectiveAlgorithm::kRing).latency_us, 3);
  EXPECT_EQ(n.costs_for(CollectiveAlgorithm::kRabenseifner).latency_us,
            15);  // not fitted: the links'
  auto error = [](const std::string& path) {
    try {
      load_network_preset(path);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const std::string bad_kind =
      std::regex_replace(text, std::regex("kind = \"star\""), "kind = \"torus\"");
  EXPECT_NE(error(temp_preset("torus", bad_kind))
                .find("topology.kind = 'torus' must be star, fat-tree or ring"),
            std::string::npos);
  const std::string no_leaf = std::regex_replace(
      std::regex_replace(text, std::regex("kind = \"star\""), "kind = \"fat-tree\""),
      std::regex("servers_per_leaf = \\{[^}]*\\}\n"), "");
  EXPECT_NE(
      error(temp_preset("noleaf", no_leaf)).find("a fat tree needs topology.servers_per_leaf"),
      std::string::npos);
  const std::string bad_fit =
      text + "\n[fitted.ring]\nlatency_us = { value = 3, source = \"x\" }\n";
  EXPECT_NE(error(temp_preset("badfit", bad_fit)).find("fitted.ring must hold exactly"),
            std::string::npos);
}

TEST(Presets, UnknownKeyIsAnError) {
  const std::string text =
      std::regex_replace(reference_text(), std::regex("frequency_mhz ="), "frequency_mz =");
  EXPECT_NE(error_of(temp_preset("unknown", text)).find("unknown key 'dpu.frequency_mz'"),
            std::string::npos);
}

TEST(Presets, NumberWithoutSourceIsAnError) {
  const std::string text = std::regex_replace(
      reference_text(), std::regex("wram_bytes = \\{[^}]*\\}"), "wram_bytes = 65536");
  EXPECT_NE(error_of(temp_preset("nosource", text)).find("dpu.wram_bytes must be { value"),
            std::string::npos);
}

TEST(Presets, OutOfRangeValueNamesTheRange) {
  const std::string text =
      std::regex_replace(reference_text(), std::regex("rank_scaling_exponent = \\{ value = 0.8"),
                         "rank_scaling_exponent = { value = 1.5");
  EXPECT_NE(error_of(temp_preset("range", text)).find("transfer.rank_scaling_exponent = 1.5"),
            std::string::npos);
}

TEST(Presets, UnknownPresetNameListsTheAvailableOnes) {
  try {
    load_server_preset("upmem-9999");
    FAIL();
  } catch (const InputError& e) {
    // Every shipped hardware preset, in name order (PIM, CPU and GPU servers).
    EXPECT_NE(std::string(e.what()).find("available: cpu-epyc-7742-2s, cpu-xeon-8480-2s, "
                                         "gpu-a100-80gb-sxm, gpu-h100-sxm, upmem-2560-v1a"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace pimscale
