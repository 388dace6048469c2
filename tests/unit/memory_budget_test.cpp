// MRAM and WRAM accounting: exact byte counts and the one-line overflow error.
#include <gtest/gtest.h>

#include "node/pim_server.h"
#include "pim_emul/mram_budget.h"
#include "src/base/error.h"
#include "tests/support/specs.h"

namespace pimscale {
namespace {

TEST(MramBudget, PimOptWeakScalingYfccShardIs52MiB) {
  // 3,328 rows x 4,096 features x 4 B = 54,525,952 B = 52 MiB (pim-training.md section 4).
  MramNeeds n;
  n.rows = 3328;
  n.weights = 4096;
  n.exp_table = true;
  const MramBudget b = training_mram_budget(n);
  EXPECT_EQ(b.items[0].bytes, 54525952u);
  EXPECT_EQ(b.items[1].bytes, 13312u);       // labels, 4 B each
  EXPECT_EQ(b.items[2].bytes, 16384u + 8u);  // the transferred model: 16,384 + 8 bytes
  EXPECT_EQ(b.total(), 54525952u + 13312u + 2 * 16392u + 4194304u);  // + the 4 MiB exp table
  EXPECT_NO_THROW(require_fits_mram(b, test::memory_dpu(), "test"));
}

TEST(MramBudget, OverflowNamesNeedHaveAndFix) {
  // 5,000 x 4,096 x 4 = 81,920,000 B of rows + 20,000 B of labels + 2 x 16,392 B = 81,972,784 B
  // = 78.18 MiB.
  MramNeeds n;
  n.rows = 5000;
  n.weights = 4096;
  const MramBudget b = training_mram_budget(n);
  try {
    require_fits_mram(b, test::memory_dpu(), "1 servers x 1 DPUs");
    FAIL() << "expected an MRAM overflow";
  } catch (
      const ResourceError& e) {  // a valid configuration that does not fit: not the user's typo
    const std::string m = e.what();
    EXPECT_NE(m.find("needs 78.18 MiB (78.14 MiB of rows"), std::string::npos) << m;
    EXPECT_NE(m.find("has 64.00 MiB"), std::string::npos) << m;
    EXPECT_NE(m.find("--dpus-per-server"), std::string::npos) << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << "one line";
  }
}

TEST(WramBudget, YfccFitsAndTooManyFeaturesDoNot) {
  // 4,096 features: 256 per tasklet = 1,024 B slice + 2 blocks of 1,024 B, x 16 = 48 KiB.
  EXPECT_EQ(dense_wram_bytes(4096, test::memory_dpu()), 49152u);
  EXPECT_NO_THROW(require_fits_wram(49152, test::memory_dpu(), "test"));
  EXPECT_THROW(
      require_fits_wram(dense_wram_bytes(16384, test::memory_dpu()), test::memory_dpu(), "test"),
      ResourceError);
}

TEST(MramBudget, CriteoShardsFitWithSparseBuffers) {
  // 196,608 rows x 39 non-zeros (weak scaling) with the int64 gradient and the exp table: about 44
  // MiB.
  MramNeeds n;
  n.sparse = true;
  n.rows = 196608;
  n.nnz = 196608 * 39;
  n.weights = 1001472;
  n.exp_table = true;
  const MramBudget b = training_mram_budget(n);
  EXPECT_EQ(b.items[0].bytes, 196608u * 39 * 4);
  EXPECT_EQ(b.items[4].bytes, 8011776u);  // the int64 gradient, as transferred by GA-SGD
  // The shard is the indices, the labels and the row offsets (196,609 x 4 B, rounded up to 8).
  EXPECT_EQ(b.shard(), 196608u * 39 * 4 + 196608u * 4 + 786440u);
  EXPECT_NO_THROW(require_fits_mram(b, test::memory_dpu(), "test"));
}

TEST(ModelLayout, DensePadsToTwiceTheTaskletsSparseToWholeBlocks) {
  EXPECT_EQ(model_weights(false, 256, test::memory_dpu()), 256u);
  EXPECT_EQ(model_weights(false, 257, test::memory_dpu()), 288u);
  EXPECT_EQ(model_weights(false, 1, test::memory_dpu()), 32u);
  EXPECT_EQ(model_weights(true, 1000000, test::memory_dpu()),
            1001472u);  // 10^6 + bias -> 489 x 2,048
}

}  // namespace
}  // namespace pimscale
