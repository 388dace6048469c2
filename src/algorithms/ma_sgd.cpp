// MA-SGD (model averaging after every local step): push the global model to every DPU; each DPU
// does one mini-batch step of b rows on its own copy; hosts sum their DPUs' models; servers
// all-reduce the sums; every host divides once by the total DPU count N. Rounds per epoch: m / (b
// N). With --shares, a server's DPUs take `share` local steps per round (they hold share x the
// rows).
#include "pim_emul/fixed_point.h"
#include "src/algorithms/impl.h"

namespace pimscale {

namespace {

class MaSgd final : public L2Algorithm {
 public:
  AlgorithmKind kind() const override { return AlgorithmKind::kMaSgd; }
  DpuModels dpu_models() const override { return DpuModels::kPerDpu; }
  bool global_batch() const override { return false; }
  StepRule step_rule(const BatchContext& c) const override {
    return {c.batch, fixed::log2_exact(c.batch)};
  }

  Recipe recipe(const ServerLayout& l, const AlgorithmSettings& s,
                footprint::WordSizes words) const override {
    using namespace footprint;
    const uint64_t dpus = static_cast<uint64_t>(l.dpus), n = l.weights;
    const uint64_t model = model_bytes(l.sparse, n, words);
    const uint64_t rows = s.rows_per_dpu_step * s.share;  // `share` local steps of b rows
    return {
        {.kind = OpKind::kPushModel, .bytes = model},
        {.kind = OpKind::kLaunchLocalSteps,
         .count = s.share,
         .rows_read = rows,
         .row_stride = rows},
        {.kind = OpKind::kPullModelSums, .bytes = model},
        // Sum the DPUs' models: read every model, write the sums.
        {.kind = OpKind::kHostReduce, .bytes = model * dpus + sums_bytes(n, words)},
        // Message: the summed models and biases, (weights + 1) wide entries.
        {.kind = OpKind::kAllReduce, .bytes = allreduce_bytes(n, words, allreduce_vectors())},
        // The average: read the sums, write w.
        {.kind = OpKind::kHostUpdate, .bytes = sums_bytes(n, words) + n * words.weight},
    };
  }

  std::vector<HostMemoryItem> host_memory(const ServerLayout& l, footprint::WordSizes words,
                                          uint64_t held_entries) const override {
    if (!l.sparse) return L2Algorithm::host_memory(l, words, held_entries);
    // MaSgdState: the global model is the server's base (node/host_memory.cpp counts it).
    return {{"sums", footprint::sums_bytes(l.weights, words)}};
  }
};

template <class Num>
class MaSgdState final : public GlobalModelState<Num> {
 public:
  using Weight = typename Num::Weight;
  // Sparse rows: the global model is the server's base, which every DPU starts its step from (the
  // push copies nothing) and which the untouched entries' steps leave as each DPU's own.
  MaSgdState(PimServer<Num>& server, const AlgorithmSettings& s)
      : GlobalModelState<Num>(
            server, s, server.layout().sparse ? server.base_weights() : std::span<Weight>{}) {}
  void after_allreduce(PimServer<Num>& server) override {
    // Sparse integer sums on one server: written where a DPU holds an entry; elsewhere every DPU's
    // entry is the base's, and so is their average (the model already holds it).
    ma_sgd_average<Num>(this->model_, this->bias_, this->sums_, this->s_.total_dpus,
                        server.sums_support(this->sums_.data()), server.base_weights());
  }
};

}  // namespace

const Algorithm& ma_sgd_algorithm() {
  static const MaSgd kMaSgd;
  return kMaSgd;
}

PIMSCALE_HOST_STATE_BUILDER(make_ma_sgd_state, MaSgdState)

}  // namespace pimscale
