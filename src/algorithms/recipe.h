// One communication round of an algorithm as the server operations it performs, in order, with
// their byte counts: the single description that the emulator executes (trainer.h), the predictor
// prices with the cost models (src/predict) and other devices will price with theirs. Built once
// per server; only the rows a launch starts at move from round to round (first_row + r x
// row_stride). Not responsible for the arithmetic of the host's update (each algorithm's HostState)
// or for timing.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace pimscale {

enum class OpKind {
  kPushModel,       // broadcast one model (bytes) to every DPU
  kPushOwnModels,   // `copies` parallel transfers of `bytes` to each DPU: its own data (ADMM: w_i,
                    // u_i - z)
  kLaunchGradient,  // every DPU sums the gradient of `count` rows
  kLaunchLocalSteps,  // every DPU runs `count` local mini-batch steps (prox: with ADMM's u_i - z)
  kPullGradients,     // parallel transfer of every DPU's gradient (bytes) to the host, summed there
  kPullModelSums,     // parallel transfer of every DPU's model (bytes) to the host, summed there
  kPullModels,        // parallel transfer of every DPU's model (bytes) to the host, kept per DPU
  kHostReduce,        // host work before the all-reduce: `bytes` touched
  kAllReduce,         // the servers' all-reduce of `bytes` (collective; every server waits for the
                      // slowest)
  kHostUpdate,        // host work after the all-reduce: `bytes` touched
};
std::string_view op_name(OpKind kind);

struct RoundOp {
  OpKind kind;
  uint64_t bytes =
      0;  // per DPU for transfers; touched for host work; the message for the all-reduce
  uint64_t copies = 1;      // kPushOwnModels: transfers of `bytes` each
  uint64_t count = 0;       // launches: rows (gradient) or local steps
  uint64_t rows_read = 0;   // launches: rows one DPU reads (count, or count x rows per step)
  uint64_t first_row = 0;   // launches: the first row of round 0 ...
  uint64_t row_stride = 0;  // ... and how far it moves each round
  bool prox = false;        // kLaunchLocalSteps: ADMM's proximal term

  uint64_t first_row_of(uint64_t round) const { return first_row + round * row_stride; }
  bool launches() const {
    return kind == OpKind::kLaunchGradient || kind == OpKind::kLaunchLocalSteps;
  }
};

using Recipe = std::vector<RoundOp>;

}  // namespace pimscale
