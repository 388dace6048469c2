#include "src/algorithms/algorithm.h"

#include <algorithm>
#include <cmath>

#include "pim_emul/fixed_point.h"
#include "src/algorithms/impl.h"

namespace pimscale {

const Algorithm& Algorithm::of(AlgorithmKind kind) {
  switch (kind) {
    case AlgorithmKind::kGaSgd:
      return ga_sgd_algorithm();
    case AlgorithmKind::kMaSgd:
      return ma_sgd_algorithm();
    case AlgorithmKind::kAdmm:
      return admm_algorithm();
  }
  return ga_sgd_algorithm();  // unreachable: the switch names every kind
}

std::string_view op_name(OpKind kind) {
  constexpr std::string_view kNames[] = {"push_model",         "push_own_models", "launch_gradient",
                                         "launch_local_steps", "pull_gradients",  "pull_model_sums",
                                         "pull_models",        "host_reduce",     "allreduce",
                                         "host_update"};
  return kNames[static_cast<size_t>(kind)];
}

std::vector<HostMemoryItem> L2Algorithm::host_memory(const ServerLayout& layout,
                                                     footprint::WordSizes words,
                                                     uint64_t /*held_entries*/) const {
  return {{"global model and sums",
           layout.weights * words.weight + footprint::sums_bytes(layout.weights, words)}};
}

double L2Algorithm::regulariser(std::span<const double> w, const AlgorithmSettings& s) const {
  double norm = 0;
  for (const double v : w) norm += v * v;
  return std::ldexp(norm, -s.reg_shift - 1);
}

template <class Num>
void ga_sgd_update(std::span<typename Num::Weight> w, typename Num::Wide& bias,
                   std::span<const typename Num::Wide> sums, const AlgorithmSettings& s,
                   std::optional<std::span<const uint32_t>> support) {
  const int decay = s.lr_shift + s.reg_shift;
  if (support) {
    apply_update_on<Num>(w.data(), w.size(), sums.data(), *support, s.batch_log2, decay);
  } else {
    apply_update<Num>(w.data(), w.size(), sums.data(), s.batch_log2, decay, nullptr);
  }
  bias = updated_bias<Num>(bias, sums[w.size()], s.batch_log2);
}

template <class Num>
void ma_sgd_average(std::span<typename Num::Weight> w, typename Num::Wide& bias,
                    std::span<const typename Num::Wide> sums, int64_t total_dpus,
                    std::optional<std::span<const uint32_t>> support,
                    std::span<const typename Num::Weight> base) {
  const Average<Num> average(total_dpus);
  bias = average(sums[w.size()]);
  if (support) {
    if (base.data() != w.data()) std::copy(base.begin(), base.end(), w.begin());
    for (const uint32_t j : *support) w[j] = Num::to_weight(average(sums[j]));
    return;
  }
  if (const int s = average.shift(); s >= 0) {
    for (size_t j = 0; j < w.size(); ++j)  // vectorised
      w[j] = Num::to_weight(Num::average_shift(sums[j], s));
    return;
  }
  for (size_t j = 0; j < w.size(); ++j) w[j] = Num::to_weight(Num::average(sums[j], total_dpus));
}

template <class Num>
typename Num::Wide soft_threshold(typename Num::Wide t, typename Num::Wide tau) {
  using Wide = typename Num::Wide;
  const Wide magnitude = t < 0 ? -t : t;
  if (magnitude <= tau) return Wide{0};
  return Num::saturate(t < 0 ? t + tau : t - tau);
}

template <class Num>
typename Num::Wide admm_tau(int alpha, int reg, int64_t total_dpus) {
  if constexpr (Num::kFloat) {
    return std::ldexp(1.0f, alpha - reg) / static_cast<float>(total_dpus);
  } else {
    // PIM-Opt: 2^31 >> (log2 N + reg - alpha) for power-of-two N; here the shift, then the
    // division.
    const int64_t scaled =
        reg >= alpha ? (fixed::kQ31One >> (reg - alpha)) : (fixed::kQ31One << (alpha - reg));
    return scaled / total_dpus;
  }
}

#define PIMSCALE_HOST_STEPS(Num)                                                                   \
  template void ga_sgd_update<Num>(std::span<Num::Weight>, Num::Wide&, std::span<const Num::Wide>, \
                                   const AlgorithmSettings&,                                       \
                                   std::optional<std::span<const uint32_t>>);                      \
  template void ma_sgd_average<Num>(                                                               \
      std::span<Num::Weight>, Num::Wide&, std::span<const Num::Wide>, int64_t,                     \
      std::optional<std::span<const uint32_t>>, std::span<const Num::Weight>);                     \
  template Num::Wide soft_threshold<Num>(Num::Wide, Num::Wide);                                    \
  template Num::Wide admm_tau<Num>(int, int, int64_t);
PIMSCALE_HOST_STEPS(FixedQ31)
PIMSCALE_HOST_STEPS(Float32)
PIMSCALE_HOST_STEPS(Float32Saturating)
#undef PIMSCALE_HOST_STEPS

}  // namespace pimscale
