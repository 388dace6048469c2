// The model of a GPU server training the same algorithms as the emulated PIM servers: not run here
// (no GPU trainer), only predicted (`predict --device gpu`, `plan --devices`). One round is a chain
// of kernels per GPU priced by the critical-path method of Lin et al. (arXiv 2404.12674; see
// shared/reference/performance-modeling.md): the host issues each kernel after launch_us +
// framework_us, the GPU runs it after the previous one plus gap_us, for kernel_us plus its work
// (a roofline: bytes at the streaming, L2 or sector rate, or float32 operations at the peak rate);
// then the GPUs' sums inside the server (a ring over the peer links) and the network preset's
// all-reduce between servers. Data that does not fit in device memory is streamed over the host
// link each step, overlapped with the kernels. Not responsible for running anything.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "comm/network_spec.h"
#include "node/gpu_spec.h"
#include "node/phases.h"
#include "src/algorithms/run_setup.h"

namespace pimscale {

struct GpuWork {
  double nnz_per_row = 0;          // sparse: the mean non-zeros of a row
  double svm_active_fraction = 1;  // SVM: rows inside the margin (their scatter is done)
};

// One kernel of a round: what it moves and computes.
struct GpuKernel {
  std::string name;
  double stream_bytes = 0;  // read or written in long runs from device memory
  double l2_bytes = 0;      // read from L2 in long runs (a batch a previous kernel brought in)
  double sectors = 0;       // random accesses (sparse gathers and scatters), one sector each
  bool sectors_in_l2 = false;
  double flops = 0;
};

// The device memory one GPU of the setup needs: its rows (dense: features x 4 B; sparse: CSR, 4 B a
// non-zero and 8 B a row offset), labels, and the model vectors the algorithm keeps.
double gpu_memory_needed(const RunSetup& setup, const GpuWork& work);

// Seconds to copy one GPU's rows over the host link once (start-up, when they fit).
double gpu_load_seconds(const RunSetup& setup, const GpuSpec& gpu, const GpuWork& work);

// Seconds one kernel's work takes on the GPU (without kernel_us): max(memory, compute).
double gpu_kernel_work_seconds(const GpuKernel& k, const GpuSpec& gpu);

// One communication round of server 0 (the servers are alike): dpu_compute holds the GPU's kernels
// (kernel_us, gaps and work), host_compute the time the GPU waits for the host to issue the next
// kernel, host_to_dpu the host -> GPU copies a step's compute does not hide (data beyond device
// memory), host_reduce the GPUs' sums inside the server, network the all-reduce between servers.
PhaseLedger gpu_round_time(const RunSetup& setup, const GpuSpec& gpu, const GpuWork& work,
                           const NetworkSpec& net);

// run.json's "prediction" for a GPU server: the method, its inputs and whether the data streams.
nlohmann::json gpu_model_detail(const RunSetup& setup, const GpuSpec& gpu, const GpuWork& work);

}  // namespace pimscale
