// MA-SGD (model averaging after every local step): push the global model to every DPU; each DPU does one
// mini-batch step of b rows on its own copy; hosts sum their DPUs' models; servers all-reduce the sums;
// every host divides once by the total DPU count N. Rounds per epoch: m / (b N). With --shares, a server's DPUs
// take `share` local steps per round (they hold share x the rows).
#include "src/algorithms/builders.h"

namespace pimscale {

namespace {

template <class Num>
class MaSgd final : public GlobalModelAlgorithm<Num> {
 public:
  using Base = GlobalModelAlgorithm<Num>;
  using Base::Base;
  using typename Base::Weight;
  using typename Base::Wide;

  void round(uint64_t r) override {
    server_.push_model(w_.data(), bias_);
    server_.launch_local_steps(r * s_.rows_per_dpu_step * s_.share, s_.share);
    server_.pull_model_sums(sums_.data());
    // Message: the summed models and biases, (weights + 1) wide entries.
    allreduce_and_charge<Num>(sums_, server_, cluster_, net_);
    ma_sgd_average<Num>(w_, bias_, sums_, s_.total_dpus);
    server_.charge_host(sums_.size() * sizeof(Wide) + w_.size() * sizeof(Weight));  // read sums, write w
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
std::unique_ptr<Algorithm<Num>> make_ma_sgd(PimServer<Num>& server, Cluster& cluster, const NetworkSpec& net,
                                            const AlgorithmSettings& s) {
  return std::make_unique<MaSgd<Num>>(server, cluster, net, s);
}
template std::unique_ptr<Algorithm<FixedQ31>> make_ma_sgd(PimServer<FixedQ31>&, Cluster&, const NetworkSpec&,
                                                          const AlgorithmSettings&);
template std::unique_ptr<Algorithm<Float32>> make_ma_sgd(PimServer<Float32>&, Cluster&, const NetworkSpec&,
                                                         const AlgorithmSettings&);
template std::unique_ptr<Algorithm<Float32Saturating>> make_ma_sgd(PimServer<Float32Saturating>&, Cluster&,
                                                                   const NetworkSpec&, const AlgorithmSettings&);

}  // namespace pimscale
