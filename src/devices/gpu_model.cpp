#include "src/devices/gpu_model.h"

#include <algorithm>
#include <cmath>

#include "comm/collective_cost.h"
#include "src/devices/cpu_trainer.h"

namespace pimscale {

namespace {

double bandwidth(const GpuSpec& g) { return g.memory_bandwidth_gbps * 1e9 * g.stream_fraction; }

// One GPU's rows of the setup, in bytes as the GPU holds them.
double row_bytes(const RunSetup& setup, const GpuWork& work) {
  const double n = static_cast<double>(setup.layout.features);
  return setup.sparse ? work.nnz_per_row * 4 + 8 + 1 : n * 4 + 1;
}

// Model vectors a GPU keeps (float32 each): w and g; ADMM also u and z.
double model_vectors(const RunSetup& setup) {
  return setup.algorithm->kind() == AlgorithmKind::kAdmm ? 4 : 2;
}

struct RoundKernels {
  std::vector<GpuKernel> step;  // one gradient step (and, MA-SGD and ADMM, its update)
  double steps = 1;             // steps before the all-reduce
  std::vector<GpuKernel> after;
};

RoundKernels round_kernels(const RunSetup& setup, const GpuSpec& gpu, const GpuWork& work) {
  const AlgorithmKind kind = setup.algorithm->kind();
  const double n = static_cast<double>(setup.layout.weights);
  const double b = static_cast<double>(setup.settings.rows_per_dpu_step);
  const double rpw = static_cast<double>(setup.layout.rows_per_dpu);
  const bool lr = setup.kernel.model == ModelKind::kLr;
  RoundKernels r;
  r.steps = kind == AlgorithmKind::kAdmm ? std::floor(rpw / b) : 1;
  r.step.push_back({"zero g", n * 4, 0, 0, false, 0});
  if (setup.sparse) {
    const double nnz = work.nnz_per_row;
    const double active = lr ? 1 : work.svm_active_fraction;
    // w and g stay in L2 when they fit in half of it.
    const bool in_l2 = n * 4 * 2 <= gpu.l2_bytes / 2;
    r.step.push_back({"gather z = X w", b * (nnz * 4 + 8 + 4), 0, b * (nnz + 1), in_l2, b * nnz});
    r.step.push_back({"error", b * 4 * 3, 0, 0, false, b * 20});
    // Atomic adds: a read and a write of a sector each.
    r.step.push_back({"scatter g += X^T t", b * active * (nnz * 4 + 8), 0,
                      2 * b * active * (nnz + 1), in_l2, b * active * nnz});
  } else {
    const double features = static_cast<double>(setup.layout.features);
    const double batch = b * features * 4;
    r.step.push_back({"gemv z = X w", batch + n * 4 + b * 4, 0, 0, false, 2 * b * features});
    r.step.push_back({"error", b * 4 * 3, 0, 0, false, b * 20});
    // The batch is read again from L2 when it fits in half of it.
    const bool again_in_l2 = batch <= gpu.l2_bytes / 2;
    r.step.push_back({"gemv g = X^T t", (again_in_l2 ? 0 : batch) + n * 8 + b * 4,
                      again_in_l2 ? batch : 0, 0, false, 2 * b * features});
  }
  switch (kind) {
    case AlgorithmKind::kGaSgd:
      r.after.push_back({"update w", n * 12, 0, 0, false, n * 3});
      break;
    case AlgorithmKind::kMaSgd:
      r.step.push_back({"update w", n * 12, 0, 0, false, n * 3});
      r.after.push_back({"average w", n * 8, 0, 0, false, n});
      break;
    case AlgorithmKind::kAdmm:
      r.step.push_back({"update w (prox)", n * 16, 0, 0, false, n * 5});
      r.after.push_back({"update z", n * 12, 0, 0, false, n * 3});
      r.after.push_back({"update u", n * 16, 0, 0, false, n * 3});
      break;
  }
  return r;
}

// The critical path of kernels issued back to back (Lin et al.): the host's clock and the stream's
// front; `copy_ready`: when the kernel's rows are on the GPU (streamed data), else 0.
struct Chain {
  double host = 0, front = 0;
  double busy = 0, gaps = 0, host_wait = 0, copy_wait = 0;
  bool first = true;
  void run(const GpuKernel& k, const GpuSpec& g, double copy_ready) {
    host += (g.launch_us + g.framework_us) * 1e-6;
    const double ready = first ? front : front + g.gap_us * 1e-6;
    gaps += ready - front;
    const double after_copy = std::max(ready, copy_ready);
    copy_wait += after_copy - ready;
    const double start = std::max(after_copy, host);
    host_wait += start - after_copy;
    const double work = g.kernel_us * 1e-6 + gpu_kernel_work_seconds(k, g);
    busy += work;
    front = start + work;
    first = false;
  }
};

}  // namespace

double gpu_memory_needed(const RunSetup& setup, const GpuWork& work) {
  const double rows = static_cast<double>(setup.layout.rows_per_dpu);
  return rows * row_bytes(setup, work) +
         model_vectors(setup) * static_cast<double>(setup.layout.weights) * 4;
}

double gpu_load_seconds(const RunSetup& setup, const GpuSpec& g, const GpuWork& work) {
  return static_cast<double>(setup.layout.rows_per_dpu) * row_bytes(setup, work) /
         (g.host_link_gbps * 1e9);
}

double gpu_kernel_work_seconds(const GpuKernel& k, const GpuSpec& g) {
  const double sector_bytes = k.sectors * g.sector_bytes;
  const double memory =
      (k.stream_bytes + (k.sectors_in_l2 ? 0 : sector_bytes)) / bandwidth(g) +
      (k.l2_bytes + (k.sectors_in_l2 ? sector_bytes : 0)) / (g.l2_bandwidth_gbps * 1e9);
  return std::max(memory, k.flops / (g.fp32_tflops * 1e12));
}

PhaseLedger gpu_round_time(const RunSetup& setup, const GpuSpec& g, const GpuWork& work,
                           const NetworkSpec& net) {
  const RoundKernels r = round_kernels(setup, g, work);
  const bool streams = gpu_memory_needed(setup, work) > g.device_memory_bytes;
  // Streamed rows: each step's batch over the host link on a copy stream that runs one step ahead
  // of the kernels (double-buffered; in the steady state the round's first batch arrived during
  // the previous round): step s's rows are there at s x copy, and the round lasts at least its
  // copies.
  const double step_bytes =
      streams ? static_cast<double>(setup.settings.rows_per_dpu_step) * row_bytes(setup, work) : 0;
  const double copy = step_bytes / (g.host_link_gbps * 1e9);
  Chain c;
  for (double s = 0; s < r.steps; ++s) {
    for (size_t i = 0; i < r.step.size(); ++i) c.run(r.step[i], g, i == 0 ? s * copy : 0);
  }
  c.copy_wait += std::max(0.0, r.steps * copy - c.front);
  // The sums wait for the last kernel; the kernels after them wait for the sums.
  PhaseLedger round;
  const double W = static_cast<double>(setup.layout.dpus);
  const double bytes = static_cast<double>(cpu_allreduce_bytes(setup));
  double sums = 0;
  if (W > 1) {
    sums = 2 * (W - 1) * g.peer_latency_us * 1e-6 +
           2 * (W - 1) / W * bytes / (g.peer_link_gbps * 1e9) + (W - 1) / W * bytes / bandwidth(g);
  }
  round.add(Phase::kHostReduce, from_seconds(sums));
  if (setup.servers > 1) {
    round.add(Phase::kNetwork, allreduce_time(static_cast<uint64_t>(bytes), setup.servers, net),
              static_cast<uint64_t>(bytes));
  }
  Chain after;
  for (const GpuKernel& k : r.after) after.run(k, g, 0);
  round.add(Phase::kDpuCompute, from_seconds(c.busy + c.gaps + after.busy + after.gaps));
  round.add(Phase::kHostCompute, from_seconds(c.host_wait + after.host_wait));
  round.add(Phase::kHostToDpu, from_seconds(c.copy_wait),
            static_cast<uint64_t>(step_bytes * r.steps));
  return round;
}

nlohmann::json gpu_model_detail(const RunSetup& setup, const GpuSpec& g, const GpuWork& work) {
  const RoundKernels r = round_kernels(setup, g, work);
  nlohmann::json kernels = nlohmann::json::array();
  for (const auto* list : {&r.step, &r.after}) {
    for (const GpuKernel& k : *list) {
      kernels.push_back({{"name", k.name},
                         {"per", list == &r.step ? "step" : "round, after the all-reduce"},
                         {"stream_bytes", k.stream_bytes},
                         {"l2_bytes", k.l2_bytes},
                         {"sectors", k.sectors},
                         {"sectors_in_l2", k.sectors_in_l2},
                         {"flops", k.flops},
                         {"seconds", g.kernel_us * 1e-6 + gpu_kernel_work_seconds(k, g)}});
    }
  }
  const double needed = gpu_memory_needed(setup, work);
  const bool streams = needed > g.device_memory_bytes;
  return {
      {"device", "gpu"},
      {"method",
       "per round on one GPU: a chain of kernels (steps x the step's, then those after the "
       "all-reduce) on the critical path of Lin et al. (arXiv 2404.12674): the host issues a "
       "kernel every launch_us + framework_us, the GPU starts it gap_us after the previous one "
       "ends (or when the host issued it) and runs it for kernel_us + max(bytes at "
       "memory_bandwidth x stream_fraction, L2 bytes at l2_bandwidth, sectors x sector_bytes at "
       "either, flops at fp32_tflops); dpu_compute: the GPU's kernels and gaps, host_compute: "
       "the GPU waiting for the host; host_reduce: a ring all-reduce over the server's GPUs on "
       "the peer links; network: the network preset's all-reduce of the float32 sums between "
       "servers; host_to_dpu: streamed rows the kernels wait for (data beyond device memory)"},
      {"gpu", g.name},
      {"gpus_per_server", setup.layout.dpus},
      {"steps_per_round", r.steps},
      {"kernels", kernels},
      {"nnz_per_row", work.nnz_per_row},
      {"svm_active_fraction", work.svm_active_fraction},
      {"device_memory_needed_bytes", needed},
      {"device_memory_bytes", g.device_memory_bytes},
      {"data_streams", streams},
      {"load_seconds", gpu_load_seconds(setup, g, work)},
      {"assumptions",
       "balanced servers (wait 0); a PyTorch-like implementation: one kernel per operation, "
       "dense float32 gradients and updates, atomic scatters for sparse rows; the rows resident "
       "in device memory when they fit (loaded once: load_seconds, not in the epoch), else "
       "streamed each step over the host link, overlapped with the kernels"}};
}

}  // namespace pimscale
