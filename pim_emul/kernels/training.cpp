// The training kernels of pim_emul/kernels.h: PIM-Opt's DPU code (GA-SGD, MA-SGD and ADMM x LR and
// SVM x YFCC100M-HNfc6 dense and Criteo sparse), restated once over the arithmetic policy Num.
#include <algorithm>
#include <bit>
#include <cstring>
#include <type_traits>
#include <utility>

#include "pim_emul/kernels.h"
#include "pim_emul/kernels/counting.h"

namespace pimscale {

namespace {

// The error of one row: LR's d = sigmoid(z) - y, or SVM's hinge decision. `active` is false when an
// SVM row is outside the margin (its gradient is zero).
template <class Num>
struct RowError {
  typename Num::Wide d;
  bool active;
};

template <class Num>
RowError<Num> row_error(typename Num::Wide z, uint8_t y, const KernelConfig& cfg) {
  using Wide = typename Num::Wide;
  if (cfg.model == ModelKind::kLr) {
    return {Num::sigmoid(z, *cfg.exp) - (y == 1 ? Num::one() : Wide{0}), true};
  }
  const Wide yz = y == 1 ? z : -z;
  return {y == 1 ? Wide{-1} : Wide{1},
          yz < Num::from_real_margin(cfg.svm_margin)};  // d: the sign -y'
}

// A positive-class term x15, a negative one x0.5 (Criteo presets), each as the DPU code computes
// it.
template <class Num>
typename Num::Wide class_weighted(typename Num::Wide t, uint8_t y, const KernelConfig& cfg) {
  if (!cfg.class_weights) return t;
  return y == 1 ? Num::weight_positive(t) : Num::weight_negative(t);
}

// The gradient term of a binary (or unit) feature: LR d 2^-lr; SVM -y' 2^-lr.
template <class Num>
typename Num::Wide unit_term(const RowError<Num>& e, uint8_t y, const KernelConfig& cfg) {
  using Wide = typename Num::Wide;
  if (cfg.model == ModelKind::kLr) {
    const Wide t = Num::shift(e.d, cfg.lr_shift);
    return Num::is_dropped(t) ? Wide{0} : class_weighted<Num>(t, y, cfg);
  }
  const Wide t = class_weighted<Num>(Num::shift(Num::one(), cfg.lr_shift), y, cfg);
  return e.d < 0 ? -t : t;
}

// z = bias + sum_j x_j w_j (fixed: each term (x w) >> 31 on its own, no guard).
template <class Num>
typename Num::Wide dense_dot(const typename Num::Feature* x, const typename Num::Weight* w,
                             uint64_t n, typename Num::Wide bias) {
  typename Num::Wide z = bias;
  for (uint64_t j = 0; j < n; ++j) z += Num::product(x[j], w[j]);  // vectorised
  return z;
}

// FixedQ31's dense arithmetic restated on unsigned 32 x 32 -> 64-bit products and logical shifts,
// which vector units have (signed 64-bit products and arithmetic shifts they often lack), bit for
// bit the values of dense_dot and the terms guard((x d) >> k) of dense_rows:
// - the dot: with w' = w + 2^31 (unsigned), x w = x w' - x 2^31, so
//   (x w) >> 31 = ((x w') >> 31) - x;
// - a gradient term of d >= 0 is (x d) >> k (never -1); of d < 0 it is -ceil(x |d| / 2^k), and 0
//   where that is -1 (the guard).
// For uint32 x and |d| <= 2^31 (LR's d = sigmoid - y lies there) every product is below 2^63 and,
// with the rounding term (below 2^63 too), nothing wraps.
namespace q31 {

// The dots of kRows rows `stride` apart at one model: each model entry is read and widened once for
// all of them (GA-SGD's rows and those of one local step all see the same model). Each row's sum
// of ((x w') >> 31) - x wraps as uint64, exact modulo 2^64: its int64 value is the dot's.
template <uint64_t kRows>
void dots(const uint32_t* x, uint64_t stride, const int32_t* w, uint64_t n, int64_t bias,
          int64_t* z) {
  uint64_t acc[kRows] = {};
  for (uint64_t j = 0; j < n; ++j) {  // vectorised
    const uint64_t w_biased = static_cast<uint32_t>(w[j]) ^ 0x80000000u;
    for (uint64_t r = 0; r < kRows; ++r) {
      const uint64_t xj = x[r * stride + j];
      acc[r] += ((xj * w_biased) >> fixed::kQ31Shift) - xj;
    }
  }
  for (uint64_t r = 0; r < kRows; ++r) z[r] = bias + static_cast<int64_t>(acc[r]);
}

// The saturating steps on 32-bit lanes: g + t stops at 2^31 - 1 and g - t at -(2^31 - 1), the
// room to the bound (below 2^32) computed without wrapping as unsigned.
inline int32_t plus_saturated(int32_t g, uint32_t t) {
  const uint32_t room = static_cast<uint32_t>(fixed::kQ31Max) - static_cast<uint32_t>(g);
  return static_cast<int32_t>(static_cast<uint32_t>(g) + std::min(t, room));
}
inline int32_t minus_saturated(int32_t g, uint32_t t) {
  const uint32_t room = static_cast<uint32_t>(g) - static_cast<uint32_t>(fixed::kQ31Min);
  return static_cast<int32_t>(static_cast<uint32_t>(g) - std::min(t, room));
}

// g_j <- sat(g_j + (x_j m) >> k), k >= 32 (so the term fits 32 bits).
void add_terms(int32_t* g, const uint32_t* x, uint64_t n, uint32_t m, int k) {
  for (uint64_t j = 0; j < n; ++j) {  // vectorised
    g[j] = plus_saturated(g[j], static_cast<uint32_t>((uint64_t{x[j]} * uint64_t{m}) >> k));
  }
}

// g_j <- sat(g_j + guard(-(x_j m) >> k)) = sat(g_j - c_j), c_j = ceil(x_j m / 2^k) but 0 where it
// is 1; k >= 32.
void add_negative_terms(int32_t* g, const uint32_t* x, uint64_t n, uint32_t m, int k) {
  const uint64_t round_up = (uint64_t{1} << k) - 1;
  for (uint64_t j = 0; j < n; ++j) {  // vectorised
    const auto c = static_cast<uint32_t>((uint64_t{x[j]} * uint64_t{m} + round_up) >> k);
    g[j] = minus_saturated(g[j], c == 1 ? 0 : c);
  }
}

// SVM's terms, +- (x_j >> k) (no guard after the negation).
void add_shifted(int32_t* g, const uint32_t* x, uint64_t n, int k) {
  for (uint64_t j = 0; j < n; ++j) g[j] = plus_saturated(g[j], x[j] >> k);  // vectorised
}
void subtract_shifted(int32_t* g, const uint32_t* x, uint64_t n, int k) {
  for (uint64_t j = 0; j < n; ++j) g[j] = minus_saturated(g[j], x[j] >> k);  // vectorised
}

// The shift of a row's gradient terms: LR's (x d) >> (31 + lr), SVM's x >> lr.
int term_shift(const KernelConfig& cfg) {
  return cfg.model == ModelKind::kLr ? fixed::kQ31Shift + cfg.lr_shift : cfg.lr_shift;
}

// Whether an LR row of error d can take the unsigned path: |d| <= 2^31 and 32 <= k < 64.
bool unsigned_path(int64_t d, int k) {
  return d >= -fixed::kQ31One && d <= fixed::kQ31One && k >= 32 && k < 64;
}

// One row's gradient terms in one form: c = (x m + round_up) >> k, then 0 where c == guard, then
// subtracted where `negative`. LR, d >= 0: m = d (guard 0: c = 0 adds nothing either way); d < 0:
// m = |d|, round_up 2^k - 1, guard 1; SVM: m = 1, k = lr; a row outside the margin: m = 0.
struct RowTerm {
  uint64_t m = 0, round_up = 0;
  uint32_t guard = 0;
  uint32_t negative = 0;  // all ones: the term is subtracted
};

// The largest |term| of a row (LR: x |d| < 2^63, so c <= 2^(63 - k); SVM: x >> k < 2^(32 - k)):
// `rows` rows' terms summed from zero never reach the saturation bound when rows x this <= 2^31 -
// 1, and the saturating steps are then plain additions. 0 where the unsigned path does not apply.
uint64_t largest_term(const KernelConfig& cfg) {
  if (cfg.class_weights) return 0;
  const int k = term_shift(cfg);
  if (cfg.model == ModelKind::kLr) return k >= 32 && k < 64 ? uint64_t{1} << (63 - k) : 0;
  return k < 32 ? uint64_t{1} << (32 - k) : 0;
}

// The RowTerms of a block's rows; false where a row needs the general loop (LR's d off the unsigned
// path), and the block then goes row by row.
template <uint64_t kRows>
bool block_terms(const RowError<FixedQ31>* e, const KernelConfig& cfg, RowTerm* t) {
  const int k = term_shift(cfg);
  for (uint64_t i = 0; i < kRows; ++i) {
    if (!e[i].active) continue;  // m = 0: no term
    if (cfg.model == ModelKind::kSvm) {
      t[i] = {1, 0, 0, e[i].d < 0 ? ~0u : 0u};
    } else if (!unsigned_path(e[i].d, k)) {
      return false;
    } else if (e[i].d >= 0) {
      t[i] = {static_cast<uint64_t>(e[i].d), 0, 0, 0u};
    } else {
      t[i] = {static_cast<uint64_t>(-e[i].d), (uint64_t{1} << k) - 1, 1, ~0u};
    }
  }
  return true;
}

// g_j += the terms of kRows rows `stride` apart at once, where no sum can saturate (largest_term):
// each g_j is read and written once for all the rows, in plain 32-bit additions (wrapping as
// unsigned, exact because nothing reaches the bound). Meanwhile the rows read next (`next`, laid
// out as x) are fetched, a line of each for each line of x: this pass computes from cache, so the
// memory would otherwise idle, and the next dots would wait for it.
// kFromZero: g_j = the terms (g is not read).
template <uint64_t kRows, bool kFromZero>
void add_block_terms(int32_t* g, const uint32_t* x, uint64_t stride, uint64_t n, int k,
                     const RowTerm* t, const uint32_t* next) {
  auto at = [&](uint64_t j) {
    auto acc = kFromZero ? 0u : static_cast<uint32_t>(g[j]);
    for (uint64_t r = 0; r < kRows; ++r) {
      auto c = static_cast<uint32_t>((uint64_t{x[r * stride + j]} * t[r].m + t[r].round_up) >> k);
      c = c == t[r].guard ? 0 : c;
      acc += (c ^ t[r].negative) - t[r].negative;
    }
    g[j] = static_cast<int32_t>(acc);
  };
  constexpr uint64_t kLine = 64 / sizeof(uint32_t);
  uint64_t j0 = 0;
  for (; j0 + kLine <= n; j0 += kLine) {  // a prefetch cannot fault: `next` may run past its rows
    for (uint64_t r = 0; r < kRows; ++r) __builtin_prefetch(next + r * stride + j0, 0, 2);
    for (uint64_t j = j0; j < j0 + kLine; ++j) at(j);  // vectorised
  }
  for (uint64_t j = j0; j < n; ++j) at(j);
}

}  // namespace q31

using kernel_counts::ActiveRows;

template <class Num>
typename Num::Wide dense_row_dot(const typename Num::Feature* x, const typename Num::Weight* w,
                                 uint64_t n, typename Num::Wide bias) {
  if constexpr (std::is_same_v<Num, FixedQ31>) {
    int64_t z = 0;
    q31::dots<1>(x, n, w, n, bias, &z);
    return z;
  } else {
    return dense_dot<Num>(x, w, n, bias);
  }
}

// FixedQ31's gradient terms of one row without class weights on the unsigned path; false where
// the row needs the general loop.
template <class Num>
bool q31_row_terms(const typename Num::Feature* x, uint64_t n, const RowError<Num>& e,
                   const KernelConfig& cfg, typename Num::Weight* g) {
  if constexpr (std::is_same_v<Num, FixedQ31>) {
    if (cfg.class_weights) return false;
    if (cfg.model == ModelKind::kLr) {  // guard((x d) >> (31 + lr))
      const int k = q31::term_shift(cfg);
      if (!q31::unsigned_path(e.d, k)) return false;
      if (e.d >= 0)
        q31::add_terms(g, x, n, static_cast<uint32_t>(e.d), k);
      else
        q31::add_negative_terms(g, x, n, static_cast<uint32_t>(-e.d), k);
      return true;
    }
    // SVM: -+ guard(x >> lr), x >= 0 (never -1)
    if (cfg.lr_shift >= 32) return false;
    if (e.d < 0)
      q31::subtract_shifted(g, x, n, cfg.lr_shift);
    else
      q31::add_shifted(g, x, n, cfg.lr_shift);
    return true;
  } else {
    return false;
  }
}

// `ahead`: the rows the caller reads after these (null: none), fetched while the last terms run.
// g [padded_features] gets the rows' summed terms (its contents are not read); g_bias adds theirs.
template <class Num>
void dense_rows(const DenseShard<Num>& s, const typename Num::Weight* w, typename Num::Wide bias,
                uint64_t first, uint64_t rows, const KernelConfig& cfg, typename Num::Weight* g,
                typename Num::Wide& g_bias, ActiveRows<Num>& active,
                const typename Num::Feature* ahead) {
  using Wide = typename Num::Wide;
  const uint64_t n = s.padded_features;
  bool zeroed = false;  // g holds sums from zero (a fused first block writes it without a clear)
  auto zero = [&] {
    if (!zeroed) std::fill(g, g + n, typename Num::Weight{0});
    zeroed = true;
  };
  // Row r's gradient terms, given its error (the model is the same for all the rows: w is read
  // only).
  auto terms = [&](uint64_t r, const RowError<Num>& e) {
    const typename Num::Feature* x = s.x + r * n;
    if (!e.active) return;  // SVM, outside the margin: the DPU code skips the gradient
    active.add(0);
    if (q31_row_terms<Num>(x, n, e, cfg, g)) {
      // done on the unsigned path
    } else if (cfg.model == ModelKind::kLr) {  // float, or fixed with class weights or lr = 0
      for (uint64_t j = 0; j < n; ++j) {
        Num::accumulate(
            g[j], class_weighted<Num>(Num::scaled_product(x[j], e.d, cfg.lr_shift), s.y[r], cfg));
      }
    } else {
      for (uint64_t j = 0; j < n; ++j) {
        const Wide t =
            class_weighted<Num>(Num::shift(static_cast<Wide>(x[j]), cfg.lr_shift), s.y[r], cfg);
        Num::accumulate(g[j], e.d < 0 ? -t : t);
      }
    }
    g_bias += unit_term<Num>(e, s.y[r], cfg);
  };
  uint64_t r = first;
  if constexpr (std::is_same_v<Num, FixedQ31>) {
    // Four rows' dots at once, then their errors together (the exp table's reads, at random in
    // 4 MiB, overlap), then their terms: in one pass where no sum of the call's rows can saturate,
    // else row by row in order.
    constexpr uint64_t kBlock = 4;
    const uint64_t largest = q31::largest_term(cfg);
    const bool unsaturated =
        largest != 0 && rows <= static_cast<uint64_t>(fixed::kQ31Max) / largest;
    const int k = q31::term_shift(cfg);
    for (; r + kBlock <= first + rows; r += kBlock) {
      int64_t z[kBlock];
      q31::dots<kBlock>(s.x + r * n, n, w, n, bias, z);
      RowError<Num> e[kBlock];
      for (uint64_t i = 0; i < kBlock; ++i) e[i] = row_error<Num>(z[i], s.y[r + i], cfg);
      q31::RowTerm t[kBlock];
      if (!unsaturated || !q31::block_terms<kBlock>(e, cfg, t)) {
        zero();
        for (uint64_t i = 0; i < kBlock; ++i) terms(r + i, e[i]);
        continue;
      }
      const uint32_t* next = r + kBlock < first + rows ? s.x + (r + kBlock) * n
                             : ahead != nullptr        ? ahead
                                                       : s.x + r * n;  // (no rows next)
      if (zeroed)
        q31::add_block_terms<kBlock, false>(g, s.x + r * n, n, n, k, t, next);
      else
        q31::add_block_terms<kBlock, true>(g, s.x + r * n, n, n, k, t, next);
      zeroed = true;
      for (uint64_t i = 0; i < kBlock; ++i) {
        if (!e[i].active) continue;
        active.add(0);
        g_bias += unit_term<Num>(e[i], s.y[r + i], cfg);
      }
    }
  }
  zero();
  for (; r < first + rows; ++r)
    terms(r, row_error<Num>(dense_row_dot<Num>(s.x + r * n, w, n, bias), s.y[r], cfg));
}

// `weight(j)` reads entry j of the model the rows see (which the gradient does not change);
// `grad(j)` is entry j's gradient sum. Rows go in blocks: the block's dots, then its errors (whose
// exp-table reads, at random in 4 MiB, then overlap instead of waiting in turn), then its terms in
// row order.
template <class Num, class WeightOf, class GradientOf>
void sparse_rows_of(const SparseShard& s, WeightOf&& weight, uint64_t first, uint64_t rows,
                    const KernelConfig& cfg, GradientOf&& grad, ActiveRows<Num>& active) {
  using Wide = typename Num::Wide;
  constexpr uint64_t kBlock = 16;
  Wide z[kBlock];
  RowError<Num> e[kBlock];
  for (uint64_t r0 = first; r0 < first + rows; r0 += kBlock) {
    const uint64_t n = std::min(kBlock, first + rows - r0);
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t r = r0 + i;
      z[i] = static_cast<Wide>(weight(s.bias_index));
      for (uint64_t k = s.offsets[r]; k < s.offsets[r + 1]; ++k) {
        z[i] += static_cast<Wide>(weight(s.indices[k]));  // binary features: x w = w
        __builtin_prefetch(&grad(s.indices[k]), 1);       // the terms below add there
      }
    }
    for (uint64_t i = 0; i < n; ++i) e[i] = row_error<Num>(z[i], s.y[r0 + i], cfg);
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t r = r0 + i;
      if (!e[i].active) continue;
      const uint64_t nnz = s.offsets[r + 1] - s.offsets[r];
      active.add(nnz);
      const Wide t = unit_term<Num>(e[i], s.y[r], cfg);
      for (uint64_t k = s.offsets[r]; k < s.offsets[r + 1]; ++k) grad(s.indices[k]) += t;
      grad(s.bias_index) += t;
    }
  }
}

