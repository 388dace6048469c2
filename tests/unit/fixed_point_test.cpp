#include "pim_emul/fixed_point.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

namespace pimscale::fixed {
namespace {

TEST(FixedPoint, GuardDropsOnlyAMinusOneResult) {
  EXPECT_EQ(shift_right_guarded(-1, 4), 0);   // -1 >> 4 = -1 (floor): dropped
  EXPECT_EQ(shift_right_guarded(-15, 4), 0);  // floor(-15/16) = -1: dropped
  EXPECT_EQ(shift_right_guarded(-16, 4), 0);  // exactly -1: the guard sees only the result
  EXPECT_EQ(shift_right_guarded(-32, 4), -2);
  EXPECT_EQ(shift_right_guarded(-17, 4), -2);  // floor(-17/16) = -2: kept
  EXPECT_EQ(shift_right_guarded(15, 4), 0);
  EXPECT_EQ(shift_right_guarded(16, 4), 1);
  EXPECT_EQ(shift_right_guarded(-(int64_t{1} << 40), 31), -512);  // -2^40 / 2^31
}

TEST(FixedPoint, SaturatesSymmetricallyToQ31) {
  EXPECT_EQ(saturate_q31(int64_t{1} << 31), 2147483647);  // 1.0 is not a weight
  EXPECT_EQ(saturate_q31(-(int64_t{1} << 31)), -2147483647);
  EXPECT_EQ(saturate_q31(int64_t{1} << 40), 2147483647);
  EXPECT_EQ(saturate_q31(-123), -123);
  EXPECT_EQ(saturating_add_q31(2147483000, 1000), 2147483647);
  EXPECT_EQ(saturating_add_q31(-2147483000, -1000), -2147483647);
  EXPECT_EQ(saturating_add_q31(5, -7), -2);
}

TEST(FixedPoint, FeaturesScaleByTwoToThe31) {
  EXPECT_EQ(feature_to_q31(0.0f), 0u);
  EXPECT_EQ(feature_to_q31(1.0f), 2147483648u);  // exactly 2^31
  EXPECT_EQ(feature_to_q31(0.5f), 1073741824u);
  EXPECT_EQ(feature_to_q31(0x1.0p-24f), 128u);  // 2^-24 * 2^31
  // llround's half-away-from-zero at every float of [0, 1] whose scaled value has a fraction, and
  // at a sample of the rest: 2^-32 (0.5: rounds up), 3 x 2^-33 (0.375: down), 2^-40, the largest
  // below 1.
  for (float x :
       {0x1.0p-32f, 0x3.0p-33f, 0x1.0p-40f, 0x1.0p-31f, 0x1.fffffep-1f, 0x1.8p-32f, 1e-10f}) {
    EXPECT_EQ(feature_to_q31(x),
              static_cast<uint32_t>(std::llround(static_cast<double>(x) * 0x1.0p31)))
        << x;
  }
  uint32_t bits = 0x2f800000;  // 2^-32: every 4,097th float from here up to 1.0
  for (; bits <= 0x3f800000; bits += 4097) {
    float x;
    std::memcpy(&x, &bits, sizeof x);
    ASSERT_EQ(feature_to_q31(x),
              static_cast<uint32_t>(std::llround(static_cast<double>(x) * 0x1.0p31)))
        << x;
  }
}

TEST(FixedPoint, PowersOfTwo) {
  EXPECT_TRUE(is_power_of_two(1));
  EXPECT_TRUE(is_power_of_two(8192));
  EXPECT_FALSE(is_power_of_two(0));
  EXPECT_FALSE(is_power_of_two(48));
  EXPECT_EQ(log2_exact(1), 0);
  EXPECT_EQ(log2_exact(8192), 13);
}

}  // namespace
}  // namespace pimscale::fixed
