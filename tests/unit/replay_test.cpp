// Exactness: a few rounds of GA-SGD, MA-SGD and ADMM on 2 DPUs x 2 rows x 8 features, replayed here
// with plain integer arithmetic written independently of the kernels, compared weight by weight.
// SVM needs no sigmoid, so its replay is fully independent; LR's replay shares only
// FixedQ31::sigmoid (tested apart).
#include <gtest/gtest.h>

#include <array>
#include <boost/mpi/communicator.hpp>
#include <vector>

#include "src/algorithms/trainer.h"
#include "tests/support/specs.h"

namespace pimscale {
namespace {

using I64 = int64_t;
constexpr int kF = 8, kDpus = 2, kRowsPerDpu = 2;
constexpr I64 kOne = I64{1} << 31;

I64 guard(I64 v, int s) { return (v >> s) == -1 ? 0 : v >> s; }
I64 sat(I64 v) { return std::min<I64>(kOne - 1, std::max<I64>(-(kOne - 1), v)); }

// Rows 0-1 belong to DPU 0, rows 2-3 to DPU 1.
const std::array<std::array<uint32_t, kF>, 4> kX = {{
    {1u << 31, 1u << 30, 3u << 28, 0, 1u << 29, 123456789, 1u << 27, 5u << 26},
    {0, 1u << 31, 1u << 28, 7u << 27, 0, 1u << 30, 999999999, 1u << 25},
    {3u << 29, 0, 1u << 31, 1u << 26, 1u << 30, 0, 1u << 29, 2000000000},
    {1u << 30, 1u << 30, 0, 1u << 31, 3u << 28, 1u << 27, 0, 1u << 29},
}};
const std::array<uint8_t, 4> kY = {1, 0, 0, 1};

struct Model {
  std::array<I64, kF> w{};
  I64 bias = 0;
};

struct Grad {
  std::array<I64, kF> g{};
  I64 bias = 0;
};

const ExpTable& exp_table() {
  static const ExpTable t;
  return t;
}

// One row's gradient, summed into g (PIM-Opt's arithmetic, written out).
void add_row(const Model& m, int row, bool svm, int lr, Grad& g) {
  I64 z = m.bias;
  for (int j = 0; j < kF; ++j) z += (static_cast<I64>(kX[row][j]) * m.w[j]) >> 31;
  if (svm) {
    const I64 yz = kY[row] == 1 ? z : -z;
    if (yz >= (I64{1} << 16)) return;  // margin 2^-15
    for (int j = 0; j < kF; ++j)
      g.g[j] += kY[row] == 1 ? -(static_cast<I64>(kX[row][j]) >> lr) : (kX[row][j] >> lr);
    g.bias += kY[row] == 1 ? -(kOne >> lr) : (kOne >> lr);
    return;
  }
  const I64 d = FixedQ31::sigmoid(z, exp_table()) - (kY[row] == 1 ? kOne : 0);
  for (int j = 0; j < kF; ++j) g.g[j] += guard(static_cast<I64>(kX[row][j]) * d, 31 + lr);
  g.bias += guard(d, lr);
}

void step(Model& m, const Grad& g, int b_log2, int decay, const std::array<I64, kF>* prox) {
  for (int j = 0; j < kF; ++j) {
    const I64 p = m.w[j] + (prox ? (*prox)[j] : 0);
    m.w[j] = sat(m.w[j] - guard(g.g[j], b_log2) - guard(p, decay));
  }
  m.bias = sat(m.bias - guard(g.bias, b_log2));
}

I64 avg(I64 sum) { return sat(sum / kDpus); }

// Runs `rounds` rounds of the real algorithm on one server of 2 DPUs and returns its reported
// model.
std::pair<std::vector<int32_t>, I64> run_real(AlgorithmKind kind, bool svm,
                                              const AlgorithmSettings& s, int rounds) {
  const Algorithm& algorithm = Algorithm::of(kind);
  const HardwareSpec hw = test::small_hardware();
  const HostSpec host = test::small_host();
  const NetworkSpec net = test::small_network();
  const ServerLayout layout{false, kDpus, kRowsPerDpu, kF, model_weights(false, kF, hw.dpu)};
  KernelConfig k;
  k.model = svm ? ModelKind::kSvm : ModelKind::kLr;
  k.lr_shift = s.lr_shift;
  k.decay_shift = s.lr_shift + s.reg_shift;
  k.batch_log2 = s.batch_log2;
  PimServer<FixedQ31> server(hw, host, layout, algorithm.dpu_models(), k, 1);
  ServerData<FixedQ31> data;
  data.x.assign(4 * layout.weights, 0);
  for (int r = 0; r < 4; ++r)
    std::copy(kX[r].begin(), kX[r].end(), data.x.begin() + r * static_cast<int>(layout.weights));
  data.y.assign(kY.begin(), kY.end());
  server.load(std::move(data));
  Cluster cluster{boost::mpi::communicator(MPI_COMM_SELF, boost::mpi::comm_attach)};
  Trainer<FixedQ31> a(algorithm, server, cluster, net, s);
  for (int r = 0; r < rounds; ++r) a.round(static_cast<uint64_t>(r) % s.rounds_per_epoch);
  return {std::vector<int32_t>(a.weights().begin(), a.weights().begin() + kF), a.bias()};
}

void expect_same(const std::pair<std::vector<int32_t>, I64>& real, const Model& ref) {
  for (int j = 0; j < kF; ++j) EXPECT_EQ(real.first[j], ref.w[j]) << "weight " << j;
  EXPECT_EQ(real.second, ref.bias) << "bias";
  bool moved = false;
  for (I64 v : ref.w) moved |= v != 0;
  EXPECT_TRUE(moved) << "the replay must train something";
}

class Replay : public testing::TestWithParam<bool> {};  // the parameter: SVM (else LR)

TEST_P(Replay, GaSgdMatchesHandArithmetic) {
  const bool svm = GetParam();
  // Global b = 2 (one row per DPU per round), lr = 2, reg = 3: 2 rounds per epoch; run 3 rounds.
  const AlgorithmSettings s{1, 2, 1, 2, 3, 0, kDpus};
  Model m;
  for (int r = 0; r < 3; ++r) {
    Grad g;
    for (int d = 0; d < kDpus; ++d) add_row(m, d * kRowsPerDpu + r % 2, svm, 2, g);
    step(m, g, 1, 5, nullptr);
  }
  expect_same(run_real(AlgorithmKind::kGaSgd, svm, s, 3), m);
}

TEST_P(Replay, MaSgdMatchesHandArithmetic) {
  const bool svm = GetParam();
  // Per-DPU b = 1, lr = 2, reg = 3: each round every DPU steps on one row, then the models average.
  const AlgorithmSettings s{1, 2, 0, 2, 3, 0, kDpus};
  Model m;
  for (int r = 0; r < 3; ++r) {
    Model sum{};
    for (int d = 0; d < kDpus; ++d) {
      Model local = m;
      Grad g;
      add_row(local, d * kRowsPerDpu + r % 2, svm, 2, g);
      step(local, g, 0, 5, nullptr);
      for (int j = 0; j < kF; ++j) sum.w[j] += local.w[j];
      sum.bias += local.bias;
    }
    for (int j = 0; j < kF; ++j) m.w[j] = avg(sum.w[j]);
    m.bias = avg(sum.bias);
  }
  expect_same(run_real(AlgorithmKind::kMaSgd, svm, s, 3), m);
}

TEST_P(Replay, AdmmMatchesHandArithmetic) {
  const bool svm = GetParam();
  // Per-DPU b = 1 (2 local steps per epoch), lr = 2, reg (rho) = 3, alpha = 1: tau = 2^31 >> 2 / 2.
  const AlgorithmSettings s{1, 1, 0, 2, 3, 1, kDpus};
  const I64 tau = (kOne >> 2) / kDpus;
  std::array<Model, kDpus> w{}, u{};
  std::array<std::array<I64, kF>, kDpus> uz{};
  Model w_avg;
  for (int epoch = 0; epoch < 2; ++epoch) {
    for (int d = 0; d < kDpus; ++d) {
      for (int r = 0; r < kRowsPerDpu; ++r) {
        Grad g;
        add_row(w[d], d * kRowsPerDpu + r, svm, 2, g);
        step(w[d], g, 0, 5, &uz[d]);
      }
    }
    auto soft = [&](I64 t) { return std::abs(t) <= tau ? 0 : sat(t < 0 ? t + tau : t - tau); };
    Model z;
    for (int j = 0; j < kF; ++j) {
      w_avg.w[j] = avg(w[0].w[j] + w[1].w[j]);
      z.w[j] = soft(sat(w_avg.w[j] + avg(u[0].w[j] + u[1].w[j])));
    }
    w_avg.bias = avg(w[0].bias + w[1].bias);
    z.bias = soft(sat(w_avg.bias + avg(u[0].bias + u[1].bias)));
    for (int d = 0; d < kDpus; ++d) {
      for (int j = 0; j < kF; ++j) {
        u[d].w[j] = sat(u[d].w[j] + (w[d].w[j] - z.w[j]));
        uz[d][j] = sat(u[d].w[j] - z.w[j]);
      }
      u[d].bias = sat(u[d].bias + (w[d].bias - z.bias));
    }
  }
  expect_same(run_real(AlgorithmKind::kAdmm, svm, s, 2), w_avg);
}

INSTANTIATE_TEST_SUITE_P(LrAndSvm, Replay, testing::Bool(),
                         [](const testing::TestParamInfo<bool>& i) {
                           return i.param ? "Svm" : "Lr";
                         });

}  // namespace
}  // namespace pimscale