template <class Num>
void sparse_rows(const SparseShard& s, const typename Num::Weight* w, uint64_t first, uint64_t rows,
                 const KernelConfig& cfg, typename Num::Wide* g, ActiveRows<Num>& active) {
  sparse_rows_of<Num>(
      s, [w](uint64_t j) { return w[j]; }, first, rows, cfg,
      [g](uint64_t j) -> typename Num::Wide& { return g[j]; }, active);
}

// The SGD step of one weight (apply_update's, per entry).
template <class Num, class G>
typename Num::Weight updated_weight(typename Num::Weight w, G g, int batch_log2, int decay_shift,
                                    const typename Num::Weight* prox) {
  using Wide = typename Num::Wide;
  const Wide step = Num::shift(static_cast<Wide>(g), batch_log2);
  const Wide decayed =
      prox ? static_cast<Wide>(w) + static_cast<Wide>(*prox) : static_cast<Wide>(w);
  const Wide decay = Num::shift(decayed, decay_shift);
  return Num::to_weight(static_cast<Wide>(w) - step - decay);
}

// w after `steps` updates with a zero gradient; stops early at a fixed point (the update is a
// function of w alone, so once it returns w it always will).
template <class Num>
typename Num::Weight untouched_weight(typename Num::Weight w, const typename Num::Weight* prox,
                                      uint64_t steps, const KernelConfig& cfg) {
  using Weight = typename Num::Weight;
  for (uint64_t i = 0; i < steps; ++i) {
    const Weight next =
        updated_weight<Num>(w, typename Num::Wide{0}, cfg.batch_log2, cfg.decay_shift, prox);
    static_assert(sizeof(Weight) == sizeof(uint32_t));
    if (std::bit_cast<uint32_t>(next) == std::bit_cast<uint32_t>(w)) break;
    w = next;
  }
  return w;
}

