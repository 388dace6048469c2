// `pimscale microbench --device cpu`: this host's rates for the CPU baseline's model (src/devices/
// cpu_model.h), measured with the CPU trainer's own kernels, written as a CPU hardware preset
// (cpu.toml, use: predict --device cpu --hardware DIR/cpu.toml) and microbench_cpu.json. Each rate
// is the best of a few repetitions (the least disturbed by other work on the machine).
#include <fmt/core.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/run_folder.h"
#include "node/cpu_spec.h"
#include "node/thread_pool.h"
#include "src/base/error.h"
#include "src/commands/microbench.h"
#include "src/devices/cpu_model.h"
#include "src/devices/cpu_trainer.h"
#include "src/version.h"

namespace pimscale {

namespace {

using Clock = std::chrono::steady_clock;

// The best of `reps` timings of fn(), in seconds.
template <class Fn>
double best_of(int reps, Fn fn) {
  double best = 1e300;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = Clock::now();
    fn();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return best;
}

// Seconds of fn(i) on every thread of the pool at once (i: the thread), from the moment all have
// started to the last one's end. The threads meet before the clock starts: a woken pool thread may
// first be queued on the waker's core (Linux's wake-affine placement) and run there only after the
// waker's item, which once halved this host's all-core streaming rate in all three passes.
template <class Fn>
double all_cores_seconds(ThreadPool& pool, Fn fn) {
  const auto threads = static_cast<size_t>(pool.threads());
  std::atomic<size_t> arrived{0};
  std::vector<Clock::time_point> ends(threads);
  Clock::time_point start;
  auto body = [&](size_t i) {
    if (arrived.fetch_add(1) + 1 == threads) start = Clock::now();
    while (arrived.load() < threads) {
    }
    fn(i);
    ends[i] = Clock::now();
  };
  pool.parallel_for(threads, body);
  return std::chrono::duration<double>(*std::max_element(ends.begin(), ends.end()) - start).count();
}

// Sums `n` floats from `a` with Eigen's vectorised reduction (several vector sums at once): a
// streaming read bound by memory, not by the additions' latency (eight scalar sums ran at a third
// of this host's rate).
float stream_sum(const float* a, size_t n) {
  return Eigen::Map<const Eigen::VectorXf>(a, static_cast<Eigen::Index>(n)).sum();
}

// The size of cpu0's cache at sysfs index `index` (2: L2, 3: usually the last level), or 0.
double sysfs_cache_size(int index) {
  std::ifstream f(fmt::format("/sys/devices/system/cpu/cpu0/cache/index{}/size", index));
  std::string text;
  if (!(f >> text) || text.empty()) return 0;
  double v = std::atof(text.c_str());
  if (text.back() == 'K') v *= 1024;
  if (text.back() == 'M') v *= 1024 * 1024;
  return v;
}

// L2 and the last level: sysfs's, else (virtual machines that hide sysfs's cache folders) the C
// library's, which asks the processor (CPUID).
struct Caches {
  double l2 = 0, llc = 0;
  const char* how = "sysfs";
};
Caches cache_sizes() {
  Caches c{sysfs_cache_size(2), sysfs_cache_size(3)};
  if (c.l2 <= 0) {
    c = {static_cast<double>(sysconf(_SC_LEVEL2_CACHE_SIZE)),
         static_cast<double>(sysconf(_SC_LEVEL3_CACHE_SIZE)), "sysconf, from CPUID"};
  }
  c.llc = std::max(c.llc, c.l2);
  return c;
}

// Seconds of `reps` SGD updates over n weights (12 bytes each), one thread.
double update_seconds(uint64_t n, int reps) {
  std::vector<float> w(n, 0.5f), g(n, 0.25f);
  return best_of(3, [&] {
    for (int r = 0; r < reps; ++r) cpu_apply_update(w.data(), n, g.data(), 4, 14, nullptr);
  });
}

// Random binary CSR rows of `nnz` non-zeros each over `n` features (bias at n).
struct SparseSample {
  std::vector<uint64_t> offsets;
  std::vector<uint32_t> indices;
  std::vector<uint8_t> y;
};
SparseSample sparse_sample(uint64_t rows, uint64_t nnz, uint64_t n) {
  SparseSample s;
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<uint32_t> feature(0, static_cast<uint32_t>(n - 1));
  s.offsets.push_back(0);
  for (uint64_t i = 0; i < rows; ++i) {
    for (uint64_t k = 0; k < nnz; ++k) s.indices.push_back(feature(rng));
    s.offsets.push_back(s.indices.size());
    s.y.push_back(static_cast<uint8_t>(rng() & 1));
  }
  return s;
}

// Seconds of sparse gradients over all of `s`'s rows with a model of n weights of `value` (SVM
// with 0: every row inside the margin), in steps of `step` rows (0: one step), each step's
// touched entries cleared after it as in training; `*touched` (if given): the entries the steps
// listed, summed.
double sparse_seconds(const SparseSample& s, uint64_t n, const KernelConfig& cfg,
                      float value = 0.001f, uint64_t step = 0, uint64_t* touched_sum = nullptr) {
  std::vector<float> w(n + 1, value), g(n + 1, 0.0f), z, t;
  std::vector<uint8_t> seen(n + 1, 0);
  std::vector<uint32_t> touched;
  const uint64_t rows = s.y.size();
  if (step == 0) step = rows;
  return best_of(3, [&] {
    if (touched_sum) *touched_sum = 0;
    for (uint64_t first = 0; first < rows; first += step) {
      CpuGradient out{g.data(), 0, touched, seen.data(), z, t, 0};
      cpu_sparse_gradient({s.offsets.data(), s.indices.data(), s.y.data(), n}, first,
                          std::min(step, rows - first), w.data(), cfg, out);
      if (touched_sum) *touched_sum += touched.size();
      cpu_clear_touched(out);
    }
  });
}

constexpr size_t kStream = size_t{64} << 20;  // floats: 256 MiB
constexpr uint64_t kDenseN = 1024, kDenseRows = 65536;
constexpr double kDenseBytes = kDenseN * kDenseRows * 4.0;
constexpr uint64_t kRows = 1 << 16;  // rows of a sparse sample

// A power of two of weights whose model and gradient fill about half of `bytes`.
uint64_t weights_filling(double bytes) {
  uint64_t n = 1024;
  while (static_cast<double>(n) * 32 <= bytes) n *= 2;
  return n;
}
// The sweep's update at working set i: its weights (w and g, 8 B each) and repetitions (256 MiB
// of traffic, 12 B a weight).
uint64_t sweep_update_weights(size_t i) { return static_cast<uint64_t>(kCpuSweepBytes[i] / 8); }
int sweep_update_reps(uint64_t n) {
  return static_cast<int>(std::max(1.0, double{1 << 28} / (12.0 * static_cast<double>(n))));
}

// Sparse rows in steps: their seconds, the entries the steps listed, the mispredicted tests for a
// new entry the model expects of them.
struct Steps {
  double seconds = 0, listed = 0, mispredicted = 0;
};

// One pass's timings, in seconds (each the best of 3 repetitions).
struct Timings {
  double stream_one = 0, stream_all = 0, dense = 0;
  double rows4 = 0, rows64 = 0, svm_rows4 = 0, rows39_llc = 0, rows39_memory = 0, svm_outside = 0;
  std::array<Steps, 3> touch;  // rows of 39 in one step, in steps of 8 rows and of 1,190
  double update_l2 = 0, update_llc = 0;
  CpuSweep sweep_rows39{}, sweep_update{};
  double fork_join = 0;  // the mean of 2,000

