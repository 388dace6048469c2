// An algorithm running on one emulated PIM server: its recipe executed operation by operation on
// the PimServer (which charges each one's emulated cost) and the cluster, with the host's
// arithmetic between them kept by the algorithm's HostState. Every step across servers exchanges
// sums (exact integers in fixed point) and divides once by the total worker count, so S servers x D
// DPUs compute exactly what 1 server x S*D DPUs computes. Not responsible for data loading, metrics
// or for what a round is (algorithm.h).
#pragma once

#include <memory>
#include <span>

#include "comm/cluster.h"
#include "io/checkpoint.h"
#include "node/pim_server.h"
#include "src/algorithms/algorithm.h"

namespace pimscale {

// What one server's host keeps and computes between DPU launches.
template <class Num>
class HostState {
 public:
  using Weight = typename Num::Weight;
  using Wide = typename Num::Wide;
  virtual ~HostState() = default;
  // The model the algorithm reports (GA-SGD and MA-SGD: the global model kPushModel pushes; ADMM:
  // w_avg). weights() has layout.weights entries; bias() is the dense bias (sparse: inside the
  // weights).
  virtual std::span<const Weight> weights() const = 0;
  virtual Wide bias() const = 0;
  // The sums the pulls fill and the all-reduce adds up over servers.
  virtual std::span<Wide> sums() = 0;
  // Host arithmetic right before the all-reduce (ADMM: the sums of w_i and u_i) and right after it.
  virtual void before_allreduce(PimServer<Num>&) {}
  virtual void after_allreduce(PimServer<Num>&) = 0;
  // What a checkpoint keeps between epochs: every vector and value above that carries over.
  virtual void state(StateArchive& a) = 0;
};

template <class Num>
class Trainer {
 public:
  using Weight = typename Num::Weight;
  using Wide = typename Num::Wide;
  Trainer(const Algorithm& algorithm, PimServer<Num>& server, Cluster& cluster,
          const NetworkSpec& net, const AlgorithmSettings& settings);
  // Collective: one communication round (an epoch has settings.rounds_per_epoch of them).
  void round(uint64_t r);
  const Recipe& recipe() const { return recipe_; }
  std::span<const Weight> weights() const { return state_->weights(); }
  Wide bias() const { return state_->bias(); }
  // Writes, or restores, everything that carries over from one epoch to the next: the server's
  // (PimServer::state) and the host's (HostState::state).
  void state(StateArchive& a) {
    server_.state(a);
    state_->state(a);
  }

 private:
  PimServer<Num>& server_;
  Cluster& cluster_;
  const NetworkSpec& net_;
  Recipe recipe_;
  std::unique_ptr<HostState<Num>> state_;
};

// The host state of each algorithm, for Trainer (one builder per algorithm file).
template <class Num>
std::unique_ptr<HostState<Num>> make_ga_sgd_state(PimServer<Num>&, const AlgorithmSettings&);
template <class Num>
std::unique_ptr<HostState<Num>> make_ma_sgd_state(PimServer<Num>&, const AlgorithmSettings&);
template <class Num>
std::unique_ptr<HostState<Num>> make_admm_state(PimServer<Num>&, const AlgorithmSettings&);

extern template class Trainer<FixedQ31>;
extern template class Trainer<Float32>;
extern template class Trainer<Float32Saturating>;

}  // namespace pimscale
