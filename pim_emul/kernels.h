// The DPU training kernels: what one DPU computes in one launch, in its own arithmetic (Num:
// FixedQ31 or Float32), and the events it counts doing so. One source serves LR and SVM, dense and
// sparse data, GA-SGD's gradient sums and MA-SGD/ADMM's local steps. Not responsible for timing
// (dpu_cost.h) or host steps.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "pim_emul/event_counts.h"
#include "pim_emul/exp_table.h"
#include "pim_emul/hardware_spec.h"
#include "pim_emul/numerics.h"

namespace pimscale {

enum class ModelKind { kLr, kSvm };

struct KernelConfig {
  ModelKind model = ModelKind::kLr;
  int lr_shift = 0;     // learning rate 2^-lr
  int decay_shift = 0;  // lr + reg: the L2 (or ADMM proximal) term is (w [+ u - z]) * 2^-(lr + reg)
  int batch_log2 = 0;   // MA-SGD/ADMM: the per-DPU mini-batch b as a shift (1/b)
  double svm_margin = 0x1.0p-15;  // hinge test y z < margin, real units (PIM-Opt's DPU code: 2^-15)
  bool class_weights = false;     // Criteo: positive-class terms x15, negative x0.5
  // SVM: the share of rows inside the margin assumed where no kernel runs (dry accounting,
  // predict); 1, every row, bounds the time from above. Runs count the rows they find.
  double svm_active_fraction = 1;
  const ExpTable* exp = nullptr;  // the sigmoid's exp (LR)
  // false: the kernels compute and leave their counts as they found them, for a caller that counts
  // the launch itself with count_gradient / count_local_steps (LR, where every row is active, so
  // those give the kernels' counts: PimServer memoises them).
  bool count_events = true;
};

// One DPU's dense rows as they sit in its MRAM.
template <class Num>
struct DenseShard {
  const typename Num::Feature* x = nullptr;  // [rows x padded_features]
  const uint8_t* y = nullptr;                // labels {0, 1}
  uint64_t rows = 0;
  uint64_t padded_features = 0;  // a multiple of 2 * tasklets (8-byte aligned tasklet slices)
};

// One DPU's sparse binary rows (CSR). The bias is the weight at index bias_index (= the feature
// count).
struct SparseShard {
  const uint64_t* offsets = nullptr;  // [rows + 1], local
  const uint32_t* indices = nullptr;
  const uint8_t* y = nullptr;
  uint64_t rows = 0;
  uint64_t bias_index = 0;
};

// GA-SGD: the summed gradient of rows [first, first + rows) at model (w, bias); the buffer is
// zeroed first. Dense: g [padded_features] (Num::Weight, saturating in fixed point) and g_bias. Per
// row:
//   LR:  z = bias + sum_j x_j w_j; d = sigmoid(z) - y; g_j += x_j d 2^-lr; g_bias += d 2^-lr
//   SVM: if y' z < margin (y' = +-1): g_j -= y' x_j 2^-lr; g_bias -= y' 2^-lr
// `ahead`: where the rows the caller runs next begin (the next DPU's, laid out as these), or null;
// they are fetched from memory while this call computes from cache. It changes no result.
template <class Num>
void dense_gradient(const DenseShard<Num>& shard, const typename Num::Weight* w,
                    typename Num::Wide bias, uint64_t first, uint64_t rows, const KernelConfig& cfg,
                    const DpuSpec& dpu, typename Num::Weight* g, typename Num::Wide* g_bias,
                    DpuCounts& counts, const typename Num::Feature* ahead = nullptr);

// Sparse: g [weights] (Num::Wide); the bias is w[bias_index], its gradient g[bias_index].
template <class Num>
void sparse_gradient(const SparseShard& shard, const typename Num::Weight* w, uint64_t weights,
                     uint64_t first, uint64_t rows, const KernelConfig& cfg, const DpuSpec& dpu,
                     typename Num::Wide* g, DpuCounts& counts);

// An entry with no slot in a slot map (the scratch of the sparse kernels below).
inline constexpr uint32_t kNoSlot = ~uint32_t{0};
// How many entries ahead loops over a sparse entry list fetch the model-sized arrays they read at
// random (waiting for each read in turn cost most of those loops).
inline constexpr uint64_t kPrefetch = 64;

// One DPU's sparse gradient as the entries whose sums are not zero, each once (in the order the
// rows first touch them, the bias among them) with its sum: bit for bit sparse_gradient's g there;
// every entry not listed of that g is zero. Leaving the zeros out changes no sum the host forms:
// integers plainly, and floats because no sum here is ever -0.0f (sums start at +0.0f, and in
// round-to-nearest x + y is -0.0f only when both are), so adding a zero of either sign leaves it.
template <class Num>
struct TouchedGradient {
  std::vector<uint32_t> index;
  std::vector<typename Num::Wide> value;
};

// sparse_gradient holding only what the rows touch: the emulator's time grows with the batch's
// non-zeros, not with the features (the DPU's own zeroing of its full buffer is still counted).
// The rows' terms add into `g` [weights], as sparse_gradient's, which must be zero on entry; each
// listed entry's sum is then taken out of it, so it is zero again on return. The rows' indices are
// below bias_index (as validated).
template <class Num>
void sparse_gradient_touched(const SparseShard& shard, const typename Num::Weight* w,
                             uint64_t weights, uint64_t first, uint64_t rows,
                             const KernelConfig& cfg, const DpuSpec& dpu, typename Num::Wide* g,
                             TouchedGradient<Num>& out, DpuCounts& counts);

// MA-SGD (steps = 1) and ADMM (steps = a local epoch): `steps` mini-batch steps of b = 2^batch_log2
// rows from `first`, each a gradient sum followed by apply_update on the DPU's own model. `prox`
// (ADMM: u_i - z, or null) joins the decay term. `g` is scratch of the gradient's size. `ahead` as
// dense_gradient's. `from` (or null): the model the first step starts from instead of w's own
// (MA-SGD's pushed global model), so that w is written by that step, not copied and then read:
// the same result as w = from before the steps. `sums` (or null; steps >= 1): the last step's
// model is added to sums[0, n) (widened) instead of written to w, which then holds the model
// before that step (MA-SGD: the host sums the models and pushes a new one before the next step).
template <class Num>
void dense_local_steps(const DenseShard<Num>& shard, typename Num::Weight* w,
                       typename Num::Wide& bias, const typename Num::Weight* prox, uint64_t first,
                       uint64_t steps, const KernelConfig& cfg, const DpuSpec& dpu,
                       typename Num::Weight* g, typename Num::Wide& g_bias, DpuCounts& counts,
                       const typename Num::Feature* ahead = nullptr,
                       const typename Num::Weight* from = nullptr,
                       typename Num::Wide* sums = nullptr);

// One DPU's model for MA-SGD's and ADMM's local steps, as the emulator holds it. Dense rows touch
// every weight: `w` (and `prox`) hold them all and `index` is empty. Sparse rows touch few: the
// server's DPUs share a base (the model at the launch's start and, for ADMM, u_i - z there) and a
// DPU holds only the entries its rows have read, at `index`, in first-read order (a single step
// from the base, MA-SGD's: only those whose gradient was not zero); every other entry of its model
// is what the base's entry becomes after the same steps with a zero gradient.
// Memory grows with the features a DPU's rows touch, not with the model; the DPU itself (and every
// emulated transfer) still holds the whole model.
template <class Num>
struct DpuModel {
  std::vector<uint32_t> index;
  std::vector<typename Num::Weight> w;
  std::vector<typename Num::Weight> prox;  // ADMM: u_i - z at the same entries; else empty
  // One step from the base (MA-SGD, fixed point): at the same entries, the base's entry after the
  // launch (what every DPU not holding it holds), so the host's integer sums need not read the
  // base at random; else empty.
  std::vector<typename Num::Weight> after;
  typename Num::Wide bias{0};  // dense rows (sparse: inside w)
};

// `model` takes `steps` sparse local steps over the shared base (`base_prox` null for MA-SGD): an
// entry first read at step k joins it with the base's value after k zero-gradient updates (one
// step from an empty model, MA-SGD's: the entries with a non-zero gradient join, updated). Bit for
// bit the full-model computation. `g` [weights] must be zero and is zero again on return; `slot`
// [weights] must be kNoSlot and is again.
template <class Num>
void sparse_local_steps(const SparseShard& shard, const typename Num::Weight* base_w,
                        const typename Num::Weight* base_prox, uint64_t weights,
                        DpuModel<Num>& model, uint64_t first, uint64_t steps,
                        const KernelConfig& cfg, const DpuSpec& dpu, typename Num::Wide* g,
                        uint32_t* slot, DpuCounts& counts);

// What `steps` local steps do to the entries no row reads (the update with a zero gradient), for
// entries [lo, hi) of a sparse base.
template <class Num>
void untouched_steps(typename Num::Weight* w, const typename Num::Weight* prox, uint64_t lo,
                     uint64_t hi, uint64_t steps, const KernelConfig& cfg);

// ---- Event counts alone (the kernels above count through these; dry accounting calls them
// directly). ----

// What a kernel's events depend on: the model entries on the DPU and, for sparse rows, each row's
// non-zero count, from `offsets` (the DPU's local CSR offsets) or, when null, `nnz_per_row` for
// every row.
struct RowShape {
  bool sparse = false;
  uint64_t weights = 0;  // dense: padded features; sparse: weights incl. the bias
  const uint64_t* offsets = nullptr;
  uint64_t nnz_per_row = 0;
};

// The non-zeros of rows [0, rows) of a sparse shape (0 for dense).
inline uint64_t nonzeros(const RowShape& shape, uint64_t rows) {
  if (!shape.sparse) return 0;
  return shape.offsets ? shape.offsets[rows] - shape.offsets[0] : rows * shape.nnz_per_row;
}

// The events of dense_gradient / sparse_gradient over rows [first, first + rows), without running
// them: every row's dot product and decision, and the gradient part of the rows assumed active
// (LR: all; SVM: cfg.svm_active_fraction of them). The kernels count the same base and the
// gradient part of the rows they find active.
template <class Num>
void count_gradient(const RowShape& shape, uint64_t first, uint64_t rows, const KernelConfig& cfg,
                    const DpuSpec& dpu, DpuCounts& counts);
// The events of dense_local_steps / sparse_local_steps (with `prox`: ADMM's u - z read in each
// update), as count_gradient's.
template <class Num>
void count_local_steps(const RowShape& shape, uint64_t first, uint64_t steps, bool prox,
                       const KernelConfig& cfg, const DpuSpec& dpu, DpuCounts& counts);

// The SGD step of every algorithm (GA-SGD on the host, MA-SGD and ADMM on the DPUs), per weight j:
//   w_j <- sat(w_j - guard(g_j >> batch_log2) - guard((w_j [+ prox_j]) >> decay_shift))
template <class Num, class G>
void apply_update(typename Num::Weight* w, uint64_t n, const G* g, int batch_log2, int decay_shift,
                  const typename Num::Weight* prox);
// apply_update's result from `from` written to w (w = from, then apply_update), bit for bit.
template <class Num, class G>
void apply_update_from(typename Num::Weight* w, const typename Num::Weight* from, uint64_t n,
                       const G* g, int batch_log2, int decay_shift,
                       const typename Num::Weight* prox);
// apply_update (no proximal term) where g is zero outside `support` (entries listed, repeats
// allowed): the listed entries are computed from the weights before the update, then every entry
// is decayed with a zero gradient, then the listed ones written. Bit for bit apply_update.
template <class Num, class G>
void apply_update_on(typename Num::Weight* w, uint64_t n, const G* g,
                     std::span<const uint32_t> support, int batch_log2, int decay_shift);
// The dense bias (no L2, no proximal term): sat(bias - guard(g_bias >> batch_log2)).
template <class Num>
typename Num::Wide updated_bias(typename Num::Wide bias, typename Num::Wide g_bias, int batch_log2);

// LR's sigmoid pieces, exposed for exact tests (fixed point).
int64_t lr_dense_dot(const uint32_t* x, const int32_t* w, uint64_t n, int64_t bias);

}  // namespace pimscale