  // Each timing the faster of this pass's and `o`'s.
  Timings fastest(const Timings& o) const {
    Timings b = *this;
    for (auto [mine, theirs] : {std::pair{&b.stream_one, o.stream_one},
                                {&b.stream_all, o.stream_all},
                                {&b.dense, o.dense},
                                {&b.rows4, o.rows4},
                                {&b.rows64, o.rows64},
                                {&b.svm_rows4, o.svm_rows4},
                                {&b.rows39_llc, o.rows39_llc},
                                {&b.rows39_memory, o.rows39_memory},
                                {&b.svm_outside, o.svm_outside},
                                {&b.update_l2, o.update_l2},
                                {&b.update_llc, o.update_llc},
                                {&b.fork_join, o.fork_join}}) {
      *mine = std::min(*mine, theirs);
    }
    for (size_t i = 0; i < b.touch.size(); ++i) {
      b.touch[i].seconds = std::min(b.touch[i].seconds, o.touch[i].seconds);
    }
    for (size_t i = 0; i < b.sweep_rows39.size(); ++i) {
      b.sweep_rows39[i] = std::min(b.sweep_rows39[i], o.sweep_rows39[i]);
      b.sweep_update[i] = std::min(b.sweep_update[i], o.sweep_update[i]);
    }
    return b;
  }
};

// Every timing once, with the CPU trainer's own kernels.
Timings measure(ThreadPool& pool, int cores, uint64_t n_l2, uint64_t n_llc, uint64_t n_mem,
                uint64_t n_touch) {
  Timings t;
  // Streaming reads: one core over 256 MiB; every core over its own 256 MiB.
  {
    std::vector<std::vector<float>> big(static_cast<size_t>(cores));
    for (auto& b : big) b.assign(kStream, 1.0f);
    volatile float sink = 0;
    t.stream_one = best_of(3, [&] { sink = sink + stream_sum(big[0].data(), kStream); });
    t.stream_all = 1e300;
    for (int r = 0; r < 3; ++r) {
      t.stream_all = std::min(t.stream_all, all_cores_seconds(pool, [&](size_t i) {
                                sink = sink + stream_sum(big[i].data(), kStream);
                              }));
    }
  }
  // The dense LR gradient over 256 MiB of rows (1,024 features), one thread.
  KernelConfig cfg;
  cfg.lr_shift = 4;
  {
    std::vector<float> x(kDenseRows * kDenseN, 0.01f), w(kDenseN, 0.001f), g(kDenseN), z, v;
    std::vector<uint8_t> y(kDenseRows, 1);
    std::vector<uint32_t> touched;
    t.dense = best_of(3, [&] {
      CpuGradient out{g.data(), 0, touched, nullptr, z, v, 0};
      cpu_dense_gradient({x.data(), y.data(), kDenseN}, 0, kDenseRows, w.data(), 0, cfg, out);
    });
  }
  // Sparse LR rows of 4 and 64 non-zeros (and SVM's of 4, every row inside the margin) with the
  // model in L2; rows of 39 in the last-level cache and beyond it; SVM rows of 39 all outside the
  // margin (positive labels, positive weights: gathers only) in the last-level cache.
  KernelConfig svm = cfg;
  svm.model = ModelKind::kSvm;
  t.rows4 = sparse_seconds(sparse_sample(kRows, 4, n_l2), n_l2, cfg);
  t.rows64 = sparse_seconds(sparse_sample(kRows, 64, n_l2), n_l2, cfg);
  t.svm_rows4 = sparse_seconds(sparse_sample(kRows, 4, n_l2), n_l2, svm, 0.0f);
  t.rows39_llc = sparse_seconds(sparse_sample(kRows, 39, n_llc), n_llc, cfg);
  t.rows39_memory = sparse_seconds(sparse_sample(kRows, 39, n_mem), n_mem, cfg);
  SparseSample outside = sparse_sample(kRows, 39, n_llc);
  std::fill(outside.y.begin(), outside.y.end(), uint8_t{1});
  t.svm_outside = sparse_seconds(outside, n_llc, svm, 0.01f);
  // A step's first touch of an entry and a mispredicted test for a new one, the model in L2: rows
  // of 39 non-zeros in one step (almost every non-zero a repeat), in steps of 8 rows (almost every
  // one new to its step: few mispredictions) and of 1,190 (39 x 1,190 draws over n_touch weights:
  // new and repeated entries mixed, most mispredicted). The listed entries are counted, the
  // mispredictions estimated (src/devices/cpu_model.h).
  const SparseSample rows39 = sparse_sample(kRows, 39, n_touch);
  const uint64_t steps[3] = {kRows, 8, 1190};
  for (size_t k = 0; k < 3; ++k) {
    uint64_t listed = 0;
    Steps& s = t.touch[k];
    s.seconds = sparse_seconds(rows39, n_touch, cfg, 0.001f, steps[k], &listed);
    s.listed = static_cast<double>(listed);
    for (uint64_t first = 0; first < kRows; first += steps[k]) {
      s.mispredicted += touches_per_step(static_cast<double>(std::min(steps[k], kRows - first)), 39,
                                         0, static_cast<double>(n_touch))
                            .mispredicted;
    }
  }
  // Vector work: the SGD update with its vectors in L2 and in the last-level cache, one thread.
  t.update_l2 = update_seconds(n_l2, 64);
  t.update_llc = update_seconds(n_llc, 4);
  // Both again at working sets of 256 KiB to 1 GiB (the model's arrays: sparse w, g and the
  // touched flags, 9 B a weight; the update's w and g, 8 B a weight), wherever the caches end.
  for (size_t i = 0; i < kCpuSweepBytes.size(); ++i) {
    const auto n = static_cast<uint64_t>(kCpuSweepBytes[i] / 9);
    t.sweep_rows39[i] = sparse_seconds(sparse_sample(kRows, 39, n), n, cfg);
    const uint64_t m = sweep_update_weights(i);
    t.sweep_update[i] = update_seconds(m, sweep_update_reps(m));
  }
  // One parallel section over every core, empty, after 50 us of the calling thread's own work (as
  // in training, where sections follow one another closely and the other threads are still polling
  // for the next: node/thread_pool.cpp): the mean of 2,000. (After 1 ms
  // of work, waking a halted core of this VM cost 90-120 us, which overpredicted the dense 2-thread
  // runs, whose sections follow one another closely, up to 2.3x.)
  auto body = [&](size_t) {};
  for (int r = 0; r < 2000; ++r) {
    const auto busy = Clock::now();
    while (Clock::now() - busy < std::chrono::microseconds(50)) {
    }
    const auto t0 = Clock::now();
    pool.parallel_for(static_cast<size_t>(cores), body);
    t.fork_join += std::chrono::duration<double>(Clock::now() - t0).count() / 2000;
  }
  return t;
}

std::string entry(const char* key, double value, const std::string& source) {
  return fmt::format("{} = {{ value = {:.6g}, source = \"{}\" }}\n", key, value, source);
}

}  // namespace

void run_cpu_microbench(const MicrobenchConfig& config) {
  // Caches: L2 (one core's) and the last level, before any work.
  const Caches caches = cache_sizes();
  const double l2 = caches.l2, llc = caches.llc;
  if (l2 <= 0) {
    throw InputError(
        "microbench --device cpu: neither sysfs (/sys/devices/system/cpu/cpu0/cache/index2/size) "
        "nor the C library (sysconf) gives cpu0's cache sizes; the CPU model needs them, so run it "
        "on a host that reports them");
  }
  RunFolder folder(config.out, config.force);
  const int cores = available_cores();
  const std::string src = fmt::format(
      "pimscale microbench --device cpu on this host{}, version {}",
      config.passes > 1 ? fmt::format(" (each timing the fastest of {} passes)", config.passes)
                        : "",
      kVersion);
  fmt::print("pimscale microbench --device cpu: this host's rates for the CPU model, {} cores\n",
             cores);

  const uint64_t n_l2 = weights_filling(l2), n_llc = weights_filling(llc),
                 n_mem = std::max<uint64_t>(weights_filling(llc) * 16, 1 << 24);
  const auto n_touch = static_cast<uint64_t>(kCpuSweepBytes[0] / 9);
  ThreadPool pool(cores);
  Timings best;
  for (int pass = 0; pass < config.passes; ++pass) {
    if (config.passes > 1) fmt::print("pass {} of {}\n", pass + 1, config.passes);
    std::fflush(stdout);
    const Timings t = measure(pool, cores, n_l2, n_llc, n_mem, n_touch);
    best = pass == 0 ? t : best.fastest(t);
  }

  // Streaming reads: one core over 256 MiB; every core over its own 256 MiB.
  const double core_gbps = kStream * 4 / best.stream_one / 1e9;
  const double memory_gbps = static_cast<double>(cores) * kStream * 4 / best.stream_all / 1e9;
  // Sparse: rows of 4 and of 64 non-zeros with the model in L2 give the per-row and per-non-zero
  // costs; rows of 39 in the last-level cache and beyond it, the per-non-zero costs there.
  const double l2_ns = (best.rows64 - best.rows4) / (kRows * 60.0) * 1e9;
  const double row_ns = std::max(0.0, best.rows4 / kRows * 1e9 - 4 * l2_ns);
  const double svm_row_ns = std::max(0.0, best.svm_rows4 / kRows * 1e9 - 4 * l2_ns);
  // The dense kernel's rate less its rows' fixed work (the model adds rows x row_ns).
  const double dense_efficiency = kDenseBytes /
                                  (best.dense - static_cast<double>(kDenseRows) * row_ns * 1e-9) /
                                  1e9 / core_gbps;
  const auto per_nnz = [&](double seconds) {
    return std::max(l2_ns, (seconds / kRows * 1e9 - row_ns) / 39.0);
  };
  const double llc_ns = per_nnz(best.rows39_llc), memory_ns = per_nnz(best.rows39_memory);
  // The gather's share of a non-zero's cost: SVM rows all outside the margin only gather.
  const double gather_ns = (best.svm_outside / kRows * 1e9 - svm_row_ns) / 39.0;
  const double gather_share = std::clamp(gather_ns / llc_ns, 0.01, 1.0);
  // (8-row steps - one step) and (1,190-row steps - one step): seconds = listed x first touch +
  // mispredicted x misprediction, solved for both.
  const Steps& whole = best.touch[0];
  const double a1 = best.touch[1].listed - whole.listed,
               b1 = best.touch[1].mispredicted - whole.mispredicted,
               c1 = best.touch[1].seconds - whole.seconds;
  const double a2 = best.touch[2].listed - whole.listed,
               b2 = best.touch[2].mispredicted - whole.mispredicted,
               c2 = best.touch[2].seconds - whole.seconds;
  const double det = a1 * b2 - a2 * b1;
  const double first_touch_ns = std::max(0.0, (c1 * b2 - c2 * b1) / det * 1e9);
  const double mispredict_ns = std::max(0.0, (a1 * c2 - a2 * c1) / det * 1e9);
  const double vector_l2 = 64.0 * n_l2 * 12 / best.update_l2 / 1e9;
  const double vector_llc = 4.0 * n_llc * 12 / best.update_llc / 1e9;
  CpuSweep sweep_sparse{}, sweep_vector{};
  for (size_t i = 0; i < kCpuSweepBytes.size(); ++i) {
    sweep_sparse[i] = per_nnz(best.sweep_rows39[i]);
    const uint64_t n = sweep_update_weights(i);
    sweep_vector[i] = sweep_update_reps(n) * 12.0 * n / best.sweep_update[i] / 1e9;
  }
  const double fork_join_us = best.fork_join * 1e6;

  std::string toml = fmt::format(
      "# This host as `pimscale microbench --device cpu` measured it ({}): the CPU model's rates.\n"
      "# Use: pimscale predict --device cpu --hardware <this file>\n"
      "name = \"cpu-this-host\"\n"
      "description = \"this host, measured\"\n\n[cpu]\n",
      kGitRevision);
  toml += entry("cores", cores, src + ": sched_getaffinity");
  toml += entry("core_bandwidth_gbps", core_gbps, src + ": one thread summing 256 MiB of floats");
  toml += entry("memory_bandwidth_gbps", memory_gbps,
                src + ": every core summing its own 256 MiB of floats");
  toml +=
      entry("dense_efficiency", dense_efficiency,
            src +
                ": the dense LR gradient over 256 MiB of rows, one thread, less its rows' row_ns, "
                "over one core's streaming rate");
  toml += entry("l2_bytes", l2, src + ": cpu0's L2 cache (" + caches.how + ")");
  toml += entry("cache_bytes", llc, src + ": cpu0's last-level cache (" + caches.how + ")");
  toml += entry("sparse_l2_ns", l2_ns,
                src + fmt::format(": LR gradient rows of 64 vs 4 non-zeros over {} weights", n_l2));
  toml += entry("sparse_llc_ns", llc_ns,
                src + fmt::format(": LR gradient rows of 39 non-zeros over {} weights", n_llc));
  toml += entry("sparse_memory_ns", memory_ns,
                src + fmt::format(": LR gradient rows of 39 non-zeros over {} weights", n_mem));
  toml += entry("row_ns", row_ns, src + ": LR gradient rows of 4 non-zeros less their non-zeros");
  toml += entry("svm_row_ns", svm_row_ns,
                src +
                    ": SVM gradient rows of 4 non-zeros, every row inside the margin, less their "
                    "non-zeros");
  toml += entry("sparse_gather_share", gather_share,
                src + fmt::format(": SVM rows of 39 non-zeros over {} weights all outside the "
                                  "margin (gathers only) against LR's",
                                  n_llc));
  toml +=
      entry("vector_l2_gbps", vector_l2,
            src + fmt::format(": the SGD update over {} weights (12 B each), one thread", n_l2));
  toml += entry("vector_llc_gbps", vector_llc,
                src + fmt::format(": the SGD update over {} weights, one thread", n_llc));
  toml += entry(
      "fork_join_us", fork_join_us,
      src +
          ": an empty parallel section over every core after 50 us of the calling thread's work, "
          "the mean of 2,000");
  const std::string touch_source =
      src + fmt::format(
                ": LR gradient rows of 39 non-zeros over {} weights in one step, in steps "
                "of 8 rows and of 1,190 rows, solved for both costs",
                n_touch);
  toml += entry("sparse_first_touch_ns", first_touch_ns, touch_source);
  toml += entry("sparse_mispredict_ns", mispredict_ns, touch_source);
  for (size_t i = 0; i < kCpuSweepBytes.size(); ++i) {
    const std::string at = kCpuSweepNames[i];
    toml += entry(("sparse_ns_at_" + at).c_str(), sweep_sparse[i],
                  src + fmt::format(": LR gradient rows of 39 non-zeros over {} weights ({})",
                                    static_cast<uint64_t>(kCpuSweepBytes[i] / 9), at));
    toml += entry(("vector_gbps_at_" + at).c_str(), sweep_vector[i],
                  src + fmt::format(": the SGD update over {} weights ({}), one thread",
                                    static_cast<uint64_t>(kCpuSweepBytes[i] / 8), at));
  }
  folder.write_text("cpu.toml", toml);
  const nlohmann::json out = {{"version", kVersion},
                              {"passes", config.passes},
                              {"git_revision", kGitRevision},
                              {"cores", cores},
                              {"core_bandwidth_gbps", core_gbps},
                              {"memory_bandwidth_gbps", memory_gbps},
                              {"dense_efficiency", dense_efficiency},
                              {"l2_bytes", l2},
                              {"cache_bytes", llc},
                              {"sparse_l2_ns", l2_ns},
                              {"sparse_llc_ns", llc_ns},
                              {"sparse_memory_ns", memory_ns},
                              {"row_ns", row_ns},
                              {"svm_row_ns", svm_row_ns},
                              {"sparse_gather_share", gather_share},
                              {"vector_l2_gbps", vector_l2},
                              {"vector_llc_gbps", vector_llc},
                              {"fork_join_us", fork_join_us},
                              {"sparse_first_touch_ns", first_touch_ns},
                              {"sparse_mispredict_ns", mispredict_ns},
                              {"sweep_bytes", kCpuSweepBytes},
                              {"sweep_sparse_ns", sweep_sparse},
                              {"sweep_vector_gbps", sweep_vector}};
  folder.write_json("microbench_cpu.json", out);
  folder.commit();
  fmt::print(
      "streaming read: one core {:.2f} GB/s, {} cores {:.2f} GB/s\n"
      "dense LR gradient: {:.2f} of one core's streaming rate\n"
      "sparse LR gradient: {:.2f} ns a non-zero in L2, {:.2f} in the last-level cache, {:.2f} "
      "beyond; {:.2f} ns a row\n"
      "update: {:.2f} GB/s in L2, {:.2f} GB/s in the last-level cache (one core); parallel "
      "section {:.2f} us\n"
      "a step's first touch of an entry: {:.2f} ns more than a repeat; a mispredicted test for "
      "one: {:.2f} ns\n"
      "by working set ({}): sparse {:.3g} ns a non-zero; update {:.3g} GB/s\n"
      "results in {}: cpu.toml (use: pimscale predict --device cpu --hardware {}/cpu.toml), "
      "microbench_cpu.json\n",
      core_gbps, cores, memory_gbps, dense_efficiency, l2_ns, llc_ns, memory_ns, row_ns, vector_l2,
      vector_llc, fork_join_us, first_touch_ns, mispredict_ns, fmt::join(kCpuSweepNames, ", "),
      fmt::join(sweep_sparse, ", "), fmt::join(sweep_vector, ", "), config.out, config.out);
}

}  // namespace pimscale
