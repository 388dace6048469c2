// An independent replay of the training arithmetic (README "What the DPUs compute"), written apart
// from pim_emul's kernels: plain int64 for fixed point, plain float for --numerics float, dense or
// sparse rows, class weights, saturation counted at both ends. Shared by the one-server replays
// (unit_self_tests) and the many-rank replay (mpi_tests). LR's sigmoid is the one piece taken from
// production (FixedQ31::sigmoid, the float table's exp), checked apart against double precision at
// 20,001 points.
#pragma once

#include <gtest/gtest.h>
#include <algorithm>
#include <array>
#include <boost/mpi/communicator.hpp>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "pim_emul/numerics.h"
#include "src/algorithms/trainer.h"
#include "tests/support/specs.h"

namespace pimscale::replay {

using I64 = int64_t;
inline constexpr I64 kOne = I64{1} << 31;

// How often a value was clipped at each end of Q1.31's range (the replay's own count).
struct Clips {
  int64_t high = 0, low = 0;
};
inline Clips& clips() {
  static Clips c;
  return c;
}

inline I64 guard(I64 v, int s) { return (v >> s) == -1 ? 0 : v >> s; }
inline I64 sat(I64 v) {
  if (v > kOne - 1) {
    ++clips().high;
    return kOne - 1;
  }
  if (v < -(kOne - 1)) {
    ++clips().low;
    return -(kOne - 1);
  }
  return v;
}

// The rows, as the replay sees them: dense features in Q1.31 (2^31 = 1.0) or sparse index lists
// (binary features), and 0/1 labels. Row r belongs to DPU r / rows_per_dpu.
struct Data {
  bool sparse = false;
  int features = 0,
      weights = 0;  // weights: the model's entries (sparse: the bias at index `features`)
  int dpus = 0, rows_per_dpu = 0;
  std::vector<std::vector<uint32_t>> x;  // dense: `weights` values per row (padding zero)
  std::vector<std::vector<uint32_t>> idx;
  std::vector<uint8_t> y;
};

struct Rule {
  bool svm = false, class_weights = false;
  int lr = 0;
};

struct Model {
  std::vector<I64> w;
  I64 bias = 0;  // dense only
  explicit Model(int n = 0) : w(static_cast<size_t>(n), 0) {}
};

// x15 for the positive class, x0.5 for the negative one, a result of -1 keeping the term (PIM-Opt's
// code).
inline I64 class_weighted(I64 t, uint8_t y, const Rule& rule) {
  if (!rule.class_weights) return t;
  const I64 v = y == 1 ? 15 * t : t >> 1;
  return v == -1 ? t : v;
}

inline const ExpTable& exp_table() {
  static const ExpTable t;
  return t;
}

// One row's gradient added into g (dense: an int32 accumulator that saturates; sparse: int64).
inline void add_row(const Model& m, const Data& data, int row, const Rule& rule, Model& g) {
  const size_t r = static_cast<size_t>(row);
  const uint8_t y = data.y[r];
  I64 z = data.sparse ? m.w[static_cast<size_t>(data.features)] : m.bias;
  if (data.sparse) {
    for (uint32_t j : data.idx[r]) z += m.w[j];
  } else {
    for (int j = 0; j < data.weights; ++j)
      z +=
          (static_cast<I64>(data.x[r][static_cast<size_t>(j)]) * m.w[static_cast<size_t>(j)]) >> 31;
  }
  auto add = [&](size_t j, I64 t) { g.w[j] = data.sparse ? g.w[j] + t : sat(g.w[j] + t); };
  // The row's error: SVM the sign -y' (nothing outside the margin), LR d = sigmoid(z) - y; `unit`
  // is the term of a binary feature and of the bias, `term(x)` that of a dense feature x.
  I64 unit = 0, d = 0, sign = 0;
  if (rule.svm) {
    if ((y == 1 ? z : -z) >= (I64{1} << 16)) return;  // outside the margin 2^-15
    sign = y == 1 ? -1 : 1;
    unit = sign * class_weighted(kOne >> rule.lr, y, rule);
  } else {
    d = FixedQ31::sigmoid(z, exp_table()) - (y == 1 ? kOne : 0);
    unit = class_weighted(guard(d, rule.lr), y, rule);
  }
  auto term = [&](I64 x) {
    return rule.svm ? sign * class_weighted(x >> rule.lr, y, rule)
                    : class_weighted(guard(x * d, 31 + rule.lr), y, rule);
  };
  if (data.sparse) {
    for (uint32_t j : data.idx[r]) add(j, unit);
    add(static_cast<size_t>(data.features), unit);
    return;
  }
  for (int j = 0; j < data.weights; ++j) {
    add(static_cast<size_t>(j), term(static_cast<I64>(data.x[r][static_cast<size_t>(j)])));
  }
  g.bias += unit;
}

// w <- sat(w - guard(g >> b) - guard((w [+ prox]) >> decay)); the dense bias takes no L2 or
// proximal term.
inline void step(Model& m, const Model& g, int b_log2, int decay, const std::vector<I64>* prox) {
  for (size_t j = 0; j < m.w.size(); ++j) {
    const I64 p = m.w[j] + (prox ? (*prox)[j] : 0);
    m.w[j] = sat(m.w[j] - guard(g.w[j], b_log2) - guard(p, decay));
  }
  m.bias = sat(m.bias - guard(g.bias, b_log2));
}

// The host's average of a sum over n workers: integer division toward zero, then saturation.
inline I64 avg(I64 sum, int64_t n) { return sat(sum / n); }

// Float (--numerics float): the same rules with shifts as exact multiplications by 2^-s, nothing
// saturated, every operation rounded to float in the DPU code's order.
struct FloatModel {
  std::vector<float> w;
  float bias = 0;
  explicit FloatModel(int n = 0) : w(static_cast<size_t>(n), 0.0f) {}
};

inline float q31_to_float(uint32_t x) { return static_cast<float>(x) / 2147483648.0f; }

inline void add_row_float(const FloatModel& m, const Data& data, int row, const Rule& rule,
                          FloatModel& g) {
  const size_t r = static_cast<size_t>(row);
  const uint8_t y = data.y[r];
  float z = m.bias;
  for (int j = 0; j < data.weights; ++j)
    z += q31_to_float(data.x[r][static_cast<size_t>(j)]) * m.w[static_cast<size_t>(j)];
  auto weighted = [&](float t) { return !rule.class_weights ? t : y == 1 ? 15.0f * t : 0.5f * t; };
  if (rule.svm) {
    if ((y == 1 ? z : -z) >= 0x1.0p-15f) return;
    const float sign = y == 1 ? -1.0f : 1.0f;
    for (int j = 0; j < data.weights; ++j) {
      g.w[static_cast<size_t>(j)] +=
          sign * weighted(std::ldexp(q31_to_float(data.x[r][static_cast<size_t>(j)]), -rule.lr));
    }
    g.bias += sign * weighted(std::ldexp(1.0f, -rule.lr));
    return;
  }
  const float d = 1.0f / (1.0f + exp_table().exp(-z)) - (y == 1 ? 1.0f : 0.0f);
  for (int j = 0; j < data.weights; ++j) {
    g.w[static_cast<size_t>(j)] +=
        weighted(std::ldexp(q31_to_float(data.x[r][static_cast<size_t>(j)]) * d, -rule.lr));
  }
  g.bias += weighted(std::ldexp(d, -rule.lr));
}

inline void step_float(FloatModel& m, const FloatModel& g, int b_log2, int decay) {
  for (size_t j = 0; j < m.w.size(); ++j) {
    const float moved = m.w[j] - std::ldexp(g.w[j], -b_log2);
    m.w[j] = moved - std::ldexp(m.w[j], -decay);
  }
  m.bias = m.bias - std::ldexp(g.bias, -b_log2);
}

inline int dpus_of(const Data& d) { return static_cast<int>(d.y.size()) / d.rows_per_dpu; }

// GA-SGD: each DPU sums the gradient of its next `per` rows in its own accumulator; the host adds
// the DPUs' sums (int64) and takes the step with 1 / global b and the L2 term.
inline Model ga_sgd(const Data& d, const Rule& rule, const AlgorithmSettings& s, int rounds) {
  Model m(d.weights);
  const int per = static_cast<int>(s.rows_per_dpu_step);
  for (int r = 0; r < rounds; ++r) {
    Model sum(d.weights);
    for (int dpu = 0; dpu < dpus_of(d); ++dpu) {
      Model g(d.weights);
      const int first = dpu * d.rows_per_dpu + (r % static_cast<int>(s.rounds_per_epoch)) * per;
      for (int k = 0; k < per; ++k) add_row(m, d, first + k, rule, g);
      for (size_t j = 0; j < g.w.size(); ++j) sum.w[j] += g.w[j];
      sum.bias += g.bias;
    }
    step(m, sum, s.batch_log2, s.lr_shift + s.reg_shift, nullptr);
  }
  return m;
}

// One DPU's `steps` local mini-batch steps of `per` rows from row `first`.
inline void local_steps(Model& m, const Data& d, const Rule& rule, const AlgorithmSettings& s,
                        int first, int steps, const std::vector<I64>* prox) {
  const int per = static_cast<int>(s.rows_per_dpu_step);
  for (int k = 0; k < steps; ++k) {
    Model g(d.weights);
    for (int i = 0; i < per; ++i) add_row(m, d, first + k * per + i, rule, g);
    step(m, g, s.batch_log2, s.lr_shift + s.reg_shift, prox);
  }
}

// MA-SGD: every DPU takes one step from the global model on its next rows; the host averages the
// models.
inline Model ma_sgd(const Data& d, const Rule& rule, const AlgorithmSettings& s, int rounds) {
  Model m(d.weights);
  const int n = dpus_of(d);
  for (int r = 0; r < rounds; ++r) {
    Model sum(d.weights);
    for (int dpu = 0; dpu < n; ++dpu) {
      Model local = m;
      const int first = dpu * d.rows_per_dpu + (r % static_cast<int>(s.rounds_per_epoch)) *
                                                   static_cast<int>(s.rows_per_dpu_step);
      local_steps(local, d, rule, s, first, 1, nullptr);
      for (size_t j = 0; j < sum.w.size(); ++j) sum.w[j] += local.w[j];
      sum.bias += local.bias;
    }
    for (size_t j = 0; j < m.w.size(); ++j) m.w[j] = avg(sum.w[j], n);
    m.bias = avg(sum.bias, n);
  }
  return m;
}

// ADMM: every DPU runs a local epoch with the proximal term (w + u_i - z) >> (lr + reg); the host
// averages w, soft-thresholds w_avg + u_avg by tau = 2^(alpha - reg) / N into z, and u_i += w_i -
// z. Reports w_avg.
inline Model admm(const Data& d, const Rule& rule, const AlgorithmSettings& s, int epochs) {
  const int n = dpus_of(d);
  const I64 tau = (kOne >> (s.reg_shift - s.alpha)) / n;
  std::vector<Model> w(static_cast<size_t>(n), Model(d.weights)), u = w;
  std::vector<std::vector<I64>> uz(static_cast<size_t>(n),
                                   std::vector<I64>(static_cast<size_t>(d.weights), 0));
  Model w_avg(d.weights);
  auto soft = [&](I64 t) { return std::abs(t) <= tau ? 0 : sat(t < 0 ? t + tau : t - tau); };
  for (int e = 0; e < epochs; ++e) {
    const int steps = d.rows_per_dpu / static_cast<int>(s.rows_per_dpu_step);
    for (int i = 0; i < n; ++i)
      local_steps(w[static_cast<size_t>(i)], d, rule, s, i * d.rows_per_dpu, steps,
                  &uz[static_cast<size_t>(i)]);
    Model z(d.weights);
    auto average = [&](auto get) {
      I64 sum = 0;
      for (int i = 0; i < n; ++i) sum += get(static_cast<size_t>(i));
      return avg(sum, n);
    };
    for (size_t j = 0; j < z.w.size(); ++j) {
      w_avg.w[j] = average([&](size_t i) { return w[i].w[j]; });
      z.w[j] = soft(sat(w_avg.w[j] + average([&](size_t i) { return u[i].w[j]; })));
    }
    w_avg.bias = average([&](size_t i) { return w[i].bias; });
    z.bias = soft(sat(w_avg.bias + average([&](size_t i) { return u[i].bias; })));
    for (size_t i = 0; i < static_cast<size_t>(n); ++i) {
      for (size_t j = 0; j < z.w.size(); ++j) {
        u[i].w[j] = sat(u[i].w[j] + (w[i].w[j] - z.w[j]));
        uz[i][j] = sat(u[i].w[j] - z.w[j]);
      }
      u[i].bias = sat(u[i].bias + (w[i].bias - z.bias));
    }
  }
  return w_avg;
}

// The real run's weights and bias equal the replay's, entry by entry, and the replay trained
// something.
template <class Weight, class Bias, class Ref>
void expect_same(const std::pair<std::vector<Weight>, Bias>& real, const Ref& ref) {
  ASSERT_EQ(real.first.size(), ref.w.size());
  int moved = 0;
  for (size_t j = 0; j < ref.w.size(); ++j) {
    EXPECT_EQ(real.first[j], ref.w[j]) << "weight " << j;
    moved += ref.w[j] != 0;
  }
  EXPECT_EQ(real.second, ref.bias) << "bias";
  EXPECT_GT(moved, 0) << "the replay must train something";
}

// The production side: `rounds` rounds of the real algorithm on a server of data.dpus DPUs holding
// `data`'s rows [first_row, first_row + dpus x rows_per_dpu), in `cluster`; its reported weights
// and bias.
template <class Num>
std::pair<std::vector<typename Num::Weight>, typename Num::Wide> run_real(
    AlgorithmKind kind, const Rule& rule, const AlgorithmSettings& s, const Data& data, int rounds,
    Cluster& cluster, int first_row = 0) {
  const Algorithm& algorithm = Algorithm::of(kind);
  const HardwareSpec hw = test::small_hardware();
  const ServerLayout layout{
      data.sparse, data.dpus, static_cast<uint64_t>(data.rows_per_dpu),
      static_cast<uint64_t>(data.features),
      model_weights(data.sparse, static_cast<uint64_t>(data.features), hw.dpu)};
  KernelConfig k;
  k.model = rule.svm ? ModelKind::kSvm : ModelKind::kLr;
  k.class_weights = rule.class_weights;
  k.lr_shift = s.lr_shift;
  k.decay_shift = s.lr_shift + s.reg_shift;
  k.batch_log2 = s.batch_log2;
  PimServer<Num> server(hw, test::small_host(), layout, algorithm.dpu_models(), k, 1);
  ServerData<Num> in;
  const int rows = data.dpus * data.rows_per_dpu;
  for (int r = first_row; r < first_row + rows; ++r) {
    const size_t i = static_cast<size_t>(r);
    if (data.sparse) {
      if (in.offsets.empty()) in.offsets.push_back(0);
      in.indices.insert(in.indices.end(), data.idx[i].begin(), data.idx[i].end());
      in.offsets.push_back(in.indices.size());
    } else {
      for (uint32_t v : data.x[i]) {
        if constexpr (Num::kFloat) {
          in.x.push_back(q31_to_float(v));
        } else {
          in.x.push_back(v);
        }
      }
    }
    in.y.push_back(data.y[i]);
  }
  server.load(std::move(in));
  Trainer<Num> a(algorithm, server, cluster, test::small_network(), s);
  for (int r = 0; r < rounds; ++r) a.round(static_cast<uint64_t>(r) % s.rounds_per_epoch);
  return {std::vector<typename Num::Weight>(a.weights().begin(), a.weights().end()), a.bias()};
}

}  // namespace pimscale::replay
