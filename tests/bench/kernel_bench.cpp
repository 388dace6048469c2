// Wall-clock speed of the emulator's dense LR kernel (emulator performance, not emulated time).
// Run: build/tests/kernel_bench
#include <benchmark/benchmark.h>

#include <vector>

#include "pim_emul/kernels.h"

namespace pimscale {
namespace {

void BM_LrDenseGradient(benchmark::State& state) {
  const uint64_t n = static_cast<uint64_t>(state.range(0)), rows = 64;
  std::vector<uint32_t> x(rows * n);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<uint32_t>(i * 2654435761u) >> 1;
  std::vector<uint8_t> y(rows);
  for (size_t i = 0; i < rows; ++i) y[i] = i % 2;
  const std::vector<int32_t> w(n, 1 << 20);
  std::vector<int32_t> g(n);
  int64_t gb = 0;
  DpuSpec dpu;
  dpu.tasklets = 16;
  dpu.dma_min_bytes = 8;
  dpu.dma_max_bytes = 2048;
  DpuCounts counts;
  for (auto _ : state) {
    lr_dense_gradient({x.data(), y.data(), rows, n}, {w.data(), 0}, {0, rows, 4}, dpu, {g.data(), &gb}, counts);
    benchmark::DoNotOptimize(g.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rows * n));  // feature-rows
}
BENCHMARK(BM_LrDenseGradient)->Arg(256)->Arg(4096);

}  // namespace
}  // namespace pimscale
