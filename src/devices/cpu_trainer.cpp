#include "src/devices/cpu_trainer.h"

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cmath>

#include "pim_emul/kernels.h"
#include "src/algorithms/algorithm.h"
#include "src/base/fault.h"
#include "src/base/progress.h"

namespace pimscale {

namespace {

using Clock = std::chrono::steady_clock;
Picoseconds since(Clock::time_point t) { return from_seconds(seconds_since(t)); }

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

}  // namespace

struct CpuTrainer::Worker {
  std::vector<float> g;  // the gradient sum (sparse: zero but where `touched` says)
  float g_bias = 0;
  std::vector<uint32_t> touched;  // sparse: the entries of g this step wrote
  std::vector<uint8_t> seen;      // sparse: [n], 1 where touched
  std::vector<float> listed;      // GA-SGD sparse: g at `touched`, taken out of g by the worker
  std::vector<float> w;           // ADMM: the worker's own model
  float bias = 0;
  std::vector<float> u, prox;  // ADMM: u_i and u_i - z
  float u_bias = 0;
  std::vector<float> z, t;  // dense: one block's scores and gradient terms
  uint64_t rows_run = 0, rows_active = 0;

  // The kernels' view of this worker's gradient buffers.
  CpuGradient gradient() { return {g.data(), 0, touched, seen.data(), z, t, 0}; }
};

CpuTrainer::CpuTrainer(const RunSetup& setup, const ServerData<Float32>& rows, int threads,
                       Cluster& cluster)
    : setup_(setup),
      rows_(rows),
      cluster_(cluster),
      pool_(threads),
      n_(setup.layout.weights),
      workers_(static_cast<size_t>(setup.layout.dpus)),
      w_(n_, 0.0f) {
  const AlgorithmKind kind = setup.algorithm->kind();
  sums_.assign(cpu_allreduce_bytes(setup) / sizeof(float), 0.0f);
  if (kind == AlgorithmKind::kAdmm) z_.assign(n_, 0.0f);
  if (kind == AlgorithmKind::kGaSgd && threads > 1) copies_.resize(static_cast<size_t>(threads));
  for (Worker& k : workers_) {
    k.g.assign(n_, 0.0f);
    if (setup.sparse) k.seen.assign(n_, 0);
    if (kind == AlgorithmKind::kAdmm) {
      k.w.assign(n_, 0.0f);
      k.u.assign(n_, 0.0f);
      k.prox.assign(n_, 0.0f);
    }
  }
}

std::string in_workers(std::string message) {
  for (const auto& [from, to] :
       {std::pair<std::string, std::string>{"--dpus-per-server", "--workers-per-server"},
        {"DPUs", "workers"},
        {"DPU", "worker"}}) {
    for (size_t at = message.find(from); at != std::string::npos;
         at = message.find(from, at + to.size()))
      message.replace(at, from.size(), to);
  }
  return message;
}

CpuTrainer::~CpuTrainer() = default;

std::vector<HostMemoryItem> CpuTrainer::memory_needs(const RunSetup& setup, int threads) {
  const AlgorithmKind kind = setup.algorithm->kind();
  const uint64_t n = setup.layout.weights, workers = static_cast<uint64_t>(setup.layout.dpus);
  // Per worker: the gradient, its own model, u_i and u_i - z (ADMM), the touched flags (sparse).
  const uint64_t vectors = kind == AlgorithmKind::kAdmm ? 4 : 1;
  const uint64_t per_worker = vectors * n * sizeof(float) + (setup.sparse ? n : 0);
  const uint64_t host = (kind == AlgorithmKind::kAdmm ? 4 : 2) * (n + 1) * sizeof(float);
  // GA-SGD with several threads: each thread's copy of the global model.
  const uint64_t copies = kind == AlgorithmKind::kGaSgd && threads > 1
                              ? static_cast<uint64_t>(threads) * n * sizeof(float)
                              : 0;
  return {{"CPU workers' models and gradients", workers * per_worker},
          {"global model and sums", host},
          {"per-thread copies of the global model", copies}};
}

uint64_t CpuTrainer::rows_run() const {
  uint64_t n = 0;
  for (const Worker& k : workers_) n += k.rows_run;
  return n;
}
uint64_t CpuTrainer::rows_active() const {
  uint64_t n = 0;
  for (const Worker& k : workers_) n += k.rows_active;
  return n;
}

template <class Fn>
void CpuTrainer::chunks(uint64_t n, Fn fn) {
  auto body = [&](size_t c) {
    const uint64_t lo = c * kCpuChunk;
    fn(lo, std::min(n, lo + kCpuChunk));
  };
  pool_.parallel_for((n + kCpuChunk - 1) / kCpuChunk, body);
}

// The gradient term of a row with score z (bias included), as the DPU kernels define it in float:
// LR (sigmoid(z) - y) 2^-lr; SVM, inside the margin (y' z < margin), -y' 2^-lr; class weights
// (Criteo) x15 for a positive row, x0.5 for a negative one. `active`: false for an SVM row outside
// the margin.
namespace {
float row_term(float z, uint8_t y, const KernelConfig& cfg, bool& active) {
  float t = 0;
  if (cfg.model == ModelKind::kLr) {
    active = true;
    t = std::ldexp(1.0f / (1.0f + std::exp(-z)) - (y == 1 ? 1.0f : 0.0f), -cfg.lr_shift);
  } else {
    const float yz = y == 1 ? z : -z;
    active = yz < static_cast<float>(cfg.svm_margin);
    if (!active) return 0;
    t = std::ldexp(y == 1 ? -1.0f : 1.0f, -cfg.lr_shift);
  }
  if (cfg.class_weights) t = y == 1 ? Float32::weight_positive(t) : Float32::weight_negative(t);
  return t;
}
}  // namespace

void cpu_dense_gradient(const CpuDenseRows& r, uint64_t first, uint64_t rows, const float* w,
                        float bias, const KernelConfig& cfg, CpuGradient& out) {
  const uint64_t n = r.n, block = cpu_block_rows(n);
  out.z.resize(block);
  out.t.resize(block);
  Eigen::Map<Eigen::VectorXf> g(out.g, static_cast<Eigen::Index>(n));
  g.setZero();
  out.g_bias = 0;
  const Eigen::Map<const Eigen::VectorXf> wv(w, static_cast<Eigen::Index>(n));
  for (uint64_t b0 = 0; b0 < rows; b0 += block) {
    const uint64_t m = std::min(block, rows - b0), row0 = first + b0;
    const Eigen::Map<const RowMajor> x(r.x + row0 * n, static_cast<Eigen::Index>(m),
                                       static_cast<Eigen::Index>(n));
    Eigen::Map<Eigen::VectorXf> z(out.z.data(), static_cast<Eigen::Index>(m));
    Eigen::Map<Eigen::VectorXf> t(out.t.data(), static_cast<Eigen::Index>(m));
    z.noalias() = x * wv;
    for (uint64_t i = 0; i < m; ++i) {
      bool active = false;
      const auto e = static_cast<Eigen::Index>(i);
      t[e] = row_term(z[e] + bias, r.y[row0 + i], cfg, active);
      out.active += active;
      out.g_bias += t[e];
    }
    g.noalias() += x.transpose() * t;
  }
}

void cpu_sparse_gradient(const CpuSparseRows& r, uint64_t first, uint64_t rows, const float* w,
                         const KernelConfig& cfg, CpuGradient& out) {
  float* g = out.g;
  auto touch = [&](uint32_t j, float t) {
    if (!out.seen[j]) {
      out.seen[j] = 1;
      out.touched.push_back(j);
    }
    g[j] += t;
  };
  const uint64_t* off = r.offsets;
  const uint32_t* idx = r.indices;
  for (uint64_t i = first; i < first + rows; ++i) {
    float z = w[r.bias_index];
    for (uint64_t p = off[i]; p < off[i + 1]; ++p) z += w[idx[p]];
    bool active = false;
    const float t = row_term(z, r.y[i], cfg, active);
    if (!active) continue;
    ++out.active;
    if (i + 1 < first + rows) __builtin_prefetch(idx + off[i + 1]);
    for (uint64_t p = off[i]; p < off[i + 1]; ++p) touch(idx[p], t);
    touch(static_cast<uint32_t>(r.bias_index), t);
  }
}

namespace {
// One weight's SGD step, the one expression both update kernels use (so that MA-SGD's sums of
// steps have the in-place update's bits): w - g 2^-b - (w + prox) 2^-d.
struct SgdStep {
  float step, decay;
  SgdStep(int batch_log2, int decay_shift)
      : step(std::ldexp(1.0f, -batch_log2)), decay(std::ldexp(1.0f, -decay_shift)) {}
  float operator()(float w, float g) const { return w - g * step - w * decay; }
  float operator()(float w, float g, float prox) const { return w - g * step - (w + prox) * decay; }
};
}  // namespace

void cpu_apply_update(float* w, uint64_t n, const float* g, int batch_log2, int decay_shift,
                      const float* prox) {
  const SgdStep sgd(batch_log2, decay_shift);
  if (prox) {
    for (uint64_t j = 0; j < n; ++j) w[j] = sgd(w[j], g[j], prox[j]);
  } else {
    for (uint64_t j = 0; j < n; ++j) w[j] = sgd(w[j], g[j]);
  }
}

void cpu_add_update(float* sum, const float* w, uint64_t n, const float* g, int batch_log2,
                    int decay_shift) {
  const SgdStep sgd(batch_log2, decay_shift);
  for (uint64_t j = 0; j < n; ++j) sum[j] += sgd(w[j], g[j]);
}

void cpu_take_touched(CpuGradient& out, std::vector<float>& values) {
  values.resize(out.touched.size());
  for (size_t i = 0; i < out.touched.size(); ++i) {
    const uint32_t j = out.touched[i];
    values[i] = out.g[j];
    out.g[j] = 0;
    out.seen[j] = 0;
  }
}

void cpu_clear_touched(CpuGradient& out) {
  for (const uint32_t j : out.touched) {
    out.g[j] = 0;
    out.seen[j] = 0;
  }
  out.touched.clear();
}

void CpuTrainer::gradient(Worker& k, uint64_t first, uint64_t rows, const float* w, float bias) {
  k.rows_run += rows;
  CpuGradient out = k.gradient();
  if (setup_.sparse) {
    cpu_sparse_gradient(
        {rows_.offsets.data(), rows_.indices.data(), rows_.y.data(), setup_.layout.features}, first,
        rows, w, setup_.kernel, out);
  } else {
    cpu_dense_gradient({rows_.x.data(), rows_.y.data(), n_}, first, rows, w, bias, setup_.kernel,
                       out);
    k.g_bias = out.g_bias;
  }
  k.rows_active += out.active;
}

void CpuTrainer::local_steps(Worker& k, uint64_t first, uint64_t steps) {
  const AlgorithmSettings& s = setup_.settings;
  const uint64_t b = s.rows_per_dpu_step;
  for (uint64_t step = 0; step < steps; ++step) {
    gradient(k, first + step * b, b, k.w.data(), k.bias);
    cpu_apply_update(k.w.data(), n_, k.g.data(), s.batch_log2, s.lr_shift + s.reg_shift,
                     k.prox.data());
    if (setup_.sparse) {
      CpuGradient out = k.gradient();
      cpu_clear_touched(out);
    } else {
      k.bias = updated_bias<Float32>(k.bias, k.g_bias, s.batch_log2);
    }
  }
}

template <class Vec, class Scalar>
void CpuTrainer::sum_workers(Vec of, Scalar scalar, float* out) {
  chunks(n_, [&](uint64_t lo, uint64_t hi) {
    std::fill(out + lo, out + hi, 0.0f);
    for (Worker& k : workers_) {
      const float* v = of(k);
      for (uint64_t j = lo; j < hi; ++j) out[j] += v[j];
    }
  });
  out[n_] = 0;
  for (Worker& k : workers_) out[n_] += scalar(k);
}

void CpuTrainer::allreduce(std::span<float> sums) {
  if (cluster_.size() == 1) return;
  const auto t0 = Clock::now();
  MPI_Barrier(cluster_.mpi_comm());
  ledger_.add(Phase::kWait, since(t0));
  const auto t1 = Clock::now();
  inject_fault("allreduce", cluster_.rank());
  MPI_Allreduce(MPI_IN_PLACE, sums.data(), static_cast<int>(sums.size()), MPI_FLOAT, MPI_SUM,
                cluster_.mpi_comm());
  ledger_.add(Phase::kNetwork, since(t1), sums.size() * sizeof(float));
}

const float* CpuTrainer::thread_model() {
  if (copies_.empty()) return w_.data();
  ModelCopy& c = copies_[static_cast<size_t>(ThreadPool::thread_index())];
  if (c.round != round_) {
    c.w.assign(w_.begin(), w_.end());
    c.round = round_;
  }
  return c.w.data();
}

void CpuTrainer::round(uint64_t r) {
  const AlgorithmSettings& s = setup_.settings;
  const AlgorithmKind kind = setup_.algorithm->kind();
  const uint64_t rpw = setup_.layout.rows_per_dpu, rps = s.rows_per_dpu_step;
  const size_t W = workers_.size();
  const uint64_t row_bytes = setup_.sparse ? 0 : n_ * sizeof(float);
  const int decay = s.lr_shift + s.reg_shift;

  // The workers' kernels.
  auto t = Clock::now();
  uint64_t rows_read = 0;
  if (kind == AlgorithmKind::kGaSgd) {
    ++round_;
    auto work = [&](size_t k) {
      Worker& wk = workers_[k];
      gradient(wk, k * rpw + r * rps, rps, thread_model(), bias_);
      if (setup_.sparse) {
        // The touched sums leave g as a list, and g is cleared by the thread that writes it: the
        // host's sum then reads the list in order, not another core's lines at random.
        CpuGradient out = wk.gradient();
        cpu_take_touched(out, wk.listed);
      }
    };
    pool_.parallel_for(W, work);
    rows_read = W * rps;
  } else if (kind == AlgorithmKind::kMaSgd) {
    // A worker's step is its gradient at the global model; the update that makes the worker's model
    // of it is taken into the server's sums below, so no worker writes a model of its own.
    auto work = [&](size_t k) {
      Worker& wk = workers_[k];
      if (setup_.sparse) {  // the last round's entries, which the sums have read
        CpuGradient out = wk.gradient();
        cpu_clear_touched(out);
      }
      gradient(wk, k * rpw + r * rps, rps, w_.data(), bias_);
      wk.bias = setup_.sparse ? bias_ : updated_bias<Float32>(bias_, wk.g_bias, s.batch_log2);
    };
    pool_.parallel_for(W, work);
    rows_read = W * rps;
  } else {
    auto work = [&](size_t k) { local_steps(workers_[k], k * rpw, rpw / rps); };
    pool_.parallel_for(W, work);
    rows_read = W * rpw;
  }
  ledger_.add(Phase::kHostCompute, since(t), rows_read * row_bytes);

  // The server's sums of its workers.
  t = Clock::now();
  const Average<Float32> average(s.total_dpus);
  const bool alone = cluster_.size() == 1;
  auto average_sums = [&](uint64_t lo, uint64_t hi) {  // MA-SGD: the model from the sums
    for (uint64_t j = lo; j < hi; ++j) w_[j] = average(sums_[j]);
  };
  if (kind == AlgorithmKind::kGaSgd && setup_.sparse) {
    chunks(n_ + 1, [&](uint64_t lo, uint64_t hi) {
      std::fill(sums_.data() + lo, sums_.data() + hi, 0.0f);
    });
    for (Worker& k : workers_) {
      for (size_t i = 0; i < k.touched.size(); ++i) sums_[k.touched[i]] += k.listed[i];
      k.touched.clear();
    }
  } else if (kind == AlgorithmKind::kGaSgd) {
    sum_workers([](Worker& k) { return k.g.data(); }, [](Worker& k) { return k.g_bias; },
                sums_.data());
  } else if (kind == AlgorithmKind::kMaSgd) {
    // Each worker's model after its step (w - g 2^-b - w 2^-d, its update's bits) added as it is
    // made: one pass reading the global model and the gradients, where a worker writing its model
    // and the host reading it back cost three times the bytes, half of them another core's lines.
    // One server (nothing to all-reduce): the chunk's average is taken in the same pass, from the
    // sums still in cache, by the thread that made them.
    chunks(n_, [&](uint64_t lo, uint64_t hi) {
      std::fill(sums_.data() + lo, sums_.data() + hi, 0.0f);
      for (Worker& k : workers_) {
        cpu_add_update(sums_.data() + lo, w_.data() + lo, hi - lo, k.g.data() + lo, s.batch_log2,
                       decay);
      }
      if (alone) average_sums(lo, hi);
    });
    sums_[n_] = 0;
    for (Worker& k : workers_) sums_[n_] += k.bias;
  } else {
    sum_workers([](Worker& k) { return k.w.data(); }, [](Worker& k) { return k.bias; },
                sums_.data());
    if (kind == AlgorithmKind::kAdmm) {
      sum_workers([](Worker& k) { return k.u.data(); }, [](Worker& k) { return k.u_bias; },
                  sums_.data() + n_ + 1);
    }
  }
  ledger_.add(Phase::kHostReduce, since(t), W * sums_.size() * sizeof(float));

  allreduce(sums_);

  // The host's update, the same on every server.
  t = Clock::now();
  if (kind == AlgorithmKind::kGaSgd) {
    chunks(n_, [&](uint64_t lo, uint64_t hi) {
      cpu_apply_update(&w_[lo], hi - lo, &sums_[lo], s.batch_log2, decay, nullptr);
    });
    bias_ = updated_bias<Float32>(bias_, sums_[n_], s.batch_log2);
  } else if (kind == AlgorithmKind::kMaSgd) {
    if (!alone) chunks(n_, average_sums);  // (one server: averaged with the sums)
    bias_ = average(sums_[n_]);
  } else {
    // z = S_tau(w_avg + u_avg); u_i += w_i - z; the workers' next proximal term is u_i - z.
    const float tau = admm_tau<Float32>(s.alpha, s.reg_shift, s.total_dpus);
    const float* u_sums = sums_.data() + n_ + 1;
    chunks(n_, [&](uint64_t lo, uint64_t hi) {
      for (uint64_t j = lo; j < hi; ++j) {
        w_[j] = average(sums_[j]);
        z_[j] = soft_threshold<Float32>(w_[j] + average(u_sums[j]), tau);
      }
      for (Worker& k : workers_) {
        for (uint64_t j = lo; j < hi; ++j) {
          k.u[j] += k.w[j] - z_[j];
          k.prox[j] = k.u[j] - z_[j];
        }
      }
    });
    bias_ = average(sums_[n_]);
    const float z_bias = soft_threshold<Float32>(bias_ + average(u_sums[n_]), tau);
    for (Worker& k : workers_) k.u_bias += k.bias - z_bias;
  }
  ledger_.add(Phase::kHostCompute, since(t));
}

}  // namespace pimscale
