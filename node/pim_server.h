// One emulated PIM server: its DPUs (shards in emulated MRAM, kernels run on a thread pool),
// host<->DPU transfers, the host's sums, and the server's emulated clock with its per-phase ledger.
// Not responsible for the training algorithm (src/) or for other servers (comm/).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "node/dpu_sums.h"
#include "node/host_spec.h"
#include "node/phases.h"
#include "node/thread_pool.h"
#include "pim_emul/dpu_cost.h"
#include "pim_emul/footprint.h"
#include "pim_emul/hardware_spec.h"
#include "pim_emul/kernels.h"
#include "pim_emul/mram_allocator.h"
#include "pim_emul/mram_budget.h"
#include "src/base/error.h"

namespace pimscale {

// How a server's rows and model are laid out over its DPUs: DPU d holds local rows
// [d * rows_per_dpu, (d+1) * rows_per_dpu).
struct ServerLayout {
  bool sparse = false;
  int64_t dpus = 0;
  uint64_t rows_per_dpu = 0;
  uint64_t features = 0;  // as in the dataset
  uint64_t weights =
      0;  // model entries on the DPU: dense: padded features; sparse: features + bias, padded
};

// Dense: features rounded up to a multiple of 2 * tasklets (8-byte aligned tasklet slices).
// Sparse: features + 1 (the bias at index `features`) rounded up to tasklets x 128 weights, so
// every tasklet moves whole 512-byte blocks (Criteo: 1,001,472).
uint64_t model_weights(bool sparse, uint64_t features, const DpuSpec& dpu);

// Checks the DPU count and WRAM; MRAM via training_mram_budget. Throws InputError naming the fix.
void check_server_layout(const ServerLayout& layout, const HardwareSpec& hw, const MramNeeds& needs,
                         const std::string& context);

// Start-up of a server of `dpus` DPUs whose fullest shard (rows, sparse offsets, labels) is
// `shard_bytes`: allocation (per UPMEM rank), the program broadcast into IRAM, the shards' parallel
// transfer and, for LR, the exp table broadcast. PimServer::load charges it; the predictor
// estimates it.
StartupLedger startup_costs(int64_t dpus, uint64_t shard_bytes, bool lr, const HardwareSpec& hw);

// The server's rows as the DPUs store them.
template <class Num>
struct ServerData {
  // dense: [dpus * rows_per_dpu x weights], unzeroed when resized (MramAllocator)
  std::vector<typename Num::Feature, MramAllocator<typename Num::Feature>> x;
  std::vector<uint64_t> offsets;  // sparse: [dpus * rows_per_dpu + 1], from 0
  std::vector<uint32_t> indices;  // sparse
  std::vector<uint8_t> y;
};

enum class DpuModels { kShared, kPerDpu, kPerDpuWithProx };

// kRun executes the kernels on the rows. kCountOnly (dry accounting) keeps no rows and no DPU
// models: kernels are only counted, from each row's non-zero count (sparse) or the shape alone, so
// every charge, byte count and emulated time equals the full run's while host sums stay zero.
enum class ServerMode { kRun, kCountOnly };

template <class Num>
class PimServer {
 public:
  using Weight = typename Num::Weight;
  using Wide = typename Num::Wide;

  // kShared: every DPU reads one broadcast model (GA-SGD); kPerDpu: each DPU updates its own
  // (MA-SGD); kPerDpuWithProx: and holds an ADMM u_i - z.
  PimServer(const HardwareSpec& hw, const HostSpec& host, const ServerLayout& layout,
            DpuModels models, const KernelConfig& kernel, int threads,
            ServerMode mode = ServerMode::kRun);

  // Start-up: allocation (per UPMEM rank), the program broadcast into IRAM, the rows becoming the
  // DPUs' MRAM shards (one parallel transfer padded to the largest shard) and, for LR, the exp
  // table broadcast; all charged to startup(), apart from the training phases.
  void load(ServerData<Num> data);
  // kCountOnly: the rows' shape instead: sparse `offsets` [dpus * rows_per_dpu + 1] (the rows'
  // non-zero counts) or, when empty, `nnz_per_row` for every row; dense rows need nothing.
  void load_shape(std::vector<uint64_t> offsets, uint64_t nnz_per_row);
  bool count_only() const { return mode_ == ServerMode::kCountOnly; }

