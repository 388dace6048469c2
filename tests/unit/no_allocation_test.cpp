// "No allocation per round": a round run a second time (as every epoch repeats the last's rounds)
// allocates nothing on the heap: kernels on the thread pool, pulls, host sums, the MPI all-reduce
// and the update. (The first time, sparse MA-SGD and ADMM DPUs grow to hold the entries their rows
// read.)
#include <gtest/gtest.h>

#include <atomic>
#include <boost/mpi/communicator.hpp>
#include <cstdlib>
#include <new>

#include "src/algorithms/trainer.h"
#include "tests/support/specs.h"

// This file replaces the global operator new and delete with malloc and free, a matched pair. GCC
// 12 inlines the replacements and then reports free() on memory from new (-Wmismatched-new-delete),
// a false positive here.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace {
std::atomic<uint64_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace pimscale {
namespace {

// Rounds after the first of every algorithm, dense and sparse, allocate nothing.
class NoAllocation : public testing::TestWithParam<std::tuple<AlgorithmKind, bool>> {};

TEST_P(NoAllocation, RoundsAfterTheFirstDoNotAllocate) {
  const auto [kind, sparse] = GetParam();
  const Algorithm& algorithm = Algorithm::of(kind);
  const HardwareSpec hw = test::small_hardware();
  const HostSpec host = test::small_host();
  const NetworkSpec net = test::small_network();

  const uint64_t dpus = 4, rows = 8, features = 64;
  const ServerLayout layout{sparse, static_cast<int64_t>(dpus), rows, features,
                            model_weights(sparse, features, hw.dpu)};
  KernelConfig kernel;
  kernel.lr_shift = 4;
  kernel.decay_shift = 14;
  kernel.batch_log2 = 1;
  PimServer<FixedQ31> server(hw, host, layout, algorithm.dpu_models(), kernel, 2);
  ServerData<FixedQ31> data;
  data.y.resize(dpus * rows);
  for (size_t i = 0; i < data.y.size(); ++i) data.y[i] = i % 2;
  if (sparse) {
    data.offsets.push_back(0);
    for (uint64_t r = 0; r < dpus * rows; ++r) {
      for (uint32_t k = 0; k < 5; ++k)
        data.indices.push_back(static_cast<uint32_t>((r * 7 + k * 13) % features));
      data.offsets.push_back(data.indices.size());
    }
  } else {
    data.x.resize(dpus * rows * layout.weights);
    for (size_t i = 0; i < data.x.size(); ++i)
      data.x[i] = static_cast<uint32_t>(i * 2654435761u) >> 1;
  }
  server.load(std::move(data));
  Cluster cluster{boost::mpi::communicator(MPI_COMM_SELF, boost::mpi::comm_attach)};
  AlgorithmSettings s{2, 4, 1, 4, 10, 4, static_cast<int64_t>(dpus)};
  Trainer<FixedQ31> trainer(algorithm, server, cluster, net, s);

  const bool admm = kind == AlgorithmKind::kAdmm;  // clang 14 cannot capture a structured binding
  auto round = [&](uint64_t r) { trainer.round(admm ? 0 : r); };
  for (uint64_t r = 0; r < 3; ++r) round(r);  // warm-up: first-use buffers
  const uint64_t before = g_allocations.load();
  for (uint64_t r = 1; r < 3; ++r) round(r);
  EXPECT_EQ(g_allocations.load() - before, 0u)
      << algorithm.name() << (sparse ? " sparse" : " dense");
}

INSTANTIATE_TEST_SUITE_P(EveryAlgorithm, NoAllocation,
                         testing::Combine(testing::Values(AlgorithmKind::kGaSgd,
                                                          AlgorithmKind::kMaSgd,
                                                          AlgorithmKind::kAdmm),
                                          testing::Bool()));

}  // namespace
}  // namespace pimscale
