// The CPU model (src/devices/cpu_model.h): a sparse step's listed entries and mispredicted tests
// against their closed forms, and what the measured sweep and touch costs add to a round, restated
// by hand on a made-up CPU.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "comm/collective_cost.h"
#include "src/algorithms/algorithm.h"
#include "src/config/presets.h"
#include "src/devices/cpu_model.h"
#include "src/devices/cpu_trainer.h"

namespace pimscale {
namespace {

TEST(CpuModel, OneGroupOfFeaturesHasTheClosedForms) {
  // 1,000 rows x 30 draws over 10,000 features: D = 3 >= ln 2, so the misses are n (ln 2 - e^-D).
  const double n = 10000, d = 3;
  const StepTouches t = touches_per_step(1000, 30, 0, n);
  EXPECT_NEAR(t.listed, 1 + n * (1 - std::exp(-d)), 1e-9 * n);
  // Midpoint rule with 1,024 points over a function whose slope jumps once (at ln 2): 1e-6 of
  // the total here; the bound allows 1e-5.
  EXPECT_NEAR(t.mispredicted, n * (std::log(2.0) - std::exp(-d)), 1e-5 * n * std::log(2.0));
  // Few draws over many features: every draw is new (listed) and almost none is mispredicted.
  const StepTouches few = touches_per_step(1, 10, 0, 1e9);
  EXPECT_NEAR(few.listed, 11, 1e-6);
  EXPECT_LT(few.mispredicted, 1e-6);
}

TEST(CpuModel, HotFeaturesAreListedOnceAndMixTheTests) {
  // Half the draws on the top 1% (100 features), soon all listed; the other half over 9,900
  // features, almost all new: p falls from 1 to just under 0.5, and about 40% of the 1,000 draws
  // are mispredicted, not the 8% each group alone would give (the predictor sees the mixture).
  const StepTouches t = touches_per_step(10, 100, 0.5, 10000);
  EXPECT_NEAR(t.listed, 1 + 100 * (1 - std::exp(-500.0 / 100)) + 9900 * -std::expm1(-500.0 / 9900),
              1e-9);
  // 405.128: the same integral by a 10^6-point midpoint rule (Python, outside this model's code).
  EXPECT_NEAR(t.mispredicted, 405.128, 0.01);
}

CpuSpec round_cpu() {
  CpuSpec c;
  c.name = "round";
  c.cores = 4;
  c.core_bandwidth_gbps = 10;
  c.memory_bandwidth_gbps = 40;
  c.dense_efficiency = 0.5;
  c.l2_bytes = 1 << 20;
  c.cache_bytes = 32 << 20;
  c.sparse_l2_ns = 2;
  c.sparse_llc_ns = 10;
  c.sparse_memory_ns = 50;
  c.row_ns = 20;
  c.svm_row_ns = 20;
  c.sparse_gather_share = 0.25;
  c.vector_l2_gbps = 100;
  c.vector_llc_gbps = 50;
  c.fork_join_us = 10;
  c.sparse_ns_at.fill(3);
  c.vector_gbps_at.fill(100);
  return c;
}

double host_compute(const RunSetup& s, const CpuSpec& c, const CpuWork& w) {
  return cpu_round_time(s, c, w, NetworkSpec{})
      .time[static_cast<int>(Phase::kHostCompute)]
      .seconds();
}

// Sparse GA-SGD LR at batch 64 with one worker a server (sparse 100,000 features, 39 non-zeros a
// row), on servers of these shares.
RunSetup sparse_ga_sgd(std::vector<int64_t> shares) {
  TrainConfig cfg;
  cfg.algorithm = AlgorithmKind::kGaSgd;
  cfg.batch = 64;
  cfg.dpus_per_server = 1;
  cfg.numerics = Numerics::kFloat;
  const DataShape shape{"t", true, 100000, 6400, 16, 39};
  return make_setup(cfg, shape, load_server_preset("upmem-2560-v1a").hardware, std::move(shares),
                    0);
}

TEST(CpuModel, SweepAndTouchCostsAddWhatTheyPrice) {
  // GA-SGD LR on one thread and one worker: a round is one step of 64 rows x 39 non-zeros.
  const RunSetup s = sparse_ga_sgd({1});
  ASSERT_EQ(s.settings.rows_per_dpu_step, 64u);
  const CpuWork w{1, 1, 39, 1, 0};
  const CpuSpec base = round_cpu();
  // One more ns a non-zero at every working set: 64 x 39 ns more (LR scatters every non-zero).
  CpuSpec slower = base;
  for (double& ns : slower.sparse_ns_at) ns += 1;
  constexpr double kPs = 2e-12;  // two phases' whole picoseconds
  EXPECT_NEAR(host_compute(s, slower, w) - host_compute(s, base, w), 64 * 39 * 1e-9, kPs);
  // A first touch's and a misprediction's cost: the step's listed entries and mispredicted tests.
  CpuSpec touches = base;
  touches.sparse_first_touch_ns = 1;
  touches.sparse_mispredict_ns = 10;
  const StepTouches t = touches_per_step(64, 39, 0, static_cast<double>(s.layout.weights));
  EXPECT_NEAR(host_compute(s, touches, w) - host_compute(s, base, w),
              (t.listed + 10 * t.mispredicted) * 1e-9, kPs);
}

TEST(CpuModel, NetworkIsTheMpiLibrarysAllreduceAndBarrier) {
  // Two servers: the CPU trainer calls MPI_Barrier and MPI_Allreduce, priced as the preset's
  // fitted.mpi prices the library's all-reduce (here slower than the links'), not as the
  // all-reduce the PIM runs are given.
  const RunSetup s = sparse_ga_sgd({1, 1});
  ASSERT_EQ(s.servers, 2);
  NetworkSpec net = load_network_preset("25gbe");
  net.allreduce = CollectiveAlgorithm::kRing;
  net.fitted[CollectiveAlgorithm::kMpi] = {10, 30, 2};  // Gb/s, us, GB/s
  const auto mpi = [&](uint64_t bytes) {
    return collective_time(Collective::kAllreduce, CollectiveAlgorithm::kMpi, bytes, 2, net);
  };
  const uint64_t message = cpu_allreduce_bytes(s);
  const PhaseLedger round = cpu_round_time(s, round_cpu(), CpuWork{1, 1, 39, 1, 0}, net);
  EXPECT_EQ(round.time[static_cast<int>(Phase::kNetwork)].value,
            (mpi(message) + mpi(sizeof(float))).value);
  EXPECT_GT(mpi(message).value, allreduce_time(message, 2, net).value);
}

TEST(CpuModel, EverySweepPointHasItsPresetKeys) {
  // microbench writes cpu.sparse_ns_at_<name> and cpu.vector_gbps_at_<name> for each point; the
  // preset table must declare each (an undeclared key is refused, a missing one would read 0).
  std::set<std::string> keys;
  for (const Param<CpuSpec>& p : cpu_params()) keys.insert(p.key);
  for (const char* name : kCpuSweepNames) {
    EXPECT_TRUE(keys.count(std::string("cpu.sparse_ns_at_") + name)) << name;
    EXPECT_TRUE(keys.count(std::string("cpu.vector_gbps_at_") + name)) << name;
  }
  EXPECT_EQ(kCpuSweepNames.size(), kCpuSweepBytes.size());
}

}  // namespace
}  // namespace pimscale
