// The independent replay of tests/support/replay.h on real ranks: every rank is a server of 2 DPUs
// holding its own rows, the sums cross ranks through the real all-reduce, and every rank's model
// must equal the replay of the whole cluster, weight by weight (GA-SGD where the cluster's DPU
// count is a power of two, MA-SGD and ADMM at every rank count; LR and SVM; dense and sparse).
#include <gtest/gtest.h>

#include "tests/support/replay.h"

namespace pimscale {
namespace {

using replay::Data;
using replay::Rule;

Cluster world() { return Cluster(boost::mpi::communicator()); }

// `servers` x 2 DPUs x 2 rows: dense rows of 8 features from a fixed hash, or sparse rows of 1-4
// of 12.
Data cluster_rows(int servers, bool sparse) {
  Data d;
  d.sparse = sparse;
  d.features = sparse ? 12 : 8;
  d.weights = static_cast<int>(
      model_weights(sparse, static_cast<uint64_t>(d.features), test::small_hardware().dpu));
  d.dpus = 2;
  d.rows_per_dpu = 2;
  for (int r = 0; r < servers * 4; ++r) {
    const uint32_t h = static_cast<uint32_t>(r + 1) * 2654435761u;
    if (sparse) {
      std::vector<uint32_t> idx;
      for (uint32_t k = 0; k <= h % 4; ++k) idx.push_back((h >> (4 * k + 3)) % 12);
      std::sort(idx.begin(), idx.end());
      idx.erase(std::unique(idx.begin(), idx.end()), idx.end());
      d.idx.push_back(idx);
    } else {
      std::vector<uint32_t> x(static_cast<size_t>(d.weights), 0);
      for (int j = 0; j < 8; ++j)
        x[static_cast<size_t>(j)] = (h * static_cast<uint32_t>(j + 7)) >> 1;
      d.x.push_back(x);
    }
    d.y.push_back(static_cast<uint8_t>((h >> 9) & 1));
  }
  return d;
}

class ReplayOnRanks : public testing::TestWithParam<std::tuple<bool, bool>> {};  // SVM, sparse

TEST_P(ReplayOnRanks, EveryRankHoldsTheReplayedModel) {
  const auto [svm, sparse] = GetParam();
  Cluster cluster = world();
  const int servers = cluster.size();
  const int64_t n = 2 * servers;
  const Data d = cluster_rows(servers, sparse);
  const Rule rule{svm, false, 2};
  const int first = cluster.rank() * 4;
  const AlgorithmSettings ma{1, 2, 0, 2, 3, 0, n}, ad{1, 1, 0, 2, 3, 1, n};
  replay::expect_same(
      replay::run_real<FixedQ31>(AlgorithmKind::kMaSgd, rule, ma, d, 3, cluster, first),
      replay::ma_sgd(d, rule, ma, 3));
  replay::expect_same(
      replay::run_real<FixedQ31>(AlgorithmKind::kAdmm, rule, ad, d, 2, cluster, first),
      replay::admm(d, rule, ad, 2));
  if ((n & (n - 1)) == 0) {  // GA-SGD: a global batch of one row per DPU, a power of two
    int log2n = 0;
    while ((int64_t{1} << log2n) < n) ++log2n;
    const AlgorithmSettings ga{1, 2, log2n, 2, 3, 0, n};
    replay::expect_same(
        replay::run_real<FixedQ31>(AlgorithmKind::kGaSgd, rule, ga, d, 3, cluster, first),
        replay::ga_sgd(d, rule, ga, 3));
  }
}

INSTANTIATE_TEST_SUITE_P(LrSvmDenseSparse, ReplayOnRanks,
                         testing::Combine(testing::Bool(), testing::Bool()));

}  // namespace
}  // namespace pimscale