// Whether counting adds the gradient part of the rows assumed active (no kernel ran), or leaves it
// to the kernel that finds them (ActiveRows).
enum class Active { kAssumed, kCountedByKernel };

// Sparse rows' events depend only on each row's non-zero count: runs of equal counts are counted at
// once (Criteo: one run). Then tasklet 0 reads the labels, 512 bytes per 128 rows.
template <class Num>
void count_sparse_gradient(const RowShape& shape, uint64_t first, uint64_t rows,
                           const KernelConfig& cfg, const DpuSpec& dpu, DpuCounts& counts,
                           Active active) {
  // A run of n rows of nnz non-zeros each, ending before row `end`.
  auto run = [&](uint64_t nnz, uint64_t n, uint64_t end) {
    kernel_counts::count_sparse_rows<Num>(nnz, n, cfg, dpu, counts);
    if (active == Active::kAssumed) {
      kernel_counts::count_sparse_active<Num>(nnz, kernel_counts::assumed_active(end - n, n, cfg),
                                              cfg, dpu, counts);
    }
  };
  kernel_counts::count_zero(shape.weights, 8, dpu, counts);
  if (shape.offsets == nullptr) {
    run(shape.nnz_per_row, rows, first + rows);
  } else {
    uint64_t run_nnz = 0, run_rows = 0;
    for (uint64_t r = first; r < first + rows; ++r) {
      const uint64_t nnz = shape.offsets[r + 1] - shape.offsets[r];
      if (nnz != run_nnz && run_rows > 0) {
        run(run_nnz, run_rows, r);
        run_rows = 0;
      }
      run_nnz = nnz;
      ++run_rows;
    }
    if (run_rows > 0) run(run_nnz, run_rows, first + rows);
  }
  count_mram_read(counts.tasklet[0], 512, dpu, (rows + 127) / 128);
}

