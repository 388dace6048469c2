// Synthetic datasets from a seed: YFCC-like dense rows and Criteo-like sparse rows. Every row comes
// from a counter-based hash of (seed, split, row), so any rank count writes byte-identical files.
// Not responsible for real datasets (converters come separately).
#pragma once

#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "io/dataset.h"

namespace pimscale {

struct SynthSpec {
  DataKind kind = DataKind::kDense;
  uint64_t rows = 20000;
  uint64_t test_rows = 4000;
  uint64_t features = 256;
  uint64_t seed = 1;
  // Dense: label = [w . (x - 0.5) / ||w||_sd + noise * N(0,1) > 0]; with noise 0.1 the best linear
  // classifier reaches 1 - atan(0.1) / pi = 96.8% accuracy.
  double noise = 0.1;
  // Sparse: nnz distinct binary features per row, feature ranks drawn from Zipf(zipf_exponent) over
  // a seeded permutation; label ~ Bernoulli(sigmoid(b0 + sum of hidden weights)), b0 set so that
  // the expected positive rate is positive_rate.
  uint64_t nnz_per_row = 39;
  // Sparse: each row's non-zero count uniform in [nnz_per_row - nnz_spread, nnz_per_row +
  // nnz_spread] (0: every row has nnz_per_row, as Criteo's 39 fields; > 0 gives the DPUs unequal
  // loads).
  uint64_t nnz_spread = 0;
  double zipf_exponent = 1.1;
  double positive_rate = 0.0342;
  double weight_std = 0.3;
};

// Throws InputError for impossible specs (zero rows, nnz > features, a non-finite or too skewed
// Zipf exponent, ...), naming the flag.
void check_synth_spec(const SynthSpec& spec);

// The most bytes one of `ranks` ranks holds while write_synthetic runs: the generator's tables and
// its largest share of a split's rows (saturating at 2^64 - 1).
uint64_t synth_rank_bytes(const SynthSpec& spec, int ranks);

class SyntheticGenerator {
 public:
  explicit SyntheticGenerator(const SynthSpec& spec);
  const SynthSpec& spec() const { return spec_; }
  // Row `row` of split 0 (train) or 1 (test). Dense: writes spec.features values; returns the
  // label.
  uint8_t dense_row(int split, uint64_t row, float* x) const;
  // Sparse: replaces `indices` with the row's sorted distinct features; returns the label.
  uint8_t sparse_row(int split, uint64_t row, std::vector<uint32_t>& indices) const;
  double sparse_bias() const { return bias_; }
  // Sparse: the non-zero count of row `row` of split 0 or 1.
  uint64_t sparse_nnz(int split, uint64_t row) const;

 private:
  void draw_sparse_features(int split, uint64_t row, std::vector<uint32_t>& indices) const;
  SynthSpec spec_;
  std::vector<double> weights_;   // hidden model
  double weight_norm_ = 1;        // dense: standard deviation of w . (x - 0.5)
  std::vector<double> zipf_cdf_;  // sparse: cumulative weights by frequency rank
  std::vector<uint32_t> feature_of_rank_;
  double bias_ = 0;
};

// Collective. Generates `spec` in parallel and writes it to `out` (via a temporary file renamed at
// the end, so a failed run leaves nothing half-written).
void write_synthetic(const SynthSpec& spec, const std::string& out, MPI_Comm comm);

}  // namespace pimscale
