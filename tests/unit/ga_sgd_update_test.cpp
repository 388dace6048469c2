// The host steps of the three algorithms against hand-computed integer arithmetic.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "src/algorithms/algorithm.h"

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
  EXPECT_EQ(w[0], (1 << 20) - 100 - 64);   // 800 >> 3 = 100; 2^20 >> 14 = 64
  EXPECT_EQ(w[1], -(1 << 20) - 100 + 64);  // -2^20 >> 14 = -64
  EXPECT_EQ(w[2], 100 - 0 - 0);            // -7 >> 3 = -1: dropped; 100 >> 14 = 0
  EXPECT_EQ(w[3], 2);                      // -16 >> 3 = -2: kept
  EXPECT_EQ(w[4], 2147483647);             // 2147483000 + 2^21 - (2147483000 >> 14) saturates
  EXPECT_EQ(w[5], -5);                     // -5 >> 14 = -1: the decay is dropped
  EXPECT_EQ(bias, 1000 - 10);              // 80 >> 3; no L2 on the bias
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

// A power-of-two DPU count averages by a shift (rounding a negative sum up first), any other by a
// division: both equal C's division toward zero, then saturation, on sums of every sign, exact
// multiples and their neighbours.
TEST(MaSgdAverage, ShiftEqualsDivisionTowardZero) {
  std::vector<int64_t> sums;
  uint64_t state = 12345;
  for (int i = 0; i < 4000; ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    sums.push_back(static_cast<int64_t>(state) >> (i % 40));
  }
  for (const int64_t n : {1, 2, 3, 256, 1000, 2048, 2560}) {
    for (const int64_t m : {int64_t{0}, int64_t{1}, int64_t{-1}}) {
      sums.push_back(n * 12345 + m);
      sums.push_back(-n * 12345 + m);
    }
    std::vector<int32_t> w(sums.size() - 1);
    int64_t bias = 0;
    ma_sgd_average<FixedQ31>(w, bias, sums, n);
    for (size_t j = 0; j < w.size(); ++j) {
      ASSERT_EQ(w[j], std::clamp<int64_t>(sums[j] / n, -2147483647, 2147483647))
          << "sum " << sums[j] << " over " << n;
    }
    EXPECT_EQ(bias, std::clamp<int64_t>(sums.back() / n, -2147483647, 2147483647));
  }
}

// One server's sparse sums written only where DPUs hold entries (support, with a repeat): the
// average there is as before, and every other weight is the base's (its sum, N x base, is not
// read: stale values stand in for it).
TEST(MaSgdAverage, SupportOnlyReadsTheListedSums) {
  const int64_t n = 4;
  const std::vector<int32_t> base = {10, -20, 30, -40, 50};
  const std::vector<int64_t> full = {4 * 10, -4 * 20 + 3, 4 * 30, -4 * 40 - 5, 4 * 50, 12};
  std::vector<int64_t> stale = full;
  stale[0] = stale[2] = stale[4] = 999;  // not listed
  const std::vector<uint32_t> listed = {3, 1, 3};
  std::vector<int32_t> w_full(5), w_support(5, 7);
  int64_t bias_full = 0, bias_support = 0;
  ma_sgd_average<FixedQ31>(w_full, bias_full, full, n);
  ma_sgd_average<FixedQ31>(w_support, bias_support, stale, n, listed, base);
  EXPECT_EQ(w_support, w_full);
  EXPECT_EQ(w_support, (std::vector<int32_t>{10, -19, 30, -41, 50}));  // toward zero
  EXPECT_EQ(bias_support, 3);
  EXPECT_EQ(bias_full, 3);
  // MA-SGD's sparse host model is the server's base itself (one buffer): the same model.
  std::vector<int32_t> in_place = base;
  int64_t bias_in_place = 0;
  ma_sgd_average<FixedQ31>(in_place, bias_in_place, stale, n, listed, in_place);
  EXPECT_EQ(in_place, w_full);
  EXPECT_EQ(bias_in_place, 3);
}

// GA-SGD's update from the sums' support (zero elsewhere, entries repeated) equals the full one.
TEST(GaSgdUpdate, SupportGivesTheFullUpdate) {
  AlgorithmSettings s;
  s.batch_log2 = 3;
  s.lr_shift = 4;
  s.reg_shift = 10;
  const std::vector<int32_t> w0 = {1 << 20, -(1 << 20), 100, 0, 2147483000, -5, 1 << 25};
  const std::vector<int64_t> sums = {800, 0, -7, -16, int64_t{1} << 24, 0, 0, 0};
  std::vector<int32_t> w_full = w0, w_support = w0;
  int64_t bias_full = 5, bias_support = 5;
  ga_sgd_update<FixedQ31>(w_full, bias_full, sums, s);
  const std::vector<uint32_t> support = {4, 0, 2, 3, 0};
  ga_sgd_update<FixedQ31>(w_support, bias_support, sums, s, support);
  EXPECT_EQ(w_support, w_full);
  EXPECT_EQ(bias_support, bias_full);
  EXPECT_NE(w_full[6], w0[6]);  // an entry not listed still decays
}

TEST(FloatSaturating, ClipsWhereFixedSaturatesAndOnlyThere) {
  // The GA-SGD host step of the first test in real units, b = 8, decay 2^-14: float-saturating
  // clips a weight and the bias pushed past 1 to 1 (as fixed saturates to 2^31 - 1); float keeps
  // them; inside the range both agree exactly.
  AlgorithmSettings s;
  s.batch_log2 = 3;
  s.lr_shift = 4;
  s.reg_shift = 10;
  std::vector<float> w_float = {0.75f, 0.25f}, w_sat = w_float;
  float bias_float = 0.5f, bias_sat = 0.5f;
  const std::vector<float> sums = {-4.0f, 1.0f, -8.0f};  // steps -0.5 and 0.125; the bias's -1
  ga_sgd_update<Float32>(w_float, bias_float, sums, s);
  ga_sgd_update<Float32Saturating>(w_sat, bias_sat, sums, s);
  EXPECT_EQ(w_float[0],
            1.25f - 0.75f * 0x1p-14f);  // every term a power of two apart: exact in float
  EXPECT_EQ(w_sat[0], 1.0f);
  EXPECT_EQ(w_float[1], 0.125f - 0.25f * 0x1p-14f);
  EXPECT_EQ(w_sat[1], w_float[1]);
  EXPECT_EQ(bias_float, 1.5f);
  EXPECT_EQ(bias_sat, 1.0f);
  // MA-SGD's average and the DPU's dense gradient accumulator clip the same way.
  std::vector<float> avg(1);
  float avg_bias = 0;
  ma_sgd_average<Float32Saturating>(avg, avg_bias, std::vector<float>{3.0f, -2.5f}, 2);
  EXPECT_EQ(avg[0], 1.0f);
  EXPECT_EQ(avg_bias, -1.0f);
  float acc = 0.75f;
  Float32Saturating::accumulate(acc, 0.5f);
  EXPECT_EQ(acc, 1.0f);
  Float32::accumulate(acc, 0.5f);
  EXPECT_EQ(acc, 1.5f);
}

TEST(Admm, TauMatchesPimOptsShift) {
  // PIM-Opt: 2^31 >> (log2 N + reg - alpha). YFCC LR: alpha 4, reg 12, N = 256: 2^31 >> 16 =
  // 32,768.
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
