// ADMM (consensus with an L1 proximal step; one round per epoch): push every DPU its own w_i and
// u_i - z; each DPU runs a local epoch of mini-batch steps whose decay term is (w + u_i - z) 2^-(lr
// + reg); pull w_i; servers all-reduce the sums of w_i and u_i; every host computes w_avg, u_avg,
// z = soft_threshold(w_avg + u_avg, tau), tau = 2^(alpha - reg) / N, and u_i += w_i - z for its
// DPUs. The reported model is w_avg. Three model transfers per DPU per epoch (two down, one up).
#include <cmath>

#include "pim_emul/fixed_point.h"
#include "src/algorithms/impl.h"

namespace pimscale {

namespace {

class Admm final : public Algorithm {
 public:
  AlgorithmKind kind() const override { return AlgorithmKind::kAdmm; }
  DpuModels dpu_models() const override { return DpuModels::kPerDpuWithProx; }
  bool global_batch() const override { return false; }
  StepRule step_rule(const BatchContext& c) const override {
    return {c.batch, fixed::log2_exact(c.batch)};
  }
  uint64_t rounds_per_epoch(uint64_t) const override { return 1; }
  uint64_t allreduce_vectors() const override { return 2; }

  Recipe recipe(const ServerLayout& l, const AlgorithmSettings& s,
                footprint::WordSizes words) const override {
    using namespace footprint;
    const uint64_t dpus = static_cast<uint64_t>(l.dpus), n = l.weights;
    const uint64_t model = model_bytes(l.sparse, n, words);
    const uint64_t all = allreduce_bytes(n, words, allreduce_vectors());
    return {
        // PIM-Opt pushes both w_i and u_i - z every epoch.
        {.kind = OpKind::kPushOwnModels, .bytes = model, .copies = 2},
        // A local epoch: every step of the shard.
        {.kind = OpKind::kLaunchLocalSteps,
         .count = l.rows_per_dpu / s.rows_per_dpu_step,
         .rows_read = l.rows_per_dpu,
         .prox = true},
        {.kind = OpKind::kPullModels, .bytes = model},
        // Message: the sums of w_i and of u_i with their biases, 2 (weights + 1) wide entries.
        {.kind = OpKind::kAllReduce, .bytes = all},
        // Sum w_i and u_i, update u_i, compute u_i - z.
        {.kind = OpKind::kHostUpdate,
         .bytes = dpus * n * words.weight * 6 + all + 3 * n * words.weight},
    };
  }

  // AdmmState: u_i and u_i - z per DPU, their biases, w_avg, z and the sums of w_i and u_i.
  std::vector<HostMemoryItem> host_memory(const ServerLayout& l,
                                          footprint::WordSizes words) const override {
    const uint64_t d = static_cast<uint64_t>(l.dpus), n = l.weights;
    return {{"ADMM u_i and u_i - z per DPU", 2 * d * n * words.weight + d * words.wide},
            {"ADMM w_avg, z and sums",
             2 * n * words.weight + footprint::allreduce_bytes(n, words, allreduce_vectors())}};
  }

  // z = S_tau(...) with tau = lambda / (rho N), rho = 2^-reg: lambda = 2^(alpha - 2 reg), on
  // ||w||_1.
  double regulariser(std::span<const double> w, const AlgorithmSettings& s) const override {
    double norm = 0;
    for (const double v : w) norm += std::fabs(v);
    return std::ldexp(norm, s.alpha - 2 * s.reg_shift);
  }
};

template <class Num>
class AdmmState final : public HostState<Num> {
 public:
  using Weight = typename Num::Weight;
  using Wide = typename Num::Wide;

  AdmmState(const PimServer<Num>& server, const AlgorithmSettings& s)
      : s_(s),
        n_(server.layout().weights),
        dpus_(server.count_only()
                  ? 0
                  : static_cast<size_t>(server.layout().dpus)),  // dry accounting: no state
        tau_(admm_tau<Num>(s.alpha, s.reg_shift, s.total_dpus)),
        // Dry accounting keeps no per-DPU state (2,048 DPUs x 10^6 weights would not fit).
        u_(dpus_ * n_, Weight{0}),
        uz_(dpus_ * n_, Weight{0}),
        u_bias_(dpus_, Wide{0}),
        w_avg_(n_, Weight{0}),
        sums_(2 * (n_ + 1), Wide{0}),
        z_(n_) {}

  std::span<const Weight> weights() const override { return w_avg_; }
  Wide bias() const override { return w_avg_bias_; }
  const Weight* prox() const override { return uz_.data(); }
  std::span<Wide> sums() override { return sums_; }

  // The sums of this server's w_i and u_i (dry accounting: they stay zero).
  void before_allreduce(PimServer<Num>& server) override {
    const std::span<const Weight> w = server.dpu_weights();
    const std::span<const Wide> w_bias = server.dpu_biases();
    std::fill(sums_.begin(), sums_.end(), Wide{0});
    for (size_t i = 0; i < dpus_; ++i) {
      for (size_t j = 0; j < n_; ++j) {
        sums_[j] += static_cast<Wide>(w[i * n_ + j]);
        sums_[n_ + 1 + j] += static_cast<Wide>(u_[i * n_ + j]);
      }
      sums_[n_] += w_bias[i];
      sums_[2 * n_ + 1] += u_bias_[i];
    }
  }

  void after_allreduce(PimServer<Num>& server) override {
    const std::span<const Weight> w = server.dpu_weights();
    const std::span<const Wide> w_bias = server.dpu_biases();
    const int64_t N = s_.total_dpus;
    for (size_t j = 0; j < n_; ++j) {
      w_avg_[j] = Num::to_weight(Num::average(sums_[j], N));
      const Wide u_avg = Num::average(sums_[n_ + 1 + j], N);
      z_[j] = Num::to_weight(soft_threshold<Num>(Num::saturate(Wide{w_avg_[j]} + u_avg), tau_));
    }
    w_avg_bias_ = Num::average(sums_[n_], N);
    const Wide z_bias =
        soft_threshold<Num>(Num::saturate(w_avg_bias_ + Num::average(sums_[2 * n_ + 1], N)), tau_);
    for (size_t i = 0; i < dpus_; ++i) {
      for (size_t j = 0; j < n_; ++j) {
        const size_t k = i * n_ + j;
        u_[k] = Num::to_weight(Wide{u_[k]} + (Wide{w[k]} - Wide{z_[j]}));
        uz_[k] = Num::to_weight(Wide{u_[k]} - Wide{z_[j]});
      }
      u_bias_[i] = Num::saturate(u_bias_[i] + (w_bias[i] - z_bias));
    }
  }

 private:
  AlgorithmSettings s_;
  size_t n_, dpus_;
  Wide tau_;
  std::vector<Weight> u_, uz_;  // [dpus x weights] of this server's DPUs
  std::vector<Wide> u_bias_;
  std::vector<Weight> w_avg_;
  Wide w_avg_bias_{0};
  std::vector<Wide> sums_;
  std::vector<Weight> z_;
};

}  // namespace

const Algorithm& admm_algorithm() {
  static const Admm kAdmm;
  return kAdmm;
}

PIMSCALE_HOST_STATE_BUILDER(make_admm_state, AdmmState)

}  // namespace pimscale