template <class Num>
void count_gradient_of(const RowShape& shape, uint64_t first, uint64_t rows,
                       const KernelConfig& cfg, const DpuSpec& dpu, DpuCounts& counts,
                       Active active) {
  if (shape.sparse) {
    count_sparse_gradient<Num>(shape, first, rows, cfg, dpu, counts, active);
  } else {
    kernel_counts::count_zero(shape.weights, 4, dpu, counts);
    kernel_counts::count_dense_rows<Num>(rows, shape.weights, cfg, dpu, counts);
    if (active == Active::kAssumed) {
      kernel_counts::count_dense_active<Num>(kernel_counts::assumed_active(first, rows, cfg),
                                             shape.weights, cfg, dpu, counts);
    }
  }
}

template <class Num>
void count_local_steps_of(const RowShape& shape, uint64_t first, uint64_t steps, bool prox,
                          const KernelConfig& cfg, const DpuSpec& dpu, DpuCounts& counts,
                          Active active) {
  const uint64_t b = uint64_t{1} << cfg.batch_log2;
  const uint64_t grad_bytes = shape.sparse ? 8 : 4;  // sparse gradients are int64
  const bool uniform = !shape.sparse || shape.offsets == nullptr;
  if (uniform) {  // every step counts the same but for its active rows: count one, scale by the
                  // steps
    DpuCounts one;
    count_gradient_of<Num>(shape, first, b, cfg, dpu, one, Active::kCountedByKernel);
    kernel_counts::count_update<Num>(shape.weights, grad_bytes, prox, dpu, one);
    add_scaled(counts, one, steps);
    if (active == Active::kAssumed) {
      const uint64_t n = kernel_counts::assumed_active(first, steps * b, cfg);
      if (shape.sparse)
        kernel_counts::count_sparse_active<Num>(shape.nnz_per_row, n, cfg, dpu, counts);
      else
        kernel_counts::count_dense_active<Num>(n, shape.weights, cfg, dpu, counts);
    }
    return;
  }
  for (uint64_t step = 0; step < steps; ++step) {
    count_gradient_of<Num>(shape, first + step * b, b, cfg, dpu, counts, active);
    kernel_counts::count_update<Num>(shape.weights, grad_bytes, prox, dpu, counts);
  }
}

