// "No allocation per round": after a first warm-up round, GA-SGD rounds (kernels on the thread pool,
// pull, host reduction, MPI all-reduce, update) allocate nothing on the heap.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/mpi/communicator.hpp>
#include <cstdlib>
#include <new>

#include "src/algorithm.h"

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

HardwareSpec small_hardware() {
  HardwareSpec hw;
  hw.dpus_per_server = 64;
  hw.dpu.frequency_mhz = 350;
  hw.dpu.tasklets = 16;
  hw.dpu.issue_interval_cycles = 11;
  hw.dpu.dma_min_bytes = 8;
  hw.dpu.dma_max_bytes = 2048;
  for (double& i : hw.dpu.instructions) i = 1;
  hw.transfer = {64, 0.33, 0.12, 6.68, 4.74, 16.88, 0.8, 10, 20};
  return hw;
}

// Rounds after the first of every algorithm, dense and sparse, allocate nothing.
class NoAllocation : public testing::TestWithParam<std::tuple<const char*, bool>> {};

TEST_P(NoAllocation, RoundsAfterTheFirstDoNotAllocate) {
  const auto [name, sparse] = GetParam();
  const HardwareSpec hw = small_hardware();
  HostSpec host;
  host.cores = 16;
  host.memory_bandwidth_gbps = 100;
  host.core_bandwidth_gbps = 10;
  NetworkSpec net;
  net.bandwidth_gbit_s = 25;
  net.latency_us = 15;
  net.reduce_gbps = 10;

  const uint64_t dpus = 4, rows = 8, features = 64;
  const ServerLayout layout{sparse, static_cast<int64_t>(dpus), rows, features, model_weights(sparse, features, hw.dpu)};
  KernelConfig kernel;
  kernel.lr_shift = 4;
  kernel.decay_shift = 14;
  kernel.batch_log2 = 1;
  PimServer<FixedQ31> server(hw, host, layout, dpu_models_of(name), kernel, 2);
  ServerData<FixedQ31> data;
  data.y.resize(dpus * rows);
  for (size_t i = 0; i < data.y.size(); ++i) data.y[i] = i % 2;
  if (sparse) {
    data.offsets.push_back(0);
    for (uint64_t r = 0; r < dpus * rows; ++r) {
      for (uint32_t k = 0; k < 5; ++k) data.indices.push_back(static_cast<uint32_t>((r * 7 + k * 13) % features));
      data.offsets.push_back(data.indices.size());
    }
  } else {
    data.x.resize(dpus * rows * layout.weights);
    for (size_t i = 0; i < data.x.size(); ++i) data.x[i] = static_cast<uint32_t>(i * 2654435761u) >> 1;
  }
  server.load(std::move(data));
  Cluster cluster{boost::mpi::communicator(MPI_COMM_SELF, boost::mpi::comm_attach)};
  AlgorithmSettings s{2, 4, 1, 4, 10, 4, static_cast<int64_t>(dpus)};
  auto algorithm = make_algorithm<FixedQ31>(name, server, cluster, net, s);

  algorithm->round(0);  // warm-up: first-use buffers
  const uint64_t before = g_allocations.load();
  for (uint64_t r = 1; r < 3; ++r) algorithm->round(std::string(name) == "admm" ? 0 : r);
  EXPECT_EQ(g_allocations.load() - before, 0u) << name << (sparse ? " sparse" : " dense");
}

INSTANTIATE_TEST_SUITE_P(EveryAlgorithm, NoAllocation,
                         testing::Combine(testing::Values("ga-sgd", "ma-sgd", "admm"), testing::Bool()));

}  // namespace
}  // namespace pimscale
