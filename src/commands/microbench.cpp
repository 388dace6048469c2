#include "src/commands/microbench.h"

#include <fmt/core.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "io/run_folder.h"
#include "pim_emul/dpu_cost.h"
#include "pim_emul/prim_kernels.h"
#include "pim_emul/transfer_cost.h"
#include "src/config/presets.h"
#include "src/version.h"

namespace pimscale {

namespace {

constexpr uint64_t kElements = uint64_t{1} << 20;  // per arithmetic run, over all tasklets
constexpr uint64_t kMramCalls = 1024;              // DMA calls per tasklet per MRAM run

// Million operations per second of PrIM's arithmetic loop with `tasklets` tasklets.
double arithmetic_mops(ArithType type, ArithOp op, int tasklets, const DpuSpec& dpu) {
  const DpuTime t = dpu_time(arithmetic_loop(type, op, kElements, tasklets), tasklets, dpu);
  return static_cast<double>(kElements) / t.total().seconds() / 1e6;
}

// MRAM<->WRAM bandwidth (GB/s) and cycles per call with one tasklet.
std::pair<double, double> mram(bool write, uint64_t bytes, const DpuSpec& dpu) {
  const DpuTime t = dpu_time(mram_stream(write, bytes, kMramCalls, 1, dpu), 1, dpu);
  return {static_cast<double>(bytes * kMramCalls) / t.total().seconds() / 1e9,
          t.dma_cycles / static_cast<double>(kMramCalls)};
}

// Host<->DPU bandwidth (GB/s): bytes delivered to or from all DPUs over the transfer's time.
double host_gbps(Transfer kind, uint64_t bytes, int64_t dpus, const TransferSpec& spec) {
  const Picoseconds t = transfer_time(kind, bytes, dpus, spec);
  return static_cast<double>(bytes) * static_cast<double>(dpus) / t.seconds() / 1e9;
}

std::string size_name(uint64_t b) {
  if (b >= (1u << 20)) return fmt::format("{} MiB", b >> 20);
  if (b >= (1u << 10)) return fmt::format("{} KiB", b >> 10);
  return fmt::format("{} B", b);
}

}  // namespace

void run_microbench(const MicrobenchConfig& config) {
  const ServerPreset preset = load_server_preset(config.hardware);
  const DpuSpec& dpu = preset.hardware.dpu;
  const TransferSpec& xfer = preset.hardware.transfer;
  RunFolder folder(config.out, config.force);
  nlohmann::json out;
  out["version"] = kVersion;
  out["git_revision"] = kGitRevision;
  out["hardware"] = describe(preset.hardware, preset.host);
  out["hardware"]["file"] = preset.file;

  fmt::print("pimscale microbench: PrIM microbenchmarks emulated on '{}' ({:.0f} MHz)\n\n",
             preset.hardware.name, dpu.frequency_mhz);
  // 1. Arithmetic throughput, 1..max_tasklets.
  const int max_t = static_cast<int>(dpu.max_tasklets);
  const std::vector<int> shown = {1, 2, 4, 8, 11, 16, 24};
  fmt::print("Arithmetic throughput (MOPS, one DPU; PrIM's WRAM loop)\n{:<14}", "tasklets");
  for (int t : shown) {
    if (t <= max_t) fmt::print("{:>9}", t);
  }
  fmt::print("\n");
  for (ArithType type :
       {ArithType::kInt32, ArithType::kInt64, ArithType::kFloat, ArithType::kDouble}) {
    for (ArithOp op : {ArithOp::kAdd, ArithOp::kSub, ArithOp::kMul, ArithOp::kDiv}) {
      const std::string name = arith_name(type, op);
      fmt::print("{:<14}", name);
      for (int t = 1; t <= max_t; ++t) {
        const double mops = arithmetic_mops(type, op, t, dpu);
        out["arithmetic_mops"][name][std::to_string(t)] = mops;
        if (std::find(shown.begin(), shown.end(), t) != shown.end()) fmt::print("{:>9.2f}", mops);
      }
      fmt::print("\n");
    }
  }

  // 2. MRAM<->WRAM DMA, one tasklet.
  fmt::print("\nMRAM<->WRAM DMA (one tasklet)\n{:<10}{:>14}{:>12}{:>14}{:>12}\n", "size",
             "read cycles", "read GB/s", "write cycles", "write GB/s");
  for (uint64_t b = 8; b <= static_cast<uint64_t>(dpu.dma_max_bytes); b *= 2) {
    const auto [rg, rc] = mram(false, b, dpu);
    const auto [wg, wc] = mram(true, b, dpu);
    const std::string key = std::to_string(b);
    out["mram"]["read"][key] = {{"gbps", rg}, {"cycles", rc}};
    out["mram"]["write"][key] = {{"gbps", wg}, {"cycles", wc}};
    fmt::print("{:<10}{:>14.1f}{:>12.3f}{:>14.1f}{:>12.3f}\n", size_name(b), rc, rg, wc, wg);
  }

  // 3. Host<->DPU transfers, 1..64 DPUs (one rank), 8 B..32 MiB per DPU.
  const std::vector<std::pair<const char*, Transfer>> kinds = {
      {"serial_to_dpu", Transfer::kSerialToDpu},
      {"serial_from_dpu", Transfer::kSerialFromDpu},
      {"parallel_to_dpu", Transfer::kParallelToDpu},
      {"parallel_from_dpu", Transfer::kParallelFromDpu},
      {"broadcast_to_dpu", Transfer::kBroadcastToDpu}};
  const std::vector<uint64_t> sizes_shown = {8, 512, 32768, 2u << 20, 32u << 20};
  for (const auto& [name, kind] : kinds) {
    fmt::print("\nHost<->DPU {} (GB/s, all DPUs together)\n{:<10}", name, "DPUs");
    for (uint64_t b : sizes_shown) fmt::print("{:>11}", size_name(b));
    fmt::print("\n");
    for (int64_t d = 1; d <= 64; d *= 2) {
      fmt::print("{:<10}", d);
      for (uint64_t b = 8; b <= (32u << 20); b *= 2) {
        const double g = host_gbps(kind, b, d, xfer);
        out["host_gbps"][name][std::to_string(d)][std::to_string(b)] = g;
        if (std::find(sizes_shown.begin(), sizes_shown.end(), b) != sizes_shown.end())
          fmt::print("{:>11.3f}", g);
      }
      fmt::print("\n");
    }
  }
  folder.write_json("microbench.json", out);
  folder.commit();
  fmt::print("\nresults in {}/microbench.json\n", config.out);
}

}  // namespace pimscale