RowShape dense_shape(uint64_t padded_features) { return {false, padded_features, nullptr, 0}; }
RowShape sparse_shape(const SparseShard& s, uint64_t weights) {
  return {true, weights, s.offsets, 0};
}

}  // namespace

template <class Num, class G>
void apply_update(typename Num::Weight* w, uint64_t n, const G* g, int batch_log2, int decay_shift,
                  const typename Num::Weight* prox) {
  for (uint64_t j = 0; j < n; ++j) {  // vectorised
    w[j] = updated_weight<Num>(w[j], g[j], batch_log2, decay_shift, prox ? prox + j : nullptr);
  }
}

template <class Num, class G>
void apply_update_from(typename Num::Weight* w, const typename Num::Weight* from, uint64_t n,
                       const G* g, int batch_log2, int decay_shift,
                       const typename Num::Weight* prox) {
  for (uint64_t j = 0; j < n; ++j) {  // vectorised
    w[j] = updated_weight<Num>(from[j], g[j], batch_log2, decay_shift, prox ? prox + j : nullptr);
  }
}

namespace {

// sums[j] += the weight apply_update_from would write.
template <class Num, class G>
void add_update_from(typename Num::Wide* sums, const typename Num::Weight* from, uint64_t n,
                     const G* g, int batch_log2, int decay_shift,
                     const typename Num::Weight* prox) {
  using Wide = typename Num::Wide;
  for (uint64_t j = 0; j < n; ++j) {  // vectorised
    sums[j] += static_cast<Wide>(
        updated_weight<Num>(from[j], g[j], batch_log2, decay_shift, prox ? prox + j : nullptr));
  }
}

}  // namespace

template <class Num, class G>
void apply_update_on(typename Num::Weight* w, uint64_t n, const G* g,
                     std::span<const uint32_t> support, int batch_log2, int decay_shift) {
  using Weight = typename Num::Weight;
  thread_local std::vector<Weight> listed;  // the listed entries' new values, in list order
  listed.resize(support.size());
  for (size_t k = 0; k < support.size(); ++k) {
    if (k + kPrefetch < support.size()) {  // random reads, fetched ahead
      __builtin_prefetch(w + support[k + kPrefetch]);
      __builtin_prefetch(g + support[k + kPrefetch]);
    }
    const uint32_t j = support[k];
    listed[k] = updated_weight<Num>(w[j], g[j], batch_log2, decay_shift, nullptr);
  }
  for (uint64_t j = 0; j < n; ++j)  // vectorised
    w[j] = updated_weight<Num>(w[j], typename Num::Wide{0}, batch_log2, decay_shift, nullptr);
  for (size_t k = 0; k < support.size(); ++k) w[support[k]] = listed[k];
}

template <class Num>
typename Num::Wide updated_bias(typename Num::Wide bias, typename Num::Wide g_bias,
                                int batch_log2) {
  return Num::saturate(bias - Num::shift(g_bias, batch_log2));
}

