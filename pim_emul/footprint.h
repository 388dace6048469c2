// The bytes of what a DPU holds and of what moves between host, DPUs and servers: one formula each,
// used by the server's transfers and start-up, the MRAM budget, the algorithms' recipes, the
// predictor and the report. Not responsible for timing bytes (transfer_cost.h, comm/) or for
// deciding what moves (src/algorithms).
#pragma once

#include <cstdint>

namespace pimscale::footprint {

// The size of one model entry (Weight: int32 or float) and of one wide accumulator (Wide: int64 or
// float).
struct WordSizes {
  uint64_t weight = 4, wide = 8;
};
template <class Num>
constexpr WordSizes words_of() {
  return {sizeof(typename Num::Weight), sizeof(typename Num::Wide)};
}

constexpr uint64_t align8(uint64_t bytes) { return (bytes + 7) / 8 * 8; }

// Training rows as the DPU stores them: dense rows x padded weights of 4-byte features; sparse
// uint32 indices.
constexpr uint64_t feature_bytes(bool sparse, uint64_t rows, uint64_t nnz, uint64_t weights) {
  return sparse ? nnz * 4 : rows * weights * 4;
}
// Sparse CSR row offsets (uint32, rows + 1).
constexpr uint64_t row_offset_bytes(uint64_t rows) { return (rows + 1) * 4; }
// Labels (uint32, 8-byte aligned).
constexpr uint64_t label_bytes(uint64_t rows) { return align8(rows * 4); }
// One DPU's shard as the start-up transfer moves it: rows, sparse offsets, labels.
constexpr uint64_t shard_bytes(bool sparse, uint64_t rows, uint64_t nnz, uint64_t weights) {
  return feature_bytes(sparse, rows, nnz, weights) + (sparse ? row_offset_bytes(rows) : 0) +
         label_bytes(rows);
}

// One model as transferred: the weights, and for dense data the separate wide bias (sparse: the
// bias is a weight).
constexpr uint64_t model_bytes(bool sparse, uint64_t weights, WordSizes w) {
  return weights * w.weight + (sparse ? 0 : w.wide);
}
// One GA-SGD gradient as transferred: dense weights + the wide bias; sparse one wide entry per
// weight.
constexpr uint64_t gradient_bytes(bool sparse, uint64_t weights, WordSizes w) {
  return sparse ? weights * w.wide : weights * w.weight + w.wide;
}
// The host's sums of one vector over DPUs: weights + 1 wide entries (the bias last).
constexpr uint64_t sums_bytes(uint64_t weights, WordSizes w) { return (weights + 1) * w.wide; }
// One all-reduce of `vectors` such sums (ADMM all-reduces w and u together).
constexpr uint64_t allreduce_bytes(uint64_t weights, WordSizes w, uint64_t vectors) {
  return sums_bytes(weights, w) * vectors;
}

}  // namespace pimscale::footprint
