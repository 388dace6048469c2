// One emulated PIM server: its DPUs (shards in emulated MRAM, kernels run on a thread pool), the host's
// reduction, and the server's emulated clock with its per-phase ledger.
// Not responsible for the training algorithm (src/) or for other servers (comm/).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "node/host_spec.h"
#include "node/phases.h"
#include "node/thread_pool.h"
#include "pim_emul/dpu_cost.h"
#include "pim_emul/hardware_spec.h"
#include "pim_emul/kernels.h"
#include "pim_emul/mram_budget.h"

namespace pimscale {

// How a server's rows are laid out over its DPUs: DPU d holds local rows [d * rows_per_dpu, (d+1) * rows_per_dpu).
struct DenseLayout {
  int64_t dpus = 0;
  uint64_t rows_per_dpu = 0;
  uint64_t features = 0;         // as in the dataset
  uint64_t padded_features = 0;  // features rounded up to a multiple of 2 * tasklets (zero-filled)
};

// Pads `features` so every tasklet's slice is a whole number of 8-byte words.
uint64_t padded_feature_count(uint64_t features, const DpuSpec& dpu);

// Checks MRAM and WRAM for a layout before any data is read; throws InputError naming the fix.
void check_dense_layout(const DenseLayout& layout, const HardwareSpec& hw, const std::string& context);

class PimServer {
 public:
  PimServer(const HardwareSpec& hw, const HostSpec& host, const DenseLayout& layout, int threads);

  // Start-up: the host's rows become the DPUs' MRAM shards (a parallel transfer, charged to startup()).
  // x: [dpus * rows_per_dpu x padded_features] features scaled by 2^31; y: labels {0,1}.
  void load_dense(std::vector<uint32_t> x, std::vector<uint8_t> y);

  // GA-SGD round primitives; each advances the clock by its emulated cost.
  void push_model(const int32_t* w, int64_t bias);  // broadcast to every DPU
  void run_lr_gradient(uint64_t first_row, uint64_t rows, int lr_shift);  // one launch on every DPU
  // Pulls every DPU's gradient and sums it on the host: sums[j] (j < padded_features), sums[padded] = bias.
  void pull_and_reduce_gradients(int64_t* sums);

  // Host-side work or inter-server time computed elsewhere, charged to this server's clock.
  void charge(Phase phase, Picoseconds t, uint64_t bytes = 0) { ledger_.add(phase, t, bytes); }

  Picoseconds now() const { return startup_ + ledger_.total(); }
  Picoseconds startup() const { return startup_; }
  const PhaseLedger& ledger() const { return ledger_; }
  const DenseLayout& layout() const { return layout_; }
  const HostSpec& host() const { return host_; }
  const std::vector<uint32_t>& x() const { return x_; }
  const std::vector<uint8_t>& y() const { return y_; }
  // The slowest DPU of the last launch and its time (the server's DPU phase).
  int64_t last_slowest_dpu() const { return slowest_dpu_; }

 private:
  const HardwareSpec& hw_;
  const HostSpec& host_;
  DenseLayout layout_;
  ThreadPool pool_;
  std::vector<uint32_t> x_;
  std::vector<uint8_t> y_;
  const int32_t* model_w_ = nullptr;  // the broadcast model every DPU holds
  int64_t model_bias_ = 0;
  std::vector<int32_t> grad_w_;       // [dpus x padded_features]
  std::vector<int64_t> grad_bias_;    // [dpus]
  std::vector<DpuCounts> counts_;     // [dpus]
  std::vector<DpuTime> times_;        // [dpus]
  PhaseLedger ledger_;
  Picoseconds startup_;
  int64_t slowest_dpu_ = 0;
};

}  // namespace pimscale
