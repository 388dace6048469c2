// The DPU training kernels: what one DPU computes in one launch, in its own integer arithmetic,
// and the events it counts doing so. Not responsible for timing (dpu_cost.h) or for the host's step.
#pragma once

#include <cstdint>

#include "pim_emul/event_counts.h"
#include "pim_emul/hardware_spec.h"

namespace pimscale {

// One DPU's dense training rows as they sit in its MRAM.
struct DenseShard {
  const uint32_t* x = nullptr;  // [rows x padded_features], features in [0,1] scaled by 2^31
  const uint8_t* y = nullptr;   // [rows], labels in {0, 1}
  uint64_t rows = 0;
  uint64_t padded_features = 0;  // a multiple of 2 * tasklets, so every tasklet slice is 8-byte aligned
};

// The model as pushed to the DPU: Q1.31 int32 weights and an int64 bias in the same scale.
struct ModelView {
  const int32_t* w = nullptr;  // [padded_features]
  int64_t bias = 0;
};

// A gradient as the DPU returns it: per-feature int32 sums (saturating) and an int64 bias sum.
struct GradientView {
  int32_t* w = nullptr;  // [padded_features]
  int64_t* bias = nullptr;
};

struct MiniBatch {
  uint64_t first_row = 0;  // within the shard
  uint64_t rows = 0;
  int lr_shift = 0;        // learning rate 2^-lr_shift
};

// The pieces of the LR kernels, exposed for exact tests.
// z = bias + sum_j (int64(x_j) * int64(w_j)) >> 31, each term shifted on its own, no -1 guard (PIM-Opt).
int64_t lr_dense_dot(const uint32_t* x, const int32_t* w, uint64_t n, int64_t bias);
// sigmoid(z / 2^31) * 2^31 via float exp, then double divide, truncated toward zero (PIM-Opt).
int64_t sigmoid_q31(int64_t z);

// Logistic-regression gradient of one mini-batch, summed over its rows (GA-SGD's DPU step).
// Per row i: z = bias + sum_j (x_ij * w_j) >> 31               (int64; no guard, as in PIM-Opt)
//            s = 2^31 / (1 + expf(-z / 2^31))                   (float exp stand-in, float/double routines)
//            d = s - y_i * 2^31
//            g_j += guard((x_ij * d) >> (31 + lr)), saturating  (int32 accumulators)
//            g_bias += guard(d >> lr)                           (int64)
// The gradient buffer is zeroed first. Counts go to `counts` per tasklet (feature-parallel split,
// tasklet 0 computes the sigmoid, the last tasklet the bias).
void lr_dense_gradient(const DenseShard& shard, ModelView model, const MiniBatch& batch, const DpuSpec& dpu,
                       GradientView out, DpuCounts& counts);

}  // namespace pimscale
