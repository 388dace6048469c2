#include "comm/collective_cost.h"

namespace pimscale {

Picoseconds ring_allreduce_time(uint64_t bytes, int p, const NetworkSpec& net) {
  if (p <= 1) return {};
  const double n = static_cast<double>(bytes);
  const double share = static_cast<double>(p - 1) / p;
  return from_seconds(2.0 * (p - 1) * net.alpha_s() + 2.0 * share * n * net.beta_s_per_byte() +
                      share * n * net.gamma_s_per_byte());
}

}  // namespace pimscale
