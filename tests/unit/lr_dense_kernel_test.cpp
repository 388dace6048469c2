// The dense LR gradient kernel against hand-computed Q1.31 values.
#include <gtest/gtest.h>

#include <vector>

#include "pim_emul/fixed_point.h"
#include "pim_emul/kernels.h"

namespace pimscale {
namespace {

constexpr uint32_t kOne = 1u << 31;   // feature 1.0
constexpr uint32_t kHalf = 1u << 30;  // feature 0.5

DpuSpec sixteen_tasklets() {
  DpuSpec d;
  d.tasklets = 16;
  d.dma_min_bytes = 8;
  d.dma_max_bytes = 2048;
  return d;
}

TEST(LrDenseKernel, DotShiftsEachTermWithoutGuard) {
  const uint32_t x[3] = {kOne, kHalf, 1};
  const int32_t w[3] = {1 << 30, -(1 << 30), -1};
  // (2^31 * 2^30) >> 31 = 2^30; (2^30 * -2^30) >> 31 = -2^29; (1 * -1) >> 31 = -1 (kept: no guard here).
  EXPECT_EQ(lr_dense_dot(x, w, 3, 7), 7 + (1 << 30) - (1 << 29) - 1);
}

TEST(LrDenseKernel, SigmoidOfZeroIsExactlyOneHalf) {
  EXPECT_EQ(sigmoid_q31(0), int64_t{1} << 30);  // 2^31 / (1 + exp(0)) = 2^30
  // Large |z| saturates toward 0 and 2^31 without overflow.
  EXPECT_EQ(sigmoid_q31(-(int64_t{40} << 31)), 0);
  EXPECT_EQ(sigmoid_q31(int64_t{40} << 31), int64_t{1} << 31);
}

TEST(LrDenseKernel, GradientOfZeroModelMatchesHandValues) {
  // One row, 32 features (2 per tasklet), label 1, zero model: z = 0, sigmoid = 2^30, d = 2^30 - 2^31 = -2^30.
  const uint64_t n = 32;
  std::vector<uint32_t> x(n, 0);
  x[0] = kHalf;  // (2^30 * -2^30) >> (31 + 4) = -2^60 >> 35 = -2^25
  x[1] = kOne;   // -2^61 >> 35 = -2^26
  x[2] = 1;      // -2^30 >> 35 = -1: dropped by the guard
  x[31] = 3;     // -3 * 2^30 >> 35 = floor(-3/32) = -1: dropped
  const uint8_t y[1] = {1};
  const std::vector<int32_t> w(n, 0);
  std::vector<int32_t> g(n, 99);  // the kernel zeroes it first
  int64_t gb = 0;
  DpuCounts counts;
  lr_dense_gradient({x.data(), y, 1, n}, {w.data(), 0}, {0, 1, 4}, sixteen_tasklets(), {g.data(), &gb}, counts);
  EXPECT_EQ(g[0], -(1 << 25));
  EXPECT_EQ(g[1], -(1 << 26));
  EXPECT_EQ(g[2], 0);
  EXPECT_EQ(g[31], 0);
  EXPECT_EQ(g[5], 0);
  EXPECT_EQ(gb, -(int64_t{1} << 26));  // d >> lr = -2^30 >> 4
}

TEST(LrDenseKernel, LabelZeroFlipsTheSign) {
  const uint64_t n = 32;
  std::vector<uint32_t> x(n, 0);
  x[0] = kHalf;
  const uint8_t y[1] = {0};  // d = 2^30 - 0
  const std::vector<int32_t> w(n, 0);
  std::vector<int32_t> g(n);
  int64_t gb = 0;
  DpuCounts counts;
  lr_dense_gradient({x.data(), y, 1, n}, {w.data(), 0}, {0, 1, 4}, sixteen_tasklets(), {g.data(), &gb}, counts);
  EXPECT_EQ(g[0], 1 << 25);
  EXPECT_EQ(gb, int64_t{1} << 26);
}

TEST(LrDenseKernel, GradientAccumulatorSaturates) {
  // lr = 0, x = 1.0, d = -2^30: each row adds -2^61 >> 31 = -2^30; three rows would be -3 * 2^30.
  const uint64_t n = 32;
  std::vector<uint32_t> x(3 * n, 0);
  for (int r = 0; r < 3; ++r) x[r * n] = kOne;
  const uint8_t y[3] = {1, 1, 1};
  const std::vector<int32_t> w(n, 0);
  std::vector<int32_t> g(n);
  int64_t gb = 0;
  DpuCounts counts;
  lr_dense_gradient({x.data(), y, 3, n}, {w.data(), 0}, {0, 3, 0}, sixteen_tasklets(), {g.data(), &gb}, counts);
  EXPECT_EQ(g[0], -2147483647);
  EXPECT_EQ(gb, -3 * (int64_t{1} << 30));  // the int64 bias accumulator does not saturate
}

TEST(LrDenseKernel, BatchReadsOnlyItsRows) {
  const uint64_t n = 32;
  std::vector<uint32_t> x(2 * n, 0);
  x[0] = kOne;       // row 0: not in the batch
  x[n + 1] = kHalf;  // row 1
  const uint8_t y[2] = {1, 1};
  const std::vector<int32_t> w(n, 0);
  std::vector<int32_t> g(n);
  int64_t gb = 0;
  DpuCounts counts;
  lr_dense_gradient({x.data(), y, 2, n}, {w.data(), 0}, {1, 1, 4}, sixteen_tasklets(), {g.data(), &gb}, counts);
  EXPECT_EQ(g[0], 0);
  EXPECT_EQ(g[1], -(1 << 25));
}

TEST(LrDenseKernel, CountsDmaPerTaskletExactly) {
  // 32 features over 16 tasklets: 2 features = 8 bytes per tasklet slice. Two rows.
  const uint64_t n = 32;
  const std::vector<uint32_t> x(2 * n, 0);
  const uint8_t y[2] = {0, 1};
  const std::vector<int32_t> w(n, 0);
  std::vector<int32_t> g(n);
  int64_t gb = 0;
  DpuCounts c;
  lr_dense_gradient({x.data(), y, 2, n}, {w.data(), 0}, {0, 2, 4}, sixteen_tasklets(), {g.data(), &gb}, c);
  // Tasklet 5: per row X, W and gradient reads (3 x 2 rows); writes: zeroing + 2 gradient writes.
  EXPECT_EQ(c.tasklet[5].dma_read_calls, 6u);
  EXPECT_EQ(c.tasklet[5].dma_read_bytes, 48u);
  EXPECT_EQ(c.tasklet[5].dma_write_calls, 3u);
  EXPECT_EQ(c.tasklet[5].dma_write_bytes, 24u);
  // Tasklet 0 also reads the labels, 8 bytes per 2 rows: one more call.
  EXPECT_EQ(c.tasklet[0].dma_read_calls, 7u);
  EXPECT_EQ(c.tasklet[0].ops[static_cast<int>(Op::kFloatExp)], 2u);
  // The last tasklet reads and writes the bias.
  EXPECT_EQ(c.tasklet[15].dma_read_calls, 7u);
  EXPECT_EQ(c.tasklet[15].dma_write_calls, 4u);
  // Dot product and gradient: one 64-bit multiply per feature and row each.
  EXPECT_EQ(c.tasklet[5].ops[static_cast<int>(Op::kInt64Mul)], 8u);
  EXPECT_EQ(c.tasklet[16].dma_read_calls, 0u);  // tasklets beyond the 16 used stay idle
}

TEST(LrDenseKernel, LargeSlicesSplitIntoMaxSizeDmaCalls) {
  // 16,384 features over 16 tasklets = 1,024 features = 4,096 bytes per slice = 2 calls of 2,048.
  const uint64_t n = 16384;
  const std::vector<uint32_t> x(n, 0);
  const uint8_t y[1] = {0};
  const std::vector<int32_t> w(n, 0);
  std::vector<int32_t> g(n);
  int64_t gb = 0;
  DpuCounts c;
  lr_dense_gradient({x.data(), y, 1, n}, {w.data(), 0}, {0, 1, 4}, sixteen_tasklets(), {g.data(), &gb}, c);
  EXPECT_EQ(c.tasklet[3].dma_read_calls, 6u);  // X, W, gradient: 2 calls each
  EXPECT_EQ(c.tasklet[3].dma_read_bytes, 3u * 4096u);
}

}  // namespace
}  // namespace pimscale
