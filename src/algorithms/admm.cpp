// ADMM (consensus with an L1 proximal step; one round per epoch): push every DPU its own w_i and u_i - z;
// each DPU runs a local epoch of mini-batch steps whose decay term is (w + u_i - z) 2^-(lr + reg); pull w_i;
// servers all-reduce the sums of w_i and u_i; every host computes w_avg, u_avg,
// z = soft_threshold(w_avg + u_avg, tau), tau = 2^(alpha - reg) / N, and u_i += w_i - z for its DPUs.
// The reported model is w_avg. Three model transfers per DPU per epoch (two down, one up).
#include "src/algorithms/builders.h"

namespace pimscale {

namespace {

template <class Num>
class Admm final : public Algorithm<Num> {
 public:
  using Weight = typename Num::Weight;
  using Wide = typename Num::Wide;

  Admm(PimServer<Num>& server, Cluster& cluster, const NetworkSpec& net, const AlgorithmSettings& s)
      : server_(server),
        cluster_(cluster),
        net_(net),
        s_(s),
        n_(server.layout().weights),
        dpus_(static_cast<size_t>(server.layout().dpus)),
        tau_(admm_tau<Num>(s.alpha, s.reg_shift, s.total_dpus)),
        // Dry accounting keeps no per-DPU state (2,048 DPUs x 10^6 weights would not fit).
        u_(server.count_only() ? 0 : dpus_ * n_, Weight{0}),
        uz_(server.count_only() ? 0 : dpus_ * n_, Weight{0}),
        u_bias_(server.count_only() ? 0 : dpus_, Wide{0}),
        w_avg_(n_, Weight{0}),
        sums_(2 * (n_ + 1), Wide{0}) {}

  void round(uint64_t) override {
    std::span<Weight> w = server_.dpu_weights();
    std::span<Wide> w_bias = server_.dpu_biases();
    server_.push_own_models_and_prox(uz_.data());
    server_.launch_local_steps(0, server_.layout().rows_per_dpu / s_.rows_per_dpu_step);
    server_.pull_models();

    // Message: the sums of w_i and of u_i with their biases, 2 (weights + 1) wide entries.
    const size_t dpus = server_.count_only() ? 0 : dpus_;  // dry accounting: sums stay zero
    std::fill(sums_.begin(), sums_.end(), Wide{0});
    for (size_t i = 0; i < dpus; ++i) {
      for (size_t j = 0; j < n_; ++j) {
        sums_[j] += static_cast<Wide>(w[i * n_ + j]);
        sums_[n_ + 1 + j] += static_cast<Wide>(u_[i * n_ + j]);
      }
      sums_[n_] += w_bias[i];
      sums_[2 * n_ + 1] += u_bias_[i];
    }
    allreduce_and_charge<Num>(sums_, server_, cluster_, net_);

    const int64_t N = s_.total_dpus;
    std::vector<Weight>& z = z_scratch_;
    z.resize(n_);
    for (size_t j = 0; j < n_; ++j) {
      w_avg_[j] = Num::to_weight(Num::average(sums_[j], N));
      const Wide u_avg = Num::average(sums_[n_ + 1 + j], N);
      z[j] = Num::to_weight(soft_threshold<Num>(Num::saturate(Wide{w_avg_[j]} + u_avg), tau_));
    }
    w_avg_bias_ = Num::average(sums_[n_], N);
    const Wide z_bias =
        soft_threshold<Num>(Num::saturate(w_avg_bias_ + Num::average(sums_[2 * n_ + 1], N)), tau_);
    for (size_t i = 0; i < dpus; ++i) {
      for (size_t j = 0; j < n_; ++j) {
        const size_t k = i * n_ + j;
        u_[k] = Num::to_weight(Wide{u_[k]} + (Wide{w[k]} - Wide{z[j]}));
        uz_[k] = Num::to_weight(Wide{u_[k]} - Wide{z[j]});
      }
      u_bias_[i] = Num::saturate(u_bias_[i] + (w_bias[i] - z_bias));
    }
    // Host work: sum w_i and u_i, update u_i, compute u_i - z.
    server_.charge_host(dpus_ * n_ * sizeof(Weight) * 6 + sums_.size() * sizeof(Wide) + 3 * n_ * sizeof(Weight));
  }

  std::span<const Weight> weights() const override { return w_avg_; }
  Wide bias() const override { return w_avg_bias_; }

 private:
  PimServer<Num>& server_;
  Cluster& cluster_;
  const NetworkSpec& net_;
  AlgorithmSettings s_;
  size_t n_, dpus_;
  Wide tau_;
  std::vector<Weight> u_, uz_;  // [dpus x weights] of this server's DPUs
  std::vector<Wide> u_bias_;
  std::vector<Weight> w_avg_;
  Wide w_avg_bias_{0};
  std::vector<Wide> sums_;
  std::vector<Weight> z_scratch_;
};

}  // namespace

template <class Num>
std::unique_ptr<Algorithm<Num>> make_admm(PimServer<Num>& server, Cluster& cluster, const NetworkSpec& net,
                                          const AlgorithmSettings& s) {
  return std::make_unique<Admm<Num>>(server, cluster, net, s);
}
template std::unique_ptr<Algorithm<FixedQ31>> make_admm(PimServer<FixedQ31>&, Cluster&, const NetworkSpec&,
                                                        const AlgorithmSettings&);
template std::unique_ptr<Algorithm<Float32>> make_admm(PimServer<Float32>&, Cluster&, const NetworkSpec&,
                                                       const AlgorithmSettings&);
template std::unique_ptr<Algorithm<Float32Saturating>> make_admm(PimServer<Float32Saturating>&, Cluster&,
                                                                 const NetworkSpec&, const AlgorithmSettings&);

}  // namespace pimscale
