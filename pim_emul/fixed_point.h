// The DPU's fixed-point number formats (PIM-Opt): uint32 features scaled by 2^31, Q1.31 int32
// weights, int64 accumulators, saturation, and the -1 shift guard. Not responsible for any training
// step.
#pragma once

#include <cmath>
#include <cstdint>

namespace pimscale::fixed {

inline constexpr int kQ31Shift = 31;
inline constexpr int64_t kQ31One = int64_t{1}
                                   << kQ31Shift;  // 1.0; a feature may hold it, a weight may not
inline constexpr int64_t kQ31Max = kQ31One - 1;   // saturation bound, both signs
inline constexpr int64_t kQ31Min = -kQ31Max;

// v >> s (arithmetic), except that a result of -1 becomes 0: PIM-Opt drops such a term because it
// only records the rounding of a tiny negative value toward minus infinity (pim-training.md section
// 2).
constexpr int64_t shift_right_guarded(int64_t v, int s) {
  const int64_t shifted = v >> s;
  return shifted == -1 ? 0 : shifted;
}

// Clamps to [-(2^31 - 1), 2^31 - 1], as every model update does.
constexpr int64_t saturate_q31(int64_t v) {
  return v > kQ31Max ? kQ31Max : (v < kQ31Min ? kQ31Min : v);
}

// a + b saturated to the Q1.31 range; used for int32 accumulators that must not wrap.
constexpr int32_t saturating_add_q31(int32_t a, int64_t b) {
  return static_cast<int32_t>(saturate_q31(a + b));
}

// A feature in [0, 1] as the DPU stores it: round(x * 2^31), so 1.0 is exactly 2^31.
// x in [0, 1] (datasets are validated first). x * 2^31 is exact in double and has at most 24
// significant bits, so d + 0.5 is exact wherever it matters and truncating it rounds half away from
// zero: llround's result, without a library call per element (the start-up converts every feature).
inline uint32_t feature_to_q31(float x) {
  // Exact here, as the comment above shows (and a test).
  // NOLINTNEXTLINE(bugprone-incorrect-roundings)
  return static_cast<uint32_t>(static_cast<double>(x) * static_cast<double>(kQ31One) + 0.5);
}

// Host-side view of a Q1.31 value (metrics only; never part of the emulated arithmetic).
constexpr double q31_to_double(int64_t v) {
  return static_cast<double>(v) / static_cast<double>(kQ31One);
}

// Is log2 exact, i.e. can 1/n be applied as a shift?
constexpr bool is_power_of_two(uint64_t n) { return n != 0 && (n & (n - 1)) == 0; }
constexpr int log2_exact(uint64_t n) {
  int s = 0;
  while ((uint64_t{1} << s) < n) ++s;
  return s;
}

}  // namespace pimscale::fixed
