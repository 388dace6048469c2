#include "src/devices/cpu_model.h"

#include <algorithm>
#include <cmath>

#include "comm/collective_cost.h"
#include "src/devices/cpu_trainer.h"

namespace pimscale {

namespace {

// The machine's threads at once, and how much slower each runs when they outnumber its cores.
struct Sharing {
  double streams = 1;   // threads streaming from memory together, machine-wide
  double slowdown = 1;  // > 1 when threads outnumber cores
};

// Seconds for `bytes` streamed by one thread among `s.streams`: one core's rate, or its share of
// the machine's.
double stream_seconds(double bytes, const CpuSpec& c, const Sharing& s) {
  const double rate = std::min(c.core_bandwidth_gbps, c.memory_bandwidth_gbps / s.streams) * 1e9;
  return bytes / rate;
}

// log-linear interpolation of the sweep's values y at the working set `bytes` (held at its ends).
double at_working_set(const CpuSweep& y, double bytes) {
  const auto& x = kCpuSweepBytes;
  if (bytes <= x.front()) return y.front();
  for (size_t i = 1; i < x.size(); ++i) {
    if (bytes <= x[i]) {
      const double f = std::log(bytes / x[i - 1]) / std::log(x[i] / x[i - 1]);
      return y[i - 1] + (y[i] - y[i - 1]) * f;
    }
  }
  return y.back();
}

// Vector work (updates, sums) over `bytes` split across `threads` threads, each with a working
// set of `working` bytes: with a sweep, at its rate for a thread's share of the working set (from
// memory, at most the thread's share of the machine's bandwidth); else at one core's L2 or
// last-level-cache rate, or streamed.
double vector_seconds(double bytes, double working, double threads, const CpuSpec& c,
                      const Sharing& s) {
  const double per_thread = bytes / threads;
  if (c.has_sweep()) {
    double rate = at_working_set(c.vector_gbps_at, working / threads);
    if (rate <= c.core_bandwidth_gbps) rate = std::min(rate, c.memory_bandwidth_gbps / s.streams);
    return per_thread / (rate * 1e9);
  }
  if (working / threads <= c.l2_bytes) return per_thread / (c.vector_l2_gbps * 1e9);
  if (working <= c.cache_bytes) return per_thread / (c.vector_llc_gbps * 1e9);
  return stream_seconds(per_thread, c, s);
}

// One sparse non-zero with models and gradients of `working` bytes on the server: log-linear
// over the sweep at a thread's share, or between microbench's three points (L2/2, the last-level
// cache / 2, 8x the last-level cache);
// `hot` of the non-zeros fall on the most frequent 1% of features, which stay in L2 while 1% of a
// thread's working set fits there.
double sparse_ns(double working, double threads, double hot, const CpuSpec& c) {
  const double per_thread = working / threads;
  const double x[3] = {std::log(c.l2_bytes / 2), std::log(c.cache_bytes / 2),
                       std::log(c.cache_bytes * 8)};
  const double y[3] = {c.sparse_l2_ns, c.sparse_llc_ns, c.sparse_memory_ns};
  const double at = std::log(std::max(per_thread, 1.0));
  double far = y[2];
  if (c.has_sweep()) {
    far = at_working_set(c.sparse_ns_at, per_thread);
  } else if (at <= x[0]) {
    far = y[0];
  } else if (at <= x[1]) {
    far = y[0] + (y[1] - y[0]) * (at - x[0]) / (x[1] - x[0]);
  } else if (at <= x[2]) {
    far = y[1] + (y[2] - y[1]) * (at - x[1]) / (x[2] - x[1]);
  }
  if (per_thread / 100 > c.l2_bytes) hot = 0;
  return hot * c.sparse_l2_ns + (1 - hot) * far;
}

}  // namespace

StepTouches touches_per_step(double rows, double nnz, double hot, double n) {
  // Two groups of features, each drawn evenly within: (share of the draws, features).
  const double groups[2][2] = {{hot > 0 ? hot : 1.0, hot > 0 ? n * 0.01 : n},
                               {hot > 0 ? 1 - hot : 0.0, n * 0.99}};
  const double draws = rows * nnz;
  StepTouches s;
  for (const auto& [share, over] : groups) {
    if (share > 0 && over >= 1) s.listed += over * -std::expm1(-draws * share / over);
  }
  // The chance that draw k is new, p(k) = sum of share e^(-k share / features); the predictor
  // misses min(p, 1 - p) of the draws: integrated by the midpoint rule.
  constexpr int kPoints = 1024;
  const double dk = draws / kPoints;
  for (int i = 0; i < kPoints; ++i) {
    const double k = (i + 0.5) * dk;
    double p = 0;
    for (const auto& [share, over] : groups) {
      if (share > 0 && over >= 1) p += share * std::exp(-k * share / over);
    }
    s.mispredicted += std::min(p, 1 - p) * dk;
  }
  return s;
}

PhaseLedger cpu_round_time(const RunSetup& setup, const CpuSpec& c, const CpuWork& work,
                           const NetworkSpec& net) {
  const AlgorithmKind kind = setup.algorithm->kind();
  const double n = static_cast<double>(setup.layout.weights);
  const double W = static_cast<double>(setup.layout.dpus);
  const double T = static_cast<double>(std::min<int64_t>(work.threads, setup.layout.dpus));
  const double machine_threads = T * static_cast<double>(work.servers_per_machine);
  // Threads beyond the cores take turns: at most `cores` stream at once, each slower by the ratio.
  const double cores = static_cast<double>(c.cores);
  const Sharing share{std::min(machine_threads, cores), std::max(1.0, machine_threads / cores)};
  const double waves = std::ceil(W / T);
  // A parallel section over one index runs on the caller: the kernels' over min(T, W) workers, the
  // host's vector work over min(T, its chunks) threads.
  const double fork_join = T > 1 ? c.fork_join_us * 1e-6 : 0;
  const double vector_threads = std::min(T, std::ceil(n / static_cast<double>(kCpuChunk)));
  const double vector_fork = vector_threads > 1 ? fork_join : 0;
  const double rps = static_cast<double>(setup.settings.rows_per_dpu_step);
  const double rpw = static_cast<double>(setup.layout.rows_per_dpu);
  const bool lr = setup.kernel.model == ModelKind::kLr;
  // Sparse: the share of rows inside the margin (their non-zeros scatter), and what one step of a
  // worker lists and mispredicts (its kernel's cost, and the entries the host then sums).
  const double scatter = lr ? 1 : work.svm_active_fraction;
  const StepTouches touches =
      setup.sparse ? touches_per_step(rps * scatter, work.nnz_per_row, work.top1pct_share, n)
                   : StepTouches{};
  // Every vector a round touches on the server (the global model and sums; per worker its gradient,
  // touched flags and ADMM's own model, u_i and u_i - z): what decides which cache the vector work
  // and the sparse gathers hit.
  const double per_worker = (kind == AlgorithmKind::kAdmm ? 16 : 4) + (setup.sparse ? 1 : 0);
  const double working = n * (W * per_worker + (kind == AlgorithmKind::kAdmm ? 16 : 8));

  // One worker's kernel work in a round: `steps` gradient steps of rps rows, each (ADMM) followed
  // by its update of the worker's own model (MA-SGD's update is made inside the server's sums).
  const double steps = kind == AlgorithmKind::kAdmm ? std::floor(rpw / rps) : 1;
  const double rows = steps * rps;
  double worker = rows * (lr ? c.row_ns : c.svm_row_ns) * 1e-9;
  if (setup.sparse) {
    // Each non-zero gathers a weight and (inside the margin) scatters into the gradient: the model
    // and the gradient (ADMM: the worker's own model) are the working set.
    const double ns = sparse_ns(working, T, work.top1pct_share, c);
    const double gather = c.sparse_gather_share;
    worker += rows * work.nnz_per_row * ns * 1e-9 * (gather + (1 - gather) * scatter);
    // Each step lists the entries new to it (and clears them after).
    worker +=
        steps *
        (touches.listed * c.sparse_first_touch_ns + touches.mispredicted * c.sparse_mispredict_ns) *
        1e-9;
  } else {
    worker += stream_seconds(rows * n * 4, c, share) / c.dense_efficiency;
  }
  if (kind == AlgorithmKind::kAdmm) {
    // The update: read g, w, u - z, write w.
    worker += vector_seconds(steps * n * 16, working, T, c, share) * T;
  }
  PhaseLedger round;
  round.add(Phase::kHostCompute, from_seconds((waves * worker + fork_join) * share.slowdown));

  // The server's sums of its workers' vectors (GA-SGD sparse: zeroing the sums and adding the
  // touched entries).
  const double vectors = static_cast<double>(setup.algorithm->allreduce_vectors());
  const bool alone = setup.servers == 1;
  double reduce = 0;
  if (kind == AlgorithmKind::kGaSgd && setup.sparse) {
    // Each worker's touched entries: the distinct features of its rows with a gradient.
    reduce = vector_seconds(n * 4, working, vector_threads, c, share) +
             W * touches.listed * c.sparse_l2_ns * 1e-9;
  } else if (kind == AlgorithmKind::kMaSgd) {
    // The sums zeroed (4 B a weight), then each worker's model after its step made and added (read
    // the sum, the global model and the worker's gradient, write the sum: 16); one server: the
    // average taken in the same pass (read the sum, write the model: 8).
    reduce = vector_seconds((4 + 16 * W + (alone ? 8 : 0)) * n, working, vector_threads, c, share);
  } else {
    // Each vector's sums: zeroed (4 B a weight), then each worker's added (read both, write: 12).
    reduce = vector_seconds(vectors * (4 + 12 * W) * n, working, vector_threads, c, share);
  }
  round.add(Phase::kHostReduce, from_seconds((reduce + vector_fork) * share.slowdown));

  // The host's update after the all-reduce (MA-SGD on one server: made with the sums).
  const double update_bytes = kind == AlgorithmKind::kGaSgd   ? n * 12
                              : kind == AlgorithmKind::kMaSgd ? (alone ? 0 : n * 8)
                                                              : n * 16 + W * n * 16;
  if (update_bytes > 0) {
    round.add(Phase::kHostCompute,
              from_seconds(
                  (vector_seconds(update_bytes, working, vector_threads, c, share) + vector_fork) *
                  share.slowdown));
  }

  // Between servers: the barrier (an all-reduce of one word) and the all-reduce of the sums, both
  // the MPI library's own (MPI_Barrier, MPI_Allreduce: the preset's fitted.mpi, whatever all-reduce
  // the PIM runs are given).
  const int64_t servers = setup.servers;
  if (servers > 1) {
    const uint64_t message = cpu_allreduce_bytes(setup);
    const auto mpi = [&](uint64_t bytes) {
      return collective_time(Collective::kAllreduce, CollectiveAlgorithm::kMpi, bytes, servers,
                             net);
    };
    round.add(Phase::kNetwork, mpi(message) + mpi(sizeof(float)), message);
  }
  return round;
}

nlohmann::json cpu_model_detail(const RunSetup& setup, const CpuSpec& c, const CpuWork& work) {
  return {
      {"device", "cpu"},
      {"method",
       "per round: host_compute = ceil(workers / threads) x one worker's kernel (rows x row_ns + "
       "dense: rows x features x 4 B at min(core, memory / streaming threads) bandwidth / "
       "dense_efficiency; sparse: non-zeros x the sweep's sparse_ns_at_* at a thread's working set "
       "(else sparse_l2_ns, sparse_llc_ns or sparse_memory_ns by where the models fit) + each "
       "step's distinct touched entries x sparse_first_touch_ns and its mispredicted tests for a "
       "new entry x sparse_mispredict_ns; ADMM: each step's update as vector work) + the host's "
       "update; host_reduce: the workers' vectors summed as vector work (MA-SGD: each worker's "
       "model made from its gradient as it is added, and on one server the average in the same "
       "pass); network: the "
       "network preset's MPI_Allreduce (fitted.mpi, else its automatic choice) of the sums plus a "
       "one-word barrier; each parallel section + "
       "fork_join_us; all x (threads on the machine / cores) when they outnumber the cores"},
      {"cpu", c.name},
      {"workers_per_server", setup.layout.dpus},
      {"threads", work.threads},
      {"servers_per_machine", work.servers_per_machine},
      {"nnz_per_row", work.nnz_per_row},
      {"svm_active_fraction", work.svm_active_fraction},
      {"top1pct_share", work.top1pct_share},
      {"assumptions",
       "balanced servers (wait 0); an SVM row outside the margin skips the scatter's share of a "
       "non-zero's cost; the caches are judged by every vector a round touches"}};
}

}  // namespace pimscale
