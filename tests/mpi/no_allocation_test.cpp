// "No allocation per round": after a first warm-up round, GA-SGD rounds (kernels on the thread pool,
// pull, host reduction, MPI all-reduce, update) allocate nothing on the heap.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/mpi/communicator.hpp>
#include <cstdlib>
#include <new>

#include "src/ga_sgd.h"

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

TEST(GaSgd, RoundsAfterTheFirstDoNotAllocate) {
  HardwareSpec hw;
  hw.dpus_per_server = 64;
  hw.dpu.frequency_mhz = 350;
  hw.dpu.tasklets = 16;
  hw.dpu.issue_interval_cycles = 11;
  hw.dpu.dma_min_bytes = 8;
  hw.dpu.dma_max_bytes = 2048;
  for (double& i : hw.dpu.instructions) i = 1;
  hw.transfer = {64, 0.33, 0.12, 6.68, 4.74, 16.88, 0.8, 10, 20};
  HostSpec host;
  host.cores = 16;
  host.memory_bandwidth_gbps = 100;
  host.core_bandwidth_gbps = 10;
  NetworkSpec net;
  net.bandwidth_gbit_s = 25;
  net.latency_us = 15;
  net.reduce_gbps = 10;

  const DenseLayout layout{4, 8, 64, 64};  // 4 DPUs x 8 rows x 64 features
  PimServer server(hw, host, layout, 2);
  std::vector<uint32_t> x(4 * 8 * 64);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<uint32_t>(i * 2654435761u) >> 1;
  std::vector<uint8_t> y(4 * 8);
  for (size_t i = 0; i < y.size(); ++i) y[i] = i % 2;
  server.load_dense(std::move(x), std::move(y));
  Cluster cluster{boost::mpi::communicator()};
  GaSgd ga(server, cluster, net, {2, 3, 4, 10});

  ga.round(0);  // warm-up: first-use buffers
  const uint64_t before = g_allocations.load();
  for (uint64_t r = 1; r < 4; ++r) ga.round(r);
  EXPECT_EQ(g_allocations.load() - before, 0u);
  EXPECT_NE(ga.bias(), 0);  // the rounds did train
}

}  // namespace
}  // namespace pimscale
