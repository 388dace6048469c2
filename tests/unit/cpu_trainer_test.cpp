// The CPU baseline's update kernel (src/devices/cpu_trainer.h): MA-SGD's first local step reads the
// global model and writes the worker's, so the out-of-place update must give the in-place one's
// bits.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "src/devices/cpu_trainer.h"

namespace pimscale {
namespace {

TEST(CpuUpdate, OutOfPlaceGivesTheInPlaceBits) {
  std::mt19937 rng(7);
  std::normal_distribution<float> value(0.0f, 3.0f);
  constexpr size_t kN = 4099;  // not a multiple of any vector width: the remainder loop too
  std::vector<float> w(kN), g(kN), prox(kN);
  for (size_t j = 0; j < kN; ++j) w[j] = value(rng), g[j] = value(rng), prox[j] = value(rng);
  w[0] = 0.0f, w[1] = -0.0f, w[2] = std::numeric_limits<float>::denorm_min();
  w[3] = std::numeric_limits<float>::max(), g[4] = std::numeric_limits<float>::infinity();
  const float* no_prox = nullptr;
  for (const float* p : {no_prox, static_cast<const float*>(prox.data())}) {
    for (const auto& [b, d] : {std::pair{0, 0}, std::pair{4, 14}, std::pair{10, 3}}) {
      std::vector<float> in_place = w, out(kN, 123.0f);
      cpu_apply_update(in_place.data(), kN, g.data(), b, d, p);
      cpu_apply_update(out.data(), w.data(), kN, g.data(), b, d, p);
      for (size_t j = 0; j < kN; ++j) {
        ASSERT_EQ(std::bit_cast<uint32_t>(out[j]), std::bit_cast<uint32_t>(in_place[j]))
            << "weight " << j << ", batch 2^" << b << ", decay 2^-" << d << (p ? ", prox" : "");
      }
    }
  }
}

}  // namespace
}  // namespace pimscale
