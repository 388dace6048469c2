// The model of a CPU server running `train --device cpu` (the CPU baseline): one round priced per
// phase from the CpuSpec (a published server's preset, or this host's from `pimscale microbench
// --device cpu`) and the round's work: the rows and non-zeros each worker reads, the vectors the
// host sums and updates, and the all-reduce between servers by the network preset's model. What
// `predict --device cpu` reports; validated against measured `train --device cpu` runs
// (tests/e2e/cpu_model.sh). Not responsible for running anything.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "comm/network_spec.h"
#include "node/cpu_spec.h"
#include "node/phases.h"
#include "src/algorithms/run_setup.h"

namespace pimscale {

struct CpuWork {
  int64_t threads = 1;              // per server (rank)
  int64_t servers_per_machine = 1;  // ranks sharing one machine's cores and memory
  double nnz_per_row = 0;           // sparse: the mean non-zeros of a row
  double svm_active_fraction = 1;   // SVM: rows inside the margin (their scatter is done)
  // Sparse: the share of non-zeros on the most frequent 1% of features (`data stats`; 0 unknown):
  // those hit L2 whenever that 1% of the model and gradient fits there.
  double top1pct_share = 0;
};

// One sparse step of `rows` rows (those inside the margin) over n features: the gradient entries
// it lists (the bias and the distinct features among its rows x nnz draws) and the mispredicted
// tests of whether an entry is new. `hot` of the draws fall evenly on the most frequent 1% of the
// features and the rest evenly on the others (hot 0: all evenly), mixed in random order. Draw k
// is new with probability p(k), the sum over the two groups of share x e^(-k share / features); a
// predictor that guesses the likelier outcome misses min(p, 1 - p) of the draws.
struct StepTouches {
  double listed = 1, mispredicted = 0;
};
StepTouches touches_per_step(double rows, double nnz, double hot, double n);

// One communication round of server 0 (the servers are alike): host_compute, host_reduce and
// network (wait: 0, the servers are balanced).
PhaseLedger cpu_round_time(const RunSetup& setup, const CpuSpec& cpu, const CpuWork& work,
                           const NetworkSpec& net);

// run.json's "prediction" for a CPU server: the formulas and what they rest on.
nlohmann::json cpu_model_detail(const RunSetup& setup, const CpuSpec& cpu, const CpuWork& work);

}  // namespace pimscale
