// The training kernels against hand-computed Q1.31 values.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "pim_emul/fixed_point.h"
#include "pim_emul/kernels.h"
#include "tests/support/specs.h"

namespace pimscale {
namespace {

// A value's bits (a float's sign of zero included), for comparisons that must be exact.
template <class T>
auto bits(T v) {
  static_assert(sizeof(T) == 4 || sizeof(T) == 8);
  if constexpr (sizeof(T) == 4)
    return std::bit_cast<uint32_t>(v);
  else
    return std::bit_cast<uint64_t>(v);
}

constexpr uint32_t kOne = 1u << 31;   // feature 1.0
constexpr uint32_t kHalf = 1u << 30;  // feature 0.5
constexpr uint64_t kN = 32;           // 2 features per tasklet

const ExpTable& table() {
  static const ExpTable t;
  return t;
}

KernelConfig lr(int lr_shift) {
  KernelConfig c;
  c.model = ModelKind::kLr;
  c.lr_shift = lr_shift;
  c.exp = &table();
  return c;
}

KernelConfig svm(int lr_shift) {
  KernelConfig c = lr(lr_shift);
  c.model = ModelKind::kSvm;
  return c;
}

struct DenseCase {
  std::vector<uint32_t> x;
  std::vector<uint8_t> y;
  std::vector<int32_t> w = std::vector<int32_t>(kN, 0);
  int64_t bias = 0;
  std::vector<int32_t> g = std::vector<int32_t>(kN, 99);  // the kernel zeroes it first
  int64_t g_bias = 0;
  DpuCounts counts;

