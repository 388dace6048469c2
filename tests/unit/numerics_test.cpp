#include "pim_emul/numerics.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <random>

namespace pimscale {
namespace {

float loop_add(float s, float v, uint64_t r) {
  for (uint64_t i = 0; i < r; ++i) s += v;
  return s;
}

void expect_same(float s, float v, uint64_t r) {
  const float want = loop_add(s, v, r), got = float_add_repeated(s, v, r);
  ASSERT_EQ(std::bit_cast<uint32_t>(got), std::bit_cast<uint32_t>(want))
      << std::hexfloat << "s " << s << " v " << v << " r " << r << ": loop " << want << ", got "
      << got;
}

TEST(FloatAddRepeated, EqualsTheLoopAtEdges) {
  const float inf = std::numeric_limits<float>::infinity();
  const float tiny = std::numeric_limits<float>::denorm_min();
  for (const float s : {0.0f, -0.0f, 1.0f, -1.0f, 0x1.fffffep0f, 0x1.0p-126f, tiny, -tiny, 3.0f,
                        0x1.fffffep127f, inf, -inf}) {
    for (const float v : {0.0f, -0.0f, 1.0f, -1.0f, 0x1.0p-24f, 0x1.8p-24f, 0x1.0p-23f, tiny,
                          -0x1.000002p-1f, 0x1.0p104f, inf}) {
      for (const uint64_t r : {0, 1, 2, 3, 7, 64, 1000, 5000}) expect_same(s, v, r);
    }
  }
  expect_same(std::numeric_limits<float>::quiet_NaN(), 1.0f, 5);
}

// Random sums of the kind a sum over DPUs makes (a value added to itself, from zero or from another
// value), with values of full and of short significands (the second make ties at coarser binades),
// of both signs, and runs up to a few thousand DPUs.
TEST(FloatAddRepeated, EqualsTheLoopOnRandomRuns) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> exponent(-30, 10), bits(1, 24), sign(0, 1);
  std::uniform_int_distribution<uint64_t> runs(0, 3000);
  auto value = [&] {
    const int b = bits(rng);
    const uint64_t m = (rng() >> (64 - b)) | (uint64_t{1} << (b - 1));
    const float x = std::ldexp(static_cast<float>(m), exponent(rng) - b);
    return sign(rng) ? -x : x;
  };
  for (int i = 0; i < 20000; ++i) {
    const float s = i % 3 == 0 ? 0.0f : value();
    expect_same(s, i % 5 == 0 ? -s / 7 : value(), runs(rng));
  }
}

TEST(AddRepeated, FixedPointIsTheProduct) {
  EXPECT_EQ(FixedQ31::add_repeated(5, -3, 4), -7);
  EXPECT_EQ(FixedQ31::add_repeated(0, int64_t{2147483647}, 2560), int64_t{2147483647} * 2560);
}

// Average<Num> (a shift or a multiplication by 2^-s for a power-of-two count) gives Num::average's
// bits: on edges (zero, subnormal results, the largest finite value, infinities, saturation of the
// float-saturating and fixed ranges, negative sums rounding toward zero) and random values, for
// counts that are powers of two and counts that are not.
template <class T>
auto bits_of(T v) {
  if constexpr (sizeof(T) == sizeof(uint32_t)) {
    return std::bit_cast<uint32_t>(v);
  } else {
    return std::bit_cast<uint64_t>(v);
  }
}

template <class Num>
void expect_average_is_the_division(typename Num::Wide sum) {
  for (const int64_t n :
       std::initializer_list<int64_t>{1, 2, 3, 4, 7, 64, 256, 2560, 4096, int64_t{1} << 40}) {
    const auto want = Num::average(sum, n), got = Average<Num>(n)(sum);
    ASSERT_EQ(bits_of(want), bits_of(got)) << "sum " << sum << " count " << n;
  }
}

TEST(Average, EqualsTheDivisionBitForBit) {
  const float inf = std::numeric_limits<float>::infinity();
  for (const float v : {0.0f, -0.0f, 1.0f, -1.5f, 3.0f, 0x1.0p-126f, 0x1.fffffep-120f,
                        std::numeric_limits<float>::denorm_min(), 0x1.fffffep127f, inf, -inf}) {
    expect_average_is_the_division<Float32>(v);
    expect_average_is_the_division<Float32Saturating>(v * 4096);
  }
  for (const int64_t v : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{-255}, int64_t{-256},
                          int64_t{-257}, int64_t{1} << 62, -(int64_t{1} << 62)}) {
    expect_average_is_the_division<FixedQ31>(v);
  }
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<int> exponent(-140, 100);
  for (int i = 0; i < 20000; ++i) {
    const float f = std::ldexp(static_cast<float>(rng() >> 40), exponent(rng) - 24);
    expect_average_is_the_division<Float32>(i % 2 ? f : -f);
    expect_average_is_the_division<FixedQ31>(static_cast<int64_t>(rng()) >> (rng() % 40));
  }
}

}  // namespace
}  // namespace pimscale
