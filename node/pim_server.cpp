#include "node/pim_server.h"

#include <algorithm>

#include "node/host_cost.h"
#include "pim_emul/error.h"
#include "pim_emul/transfer_cost.h"

namespace pimscale {

uint64_t padded_feature_count(uint64_t features, const DpuSpec& dpu) {
  const uint64_t unit = 2 * static_cast<uint64_t>(dpu.tasklets);
  return (features + unit - 1) / unit * unit;
}

void check_dense_layout(const DenseLayout& layout, const HardwareSpec& hw, const std::string& context) {
  if (layout.dpus > hw.dpus_per_server) {
    throw InputError("--dpus-per-server " + std::to_string(layout.dpus) + " exceeds the " +
                     std::to_string(hw.dpus_per_server) + " DPUs of hardware preset '" + hw.name +
                     "'; use fewer DPUs per server or more servers");
  }
  require_fits_mram(dense_mram_budget(layout.rows_per_dpu, layout.padded_features), hw.dpu, context);
  require_fits_wram(dense_wram_bytes(layout.padded_features, hw.dpu), hw.dpu, context);
}

PimServer::PimServer(const HardwareSpec& hw, const HostSpec& host, const DenseLayout& layout, int threads)
    : hw_(hw),
      host_(host),
      layout_(layout),
      pool_(threads),
      grad_w_(static_cast<size_t>(layout.dpus) * layout.padded_features),
      grad_bias_(static_cast<size_t>(layout.dpus)),
      counts_(static_cast<size_t>(layout.dpus)),
      times_(static_cast<size_t>(layout.dpus)) {}

void PimServer::load_dense(std::vector<uint32_t> x, std::vector<uint8_t> y) {
  x_ = std::move(x);
  y_ = std::move(y);
  const uint64_t rows_bytes = layout_.rows_per_dpu * layout_.padded_features * 4;
  const uint64_t label_bytes = (layout_.rows_per_dpu * 4 + 7) / 8 * 8;
  startup_ += transfer_time(Transfer::kParallelToDpu, rows_bytes + label_bytes, layout_.dpus, hw_.transfer);
}

void PimServer::push_model(const int32_t* w, int64_t bias) {
  model_w_ = w;
  model_bias_ = bias;
  const uint64_t bytes = layout_.padded_features * 4 + 8;
  ledger_.add(Phase::kHostToDpu, transfer_time(Transfer::kBroadcastToDpu, bytes, layout_.dpus, hw_.transfer),
              bytes * static_cast<uint64_t>(layout_.dpus));
}

void PimServer::run_lr_gradient(uint64_t first_row, uint64_t rows, int lr_shift) {
  const uint64_t n = layout_.padded_features;
  auto one_dpu = [&](size_t d) {
    const DenseShard shard{x_.data() + d * layout_.rows_per_dpu * n, y_.data() + d * layout_.rows_per_dpu,
                           layout_.rows_per_dpu, n};
    counts_[d].clear();
    lr_dense_gradient(shard, {model_w_, model_bias_}, {first_row, rows, lr_shift}, hw_.dpu,
                      {grad_w_.data() + d * n, &grad_bias_[d]}, counts_[d]);
    times_[d] = dpu_time(counts_[d], static_cast<int>(hw_.dpu.tasklets), hw_.dpu);
  };
  pool_.parallel_for(static_cast<size_t>(layout_.dpus), one_dpu);
  // The launch is synchronous: the server waits for its slowest DPU (lowest index on ties).
  slowest_dpu_ = 0;
  for (int64_t d = 1; d < layout_.dpus; ++d) {
    if (times_[d].total() > times_[slowest_dpu_].total()) slowest_dpu_ = d;
  }
  // Bytes: every DPU's MRAM<->WRAM traffic (time: the slowest DPU's).
  uint64_t dma_bytes = 0;
  for (const DpuCounts& c : counts_) {
    for (int t = 0; t < hw_.dpu.tasklets; ++t) dma_bytes += c.tasklet[t].dma_read_bytes + c.tasklet[t].dma_write_bytes;
  }
  ledger_.add(Phase::kDpuCompute, launch_time(hw_.transfer) + times_[slowest_dpu_].compute);
  ledger_.add(Phase::kDpuDma, times_[slowest_dpu_].dma, dma_bytes);
}

void PimServer::pull_and_reduce_gradients(int64_t* sums) {
  const uint64_t n = layout_.padded_features;
  const uint64_t bytes = n * 4 + 8;
  ledger_.add(Phase::kDpuToHost, transfer_time(Transfer::kParallelFromDpu, bytes, layout_.dpus, hw_.transfer),
              bytes * static_cast<uint64_t>(layout_.dpus));
  // Integer sums: exact, so any split of features over threads gives the same result.
  constexpr size_t kBlock = 1024;
  const size_t blocks = (n + kBlock - 1) / kBlock;
  auto reduce_block = [&](size_t b) {
    const size_t lo = b * kBlock, hi = std::min<size_t>(n, lo + kBlock);
    for (size_t j = lo; j < hi; ++j) sums[j] = 0;
    for (int64_t d = 0; d < layout_.dpus; ++d) {
      const int32_t* g = grad_w_.data() + static_cast<size_t>(d) * n;
      for (size_t j = lo; j < hi; ++j) sums[j] += g[j];
    }
  };
  pool_.parallel_for(blocks, reduce_block);
  int64_t bias = 0;
  for (int64_t d = 0; d < layout_.dpus; ++d) bias += grad_bias_[d];
  sums[n] = bias;
  // Host reduction touches every pulled gradient once and writes the int64 sums.
  const uint64_t touched = bytes * static_cast<uint64_t>(layout_.dpus) + (n + 1) * 8;
  ledger_.add(Phase::kHostReduce, host_stream_time(touched, host_), touched);
}

}  // namespace pimscale
