// The GPU model (src/devices/gpu_model.h): its arithmetic on a made-up GPU with round numbers,
// restated by hand. What it rests on (the shipped presets' sources) is README's, not this test's.
#include <gtest/gtest.h>

#include "src/algorithms/algorithm.h"
#include "src/config/presets.h"
#include "src/devices/cpu_trainer.h"
#include "src/devices/gpu_model.h"

namespace pimscale {
namespace {

GpuSpec round_gpu() {
  GpuSpec g;
  g.name = "round";
  g.gpus = 1;
  g.memory_bandwidth_gbps = 1000;
  g.stream_fraction = 0.5;  // 500 GB/s
  g.l2_bytes = 40e6;
  g.l2_bandwidth_gbps = 2000;
  g.sector_bytes = 32;
  g.fp32_tflops = 10;
  g.device_memory_bytes = 80e9;
  g.host_link_gbps = 20;
  g.peer_link_gbps = 100;
  g.peer_latency_us = 5;
  g.kernel_us = 5;
  g.gap_us = 1;
  g.launch_us = 4;
  g.framework_us = 10;
  return g;
}

RunSetup dense_setup(AlgorithmKind algorithm, int64_t batch, int64_t gpus, uint64_t features,
                     uint64_t rows) {
  TrainConfig cfg;
  cfg.algorithm = algorithm;
  cfg.batch = batch;
  cfg.dpus_per_server = gpus;
  cfg.numerics = Numerics::kFloat;
  const DataShape shape{"t", false, features, rows, 16, 0};
  return make_setup(cfg, shape, load_server_preset("upmem-2560-v1a").hardware, {1}, 0);
}

double seconds(const PhaseLedger& l, Phase p) { return l.time[static_cast<int>(p)].seconds(); }

constexpr double kPs = 1e-12;  // each phase is held in whole picoseconds

TEST(GpuModel, KernelWorkIsTheRoofline) {
  const GpuSpec g = round_gpu();
  EXPECT_DOUBLE_EQ(gpu_kernel_work_seconds({"s", 1e9, 0, 0, false, 0}, g), 1e9 / 500e9);
  EXPECT_DOUBLE_EQ(gpu_kernel_work_seconds({"f", 1e3, 0, 0, false, 1e12}, g), 1e12 / 10e12);
  EXPECT_DOUBLE_EQ(gpu_kernel_work_seconds({"l2", 0, 4e9, 0, false, 0}, g), 4e9 / 2000e9);
  EXPECT_DOUBLE_EQ(gpu_kernel_work_seconds({"g", 0, 0, 1e6, true, 0}, g), 32e6 / 2000e9);
  EXPECT_DOUBLE_EQ(gpu_kernel_work_seconds({"g", 0, 0, 1e6, false, 0}, g), 32e6 / 500e9);
}

// Tiny kernels: the host issues one every launch_us + framework_us = 14 us and the GPU, done in
// kernel_us + gap_us = 6 us, waits for it. MA-SGD's round: 5 kernels of the step (zero g, gemv,
// error, gemv^T, update), then the average after the all-reduce.
TEST(GpuModel, SmallStepsAreBoundByTheHost) {
  const GpuSpec g = round_gpu();
  const RunSetup s = dense_setup(AlgorithmKind::kMaSgd, 1, 1, 16, 64);
  const PhaseLedger r = gpu_round_time(s, g, GpuWork{}, NetworkSpec{});
  const double n = static_cast<double>(s.layout.weights), f = 16;
  const double w[5] = {n * 4 / 500e9, std::max((f * 4 + n * 4 + 4) / 500e9, 2 * f / 10e12),
                       std::max(12 / 500e9, 20 / 10e12),
                       std::max((n * 8 + 4) / 500e9 + f * 4 / 2000e9, 2 * f / 10e12),
                       n * 12 / 500e9};  // gemv^T reads the row again from L2
  const double avg = std::max(n * 8 / 500e9, n / 10e12);
  double busy = 0;
  for (double x : w) busy += 5e-6 + x;
  // Kernel k starts when the host has issued it, at 14 us x (k + 1); the step ends after the last.
  const double step_end = 5 * 14e-6 + 5e-6 + w[4];
  const double after_end = 14e-6 + 5e-6 + avg;
  // dpu_compute: the kernels and the 4 gaps between the step's; host_compute: the rest of the
  // wait for the host.
  EXPECT_NEAR(seconds(r, Phase::kDpuCompute), busy + 4e-6 + 5e-6 + avg, 2 * kPs);
  EXPECT_NEAR(seconds(r, Phase::kDpuCompute) + seconds(r, Phase::kHostCompute),
              step_end + after_end, 2 * kPs);
  EXPECT_EQ(seconds(r, Phase::kHostToDpu), 0);
  EXPECT_EQ(seconds(r, Phase::kHostReduce), 0);  // one GPU
  EXPECT_EQ(seconds(r, Phase::kNetwork), 0);     // one server
}

// Large batches: every kernel takes longer than the host needs to issue the next, so the GPU never
// waits after gemv; the batch (16 MiB) is read again from L2 by gemv^T.
TEST(GpuModel, LargeStepsAreBoundByBandwidth) {
  const GpuSpec g = round_gpu();
  const RunSetup s = dense_setup(AlgorithmKind::kGaSgd, 1024, 1, 4096, 8192);
  const PhaseLedger r = gpu_round_time(s, g, GpuWork{}, NetworkSpec{});
  const double n = static_cast<double>(s.layout.weights), f = 4096, b = 1024;
  const double batch = b * f * 4;
  const double zero = n * 4 / 500e9;
  const double gemv = (batch + n * 4 + b * 4) / 500e9;
  const double error = b * 12 / 500e9;
  const double gemv_t = (n * 8 + b * 4) / 500e9 + batch / 2000e9;
  const double update = n * 12 / 500e9;
  ASSERT_GT(gemv, 14e-6);
  // zero g waits for the host (14 us), then each kernel follows the previous after gap_us except
  // where the host is later: error (tiny) and gemv^T are issued long before they can start.
  const double zero_end = 14e-6 + 5e-6 + zero;
  const double gemv_start = std::max(zero_end + 1e-6, 28e-6);
  const double gemv_end = gemv_start + 5e-6 + gemv;
  const double error_end = gemv_end + 1e-6 + 5e-6 + error;
  const double end = error_end + 1e-6 + 5e-6 + gemv_t;
  const double busy = 4 * 5e-6 + zero + gemv + error + gemv_t;
  EXPECT_NEAR(seconds(r, Phase::kDpuCompute) + seconds(r, Phase::kHostCompute),
              end + 14e-6 + 5e-6 + update, 3 * kPs);
  EXPECT_NEAR(seconds(r, Phase::kDpuCompute), busy + 3e-6 + 5e-6 + update, 2 * kPs);
}

// Rows beyond device memory cross the host link a step ahead: a copy-bound round lasts its
// copies, and host_to_dpu holds what the kernels do not hide.
TEST(GpuModel, DataBeyondDeviceMemoryIsStreamed) {
  GpuSpec g = round_gpu();
  const RunSetup s = dense_setup(AlgorithmKind::kGaSgd, 1024, 1, 1024, 8192);
  const double needed = gpu_memory_needed(s, GpuWork{});
  EXPECT_DOUBLE_EQ(needed,
                   8192.0 * (1024 * 4 + 1) + 2.0 * static_cast<double>(s.layout.weights) * 4);
  const PhaseLedger resident = gpu_round_time(s, g, GpuWork{}, NetworkSpec{});
  g.device_memory_bytes = needed - 1;
  const PhaseLedger streamed = gpu_round_time(s, g, GpuWork{}, NetworkSpec{});
  const double copy = 1024.0 * (1024 * 4 + 1) / 20e9;
  const double compute =
      seconds(resident, Phase::kDpuCompute) + seconds(resident, Phase::kHostCompute);
  // The chain after the all-reduce (the update) does not wait for copies.
  const double after = 14e-6 + 5e-6 + static_cast<double>(s.layout.weights) * 12 / 500e9;
  ASSERT_GT(copy, compute);  // copy-bound: 210 us of rows against about 35 us of kernels
  EXPECT_EQ(seconds(streamed, Phase::kDpuCompute), seconds(resident, Phase::kDpuCompute));
  EXPECT_EQ(seconds(streamed, Phase::kHostCompute), seconds(resident, Phase::kHostCompute));
  EXPECT_NEAR(seconds(streamed, Phase::kHostToDpu), copy - (compute - after), 3 * kPs);
  EXPECT_GT(seconds(streamed, Phase::kHostToDpu), 0);
  EXPECT_EQ(seconds(resident, Phase::kHostToDpu), 0);
  EXPECT_EQ(streamed.bytes[static_cast<int>(Phase::kHostToDpu)],
            static_cast<uint64_t>(1024.0 * (1024 * 4 + 1)));
}

// Four GPUs in a server: a ring all-reduce of the float32 sums over the peer links.
TEST(GpuModel, GpusOfAServerSumOverThePeerLinks) {
  const GpuSpec g = round_gpu();
  const RunSetup s = dense_setup(AlgorithmKind::kGaSgd, 1024, 4, 1024, 8192);
  const PhaseLedger r = gpu_round_time(s, g, GpuWork{}, NetworkSpec{});
  const double bytes = static_cast<double>(cpu_allreduce_bytes(s));
  EXPECT_NEAR(seconds(r, Phase::kHostReduce),
              2 * 3 * 5e-6 + 2 * 0.75 * bytes / 100e9 + 0.75 * bytes / 500e9, kPs);
}

TEST(GpuModel, ShippedPresetsLoadWithASourceForEveryNumber) {
  for (const char* name : {"gpu-a100-80gb-sxm", "gpu-h100-sxm"}) {
    const GpuSpec g = load_gpu_preset(name);
    EXPECT_EQ(g.sources.size(), gpu_params().size()) << name;
    for (const auto& [key, source] : g.sources) EXPECT_FALSE(source.empty()) << name << key;
  }
  for (const char* name : {"cpu-epyc-7742-2s", "cpu-xeon-8480-2s"}) {
    const CpuSpec c = load_cpu_preset(name);
    EXPECT_EQ(c.sources.size(), cpu_params().size()) << name;
  }
  EXPECT_EQ(load_gpu_preset("gpu-a100-80gb-sxm").memory_bandwidth_gbps, 2039);
  EXPECT_EQ(load_cpu_preset("cpu-epyc-7742-2s").cores, 128);
  EXPECT_THROW(load_gpu_preset("cpu-epyc-7742-2s"), InputError);  // no [gpu] table
}

}  // namespace
}  // namespace pimscale
