// The host's GA-SGD step against hand-computed integer arithmetic.
#include <gtest/gtest.h>

#include <vector>

#include "src/ga_sgd.h"

namespace pimscale {
namespace {

TEST(GaSgdUpdate, ShiftsByBatchAddsGuardedDecayAndSaturates) {
  // b = 8 (shift 3), lr = 4, reg = 10: decay is w >> 14.
  const GaSgdSettings s{1, 3, 4, 10};
  std::vector<int32_t> w = {1 << 20, -(1 << 20), 100, 0, 2147483000, -5};
  int64_t bias = 1000;
  const std::vector<int64_t> sums = {800, 800, -7, -16, -(int64_t{1} << 24), 0, 80};
  ga_sgd_update(w, bias, sums, s);
  EXPECT_EQ(w[0], (1 << 20) - 100 - 64);     // 800 >> 3 = 100; 2^20 >> 14 = 64
  EXPECT_EQ(w[1], -(1 << 20) - 100 + 64);    // -2^20 >> 14 = -64
  EXPECT_EQ(w[2], 100 - 0 - 0);              // -7 >> 3 = -1: dropped; 100 >> 14 = 0
  EXPECT_EQ(w[3], 2);                        // -16 >> 3 = -2: kept
  EXPECT_EQ(w[4], 2147483647);               // 2147483000 + 2^21 - (2147483000 >> 14) saturates
  EXPECT_EQ(w[5], -5);                       // -5 >> 14 = -1: the decay is dropped
  EXPECT_EQ(bias, 1000 - 10);                // 80 >> 3; no L2 on the bias
}

}  // namespace
}  // namespace pimscale
