// io/checkpoint.h: state written and read back by one StateArchive, lengths checked before any
// allocation, the checkpoint folder's framing, CRC and atomic swap; the configuration's JSON round
// trip that `train --resume` relies on.
#include "io/checkpoint.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "src/base/units.h"
#include "src/config/train_config.h"

namespace pimscale {
namespace {

namespace fs = std::filesystem;

struct Sample {
  int32_t a = 0;
  Picoseconds t;
  std::vector<int64_t> v;
  std::vector<std::vector<uint32_t>> nested;
  std::vector<float> empty;
  template <class A>
  void state(A& ar) {
    ar(a);
    ar(t);
    ar(v);
    ar(nested);
    ar(empty);
  }
};

std::vector<char> written(Sample s) {
  StateArchive w = StateArchive::writer();
  s.state(w);
  return std::move(w).release();
}

TEST(StateArchive, ReadsBackWhatItWrote) {
  Sample in{-7, {123456789012345}, {1, -2, int64_t{1} << 62}, {{}, {4, 5}, {6}}, {}};
  const std::vector<char> bytes = written(in);
  // 4 + 8, then each vector's length (8) and its bytes: 8 + 24, 8 + (8 + 0) + (8 + 8) + (8 + 4), 8.
  EXPECT_EQ(bytes.size(), 12u + 32u + 44u + 8u);
  Sample out;
  StateArchive r = StateArchive::reader(bytes, "test state");
  out.state(r);
  r.finish();
  EXPECT_EQ(out.a, in.a);
  EXPECT_EQ(out.t, in.t);
  EXPECT_EQ(out.v, in.v);
  EXPECT_EQ(out.nested, in.nested);
  EXPECT_TRUE(out.empty.empty());
}

TEST(StateArchive, ShortOrLongStateIsAnErrorNamingIt) {
  const std::vector<char> bytes = written({1, {2}, {3}, {{4}}, {}});
  Sample out;
  StateArchive cut = StateArchive::reader({bytes.begin(), bytes.end() - 1}, "rank 3's state");
  try {
    out.state(cut);
    FAIL() << "a truncated state was read";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("rank 3's state ends before"), std::string::npos);
  }
  std::vector<char> longer = bytes;
  longer.push_back(0);
  StateArchive extra = StateArchive::reader(longer, "rank 3's state");
  out.state(extra);
  EXPECT_THROW(extra.finish(), InputError);
}

TEST(StateArchive, AHugeLengthIsRefusedBeforeAllocating) {
  // A vector claiming 2^60 elements in 16 bytes: an error, not std::bad_alloc.
  std::vector<char> bytes(16, 0);
  const uint64_t n = uint64_t{1} << 60;
  std::memcpy(bytes.data(), &n, sizeof n);
  std::vector<int64_t> v;
  StateArchive r = StateArchive::reader(bytes, "state");
  EXPECT_THROW(r(v), InputError);
  std::vector<std::vector<char>> nested;
  StateArchive r2 = StateArchive::reader(bytes, "state");
  EXPECT_THROW(r2(nested), InputError);
}

class CheckpointFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("pimscale_ckpt_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(int64_t epoch, int ranks) {
    CheckpointFolder f(dir_.string());
    f.begin();
    for (int r = 0; r < ranks; ++r) {
      const std::vector<char> s(static_cast<size_t>(r + epoch), static_cast<char>(r));
      f.add_state(r, s);
    }
    f.finish({{"epochs_done", epoch}});
  }
  fs::path dir_;
};

TEST_F(CheckpointFolderTest, TheNewestCompleteCheckpointIsRead) {
  EXPECT_EQ(CheckpointFolder::find(dir_.string()), "");
  write(1, 3);
  write(2, 3);
  const CheckpointFolder f(dir_.string());
  EXPECT_EQ(f.read_meta()["epochs_done"], 2);
  EXPECT_EQ(f.read_state(2), std::vector<char>(4, 2));
  EXPECT_FALSE(fs::exists(dir_ / "checkpoint.new"));
  EXPECT_FALSE(fs::exists(dir_ / "checkpoint.old"));
  // Between the swap's renames only checkpoint.old is complete: it is the one found, and the next
  // checkpoint replaces it.
  fs::rename(dir_ / "checkpoint", dir_ / "checkpoint.old");
  EXPECT_EQ(CheckpointFolder::find(dir_.string()), (dir_ / "checkpoint.old").string());
  EXPECT_EQ(f.read_meta()["epochs_done"], 2);
  write(3, 3);
  EXPECT_EQ(f.read_meta()["epochs_done"], 3);
  EXPECT_FALSE(fs::exists(dir_ / "checkpoint.old"));
  // An unfinished new one (no meta.json) is not a checkpoint.
  fs::remove_all(dir_ / "checkpoint");
  fs::create_directories(dir_ / "checkpoint.new");
  EXPECT_EQ(CheckpointFolder::find(dir_.string()), "");
}

TEST_F(CheckpointFolderTest, DamageIsFound) {
  write(5, 2);
  const CheckpointFolder f(dir_.string());
  const fs::path state = dir_ / "checkpoint" / "rank-00001.state";
  {
    std::fstream s(state, std::ios::in | std::ios::out | std::ios::binary);
    s.seekp(-1, std::ios::end);
    s.put('X');
  }
  EXPECT_THROW(f.read_state(1), InputError);  // CRC-32
  fs::resize_file(state, 10);
  EXPECT_THROW(f.read_state(1), InputError);  // framing
  fs::remove(state);
  EXPECT_THROW(f.read_state(1), InputError);  // missing
  EXPECT_EQ(f.read_state(0), std::vector<char>(5, 0));
}

TEST(TrainConfig, JsonRoundTripKeepsEveryKey) {
  TrainConfig c;
  c.data = "x.h5";
  c.algorithm = AlgorithmKind::kAdmm;
  c.numerics = Numerics::kFloatSaturating;
  c.oversubscription = 2.5;
  c.epochs = 7;
  c.checkpoint_every = 3;
  c.topology = Topology::kFatTree;
  c.save_model = true;
  EXPECT_EQ(to_json(config_from_json(to_json(c), "test")), to_json(c));
  nlohmann::json j = to_json(c);
  j["epochz"] = 1;
  EXPECT_THROW(config_from_json(j, "test"), InputError);
  j = to_json(c);
  j["epochs"] = "seven";
  EXPECT_THROW(config_from_json(j, "test"), InputError);
}

}  // namespace
}  // namespace pimscale