template <class Num>
void dense_gradient(const DenseShard<Num>& shard, const typename Num::Weight* w,
                    typename Num::Wide bias, uint64_t first, uint64_t rows, const KernelConfig& cfg,
                    const DpuSpec& dpu, typename Num::Weight* g, typename Num::Wide* g_bias,
                    DpuCounts& counts, const typename Num::Feature* ahead) {
  *g_bias = 0;
  ActiveRows<Num> active(false, shard.padded_features, cfg, dpu, counts);
  dense_rows<Num>(shard, w, bias, first, rows, cfg, g, *g_bias, active, ahead);
  active.finish();
  if (cfg.count_events)
    count_gradient_of<Num>(dense_shape(shard.padded_features), first, rows, cfg, dpu, counts,
                           Active::kCountedByKernel);
}

template <class Num>
void sparse_gradient(const SparseShard& shard, const typename Num::Weight* w, uint64_t weights,
                     uint64_t first, uint64_t rows, const KernelConfig& cfg, const DpuSpec& dpu,
                     typename Num::Wide* g, DpuCounts& counts) {
  std::fill(g, g + weights, typename Num::Wide{0});
  ActiveRows<Num> active(true, weights, cfg, dpu, counts);
  sparse_rows<Num>(shard, w, first, rows, cfg, g, active);
  active.finish();
  if (cfg.count_events)
    count_gradient_of<Num>(sparse_shape(shard, weights), first, rows, cfg, dpu, counts,
                           Active::kCountedByKernel);
}

// Takes the sums of rows [first, first + rows)'s entries, then the bias's, out of `g` (leaving it
// zero): keep(at, j, sum) for each, `at` moving on only past a non-zero sum (a repeat finds zero).
// No branch on the values: every entry is written, and a zero's place is taken by the next. The
// caller's arrays need room for the rows' non-zeros plus one; returns how many were kept.
template <class Wide, class Keep>
size_t take_nonzero_sums(const SparseShard& shard, uint64_t first, uint64_t rows, Wide* g,
                         Keep&& keep) {
  size_t kept = 0;
  auto take = [&](uint32_t j) {
    const Wide v = std::exchange(g[j], Wide{0});
    keep(kept, j, v);
    kept += v != Wide{0} ? 1 : 0;
  };
  for (uint64_t k = shard.offsets[first]; k < shard.offsets[first + rows]; ++k)
    take(shard.indices[k]);
  take(static_cast<uint32_t>(shard.bias_index));
  return kept;
}

template <class Num>
void sparse_gradient_touched(const SparseShard& shard, const typename Num::Weight* w,
                             uint64_t weights, uint64_t first, uint64_t rows,
                             const KernelConfig& cfg, const DpuSpec& dpu, typename Num::Wide* g,
                             TouchedGradient<Num>& out, DpuCounts& counts) {
  using Wide = typename Num::Wide;
  ActiveRows<Num> active(true, weights, cfg, dpu, counts);
  sparse_rows<Num>(shard, w, first, rows, cfg, g, active);
  active.finish();
  // The entries with non-zero sums (a zero sum adds nothing: see TouchedGradient).
  const uint64_t room = shard.offsets[first + rows] - shard.offsets[first] + 1;
  out.index.resize(room);
  out.value.resize(room);
  const size_t kept = take_nonzero_sums(shard, first, rows, g, [&](size_t at, uint32_t j, Wide v) {
    out.index[at] = j;
    out.value[at] = v;
  });
  out.index.resize(kept);
  out.value.resize(kept);
  if (cfg.count_events)
    count_gradient_of<Num>(sparse_shape(shard, weights), first, rows, cfg, dpu, counts,
                           Active::kCountedByKernel);
}

template <class Num>
void dense_local_steps(const DenseShard<Num>& shard, typename Num::Weight* w,
                       typename Num::Wide& bias, const typename Num::Weight* prox, uint64_t first,
                       uint64_t steps, const KernelConfig& cfg, const DpuSpec& dpu,
                       typename Num::Weight* g, typename Num::Wide& g_bias, DpuCounts& counts,
                       const typename Num::Feature* ahead, const typename Num::Weight* from,
                       typename Num::Wide* sums) {
  using Weight = typename Num::Weight;
  const uint64_t b = uint64_t{1} << cfg.batch_log2, n = shard.padded_features;
  if (from && steps == 0) std::copy(from, from + n, w);
  ActiveRows<Num> active(false, n, cfg, dpu, counts);
  for (uint64_t step = 0; step < steps; ++step) {
    g_bias = 0;
    const uint64_t r = first + step * b;
    const Weight* at = step == 0 && from ? from : w;  // the model this step's rows read
    dense_rows<Num>(shard, at, bias, r, b, cfg, g, g_bias, active,
                    step + 1 < steps ? shard.x + (r + b) * n : ahead);
    if (sums != nullptr && step + 1 == steps) {
      add_update_from<Num>(sums, at, n, g, cfg.batch_log2, cfg.decay_shift, prox);
    } else if (at != w) {
      apply_update_from<Num>(w, at, n, g, cfg.batch_log2, cfg.decay_shift, prox);
    } else {
      apply_update<Num>(w, n, g, cfg.batch_log2, cfg.decay_shift, prox);
    }
    bias = updated_bias<Num>(bias, g_bias, cfg.batch_log2);
  }
  active.finish();
  if (cfg.count_events)
    count_local_steps_of<Num>(dense_shape(shard.padded_features), first, steps, prox != nullptr,
                              cfg, dpu, counts, Active::kCountedByKernel);
}

