#include "src/algorithms/trainer.h"

#include <stdexcept>

#include "src/algorithms/impl.h"

namespace pimscale {

namespace {

template <class Num>
std::unique_ptr<HostState<Num>> make_state(AlgorithmKind kind, PimServer<Num>& server,
                                           const AlgorithmSettings& s) {
  switch (kind) {
    case AlgorithmKind::kGaSgd:
      return make_ga_sgd_state<Num>(server, s);
    case AlgorithmKind::kMaSgd:
      return make_ma_sgd_state<Num>(server, s);
    case AlgorithmKind::kAdmm:
      return make_admm_state<Num>(server, s);
  }
  return nullptr;
}

}  // namespace

template <class Num>
Trainer<Num>::Trainer(const Algorithm& algorithm, PimServer<Num>& server, Cluster& cluster,
                      const NetworkSpec& net, const AlgorithmSettings& settings)
    : server_(server),
      cluster_(cluster),
      net_(net),
      recipe_(algorithm.recipe(server.layout(), settings, footprint::words_of<Num>())),
      state_(make_state<Num>(algorithm.kind(), server, settings)) {
  for (const RoundOp& op : recipe_) {
    if (op.kind == OpKind::kAllReduce && op.bytes != state_->sums().size_bytes()) {
      throw std::logic_error("the recipe's all-reduce does not match the host's sums");
    }
  }
}

template <class Num>
void Trainer<Num>::round(uint64_t r) {
  for (const RoundOp& op : recipe_) {
    switch (op.kind) {
      case OpKind::kPushModel:
        server_.push_model(state_->weights().data(), state_->bias(), op.bytes);
        break;
      case OpKind::kPushOwnModels:
        server_.push_own_models_and_prox(op.bytes, op.copies);
        break;
      case OpKind::kLaunchGradient:
        server_.launch_gradient(op.first_row_of(r), op.count);
        break;
      case OpKind::kLaunchLocalSteps:
        server_.launch_local_steps(op.first_row_of(r), op.count);
        break;
      case OpKind::kPullGradients:
        server_.pull_gradient_sums(state_->sums().data(), op.bytes);
        break;
      case OpKind::kPullModelSums:
        server_.pull_model_sums(state_->sums().data(), op.bytes);
        break;
      case OpKind::kPullModels:
        server_.pull_models(op.bytes);
        break;
      case OpKind::kHostReduce:
        server_.charge_host(op.bytes);
        break;
      case OpKind::kAllReduce: {
        state_->before_allreduce(server_);
        // Every server waits for the slowest; the network time is charged for the payload.
        const CollectiveTime t = cluster_.allreduce_sum(state_->sums(), server_.now(), net_);
        const bool many = cluster_.size() > 1;
        server_.charge_collective(t.wait, many ? t.network : Picoseconds{}, many ? op.bytes : 0);
        if (many) server_.sums_changed();  // the other servers' entries joined them
        break;
      }
      case OpKind::kHostUpdate:
        state_->after_allreduce(server_);
        server_.charge_host(op.bytes);
        break;
    }
  }
}

template class Trainer<FixedQ31>;
template class Trainer<Float32>;
template class Trainer<Float32Saturating>;

}  // namespace pimscale
