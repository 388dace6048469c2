// Wall-clock speed of the emulator's kernels (emulator performance, not emulated time).
// Run: build/tests/kernel_bench
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "pim_emul/kernels.h"
#include "pim_emul/mram_allocator.h"
#include "tests/support/specs.h"

namespace pimscale {
namespace {

// GA-SGD's dense LR gradient over 64 rows (YFCC-like: 4,096 features).
void BM_DenseLrGradient(benchmark::State& state) {
  const uint64_t n = static_cast<uint64_t>(state.range(0)), rows = 64;
  std::vector<uint32_t> x(rows * n);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<uint32_t>(i * 2654435761u) >> 1;
  std::vector<uint8_t> y(rows);
  for (size_t i = 0; i < rows; ++i) y[i] = i % 2;
  const std::vector<int32_t> w(n, 1 << 20);
  std::vector<int32_t> g(n);
  int64_t gb = 0;
  const ExpTable exp;
  KernelConfig k;
  k.lr_shift = 4;
  k.exp = &exp;
  DpuCounts counts;
  for (auto _ : state) {
    dense_gradient<FixedQ31>({x.data(), y.data(), rows, n}, w.data(), 0, 0, rows, k, test::dpu16(),
                             g.data(), &gb, counts);
    benchmark::DoNotOptimize(g.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rows * n));  // feature-rows
}
BENCHMARK(BM_DenseLrGradient)->Arg(256)->Arg(4096);

// GA-SGD's dense LR round as a server runs it, its rows from memory: 256 DPUs of 64 rows x 4,096
// features (256 MiB, beyond the caches), 4 rows each a round (b = 1,024), round after round: an
// iteration is one round of 4 M feature-rows, and 16 rounds read every row once.
void BM_DenseLrRoundFromMemory(benchmark::State& state) {
  constexpr uint64_t kDpus = 256, kRows = 64, kFeatures = 4096, kBatch = 4;
  std::vector<uint32_t, MramAllocator<uint32_t>> x(kDpus * kRows * kFeatures);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<uint32_t>(i * 2654435761u) >> 1;
  std::vector<uint8_t> y(kRows);
  for (size_t i = 0; i < kRows; ++i) y[i] = i % 2;
  const std::vector<int32_t> w(kFeatures, 1 << 20);
  std::vector<int32_t> g(kDpus * kFeatures);
  std::vector<int64_t> gb(kDpus);
  const ExpTable exp;
  KernelConfig k;
  k.lr_shift = 4;
  k.exp = &exp;
  DpuCounts counts;
  uint64_t round = 0;
  for (auto _ : state) {
    const uint64_t first = (round++ % (kRows / kBatch)) * kBatch;
    for (uint64_t d = 0; d < kDpus; ++d) {  // as PimServer::launch: the next DPU's rows ahead
      const uint32_t* ahead =
          d + 1 < kDpus ? x.data() + ((d + 1) * kRows + first) * kFeatures : nullptr;
      dense_gradient<FixedQ31>({x.data() + d * kRows * kFeatures, y.data(), kRows, kFeatures},
                               w.data(), 0, first, kBatch, k, test::dpu16(),
                               g.data() + d * kFeatures, &gb[d], counts, ahead);
    }
    benchmark::DoNotOptimize(g.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kDpus * kBatch * kFeatures));
  state.SetBytesProcessed(
      static_cast<int64_t>(state.iterations() * kDpus * kBatch * kFeatures * sizeof(uint32_t)));
}
BENCHMARK(BM_DenseLrRoundFromMemory);

// One DPU's MA-SGD step on Criteo-like rows: b = 2,048 rows of 39 features over a model of
// 1,001,472 weights, of which the DPU holds the entries its rows read (the update of the others is
// the server's, once for all its DPUs: PimServer::launch_local_steps).
void BM_SparseLrLocalStep(benchmark::State& state) {
  const uint64_t rows = 2048, weights = 1001472;
  std::vector<uint64_t> off(rows + 1);
  std::vector<uint32_t> idx;
  for (uint64_t r = 0; r < rows; ++r) {
    for (uint32_t k = 0; k < 39; ++k)
      idx.push_back(static_cast<uint32_t>((r * 7919 + k * 104729) % 1000000));
    off[r + 1] = idx.size();
  }
  std::vector<uint8_t> y(rows, 0);
  std::vector<int32_t> w(weights, 0);
  std::vector<int64_t> g(weights, 0);
  std::vector<uint32_t> slot(weights, kNoSlot);
  DpuModel<FixedQ31> m;
  const ExpTable exp;
  KernelConfig k;
  k.batch_log2 = 11;
  k.decay_shift = 12;
  k.exp = &exp;
  DpuCounts counts;
  for (auto _ : state) {
    m.index.clear();
    m.w.clear();
    sparse_local_steps<FixedQ31>({off.data(), idx.data(), y.data(), rows, 1000000}, w.data(),
                                 nullptr, weights, m, 0, 1, k, test::dpu16(), g.data(), slot.data(),
                                 counts);
    benchmark::DoNotOptimize(m.w.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rows));  // rows
}
BENCHMARK(BM_SparseLrLocalStep);

// The host's streaming read bandwidth, the yardstick of `train --device cpu`'s dense epochs
// (tests/bench/cpu_bandwidth.sh) and of the emulator's (native_ratio.sh): each thread sums its own
// 256 MiB, far beyond the caches, on huge pages where the kernel grants them (as the rows the
// trainers read). The words are summed as integers, which the compiler vectorises (a float sum it
// may not reorder), so the loop is bound by memory, not by the additions' latency.
void BM_StreamRead(benchmark::State& state) {
  constexpr size_t kWords = size_t{64} << 20;  // 256 MiB per thread
  const std::vector<uint32_t, MramAllocator<uint32_t>> a(kWords, 1u);
  for (auto _ : state) {
    uint32_t s = 0;
    for (size_t i = 0; i < kWords; ++i) s += a[i];
    benchmark::DoNotOptimize(s);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kWords * sizeof(uint32_t)));
}
BENCHMARK(BM_StreamRead)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
}  // namespace pimscale