// MA-SGD's one step from the base (the model holding no entry of its own): the rows read the
// base and sum their gradient in `g` by weight (no slots to join), and the model holds the entries
// whose gradient is not zero, updated. An entry with a zero gradient takes the step every untouched
// entry takes (the base's after the launch), so it need not be held.
template <class Num>
void sparse_step_from_base(const SparseShard& shard, const typename Num::Weight* base_w,
                           DpuModel<Num>& model, uint64_t first, const KernelConfig& cfg,
                           typename Num::Wide* g, ActiveRows<Num>& active) {
  using Wide = typename Num::Wide;
  const uint64_t b = uint64_t{1} << cfg.batch_log2;
  sparse_rows<Num>(shard, base_w, first, b, cfg, g, active);
  const uint64_t room = shard.offsets[first + b] - shard.offsets[first] + 1;
  model.index.resize(room);
  model.w.resize(room);
  constexpr bool kAfter = !Num::kFloat;  // for the host's integer sums (node/dpu_sums.h)
  if constexpr (kAfter) model.after.resize(room);
  const size_t kept = take_nonzero_sums(shard, first, b, g, [&](size_t at, uint32_t j, Wide v) {
    model.index[at] = j;
    model.w[at] = updated_weight<Num>(base_w[j], v, cfg.batch_log2, cfg.decay_shift, nullptr);
    if constexpr (kAfter) {  // untouched_steps' one step
      model.after[at] =
          updated_weight<Num>(base_w[j], Wide{0}, cfg.batch_log2, cfg.decay_shift, nullptr);
    }
  });
  model.index.resize(kept);
  model.w.resize(kept);
  if constexpr (kAfter) model.after.resize(kept);
}

// Any number of steps: the model's entries in slots; each entry a step's rows read first joins
// it (as the base's after the steps so far), its gradient sums in slot order, and every held entry
// takes each step's update.
template <class Num>
void sparse_steps_in_slots(const SparseShard& shard, const typename Num::Weight* base_w,
                           const typename Num::Weight* base_prox, DpuModel<Num>& model,
                           uint64_t first, uint64_t steps, const KernelConfig& cfg,
                           typename Num::Wide* g, uint32_t* slot, ActiveRows<Num>& active) {
  using Weight = typename Num::Weight;
  using Wide = typename Num::Wide;
  const uint64_t b = uint64_t{1} << cfg.batch_log2;
  for (size_t k = 0; k < model.index.size(); ++k) slot[model.index[k]] = static_cast<uint32_t>(k);
  for (uint64_t step = 0; step < steps; ++step) {
    const uint64_t r0 = first + step * b;
    // Entries read for the first time join the model as the base's entry after `step` updates.
    auto join = [&](uint32_t j) {
      if (slot[j] != kNoSlot) return;
      const typename Num::Weight* p = base_prox ? base_prox + j : nullptr;
      slot[j] = static_cast<uint32_t>(model.index.size());
      model.index.push_back(j);
      model.w.push_back(untouched_weight<Num>(base_w[j], p, step, cfg));
      if (p) model.prox.push_back(*p);
    };
    join(static_cast<uint32_t>(shard.bias_index));
    const uint64_t hi = shard.offsets[r0 + b];
    for (uint64_t k = shard.offsets[r0]; k < hi; ++k) {
      if (k + kPrefetch < hi) {  // random reads of two model-sized arrays
        __builtin_prefetch(slot + shard.indices[k + kPrefetch]);
        __builtin_prefetch(base_w + shard.indices[k + kPrefetch]);
      }
      join(shard.indices[k]);
    }
    // The gradient in slot order (g[k] is entry model.index[k]'s), so the update below reads
    // every vector in order.
    const auto* w = model.w.data();
    sparse_rows_of<Num>(
        shard, [w, slot](uint64_t j) { return w[slot[j]]; }, r0, b, cfg,
        [g, slot](uint64_t j) -> Wide& { return g[slot[j]]; }, active);
    // The update of every weight after each step (pim-training.md section 4 notes that it
    // dominates a Criteo step on the DPU); here only the held entries, the base's after the launch.
    // The gradient is cleared in the same pass.
    const size_t held = model.index.size();
    Weight* w_held = model.w.data();
    const Weight* prox = base_prox ? model.prox.data() : nullptr;
    const int bl = cfg.batch_log2, d = cfg.decay_shift;
    if (prox) {
      for (size_t k = 0; k < held; ++k) {  // vectorised
        w_held[k] = updated_weight<Num>(w_held[k], std::exchange(g[k], Wide{0}), bl, d, prox + k);
      }
    } else {
      for (size_t k = 0; k < held; ++k)  // vectorised
        w_held[k] = updated_weight<Num>(w_held[k], std::exchange(g[k], Wide{0}), bl, d, nullptr);
    }
  }
  for (const uint32_t j : model.index) slot[j] = kNoSlot;
}

template <class Num>
void sparse_local_steps(const SparseShard& shard, const typename Num::Weight* base_w,
                        const typename Num::Weight* base_prox, uint64_t weights,
                        DpuModel<Num>& model, uint64_t first, uint64_t steps,
                        const KernelConfig& cfg, const DpuSpec& dpu, typename Num::Wide* g,
                        uint32_t* slot, DpuCounts& counts) {
  ActiveRows<Num> active(true, weights, cfg, dpu, counts);
  if (steps == 1 && base_prox == nullptr && model.index.empty()) {
    sparse_step_from_base<Num>(shard, base_w, model, first, cfg, g, active);
  } else {
    sparse_steps_in_slots<Num>(shard, base_w, base_prox, model, first, steps, cfg, g, slot, active);
  }
  active.finish();
  if (cfg.count_events)
    count_local_steps_of<Num>(sparse_shape(shard, weights), first, steps, base_prox != nullptr, cfg,
                              dpu, counts, Active::kCountedByKernel);
}

