// GA-SGD (gradient averaging): each DPU sums the gradient of its b/N rows; hosts sum their DPUs'
// gradients; servers all-reduce the sums; every host applies the same update. Rounds per epoch: m /
// b.
#include <fmt/core.h>

#include "pim_emul/fixed_point.h"
#include "src/algorithms/impl.h"
#include "src/base/error.h"

namespace pimscale {

namespace {

class GaSgd final : public L2Algorithm {
 public:
  AlgorithmKind kind() const override { return AlgorithmKind::kGaSgd; }
  DpuModels dpu_models() const override { return DpuModels::kShared; }
  bool global_batch() const override { return true; }

  StepRule step_rule(const BatchContext& c) const override {
    if (c.batch % c.total_dpus != 0) {
      throw InputError(fmt::format(
          "GA-SGD: --batch {} is not a multiple of the {} DPUs ({} servers x {} DPUs), so "
          "the DPUs cannot share it evenly; use a power-of-two DPU count or a larger batch",
          c.batch, c.total_dpus, c.servers, c.dpus));
    }
    // Unequal shares: a server's DPUs take share x b/N rows, so a round's batch is b x sum(shares)
    // / S.
    const uint64_t round_batch =
        c.batch * static_cast<uint64_t>(c.share_sum) / static_cast<uint64_t>(c.servers);
    if (!fixed::is_power_of_two(round_batch)) {
      throw InputError(fmt::format(
          "GA-SGD with --shares {}: a round's batch b x sum(shares) / servers = {} is not a "
          "power of two (1/b is a shift); use shares for which it is (e.g. 1,1,2,4 on 4 "
          "servers), or MA-SGD or ADMM",
          c.shares, round_batch));
    }
    return {c.batch / c.total_dpus, fixed::log2_exact(round_batch)};
  }

  Recipe recipe(const ServerLayout& l, const AlgorithmSettings& s,
                footprint::WordSizes words) const override {
    using namespace footprint;
    const uint64_t dpus = static_cast<uint64_t>(l.dpus), n = l.weights;
    const uint64_t model = model_bytes(l.sparse, n, words),
                   gradient = gradient_bytes(l.sparse, n, words);
    const uint64_t rows =
        s.rows_per_dpu_step * s.share;  // this server's DPUs' part of a round's batch
    return {
        {.kind = OpKind::kPushModel, .bytes = model},
        {.kind = OpKind::kLaunchGradient, .count = rows, .rows_read = rows, .row_stride = rows},
        {.kind = OpKind::kPullGradients, .bytes = gradient},
        // Sum the DPUs' gradients: read every gradient, write the sums.
        {.kind = OpKind::kHostReduce, .bytes = gradient * dpus + sums_bytes(n, words)},
        // Message: the summed gradient and bias, (weights + 1) wide entries.
        {.kind = OpKind::kAllReduce, .bytes = allreduce_bytes(n, words, allreduce_vectors())},
        // The update: read the sums and w, write w.
        {.kind = OpKind::kHostUpdate, .bytes = sums_bytes(n, words) + 2 * n * words.weight},
    };
  }
};

template <class Num>
class GaSgdState final : public GlobalModelState<Num> {
 public:
  using GlobalModelState<Num>::GlobalModelState;
  void after_allreduce(PimServer<Num>& server) override {
    // Sparse rows on one server: the sums are zero outside the entries the DPUs touched.
    ga_sgd_update<Num>(this->model_, this->bias_, this->sums_, this->s_,
                       server.sums_support(this->sums_.data()));
  }
};

}  // namespace

const Algorithm& ga_sgd_algorithm() {
  static const GaSgd kGaSgd;
  return kGaSgd;
}

PIMSCALE_HOST_STATE_BUILDER(make_ga_sgd_state, GaSgdState)

}  // namespace pimscale
