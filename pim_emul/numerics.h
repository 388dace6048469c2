// The two arithmetics the training kernels and host steps run in: the DPU's fixed point (FixedQ31,
// PIM-Opt's formats, the default) and a float32 reference (Float32, `--numerics float`) that runs
// the same algorithms without quantisation. One kernel source serves both. Not responsible for any
// algorithm.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "pim_emul/exp_table.h"
#include "pim_emul/fixed_point.h"

namespace pimscale {

// s + v + v + ... (r additions of v), each addition rounded to float (to nearest, ties to even) as
// a loop of r additions would round it, bit for bit. A sum over DPUs of a value most of them share
// is this; the loop would cost r steps per entry. Within one binade of s every addition adds the
// same multiple of the binade's unit u (once s / u is even when v / u is a half-integer), so such a
// run is taken at once; the loop goes one addition at a time only at binade edges, at zero and at
// subnormals, infinities and NaN.
inline float float_add_repeated(float s, float v, uint64_t r) {
  constexpr double kUnits = 0x1.0p23;  // a binade [2^e, 2^(e+1)) holds 2^23 units of 2^(e-23)
  while (r > 0) {
    const float next = s + v;
    if (std::bit_cast<uint32_t>(next) == std::bit_cast<uint32_t>(s)) return s;  // a fixed point
    s = next;
    if (--r == 0 || !std::isnormal(s) || !std::isfinite(v)) continue;
    // In units of this binade, magnitudes: s is a (integer, in [2^23, 2^24)), v moves it by q.
    int e = 0;  // |s| in [2^(e-1), 2^e)
    std::frexp(static_cast<double>(s), &e);
    const double unit = std::ldexp(1.0, e - 24);
    const double a = std::fabs(static_cast<double>(s)) / unit;
    const double q = (s < 0 ? -static_cast<double>(v) : static_cast<double>(v)) / unit;
    const double fl = std::floor(q);
    double step = 0;  // the whole units each addition adds while a and a + q stay in the binade
    if (q - fl != 0.5) {
      step = q - fl < 0.5 ? fl : fl + 1;
    } else if (std::fmod(a, 2.0) == 0) {  // a tie: to the even neighbour; a stays even
      step = std::fmod(fl, 2.0) == 0 ? fl : fl + 1;
    } else {
      continue;
    }
    // The additions i = 0..k-1 from a need a + i step and a + i step + q in [2^23, 2^24).
    const double lo = std::min(0.0, q), hi = std::max(0.0, q);
    if (a + lo < kUnits || a + hi >= 2 * kUnits || step == 0) continue;
    const double room = step > 0 ? std::ceil((2 * kUnits - a - hi) / step) - 1
                                 : std::floor((a + lo - kUnits) / -step);
    const double k = std::min(static_cast<double>(r), room + 1);
    if (k < 2) continue;
    const double moved = (a + k * step) * unit;
    s = static_cast<float>(s < 0 ? -moved : moved);
    r -= static_cast<uint64_t>(k);
  }
  return s;
}

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
  // average(sum, 2^s) without a division: toward zero, so a negative sum is rounded up first.
  static constexpr Wide average_shift(Wide sum, int s) {
    const Wide toward_zero = (sum >> 63) & ((Wide{1} << s) - 1);
    return fixed::saturate_q31((sum + toward_zero) >> s);
  }
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
  // s + v added r times (exact integers).
  static constexpr Wide add_repeated(Wide s, Wide v, uint64_t r) {
    return s + v * static_cast<Wide>(r);
  }
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
  // average(sum, 2^s), 0 <= s <= 126: a multiplication by 2^-s, exact, so the same value (both are
  // the correctly rounded sum / 2^s) without a division.
  static Wide average_shift(Wide sum, int s) {
    return saturate(sum * std::bit_cast<float>(static_cast<uint32_t>(127 - s) << 23));
  }
  static constexpr Wide weight_positive(Wide t) {
    return static_cast<float>(kPositiveClassWeight) * t;
  }
  static constexpr Wide weight_negative(Wide t) { return 0.5f * t; }
  static constexpr bool is_dropped(Wide) { return false; }
  static Wide sigmoid(Wide z, const ExpTable& exp) { return 1.0f / (1.0f + exp.exp(-z)); }
  static constexpr double to_real(Wide v) { return v; }
  // s + v added r times, rounded as r float additions would be.
  static Wide add_repeated(Wide s, Wide v, uint64_t r) { return float_add_repeated(s, v, r); }
  static Wide from_real_margin(double m) { return static_cast<float>(m); }
};
using Float32 = FloatArithmetic<false>;
using Float32Saturating = FloatArithmetic<true>;

// Num::average(sum, n) for one n: by average_shift where n is a power of two (2^126 at most), else
// by the division. The same values; the division per entry cost the averages most of their time.
template <class Num>
class Average {
 public:
  explicit Average(int64_t n) : n_(n) {
    const auto u = static_cast<uint64_t>(n);
    if (n > 0 && fixed::is_power_of_two(u) && fixed::log2_exact(u) <= 126) {
      shift_ = fixed::log2_exact(u);
    }
  }
  typename Num::Wide operator()(typename Num::Wide sum) const {
    return shift_ >= 0 ? Num::average_shift(sum, shift_) : Num::average(sum, n_);
  }
  // The shift, or -1 where n is not a power of two.
  int shift() const { return shift_; }

 private:
  int64_t n_;
  int shift_ = -1;
};

}  // namespace pimscale
