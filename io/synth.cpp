#include "io/synth.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numbers>

#include "io/dataset_writer.h"
#include "io/hash.h"
#include "src/base/error.h"
#include "src/base/progress.h"

namespace pimscale {

namespace {

using hash::mix;
using hash::uniform01;
constexpr uint64_t key(uint64_t seed, uint64_t stream, uint64_t a, uint64_t b) {
  return mix(mix(mix(mix(seed) ^ stream) ^ a) ^ b);
}
double normal(uint64_t h) {
  const double u1 = (static_cast<double>(h >> 11) + 1.0) * 0x1.0p-53;  // (0, 1]
  const double u2 = uniform01(mix(h));
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}
constexpr uint64_t kStreamWeights = 1000, kStreamPermutation = 1001, kStreamNoise = 1002,
                   kStreamPick = 1003, kStreamNnz = 1004;

// b0 with mean_i sigmoid(b0 + s_i) = rate over sampled row scores s_i, by bisection. Sampled rows,
// not a Gaussian approximation: with Zipf skew the same frequent features recur in most rows.
double calibrate_bias(double rate, const std::vector<double>& scores) {
  auto mean_rate = [&](double b0) {
    double s = 0;
    for (double z : scores) s += 1.0 / (1.0 + std::exp(-(b0 + z)));
    return s / static_cast<double>(scores.size());
  };
  double lo = -40, hi = 40;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    (mean_rate(mid) < rate ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

// sum over ranks r in [a, b] of r^-e: exact for the first 2^20 terms, the rest by the integral of
// x^-e over [r - 1/2, b + 1/2] (relative error below 1e-9 there).
double zipf_sum(double e, uint64_t a, uint64_t b) {
  if (a > b) return 0;
  const uint64_t exact_end = std::min(b, a + (uint64_t{1} << 20));
  double sum = 0;
  for (uint64_t r = a; r <= exact_end; ++r) sum += std::pow(static_cast<double>(r), -e);
  if (exact_end == b) return sum;
  const double lo = static_cast<double>(exact_end) + 0.5, hi = static_cast<double>(b) + 0.5;
  return sum + (e == 1 ? std::log(hi / lo) : (std::pow(hi, 1 - e) - std::pow(lo, 1 - e)) / (1 - e));
}

// A row draws feature ranks until it has its distinct count: at least one draw must land outside
// the top (count - 1) ranks, so a skew that leaves almost nothing there would draw for ever.
void check_zipf(const SynthSpec& s) {
  if (!(s.zipf_exponent >= 0 && s.zipf_exponent <= 16)) {
    throw InputError(
        "data synth: --zipf-exponent must be a number in [0, 16] (Criteo's is about 1.1)");
  }
  const uint64_t top = s.nnz_per_row + s.nnz_spread - 1;
  const double outside =
      zipf_sum(s.zipf_exponent, top + 1, s.features) / zipf_sum(s.zipf_exponent, 1, s.features);
  if (outside < 1e-4) {
    throw InputError(fmt::format(
        "data synth: --zipf-exponent {} leaves {:.2g} of the draws outside the {} most frequent "
        "features, so a row of {} distinct non-zeros would take ~{:.2g} draws; use a smaller "
        "exponent or fewer --nnz-per-row",
        s.zipf_exponent, outside, top, top + 1, 1 / outside));
  }
}

}  // namespace

uint64_t synth_rank_bytes(const SynthSpec& s, int ranks) {
  const bool dense = s.kind == DataKind::kDense;
  const uint64_t rows = (std::max(s.rows, s.test_rows) + static_cast<uint64_t>(ranks) - 1) /
                        static_cast<uint64_t>(ranks);
  // A row: dense its floats and label; sparse its indices, offset and label.
  const uint64_t row = dense ? 4 * s.features + 1 : 4 * (s.nnz_per_row + s.nnz_spread) + 9;
  const uint64_t tables = (dense ? 8 : 20) * s.features;  // weights (+ Zipf CDF and permutation)
  uint64_t held = 0, total = 0;
  if (__builtin_mul_overflow(rows, row, &held) || __builtin_add_overflow(held, tables, &total))
    return UINT64_MAX;
  return total;
}

void check_synth_spec(const SynthSpec& s) {
  if (s.rows == 0) throw InputError("data synth: --rows must be positive");
  if (s.test_rows == 0)
    throw InputError("data synth: --test-rows must be positive (a dataset has a test split)");
  if (s.features == 0) throw InputError("data synth: --features must be positive");
  if (s.features > 0xffffffffULL) throw InputError("data synth: --features must be below 2^32");
  if (s.kind == DataKind::kSparse && (s.nnz_per_row == 0 || s.nnz_per_row > s.features)) {
    throw InputError("data synth: --nnz-per-row must be in [1, --features]");
  }
  if (s.kind == DataKind::kSparse &&
      (s.nnz_spread >= s.nnz_per_row || s.nnz_per_row + s.nnz_spread > s.features)) {
    throw InputError(
        "data synth: --nnz-spread must leave every row 1 to --features non-zeros "
        "(nnz-per-row - spread >= 1, nnz-per-row + spread <= features)");
  }
  if (!(s.noise >= 0 && std::isfinite(s.noise)))
    throw InputError("data synth: --noise must be a finite number >= 0");
  if (s.kind == DataKind::kSparse) check_zipf(s);
  if (!(s.positive_rate > 0 && s.positive_rate < 1))
    throw InputError("data synth: --positive-rate must be in (0, 1)");
}

SyntheticGenerator::SyntheticGenerator(const SynthSpec& spec) : spec_(spec) {
  check_synth_spec(spec);
  weights_.resize(spec.features);
  double sq = 0;
  for (uint64_t j = 0; j < spec.features; ++j) {
    weights_[j] = normal(key(spec.seed, kStreamWeights, j, 0));
    sq += weights_[j] * weights_[j];
  }
  if (spec.kind == DataKind::kDense) {
    weight_norm_ = std::sqrt(sq / 12.0);  // Var(x - 0.5) = 1/12 for x ~ U[0,1)
    return;
  }
  for (auto& w : weights_) w *= spec.weight_std;
  zipf_cdf_.resize(spec.features);
  double c = 0;
  for (uint64_t r = 0; r < spec.features; ++r) {
    c += std::pow(static_cast<double>(r + 1), -spec.zipf_exponent);
    zipf_cdf_[r] = c;
  }
  feature_of_rank_.resize(spec.features);
  for (uint64_t r = 0; r < spec.features; ++r) feature_of_rank_[r] = static_cast<uint32_t>(r);
  for (uint64_t r = spec.features - 1; r > 0; --r) {  // Fisher-Yates with hashed draws
    std::swap(feature_of_rank_[r],
              feature_of_rank_[key(spec.seed, kStreamPermutation, r, 0) % (r + 1)]);
  }
  // Calibration rows come from their own stream (split 2), so they are not training or test rows.
  constexpr uint64_t kCalibrationRows = 8192;
  std::vector<double> scores(kCalibrationRows);
  std::vector<uint32_t> indices;
  for (uint64_t r = 0; r < kCalibrationRows; ++r) {
    draw_sparse_features(2, r, indices);
    for (uint32_t f : indices) scores[r] += weights_[f];
  }
  bias_ = calibrate_bias(spec.positive_rate, scores);
}

uint64_t SyntheticGenerator::sparse_nnz(int split, uint64_t row) const {
  if (spec_.nnz_spread == 0) return spec_.nnz_per_row;
  const uint64_t width = 2 * spec_.nnz_spread + 1;
  const double u =
      uniform01(key(spec_.seed, kStreamNnz + 10 * static_cast<uint64_t>(split), row, 0));
  return spec_.nnz_per_row - spec_.nnz_spread +
         std::min(width - 1, static_cast<uint64_t>(u * static_cast<double>(width)));
}

void SyntheticGenerator::draw_sparse_features(int split, uint64_t row,
                                              std::vector<uint32_t>& indices) const {
  const uint64_t stream = static_cast<uint64_t>(split);
  indices.clear();
  const double total = zipf_cdf_.back();
  const uint64_t nnz = sparse_nnz(split, row);
  for (uint64_t draw = 0; indices.size() < nnz; ++draw) {
    const double u = uniform01(key(spec_.seed, kStreamPick + 10 * stream, row, draw)) * total;
    const size_t rank = std::min<size_t>(
        std::upper_bound(zipf_cdf_.begin(), zipf_cdf_.end(), u) - zipf_cdf_.begin(),
        zipf_cdf_.size() - 1);
    const uint32_t f = feature_of_rank_[rank];
    if (std::find(indices.begin(), indices.end(), f) == indices.end()) indices.push_back(f);
  }
  std::sort(indices.begin(), indices.end());
}

uint8_t SyntheticGenerator::dense_row(int split, uint64_t row, float* x) const {
  const uint64_t stream = static_cast<uint64_t>(split);
  double s = 0;
  for (uint64_t j = 0; j < spec_.features; ++j) {
    // 24 random bits: exactly representable as float, in [0, 1).
    x[j] = static_cast<float>(key(spec_.seed, stream, row, j) >> 40) * 0x1.0p-24f;
    s += weights_[j] * (static_cast<double>(x[j]) - 0.5);
  }
  s = s / weight_norm_ + spec_.noise * normal(key(spec_.seed, kStreamNoise + 10 * stream, row, 0));
  return s > 0 ? 1 : 0;
}

uint8_t SyntheticGenerator::sparse_row(int split, uint64_t row,
                                       std::vector<uint32_t>& indices) const {
  const uint64_t stream = static_cast<uint64_t>(split);
  draw_sparse_features(split, row, indices);
  double z = bias_;
  for (uint32_t f : indices) z += weights_[f];
  const double p = 1.0 / (1.0 + std::exp(-z));
  return uniform01(key(spec_.seed, kStreamNoise + 10 * stream, row, 1)) < p ? 1 : 0;
}

namespace {

// This rank's share of a split: rows [lo, hi).
void write_split(const SyntheticGenerator& gen, DatasetWriter& out, int split, uint64_t rows,
                 int rank, int size) {
  const SynthSpec& spec = gen.spec();
  const std::string name = split == 0 ? "train" : "test";
  const uint64_t lo = rows * static_cast<uint64_t>(rank) / static_cast<uint64_t>(size);
  const uint64_t hi = rows * static_cast<uint64_t>(rank + 1) / static_cast<uint64_t>(size);
  std::vector<uint8_t> y(hi - lo);
  // Every rank makes its share at once; rank 0's stands for all.
  Progress progress("data synth " + name + " (rank 0's share)", y.size(), "rows", rank == 0);
  if (spec.kind == DataKind::kDense) {
    std::vector<float> x(y.size() * spec.features);
    for (uint64_t i = 0; i < y.size(); ++i) {
      y[i] = gen.dense_row(split, lo + i, x.data() + i * spec.features);
      progress.update(i + 1);
    }
    progress.finish();
    out.write_dense(name, rows, lo, x, y);
    return;
  }
  std::vector<uint64_t> indptr(y.size() + 1, 0);
  std::vector<uint32_t> indices, row;
  for (uint64_t i = 0; i < y.size(); ++i) {
    y[i] = gen.sparse_row(split, lo + i, row);
    indices.insert(indices.end(), row.begin(), row.end());
    indptr[i + 1] = indices.size();
    progress.update(i + 1);
  }
  progress.finish();
  out.write_sparse(name, rows, lo, indptr, indices, {}, y);
}

}  // namespace

void write_synthetic(const SynthSpec& spec, const std::string& out, MPI_Comm comm) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  const SyntheticGenerator gen(spec);
  DatasetWriter writer(
      out, comm, spec.kind, spec.features,
      std::string(spec.kind == DataKind::kDense ? "pimscale synth dense (YFCC-like)"
                                                : "pimscale synth sparse (Criteo-like)") +
          " seed=" + std::to_string(spec.seed) + " noise=" + std::to_string(spec.noise) +
          " nnz_per_row=" + std::to_string(spec.nnz_per_row) +
          (spec.nnz_spread ? " nnz_spread=" + std::to_string(spec.nnz_spread) : std::string()) +
          " zipf_exponent=" + std::to_string(spec.zipf_exponent) +
          " positive_rate=" + std::to_string(spec.positive_rate));
  write_split(gen, writer, 0, spec.rows, rank, size);
  write_split(gen, writer, 1, spec.test_rows, rank, size);
  writer.commit();
}

}  // namespace pimscale
