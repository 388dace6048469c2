// Synthetic generators: the statistics the issue promises, and independence from how rows are
// split.
#include <gtest/gtest.h>

#include <algorithm>
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

}  // namespace
}  // namespace pimscale
