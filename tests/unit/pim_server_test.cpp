// One server's clock: the DPU phase is the slowest DPU's time (sparse load imbalance shows), and
// the count-only mode charges exactly what running the kernels charges; the host's sums of the
// DPUs' held entries.
#include <gtest/gtest.h>

#include "node/dpu_sums.h"
#include "node/pim_server.h"
#include "pim_emul/exp_table.h"
#include "pim_emul/kernels.h"
#include "pim_emul/transfer_cost.h"
#include "tests/support/specs.h"

namespace pimscale {
namespace {

// 2 DPUs x 4 sparse rows; DPU 0's rows have 3 non-zeros, DPU 1's have 9.
std::vector<uint64_t> imbalanced_offsets() {
  std::vector<uint64_t> off = {0};
  for (int r = 0; r < 8; ++r) off.push_back(off.back() + (r < 4 ? 3 : 9));
  return off;
}

KernelConfig svm() {
  KernelConfig k;
  k.model = ModelKind::kSvm;
  k.batch_log2 = 2;
  return k;
}

TEST(PimServer, TheSlowestDpuSetsTheDpuPhase) {
  const HardwareSpec hw = test::small_hardware();
  const HostSpec host = test::small_host();
  const ServerLayout layout{true, 2, 4, 100, model_weights(true, 100, hw.dpu)};
  PimServer<FixedQ31> server(hw, host, layout, DpuModels::kShared, svm(), 1,
                             ServerMode::kCountOnly);
  const std::vector<uint64_t> off = imbalanced_offsets();
  server.load_shape(off, 0);
  server.launch_gradient(0, 4);

  DpuCounts light, heavy;
  count_gradient<FixedQ31>({true, layout.weights, off.data(), 0}, 0, 4, svm(), hw.dpu, light);
  count_gradient<FixedQ31>({true, layout.weights, off.data() + 4, 0}, 0, 4, svm(), hw.dpu, heavy);
  const DpuTime slow = dpu_time(heavy, 16, hw.dpu), fast = dpu_time(light, 16, hw.dpu);
  ASSERT_GT(slow.total().value, fast.total().value);
  const PhaseLedger& l = server.ledger();
  EXPECT_EQ(l.time[static_cast<int>(Phase::kDpuCompute)].value,
            (launch_time(hw.transfer) + slow.compute).value);
  EXPECT_EQ(l.time[static_cast<int>(Phase::kDpuDma)].value, slow.dma.value);
}

TEST(PimServer, CountOnlyChargesWhatTheKernelsCharge) {
  const HardwareSpec hw = test::small_hardware();
  const HostSpec host = test::small_host();
  const ServerLayout layout{true, 2, 4, 100, model_weights(true, 100, hw.dpu)};
  ServerData<FixedQ31> data;
  data.offsets = imbalanced_offsets();
  for (uint64_t k = 0; k < data.offsets.back(); ++k)
    data.indices.push_back(static_cast<uint32_t>((k * 7) % 100));
  data.y = {1, 0, 1, 1, 0, 0, 1, 0};
  PimServer<FixedQ31> run(hw, host, layout, DpuModels::kPerDpuWithProx, svm(), 1);
  PimServer<FixedQ31> dry(hw, host, layout, DpuModels::kPerDpuWithProx, svm(), 1,
                          ServerMode::kCountOnly);
  run.load(data);
  dry.load_shape(data.offsets, 0);
  const uint64_t model =
      footprint::model_bytes(true, layout.weights, footprint::words_of<FixedQ31>());
  for (PimServer<FixedQ31>* s : {&run, &dry}) {
    s->push_own_models_and_prox(model, 2);
    s->launch_local_steps(0, 1);
    s->pull_models(model);
  }
  EXPECT_EQ(run.startup().value, dry.startup().value);
  for (int p = 0; p < kPhaseCount; ++p) {
    EXPECT_EQ(run.ledger().time[p].value, dry.ledger().time[p].value)
        << phase_name(static_cast<Phase>(p));
    EXPECT_EQ(run.ledger().bytes[p], dry.ledger().bytes[p]) << phase_name(static_cast<Phase>(p));
  }
}

// LR: the kernels leave the counting to the server, which counts each launch once and charges it
// again from what it kept: every launch, new or repeated (another epoch), charges what counting it
// afresh (count-only) charges, GA-SGD's gradients and MA-SGD's steps alike.
TEST(PimServer, LrLaunchesCountedOnceChargeWhatCountingEachCharges) {
  const HardwareSpec hw = test::small_hardware();
  const HostSpec host = test::small_host();
  const ServerLayout layout{true, 2, 4, 100, model_weights(true, 100, hw.dpu)};
  ServerData<FixedQ31> data;
  data.offsets = {0, 3, 8, 11, 18, 27, 36, 38, 47};  // rows of 3, 5, 3, 7 and 9, 9, 2, 9 non-zeros
  for (uint64_t k = 0; k < data.offsets.back(); ++k)
    data.indices.push_back(static_cast<uint32_t>((k * 7) % 100));
  data.y = {1, 0, 1, 1, 0, 0, 1, 0};
  KernelConfig lr;
  lr.batch_log2 = 1;
  lr.decay_shift = 12;
  const std::vector<int32_t> w(layout.weights, 1 << 20);
  for (const DpuModels models : {DpuModels::kShared, DpuModels::kPerDpu}) {
    PimServer<FixedQ31> run(hw, host, layout, models, lr, 1);
    PimServer<FixedQ31> dry(hw, host, layout, models, lr, 1, ServerMode::kCountOnly);
    run.load(data);
    dry.load_shape(data.offsets, 0);
    // Two epochs of two launches, then launches of another length.
    const std::vector<std::pair<uint64_t, uint64_t>> launches = {{0, 2}, {2, 2}, {0, 2},
                                                                 {2, 2}, {0, 4}, {0, 4}};
    for (const auto& [first, count] : launches) {
      for (PimServer<FixedQ31>* s : {&run, &dry}) {
        s->push_model(w.data(), 0, 0);
        if (models == DpuModels::kShared)
          s->launch_gradient(first, count);
        else
          s->launch_local_steps(first, count / 2);
      }
      for (int p = 0; p < kPhaseCount; ++p) {
        EXPECT_EQ(run.ledger().time[p].value, dry.ledger().time[p].value)
            << phase_name(static_cast<Phase>(p)) << " after rows " << first << "+" << count;
        EXPECT_EQ(run.ledger().bytes[p], dry.ledger().bytes[p])
            << phase_name(static_cast<Phase>(p));
      }
      EXPECT_EQ(run.rows_run(), dry.rows_run());
      EXPECT_EQ(run.rows_active(), dry.rows_active());
    }
    EXPECT_GT(run.ledger().time[static_cast<int>(Phase::kDpuCompute)].value, 0);
  }
}

// Dense integer rows: each thread sums its DPUs' gradients (GA-SGD) or models after their steps
// (MA-SGD, ADMM) as it runs them (PimServer's thread_sums_); the pulls give, at 1 and 3 threads,
// exactly the sums of every DPU's gradient from the kernel itself and of every DPU's model in
// dpu_models().
TEST(PimServer, DenseIntegerSumsEqualTheSumsOfEveryDpusVector) {
  const HardwareSpec hw = test::small_hardware();
  const HostSpec host = test::small_host();
  const ServerLayout layout{false, 5, 8, 20, model_weights(false, 20, hw.dpu)};
  const uint64_t n = layout.weights;
  ServerData<FixedQ31> data;
  uint32_t seed = 12345;
  auto next = [&] { return seed = seed * 1664525u + 1013904223u; };
  data.x.resize(5 * 8 * n);
  for (uint32_t& x : data.x) x = next() >> 1;  // features in [0, 1) as Q0.32 halves
  for (int r = 0; r < 5 * 8; ++r) data.y.push_back(static_cast<uint8_t>(next() >> 31));
  std::vector<int32_t> w(n);
  for (int32_t& v : w) v = static_cast<int32_t>(next()) >> 6;
  const int64_t bias = -(int64_t{1} << 24);
  for (const ModelKind model : {ModelKind::kLr, ModelKind::kSvm}) {
    KernelConfig cfg = svm();
    cfg.model = model;
    cfg.lr_shift = 3;
    cfg.decay_shift = 10;
    ExpTable table;
    if (model == ModelKind::kLr) cfg.exp = &table;
    // GA-SGD: rows [4, 8) of every DPU.
    std::vector<int64_t> expected(n + 1, 0);
    std::vector<int32_t> g(n);
    for (int64_t d = 0; d < layout.dpus; ++d) {
      const DenseShard<FixedQ31> shard{data.x.data() + d * 8 * n, data.y.data() + d * 8, 8, n};
      int64_t g_bias = 0;
      DpuCounts counts;
      dense_gradient<FixedQ31>(shard, w.data(), bias, 4, 4, cfg, hw.dpu, g.data(), &g_bias, counts,
                               nullptr);
      for (uint64_t j = 0; j < n; ++j) expected[j] += g[j];
      expected[n] += g_bias;
    }
    for (const int threads : {1, 3}) {
      PimServer<FixedQ31> ga(hw, host, layout, DpuModels::kShared, cfg, threads);
      ga.load(data);
      ga.push_model(w.data(), bias, 0);
      ga.launch_gradient(4, 4);
      std::vector<int64_t> sums(n + 1, 99);
      ga.pull_gradient_sums(sums.data(), 0);
      EXPECT_EQ(sums, expected) << threads << " threads";
      // MA-SGD: the DPUs' models are summed as their last step makes them and never written;
      // the sums equal those of ADMM's models after the same steps with u_i - z = 0 (its decay
      // term is then MA-SGD's), which it keeps in dpu_models(). One step, then two from another
      // pushed model; each pulled twice.
      PimServer<FixedQ31> ma(hw, host, layout, DpuModels::kPerDpu, cfg, threads);
      PimServer<FixedQ31> kept(hw, host, layout, DpuModels::kPerDpuWithProx, cfg, threads);
      ma.load(data);
      kept.load(data);
      for (const auto& [first, steps] : {std::pair<uint64_t, uint64_t>{4, 1}, {0, 2}}) {
        std::vector<int32_t> pushed = w;
        pushed[first] += 1 << 16;
        ma.push_model(pushed.data(), bias, 0);
        for (DpuModel<FixedQ31>& m : kept.dpu_models()) {
          std::copy(pushed.begin(), pushed.end(), m.w.begin());
          std::fill(m.prox.begin(), m.prox.end(), 0);
          m.bias = bias;
        }
        ma.launch_local_steps(first, steps);
        kept.launch_local_steps(first, steps);
        std::vector<int64_t> models(n + 1, 0);
        for (const DpuModel<FixedQ31>& m : kept.dpu_models()) {
          for (uint64_t j = 0; j < n; ++j) models[j] += m.w[j];
          models[n] += m.bias;
        }
        ASSERT_NE(models[0], int64_t{5} * pushed[0]);  // the steps moved the models
        for (int pull = 0; pull < 2; ++pull) {
          std::fill(sums.begin(), sums.end(), 99);
          ma.pull_model_sums(sums.data(), 0);
          EXPECT_EQ(sums, models) << threads << " threads, rows from " << first << ", pull "
                                  << pull;
        }
      }
      EXPECT_THROW(ma.launch_local_steps(0, 1), std::logic_error);  // no model pushed
      // ADMM: the sums of w_i as the steps leave them, until the next launch or push (then the
      // caller sums dpu_models()).
      PimServer<FixedQ31> admm(hw, host, layout, DpuModels::kPerDpuWithProx, cfg, threads);
      admm.load(data);
      for (DpuModel<FixedQ31>& m : admm.dpu_models()) {
        std::copy(w.begin(), w.end(), m.w.begin());
        std::fill(m.prox.begin(), m.prox.end(), 1 << 20);
      }
      admm.launch_local_steps(0, 2);
      std::vector<int64_t> models(n, 0);
      for (const DpuModel<FixedQ31>& m : admm.dpu_models()) {
        for (uint64_t j = 0; j < n; ++j) models[j] += m.w[j];
      }
      std::vector<int64_t> from_threads(n, 99);
      ASSERT_TRUE(admm.sum_models_from_threads(from_threads.data()));
      EXPECT_EQ(from_threads, models) << threads << " threads";
      std::fill(from_threads.begin(), from_threads.end(), 99);
      ASSERT_TRUE(admm.sum_models_from_threads(from_threads.data()));  // until a launch or push
      EXPECT_EQ(from_threads, models);
      EXPECT_FALSE(ga.sum_models_from_threads(from_threads.data()));  // gradients, not models
      admm.push_model(w.data(), 0, 0);
      EXPECT_FALSE(admm.sum_models_from_threads(from_threads.data()));
    }
  }
}

// MA-SGD's one-server sums of sparse DPU models: at every entry a DPU holds, the sum of every
// DPU's full model (the base where it holds none), whatever the order of holders, from the base or
// from the base's values a DPU lists beside its entries; the other entries are left as they were;
// a second round over the same sums gives the same.
TEST(DpuSums, HeldSumsEqualTheFullModelsSums) {
  const std::vector<int32_t> base = {5, -7, 2147483647, -2147483647, 0, 11};
  const std::vector<std::vector<uint32_t>> index = {{2, 0}, {}, {0, 3, 2}, {5}};
  const std::vector<std::vector<int32_t>> w = {{-3, 9}, {}, {4, 2147483647, -1}, {-11}};
  std::vector<int64_t> full(base.size(), 0);
  for (size_t d = 0; d < index.size(); ++d) {
    std::vector<int32_t> model = base;
    for (size_t k = 0; k < index[d].size(); ++k) model[index[d][k]] = w[d][k];
    for (size_t j = 0; j < base.size(); ++j) full[j] += model[j];
  }
  // DPU 2 also lists the base's values at its entries (DpuModel::after); the others do not.
  std::vector<std::vector<int32_t>> after(index.size());
  for (const uint32_t j : index[2]) after[2].push_back(base[j]);
  std::vector<int64_t> sums(base.size(), 99);
  std::vector<uint32_t> listed;
  for (int round = 0; round < 2; ++round) {
    sum_held_over_dpus<FixedQ31>(
        index.size(), base, [&](size_t d) -> const std::vector<uint32_t>& { return index[d]; },
        [&](size_t d) -> const std::vector<int32_t>& { return w[d]; },
        [&](size_t d) -> const std::vector<int32_t>& { return after[d]; }, sums.data(), listed);
    EXPECT_EQ(listed, (std::vector<uint32_t>{2, 0, 0, 3, 2, 5}));
    for (const uint32_t j : {0u, 2u, 3u, 5u}) EXPECT_EQ(sums[j], full[j]) << "entry " << j;
    EXPECT_EQ(sums[1], 99);
    EXPECT_EQ(sums[4], 99);
  }
  EXPECT_EQ(full[2], 2 * int64_t{2147483647} - 4);  // two holders, the base twice: beyond 32 bits
  // Every holder listing the base's values: the base itself is not read.
  for (const size_t d : {size_t{0}, size_t{3}}) {
    for (const uint32_t j : index[d]) after[d].push_back(base[j]);
  }
  const std::vector<int32_t> unread(base.size(), -12345);
  sum_held_over_dpus<FixedQ31>(
      index.size(), unread, [&](size_t d) -> const std::vector<uint32_t>& { return index[d]; },
      [&](size_t d) -> const std::vector<int32_t>& { return w[d]; },
      [&](size_t d) -> const std::vector<int32_t>& { return after[d]; }, sums.data(), listed);
  for (const uint32_t j : {0u, 2u, 3u, 5u}) EXPECT_EQ(sums[j], full[j]) << "entry " << j;
}

}  // namespace
}  // namespace pimscale
