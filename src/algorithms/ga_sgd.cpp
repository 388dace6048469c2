// GA-SGD (gradient averaging): each DPU sums the gradient of its b/N rows; hosts sum their DPUs' gradients;
// servers all-reduce the sums; every host applies the same update. Rounds per epoch: m / b.
#include "src/algorithms/builders.h"

namespace pimscale {

namespace {

template <class Num>
class GaSgd final : public Algorithm<Num> {
 public:
  using Weight = typename Num::Weight;
  using Wide = typename Num::Wide;

  GaSgd(PimServer<Num>& server, Cluster& cluster, const NetworkSpec& net, const AlgorithmSettings& s)
      : server_(server),
        cluster_(cluster),
        net_(net),
        s_(s),
        w_(server.layout().weights, Weight{0}),
        sums_(server.layout().weights + 1, Wide{0}) {}

  void round(uint64_t r) override {
    server_.push_model(w_.data(), bias_);
    server_.launch_gradient(r * s_.rows_per_dpu_step, s_.rows_per_dpu_step);
    server_.pull_gradient_sums(sums_.data());
    // Message: the summed gradient and bias, (weights + 1) wide entries.
    allreduce_and_charge<Num>(sums_, server_, cluster_, net_);
    ga_sgd_update<Num>(w_, bias_, sums_, s_);
    server_.charge_host(sums_.size() * sizeof(Wide) + 2 * w_.size() * sizeof(Weight));  // read sums, w; write w
  }

  std::span<const Weight> weights() const override { return w_; }
  Wide bias() const override { return bias_; }

 private:
  PimServer<Num>& server_;
  Cluster& cluster_;
  const NetworkSpec& net_;
  AlgorithmSettings s_;
  std::vector<Weight> w_;
  Wide bias_{0};
  std::vector<Wide> sums_;
};

}  // namespace

template <class Num>
std::unique_ptr<Algorithm<Num>> make_ga_sgd(PimServer<Num>& server, Cluster& cluster, const NetworkSpec& net,
                                            const AlgorithmSettings& s) {
  return std::make_unique<GaSgd<Num>>(server, cluster, net, s);
}
template std::unique_ptr<Algorithm<FixedQ31>> make_ga_sgd(PimServer<FixedQ31>&, Cluster&, const NetworkSpec&,
                                                          const AlgorithmSettings&);
template std::unique_ptr<Algorithm<Float32>> make_ga_sgd(PimServer<Float32>&, Cluster&, const NetworkSpec&,
                                                         const AlgorithmSettings&);

}  // namespace pimscale
