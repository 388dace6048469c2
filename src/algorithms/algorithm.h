// The distributed training algorithms (pim-training.md section 3), each one object that owns
// everything about itself: how the DPUs hold models, what --batch means (rows per DPU step, the
// update's divisor, the checks and their messages), rounds per epoch, the all-reduce, the
// regulariser of its objective, and its round as a recipe (recipe.h) of server operations with byte
// counts. GA-SGD, MA-SGD and ADMM live in their own files; Algorithm::of(kind) is the one table.
// Not responsible for executing a recipe (trainer.h), pricing one (src/predict) or for data loading
// and metrics.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "node/host_memory.h"
#include "node/pim_server.h"
#include "pim_emul/footprint.h"
#include "src/algorithms/recipe.h"
#include "src/config/enums.h"

namespace pimscale {

struct AlgorithmSettings {
  uint64_t rows_per_dpu_step =
      0;  // GA-SGD: b / N of the global batch; MA-SGD and ADMM: the per-DPU b
  uint64_t rounds_per_epoch = 0;  // communication rounds (ADMM: 1)
  int batch_log2 = 0;  // the update's divisor: GA-SGD log2 of a round's global batch; else log2 b
  int lr_shift = 0;
  int reg_shift = 0;       // L2 2^-reg (GA, MA); ADMM's rho 2^-reg
  int alpha = 0;           // ADMM: tau = 2^(alpha - reg) / N
  int64_t total_dpus = 0;  // N over all servers
  uint64_t share =
      1;  // this server's relative rows (--shares): its DPUs take share x the rows per step
};

// What --batch becomes on the DPUs.
struct StepRule {
  uint64_t rows_per_dpu_step = 0;
  int batch_log2 = 0;
};
// What the step rule depends on: the batch and how the cluster shares it.
struct BatchContext {
  uint64_t batch = 0;
  uint64_t total_dpus = 0;  // servers x DPUs per server
  int64_t servers = 0, dpus = 0, share_sum = 0;
  std::string shares;  // as given, for messages
};

class Algorithm {
 public:
  // The one object of each kind.
  static const Algorithm& of(AlgorithmKind kind);
  virtual ~Algorithm() = default;

  virtual AlgorithmKind kind() const = 0;
  std::string_view name() const { return name_of(kind()); }
  // How each DPU holds its model (the PimServer's DpuModels).
  virtual DpuModels dpu_models() const = 0;
  // True when --batch is one global batch split over every DPU (weak scaling grows it with the
  // DPUs); false when it is each DPU's own.
  virtual bool global_batch() const = 0;
  // Rows per DPU step and the update's divisor. Throws InputError for a batch the DPUs cannot
  // share.
  virtual StepRule step_rule(const BatchContext& b) const = 0;
  // Communication rounds per epoch when every DPU's shard holds `steps` steps of rows_per_dpu_step
  // rows.
  virtual uint64_t rounds_per_epoch(uint64_t steps) const = 0;
  // Vectors of (weights + 1) sums all-reduced each round.
  virtual uint64_t allreduce_vectors() const = 0;
  // One round on a server laid out as `layout` in an arithmetic of `words` sizes.
  virtual Recipe recipe(const ServerLayout& layout, const AlgorithmSettings& s,
                        footprint::WordSizes words) const = 0;
  // What the host keeps for the algorithm on one server (the HostState): models, sums, per-DPU
  // state (sparse: on the `held_entries` entries the DPUs hold, node/host_memory.h).
  virtual std::vector<HostMemoryItem> host_memory(const ServerLayout& layout,
                                                  footprint::WordSizes words,
                                                  uint64_t held_entries) const = 0;
  // The regulariser of the objective at the model `w` (real units, one entry per feature).
  virtual double regulariser(std::span<const double> w, const AlgorithmSettings& s) const = 0;
};

// ---- Host steps, exposed for exact tests. ----

// GA-SGD: w <- sat(w - guard(G >> log2 b) - guard(w >> (lr + reg))); dense bias <- sat(b -
// guard(G_b >> log2 b)). sums: [weights + 1], bias last (0 for sparse data, whose bias is a
// weight).
// `support`, when given, lists (repeats allowed) every entry of sums that may be non-zero: the
// update then reads only those and decays the rest, with the same result.
template <class Num>
void ga_sgd_update(std::span<typename Num::Weight> w, typename Num::Wide& bias,
                   std::span<const typename Num::Wide> sums, const AlgorithmSettings& s,
                   std::optional<std::span<const uint32_t>> support = std::nullopt);

// MA-SGD: w <- sat(sum_i w_i / N) (integer division toward zero), bias likewise. `support`, when
// given, lists (repeats allowed) the entries of sums that were written; every other entry's DPUs
// all hold `base`'s, which is then its average.
template <class Num>
void ma_sgd_average(std::span<typename Num::Weight> w, typename Num::Wide& bias,
                    std::span<const typename Num::Wide> sums, int64_t total_dpus,
                    std::optional<std::span<const uint32_t>> support = std::nullopt,
                    std::span<const typename Num::Weight> base = {});

// ADMM's soft threshold: 0 if |t| <= tau, else t -+ tau, saturated.
template <class Num>
typename Num::Wide soft_threshold(typename Num::Wide t, typename Num::Wide tau);
// tau = 2^(alpha - reg) / N in real units (fixed: 2^31 >> (reg - alpha), divided by N).
template <class Num>
typename Num::Wide admm_tau(int alpha, int reg, int64_t total_dpus);

}  // namespace pimscale
