// Host-side metrics against values computed by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "src/report/metrics.h"

namespace pimscale {
namespace {

TEST(Metrics, AucCountsOrderedPairs) {
  // Positives 0.9, 0.4; negatives 0.5, 0.1: 3 of 4 (positive, negative) pairs are ordered right.
  const std::vector<double> s = {0.9, 0.5, 0.4, 0.1};
  const std::vector<uint8_t> y = {1, 0, 1, 0};
  EXPECT_DOUBLE_EQ(roc_auc(s, y), 0.75);
}

TEST(Metrics, AucCountsTiesHalf) {
  const std::vector<double> s = {0.5, 0.5, 0.5, 0.1};
  const std::vector<uint8_t> y = {1, 0, 0, 0};
  // The positive ties with two negatives (0.5 each) and beats one: (1 + 0.5 + 0.5) / 3.
  EXPECT_DOUBLE_EQ(roc_auc(s, y), 2.0 / 3.0);
  EXPECT_TRUE(std::isnan(roc_auc(s, std::vector<uint8_t>{0, 0, 0, 0})));
}

TEST(Metrics, LogisticLossIsStableAndSymmetric) {
  EXPECT_DOUBLE_EQ(logistic_loss(0, 1), std::log(2.0));
  EXPECT_DOUBLE_EQ(logistic_loss(0, 0), std::log(2.0));
  EXPECT_NEAR(logistic_loss(800, 0), 800, 1e-9);  // no overflow of exp(800)
  EXPECT_NEAR(logistic_loss(800, 1), 0, 1e-300);
  EXPECT_EQ(quantised_loss(1.0), int64_t{1} << 32);
}

TEST(Metrics, LinearScoreReadsQ31) {
  const uint32_t x[2] = {1u << 31, 1u << 30};            // 1.0, 0.5
  const std::vector<int32_t> w = {1 << 30, -(1 << 29)};  // 0.5, -0.25
  EXPECT_DOUBLE_EQ(linear_score(x, w, int64_t{1} << 29), 0.5 - 0.125 + 0.25);
}

TEST(LossRows, StrideAsksForRowsOrBoundsTheValues) {
  // --eval-rows N: k = ceil(rows / N).
  EXPECT_EQ(loss_stride(4096, 4096 * 64, false, 1000), 5u);
  EXPECT_EQ(loss_stride(4096, 4096 * 64, true, 4096), 1u);
  EXPECT_EQ(loss_stride(4096, 4096 * 64, false, 1 << 30), 1u);  // more rows than there are: all
  // Automatic: every row up to 2^23 values (sparse: 4 per non-zero), then k = ceil(that / 2^23).
  EXPECT_EQ(kLossValues, uint64_t{1} << 23);
  EXPECT_EQ(loss_stride(20000, 20000 * 256, false, 0), 1u);  // the quick start's 5.1 M values
  EXPECT_EQ(loss_stride(32768, 32768 * 39, true, 0), 1u);    // 1.3 M non-zeros: 5.1 M
  EXPECT_EQ(loss_stride(2048, kLossValues, false, 0), 1u);
  EXPECT_EQ(loss_stride(2049, kLossValues + 4096, false, 0), 2u);
  EXPECT_EQ(loss_stride(2049, kLossValues / 4 + 1, true, 0), 2u);
  EXPECT_EQ(loss_stride(65536, 65536ull * 4096, false, 0), 32u);   // issue 14's dense: 2,048 rows
  EXPECT_EQ(loss_stride(262144, 262144ull * 39, true, 0), 5u);     // its sparse: 52,429 rows
  EXPECT_EQ(loss_stride(2097152, 2097152ull * 39, true, 0), 39u);  // Criteo-like non-zeros
  // Never beyond one row, never 0.
  EXPECT_EQ(loss_stride(3, uint64_t{1} << 40, false, 0), 3u);
  EXPECT_EQ(loss_stride(0, 0, true, 0), 1u);
}

}  // namespace
}  // namespace pimscale
