// The algorithm objects: their recipes' byte counts (hand-computed from the transfer formats),
// their batch rules and messages, and the one table of kinds.
#include <gtest/gtest.h>

#include "src/algorithms/algorithm.h"
#include "src/algorithms/run_setup.h"
#include "src/base/error.h"

namespace pimscale {
namespace {

const footprint::WordSizes kFixed{4, 8};  // int32 weights, int64 sums
const footprint::WordSizes kFloat{4, 4};

const RoundOp& op(const Recipe& r, OpKind kind) {
  for (const RoundOp& o : r) {
    if (o.kind == kind) return o;
  }
  throw std::logic_error("no such operation");
}

TEST(Algorithm, OfReturnsTheObjectOfEachKind) {
  for (AlgorithmKind k : {AlgorithmKind::kGaSgd, AlgorithmKind::kMaSgd, AlgorithmKind::kAdmm}) {
    EXPECT_EQ(Algorithm::of(k).kind(), k);
    EXPECT_EQ(Algorithm::of(k).name(), name_of(k));
  }
  EXPECT_EQ(Algorithm::of(AlgorithmKind::kGaSgd).dpu_models(), DpuModels::kShared);
  EXPECT_EQ(Algorithm::of(AlgorithmKind::kMaSgd).dpu_models(), DpuModels::kPerDpu);
  EXPECT_EQ(Algorithm::of(AlgorithmKind::kAdmm).dpu_models(), DpuModels::kPerDpuWithProx);
}

TEST(Recipe, GaSgdDenseRoundMovesTheModelDownAndTheGradientUp) {
  // 4 DPUs, 64 weights, fixed point: model = gradient = 64 x 4 + 8 (bias) = 264 B; sums = 65 x 8 =
  // 520 B.
  const ServerLayout layout{false, 4, 32, 60, 64};
  AlgorithmSettings s;
  s.rows_per_dpu_step = 2;
  s.share = 3;
  const Recipe r = Algorithm::of(AlgorithmKind::kGaSgd).recipe(layout, s, kFixed);
  ASSERT_EQ(r.size(), 6u);
  EXPECT_EQ(r[0].kind, OpKind::kPushModel);
  EXPECT_EQ(r[0].bytes, 264u);
  EXPECT_EQ(op(r, OpKind::kLaunchGradient).count, 6u);  // 2 rows per DPU step x share 3
  EXPECT_EQ(op(r, OpKind::kLaunchGradient).first_row_of(2), 12u);
  EXPECT_EQ(op(r, OpKind::kPullGradients).bytes, 264u);
  EXPECT_EQ(op(r, OpKind::kHostReduce).bytes, 4u * 264 + 520);  // read 4 gradients, write the sums
  EXPECT_EQ(op(r, OpKind::kAllReduce).bytes, 520u);
  EXPECT_EQ(op(r, OpKind::kHostUpdate).bytes, 520u + 2 * 64 * 4);  // read sums and w, write w
}

TEST(Recipe, MaSgdSparseGradientIsOneWideEntryPerWeightButItPullsModels) {
  // Sparse, 2,048 weights (bias inside), fixed: model = 2,048 x 4 = 8,192 B; sums 2,049 x 8 =
  // 16,392 B.
  const ServerLayout layout{true, 2, 64, 2047, 2048};
  AlgorithmSettings s;
  s.rows_per_dpu_step = 8;
  s.share = 1;
  const Recipe r = Algorithm::of(AlgorithmKind::kMaSgd).recipe(layout, s, kFixed);
  EXPECT_EQ(op(r, OpKind::kPushModel).bytes, 8192u);
  EXPECT_EQ(op(r, OpKind::kLaunchLocalSteps).count, 1u);
  EXPECT_EQ(op(r, OpKind::kLaunchLocalSteps).rows_read, 8u);
  EXPECT_EQ(op(r, OpKind::kPullModelSums).bytes, 8192u);
  EXPECT_EQ(op(r, OpKind::kHostReduce).bytes, 2u * 8192 + 16392);
  EXPECT_EQ(op(r, OpKind::kAllReduce).bytes, 16392u);
  EXPECT_EQ(op(r, OpKind::kHostUpdate).bytes, 16392u + 2048 * 4);
}

TEST(Recipe, AdmmPushesTwoModelsPullsOneAndAllReducesTwoVectors) {
  // Float, dense, 3 DPUs of 40 rows at b = 8: 5 local steps; model = 16 x 4 + 4 = 68 B; sums 17 x 4
  // = 68 B.
  const ServerLayout layout{false, 3, 40, 16, 16};
  AlgorithmSettings s;
  s.rows_per_dpu_step = 8;
  const Recipe r = Algorithm::of(AlgorithmKind::kAdmm).recipe(layout, s, kFloat);
  EXPECT_EQ(op(r, OpKind::kPushOwnModels).bytes, 68u);
  EXPECT_EQ(op(r, OpKind::kPushOwnModels).copies, 2u);
  EXPECT_EQ(op(r, OpKind::kLaunchLocalSteps).count, 5u);
  EXPECT_TRUE(op(r, OpKind::kLaunchLocalSteps).prox);
  EXPECT_EQ(op(r, OpKind::kLaunchLocalSteps).row_stride, 0u);  // every epoch is the whole shard
  EXPECT_EQ(op(r, OpKind::kPullModels).bytes, 68u);
  EXPECT_EQ(op(r, OpKind::kAllReduce).bytes, 2u * 68);
  // Sum w_i and u_i, update u_i and u_i - z: 6 passes over 3 x 16 weights, the sums, 3 passes over
  // z.
  EXPECT_EQ(op(r, OpKind::kHostUpdate).bytes, 3u * 16 * 4 * 6 + 136 + 3 * 16 * 4);
  for (const RoundOp& o : r) EXPECT_NE(o.kind, OpKind::kHostReduce);
}

TEST(StepRule, GaSgdSplitsTheGlobalBatchAndRefusesWhatTheDpusCannotShare) {
  const Algorithm& ga = Algorithm::of(AlgorithmKind::kGaSgd);
  const StepRule r = ga.step_rule({1024, 16, 2, 8, 2, ""});
  EXPECT_EQ(r.rows_per_dpu_step, 64u);
  EXPECT_EQ(r.batch_log2, 10);
  try {
    ga.step_rule({40, 16, 2, 8, 2, ""});
    FAIL() << "40 rows over 16 DPUs";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("not a multiple of the 16 DPUs"), std::string::npos)
        << e.what();
  }
  // Shares 1,2 on 2 servers: a round's batch is 64 x 3 / 2 = 96, not a power of two.
  EXPECT_THROW(ga.step_rule({64, 4, 2, 2, 3, "1,2"}), InputError);
  // MA-SGD and ADMM: the batch is each DPU's own.
  const StepRule m = Algorithm::of(AlgorithmKind::kMaSgd).step_rule({64, 4, 2, 2, 3, "1,2"});
  EXPECT_EQ(m.rows_per_dpu_step, 64u);
  EXPECT_EQ(m.batch_log2, 6);
  EXPECT_EQ(Algorithm::of(AlgorithmKind::kAdmm).rounds_per_epoch(37), 1u);
  EXPECT_EQ(Algorithm::of(AlgorithmKind::kMaSgd).rounds_per_epoch(37), 37u);
}

TEST(HostMemory, AdmmHoldsModelsProxAndHostStatePerDpu) {
  // Dense, 4 DPUs x 2,048 weights, fixed point, 2 threads: every DPU holds its whole model.
  const ServerLayout dense{false, 4, 16, 2048, 2048};
  const std::vector<HostMemoryItem> server =
      server_memory(dense, DpuModels::kPerDpuWithProx, kFixed, 2, 0);
  ASSERT_EQ(server.size(), 4u);
  EXPECT_EQ(server[0].bytes, 4u * (2048 * 4 + 8));  // per-DPU models and biases
  EXPECT_EQ(server[1].bytes, 4u * 2048 * 4);        // u_i - z
  EXPECT_EQ(server[2].bytes, 2u * 2048 * 4);        // per thread: the int32 gradient scratch
  EXPECT_EQ(server[3].bytes, 2u * 2048 * 8);        // per thread: int64 sums of its DPUs' models
  const std::vector<HostMemoryItem> admm =
      Algorithm::of(AlgorithmKind::kAdmm).host_memory(dense, kFixed, 0);
  ASSERT_EQ(admm.size(), 2u);
  EXPECT_EQ(admm[0].bytes, 4u * 2048 * 4 + 4 * 8);         // u_i and its biases
  EXPECT_EQ(admm[1].bytes, 2u * 2048 * 4 + 2 * 2049 * 8);  // w_avg, z; sums of w and u
  // Sparse: a shared base and the 100 entries the DPUs hold apart from it.
  const ServerLayout sparse{true, 4, 16, 2047, 2048};
  const std::vector<HostMemoryItem> held =
      server_memory(sparse, DpuModels::kPerDpuWithProx, kFixed, 2, 100);
  ASSERT_EQ(held.size(), 3u);  // fixed point sums over DPUs with no scratch of their own
  EXPECT_EQ(held[0].bytes, 2u * 2048 * 4);           // base w and u_i - z
  EXPECT_EQ(held[1].bytes, 100u * (4 + 8) + 4 * 8);  // index, w, u_i - z; biases
  EXPECT_EQ(held[2].bytes, 2u * 2048 * (8 + 4));     // per thread: int64 gradient and slot
  // Float groups the held entries by weight for its DPU-order sums: DPUs per entry, starts and
  // next positions per weight, a (DPU, position) pair per held entry.
  const std::vector<HostMemoryItem> held_float =
      server_memory(sparse, DpuModels::kPerDpuWithProx, {4, 4}, 2, 100);
  ASSERT_EQ(held_float.size(), 4u);
  EXPECT_EQ(held_float[2].bytes, 2049u * 4 + (2 * 2048 + 1) * 8 + 100 * 8);
  EXPECT_EQ(Algorithm::of(AlgorithmKind::kAdmm).host_memory(sparse, kFixed, 100)[0].bytes,
            (2048u + 100) * 4 + 4 * 8);
  // Dense GA-SGD: float keeps every DPU's gradient for the pull's DPU-order sums; fixed point a
  // gradient and its int64 sums per thread.
  const std::vector<HostMemoryItem> ga_float =
      server_memory(dense, DpuModels::kShared, {4, 4}, 2, 0);
  ASSERT_EQ(ga_float.size(), 1u);
  EXPECT_EQ(ga_float[0].bytes, 4u * 2048 * 4);
  const std::vector<HostMemoryItem> ga_fixed =
      server_memory(dense, DpuModels::kShared, kFixed, 2, 0);
  ASSERT_EQ(ga_fixed.size(), 2u);
  EXPECT_EQ(ga_fixed[0].bytes, 2u * 2048 * 4);
  EXPECT_EQ(ga_fixed[1].bytes, 2u * 2048 * 8);
  // GA-SGD keeps one model and no per-DPU state (sparse gradients are the batch's touched entries):
  // per thread, the gradient's wide (int64) entry per weight.
  const std::vector<HostMemoryItem> ga = server_memory(sparse, DpuModels::kShared, kFixed, 1, 0);
  ASSERT_EQ(ga.size(), 1u);
  EXPECT_EQ(ga[0].bytes, 2048u * 8);
}

TEST(HostMemory, HeldEntriesAreBoundedByEachLaunchsNonZeros) {
  // 2 DPUs x 4 rows; launches of 2 rows. DPU 0's rows have 3, 1, 5, 5 non-zeros (launches 4 and
  // 10), DPU 1's 0, 0, 1, 0 (0 and 1): at most 10 + 1 and 1 + 1 entries with the bias.
  const ServerLayout layout{true, 2, 4, 100, 128};
  const std::vector<uint64_t> offsets = {7, 10, 11, 16, 21, 21, 21, 22, 22};
  EXPECT_EQ(held_entries_bound(layout, offsets, 2), 11u + 2);
  EXPECT_EQ(held_entries_bound(layout, offsets, 4), 15u + 2);  // ADMM: the whole shard
  const ServerLayout small{true, 2, 4, 100, 8};                // never more than the model
  EXPECT_EQ(held_entries_bound(small, offsets, 4), 8u + 2);
}

TEST(HostMemory, TooLittleNamesTheLargestItemsAndTheMachine) {
  const std::vector<HostMemoryItem> mine = {{"a", 3u << 30}, {"b", 1u << 30}};
  EXPECT_NO_THROW(require_fits_host(mine, 8ull << 30, 2, 8ull << 30));
  try {
    require_fits_host(mine, 8ull << 30, 2, 6ull << 30);
    FAIL();
  } catch (const ResourceError& e) {
    EXPECT_STREQ(
        e.what(),
        "host memory: a rank needs 4.00 GiB (a 3.00 GiB, b 1.00 GiB), the 2 ranks on this machine "
        "8.00 GiB, but it has 6.00 GiB available; use fewer DPUs per server (--dpus-per-server), "
        "more machines, or --count-only for time alone");
  }
}

TEST(Regulariser, L2ForGradientMethodsL1ForAdmm) {
  const std::vector<double> w = {0.5, -0.25};
  AlgorithmSettings s;
  s.reg_shift = 2;
  s.alpha = 3;
  // (2^-2 / 2) (0.25 + 0.0625) = 0.0390625
  EXPECT_DOUBLE_EQ(Algorithm::of(AlgorithmKind::kGaSgd).regulariser(w, s), 0.0390625);
  // 2^(3 - 4) x 0.75 = 0.375
  EXPECT_DOUBLE_EQ(Algorithm::of(AlgorithmKind::kAdmm).regulariser(w, s), 0.375);
}

}  // namespace
}  // namespace pimscale
