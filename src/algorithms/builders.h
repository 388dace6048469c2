// The builders of the three algorithms, for algorithm.cpp's name table. Internal to src/algorithms.
#pragma once

#include "src/algorithm.h"

namespace pimscale {

template <class Num>
std::unique_ptr<Algorithm<Num>> make_ga_sgd(PimServer<Num>&, Cluster&, const NetworkSpec&, const AlgorithmSettings&);
template <class Num>
std::unique_ptr<Algorithm<Num>> make_ma_sgd(PimServer<Num>&, Cluster&, const NetworkSpec&, const AlgorithmSettings&);
template <class Num>
std::unique_ptr<Algorithm<Num>> make_admm(PimServer<Num>&, Cluster&, const NetworkSpec&, const AlgorithmSettings&);

// Collective: sums `values` over all servers in place, charging this server's wait (for the slowest server)
// and the collective's network time; the network bytes are the all-reduce payload.
template <class Num>
void allreduce_and_charge(std::span<typename Num::Wide> values, PimServer<Num>& server, Cluster& cluster,
                          const NetworkSpec& net) {
  const CollectiveTime t = cluster.allreduce_sum(values, server.now(), net);
  const bool many = cluster.size() > 1;
  server.charge_collective(t.wait, many ? t.network : Picoseconds{}, many ? values.size() * sizeof(values[0]) : 0);
}

// The state GA-SGD and MA-SGD share: one global model every server holds, and a buffer of sums over DPUs.
template <class Num>
class GlobalModelAlgorithm : public Algorithm<Num> {
 public:
  using Weight = typename Num::Weight;
  using Wide = typename Num::Wide;

  GlobalModelAlgorithm(PimServer<Num>& server, Cluster& cluster, const NetworkSpec& net, const AlgorithmSettings& s)
      : server_(server),
        cluster_(cluster),
        net_(net),
        s_(s),
        w_(server.layout().weights, Weight{0}),
        sums_(server.layout().weights + 1, Wide{0}) {}

  std::span<const Weight> weights() const override { return w_; }
  Wide bias() const override { return bias_; }

 protected:
  PimServer<Num>& server_;
  Cluster& cluster_;
  const NetworkSpec& net_;
  AlgorithmSettings s_;
  std::vector<Weight> w_;
  Wide bias_{0};
  std::vector<Wide> sums_;  // [weights + 1], the bias last
};

}  // namespace pimscale
