#include "src/algorithm.h"

#include <cstdlib>

#include "pim_emul/error.h"
#include "src/algorithms/builders.h"

namespace pimscale {

DpuModels dpu_models_of(const std::string& algorithm) {
  if (algorithm == "ga-sgd") return DpuModels::kShared;
  if (algorithm == "ma-sgd") return DpuModels::kPerDpu;
  if (algorithm == "admm") return DpuModels::kPerDpuWithProx;
  throw InputError("unknown algorithm '" + algorithm + "'; use ga-sgd, ma-sgd or admm");
}

template <class Num>
std::unique_ptr<Algorithm<Num>> make_algorithm(const std::string& name, PimServer<Num>& server, Cluster& cluster,
                                               const NetworkSpec& net, const AlgorithmSettings& settings) {
  using Builder = std::unique_ptr<Algorithm<Num>> (*)(PimServer<Num>&, Cluster&, const NetworkSpec&,
                                                      const AlgorithmSettings&);
  struct Entry {
    const char* name;
    Builder build;
  };
  static const Entry kTable[] = {{"ga-sgd", make_ga_sgd<Num>}, {"ma-sgd", make_ma_sgd<Num>}, {"admm", make_admm<Num>}};
  for (const Entry& e : kTable) {
    if (name == e.name) return e.build(server, cluster, net, settings);
  }
  throw InputError("unknown algorithm '" + name + "'; use ga-sgd, ma-sgd or admm");
}

template <class Num>
void ga_sgd_update(std::span<typename Num::Weight> w, typename Num::Wide& bias,
                   std::span<const typename Num::Wide> sums, const AlgorithmSettings& s) {
  apply_update<Num>(w.data(), w.size(), sums.data(), s.batch_log2, s.lr_shift + s.reg_shift, nullptr);
  bias = updated_bias<Num>(bias, sums[w.size()], s.batch_log2);
}

template <class Num>
void ma_sgd_average(std::span<typename Num::Weight> w, typename Num::Wide& bias,
                    std::span<const typename Num::Wide> sums, int64_t total_dpus) {
  for (size_t j = 0; j < w.size(); ++j) w[j] = Num::to_weight(Num::average(sums[j], total_dpus));
  bias = Num::average(sums[w.size()], total_dpus);
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
    // PIM-Opt: 2^31 >> (log2 N + reg - alpha) for power-of-two N; here the shift, then the division.
    const int64_t scaled = reg >= alpha ? (fixed::kQ31One >> (reg - alpha)) : (fixed::kQ31One << (alpha - reg));
    return scaled / total_dpus;
  }
}

#define PIMSCALE_ALGORITHMS(Num)                                                                                   \
  template std::unique_ptr<Algorithm<Num>> make_algorithm<Num>(const std::string&, PimServer<Num>&, Cluster&,      \
                                                               const NetworkSpec&, const AlgorithmSettings&);     \
  template void ga_sgd_update<Num>(std::span<Num::Weight>, Num::Wide&, std::span<const Num::Wide>,                \
                                   const AlgorithmSettings&);                                                      \
  template void ma_sgd_average<Num>(std::span<Num::Weight>, Num::Wide&, std::span<const Num::Wide>, int64_t);     \
  template Num::Wide soft_threshold<Num>(Num::Wide, Num::Wide);                                                    \
  template Num::Wide admm_tau<Num>(int, int, int64_t);
PIMSCALE_ALGORITHMS(FixedQ31)
PIMSCALE_ALGORITHMS(Float32)
PIMSCALE_ALGORITHMS(Float32Saturating)
#undef PIMSCALE_ALGORITHMS

}  // namespace pimscale
