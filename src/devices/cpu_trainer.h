// The measured CPU baseline (`train --device cpu`): the same algorithms as the PIM servers (the
// same RunSetup: rows per step, rounds per epoch, the update's shifts, ADMM's tau, class weights
// and margin) run in float32 on this host's cores by `workers` workers per server, with real MPI
// all-reduces between servers, and every phase timed by the wall clock. A well-made trainer, not a
// reference: dense rows go through Eigen's matrix-vector products a cache-sized block at a time
// (the rows are read from memory once per step), sparse rows through CSR loops that touch only
// their non-zeros. Not responsible for reading data, metrics or the run folder
// (src/commands/train.cpp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "comm/cluster.h"
#include "node/host_memory.h"
#include "node/phases.h"
#include "node/pim_server.h"
#include "node/thread_pool.h"
#include "pim_emul/footprint.h"
#include "src/algorithms/run_setup.h"

namespace pimscale {

// One round's all-reduce on a CPU server: the algorithm's vectors of float32 sums (weights + 1
// each; ADMM: w's and u's).
inline uint64_t cpu_allreduce_bytes(const RunSetup& setup) {
  return footprint::allreduce_bytes(setup.layout.weights, footprint::words_of<Float32>(),
                                    setup.algorithm->allreduce_vectors());
}

// A setup error (RunSetup's, which speaks of DPUs) in --device cpu's words: the workers stand
// where the DPUs stand.
std::string in_workers(std::string message);

// ---- The CPU kernels (float32), also timed by `microbench --device cpu`. ----

// Dense rows per block: about 256 KiB of features (in L2), so the second pass (X^T t) reads them
// from the cache the first pass (X w) brought them into.
inline uint64_t cpu_block_rows(uint64_t n) {
  return std::clamp<uint64_t>((uint64_t{1} << 16) / n, 8, 1024);
}
// Model entries per chunk of the host's vector work (sums, updates) on the pool: a vector of at
// most one chunk is worked on by the calling thread alone.
inline constexpr uint64_t kCpuChunk = 1 << 14;

struct CpuDenseRows {
  const float* x;  // [rows x n]
  const uint8_t* y;
  uint64_t n;
};
struct CpuSparseRows {  // binary CSR; the bias is the weight at bias_index
  const uint64_t* offsets;
  const uint32_t* indices;
  const uint8_t* y;
  uint64_t bias_index;
};
// A gradient being summed: g [n] (dense: overwritten; sparse: zero but at `touched`, whose `seen`
// flags are 1), the dense bias's, block scratch (dense) and the rows found active (SVM: inside the
// margin).
struct CpuGradient {
  float* g;
  float g_bias;
  std::vector<uint32_t>& touched;
  uint8_t* seen;
  std::vector<float>& z;
  std::vector<float>& t;
  uint64_t active;
};
// The gradient sum of rows [first, first + rows) at (w, bias), each row's term as the DPU kernels
// define it in float (LR (sigmoid(z) - y) 2^-lr; SVM inside the margin -y' 2^-lr; class weights):
// dense with Eigen's matrix-vector products a block at a time; sparse adding into out.g.
void cpu_dense_gradient(const CpuDenseRows& r, uint64_t first, uint64_t rows, const float* w,
                        float bias, const KernelConfig& cfg, CpuGradient& out);
void cpu_sparse_gradient(const CpuSparseRows& r, uint64_t first, uint64_t rows, const float* w,
                         const KernelConfig& cfg, CpuGradient& out);
// The SGD step of every algorithm on n weights, as pim_emul's apply_update<Float32> computes it
// (w - g 2^-b - (w [+ prox]) 2^-d, the same roundings: products by powers of two are exact and
// this file is built without contracting them into fused multiply-adds), vectorised, in place.
void cpu_apply_update(float* w, uint64_t n, const float* g, int batch_log2, int decay_shift,
                      const float* prox);
// sum += the step's result from w (no prox), the same bits cpu_apply_update gives w: MA-SGD's
// server adds each worker's model as it is made.
void cpu_add_update(float* sum, const float* w, uint64_t n, const float* g, int batch_log2,
                    int decay_shift);
// Zeroes a sparse gradient's touched entries and flags.
void cpu_clear_touched(CpuGradient& out);
// The same, keeping what they held: values[i] = g[touched[i]] (the touched list is kept).
void cpu_take_touched(CpuGradient& out, std::vector<float>& values);

// One server's rows as a CPU worker reads them: ServerData<Float32>'s arrays (dense: [rows x
// weights], zero-padded; sparse: CSR from 0, binary values), in worker order: worker k holds local
// rows [k rows_per_worker, (k + 1) rows_per_worker).
class CpuTrainer {
 public:
  // `setup` was made with the server's workers as its DPUs (its layout.dpus). `threads` run them.
  CpuTrainer(const RunSetup& setup, const ServerData<Float32>& rows, int threads, Cluster& cluster);
  ~CpuTrainer();
  CpuTrainer(const CpuTrainer&) = delete;
  CpuTrainer& operator=(const CpuTrainer&) = delete;

