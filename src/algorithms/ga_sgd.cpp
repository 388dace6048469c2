// GA-SGD (gradient averaging): each DPU sums the gradient of its b/N rows; hosts sum their DPUs' gradients;
// servers all-reduce the sums; every host applies the same update. Rounds per epoch: m / b.
#include "src/algorithms/builders.h"

namespace pimscale {

namespace {

template <class Num>
class GaSgd final : public GlobalModelAlgorithm<Num> {
 public:
  using Base = GlobalModelAlgorithm<Num>;
  using Base::Base;
  using typename Base::Weight;
  using typename Base::Wide;

  void round(uint64_t r) override {
    server_.push_model(w_.data(), bias_);
    const uint64_t rows = s_.rows_per_dpu_step * s_.share;
    server_.launch_gradient(r * rows, rows);
    server_.pull_gradient_sums(sums_.data());
    // Message: the summed gradient and bias, (weights + 1) wide entries.
    allreduce_and_charge<Num>(sums_, server_, cluster_, net_);
    ga_sgd_update<Num>(w_, bias_, sums_, s_);
    server_.charge_host(sums_.size() * sizeof(Wide) + 2 * w_.size() * sizeof(Weight));  // read sums, w; write w
  }

 private:
  using Base::bias_;
  using Base::cluster_;
  using Base::net_;
  using Base::s_;
  using Base::server_;
  using Base::sums_;
  using Base::w_;
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
template std::unique_ptr<Algorithm<Float32Saturating>> make_ga_sgd(PimServer<Float32Saturating>&, Cluster&,
                                                                   const NetworkSpec&, const AlgorithmSettings&);

}  // namespace pimscale
