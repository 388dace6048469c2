// The distributed training algorithms (pim-training.md section 3) as one round structure over a PIM
// server and the cluster: GA-SGD, MA-SGD and ADMM, each in its own file. Every step across servers exchanges
// sums (exact integers in fixed point) and divides once by the total worker count, so S servers x D DPUs
// compute exactly what 1 server x S*D DPUs computes. Not responsible for data loading or metrics.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "comm/cluster.h"
#include "node/pim_server.h"

namespace pimscale {

struct AlgorithmSettings {
  uint64_t rows_per_dpu_step = 0;  // GA-SGD: b / N of the global batch; MA-SGD and ADMM: the per-DPU b
  uint64_t rounds_per_epoch = 0;   // communication rounds (ADMM: 1)
  int batch_log2 = 0;              // GA-SGD: log2 of the global b; MA-SGD and ADMM: log2 of the per-DPU b
  int lr_shift = 0;
  int reg_shift = 0;               // L2 2^-reg (GA, MA); ADMM's rho 2^-reg
  int alpha = 0;                   // ADMM: tau = 2^(alpha - reg) / N
  int64_t total_dpus = 0;          // N over all servers
  uint64_t share = 1;              // this server's relative rows (--shares): its DPUs take share x the rows per step
};

template <class Num>
class Algorithm {
 public:
  using Weight = typename Num::Weight;
  using Wide = typename Num::Wide;
  virtual ~Algorithm() = default;
  // Collective: one communication round (an epoch has settings.rounds_per_epoch of them).
  virtual void round(uint64_t r) = 0;
  // The model the algorithm reports: GA-SGD and MA-SGD the global model, ADMM the average w_avg.
  // weights() has layout.weights entries; bias() is the dense bias (sparse: inside the weights).
  virtual std::span<const Weight> weights() const = 0;
  virtual Wide bias() const = 0;
};

// "ga-sgd", "ma-sgd" or "admm". How each DPU keeps its model (the PimServer's DpuModels) follows from it.
DpuModels dpu_models_of(const std::string& algorithm);
template <class Num>
std::unique_ptr<Algorithm<Num>> make_algorithm(const std::string& name, PimServer<Num>& server, Cluster& cluster,
                                               const NetworkSpec& net, const AlgorithmSettings& settings);

// ---- Host steps, exposed for exact tests. ----

// GA-SGD: w <- sat(w - guard(G >> log2 b) - guard(w >> (lr + reg))); dense bias <- sat(b - guard(G_b >> log2 b)).
// sums: [weights + 1], bias last (0 for sparse data, whose bias is a weight).
template <class Num>
void ga_sgd_update(std::span<typename Num::Weight> w, typename Num::Wide& bias,
                   std::span<const typename Num::Wide> sums, const AlgorithmSettings& s);

// MA-SGD: w <- sat(sum_i w_i / N) (integer division toward zero), bias likewise.
template <class Num>
void ma_sgd_average(std::span<typename Num::Weight> w, typename Num::Wide& bias,
                    std::span<const typename Num::Wide> sums, int64_t total_dpus);

// ADMM's soft threshold: 0 if |t| <= tau, else t -+ tau, saturated.
template <class Num>
typename Num::Wide soft_threshold(typename Num::Wide t, typename Num::Wide tau);
// tau = 2^(alpha - reg) / N in real units (fixed: 2^31 >> (reg - alpha), divided by N).
template <class Num>
typename Num::Wide admm_tau(int alpha, int reg, int64_t total_dpus);

}  // namespace pimscale
