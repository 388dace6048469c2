// The host steps of the three algorithms against hand-computed integer arithmetic.
#include <gtest/gtest.h>

#include <vector>

#include "src/algorithm.h"

namespace pimscale {
namespace {

TEST(GaSgdUpdate, ShiftsByBatchAddsGuardedDecayAndSaturates) {
  // b = 8 (shift 3), lr = 4, reg = 10: decay is w >> 14.
  AlgorithmSettings s;
  s.batch_log2 = 3;
  s.lr_shift = 4;
  s.reg_shift = 10;
  std::vector<int32_t> w = {1 << 20, -(1 << 20), 100, 0, 2147483000, -5};
  int64_t bias = 1000;
  const std::vector<int64_t> sums = {800, 800, -7, -16, -(int64_t{1} << 24), 0, 80};
  ga_sgd_update<FixedQ31>(w, bias, sums, s);
  EXPECT_EQ(w[0], (1 << 20) - 100 - 64);     // 800 >> 3 = 100; 2^20 >> 14 = 64
  EXPECT_EQ(w[1], -(1 << 20) - 100 + 64);    // -2^20 >> 14 = -64
  EXPECT_EQ(w[2], 100 - 0 - 0);              // -7 >> 3 = -1: dropped; 100 >> 14 = 0
  EXPECT_EQ(w[3], 2);                        // -16 >> 3 = -2: kept
  EXPECT_EQ(w[4], 2147483647);               // 2147483000 + 2^21 - (2147483000 >> 14) saturates
  EXPECT_EQ(w[5], -5);                       // -5 >> 14 = -1: the decay is dropped
  EXPECT_EQ(bias, 1000 - 10);                // 80 >> 3; no L2 on the bias
}

TEST(MaSgdAverage, DividesTowardZeroAndSaturates) {
  std::vector<int32_t> w(3);
  int64_t bias = 0;
  const std::vector<int64_t> sums = {7, -7, int64_t{1} << 40, -9};
  ma_sgd_average<FixedQ31>(w, bias, sums, 2);
  EXPECT_EQ(w[0], 3);
  EXPECT_EQ(w[1], -3);  // C division: toward zero, not floor
  EXPECT_EQ(w[2], 2147483647);
  EXPECT_EQ(bias, -4);
}

TEST(Admm, TauMatchesPimOptsShift) {
  // PIM-Opt: 2^31 >> (log2 N + reg - alpha). YFCC LR: alpha 4, reg 12, N = 256: 2^31 >> 16 = 32,768.
  EXPECT_EQ(admm_tau<FixedQ31>(4, 12, 256), 32768);
  EXPECT_EQ(admm_tau<FixedQ31>(6, 12, 2048), (int64_t{1} << 31) >> 17);  // Criteo LR
  EXPECT_FLOAT_EQ(admm_tau<Float32>(4, 12, 256), 32768.0f / 2147483648.0f);
}

TEST(Admm, SoftThresholdShrinksTowardZero) {
  EXPECT_EQ(soft_threshold<FixedQ31>(100000, 32768), 67232);
  EXPECT_EQ(soft_threshold<FixedQ31>(-100000, 32768), -67232);
  EXPECT_EQ(soft_threshold<FixedQ31>(32768, 32768), 0);  // |t| <= tau
  EXPECT_EQ(soft_threshold<FixedQ31>(-32768, 32768), 0);
  EXPECT_EQ(soft_threshold<FixedQ31>(int64_t{1} << 40, 5), 2147483647);
}

}  // namespace
}  // namespace pimscale
