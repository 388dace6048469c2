#include "src/ga_sgd.h"

#include "node/host_cost.h"
#include "pim_emul/fixed_point.h"

namespace pimscale {

using fixed::saturate_q31;
using fixed::shift_right_guarded;

void ga_sgd_update(std::span<int32_t> w, int64_t& bias, std::span<const int64_t> sums, const GaSgdSettings& s) {
  for (size_t j = 0; j < w.size(); ++j) {
    const int64_t step = shift_right_guarded(sums[j], s.batch_log2);
    const int64_t decay = shift_right_guarded(w[j], s.lr_shift + s.reg_shift);
    w[j] = static_cast<int32_t>(saturate_q31(static_cast<int64_t>(w[j]) - step - decay));
  }
  bias = saturate_q31(bias - shift_right_guarded(sums[w.size()], s.batch_log2));
}

GaSgd::GaSgd(PimServer& server, Cluster& cluster, const NetworkSpec& net, const GaSgdSettings& settings)
    : server_(server),
      cluster_(cluster),
      net_(net),
      settings_(settings),
      w_(server.layout().padded_features, 0),
      sums_(server.layout().padded_features + 1, 0) {}

void GaSgd::round(uint64_t r) {
  const uint64_t b = settings_.rows_per_dpu_batch;
  server_.push_model(w_.data(), bias_);
  server_.run_lr_gradient(r * b, b, settings_.lr_shift);
  server_.pull_and_reduce_gradients(sums_.data());
  // Across servers: exact int64 sums, so S servers x D DPUs equal 1 server x S*D DPUs bit for bit.
  const CollectiveTime t = cluster_.allreduce_sum(sums_, server_.now(), net_);
  server_.charge(Phase::kWait, t.wait);
  if (cluster_.size() > 1) server_.charge(Phase::kNetwork, t.network, sums_.size() * sizeof(int64_t));
  ga_sgd_update(w_, bias_, sums_, settings_);
  // The update reads the sums and the weights and writes the weights.
  const uint64_t touched = sums_.size() * 8 + w_.size() * 8;
  server_.charge(Phase::kHostReduce, host_stream_time(touched, server_.host()), touched);
}

}  // namespace pimscale