  // --- Round primitives; each advances the clock by its emulated cost. The bytes come from the
  // round's recipe (src/algorithms), computed by pim_emul/footprint.h. --- Broadcast of one model
  // of `bytes` to every DPU (GA-SGD reads it; MA-SGD's DPUs start their step from it).
  void push_model(const Weight* w, Wide bias, uint64_t bytes);
  // ADMM: every DPU's own model w_i and u_i - z (both already in dpu_models(), where the host
  // wrote u_i - z): `copies` parallel transfers of `bytes` to each DPU.
  void push_own_models_and_prox(uint64_t bytes, uint64_t copies);
  // GA-SGD: every DPU sums the gradient of its rows [first, first + rows).
  void launch_gradient(uint64_t first, uint64_t rows);
  // MA-SGD / ADMM: every DPU runs `steps` local mini-batch steps from row `first`.
  void launch_local_steps(uint64_t first, uint64_t steps);
  // GA-SGD: pull every gradient (`bytes` each) and sum on the host: sums [weights + 1] (dense: bias
  // last; sparse: the last entry stays 0, the bias is inside). The host's work is charged apart
  // (charge_host).
  void pull_gradient_sums(Wide* sums, uint64_t bytes);
  // Sparse rows: the entries of `sums` the last pull wrote (with repeats), when it wrote only
  // those, or nothing (it wrote them all; dense rows; no pull yet; other sums; sums_changed()
  // since). The others hold, for pull_gradient_sums, zero; for pull_model_sums (integers), whatever
  // they held: their sum is the DPU count times the base's entry (base_weights(); no DPU holds
  // them). Lets the update touch only the entries listed.
  std::optional<std::span<const uint32_t>> sums_support(const Wide* sums) const;
  // The caller changed the sums the last pull wrote (an all-reduce between servers): the next pull
  // writes them in full, and sums_support knows nothing.
  void sums_changed() { sums_written_ = nullptr; }
  // MA-SGD: pull every DPU's model (`bytes` each) and sum: sums [weights + 1], bias last (dense).
  // Sparse integer sums that nothing changed since the last pull (one server) are written only
  // where a DPU holds an entry of its own (sums_support).
  void pull_model_sums(Wide* sums, uint64_t bytes);
  // ADMM: pull every DPU's model (`bytes` each); dpu_models() then holds them.
  void pull_models(uint64_t bytes);

  // Host-side work or inter-server time computed elsewhere, charged to this server's clock.
  void charge(Phase phase, Picoseconds t, uint64_t bytes = 0) { add(phase, t, bytes); }
  void charge_host(uint64_t bytes_touched);
  // One inter-server collective: the wait for the slowest server, then the network time (its
  // payload bytes).
  void charge_collective(Picoseconds wait, Picoseconds network, uint64_t bytes);

  // The timeline, recorded from now on (start-up included if called before load).
  void record_timeline() { timeline_on_ = true; }
  const std::vector<TimelineSlice>& timeline() const { return timeline_; }

