#include "pim_emul/exp_table.h"

#include <cmath>
#include <limits>

namespace pimscale {

ExpTable::ExpTable() : table_(kEntries) {
  for (uint64_t i = 0; i < kEntries; ++i) {
    table_[i] =
        static_cast<float>(std::exp2(static_cast<double>(i) / static_cast<double>(kEntries)));
  }
}

float ExpTable::exp(float x) const {
  if (!(x < 128.0f))
    return std::numeric_limits<float>::infinity();  // also NaN -> inf, saturating the sigmoid
  if (x < -150.0f) return 0.0f;
  const float t = x * 1.44269504f;  // log2(e) in float
  const float k = std::floor(t);
  const float f = t - k;  // [0, 1)
  // Round half up in float, as TransPimLib addresses its table (lround would round in another
  // precision).
  // NOLINTNEXTLINE(bugprone-incorrect-roundings)
  uint32_t i = static_cast<uint32_t>(f * static_cast<float>(kEntries) + 0.5f);
  int exponent = static_cast<int>(k);
  if (i >= kEntries) {
    i = 0;
    ++exponent;
  }
  return std::ldexp(table_[i], exponent);
}

}  // namespace pimscale
