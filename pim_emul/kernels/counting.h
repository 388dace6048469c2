// Event counts of the training kernels, per tasklet, following how PIM-Opt's DPU code splits the
// work: dense rows feature-parallel (each tasklet a contiguous slice), sparse rows index-split (a
// row's non-zeros dealt out to the tasklets), the sigmoid and hinge test on tasklet 0, the dense
// bias on the last tasklet, and the model update feature-parallel. Internal to pim_emul/kernels.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "pim_emul/event_counts.h"
#include "pim_emul/hardware_spec.h"
#include "pim_emul/kernels.h"

namespace pimscale::kernel_counts {

inline int tasklets(const DpuSpec& dpu) { return static_cast<int>(dpu.tasklets); }

// Arithmetic of one multiply-add per element: fixed uses 64-bit multiplies and 2-instruction 64-bit
// shifts and adds; float uses float routines.
template <class Num>
void count_mul_add(TaskletCounts& t, uint64_t n) {
  if constexpr (Num::kFloat) {
    t.add(Op::kFloatMul, n);
    t.add(Op::kFloatAdd, n);
  } else {
    t.add(Op::kInt64Mul, n);
    t.add(Op::kAlu, 4 * n);  // 64-bit shift, 64-bit add
  }
}

// A scaled add (shift, guard, add) per element: native in fixed point, an ldexp and a float add in
// float.
template <class Num>
void count_scaled_add(TaskletCounts& t, uint64_t n) {
  if constexpr (Num::kFloat) {
    t.add(Op::kAlu, 4 * n);  // ldexpf: exponent field arithmetic
    t.add(Op::kFloatAdd, n);
  } else {
    t.add(Op::kAlu, 8 * n);  // 64-bit shift (2), guard compare (2), saturating add (4)
  }
}

// Tasklet 0 alone per row, between two barriers: combine the partial dot products and decide the
// error (LR: sigmoid through the exp table, one 8-byte MRAM read of the entry; SVM: hinge compare).
template <class Num>
void count_row_head(TaskletCounts& t0, uint64_t rows, const KernelConfig& cfg, const DpuSpec& dpu) {
  t0.add(Op::kWram, static_cast<uint64_t>(tasklets(dpu)) * rows);
  t0.add(Op::kAlu, (2 * static_cast<uint64_t>(tasklets(dpu)) + 8) * rows);
  if (cfg.model == ModelKind::kLr) {
    t0.add(Op::kFloatDiv, rows);  // z / 2^31 (fixed) or nothing more than the divide below (float)
    t0.add(Op::kFloatMul, 2 * rows);    // t = x log2 e; f 2^20
    t0.add(Op::kFloatAdd, 2 * rows);    // f = t - k; + 0.5
    t0.add(Op::kAlu, 24 * rows);        // floor, conversions, ldexpf
    count_mram_read(t0, 8, dpu, rows);  // the table entry
    if constexpr (Num::kFloat) {
      t0.add(Op::kFloatAdd, rows);
    } else {
      t0.add(Op::kDoubleAdd, rows);  // 1.0 + e
      t0.add(Op::kDoubleDiv, rows);  // 2^31 / (...)
    }
  }
}

// The update of `n` model entries, feature-parallel (weights, gradient and u - z read, weights
// written).
template <class Num>
void count_update(uint64_t n, uint64_t grad_bytes_per_entry, bool prox, const DpuSpec& dpu,
                  DpuCounts& c) {
  const uint64_t per =
      (n + static_cast<uint64_t>(tasklets(dpu)) - 1) / static_cast<uint64_t>(tasklets(dpu));
  for (int id = 0; id < tasklets(dpu); ++id) {
    TaskletCounts& t = c.tasklet[id];
    count_mram_read(t, per * 4, dpu);                     // weights
    count_mram_read(t, per * grad_bytes_per_entry, dpu);  // gradient
    if (prox) count_mram_read(t, per * 4, dpu);           // u - z
    count_mram_write(t, per * 4, dpu);                    // weights back
    t.add(Op::kWram, (prox ? 4 : 3) * per);
    count_scaled_add<Num>(t, (prox ? 3 : 2) * per);  // step, decay (and prox add)
    t.add(Op::kAlu, 6 * per);                        // saturation compares, loop
  }
}

inline void count_zero(uint64_t n, uint64_t bytes_per_entry, const DpuSpec& dpu, DpuCounts& c) {
  const uint64_t per =
      (n + static_cast<uint64_t>(tasklets(dpu)) - 1) / static_cast<uint64_t>(tasklets(dpu));
  for (int id = 0; id < tasklets(dpu); ++id) {
    c.tasklet[id].add(Op::kWram, per);
    c.tasklet[id].add(Op::kAlu, 2 * per);
    count_mram_write(c.tasklet[id], per * bytes_per_entry, dpu);
  }
}

// Dense rows: per tasklet a slice of f features; per row read the X and W slices and the dot
// product (every row), then, for a row whose gradient is not zero (LR: every row; SVM: inside the
// margin, the DPU code's branch), a read-modify-write of the gradient slice: count_dense_active.
template <class Num>
void count_dense_rows(uint64_t rows, uint64_t padded, const KernelConfig& cfg, const DpuSpec& dpu,
                      DpuCounts& c) {
  const uint64_t f = padded / static_cast<uint64_t>(tasklets(dpu));
  for (int id = 0; id < tasklets(dpu); ++id) {
    TaskletCounts& t = c.tasklet[id];
    count_mram_read(t, f * 4, dpu, 2 * rows);  // X slice, W slice
    t.add(Op::kWram, 2 * f * rows);            // x, w
    t.add(Op::kAlu, 2 * f * rows);             // the dot product's loop
    count_mul_add<Num>(t, f * rows);           // dot product
    t.barriers += 2 * rows;
  }
  c.rows += rows;
  count_row_head<Num>(c.serial, rows, cfg, dpu);
  count_mram_read(c.tasklet[0], 8, dpu, (rows + 1) / 2);  // labels, 8 bytes per 2 rows
  TaskletCounts& tb = c.tasklet[tasklets(dpu) - 1];
  tb.add(Op::kAlu, 5 * rows);  // bias term into the dot product
}

// The gradient part of `active` dense rows.
template <class Num>
void count_dense_active(uint64_t active, uint64_t padded, const KernelConfig& cfg,
                        const DpuSpec& dpu, DpuCounts& c) {
  const uint64_t f = padded / static_cast<uint64_t>(tasklets(dpu));
  c.active_rows += active;
  for (int id = 0; id < tasklets(dpu); ++id) {
    TaskletCounts& t = c.tasklet[id];
    count_mram_read(t, f * 4, dpu, active);   // gradient slice
    count_mram_write(t, f * 4, dpu, active);  // gradient slice
    t.add(Op::kWram, 3 * f * active);         // x, g load and g store
    t.add(Op::kAlu, 2 * f * active);          // the update's loop
    if (cfg.model == ModelKind::kLr) {
      count_mul_add<Num>(t, f * active);  // x * d
      count_scaled_add<Num>(t, f * active);
    } else {
      count_scaled_add<Num>(t, f * active);  // x >> lr, conditional add
      t.add(Op::kAlu, 2 * f * active);       // the hinge branch
    }
  }
  c.tasklet[tasklets(dpu) - 1].add(Op::kAlu, 5 * active);  // the bias gradient
}

// A tasklet's share of a sparse row of nnz non-zeros: they are dealt out to the tasklets (the
// first nnz % T get one more); the last tasklet also handles the bias weight.
inline uint64_t sparse_share(uint64_t nnz, uint64_t id, uint64_t T) {
  return nnz / T + (id < nnz % T ? 1 : 0) + (id == T - 1 ? 1 : 0);
}

// One pass over `n` non-zeros of a tasklet: two WRAM accesses and 4 ALU instructions (address,
// alignment select, loop) each, and an add: a float add, or `fixed_alu` ALU instructions.
template <class Num>
void count_nonzero_work(TaskletCounts& t, uint64_t n, uint64_t fixed_alu) {
  t.add(Op::kWram, 2 * n);
  t.add(Op::kAlu, 4 * n);
  if constexpr (Num::kFloat)
    t.add(Op::kFloatAdd, n);
  else
    t.add(Op::kAlu, fixed_alu * n);
}

// `rows` sparse rows of nnz binary features each. Per non-zero of every row: an 8-byte read of the
// weight pair and an add into z; then, for a row whose gradient is not zero (count_sparse_active),
// an 8-byte read-modify-write of the int64 gradient (sparse gradients are int64).
template <class Num>
void count_sparse_rows(uint64_t nnz, uint64_t rows, const KernelConfig& cfg, const DpuSpec& dpu,
                       DpuCounts& c) {
  const uint64_t T = static_cast<uint64_t>(tasklets(dpu));
  for (uint64_t id = 0; id < T; ++id) {
    const uint64_t mine = sparse_share(nnz, id, T);
    TaskletCounts& t = c.tasklet[id];
    if (mine == 0) continue;
    count_mram_read(t, mine * 4, dpu, rows);     // its indices
    count_mram_read(t, 8, dpu, mine * rows);     // weight pair
    count_nonzero_work<Num>(t, mine * rows, 2);  // the add into z: a 64-bit add
    t.barriers += 2 * rows;
  }
  c.rows += rows;
  count_row_head<Num>(c.serial, rows, cfg, dpu);
}

// The gradient part of `active` sparse rows of nnz non-zeros each.
template <class Num>
void count_sparse_active(uint64_t nnz, uint64_t active, const KernelConfig& cfg, const DpuSpec& dpu,
                         DpuCounts& c) {
  const uint64_t T = static_cast<uint64_t>(tasklets(dpu));
  c.active_rows += active;
  for (uint64_t id = 0; id < T; ++id) {
    const uint64_t mine = sparse_share(nnz, id, T);
    TaskletCounts& t = c.tasklet[id];
    if (mine == 0) continue;
    count_mram_read(t, 8, dpu, mine * active);     // gradient entry
    count_mram_write(t, 8, dpu, mine * active);    // gradient entry
    count_nonzero_work<Num>(t, mine * active, 4);  // the add into the gradient: 64-bit add, guard
    if (cfg.class_weights) t.add(Op::kAlu, 6 * mine * active);
  }
}

// Of rows [first, first + rows), those assumed to have a gradient where no kernel ran (dry
// accounting, predict): LR every row; SVM the share f = cfg.svm_active_fraction, as
// round(f (first + rows)) - round(f first), so the launches over a DPU's rows add up to f of them
// (rounding each launch alone would turn 8 rows at 0.19 into 2, 25%).
inline uint64_t assumed_active(uint64_t first, uint64_t rows, const KernelConfig& cfg) {
  if (cfg.model == ModelKind::kLr) return rows;
  const double f = cfg.svm_active_fraction;
  return static_cast<uint64_t>(std::llround(f * static_cast<double>(first + rows)) -
                               std::llround(f * static_cast<double>(first)));
}

// Counts the gradient part of the rows a kernel finds active, as it finds them: a run of active
// rows with equal non-zero counts is counted at once (dense rows: one run). finish() counts the
// last.
template <class Num>
class ActiveRows {
 public:
  ActiveRows(bool sparse, uint64_t weights, const KernelConfig& cfg, const DpuSpec& dpu,
             DpuCounts& c)
      : sparse_(sparse), weights_(weights), cfg_(cfg), dpu_(dpu), c_(c) {}
  void add(uint64_t nnz) {
    if (!cfg_.count_events) return;
    if (n_ > 0 && nnz != nnz_) finish();
    nnz_ = nnz;
    ++n_;
  }
  void finish() {
    if (n_ == 0) return;
    if (sparse_)
      count_sparse_active<Num>(nnz_, n_, cfg_, dpu_, c_);
    else
      count_dense_active<Num>(n_, weights_, cfg_, dpu_, c_);
    n_ = 0;
  }

 private:
  bool sparse_;
  uint64_t weights_;
  const KernelConfig& cfg_;
  const DpuSpec& dpu_;
  DpuCounts& c_;
  uint64_t nnz_ = 0, n_ = 0;
};

}  // namespace pimscale::kernel_counts
