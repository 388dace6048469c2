// What a dataset looks like to the predictor, without its rows: shape, non-zeros per row (a
// histogram), feature-frequency skew, the reuse of features inside a batch, and per-shard load
// imbalance. Computed from a file (`pimscale data stats`, stored in the file's /stats group) or
// from a synthetic generator's parameters. Not responsible for turning statistics into time
// (src/predict does that).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/synth.h"

namespace pimscale {

// Rows per non-zero count: rows[i] rows have values[i] non-zeros (values ascending, rows > 0).
struct NnzHistogram {
  std::vector<uint64_t> values, rows;
  uint64_t total_rows() const;
  double mean() const;
  double variance() const;  // of one row's count
  uint64_t max() const { return values.empty() ? 0 : values.back(); }
};

// The histogram of {non-zeros: rows} counts.
NnzHistogram histogram_of(const std::map<uint64_t, uint64_t>& rows_by_nnz);

// Bins of "hits per distinct feature in a batch": bin 0 is (0, 1], bin k is (2^(k-1), 2^k], the
// last is > 2^15.
inline constexpr int kReuseBins = 17;
int reuse_bin(uint64_t hits);

struct BatchReuse {
  uint64_t batch = 0;                         // rows per batch
  uint64_t batches = 0;                       // batches measured
  double distinct_per_batch = 0;              // mean distinct features a batch touches
  std::array<double, kReuseBins> fraction{};  // of the distinct features, by their hits
};

struct ShardBalance {
  uint64_t shards = 0, rows_per_shard = 0;  // consecutive shards from row 0 (the emulator's split)
  double max_over_mean = 1;                 // measured: the fullest shard's non-zeros / the mean
  double iid_max_over_mean = 1;  // expected if rows were independent draws from the histogram
};

struct DataStats {
  std::string source;  // the file, or the generator's parameters
  bool sparse = false;
  uint64_t rows = 0, features = 0;  // the train split
  NnzHistogram nnz;
  // Feature frequency (sparse): features that occur, the share of non-zeros on the most frequent 1%
  // of features, the Gini coefficient of the counts, and the Zipf exponent fitted to the top ranks.
  uint64_t distinct_features = 0;
  double top1pct_share = 0, gini = 0, zipf_exponent = 0;
  bool sampled = false;  // skew and reuse measured on a sample of rows (synthetic)
  std::vector<BatchReuse> reuse;
  std::vector<ShardBalance> shards;
};

// E[max of n independent standard normals] (n >= 1; 0 for n = 1), by numerical integration, cached.
double expected_max_normal(uint64_t n);
// E[max over n independent rows' non-zero counts] drawn from the histogram (exact).
double expected_max_row(const NnzHistogram& h, uint64_t n);
// Expected non-zeros of the fullest of n shards of r rows each, rows drawn independently from the
// histogram: r = 1 exactly, else r mean + sqrt(r variance) E[max of n normals].
double expected_max_shard(const NnzHistogram& h, uint64_t r, uint64_t n);

// The statistics of a file's train split (read in one process, which shows its progress): reuse
// for each batch size in `batches`, imbalance for each number of shards in `shards` (rows split as
// the emulator does: rows / shards each).
DataStats compute_stats(const std::string& path, const std::vector<uint64_t>& batches,
                        const std::vector<uint64_t>& shards);
// The statistics of a synthetic workload of `rows` rows: the histogram from the parameters, skew
// and reuse from up to `sample_rows` generated rows.
DataStats synthetic_stats(const SynthSpec& spec, uint64_t rows,
                          const std::vector<uint64_t>& batches, uint64_t sample_rows);
// Only the shape and histogram of a synthetic workload (what predict needs; no sampling).
DataStats synthetic_shape_stats(const SynthSpec& spec, uint64_t rows);

// Writes the statistics into the file's /stats group (replacing any earlier ones; built as
// /stats.partial and renamed once complete), and reads them back (nothing when the file has none).
void store_stats(const std::string& path, const DataStats& stats);
std::optional<DataStats> load_stats(const std::string& path);

nlohmann::json to_json(const DataStats& s);
DataStats stats_from_json(const nlohmann::json& j);

}  // namespace pimscale
