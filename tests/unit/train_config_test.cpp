// Train configuration: file, then flags; mistakes are errors naming the key.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "src/base/error.h"
#include "src/config/config_cli.h"

namespace pimscale {
namespace {

std::string temp_config(const std::string& name, const std::string& text) {
  const auto p = std::filesystem::temp_directory_path() / ("pimscale_cfg_" + name + ".toml");
  std::ofstream(p) << text;
  return p.string();
}

TrainConfig parse(std::vector<std::string> args) {
  CLI::App app;
  TrainConfigCli cli(app);
  std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector
  app.parse(args);
  return cli.resolve();
}

TEST(TrainConfig, FlagsOverrideTheFileWhichOverridesDefaults) {
  const std::string f = temp_config("ok", "data = \"a.h5\"\nbatch = 256\nepochs = 7\n");
  const TrainConfig c = parse({"--config", f, "--batch", "512"});
  EXPECT_EQ(c.data, "a.h5");
  EXPECT_EQ(c.batch, 512);   // flag wins
  EXPECT_EQ(c.epochs, 7);    // file
  EXPECT_EQ(c.lr_shift, 4);  // default
}

TEST(TrainConfig, UnknownKeyInFileIsAnError) {
  const std::string f = temp_config("typo", "data = \"a.h5\"\nbatchsize = 256\n");
  EXPECT_THROW(parse({"--config", f}), InputError);
}

TEST(TrainConfig, WrongTypeIsAnError) {
  const std::string f = temp_config("type", "data = \"a.h5\"\nbatch = \"big\"\n");
  EXPECT_THROW(parse({"--config", f}), InputError);
}

TEST(TrainConfig, ImpossibleValuesAreErrors) {
  EXPECT_THROW(parse({"--data", "a.h5", "--batch", "48"}), InputError);  // not a power of two
  EXPECT_THROW(parse({"--data", "a.h5", "--epochs", "0"}), InputError);
  EXPECT_THROW(parse({"--data", "a.h5", "--model", "tree"}), InputError);
  EXPECT_THROW(parse({"--data", "a.h5", "--margin", "0.7"}), InputError);
  EXPECT_NO_THROW(
      parse({"--data", "a.h5", "--model", "svm", "--algorithm", "admm", "--numerics", "float"}));
  EXPECT_THROW(parse({}), InputError);  // no dataset
}

TEST(TrainConfig, JsonHasEveryKey) {
  const nlohmann::json j = to_json(TrainConfig{});
  for (const char* k : {"data", "model", "algorithm", "dpus_per_server", "batch", "lr_shift",
                        "reg_shift", "epochs", "seed", "out", "threads", "hardware", "network",
                        "numerics", "alpha", "margin", "class_weights"}) {
    EXPECT_TRUE(j.contains(k)) << k;
  }
}

}  // namespace
}  // namespace pimscale

namespace pimscale {
namespace {

// Every numeric key's range is its declaration's: one past either end is refused, naming the flag.
TEST(ConfigKeys, RangesComeFromTheDeclarations) {
  for (const ConfigKey& k : config_keys()) {
    auto* i = std::get_if<int64_t TrainConfig::*>(&k.field);
    if (!i || k.max > 1e18) continue;
    TrainConfig c;
    c.data = "a.h5";
    c.*(*i) = static_cast<int64_t>(k.max) + 1;
    try {
      validate(c);
      ADD_FAILURE() << k.key << " accepted " << k.max + 1;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(flag_of(k.key)), std::string::npos) << e.what();
    }
  }
  EXPECT_NO_THROW(validate([] {
    TrainConfig c;
    c.data = "a.h5";
    c.alpha = 31;
    return c;
  }()));
}

TEST(ConfigKeys, EveryKeyHasHelpAndEnumsRoundTripThroughTheirNames) {
  for (const ConfigKey& k : config_keys()) EXPECT_GT(std::string(k.help).size(), 5u) << k.key;
  for (AlgorithmKind a : {AlgorithmKind::kGaSgd, AlgorithmKind::kMaSgd, AlgorithmKind::kAdmm}) {
    EXPECT_EQ(enum_named<AlgorithmKind>(name_of(a)), a);
  }
  EXPECT_FALSE(enum_named<Numerics>("double").has_value());
  TrainConfig c;
  c.topology = Topology::kFatTree;
  c.collective = CollectiveAlgorithm::kRabenseifner;
  const nlohmann::json j = to_json(c);
  EXPECT_EQ(j["topology"], "fat-tree");
  EXPECT_EQ(j["collective"], "rabenseifner");
  EXPECT_EQ(to_json(TrainConfig{})["topology"], "");  // the preset's
}

TEST(ConfigKeys, UnknownNamesListTheChoices) {
  try {
    parse({"--data", "a.h5", "--collective", "binomial"});
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(),
                 "--collective 'binomial' is not an all-reduce algorithm; use auto, best, ring, "
                 "recursive-doubling, rabenseifner or hierarchical");
  }
}

}  // namespace
}  // namespace pimscale
