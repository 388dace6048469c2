// The CPU baseline's update kernels (src/devices/cpu_trainer.h): MA-SGD's server adds each worker's
// model after its step to the sums as it makes it, so the step added must give the in-place
// update's bits, and the sum what adding those models in worker order gives.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "src/devices/cpu_trainer.h"

namespace pimscale {
namespace {

TEST(CpuUpdate, AddedStepsSumTheInPlaceUpdatesBits) {
  std::mt19937 rng(7);
  std::normal_distribution<float> value(0.0f, 3.0f);
  constexpr size_t kN = 4099;  // not a multiple of any vector width: the remainder loop too
  std::vector<float> w(kN), g(kN), g2(kN);
  for (size_t j = 0; j < kN; ++j) w[j] = value(rng), g[j] = value(rng), g2[j] = value(rng);
  w[0] = 0.0f, w[1] = -0.0f, w[2] = std::numeric_limits<float>::denorm_min();
  w[3] = std::numeric_limits<float>::max(), g[4] = std::numeric_limits<float>::infinity();
  g[5] = 0.0f, g2[5] = -0.0f, w[6] = -0.0f, g[6] = 0.0f, g2[6] = 0.0f;  // signed zeros summed
  for (const auto& [b, d] : {std::pair{0, 0}, std::pair{4, 14}, std::pair{10, 3}}) {
    std::vector<float> one = w, two = w;
    cpu_apply_update(one.data(), kN, g.data(), b, d, nullptr);
    cpu_apply_update(two.data(), kN, g2.data(), b, d, nullptr);
    std::vector<float> sum(kN, 0.0f);
    cpu_add_update(sum.data(), w.data(), kN, g.data(), b, d);
    cpu_add_update(sum.data(), w.data(), kN, g2.data(), b, d);
    for (size_t j = 0; j < kN; ++j) {
      const float expected = (0.0f + one[j]) + two[j];
      ASSERT_EQ(std::bit_cast<uint32_t>(sum[j]), std::bit_cast<uint32_t>(expected))
          << "weight " << j << ", batch 2^" << b << ", decay 2^-" << d;
    }
  }
}

}  // namespace
}  // namespace pimscale
