// Synthetic generators: the statistics the issue promises, and independence from how rows are
// split.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <vector>

#include "io/synth.h"
#include "src/base/error.h"

namespace pimscale {
namespace {

TEST(Synth, DenseFeaturesInUnitIntervalAndLabelsBalanced) {
  SynthSpec s;
  s.features = 64;
  const SyntheticGenerator g(s);
  std::vector<float> x(64);
  int positives = 0;
  for (uint64_t r = 0; r < 4000; ++r) {
    positives += g.dense_row(0, r, x.data());
    for (float v : x) ASSERT_TRUE(v >= 0.0f && v < 1.0f);
  }
  // Balanced by symmetry of the hidden model around x = 0.5: 4,000 rows give a standard error of
  // 0.8 percentage points, so 45..55% is a > 6-sigma band.
  EXPECT_GT(positives, 1800);
  EXPECT_LT(positives, 2200);
}

TEST(Synth, RowsDependOnlyOnSeedSplitAndIndex) {
  SynthSpec s;
  s.features = 16;
  const SyntheticGenerator a(s), b(s);
  std::vector<float> x1(16), x2(16);
  EXPECT_EQ(a.dense_row(0, 12345, x1.data()), b.dense_row(0, 12345, x2.data()));
  EXPECT_EQ(x1, x2);
  b.dense_row(1, 12345, x2.data());  // the test split is a different draw
  EXPECT_NE(x1, x2);
}

TEST(Synth, SparseRowsHave39DistinctSortedFeaturesAndCriteoLikeSkew) {
  SynthSpec s;
  s.kind = DataKind::kSparse;
  s.features = 1000000;
  const SyntheticGenerator g(s);
  std::vector<uint32_t> idx;
  std::map<uint32_t, int> freq;
  int positives = 0;
  const int rows = 20000;
  for (int r = 0; r < rows; ++r) {
    positives += g.sparse_row(0, static_cast<uint64_t>(r), idx);
    ASSERT_EQ(idx.size(), 39u);
    ASSERT_TRUE(std::is_sorted(idx.begin(), idx.end()));
    ASSERT_EQ(std::adjacent_find(idx.begin(), idx.end()), idx.end());
    for (uint32_t f : idx) ++freq[f];
  }
  // Positive rate near 3.42%: b0 is calibrated on 8,192 sampled rows (standard error of the mean
  // probability ~0.2 points) and 20,000 labels are drawn (binomial standard error 0.13 points):
  // 0.6 points is about 2.5 combined standard errors.
  std::printf("positive rate %.4f\n", positives / static_cast<double>(rows));
  EXPECT_NEAR(positives / static_cast<double>(rows), 0.0342, 0.006);
  // Zipf skew: the most frequent feature appears in far more rows than a uniform draw would give
  // (20,000 * 39 / 10^6 = 0.78 expected occurrences).
  int top = 0;
  for (const auto& [f, n] : freq) top = std::max(top, n);
  EXPECT_GT(top, 1000);
}

TEST(Synth, ImpossibleSpecsAreErrors) {
  SynthSpec s;
  s.rows = 0;
  EXPECT_THROW(check_synth_spec(s), InputError);
  s = {};
  s.kind = DataKind::kSparse;
  s.features = 10;
  s.nnz_per_row = 39;
  EXPECT_THROW(check_synth_spec(s), InputError);
}

// A skew that leaves almost no draws outside a row's top features would loop for ever: refused
// before drawing. Criteo's 1.1 on 10^6 features leaves most draws outside the top 38.
TEST(Synth, ZipfExponentsThatCannotFillARowAreRefused) {
  SynthSpec s;
  s.kind = DataKind::kSparse;
  s.features = 1000000;
  for (double e : {0.0, 1.0, 1.1, 2.0}) {
    s.zipf_exponent = e;
    EXPECT_NO_THROW(check_synth_spec(s)) << e;
  }
  // At 4, the ranks past 38 hold sum_{r>38} r^-4 / zeta(4) = 5.3e-6 of the draws: below 1e-4.
  for (double e : {4.0, 8.0, 16.0, 17.0, -1.0, std::nan("")}) {
    s.zipf_exponent = e;
    EXPECT_THROW(check_synth_spec(s), InputError) << e;
  }
  s = {};
  s.noise = std::nan("");
  EXPECT_THROW(check_synth_spec(s), InputError);
}

// Bytes one rank holds: its share of the larger split plus the generator's tables.
TEST(Synth, RankBytesCountRowsAndTablesAndSaturate) {
  SynthSpec dense;
  dense.rows = 1000;
  dense.test_rows = 10;
  dense.features = 256;
  EXPECT_EQ(synth_rank_bytes(dense, 3), 334 * (4 * 256 + 1) + 8 * 256u);  // ceil(1000 / 3) rows
  SynthSpec sparse;
  sparse.kind = DataKind::kSparse;
  sparse.rows = 100;
  sparse.features = 1000;
  sparse.test_rows = 400;
  sparse.nnz_spread = 2;
  EXPECT_EQ(synth_rank_bytes(sparse, 1), 400 * (4 * 41 + 9) + 20 * 1000u);
  dense.rows = uint64_t{1} << 60;
  EXPECT_EQ(synth_rank_bytes(dense, 1), UINT64_MAX);
}

}  // namespace
}  // namespace pimscale
