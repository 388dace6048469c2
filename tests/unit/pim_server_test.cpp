// One server's clock: the DPU phase is the slowest DPU's time (sparse load imbalance shows), and
// the count-only mode charges exactly what running the kernels charges.
#include <gtest/gtest.h>

#include "node/pim_server.h"
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

}  // namespace
}  // namespace pimscale
