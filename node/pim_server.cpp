#include "node/pim_server.h"

#include <algorithm>
#include <stdexcept>

#include "node/host_cost.h"
#include "pim_emul/transfer_cost.h"
#include "src/base/error.h"

namespace pimscale {

uint64_t model_weights(bool sparse, uint64_t features, const DpuSpec& dpu) {
  const uint64_t unit =
      sparse ? static_cast<uint64_t>(dpu.tasklets) * 128 : 2 * static_cast<uint64_t>(dpu.tasklets);
  const uint64_t n = sparse ? features + 1 : features;
  return (n + unit - 1) / unit * unit;
}

void check_server_layout(const ServerLayout& layout, const HardwareSpec& hw, const MramNeeds& needs,
                         const std::string& context) {
  if (layout.dpus > hw.dpus_per_server) {
    throw ResourceError("--dpus-per-server " + std::to_string(layout.dpus) + " exceeds the " +
                        std::to_string(hw.dpus_per_server) + " DPUs of hardware preset '" +
                        hw.name + "'; use fewer DPUs per server or more servers");
  }
  require_fits_mram(training_mram_budget(needs), hw.dpu, context);
  if (!layout.sparse) require_fits_wram(dense_wram_bytes(layout.weights, hw.dpu), hw.dpu, context);
}

StartupLedger startup_costs(int64_t dpus, uint64_t shard_bytes, bool lr, const HardwareSpec& hw) {
  StartupLedger s;
  const uint64_t n = static_cast<uint64_t>(dpus);
  const int64_t ranks = (dpus + hw.transfer.dpus_per_rank - 1) / hw.transfer.dpus_per_rank;
  s.add(StartupStep::kAllocation,
        from_seconds(hw.transfer.alloc_us_per_rank * 1e-6 * static_cast<double>(ranks)));
  // The kernel binary fills IRAM; it is broadcast to every DPU.
  const uint64_t program = static_cast<uint64_t>(hw.dpu.iram_bytes);
  s.add(StartupStep::kProgramLoad,
        transfer_time(Transfer::kBroadcastToDpu, program, dpus, hw.transfer), program * n);
  s.add(StartupStep::kDataLoad,
        transfer_time(Transfer::kParallelToDpu, shard_bytes, dpus, hw.transfer), shard_bytes * n);
  if (lr) {
    s.add(StartupStep::kTableBroadcast,
          transfer_time(Transfer::kBroadcastToDpu, ExpTable::kBytes, dpus, hw.transfer),
          ExpTable::kBytes * n);
  }
  return s;
}

template <class Num>
PimServer<Num>::PimServer(const HardwareSpec& hw, const HostSpec& host, const ServerLayout& layout,
                          DpuModels models, const KernelConfig& kernel, int threads,
                          ServerMode mode)
    : hw_(hw),
      host_(host),
      layout_(layout),
      models_(models),
      mode_(mode),
      kernel_(kernel),
      pool_(threads) {
  counts_.resize(static_cast<size_t>(layout.dpus));
  if (mode == ServerMode::kCountOnly) return;  // no rows, no models: nothing is computed
  if (kernel.model == ModelKind::kLr) kernel_.exp = &exp_.emplace();
  // LR: every row is active, so a DPU's counts depend on its rows' shape alone (count_gradient /
  // count_local_steps give the kernels' own): the server counts each launch once and keeps it.
  if (kernel.model == ModelKind::kLr) kernel_.count_events = false;
  const size_t d = static_cast<size_t>(layout.dpus), n = layout.weights;
  const bool prox = models == DpuModels::kPerDpuWithProx;
  if (models != DpuModels::kShared) {
    dpu_models_.resize(d);
    if (layout.sparse) {  // a shared base; each DPU's entries join as its rows read them
      base_w_.assign(n, Weight{0});
      if (prox) base_prox_.assign(n, Weight{0});
    } else {
      for (DpuModel<Num>& m : dpu_models_) {
        m.w.assign(n, Weight{0});
        if (prox) m.prox.assign(n, Weight{0});
      }
    }
  }
  // GA-SGD's gradients leave the DPUs: dense ones in full (floats: each DPU's, summed in DPU order
  // by the pull; integers: in a thread's scratch, added to its thread_sums_), sparse ones as the
  // entries their rows touched. Local steps' gradients never do: their scratch is per thread.
  // Each thread's scratch (node/host_memory.cpp counts them): GA-SGD's sparse gradient's slot per
  // weight (kNoSlot between launches); local steps' gradient and slots.
  const size_t pool_threads = static_cast<size_t>(pool_.threads());
  if (models == DpuModels::kShared && layout.sparse) {
    touched_.resize(d);
    scratch_.wide.assign(pool_threads, MramVector<Wide>(n, Wide{0}));
  } else if (models == DpuModels::kShared && Num::kFloat) {
    grad_w_.resize(d * n);  // summed in DPU order by the pull
  } else if (layout.sparse) {
    scratch_.wide.assign(pool_threads, MramVector<Wide>(n, Wide{0}));
    scratch_.slot.assign(pool_threads, MramVector<uint32_t>(n, kNoSlot));
  } else {
    scratch_.weight.assign(pool_threads, std::vector<Weight>(n));
  }
  if (sums_in_threads()) thread_sums_.assign(pool_threads, std::vector<Wide>(n));
  grad_bias_.assign(d, Wide{0});
}

template <class Num>
bool PimServer<Num>::sums_in_threads() const {
  return !Num::kFloat && !layout_.sparse;
}

template <class Num>
void PimServer<Num>::clear_thread_sums() {
  for (std::vector<Wide>& s : thread_sums_) std::fill(s.begin(), s.end(), Wide{0});
  thread_sums_valid_ = !thread_sums_.empty() && !count_only();
}

template <class Num>
bool PimServer<Num>::take_thread_sums(Wide* sums) {
  if (!thread_sums_valid_) return false;
  const uint64_t n = layout_.weights;
  std::fill(sums, sums + n, Wide{0});
  for (const std::vector<Wide>& s : thread_sums_) add_widened(sums, s.data(), n);
  return true;
}

template <class Num>
bool PimServer<Num>::sum_models_from_threads(Wide* sums) {
  return models_ != DpuModels::kShared && take_thread_sums(sums);
}

template <class Num>
void PimServer<Num>::load(ServerData<Num> data) {
  data_ = std::move(data);
  charge_startup();
}

template <class Num>
// NOLINTNEXTLINE(performance-unnecessary-value-param): clang-tidy 14 misses the move into data_.
void PimServer<Num>::load_shape(std::vector<uint64_t> offsets, uint64_t nnz_per_row) {
  data_.offsets = std::move(offsets);
  nnz_per_row_ = nnz_per_row;
  charge_startup();
}

template <class Num>
RowShape PimServer<Num>::row_shape(int64_t d) const {
  if (!layout_.sparse) return {false, layout_.weights, nullptr, 0};
  if (data_.offsets.empty()) return {true, layout_.weights, nullptr, nnz_per_row_};
  return {true, layout_.weights,
          data_.offsets.data() + static_cast<uint64_t>(d) * layout_.rows_per_dpu, 0};
}

template <class Num>
void PimServer<Num>::charge_startup() {
  // The largest shard (rows, sparse row offsets, labels) sets the common length of the parallel
  // transfer.
  const uint64_t rows = layout_.rows_per_dpu;
  uint64_t shard_bytes = 0;
  for (int64_t d = 0; d < layout_.dpus; ++d) {
    shard_bytes = std::max(
        shard_bytes, footprint::shard_bytes(layout_.sparse, rows, nonzeros(row_shape(d), rows),
                                            layout_.weights));
  }
  const StartupLedger costs =
      startup_costs(layout_.dpus, shard_bytes, kernel_.model == ModelKind::kLr, hw_);
  for (int i = 0; i < kStartupStepCount; ++i) {
    add_startup(static_cast<StartupStep>(i), costs.time[i], costs.bytes[i]);
  }
}

template <class Num>
void PimServer<Num>::add(Phase phase, Picoseconds t, uint64_t bytes, int64_t flow) {
  if (timeline_on_) slice(static_cast<int64_t>(phase), now(), t, bytes, flow);
  ledger_.add(phase, t, bytes);
}

template <class Num>
void PimServer<Num>::add_startup(StartupStep step, Picoseconds t, uint64_t bytes) {
  if (timeline_on_) slice(kStartupKindBase + static_cast<int64_t>(step), now(), t, bytes, -1);
  startup_.add(step, t, bytes);
}

template <class Num>
void PimServer<Num>::slice(int64_t kind, Picoseconds start, Picoseconds t, uint64_t bytes,
                           int64_t flow) {
  if (t.value == 0 && bytes == 0) return;
  timeline_.push_back({kind, start.value, t.value, static_cast<int64_t>(bytes), flow});
}

template <class Num>
void PimServer<Num>::charge_collective(Picoseconds wait, Picoseconds network, uint64_t bytes) {
  add(Phase::kWait, wait, 0);
  add(Phase::kNetwork, network, bytes, collectives_++);
}

template <class Num>
DenseShard<Num> PimServer<Num>::dense_shard(int64_t d) const {
  const uint64_t r0 = static_cast<uint64_t>(d) * layout_.rows_per_dpu;
  return {data_.x.data() + r0 * layout_.weights, data_.y.data() + r0, layout_.rows_per_dpu,
          layout_.weights};
}

template <class Num>
const typename Num::Feature* PimServer<Num>::rows_ahead(int64_t d, uint64_t first) const {
  return d < 0 ? nullptr : dense_shard(d).x + first * layout_.weights;
}

template <class Num>
SparseShard PimServer<Num>::sparse_shard(int64_t d) const {
  const uint64_t r0 = static_cast<uint64_t>(d) * layout_.rows_per_dpu;
  // Offsets stay global to the server; indices are addressed through them.
  return {data_.offsets.data() + r0, data_.indices.data(), data_.y.data() + r0,
          layout_.rows_per_dpu, layout_.features};
}

template <class Num>
void PimServer<Num>::push_model(const Weight* w, Wide bias, uint64_t bytes) {
  shared_w_ = w;
  shared_bias_ = bias;
  if (models_ != DpuModels::kShared && !count_only()) {
    // MA-SGD's host may hold its model in the base itself (nothing to copy). Dense: each DPU's
    // model is written by its first step from the pushed model (launch_local_steps), not copied.
    if (layout_.sparse && w != base_w_.data()) std::copy(w, w + layout_.weights, base_w_.begin());
    models_pushed_ = !layout_.sparse;
    thread_sums_valid_ = false;
    for (DpuModel<Num>& m : dpu_models_) {
      if (layout_.sparse) {
        m.index.clear();
        m.w.clear();
        m.after.clear();
      }
      m.bias = bias;
    }
  }
  add(Phase::kHostToDpu,
      transfer_time(Transfer::kBroadcastToDpu, bytes, layout_.dpus, hw_.transfer),
      bytes * static_cast<uint64_t>(layout_.dpus));
}

template <class Num>
void PimServer<Num>::push_own_models_and_prox(uint64_t bytes, uint64_t copies) {
  Picoseconds t;
  for (uint64_t c = 0; c < copies; ++c)
    t += transfer_time(Transfer::kParallelToDpu, bytes, layout_.dpus, hw_.transfer);
  add(Phase::kHostToDpu, t, copies * bytes * static_cast<uint64_t>(layout_.dpus));
}

template <class Num>
template <class Fn, class Count>
void PimServer<Num>::launch(LaunchKey key, Fn&& one_dpu, Count&& count) {
  // What the launch charges of each DPU: its time and what it adds to the totals. Count-only, the
  // DPUs are counted by `count` alone; LR's kernels do not count, so `count` counts them once per
  // key, and the launch is then read back (launch_memo_).
  const auto dpus = static_cast<size_t>(layout_.dpus);
  const bool server_counts = count_only() || !kernel_.count_events;
  std::vector<DpuLaunch>* known = nullptr;   // the launch as counted before
  std::vector<DpuLaunch>* record = nullptr;  // where to keep it, counted now
  if (!kernel_.count_events) {
    if (auto it = launch_memo_.find(key); it != launch_memo_.end()) {
      known = &it->second;
    } else if (launch_memo_.size() * dpus < kLaunchMemoEntries) {
      record = &launch_memo_[key];
    }
  }
  launches_.resize(dpus);
  // The threads take runs of consecutive DPUs (eight runs a thread: uneven sparse DPUs still
  // balance), so a DPU's kernel knows the DPU its thread runs next: one_dpu(d, next), next = -1 at
  // a run's end.
  const size_t length = std::max<size_t>(1, dpus / (8 * static_cast<size_t>(pool_.threads())));
  auto run = [&](size_t c) {
    const size_t end = std::min(dpus, (c + 1) * length);
    for (size_t d = c * length; d < end; ++d) {
      if (known == nullptr) counts_[d].clear();  // known: nothing counts into them
      if (!count_only())
        one_dpu(static_cast<int64_t>(d), d + 1 < end ? static_cast<int64_t>(d + 1) : int64_t{-1});
      if (known != nullptr) continue;
      if (server_counts) count(static_cast<int64_t>(d), counts_[d]);
      const DpuCounts& c = counts_[d];
      DpuLaunch& l = launches_[d];
      l.time = dpu_time(c, static_cast<int>(hw_.dpu.tasklets), hw_.dpu);
      l.rows = c.rows;
      l.active_rows = c.active_rows;
      l.dma_bytes = 0;
      for (int t = 0; t < hw_.dpu.tasklets; ++t)
        l.dma_bytes += c.tasklet[t].dma_read_bytes + c.tasklet[t].dma_write_bytes;
    }
  };
  pool_.parallel_for((dpus + length - 1) / length, run);
  if (record != nullptr) *record = launches_;
  const std::vector<DpuLaunch>& each = known != nullptr ? *known : launches_;
  // The launch is synchronous: the server waits for its slowest DPU (lowest index on ties).
  size_t slowest = 0;
  uint64_t dma_bytes = 0;
  for (size_t d = 0; d < dpus; ++d) {
    if (each[d].time.total() > each[slowest].time.total()) slowest = d;
    rows_run_ += each[d].rows;
    rows_active_ += each[d].active_rows;
    dma_bytes += each[d].dma_bytes;
  }
  add(Phase::kDpuCompute, launch_time(hw_.transfer) + each[slowest].time.compute);
  add(Phase::kDpuDma, each[slowest].time.dma, dma_bytes);  // bytes: every DPU's MRAM<->WRAM traffic
}

template <class Num>
void PimServer<Num>::launch_gradient(uint64_t first, uint64_t rows) {
  const uint64_t n = layout_.weights;
  auto count = [&](int64_t d, DpuCounts& c) {
    count_gradient<Num>(row_shape(d), first, rows, kernel_, hw_.dpu, c);
  };
  clear_thread_sums();
  launch(
      {false, first, rows},
      [&](int64_t d, int64_t next) {
        const size_t i = static_cast<size_t>(d);
        const size_t t = static_cast<size_t>(ThreadPool::thread_index());
        if (layout_.sparse) {
          sparse_gradient_touched<Num>(sparse_shard(d), shared_w_, n, first, rows, kernel_, hw_.dpu,
                                       scratch_.wide[t].data(), touched_[i], counts_[i]);
          return;
        }
        Weight* g = thread_sums_.empty() ? grad_w_.data() + i * n : scratch_.weight[t].data();
        dense_gradient<Num>(dense_shard(d), shared_w_, shared_bias_, first, rows, kernel_, hw_.dpu,
                            g, &grad_bias_[i], counts_[i], rows_ahead(next, first));
        if (!thread_sums_.empty()) add_widened(thread_sums_[t].data(), g, n);
      },
      count);
}

template <class Num>
void PimServer<Num>::launch_local_steps(uint64_t first, uint64_t steps) {
  const uint64_t n = layout_.weights;
  const bool prox = models_ == DpuModels::kPerDpuWithProx;
  auto count = [&](int64_t d, DpuCounts& c) {
    count_local_steps<Num>(row_shape(d), first, steps, prox, kernel_, hw_.dpu, c);
  };
  if (models_summed_only_ && !models_pushed_ && !count_only()) {
    throw std::logic_error(
        "PimServer: dense MA-SGD's DPU models were summed, not kept; push a model before the next "
        "launch of local steps");
  }
  clear_thread_sums();
  // Dense integer MA-SGD: a DPU's last step adds its model to its thread's sums and writes no
  // model (256 DPUs x 4,096 weights: 4 MiB a round not written): the host takes the sums and
  // pushes the next model before any step reads a DPU's own.
  const bool summed_only = !thread_sums_.empty() && models_ == DpuModels::kPerDpu && steps > 0;
  launch(
      {true, first, steps},
      [&](int64_t d, int64_t next) {
        const size_t i = static_cast<size_t>(d);
        const size_t t = static_cast<size_t>(ThreadPool::thread_index());
        if (layout_.sparse) {
          sparse_local_steps<Num>(sparse_shard(d), base_w_.data(),
                                  prox ? base_prox_.data() : nullptr, n, dpu_models_[i], first,
                                  steps, kernel_, hw_.dpu, scratch_.wide[t].data(),
                                  scratch_.slot[t].data(), counts_[i]);
        } else {
          DpuModel<Num>& m = dpu_models_[i];
          Wide* sums = summed_only ? thread_sums_[t].data() : nullptr;
          dense_local_steps<Num>(dense_shard(d), m.w.data(), m.bias, prox ? m.prox.data() : nullptr,
                                 first, steps, kernel_, hw_.dpu, scratch_.weight[t].data(),
                                 grad_bias_[i], counts_[i], rows_ahead(next, first),
                                 models_pushed_ ? shared_w_ : nullptr, sums);
          if (!thread_sums_.empty() && !summed_only)
            add_widened(thread_sums_[t].data(), m.w.data(), n);
        }
      },
      count);
  models_pushed_ = false;
  models_summed_only_ = summed_only;
  if (count_only() || !layout_.sparse) return;
  // The entries no DPU holds take the same steps with a zero gradient, once for all DPUs.
  constexpr uint64_t kBlock = 16384;
  auto block = [&](size_t b) {
    const uint64_t lo = b * kBlock;
    untouched_steps<Num>(base_w_.data(), prox ? base_prox_.data() : nullptr, lo,
                         std::min(n, lo + kBlock), steps, kernel_);
  };
  pool_.parallel_for((n + kBlock - 1) / kBlock, block);
}

// sums[j] = sum over DPUs of each DPU's gradient entry j, in DPU order, from the listed entries
// alone: the others are zeros, which add nothing (TouchedGradient says why, floats included). Sums
// the last call wrote and nobody changed since are cleared at its entries alone. The entries
// written are recorded for sums_support: an entry joins when the sum it finds is zero (so once, or
// again after it cancelled to zero), with no branch on the values.
template <class Num>
void PimServer<Num>::sum_touched(Wide* sums) {
  const uint64_t n = layout_.weights;
  if (sums_written_ == sums && sums_listed_) {
    for (const uint32_t j : sums_entries_) sums[j] = Wide{0};
  } else {
    std::fill(sums, sums + n, Wide{0});
  }
  size_t listed = 0;
  for (const TouchedGradient<Num>& t : touched_) listed += t.index.size();
  sums_entries_.resize(listed);
  size_t kept = 0;
  for (const TouchedGradient<Num>& t : touched_) {
    for (size_t k = 0; k < t.index.size(); ++k) {
      if (k + kPrefetch < t.index.size()) __builtin_prefetch(sums + t.index[k + kPrefetch]);
      const uint32_t j = t.index[k];
      sums_entries_[kept] = j;
      kept += sums[j] == Wide{0} ? 1 : 0;
      sums[j] += t.value[k];
    }
  }
  sums_entries_.resize(kept);
  sums_written_ = sums;
  sums_listed_ = true;
}

// Integer model sums at the entries some DPU holds, the others left as they are; the entries
// recorded for sums_support.
template <class Num>
void PimServer<Num>::sum_held(Wide* sums) {
  sum_held_over_dpus<Num>(
      dpu_models_.size(), base_w_,
      [this](size_t d) -> const std::vector<uint32_t>& { return dpu_models_[d].index; },
      [this](size_t d) -> const std::vector<Weight>& { return dpu_models_[d].w; },
      [this](size_t d) -> const std::vector<Weight>& { return dpu_models_[d].after; }, sums,
      sums_entries_);
  sums_written_ = sums;
  sums_listed_ = true;
}

template <class Num>
std::optional<std::span<const uint32_t>> PimServer<Num>::sums_support(const Wide* sums) const {
  if (sums == nullptr || sums_written_ != sums || !sums_listed_) return std::nullopt;
  return std::span<const uint32_t>(sums_entries_);
}

template <class Num>
void PimServer<Num>::pull_gradient_sums(Wide* sums, uint64_t bytes) {
  const uint64_t n = layout_.weights;
  add(Phase::kDpuToHost,
      transfer_time(Transfer::kParallelFromDpu, bytes, layout_.dpus, hw_.transfer),
      bytes * static_cast<uint64_t>(layout_.dpus));
  if (count_only()) {
    std::fill(sums, sums + n + 1, Wide{0});
  } else if (layout_.sparse) {
    sum_touched(sums);
  } else if (take_thread_sums(sums)) {
    // summed as the DPUs ran
  } else {
    sum_over_dpus<Num>(
        pool_, n, static_cast<size_t>(layout_.dpus), {},
        [](size_t) { return std::span<const uint32_t>{}; },
        [&](size_t d) { return std::span<const Weight>(grad_w_.data() + d * n, n); }, sums,
        sum_scratch_);
  }
  Wide bias{0};
  if (!layout_.sparse) {
    for (const Wide b : grad_bias_) bias += b;
  }
  sums[n] = bias;
}

template <class Num>
void PimServer<Num>::pull_models(uint64_t bytes) {
  add(Phase::kDpuToHost,
      transfer_time(Transfer::kParallelFromDpu, bytes, layout_.dpus, hw_.transfer),
      bytes * static_cast<uint64_t>(layout_.dpus));
}

template <class Num>
void PimServer<Num>::pull_model_sums(Wide* sums, uint64_t bytes) {
  pull_models(bytes);
  const uint64_t n = layout_.weights;
  if (count_only()) {
    std::fill(sums, sums + n + 1, Wide{0});
  } else if (!Num::kFloat && layout_.sparse && sums_written_ == sums) {
    sum_held(sums);
  } else {
    if (!sum_models_from_threads(sums)) {
      if (models_summed_only_) {
        throw std::logic_error("PimServer: dense MA-SGD's DPU models were summed, not kept");
      }
      sum_dpu_vectors(
          base_w_, [this](size_t d) -> const std::vector<Weight>& { return dpu_models_[d].w; },
          sums);
    }
    sums_written_ = sums;
    sums_listed_ = false;
  }
  Wide bias{0};
  for (const DpuModel<Num>& m : dpu_models_) bias += m.bias;
  sums[n] = bias;
}

template <class Num>
void PimServer<Num>::charge_host(uint64_t bytes_touched) {
  add(Phase::kHostReduce, host_stream_time(bytes_touched, host_), bytes_touched);
}

template class PimServer<FixedQ31>;
template class PimServer<Float32>;
template class PimServer<Float32Saturating>;

}  // namespace pimscale