template <class Num>
void untouched_steps(typename Num::Weight* w, const typename Num::Weight* prox, uint64_t lo,
                     uint64_t hi, uint64_t steps, const KernelConfig& cfg) {
  using Wide = typename Num::Wide;
  const int b = cfg.batch_log2, d = cfg.decay_shift;
  // Every step over a block of entries, then the next block: loops with no early stop, which
  // vectorise (untouched_weight's stop at a fixed point changes nothing: a fixed point stays one).
  // A block stays in L1 across the steps.
  constexpr uint64_t kBlock = 1024;
  for (uint64_t b0 = lo; b0 < hi; b0 += kBlock) {
    const uint64_t b1 = std::min(hi, b0 + kBlock);
    for (uint64_t step = 0; step < steps; ++step) {
      if (prox) {
        for (uint64_t j = b0; j < b1; ++j)  // vectorised
          w[j] = updated_weight<Num>(w[j], Wide{0}, b, d, prox + j);
      } else {
        for (uint64_t j = b0; j < b1; ++j)  // vectorised
          w[j] = updated_weight<Num>(w[j], Wide{0}, b, d, nullptr);
      }
    }
  }
}

template <class Num>
void count_gradient(const RowShape& shape, uint64_t first, uint64_t rows, const KernelConfig& cfg,
                    const DpuSpec& dpu, DpuCounts& counts) {
  count_gradient_of<Num>(shape, first, rows, cfg, dpu, counts, Active::kAssumed);
}

template <class Num>
void count_local_steps(const RowShape& shape, uint64_t first, uint64_t steps, bool prox,
                       const KernelConfig& cfg, const DpuSpec& dpu, DpuCounts& counts) {
  count_local_steps_of<Num>(shape, first, steps, prox, cfg, dpu, counts, Active::kAssumed);
}

int64_t lr_dense_dot(const uint32_t* x, const int32_t* w, uint64_t n, int64_t bias) {
  return dense_row_dot<FixedQ31>(x, w, n, bias);
}

// Both arithmetics, every kernel.
#define PIMSCALE_KERNELS(Num)                                                                      \
  template void dense_gradient<Num>(const DenseShard<Num>&, const Num::Weight*, Num::Wide,         \
                                    uint64_t, uint64_t, const KernelConfig&, const DpuSpec&,       \
                                    Num::Weight*, Num::Wide*, DpuCounts&, const Num::Feature*);    \
  template void sparse_gradient<Num>(const SparseShard&, const Num::Weight*, uint64_t, uint64_t,   \
                                     uint64_t, const KernelConfig&, const DpuSpec&, Num::Wide*,    \
                                     DpuCounts&);                                                  \
  template void dense_local_steps<Num>(                                                            \
      const DenseShard<Num>&, Num::Weight*, Num::Wide&, const Num::Weight*, uint64_t, uint64_t,    \
      const KernelConfig&, const DpuSpec&, Num::Weight*, Num::Wide&, DpuCounts&,                   \
      const Num::Feature*, const Num::Weight*, Num::Wide*);                                        \
  template void sparse_gradient_touched<Num>(                                                      \
      const SparseShard&, const Num::Weight*, uint64_t, uint64_t, uint64_t, const KernelConfig&,   \
      const DpuSpec&, Num::Wide*, TouchedGradient<Num>&, DpuCounts&);                              \
  template void sparse_local_steps<Num>(                                                           \
      const SparseShard&, const Num::Weight*, const Num::Weight*, uint64_t, DpuModel<Num>&,        \
      uint64_t, uint64_t, const KernelConfig&, const DpuSpec&, Num::Wide*, uint32_t*, DpuCounts&); \
  template void untouched_steps<Num>(Num::Weight*, const Num::Weight*, uint64_t, uint64_t,         \
                                     uint64_t, const KernelConfig&);                               \
  template void apply_update<Num, Num::Weight>(Num::Weight*, uint64_t, const Num::Weight*, int,    \
                                               int, const Num::Weight*);                           \
  template void apply_update_from<Num, Num::Weight>(Num::Weight*, const Num::Weight*, uint64_t,    \
                                                    const Num::Weight*, int, int,                  \
                                                    const Num::Weight*);                           \
  template void apply_update_on<Num, Num::Wide>(Num::Weight*, uint64_t, const Num::Wide*,          \
                                                std::span<const uint32_t>, int, int);              \
  template Num::Wide updated_bias<Num>(Num::Wide, Num::Wide, int);                                 \
  template void count_gradient<Num>(const RowShape&, uint64_t, uint64_t, const KernelConfig&,      \
                                    const DpuSpec&, DpuCounts&);                                   \
  template void count_local_steps<Num>(const RowShape&, uint64_t, uint64_t, bool,                  \
                                       const KernelConfig&, const DpuSpec&, DpuCounts&);
PIMSCALE_KERNELS(FixedQ31)
PIMSCALE_KERNELS(Float32)
PIMSCALE_KERNELS(Float32Saturating)
template void apply_update<FixedQ31, int64_t>(int32_t*, uint64_t, const int64_t*, int, int,
                                              const int32_t*);
#undef PIMSCALE_KERNELS

}  // namespace pimscale
