// Dense logistic regression kernels (PIM-Opt's YFCC100M-HNfc6 LR DPU code, restated).
#include <cmath>
#include <cstring>

#include "pim_emul/fixed_point.h"
#include "pim_emul/kernels.h"

namespace pimscale {

namespace {

using fixed::kQ31One;
using fixed::kQ31Shift;

// Events of one mini-batch of `rows` samples, per tasklet, for the feature-parallel split.
void count_lr_dense_batch(uint64_t rows, uint64_t padded_features, const DpuSpec& dpu, DpuCounts& counts) {
  const int tasklets = static_cast<int>(dpu.tasklets);
  const uint64_t f = padded_features / static_cast<uint64_t>(tasklets);  // features per tasklet
  const uint64_t slice_bytes = f * 4;
  for (int id = 0; id < tasklets; ++id) {
    TaskletCounts& t = counts.tasklet[id];
    // Zero this tasklet's gradient slice once per launch.
    t.add(Op::kWram, f);
    t.add(Op::kAlu, 2 * f);
    count_mram_write(t, slice_bytes, dpu);
    // Per row: read the X slice and the W slice, dot product over f features.
    count_mram_read(t, slice_bytes, dpu, 2 * rows);
    t.add(Op::kWram, 2 * f * rows);      // load x, load w
    t.add(Op::kInt64Mul, f * rows);      // int64(x) * int64(w)
    t.add(Op::kAlu, 6 * f * rows);       // 64-bit shift (2), 64-bit add (2), loop (2)
    // Per row: gradient slice read-modify-write.
    count_mram_read(t, slice_bytes, dpu, rows);
    count_mram_write(t, slice_bytes, dpu, rows);
    t.add(Op::kWram, 3 * f * rows);      // load x, load g, store g
    t.add(Op::kInt64Mul, f * rows);      // int64(x) * diff
    t.add(Op::kAlu, 10 * f * rows);      // 64-bit shift (2), guard compare (2), saturating add (4), loop (2)
    t.barriers += 2 * rows + 2;
  }
  // Tasklet 0: sum the partial dot products, sigmoid, label, diff; reads labels 8 bytes per 2 rows.
  TaskletCounts& t0 = counts.tasklet[0];
  t0.add(Op::kWram, static_cast<uint64_t>(tasklets) * rows);
  t0.add(Op::kAlu, (2 * static_cast<uint64_t>(tasklets) + 6) * rows);
  t0.add(Op::kFloatDiv, rows);   // (float) z / 2^31
  t0.add(Op::kFloatExp, rows);   // expf(-z)
  t0.add(Op::kDoubleAdd, rows);  // 1.0 + e
  t0.add(Op::kDoubleDiv, rows);  // 2^31 / (1 + e)
  count_mram_read(t0, 8, dpu, (rows + 1) / 2);
  // Last tasklet: reads the bias, adds it to its partial, accumulates the bias gradient, writes it back.
  TaskletCounts& tb = counts.tasklet[tasklets - 1];
  count_mram_read(tb, 8, dpu);
  tb.add(Op::kAlu, 8 * rows);
  count_mram_write(tb, 8, dpu);
}

}  // namespace

int64_t lr_dense_dot(const uint32_t* x, const int32_t* w, uint64_t n, int64_t bias) {
  int64_t z = bias;
  for (uint64_t j = 0; j < n; ++j) z += (static_cast<int64_t>(x[j]) * w[j]) >> kQ31Shift;
  return z;
}

int64_t sigmoid_q31(int64_t z) {
  const float zf = static_cast<float>(z) / static_cast<float>(kQ31One);
  const float e = std::exp(-zf);
  return static_cast<int64_t>(static_cast<double>(kQ31One) / (1.0 + static_cast<double>(e)));
}

void lr_dense_gradient(const DenseShard& shard, ModelView model, const MiniBatch& batch, const DpuSpec& dpu,
                       GradientView out, DpuCounts& counts) {
  const uint64_t n = shard.padded_features;
  std::memset(out.w, 0, n * sizeof(int32_t));
  int64_t bias_grad = 0;
  for (uint64_t r = batch.first_row; r < batch.first_row + batch.rows; ++r) {
    const uint32_t* x = shard.x + r * n;
    const int64_t z = lr_dense_dot(x, model.w, n, model.bias);
    const int64_t label = shard.y[r] == 1 ? kQ31One : 0;
    const int64_t diff = sigmoid_q31(z) - label;
    for (uint64_t j = 0; j < n; ++j) {
      const int64_t term = fixed::shift_right_guarded(static_cast<int64_t>(x[j]) * diff, kQ31Shift + batch.lr_shift);
      out.w[j] = fixed::saturating_add_q31(out.w[j], term);
    }
    bias_grad += fixed::shift_right_guarded(diff, batch.lr_shift);
  }
  *out.bias = bias_grad;
  count_lr_dense_batch(batch.rows, n, dpu, counts);
}

}  // namespace pimscale
