// Exactness: rounds of GA-SGD, MA-SGD and ADMM on one server of 2 DPUs, replayed with the
// independent arithmetic of tests/support/replay.h and compared weight by weight: dense fixed point
// (LR and SVM), sparse rows with several local steps, Criteo's class weights, saturation at both
// ends of Q1.31 (counted in the replay, so the case cannot pass without reaching them), and float
// numerics. SVM needs no sigmoid, so its replay is fully independent; LR's shares only the sigmoid
// (FixedQ31::sigmoid, or the float table's exp; tested apart). The same replay on 1-4 real ranks:
// tests/mpi/replay_ranks_test.cpp.
#include <gtest/gtest.h>

#include "tests/support/replay.h"

namespace pimscale {
namespace {

using replay::admm;
using replay::Data;
using replay::expect_same;
using replay::ga_sgd;
using replay::I64;
using replay::ma_sgd;
using replay::Rule;

Cluster self() { return Cluster(boost::mpi::communicator(MPI_COMM_SELF, boost::mpi::comm_attach)); }

// 2 DPUs x 2 rows x 8 features (padded to the layout's 32), features anywhere in [0, 1].
Data dense8() {
  Data d;
  d.features = 8;
  d.weights = static_cast<int>(model_weights(false, 8, test::small_hardware().dpu));
  d.dpus = 2;
  d.rows_per_dpu = 2;
  const uint32_t x[4][8] = {
      {1u << 31, 1u << 30, 3u << 28, 0, 1u << 29, 123456789, 1u << 27, 5u << 26},
      {0, 1u << 31, 1u << 28, 7u << 27, 0, 1u << 30, 999999999, 1u << 25},
      {3u << 29, 0, 1u << 31, 1u << 26, 1u << 30, 0, 1u << 29, 2000000000},
      {1u << 30, 1u << 30, 0, 1u << 31, 3u << 28, 1u << 27, 0, 1u << 29}};
  for (const auto& row : x) {
    d.x.emplace_back(row, row + 8);
    d.x.back().resize(static_cast<size_t>(d.weights), 0);
  }
  d.y = {1, 0, 0, 1};
  return d;
}

// 2 DPUs x 4 rows of 1-5 binary features out of 12 (the bias at index 12 of 2,048 weights).
Data sparse12() {
  Data d;
  d.sparse = true;
  d.features = 12;
  d.weights = static_cast<int>(model_weights(true, 12, test::small_hardware().dpu));
  d.dpus = 2;
  d.rows_per_dpu = 4;
  d.idx = {{0, 3, 7}, {1, 2}, {3, 5, 8, 11}, {0}, {2, 4, 6, 9, 10}, {7, 11}, {1, 5, 8}, {3, 4}};
  d.y = {1, 0, 1, 0, 0, 1, 1, 0};
  return d;
}

// Settings: {rows per DPU step, rounds per epoch, batch log2, lr, reg, alpha, total DPUs}.
class Replay : public testing::TestWithParam<bool> {};  // the parameter: SVM (else LR)

TEST_P(Replay, GaSgdMatchesHandArithmetic) {
  // Global b = 2 (one row per DPU per round), lr = 2, reg = 3: 2 rounds per epoch; run 3 rounds.
  const Rule rule{GetParam(), false, 2};
  const AlgorithmSettings s{1, 2, 1, 2, 3, 0, 2};
  Cluster c = self();
  expect_same(replay::run_real<FixedQ31>(AlgorithmKind::kGaSgd, rule, s, dense8(), 3, c),
              ga_sgd(dense8(), rule, s, 3));
}

TEST_P(Replay, MaSgdMatchesHandArithmetic) {
  const Rule rule{GetParam(), false, 2};
  const AlgorithmSettings s{1, 2, 0, 2, 3, 0, 2};  // per-DPU b = 1
  Cluster c = self();
  expect_same(replay::run_real<FixedQ31>(AlgorithmKind::kMaSgd, rule, s, dense8(), 3, c),
              ma_sgd(dense8(), rule, s, 3));
}

TEST_P(Replay, AdmmMatchesHandArithmetic) {
  const Rule rule{GetParam(), false, 2};
  const AlgorithmSettings s{1, 1, 0, 2,
                            3, 1, 2};  // b = 1: 2 local steps an epoch; tau = 2^(1 - 3) / 2
  Cluster c = self();
  expect_same(replay::run_real<FixedQ31>(AlgorithmKind::kAdmm, rule, s, dense8(), 2, c),
              admm(dense8(), rule, s, 2));
}

TEST_P(Replay, SparseRowsAndLocalSteps) {
  // b = 2 per DPU step: MA-SGD 2 rounds an epoch (3 run); ADMM 2 local steps an epoch with the
  // proximal term (2 epochs); GA-SGD global b = 4. The bias is weight 12 and takes the L2 term.
  const Rule rule{GetParam(), false, 1};
  const Data d = sparse12();
  Cluster c = self();
  const AlgorithmSettings ma{2, 2, 1, 1, 3, 0, 2}, ad{2, 1, 1, 1, 3, 1, 2}, ga{2, 2, 2, 1, 3, 0, 2};
  expect_same(replay::run_real<FixedQ31>(AlgorithmKind::kMaSgd, rule, ma, d, 3, c),
              ma_sgd(d, rule, ma, 3));
  expect_same(replay::run_real<FixedQ31>(AlgorithmKind::kAdmm, rule, ad, d, 2, c),
              admm(d, rule, ad, 2));
  expect_same(replay::run_real<FixedQ31>(AlgorithmKind::kGaSgd, rule, ga, d, 3, c),
              ga_sgd(d, rule, ga, 3));
}

TEST_P(Replay, ClassWeights) {
  const Rule rule{GetParam(), true, 3};
  Cluster c = self();
  const AlgorithmSettings ga{1, 2, 1, 3, 3, 0, 2};
  expect_same(replay::run_real<FixedQ31>(AlgorithmKind::kGaSgd, rule, ga, dense8(), 3, c),
              ga_sgd(dense8(), rule, ga, 3));
  const AlgorithmSettings sp{2, 2, 1, 3, 3, 0, 2};
  expect_same(replay::run_real<FixedQ31>(AlgorithmKind::kMaSgd, rule, sp, sparse12(), 3, c),
              ma_sgd(sparse12(), rule, sp, 3));
}

TEST_P(Replay, SaturatesAtBothEnds) {
  // lr = 0 and a weak L2 (reg 20): steps of about 1.0 drive weights into both ends of Q1.31 within
  // a few rounds; GA-SGD's dense accumulator (int32) saturates too. The replay counts its clips:
  // both ends must occur.
  const Rule rule{GetParam(), false, 0};
  replay::clips() = {};
  Cluster c = self();
  const AlgorithmSettings ma{1, 2, 0, 0, 20, 0, 2}, ga{2, 1, 0, 0, 20, 0, 2};
  expect_same(replay::run_real<FixedQ31>(AlgorithmKind::kMaSgd, rule, ma, dense8(), 6, c),
              ma_sgd(dense8(), rule, ma, 6));
  expect_same(replay::run_real<FixedQ31>(AlgorithmKind::kGaSgd, rule, ga, dense8(), 4, c),
              ga_sgd(dense8(), rule, ga, 4));
  EXPECT_GT(replay::clips().high, 0) << "no value reached +(2^31 - 1)";
  EXPECT_GT(replay::clips().low, 0) << "no value reached -(2^31 - 1)";
}

// Float numerics: GA-SGD (the host sums the DPUs' float gradients in DPU order) and MA-SGD (the
// host divides the sum of the models by N in float).
TEST_P(Replay, FloatNumerics) {
  const Rule rule{GetParam(), false, 2};
  const Data d = dense8();
  Cluster c = self();
  const AlgorithmSettings ga{1, 2, 1, 2, 3, 0, 2}, ma{1, 2, 0, 2, 3, 0, 2};
  replay::FloatModel m(d.weights);
  for (int r = 0; r < 3; ++r) {
    replay::FloatModel sum(d.weights);
    for (int dpu = 0; dpu < 2; ++dpu) {
      replay::FloatModel g(d.weights);
      replay::add_row_float(m, d, dpu * 2 + r % 2, rule, g);
      for (size_t j = 0; j < sum.w.size(); ++j) sum.w[j] += g.w[j];
      sum.bias += g.bias;
    }
    replay::step_float(m, sum, 1, 5);
  }
  expect_same(replay::run_real<Float32>(AlgorithmKind::kGaSgd, rule, ga, d, 3, c), m);

  replay::FloatModel avg(d.weights);
  for (int r = 0; r < 3; ++r) {
    replay::FloatModel sum(d.weights);
    for (int dpu = 0; dpu < 2; ++dpu) {
      replay::FloatModel local = avg, g(d.weights);
      replay::add_row_float(local, d, dpu * 2 + r % 2, rule, g);
      replay::step_float(local, g, 0, 5);
      for (size_t j = 0; j < sum.w.size(); ++j) sum.w[j] += local.w[j];
      sum.bias += local.bias;
    }
    for (size_t j = 0; j < avg.w.size(); ++j) avg.w[j] = sum.w[j] / 2.0f;
    avg.bias = sum.bias / 2.0f;
  }
  expect_same(replay::run_real<Float32>(AlgorithmKind::kMaSgd, rule, ma, d, 3, c), avg);
}

INSTANTIATE_TEST_SUITE_P(LrAndSvm, Replay, testing::Bool(),
                         [](const testing::TestParamInfo<bool>& i) {
                           return i.param ? "Svm" : "Lr";
                         });

}  // namespace
}  // namespace pimscale
