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

  // AdmmState: u_i per DPU (dense: whole; sparse: a base and the DPUs' held entries) with their
  // biases, w_avg, z and the sums of w_i and u_i. (u_i - z is the server's, node/host_memory.h.)
  std::vector<HostMemoryItem> host_memory(const ServerLayout& l, footprint::WordSizes words,
                                          uint64_t held_entries) const override {
    const uint64_t d = static_cast<uint64_t>(l.dpus), n = l.weights;
    const uint64_t u = l.sparse ? (n + held_entries) * words.weight : d * n * words.weight;
    return {{"ADMM u_i per DPU", u + d * words.wide},
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

// u_i is held as the server holds w_i (PimServer::dpu_models): on each DPU's entries, plus a
// base for sparse DPUs where they hold none. u_i - z goes straight into the server's DPU models
// (and base), which kPushOwnModels then charges as a transfer.
template <class Num>
class AdmmState final : public HostState<Num> {
 public:
  using Weight = typename Num::Weight;
  using Wide = typename Num::Wide;

  AdmmState(const PimServer<Num>& server, const AlgorithmSettings& s)
      : s_(s),
        n_(server.layout().weights),
        tau_(admm_tau<Num>(s.alpha, s.reg_shift, s.total_dpus)),
        // Dry accounting keeps no per-DPU state (2,048 DPUs x 10^6 weights would not fit).
        u_(server.dpu_models().size()),
        u_bias_(server.dpu_models().size(), Wide{0}),
        w_avg_(n_, Weight{0}),
        sums_(2 * (n_ + 1), Wide{0}),
        z_(n_) {
    if (!server.base_weights().empty()) u_base_.assign(n_, Weight{0});
    for (size_t d = 0; d < u_.size(); ++d) u_[d].assign(server.dpu_models()[d].w.size(), Weight{0});
  }

  std::span<const Weight> weights() const override { return w_avg_; }
  Wide bias() const override { return w_avg_bias_; }
  std::span<Wide> sums() override { return sums_; }
  void state(StateArchive& a) override {
    a(u_);
    a(u_base_);
    a(u_bias_);
    a(w_avg_);
    a(w_avg_bias_);
    a(sums_);
    a(z_);
  }

  // The sums of this server's w_i and u_i (dry accounting: they stay zero).
  void before_allreduce(PimServer<Num>& server) override {
    const std::span<const DpuModel<Num>> models = server.dpu_models();
    for (size_t d = 0; d < models.size(); ++d) {  // entries a sparse DPU's rows read this epoch
      for (size_t k = u_[d].size(); k < models[d].index.size(); ++k)
        u_[d].push_back(u_base_[models[d].index[k]]);
    }
    if (!server.sum_models_from_threads(sums_.data())) {
      server.sum_dpu_vectors(
          server.base_weights(),
          [&](size_t d) -> const std::vector<Weight>& { return models[d].w; }, sums_.data());
    }
    server.sum_dpu_vectors(
        u_base_, [&](size_t d) -> const std::vector<Weight>& { return u_[d]; },
        sums_.data() + n_ + 1);
    sums_[n_] = sums_[2 * n_ + 1] = Wide{0};
    for (size_t d = 0; d < models.size(); ++d) {
      sums_[n_] += models[d].bias;
      sums_[2 * n_ + 1] += u_bias_[d];
    }
  }

  void after_allreduce(PimServer<Num>& server) override {
    const Average<Num> average(s_.total_dpus);
    for (size_t j = 0; j < n_; ++j) {
      w_avg_[j] = Num::to_weight(average(sums_[j]));
      const Wide u_avg = average(sums_[n_ + 1 + j]);
      z_[j] = Num::to_weight(soft_threshold<Num>(Num::saturate(Wide{w_avg_[j]} + u_avg), tau_));
    }
    w_avg_bias_ = average(sums_[n_]);
    const Wide z_bias =
        soft_threshold<Num>(Num::saturate(w_avg_bias_ + average(sums_[2 * n_ + 1])), tau_);
    // u_i += w_i - z; the DPUs then get u_i - z.
    auto update = [&](Weight& u, Weight w, Weight& prox, size_t j) {
      u = Num::to_weight(Wide{u} + (Wide{w} - Wide{z_[j]}));
      prox = Num::to_weight(Wide{u} - Wide{z_[j]});
    };
    const std::span<DpuModel<Num>> models = server.dpu_models();
    for (size_t d = 0; d < models.size(); ++d) {
      DpuModel<Num>& m = models[d];
      const bool dense = m.index.empty() && u_base_.empty();
      for (size_t k = 0; k < m.w.size(); ++k) {
        if (!dense && k + kPrefetch < m.w.size()) __builtin_prefetch(&z_[m.index[k + kPrefetch]]);
        update(u_[d][k], m.w[k], m.prox[k], dense ? k : m.index[k]);
      }
      u_bias_[d] = Num::saturate(u_bias_[d] + (m.bias - z_bias));
    }
    const std::span<Weight> base_w = server.base_weights(), base_prox = server.base_prox();
    for (size_t j = 0; j < u_base_.size(); ++j) update(u_base_[j], base_w[j], base_prox[j], j);
  }

 private:
  AlgorithmSettings s_;
  size_t n_;
  Wide tau_;
  std::vector<std::vector<Weight>> u_;  // [dpus][the DPU's entries]
  std::vector<Weight> u_base_;          // [weights], sparse
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
