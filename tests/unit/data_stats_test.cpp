// Exact checks of the statistics the predictor uses: histogram moments, reuse bins, and the
// expected fullest of n rows or shards.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "src/predict/data_stats.h"
#include "src/predict/predictor.h"

namespace pimscale {
namespace {

TEST(DataStats, HistogramMoments) {
  const NnzHistogram h{{2, 4}, {3, 1}};  // 2, 2, 2, 4
  EXPECT_EQ(h.total_rows(), 4u);
  EXPECT_DOUBLE_EQ(h.mean(), 2.5);
  EXPECT_DOUBLE_EQ(h.variance(), 0.75);  // (3 x 0.25 + 2.25) / 4
  EXPECT_EQ(h.max(), 4u);
}

TEST(DataStats, ReuseBinsArePowersOfTwo) {
  EXPECT_EQ(reuse_bin(1), 0);
  EXPECT_EQ(reuse_bin(2), 1);
  EXPECT_EQ(reuse_bin(3), 2);
  EXPECT_EQ(reuse_bin(4), 2);
  EXPECT_EQ(reuse_bin(5), 3);
  EXPECT_EQ(reuse_bin(uint64_t{1} << 15), 15);
  EXPECT_EQ(reuse_bin((uint64_t{1} << 15) + 1), 16);
  EXPECT_EQ(reuse_bin(uint64_t{1} << 40), 16);
}

TEST(DataStats, ExpectedMaxOfRowsIsExact) {
  const NnzHistogram h{{1, 2}, {1, 1}};  // 1 or 2, equally likely
  EXPECT_DOUBLE_EQ(expected_max_row(h, 1), 1.5);
  EXPECT_DOUBLE_EQ(expected_max_row(h, 2), 1.75);  // 1 x 1/4 + 2 x 3/4
  EXPECT_DOUBLE_EQ(expected_max_shard(h, 1, 3), 1 * 0.125 + 2 * 0.875);
  const NnzHistogram flat{{39}, {1000}};
  EXPECT_DOUBLE_EQ(expected_max_shard(flat, 128, 2560), 128 * 39.0);  // no spread, no imbalance
}

TEST(DataStats, ExpectedMaxOfNormals) {
  EXPECT_EQ(expected_max_normal(1), 0.0);
  // E[max of 2] = 1 / sqrt(pi); of 3 = 3 / (2 sqrt(pi)). Tolerance: the midpoint rule's step of
  // 1e-3.
  EXPECT_NEAR(expected_max_normal(2), 1 / std::sqrt(std::numbers::pi), 1e-6);
  EXPECT_NEAR(expected_max_normal(3), 1.5 / std::sqrt(std::numbers::pi), 1e-6);
  // Tabulated: E[max of 100] = 2.50759, of 1000 = 3.24144 (Harter 1961).
  EXPECT_NEAR(expected_max_normal(100), 2.50759, 1e-4);
  EXPECT_NEAR(expected_max_normal(1000), 3.24144, 1e-4);
  // A shard of r rows: r mean + sqrt(r var) E[max of n], capped at r x the largest row.
  const NnzHistogram h{{2, 4}, {1, 1}};  // mean 3, variance 1
  EXPECT_NEAR(expected_max_shard(h, 16, 2), 16 * 3 + 4 / std::sqrt(std::numbers::pi), 1e-6);
  EXPECT_DOUBLE_EQ(expected_max_shard(h, 16, uint64_t{1} << 60), 16 * 4.0);
}

TEST(DataStats, SyntheticHistogramFromParameters) {
  SynthSpec spec;
  spec.kind = DataKind::kSparse;
  spec.features = 100;
  spec.nnz_per_row = 10;
  spec.nnz_spread = 2;
  const DataStats s = synthetic_shape_stats(spec, 12);  // 12 rows over 8..12: 3, 3, 2, 2, 2
  EXPECT_EQ(s.nnz.values, (std::vector<uint64_t>{8, 9, 10, 11, 12}));
  EXPECT_EQ(s.nnz.rows, (std::vector<uint64_t>{3, 3, 2, 2, 2}));
  EXPECT_TRUE(s.sparse);
  EXPECT_EQ(s.rows, 12u);
}

TEST(DataStats, JsonRoundTrip) {
  DataStats s;
  s.source = "x";
  s.sparse = true;
  s.rows = 5;
  s.features = 7;
  s.nnz = {{1, 3}, {2, 3}};
  s.reuse.push_back({64, 3, 12.5, {}});
  s.reuse[0].fraction[2] = 0.25;
  s.shards.push_back({4, 1, 1.5, 1.25});
  const DataStats t = stats_from_json(to_json(s));
  EXPECT_EQ(t.nnz.values, s.nnz.values);
  EXPECT_EQ(t.nnz.rows, s.nnz.rows);
  EXPECT_EQ(t.reuse[0].fraction[2], 0.25);
  EXPECT_EQ(t.shards[0].max_over_mean, 1.5);
  EXPECT_EQ(t.rows, 5u);
}

// SVM: the expected most rows inside the margin over d DPUs of n rows each, a row inside with
// probability f.
TEST(ExpectedMaxBinomial, SmallCasesByHand) {
  EXPECT_DOUBLE_EQ(expected_max_binomial(1, 0.25, 3), 1 - 0.75 * 0.75 * 0.75);  // P(any of 3 is in)
  // n = 2, f = 1/2: counts 0, 1, 2 with 1/4, 1/2, 1/4; E[max of 2] = P(max >= 1) + P(max >= 2)
  // = (1 - (1/4)^2) + (1 - (3/4)^2) = 15/16 + 7/16.
  EXPECT_NEAR(expected_max_binomial(2, 0.5, 2), 22.0 / 16, 1e-12);
  EXPECT_DOUBLE_EQ(expected_max_binomial(64, 0.3, 1), 64 * 0.3);  // one DPU: the mean
  EXPECT_EQ(expected_max_binomial(64, 0.0, 100), 0.0);
  EXPECT_EQ(expected_max_binomial(64, 1.0, 100), 64.0);
}

TEST(ExpectedMaxBinomial, LargeCasesAgainstAnIndependentSum) {
  // Python's exact binomial pmf (math.comb, float powers) summed as sum_k 1 - F(k)^d, written down
  // here; the tolerance is float rounding over up to 1,000 terms.
  EXPECT_NEAR(expected_max_binomial(1000, 0.2, 1000), 241.91592505904273, 1e-6);
  EXPECT_NEAR(expected_max_binomial(64, 0.19, 2048), 23.884845774970334, 1e-6);
  // More DPUs never lower the expected maximum.
  double last = 0;
  for (uint64_t d : {1, 2, 16, 256, 4096}) {
    const double e = expected_max_binomial(128, 0.1, d);
    EXPECT_GE(e, last);
    last = e;
  }
}

}  // namespace
}  // namespace pimscale