  // What the workers and the host hold beside the rows (models, gradients, sums), for the host
  // memory check before anything is allocated; `threads` as the constructor's.
  static std::vector<HostMemoryItem> memory_needs(const RunSetup& setup, int threads);

  // Collective: communication round r of an epoch (setup.rounds of them), each phase's wall time
  // added to ledger().
  void round(uint64_t r);

  // The model the algorithm reports (GA-SGD, MA-SGD: the global model; ADMM: w_avg), with
  // layout.weights entries, and the dense bias (sparse: inside the weights).
  std::span<const float> weights() const { return w_; }
  float bias() const { return bias_; }
  // Measured wall time per phase: host_compute (the workers' kernels and the host's update),
  // host_reduce (summing the workers), wait (the barrier before the all-reduce), network (the
  // all-reduce); bytes: the rows read, the vectors summed, the message.
  const PhaseLedger& ledger() const { return ledger_; }
  // SVM: rows the workers ran and those inside the margin (LR: every row is both).
  uint64_t rows_run() const;
  uint64_t rows_active() const;

 private:
  struct Worker;
  // Worker k's gradient of local rows [first, first + rows) at (w, bias) into its g, g_bias (and
  // the touched list, sparse).
  void gradient(Worker& k, uint64_t first, uint64_t rows, const float* w, float bias);
  // Worker k's `steps` local steps (ADMM's, with its prox) of b rows from `first` on its own model.
  void local_steps(Worker& k, uint64_t first, uint64_t steps);
  // Sums of every worker's vector `of` (n entries) and scalar into out[0..n], out[n].
  template <class Vec, class Scalar>
  void sum_workers(Vec of, Scalar scalar, float* out);
  // Runs fn(lo, hi) over [0, n) in chunks on every thread.
  template <class Fn>
  void chunks(uint64_t n, Fn fn);
  void allreduce(std::span<float> sums);
  // GA-SGD: the global model as the calling pool thread reads it this round: with several threads,
  // the thread's own copy, refreshed once a round. The host's update leaves w_'s lines in whichever
  // core wrote them, and a sparse gradient's random reads of another core's lines cost 2.5x the
  // kernel's time on a 2-core VM; one sequential copy a round costs little.
  const float* thread_model();

  const RunSetup& setup_;
  const ServerData<Float32>& rows_;
  Cluster& cluster_;
  ThreadPool pool_;
  uint64_t n_;  // model entries (layout.weights)
  std::vector<Worker> workers_;
  std::vector<float> w_;  // the global model (ADMM: w_avg)
  float bias_ = 0;
  std::vector<float> sums_;  // [n + 1] (ADMM: 2 (n + 1): w_i's, then u_i's)
  std::vector<float> z_;     // ADMM
  struct ModelCopy {
    std::vector<float> w;
    uint64_t round = ~uint64_t{0};  // the round_ it was copied in
  };
  std::vector<ModelCopy> copies_;  // GA-SGD, several threads: one per pool thread
  uint64_t round_ = 0;             // rounds run, for copies_
  PhaseLedger ledger_;
};

}  // namespace pimscale
