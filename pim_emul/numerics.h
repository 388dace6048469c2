// The two arithmetics the training kernels and host steps run in: the DPU's fixed point (FixedQ31,
// PIM-Opt's formats, the default) and a float32 reference (Float32, `--numerics float`) that runs
// the same algorithms without quantisation. One kernel source serves both. Not responsible for any
// algorithm.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "pim_emul/exp_table.h"
#include "pim_emul/fixed_point.h"

namespace pimscale {

// Criteo's class weights (PIM-Opt's kernels): a positive-class gradient term counts 15 times.
inline constexpr int kPositiveClassWeight = 15;

// Q1.31 weights, uint32 features scaled by 2^31, int64 accumulators; shifts with the -1 guard;
// saturation.
struct FixedQ31 {
  using Feature = uint32_t;
  using Weight = int32_t;  // model and the dense gradient accumulator (saturating)
  using Wide = int64_t;    // dot products, biases, sparse gradients, sums over DPUs
  static constexpr bool kFloat = false;
  static constexpr const char* kName = "fixed";

  static Feature feature(float x) { return fixed::feature_to_q31(x); }
  static constexpr Wide one() { return fixed::kQ31One; }  // label 1 and a binary feature
  // (x * w) >> 31, each term on its own, no guard (PIM-Opt's dot_product).
  static constexpr Wide product(Feature x, Weight w) {
    return (static_cast<Wide>(x) * w) >> fixed::kQ31Shift;
  }
  // guard((x * d) >> (31 + s)): a gradient term of feature x and error d.
  static constexpr Wide scaled_product(Feature x, Wide d, int s) {
    return fixed::shift_right_guarded(static_cast<Wide>(x) * d, fixed::kQ31Shift + s);
  }
  // guard(v >> s): 2^-s as a shift.
  static constexpr Wide shift(Wide v, int s) { return fixed::shift_right_guarded(v, s); }
  static constexpr Wide saturate(Wide v) { return fixed::saturate_q31(v); }
  static constexpr Weight to_weight(Wide v) { return static_cast<Weight>(fixed::saturate_q31(v)); }
  static constexpr void accumulate(Weight& acc, Wide t) { acc = fixed::saturating_add_q31(acc, t); }
  static constexpr void accumulate(Wide& acc, Wide t) { acc += t; }
  // Integer division by the worker count (C semantics: toward zero), then saturation.
  static constexpr Wide average(Wide sum, int64_t n) { return fixed::saturate_q31(sum / n); }
  // x 15 as (t << 4) - t and x 0.5 as t >> 1, each kept only if it is not -1 (PIM-Opt's Criteo
  // kernels).
  static constexpr Wide weight_positive(Wide t) {
    static_assert(kPositiveClassWeight == 16 - 1, "the DPU computes x15 as (t << 4) - t");
    const Wide w = t * 16 - t;
    return w != -1 ? w : t;
  }
  static constexpr Wide weight_negative(Wide t) {
    const Wide w = t >> 1;
    return w != -1 ? w : t;
  }
  static constexpr bool is_dropped(Wide t) { return t == -1; }
  // 2^31 / (1 + exp(-z / 2^31)): a float exp from the table, then a double divide (PIM-Opt: CAST is
  // the integer 0x80000000 and 1.0 a double literal).
  static Wide sigmoid(Wide z, const ExpTable& exp) {
    const float e = exp.exp(-(static_cast<float>(z) / static_cast<float>(fixed::kQ31One)));
    return static_cast<Wide>(static_cast<double>(fixed::kQ31One) / (1.0 + static_cast<double>(e)));
  }
  static constexpr double to_real(Wide v) { return fixed::q31_to_double(v); }
  static constexpr Wide from_real_margin(double m) {
    return static_cast<Wide>(std::llround(m * fixed::kQ31One));
  }
};

// The same algorithms in float: the shifts become exact multiplications by 2^-s. Float32 saturates
// nothing; Float32Saturating keeps Q1.31's range (weights, bias, the dense gradient accumulator and
// averages clipped to
// [-1, 1]) without its quantisation, so fixed - float splits into a range effect (float -
// float-saturating) and a precision effect (float-saturating - fixed).
template <bool kSaturating>
struct FloatArithmetic {
  using Feature = float;
  using Weight = float;
  using Wide = float;
  static constexpr bool kFloat = true;
  static constexpr const char* kName = kSaturating ? "float-saturating" : "float";

  static Feature feature(float x) { return x; }
  static constexpr Wide one() { return 1.0f; }
  static constexpr Wide product(Feature x, Weight w) { return x * w; }
  static Wide scaled_product(Feature x, Wide d, int s) { return std::ldexp(x * d, -s); }
  static Wide shift(Wide v, int s) { return std::ldexp(v, -s); }
  static constexpr Wide saturate(Wide v) {
    if constexpr (kSaturating) return v > 1.0f ? 1.0f : (v < -1.0f ? -1.0f : v);
    return v;
  }
  static constexpr Weight to_weight(Wide v) { return saturate(v); }
  static constexpr void accumulate(Wide& acc, Wide t) {
    acc = saturate(acc + t);
  }  // the dense gradient only
  static Wide average(Wide sum, int64_t n) { return saturate(sum / static_cast<float>(n)); }
  static constexpr Wide weight_positive(Wide t) {
    return static_cast<float>(kPositiveClassWeight) * t;
  }
  static constexpr Wide weight_negative(Wide t) { return 0.5f * t; }
  static constexpr bool is_dropped(Wide) { return false; }
  static Wide sigmoid(Wide z, const ExpTable& exp) { return 1.0f / (1.0f + exp.exp(-z)); }
  static constexpr double to_real(Wide v) { return v; }
  static Wide from_real_margin(double m) { return static_cast<float>(m); }
};
using Float32 = FloatArithmetic<false>;
using Float32Saturating = FloatArithmetic<true>;

}  // namespace pimscale
