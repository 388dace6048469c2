// GA-SGD (gradient averaging) across PIM servers: each DPU sums the gradient of its b/N rows, each
// host sums its DPUs' gradients, the servers all-reduce the int64 sums, every host applies the same
// update. Not responsible for data loading or metrics (train.cpp).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "comm/cluster.h"
#include "node/pim_server.h"

namespace pimscale {

struct GaSgdSettings {
  uint64_t rows_per_dpu_batch = 0;  // b / N
  int batch_log2 = 0;               // 1/b as a shift
  int lr_shift = 0;
  int reg_shift = 0;
};

// The host's GA-SGD step (PIM-Opt host code), identical on every server:
//   w_j  <- sat(w_j - guard(G_j >> log2 b) - guard(w_j >> (lr + reg)))
//   bias <- sat(bias - guard(G_bias >> log2 b))     (no L2 on the bias)
// G: summed gradient terms over the whole batch, already scaled by 2^-lr on the DPUs.
// sums has w.size() + 1 entries, the bias last.
void ga_sgd_update(std::span<int32_t> w, int64_t& bias, std::span<const int64_t> sums, const GaSgdSettings& s);

class GaSgd {
 public:
  GaSgd(PimServer& server, Cluster& cluster, const NetworkSpec& net, const GaSgdSettings& settings);

  // Collective: one communication round over rows [round * b/N, (round + 1) * b/N) of every DPU.
  void round(uint64_t round);

  const std::vector<int32_t>& weights() const { return w_; }  // padded_features entries
  int64_t bias() const { return bias_; }

 private:
  PimServer& server_;
  Cluster& cluster_;
  const NetworkSpec& net_;
  GaSgdSettings settings_;
  std::vector<int32_t> w_;
  int64_t bias_ = 0;
  std::vector<int64_t> sums_;
};

}  // namespace pimscale