  // The emulated clock: start-up, then the training phases from the moment training starts (by
  // default when this server's start-up ends; start_training_at(t), t >= startup(), lets servers
  // start together).
  Picoseconds now() const { return training_start_.value_or(startup_.total()) + ledger_.total(); }
  void start_training_at(Picoseconds t) { training_start_ = t; }
  Picoseconds startup() const { return startup_.total(); }
  const StartupLedger& startup_ledger() const { return startup_; }
  const PhaseLedger& ledger() const { return ledger_; }
  // The rows the DPUs' kernels ran over every launch, and those they computed a gradient for (LR:
  // all; SVM: inside the margin; count-only: as assumed).
  uint64_t rows_run() const { return rows_run_; }
  uint64_t rows_active() const { return rows_active_; }
  const ServerLayout& layout() const { return layout_; }
  const ServerData<Num>& data() const { return data_; }
  // kPerDpu*: each DPU's model (dense: whole; sparse: the entries its rows have read) and, sparse,
  // the base the others share (pim_emul/kernels.h DpuModel); base_prox() is ADMM's u_i - z there.
  // Dense integer MA-SGD holds no model after a launch (models_summed_only_): each DPU's last
  // step adds it to sums that pull_model_sums reads.
  std::span<DpuModel<Num>> dpu_models() { return dpu_models_; }
  std::span<const DpuModel<Num>> dpu_models() const { return dpu_models_; }
  std::span<Weight> base_weights() { return base_w_; }
  std::span<const Weight> base_weights() const { return base_w_; }
  std::span<Weight> base_prox() { return base_prox_; }
  std::span<const Weight> base_prox() const { return base_prox_; }
  // The host's sums over this server's DPUs of a per-DPU vector held on dpu_models()'s entries
  // (values_of(d)), with `base` where a sparse DPU holds none: node/dpu_sums.h.
  // What a checkpoint keeps of the server at the end of an epoch: the DPUs' models and the sparse
  // base, the ledger, the timeline and the collectives' count. The rows and the start-up are not
  // kept (a resumed run loads them again; its start of training must equal the one kept). `a(x)`
  // writes x or restores it (io/checkpoint.h's StateArchive). Between launches nothing else
  // carries over: the gradients, counts and scratch are rewritten (or zero) at every launch.
  template <class Archive>
  void state(Archive& a) {
    uint64_t dpus = dpu_models_.size();
    Picoseconds start = now() - ledger_.total();
    const Picoseconds loaded = start;
    a(dpus);
    a(start);
    if (dpus != dpu_models_.size() || start != loaded) {
      throw InputError(
          "the checkpoint's server does not match this run's (its DPU models or its start of "
          "training differ: another dataset, preset or configuration); start the run again "
          "without --resume");
    }
    for (DpuModel<Num>& m : dpu_models_) {
      a(m.index);
      a(m.w);
      a(m.prox);
      a(m.after);
      a(m.bias);
    }
    a(base_w_);
    a(base_prox_);
    a(ledger_);
    a(timeline_);
    a(collectives_);
    a(rows_run_);
    a(rows_active_);
    thread_sums_valid_ = false;  // restored models were not summed
  }

  // Integers, dense rows, after a launch of local steps and before the next push_model, launch or
  // restore:
  // sums[0, weights) = the sums over DPUs of their models (w) as the launch left them, added by
  // each thread as it ran its DPUs (the same integers as summing dpu_models()), and true; else
  // false (floats, sparse rows, nothing launched since): sum dpu_models() instead.
  bool sum_models_from_threads(Wide* sums);
  template <class ValuesOf>
  void sum_dpu_vectors(std::span<const Weight> base, ValuesOf&& values_of, Wide* sums) {
    sum_over_dpus<Num>(
        pool_, layout_.weights, dpu_models_.size(), base,
        [this](size_t d) -> const std::vector<uint32_t>& { return dpu_models_[d].index; },
        values_of, sums, sum_scratch_);
  }

 private:
  // A launch as its DPUs' counts see it: local steps or a gradient, the first row, the rows or
  // steps.
  using LaunchKey = std::tuple<bool, uint64_t, uint64_t>;
  // What a launch charges of one DPU.
  struct DpuLaunch {
    DpuTime time;
    uint64_t rows = 0, active_rows = 0, dma_bytes = 0;
  };
  // Runs one_dpu(d, next) on every DPU (count-only: none) and charges the slowest's time; where
  // nothing runs or the kernels do not count (LR), count(d, counts) counts DPU d's part (LR: once
  // per key).
  template <class Fn, class Count>
  void launch(LaunchKey key, Fn&& one_dpu, Count&& count);
  void charge_startup();
  void add(Phase phase, Picoseconds t, uint64_t bytes = 0, int64_t flow = -1);
  void add_startup(StartupStep step, Picoseconds t, uint64_t bytes = 0);
  void slice(int64_t kind, Picoseconds start, Picoseconds t, uint64_t bytes, int64_t flow);
  RowShape row_shape(int64_t d) const;
  void sum_touched(Wide* sums);
  // thread_sums_: whether this server keeps them; zero them at a launch's start (valid after it
  // unless count-only); where valid, sums[0, weights) = their sum and true.
  bool sums_in_threads() const;
  void clear_thread_sums();
  bool take_thread_sums(Wide* sums);
  void sum_held(Wide* sums);
  DenseShard<Num> dense_shard(int64_t d) const;
  // Where DPU d's dense rows from `first` begin (null for d = -1): a kernel's rows ahead.
  const typename Num::Feature* rows_ahead(int64_t d, uint64_t first) const;
  SparseShard sparse_shard(int64_t d) const;