  explicit DenseCase(uint64_t rows) : x(rows * kN, 0), y(rows, 1) {}
  DenseShard<FixedQ31> shard() const { return {x.data(), y.data(), y.size(), kN}; }
  void gradient(const KernelConfig& c, uint64_t first, uint64_t rows) {
    dense_gradient<FixedQ31>(shard(), w.data(), bias, first, rows, c, test::dpu16(), g.data(),
                             &g_bias, counts);
  }
};

TEST(ExpTable, ExactAtTableEntriesAndRangeReduced) {
  EXPECT_EQ(table().exp(0.0f), 1.0f);
  EXPECT_EQ(table().exp(0.69314718f), 2.0f);  // t = 1.0000000 after rounding: k = 1, f = 0
  EXPECT_EQ(table().exp(-150.5f), 0.0f);
  EXPECT_TRUE(std::isinf(table().exp(200.0f)));
  // Relative error of a 2^20-entry table: at most half a step, 2^-21 * ln 2 ~ 3.3e-7, plus float
  // rounding.
  for (float x : {-20.0f, -3.3f, -0.5f, 0.1f, 1.7f, 10.0f}) {
    EXPECT_NEAR(table().exp(x) / std::exp(static_cast<double>(x)), 1.0, 2e-6) << x;
  }
}

// The exp table and the fixed-point sigmoid against an independent double-precision computation
// (std::exp) at 20,001 points of z in [-40, 40] (Q1.31 of z, then 2^31 / (1 + e^-z)); the largest
// error in Q1.31 units is printed and bounded just above what was measured (README, What the DPUs
// compute). The exp table's relative error over x in [-40, 40] likewise.
TEST(ExpTable, SigmoidAgainstDoublePrecisionAtManyPoints) {
  double worst_sigmoid = 0, worst_exp = 0, at = 0;
  for (int i = 0; i <= 20000; ++i) {
    const double x = -40.0 + 80.0 * i / 20000.0;
    const int64_t z = std::llround(x * 0x1.0p31);
    const double zr = static_cast<double>(z) * 0x1.0p-31;
    const double want = 0x1.0p31 / (1.0 + std::exp(-zr));
    const double err = std::fabs(static_cast<double>(FixedQ31::sigmoid(z, table())) - want);
    if (err > worst_sigmoid) worst_sigmoid = err, at = x;
    const float xf = static_cast<float>(x);
    const double rel = std::fabs(table().exp(xf) / std::exp(static_cast<double>(xf)) - 1.0);
    worst_exp = std::max(worst_exp, rel);
  }
  std::printf("sigmoid: max |error| %.1f Q1.31 units (at z = %.3f); exp: max relative error %.3g\n",
              worst_sigmoid, at, worst_exp);
  EXPECT_LE(worst_sigmoid, 210.0);  // measured 200.4 (about 9.3e-8 of 1.0)
  EXPECT_LE(worst_exp, 2e-6);       // measured 1.87e-6
}

TEST(LrKernel, DotShiftsEachTermWithoutGuard) {
  const uint32_t x[3] = {kOne, kHalf, 1};
  const int32_t w[3] = {1 << 30, -(1 << 30), -1};
  // (2^31 * 2^30) >> 31 = 2^30; (2^30 * -2^30) >> 31 = -2^29; (1 * -1) >> 31 = -1 (kept: no guard
  // here).
  EXPECT_EQ(lr_dense_dot(x, w, 3, 7), 7 + (1 << 30) - (1 << 29) - 1);
}

TEST(LrKernel, SigmoidOfZeroIsExactlyOneHalf) {
  EXPECT_EQ(FixedQ31::sigmoid(0, table()), int64_t{1} << 30);  // table[0] = 1: 2^31 / 2
  EXPECT_EQ(FixedQ31::sigmoid(-(int64_t{40} << 31), table()), 0);
  EXPECT_EQ(FixedQ31::sigmoid(int64_t{40} << 31, table()), int64_t{1} << 31);
}

TEST(LrKernel, GradientOfZeroModelMatchesHandValues) {
  // Label 1, zero model: z = 0, sigmoid = 2^30, d = 2^30 - 2^31 = -2^30; lr = 4.
  DenseCase c(1);
  c.x[0] = kHalf;  // (2^30 * -2^30) >> 35 = -2^25
  c.x[1] = kOne;   // -2^61 >> 35 = -2^26
  c.x[2] = 1;      // -2^30 >> 35 = -1: dropped by the guard
  c.x[31] = 3;     // floor(-3/32) = -1: dropped
  c.gradient(lr(4), 0, 1);
  EXPECT_EQ(c.g[0], -(1 << 25));
  EXPECT_EQ(c.g[1], -(1 << 26));
  EXPECT_EQ(c.g[2], 0);
  EXPECT_EQ(c.g[31], 0);
  EXPECT_EQ(c.g[5], 0);
  EXPECT_EQ(c.g_bias, -(int64_t{1} << 26));  // d >> lr
}

TEST(LrKernel, LabelZeroFlipsTheSign) {
  DenseCase c(1);
  c.x[0] = kHalf;
  c.y[0] = 0;  // d = 2^30
  c.gradient(lr(4), 0, 1);
  EXPECT_EQ(c.g[0], 1 << 25);
  EXPECT_EQ(c.g_bias, int64_t{1} << 26);
}

TEST(LrKernel, GradientAccumulatorSaturates) {
  // lr = 0, x = 1.0, d = -2^30: each row adds -2^30; three rows would be -3 * 2^30.
  DenseCase c(3);
  for (int r = 0; r < 3; ++r) c.x[r * kN] = kOne;
  c.gradient(lr(0), 0, 3);
  EXPECT_EQ(c.g[0], -2147483647);
  EXPECT_EQ(c.g_bias, -3 * (int64_t{1} << 30));  // the int64 bias accumulator does not saturate
}

TEST(LrKernel, BatchReadsOnlyItsRows) {
  DenseCase c(2);
  c.x[0] = kOne;        // row 0: not in the batch
  c.x[kN + 1] = kHalf;  // row 1
  c.gradient(lr(4), 1, 1);
  EXPECT_EQ(c.g[0], 0);
  EXPECT_EQ(c.g[1], -(1 << 25));
}

TEST(SvmKernel, InsideTheMarginAddsMinusYXShifted) {
  // Zero model: z = 0 < 2^-15 for either label, so both rows are inside the margin. lr = 2.
  DenseCase c(2);
  c.x[0] = kHalf;      // row 0, label 1: g_0 -= 2^30 >> 2
  c.x[kN + 1] = kOne;  // row 1, label 0: g_1 += 2^31 >> 2
  c.y[1] = 0;
  c.gradient(svm(2), 0, 2);
  EXPECT_EQ(c.g[0], -(1 << 28));
  EXPECT_EQ(c.g[1], 1 << 29);
  EXPECT_EQ(c.g_bias, 0);  // -2^29 + 2^29
}

TEST(SvmKernel, OutsideTheMarginAddsNothing) {
  DenseCase c(1);
  c.x[0] = kOne;
  c.w[0] = 1 << 20;  // z = 2^20 > 2^16 (the DPU margin 2^-15), label 1: y z >= margin
  c.gradient(svm(2), 0, 1);
  EXPECT_EQ(c.g[0], 0);
  EXPECT_EQ(c.g_bias, 0);
  KernelConfig half = svm(2);
  half.svm_margin = 0.5;  // 2^20 < 2^30: inside the 0.5 margin
  c.gradient(half, 0, 1);
  EXPECT_EQ(c.g[0], -(1 << 29));
  EXPECT_EQ(c.g_bias, -(int64_t{1} << 29));
}

// The dense kernel's fixed-point values against the header's formulas restated term by term in
// signed 64-bit arithmetic (the kernel computes them another way, on unsigned products): random and
// extreme features (0, 1, 1.0 = 2^31, the largest uint32), weights (+-(2^31 - 1)), errors up to
// +-2^31 and shifts the unsigned path takes or leaves to the general loop (0; 1 ... 31, the range
// of lr_shift), over enough rows to saturate. The kernel adds four rows' terms in one pass where
// the call's rows cannot saturate (4 rows: LR and SVM at shifts >= 4; 12 rows: >= 5) and row by
// row with saturation elsewhere; both are met. Exact: every value must be equal.
TEST(DenseKernel, FixedPointEqualsTheTermByTermFormulas) {
  constexpr uint64_t kRows = 12, kFeatures = 64;
  uint64_t state = 0x9e3779b97f4a7c15ull;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  const uint32_t extreme_x[] = {0, 1, 3, kHalf, kOne, 0xffffffffu};
  const int32_t extreme_w[] = {0, 1, -1, 2147483647, -2147483647};
  int saturated = 0;
  for (const uint64_t rows : {uint64_t{4}, kRows})
    for (const ModelKind model : {ModelKind::kLr, ModelKind::kSvm}) {
      for (const int shift : {0, 1, 2, 3, 4, 20, 30, 31}) {
        for (int trial = 0; trial < 20; ++trial) {
          std::vector<uint32_t> x(kRows * kFeatures);
          std::vector<uint8_t> y(kRows);
          std::vector<int32_t> w(kFeatures);
          for (auto& v : x)
            v = next() % 3 == 0 ? extreme_x[next() % 6] : static_cast<uint32_t>(next());
          for (auto& v : y) v = next() % 2;
          for (auto& v : w) {
            // small weights keep LR's sigmoid away from 0 and 1, so d spans its range
            v = next() % 4 == 0 ? extreme_w[next() % 5]
                                : static_cast<int32_t>(next() % 4096) - 2048;
          }
          const int64_t bias = static_cast<int64_t>(next() % (1u << 31)) - (int64_t{1} << 30);
          KernelConfig c = model == ModelKind::kLr ? lr(shift) : svm(shift);
          c.svm_margin = 1e6;  // every SVM row inside the margin
          std::vector<int32_t> g(kFeatures);
          int64_t g_bias = 0;
          DpuCounts counts;
          dense_gradient<FixedQ31>({x.data(), y.data(), kRows, kFeatures}, w.data(), bias, 0, rows,
                                   c, test::dpu16(), g.data(), &g_bias, counts);

          std::vector<int64_t> want(kFeatures, 0);
          for (uint64_t r = 0; r < rows; ++r) {
            const uint32_t* xr = x.data() + r * kFeatures;
            int64_t z = bias;
            for (uint64_t j = 0; j < kFeatures; ++j) z += (int64_t{xr[j]} * w[j]) >> 31;
            EXPECT_EQ(lr_dense_dot(xr, w.data(), kFeatures, bias), z);
            const int64_t d = model == ModelKind::kLr
                                  ? FixedQ31::sigmoid(z, table()) - (y[r] == 1 ? int64_t{kOne} : 0)
                                  : (y[r] == 1 ? -1 : 1);
            for (uint64_t j = 0; j < kFeatures; ++j) {
              int64_t t = 0;
              if (model == ModelKind::kLr) {
                t = (int64_t{xr[j]} * d) >> (31 + shift);
                if (t == -1) t = 0;
              } else {
                t = int64_t{xr[j]} >> shift;
                if (d < 0) t = -t;
              }
              const int64_t sum = want[j] + t;
              want[j] = std::clamp<int64_t>(sum, -2147483647, 2147483647);
              saturated += want[j] != sum;
            }
          }
          for (uint64_t j = 0; j < kFeatures; ++j) {
            ASSERT_EQ(g[j], want[j])
                << "feature " << j << " shift " << shift << " trial " << trial << " rows " << rows;
          }
        }
      }
    }
  EXPECT_GT(saturated, 100);  // the bounds were reached, on both sides of the unsigned path
}

TEST(SparseKernel, BinaryRowsTouchTheirWeightsAndTheBias) {
  // Features {3, 7} and {7}; the bias is weight 10; labels 1 and 0; zero model, lr = 0.
  const std::vector<uint64_t> off = {0, 2, 3};
  const std::vector<uint32_t> idx = {3, 7, 7};
  const std::vector<uint8_t> y = {1, 0};
  const SparseShard shard{off.data(), idx.data(), y.data(), 2, 10};
  const std::vector<int32_t> w(2048, 0);
  std::vector<int64_t> g(2048, 5);
  DpuCounts counts;
  sparse_gradient<FixedQ31>(shard, w.data(), 2048, 0, 2, lr(0), test::dpu16(), g.data(), counts);
  // Row 0: d = -2^30 on 3, 7 and the bias; row 1: d = +2^30 on 7 and the bias.
  EXPECT_EQ(g[3], -(int64_t{1} << 30));
  EXPECT_EQ(g[7], 0);
  EXPECT_EQ(g[10], 0);
  EXPECT_EQ(g[0], 0);
  // Criteo class weights: positive x15, negative x0.5.
  KernelConfig weighted = lr(0);
  weighted.class_weights = true;
  sparse_gradient<FixedQ31>(shard, w.data(), 2048, 0, 2, weighted, test::dpu16(), g.data(), counts);
  EXPECT_EQ(g[3], -15 * (int64_t{1} << 30));
  EXPECT_EQ(g[7], -15 * (int64_t{1} << 30) + (int64_t{1} << 29));
  EXPECT_EQ(g[10], g[7]);
}

// Random sparse binary rows: 1-12 non-zeros each, features below `features` (repeats allowed),
// labels 0 or 1, from a seeded LCG whose next() a test may go on drawing from.
struct RandomRows {
  RandomRows(uint64_t seed, uint64_t rows, uint64_t features) : state(seed), rows(rows) {
    for (uint64_t r = 0; r < rows; ++r) {
      const uint64_t nnz = 1 + next() % 12;
      for (uint64_t k = 0; k < nnz; ++k)
        idx.push_back(static_cast<uint32_t>((next() >> 33) % features));
      off.push_back(idx.size());
      y.push_back(static_cast<uint8_t>(next() >> 63));
    }
  }
  uint64_t next() { return state = state * 6364136223846793005ull + 1442695040888963407ull; }
  SparseShard shard(uint64_t bias_index) const {
    return {off.data(), idx.data(), y.data(), rows, bias_index};
  }
  uint64_t state;
  uint64_t rows;
  std::vector<uint64_t> off = {0};
  std::vector<uint32_t> idx;
  std::vector<uint8_t> y;
};

// The touched-entries gradient (what the emulator keeps) equals the full one (the DPU's buffer) bit
// for bit, on random rows with repeated features, in both arithmetics, with class weights: each
// entry's first listing holds its sum and its repeats +0, untouched entries of the full one are
// zero, and the scratch is left zero.
template <class Num>
void expect_touched_equals_full(const KernelConfig& cfg) {
  constexpr uint64_t kWeights = 4096, kRows = 64;
  RandomRows rows(12345, kRows, 300);
  const SparseShard shard = rows.shard(kWeights - 1);
  std::vector<typename Num::Weight> w(kWeights);
  // Weights of both signs on the features the rows use (fixed: small Q1.31 values; float:
  // fractions).
  for (size_t j = 0; j < 300; ++j) {
    const auto v = static_cast<typename Num::Wide>(static_cast<int64_t>(j * 7919 % 2000) - 1000);
    w[j] = Num::to_weight(Num::average(v * (Num::kFloat ? 1 : (int64_t{1} << 20)), 4000));
  }
  std::vector<typename Num::Wide> full(kWeights);
  std::vector<typename Num::Wide> scratch(kWeights, typename Num::Wide{0});
  TouchedGradient<Num> touched;
  DpuCounts a, b;
  sparse_gradient<Num>(shard, w.data(), kWeights, 8, 40, cfg, test::dpu16(), full.data(), a);
  sparse_gradient_touched<Num>(shard, w.data(), kWeights, 8, 40, cfg, test::dpu16(), scratch.data(),
                               touched, b);
  // Each entry with a non-zero sum once, with that sum; the rest of the full gradient is +0.
  std::vector<int> listed(kWeights, 0);
  for (size_t k = 0; k < touched.index.size(); ++k) {
    const uint32_t j = touched.index[k];
    ++listed[j];
    EXPECT_EQ(bits(touched.value[k]), bits(full[j])) << "weight " << j;
  }
  const typename Num::Wide zero{0};
  for (uint64_t j = 0; j < kWeights; ++j) {
    EXPECT_EQ(listed[j], full[j] != zero ? 1 : 0) << "weight " << j;
    if (listed[j] == 0) {
      EXPECT_EQ(bits(full[j]), bits(zero)) << "weight " << j;
    }
    EXPECT_EQ(scratch[j], zero) << "scratch " << j;
  }
  // Not vacuous: the rows' gradient has non-zero entries.
  EXPECT_GT(std::count(listed.begin(), listed.end(), 1), 50);
  // The DPU still zeroes and fills its full buffer: the same events.
  for (int t = 0; t < 16; ++t) {
    EXPECT_EQ(a.tasklet[t].ops, b.tasklet[t].ops);
    EXPECT_EQ(a.tasklet[t].dma_read_bytes, b.tasklet[t].dma_read_bytes);
    EXPECT_EQ(a.tasklet[t].dma_write_bytes, b.tasklet[t].dma_write_bytes);
  }
}

TEST(SparseKernel, TouchedEntriesEqualTheFullGradientBitForBit) {
  KernelConfig weighted = lr(2);
  weighted.class_weights = true;
  expect_touched_equals_full<FixedQ31>(lr(2));
  expect_touched_equals_full<FixedQ31>(weighted);
  expect_touched_equals_full<FixedQ31>(svm(1));
  expect_touched_equals_full<Float32>(lr(2));
  expect_touched_equals_full<Float32>(svm(1));
}

// MA-SGD's and ADMM's sparse local steps on a base plus the entries a DPU's rows read equal the
// full model's steps (the DPU's own computation: the gradient of each step's rows, then the update
// of every weight) bit for bit: two launches on different rows, so entries join at later steps and
// on an advanced base, with and without ADMM's u_i - z, in both arithmetics.
template <class Num>
void expect_held_entries_equal_full_model(KernelConfig cfg, bool with_prox) {
  using Weight = typename Num::Weight;
  using Wide = typename Num::Wide;
  constexpr uint64_t kWeights = 4096, kRows = 64, kSteps = 8;
  cfg.batch_log2 = 2;   // b = 4 rows per step
  cfg.decay_shift = 3;  // a strong decay, so zero-gradient updates change most entries
  RandomRows rows(777, kRows, 600);
  const SparseShard shard = rows.shard(kWeights - 1);
  auto next = [&] { return rows.next(); };
  auto random_weight = [&] {
    const auto v = static_cast<Wide>(static_cast<int64_t>((next() >> 40) % 2001) - 1000);
    return Num::to_weight(Num::average(v * (Num::kFloat ? 1 : (int64_t{1} << 21)), 1000));
  };
  std::vector<Weight> full(kWeights), base(kWeights), prox;
  for (uint64_t j = 0; j < kWeights; ++j) full[j] = base[j] = random_weight();
  if (with_prox) {
    for (uint64_t j = 0; j < kWeights; ++j) prox.push_back(random_weight());
  }
  const Weight* p = with_prox ? prox.data() : nullptr;
  DpuModel<Num> model;
  std::vector<Wide> g(kWeights, Wide{0}), full_g(kWeights);
  std::vector<uint32_t> slot(kWeights, kNoSlot);
  for (const uint64_t first : {uint64_t{0}, uint64_t{32}}) {
    DpuCounts held_counts, full_counts;
    sparse_local_steps<Num>(shard, base.data(), p, kWeights, model, first, kSteps, cfg,
                            test::dpu16(), g.data(), slot.data(), held_counts);
    untouched_steps<Num>(base.data(), p, 0, kWeights, kSteps, cfg);
    uint64_t full_active = 0;  // the rows the full model's steps found active
    for (uint64_t step = 0; step < kSteps; ++step) {
      DpuCounts executed;
      sparse_gradient<Num>(shard, full.data(), kWeights, first + step * 4, 4, cfg, test::dpu16(),
                           full_g.data(), executed);
      full_active += executed.active_rows;
      apply_update<Num>(full.data(), kWeights, full_g.data(), cfg.batch_log2, cfg.decay_shift, p);
    }
    count_local_steps<Num>({true, kWeights, rows.off.data(), 0}, first, kSteps, with_prox, cfg,
                           test::dpu16(), full_counts);
    std::vector<Weight> rebuilt = base;
    for (size_t k = 0; k < model.index.size(); ++k) rebuilt[model.index[k]] = model.w[k];
    for (uint64_t j = 0; j < kWeights; ++j) {
      ASSERT_EQ(bits(rebuilt[j]), bits(full[j])) << "weight " << j << " after rows from " << first;
      ASSERT_EQ(g[j], Wide{0});
      ASSERT_EQ(slot[j], kNoSlot);
    }
    // The held entries find the same active rows; with every row active (LR) the events equal
    // the formulas' (count_local_steps assumes every row active).
    EXPECT_EQ(held_counts.active_rows, full_active);
    EXPECT_EQ(held_counts.rows, kSteps * 4);
    if (cfg.model == ModelKind::kLr) {
      EXPECT_EQ(full_active, kSteps * 4);
      for (int t = 0; t < 16; ++t)
        EXPECT_EQ(held_counts.tasklet[t].ops, full_counts.tasklet[t].ops);
    }
  }
  EXPECT_LT(model.index.size(), 600u);  // only the features the rows read (and the bias)
  if (with_prox) {
    EXPECT_EQ(model.prox.size(), model.index.size());
  }
}

TEST(SparseLocalSteps, HeldEntriesOverTheBaseEqualTheFullModelBitForBit) {
  KernelConfig weighted = lr(2);
  weighted.class_weights = true;
  for (const bool with_prox : {false, true}) {
    expect_held_entries_equal_full_model<FixedQ31>(lr(2), with_prox);
    expect_held_entries_equal_full_model<FixedQ31>(weighted, with_prox);
    expect_held_entries_equal_full_model<FixedQ31>(svm(1), with_prox);
    expect_held_entries_equal_full_model<Float32>(lr(2), with_prox);
    expect_held_entries_equal_full_model<Float32Saturating>(svm(1), with_prox);
  }
}

// SVM rows outside the margin cost what the DPU code's branch costs there: the events of a launch
// are the formulas' events of its rows with no gradient (svm_active_fraction 0) plus, exactly, the
// share k / rows of the gradient part (fraction 1 minus fraction 0), where k is the number of rows
// with y' z < margin counted here from z = lr_dense_dot, apart from the kernel. Every op, DMA call
// and byte, on random rows and models at three margins.
void expect_svm_events_follow_active_rows(double margin, uint64_t seed) {
  constexpr uint64_t kRows = 64;
  DenseCase c(kRows);
  uint64_t state = seed;
  auto next = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return state >> 33;
  };
  for (uint32_t& v : c.x) v = static_cast<uint32_t>(next() % (uint64_t{1} << 31));
  for (uint8_t& y : c.y) y = static_cast<uint8_t>(next() % 2);
  for (int32_t& w : c.w)
    w = static_cast<int32_t>(static_cast<int64_t>(next() % (1u << 27)) - (1 << 26));
  c.bias = static_cast<int64_t>(next() % (1u << 24)) - (1 << 23);
  KernelConfig cfg = svm(3);
  cfg.svm_margin = margin;
  uint64_t k = 0;
  for (uint64_t r = 0; r < kRows; ++r) {
    const int64_t z = lr_dense_dot(c.x.data() + r * kN, c.w.data(), kN, c.bias);
    const int64_t yz = c.y[r] == 1 ? z : -z;
    k += yz < FixedQ31::from_real_margin(margin);
  }
  c.gradient(cfg, 0, kRows);
  EXPECT_EQ(c.counts.active_rows, k);
  DpuCounts none, all;
  KernelConfig assumed = cfg;
  assumed.svm_active_fraction = 0;
  count_gradient<FixedQ31>({false, kN, nullptr, 0}, 0, kRows, assumed, test::dpu16(), none);
  assumed.svm_active_fraction = 1;
  count_gradient<FixedQ31>({false, kN, nullptr, 0}, 0, kRows, assumed, test::dpu16(), all);
  auto check = [&](uint64_t executed, uint64_t base, uint64_t full, const char* what) {
    EXPECT_EQ(executed * kRows, base * kRows + k * (full - base))
        << what << " at margin " << margin;
  };
  for (int t = 0; t < 16; ++t) {
    for (size_t op = 0; op < c.counts.tasklet[t].ops.size(); ++op)
      check(c.counts.tasklet[t].ops[op], none.tasklet[t].ops[op], all.tasklet[t].ops[op], "op");
    check(c.counts.tasklet[t].dma_read_calls, none.tasklet[t].dma_read_calls,
          all.tasklet[t].dma_read_calls, "read calls");
    check(c.counts.tasklet[t].dma_write_bytes, none.tasklet[t].dma_write_bytes,
          all.tasklet[t].dma_write_bytes, "write bytes");
    check(c.counts.tasklet[t].barriers, none.tasklet[t].barriers, all.tasklet[t].barriers,
          "barriers");
  }
  for (size_t op = 0; op < c.counts.serial.ops.size(); ++op)
    check(c.counts.serial.ops[op], none.serial.ops[op], all.serial.ops[op], "serial op");
}

TEST(SvmKernel, OnlyRowsInsideTheMarginCostTheGradient) {
  expect_svm_events_follow_active_rows(0x1.0p-15, 1);  // PIM-Opt's margin
  expect_svm_events_follow_active_rows(0.5, 2);
  expect_svm_events_follow_active_rows(-1.0, 3);  // no row active: the dot products only
  // An inactive row costs less than an active one: the gradient read-modify-write is skipped.
  DpuCounts none, all;
  KernelConfig c = svm(3);
  c.svm_active_fraction = 0;
  count_gradient<FixedQ31>({false, kN, nullptr, 0}, 0, 8, c, test::dpu16(), none);
  c.svm_active_fraction = 1;
  count_gradient<FixedQ31>({false, kN, nullptr, 0}, 0, 8, c, test::dpu16(), all);
  EXPECT_LT(none.tasklet[0].dma_write_bytes, all.tasklet[0].dma_write_bytes);
}

// Dry accounting's assumed share adds up over launches: round(f (first + rows)) - round(f first).
TEST(SvmKernel, AssumedActiveRowsAddUpOverLaunches) {
  KernelConfig c = svm(3);
  c.svm_active_fraction = 0.19;
  uint64_t total = 0;
  for (uint64_t first = 0; first < 800; first += 8) {
    DpuCounts one;
    count_gradient<FixedQ31>({false, kN, nullptr, 0}, first, 8, c, test::dpu16(), one);
    total += one.active_rows;
  }
  EXPECT_EQ(total, 152u);    // floor(0.19 x 800); rounding each launch of 8 alone would give 200
  c.model = ModelKind::kLr;  // LR: every row
  DpuCounts lr_counts;
  count_gradient<FixedQ31>({false, kN, nullptr, 0}, 0, 8, c, test::dpu16(), lr_counts);
  EXPECT_EQ(lr_counts.active_rows, 8u);
}

TEST(ClassWeights, KeepTheTermWhenTheWeightedOneIsMinusOne) {
  EXPECT_EQ(FixedQ31::weight_negative(-2), -2);  // -2 >> 1 = -1 would be dropped: keep -2
  EXPECT_EQ(FixedQ31::weight_negative(-4), -2);
  EXPECT_EQ(FixedQ31::weight_positive(3), 45);
}

TEST(LocalSteps, OneMaSgdStepUpdatesTheDpusModel) {
  // b = 1, lr = 4, reg = 10. Gradient of the zero model as above: g_0 = -2^25, g_bias = -2^26.
  DenseCase c(1);
  c.x[0] = kHalf;
  KernelConfig k = lr(4);
  k.decay_shift = 14;
  dense_local_steps<FixedQ31>(c.shard(), c.w.data(), c.bias, nullptr, 0, 1, k, test::dpu16(),
                              c.g.data(), c.g_bias, c.counts);
  EXPECT_EQ(c.w[0], 1 << 25);  // 0 - (-2^25 >> 0) - guard(0 >> 14)
  EXPECT_EQ(c.bias, int64_t{1} << 26);
  EXPECT_EQ(c.w[1], 0);
}

TEST(LocalSteps, AdmmProximalTermJoinsTheDecay) {
  DenseCase c(1);
  c.x[0] = kHalf;
  KernelConfig k = lr(4);
  k.decay_shift = 14;
  std::vector<int32_t> prox(kN, 0);
  prox[0] = 1 << 20;     // decay (0 + 2^20) >> 14 = 64
  prox[1] = -(1 << 10);  // (0 - 2^10) >> 14 = -1: dropped
  dense_local_steps<FixedQ31>(c.shard(), c.w.data(), c.bias, prox.data(), 0, 1, k, test::dpu16(),
                              c.g.data(), c.g_bias, c.counts);
  EXPECT_EQ(c.w[0], (1 << 25) - 64);
  EXPECT_EQ(c.w[1], 0);
  EXPECT_EQ(c.bias, int64_t{1} << 26);  // no proximal term on the dense bias (PIM-Opt)
}

TEST(LocalSteps, StartingFromThePushedModelIsCopyingItFirst) {
  // MA-SGD's DPU models start from the pushed model without a copy: two steps of b = 2 (with and
  // without ADMM's proximal term, and no step at all) give the bits of copying it into w first. The
  // DPU's own w holds a stale value that must not be read.
  std::mt19937 rng(7);
  DenseCase c(4);
  for (auto& v : c.x) v = rng() >> 1;  // Q1.31 features in [0, 1)
  for (auto& v : c.y) v = rng() & 1;
  std::vector<int32_t> from(kN), prox(kN);
  for (auto& v : from) v = static_cast<int32_t>(rng()) >> 4;
  for (auto& v : prox) v = static_cast<int32_t>(rng()) >> 6;
  KernelConfig k = lr(2);
  k.batch_log2 = 1;
  k.decay_shift = 6;
  for (const bool with_prox : {false, true}) {
    for (const uint64_t steps : {uint64_t{0}, uint64_t{2}}) {
      DenseCase copied = c, pushed = c;
      copied.w = from;
      pushed.w.assign(kN, 12345);
      copied.bias = pushed.bias = int64_t{3} << 28;
      const int32_t* p = with_prox ? prox.data() : nullptr;
      dense_local_steps<FixedQ31>(copied.shard(), copied.w.data(), copied.bias, p, 0, steps, k,
                                  test::dpu16(), copied.g.data(), copied.g_bias, copied.counts);
      dense_local_steps<FixedQ31>(pushed.shard(), pushed.w.data(), pushed.bias, p, 0, steps, k,
                                  test::dpu16(), pushed.g.data(), pushed.g_bias, pushed.counts,
                                  nullptr, from.data());
      EXPECT_EQ(pushed.w, copied.w) << with_prox << " " << steps;
      EXPECT_EQ(pushed.bias, copied.bias);
      EXPECT_EQ(pushed.counts.rows, copied.counts.rows);
      if (steps == 0) continue;
      // Summed, not written: the last step's model is added to the sums (widened); w keeps the
      // model before that step.
      DenseCase summed = c;
      summed.w.assign(kN, 12345);
      summed.bias = int64_t{3} << 28;
      std::vector<int64_t> sums(kN);
      for (uint64_t j = 0; j < kN; ++j) sums[j] = int64_t{1} << 40 | j;
      const std::vector<int64_t> before = sums;
      dense_local_steps<FixedQ31>(summed.shard(), summed.w.data(), summed.bias, p, 0, steps, k,
                                  test::dpu16(), summed.g.data(), summed.g_bias, summed.counts,
                                  nullptr, from.data(), sums.data());
      for (uint64_t j = 0; j < kN; ++j) EXPECT_EQ(sums[j], before[j] + copied.w[j]) << j;
      EXPECT_EQ(summed.bias, pushed.bias);
      DenseCase one_step = c;  // w after the first of the two steps
      one_step.bias = int64_t{3} << 28;
      dense_local_steps<FixedQ31>(one_step.shard(), one_step.w.data(), one_step.bias, p, 0, 1, k,
                                  test::dpu16(), one_step.g.data(), one_step.g_bias,
                                  one_step.counts, nullptr, from.data());
      EXPECT_EQ(summed.w, one_step.w);
      EXPECT_NE(copied.w, from);  // the steps changed the model
    }
  }
}

TEST(Counts, DenseDmaPerTaskletExactly) {
  // 32 features over 16 tasklets: 8-byte slices. Two rows.
  DenseCase c(2);
  c.y[0] = 0;
  c.gradient(lr(4), 0, 2);
  // Tasklet 5: zeroing write; per row X, W and gradient reads (3 x 2) and a gradient write (2).
  EXPECT_EQ(c.counts.tasklet[5].dma_read_calls, 6u);
  EXPECT_EQ(c.counts.tasklet[5].dma_read_bytes, 48u);
  EXPECT_EQ(c.counts.tasklet[5].dma_write_calls, 3u);
  EXPECT_EQ(c.counts.tasklet[5].dma_write_bytes, 24u);
  // Tasklet 0 also reads the labels (8 bytes per 2 rows); alone between barriers (serial part) it
  // reads an exp-table entry per row.
  EXPECT_EQ(c.counts.tasklet[0].dma_read_calls, 6u + 1u);
  EXPECT_EQ(c.counts.serial.dma_read_calls, 2u);
  EXPECT_EQ(c.counts.serial.ops[static_cast<int>(Op::kDoubleDiv)],
            2u);  // the sigmoid's divide, once per row
  EXPECT_EQ(c.counts.tasklet[5].ops[static_cast<int>(Op::kInt64Mul)],
            8u);                                       // (dot + x * d) x 2 features x 2 rows
  EXPECT_EQ(c.counts.tasklet[16].dma_read_calls, 0u);  // tasklets beyond the 16 used stay idle
}

TEST(Counts, SparseNonZerosAreDealtToTasklets) {
  // 39 non-zeros over 16 tasklets: 7 tasklets get 3, 9 get 2; the last also handles the bias.
  std::vector<uint64_t> off = {0, 39};
  std::vector<uint32_t> idx(39);
  for (uint32_t i = 0; i < 39; ++i) idx[i] = i * 10;
  const std::vector<uint8_t> y = {1};
  const std::vector<int32_t> w(2048, 0);
  std::vector<int64_t> g(2048);
  DpuCounts c;
  sparse_gradient<FixedQ31>({off.data(), idx.data(), y.data(), 1, 400}, w.data(), 2048, 0, 1, lr(0),
                            test::dpu16(), g.data(), c);
  // Tasklet 1: zeroing (128 entries x 8 B = 1 KiB, 1 call), its 3 indices (12 B -> 16 B), 3 weight
  // reads and 3 gradient reads of 8 B; writes: zeroing + 3 gradient entries.
  EXPECT_EQ(c.tasklet[1].dma_read_calls, 1u + 6u);
  EXPECT_EQ(c.tasklet[1].dma_read_bytes, 16u + 48u);
  EXPECT_EQ(c.tasklet[1].dma_write_calls, 1u + 3u);
  EXPECT_EQ(c.tasklet[8].dma_write_calls, 1u + 2u);
  EXPECT_EQ(c.tasklet[15].dma_write_calls, 1u + 3u);  // 2 non-zeros + the bias
}

}  // namespace
}  // namespace pimscale
