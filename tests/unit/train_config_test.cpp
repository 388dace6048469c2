// Train configuration: file, then flags; mistakes are errors naming the key.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "src/base/error.h"
#include "src/base/text.h"
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

// Sizes are bounded where they are read, so no product of them can wrap: shares, DPUs, rows per
// DPU; command-line values that are not of the flag's type are usage errors (exit status 2).
TEST(TrainConfig, SizesAreBoundedAndMistypedValuesAreUsageErrors) {
  EXPECT_THROW(parse({"--data", "a.h5", "--dpus-per-server", "2097152"}), InputError);
  EXPECT_THROW(parse({"--data", "a.h5", "--rows-per-dpu", "4611686018427387905"}), InputError);
  EXPECT_THROW(parse({"--data", "a.h5", "--shares", "1,1048577"}), InputError);
  EXPECT_NO_THROW(parse({"--data", "a.h5", "--shares", "1,1048576"}));
  EXPECT_THROW(parse({"--data", "a.h5", "--threads", "5000"}), InputError);
  EXPECT_THROW(parse({"--data", "a.h5", "--batch", "x"}), UsageError);
  EXPECT_THROW(parse({"--data", "a.h5", "--oversubscription", "nan"}), UsageError);
  EXPECT_THROW(parse({"--data", "a.h5", "--oversubscription", "inf"}), UsageError);
  EXPECT_THROW(parse({"--data", "a.h5", "--numerics", "double"}), UsageError);
  // A file's mistakes are input errors, not usage errors.
  const std::string f = temp_config("enum", "data = \"a.h5\"\nnumerics = \"double\"\n");
  try {
    parse({"--config", f});
    ADD_FAILURE() << "numerics = double was accepted";
  } catch (const UsageError&) {
    ADD_FAILURE() << "a config file's value is not a usage error";
  } catch (const InputError&) {
  }
}

// "Did you mean": the closest name within a third of the word's letters (a swap of neighbours is
// one edit), else the one name it starts or that starts it; nothing when two are as close.
TEST(Text, ClosestNameSuggestsOnlyAnUnambiguousNearName) {
  const std::vector<std::string> commands = {"train", "predict", "plan", "sweep", "synth", "stats"};
  EXPECT_EQ(closest_name("trian", commands), "train");
  EXPECT_EQ(closest_name("predcit", commands), "predict");
  EXPECT_EQ(closest_name("sweeps", commands), "sweep");
  EXPECT_EQ(closest_name("xyz", commands), std::nullopt);
  EXPECT_EQ(closest_name("stat", commands), "stats");
  EXPECT_EQ(closest_name("s", commands), std::nullopt);
  const std::vector<std::string> flags = {"batch", "batches", "epochs", "lr-shift"};
  EXPECT_EQ(closest_name("batchsize", flags), "batch");            // the one name it starts with
  EXPECT_EQ(closest_name("pla", {"plan", "play"}), std::nullopt);  // two as close
  EXPECT_EQ(closest_name("epoch", flags), "epochs");
  EXPECT_EQ(closest_name("lr-shfit", flags), "lr-shift");
  EXPECT_EQ(did_you_mean("epoch", flags), "; did you mean 'epochs'?");
  EXPECT_EQ(did_you_mean("zzz", flags), "");
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
                 "recursive-doubling, rabenseifner, hierarchical or mpi");
  }
}

}  // namespace
}  // namespace pimscale