  const HardwareSpec& hw_;
  const HostSpec& host_;
  ServerLayout layout_;
  DpuModels models_;
  ServerMode mode_;
  uint64_t nnz_per_row_ = 0;  // kCountOnly, sparse, without offsets
  KernelConfig kernel_;
  std::optional<ExpTable> exp_;  // LR only
  ThreadPool pool_;
  ServerData<Num> data_;
  const Weight* shared_w_ = nullptr;  // the broadcast model (kShared)
  Wide shared_bias_ = 0;
  // Dense kPerDpu: the pushed model (shared_w_) is every DPU's until the next launch, which starts
  // from it.
  bool models_pushed_ = false;
  // Dense integer MA-SGD: the last launch's models went into thread_sums_ alone (dpu_models_' w
  // holds each DPU's model before its last step), so a push must come before the next launch.
  bool models_summed_only_ = false;
  std::vector<DpuModel<Num>> dpu_models_;      // [dpus] (kPerDpu*)
  MramVector<Weight> base_w_, base_prox_;      // [weights] (kPerDpu*, sparse)
  std::vector<Weight> grad_w_;                 // GA-SGD dense gradients [dpus x weights] (float)
  std::vector<TouchedGradient<Num>> touched_;  // GA-SGD sparse gradients [dpus]: touched entries
  // The pulls' record: the sums last written (null: none, or changed since), whether only the
  // entries listed were, and those entries (sums_support).
  const Wide* sums_written_ = nullptr;
  bool sums_listed_ = false;
  std::vector<uint32_t> sums_entries_;
  struct {
    std::vector<MramVector<Wide>> wide;       // [threads][weights], sparse local steps, zero
    std::vector<MramVector<uint32_t>> slot;   // [threads][weights], sparse rows, kNoSlot
    std::vector<std::vector<Weight>> weight;  // [threads][weights], dense local steps
  } scratch_;
  DpuSumScratch sum_scratch_;
  // Integers, dense: each thread's sums over the DPUs it ran of their gradients (GA-SGD) or their
  // models after the local steps (MA-SGD), added while the DPU's vector is still in cache, so that
  // the pull reads the threads' sums instead of every DPU's vector (integers add in any order: the
  // same sums as DPU by DPU). Valid from a launch to the next push_model, launch or restore
  // (thread_sums_valid_).
  std::vector<std::vector<Wide>> thread_sums_;  // [threads][weights]
  bool thread_sums_valid_ = false;
  std::vector<Wide> grad_bias_;  // [dpus]
  std::vector<DpuCounts> counts_;
  std::vector<DpuLaunch> launches_;  // [dpus], the launch under way
  // LR's launches as counted, by key: an epoch's launches repeat in every later one. At most
  // kLaunchMemoEntries DPU launches (4 MiB; node/host_memory.cpp does not count them), the
  // launches beyond are counted each time.
  std::map<LaunchKey, std::vector<DpuLaunch>> launch_memo_;
  static constexpr size_t kLaunchMemoEntries = size_t{1} << 16;
  PhaseLedger ledger_;
  StartupLedger startup_;
  std::optional<Picoseconds> training_start_;
  bool timeline_on_ = false;
  std::vector<TimelineSlice> timeline_;
  int64_t collectives_ = 0;
  uint64_t rows_run_ = 0, rows_active_ = 0;  // over every launch and DPU
};

extern template class PimServer<FixedQ31>;
extern template class PimServer<Float32>;
extern template class PimServer<Float32Saturating>;

}  // namespace pimscale
