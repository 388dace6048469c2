// Internal to src/algorithms: the three algorithm objects, and the host state GA-SGD and MA-SGD
// share. Not part of the folder's interface (algorithm.h and trainer.h are).
#pragma once

#include <vector>

#include "src/algorithms/algorithm.h"
#include "src/algorithms/trainer.h"

namespace pimscale {

const Algorithm& ga_sgd_algorithm();
const Algorithm& ma_sgd_algorithm();
const Algorithm& admm_algorithm();

// Defines `builder` (trainer.h's make_*_state) for the three arithmetics: a State<Num> on the
// server. (A template name and a function name cannot be parenthesised.)
// NOLINTBEGIN(bugprone-macro-parentheses)
#define PIMSCALE_HOST_STATE_BUILDER(builder, State)                                             \
  template <class Num>                                                                          \
  std::unique_ptr<HostState<Num>> builder(PimServer<Num>& server, const AlgorithmSettings& s) { \
    return std::make_unique<State<Num>>(server, s);                                             \
  }                                                                                             \
  template std::unique_ptr<HostState<FixedQ31>> builder(PimServer<FixedQ31>&,                   \
                                                        const AlgorithmSettings&);              \
  template std::unique_ptr<HostState<Float32>> builder(PimServer<Float32>&,                     \
                                                       const AlgorithmSettings&);               \
  template std::unique_ptr<HostState<Float32Saturating>> builder(PimServer<Float32Saturating>&, \
                                                                 const AlgorithmSettings&);
// NOLINTEND(bugprone-macro-parentheses)

// The state GA-SGD and MA-SGD share: one global model every server holds, and the sums over DPUs.
template <class Num>
class GlobalModelState : public HostState<Num> {
 public:
  using Weight = typename Num::Weight;
  using Wide = typename Num::Wide;

  // `model`, when given, holds the global model instead of a vector of the state's own (MA-SGD's
  // sparse base: one buffer that the push and the average need not copy).
  GlobalModelState(const PimServer<Num>& server, const AlgorithmSettings& s,
                   std::span<Weight> model = {})
      : s_(s),
        w_(model.empty() ? server.layout().weights : 0, Weight{0}),
        model_(model.empty() ? std::span<Weight>(w_) : model),
        sums_(server.layout().weights + 1, Wide{0}) {}
  GlobalModelState(const GlobalModelState&) = delete;  // model_ may point into w_
  GlobalModelState& operator=(const GlobalModelState&) = delete;

  std::span<const Weight> weights() const override { return model_; }
  Wide bias() const override { return bias_; }
  std::span<Wide> sums() override { return sums_; }
  void state(StateArchive& a) override {
    a(w_);
    a(bias_);
    a(sums_);
  }

 protected:
  AlgorithmSettings s_;
  MramVector<Weight> w_;     // the model, unless held elsewhere (then empty)
  std::span<Weight> model_;  // the model: w_ or the one given
  Wide bias_{0};
  MramVector<Wide> sums_;  // [weights + 1], the bias last
};

// GA-SGD and MA-SGD: the L2 regulariser (2^-reg / 2) ||w||^2, whose gradient step is their decay
// w 2^-(lr + reg).
// They also keep the same host state (one global model and the sums over DPUs: GlobalModelState),
// run one round per step of every DPU, and all-reduce one vector of sums.
class L2Algorithm : public Algorithm {
 public:
  uint64_t rounds_per_epoch(uint64_t steps) const override { return steps; }
  uint64_t allreduce_vectors() const override { return 1; }
  double regulariser(std::span<const double> w, const AlgorithmSettings& s) const override;
  std::vector<HostMemoryItem> host_memory(const ServerLayout& layout, footprint::WordSizes words,
                                          uint64_t held_entries) const override;
};

}  // namespace pimscale
