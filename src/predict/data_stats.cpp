#include "src/predict/data_stats.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <numeric>

#include "io/dataset.h"
#include "io/hdf5.h"
#include "src/base/error.h"
#include "src/base/progress.h"

namespace pimscale {

uint64_t NnzHistogram::total_rows() const {
  return std::accumulate(rows.begin(), rows.end(), uint64_t{0});
}

double NnzHistogram::mean() const {
  double s = 0;
  for (size_t i = 0; i < values.size(); ++i)
    s += static_cast<double>(values[i]) * static_cast<double>(rows[i]);
  return s / static_cast<double>(total_rows());
}

double NnzHistogram::variance() const {
  const double m = mean();
  double s = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    const double d = static_cast<double>(values[i]) - m;
    s += d * d * static_cast<double>(rows[i]);
  }
  return s / static_cast<double>(total_rows());
}

NnzHistogram histogram_of(const std::map<uint64_t, uint64_t>& rows_by_nnz) {
  NnzHistogram h;
  for (const auto& [v, n] : rows_by_nnz) {
    h.values.push_back(v);
    h.rows.push_back(n);
  }
  return h;
}

int reuse_bin(uint64_t hits) {
  int k = 0;
  while (k < kReuseBins - 1 && (uint64_t{1} << k) < hits) ++k;
  return k;
}

double expected_max_normal(uint64_t n) {
  if (n <= 1) return 0;
  static std::mutex mu;
  static std::map<uint64_t, double> cache;
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = cache.find(n); it != cache.end()) return it->second;
  // E[max] = int_0^inf (1 - Phi(x)^n) dx - int_-inf^0 Phi(x)^n dx (midpoint rule; the integrands
  // vanish beyond |x| = 12 for any n below 2^53).
  const double dn = static_cast<double>(n), h = 1e-3;
  double e = 0;
  for (double x = -12 + h / 2; x < 12; x += h) {
    const double phi_n = std::exp(dn * std::log(0.5 * std::erfc(-x / std::sqrt(2.0))));
    e += (x > 0 ? 1 - phi_n : -phi_n) * h;
  }
  cache[n] = e;
  return e;
}

double expected_max_row(const NnzHistogram& h, uint64_t n) {
  // E[max] = sum_k v_k (F(v_k)^n - F(v_{k-1})^n).
  const double total = static_cast<double>(h.total_rows()), dn = static_cast<double>(n);
  double below = 0, e = 0, prev = 0;
  for (size_t i = 0; i < h.values.size(); ++i) {
    below += static_cast<double>(h.rows[i]);
    const double f = std::pow(below / total, dn);
    e += static_cast<double>(h.values[i]) * (f - prev);
    prev = f;
  }
  return e;
}

double expected_max_shard(const NnzHistogram& h, uint64_t r, uint64_t n) {
  if (r == 0) return 0;
  if (r == 1) return expected_max_row(h, n);
  const double dr = static_cast<double>(r);
  const double m = dr * h.mean() + std::sqrt(dr * h.variance()) * expected_max_normal(n);
  return std::min(m, dr * static_cast<double>(h.max()));
}

namespace {

constexpr uint64_t kChunkRows = uint64_t{1} << 18;

// Feature-frequency skew from per-feature counts.
void skew_of(std::vector<uint64_t> counts, DataStats& s) {
  std::sort(counts.begin(), counts.end(), std::greater<>());
  const uint64_t total = std::accumulate(counts.begin(), counts.end(), uint64_t{0});
  s.distinct_features = static_cast<uint64_t>(
      std::count_if(counts.begin(), counts.end(), [](uint64_t c) { return c > 0; }));
  if (total == 0) return;
  const size_t top = std::max<size_t>(1, (counts.size() + 99) / 100);
  s.top1pct_share = static_cast<double>(std::accumulate(
                        counts.begin(), counts.begin() + static_cast<long>(top), uint64_t{0})) /
                    static_cast<double>(total);
  // Gini over all features: sum_i (2 i - n - 1) c_i / (n sum c), counts ascending.
  const double n = static_cast<double>(counts.size());
  double g = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    const double rank_up = n - static_cast<double>(i);  // 1-based position in ascending order
    g += (2 * rank_up - n - 1) * static_cast<double>(counts[i]);
  }
  s.gini = g / (n * static_cast<double>(total));
  // Zipf: least squares of log count on log rank over the top 1,000 ranks that occur.
  const size_t fit = std::min<size_t>(1000, s.distinct_features);
  if (fit < 2) return;
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (size_t i = 0; i < fit; ++i) {
    const double x = std::log(static_cast<double>(i + 1)),
                 y = std::log(static_cast<double>(counts[i]));
    sx += x, sy += y, sxx += x * x, sxy += x * y;
  }
  const double k = static_cast<double>(fit);
  s.zipf_exponent = -(k * sxy - sx * sy) / (k * sxx - sx * sx);
}

// Accumulates the reuse of features inside consecutive batches of one size.
class ReuseCounter {
 public:
  ReuseCounter(uint64_t batch, uint64_t features) : hits_(features, 0) { r_.batch = batch; }
  void add_row(const uint32_t* idx, uint64_t nnz) {
    for (uint64_t k = 0; k < nnz; ++k) {
      if (hits_[idx[k]]++ == 0) touched_.push_back(idx[k]);
    }
    if (++rows_ == r_.batch) flush();
  }
  BatchReuse result() {
    BatchReuse r = r_;
    const double distinct = std::accumulate(bins_.begin(), bins_.end(), 0.0);
    if (r.batches > 0) r.distinct_per_batch = distinct / static_cast<double>(r.batches);
    for (int b = 0; b < kReuseBins; ++b) r.fraction[b] = distinct > 0 ? bins_[b] / distinct : 0;
    return r;
  }

 private:
  void flush() {
    for (const uint32_t f : touched_) {
      bins_[reuse_bin(hits_[f])] += 1;
      hits_[f] = 0;
    }
    touched_.clear();
    rows_ = 0;
    ++r_.batches;
  }
  BatchReuse r_;
  std::vector<uint32_t> hits_;
  std::vector<uint32_t> touched_;
  std::array<double, kReuseBins> bins_{};
  uint64_t rows_ = 0;
};

// Consecutive shards' non-zeros: the fullest / the mean, for rows split as the emulator splits
// them.
ShardBalance balance_of(const std::vector<uint64_t>& row_nnz, const NnzHistogram& h,
                        uint64_t shards) {
  ShardBalance b;
  b.shards = shards;
  b.rows_per_shard = row_nnz.size() / shards;
  if (b.rows_per_shard == 0) return b;
  uint64_t most = 0, sum = 0;
  for (uint64_t s = 0; s < shards; ++s) {
    uint64_t t = 0;
    for (uint64_t i = s * b.rows_per_shard; i < (s + 1) * b.rows_per_shard; ++i) t += row_nnz[i];
    most = std::max(most, t);
    sum += t;
  }
  const double mean = static_cast<double>(sum) / static_cast<double>(shards);
  b.max_over_mean = mean > 0 ? static_cast<double>(most) / mean : 1;
  const double iid_mean = static_cast<double>(b.rows_per_shard) * h.mean();
  b.iid_max_over_mean =
      iid_mean > 0 ? expected_max_shard(h, b.rows_per_shard, shards) / iid_mean : 1;
  return b;
}

}  // namespace

DataStats compute_stats(const std::string& path, const std::vector<uint64_t>& batches,
                        const std::vector<uint64_t>& shards) {
  const Dataset data = Dataset::open(path, MPI_COMM_SELF);
  DataStats s;
  s.source = path;
  s.sparse = data.kind() == DataKind::kSparse;
  s.rows = data.rows("train");
  s.features = data.features();
  std::map<uint64_t, uint64_t> nnz_counts;
  std::vector<uint64_t> row_nnz(s.rows);
  std::vector<uint64_t> feature_counts(s.sparse ? s.features : 0, 0);
  std::vector<ReuseCounter> reuse;
  if (s.sparse) {
    for (const uint64_t b : batches) reuse.emplace_back(b, s.features);
  }
  Progress progress("data stats " + path, s.rows, "rows", true);
  for (uint64_t first = 0; first < s.rows; first += kChunkRows) {
    const uint64_t count = std::min(kChunkRows, s.rows - first);
    progress.update(first);
    if (s.sparse) {
      const SparseRows r = data.read_sparse("train", first, count);
      if (auto e = validate(r, path, "train")) throw InputError(*e);
      for (uint64_t i = 0; i < count; ++i) {
        const uint64_t n = r.indptr[i + 1] - r.indptr[i];
        row_nnz[first + i] = n;
        ++nnz_counts[n];
        const uint32_t* idx = r.indices.data() + r.indptr[i];
        for (uint64_t k = 0; k < n; ++k) ++feature_counts[idx[k]];
        for (ReuseCounter& c : reuse) c.add_row(idx, n);
      }
    } else {
      const DenseRows r = data.read_dense("train", first, count);
      if (auto e = validate(r, path, "train")) throw InputError(*e);
      for (uint64_t i = 0; i < count; ++i) {
        const float* x = r.x.data() + i * r.features;
        const uint64_t n =
            static_cast<uint64_t>(std::count_if(x, x + r.features, [](float v) { return v != 0; }));
        row_nnz[first + i] = n;
        ++nnz_counts[n];
      }
    }
  }
  progress.finish();
  s.nnz = histogram_of(nnz_counts);
  if (s.sparse) skew_of(std::move(feature_counts), s);
  for (ReuseCounter& c : reuse) s.reuse.push_back(c.result());
  for (const uint64_t n : shards) {
    if (n == 0 || n > s.rows) {
      throw InputError("data stats: --shards " + std::to_string(n) + " must be between 1 and the " +
                       std::to_string(s.rows) + " training rows of '" + path + "'");
    }
    s.shards.push_back(balance_of(row_nnz, s.nnz, n));
  }
  return s;
}

DataStats synthetic_shape_stats(const SynthSpec& spec, uint64_t rows) {
  check_synth_spec(spec);
  DataStats s;
  s.source = "synthetic " + std::string(spec.kind == DataKind::kDense ? "dense" : "sparse") +
             " features=" + std::to_string(spec.features) +
             " nnz_per_row=" + std::to_string(spec.nnz_per_row) +
             " nnz_spread=" + std::to_string(spec.nnz_spread) +
             " zipf_exponent=" + std::to_string(spec.zipf_exponent);
  s.sparse = spec.kind == DataKind::kSparse;
  s.rows = rows;
  s.features = spec.features;
  if (!s.sparse) {
    s.nnz = {{spec.features}, {rows}};  // the generator's values are almost surely non-zero
    return s;
  }
  // Uniform over [nnz - spread, nnz + spread]: rows split as evenly as whole rows allow.
  const uint64_t width = 2 * spec.nnz_spread + 1;
  for (uint64_t k = 0; k < width; ++k) {
    const uint64_t n = rows / width + (k < rows % width ? 1 : 0);
    if (n == 0) continue;
    s.nnz.values.push_back(spec.nnz_per_row - spec.nnz_spread + k);
    s.nnz.rows.push_back(n);
  }
  return s;
}

DataStats synthetic_stats(const SynthSpec& spec, uint64_t rows,
                          const std::vector<uint64_t>& batches, uint64_t sample_rows) {
  DataStats s = synthetic_shape_stats(spec, rows);
  if (!s.sparse) return s;
  const SyntheticGenerator gen(spec);
  const uint64_t sample = std::min(rows, sample_rows);
  s.sampled = sample < rows;
  std::vector<uint64_t> feature_counts(spec.features, 0);
  std::vector<ReuseCounter> reuse;
  reuse.reserve(batches.size());
  for (const uint64_t b : batches) reuse.emplace_back(b, spec.features);
  std::vector<uint32_t> idx;
  for (uint64_t row = 0; row < sample; ++row) {
    gen.sparse_row(0, row, idx);
    for (const uint32_t f : idx) ++feature_counts[f];
    for (ReuseCounter& c : reuse) c.add_row(idx.data(), idx.size());
  }
  skew_of(std::move(feature_counts), s);
  for (ReuseCounter& c : reuse) s.reuse.push_back(c.result());
  return s;
}

nlohmann::json to_json(const DataStats& s) {
  nlohmann::json reuse = nlohmann::json::array(), shards = nlohmann::json::array();
  for (const BatchReuse& r : s.reuse) {
    reuse.push_back({{"batch", r.batch},
                     {"batches", r.batches},
                     {"distinct_per_batch", r.distinct_per_batch},
                     {"fraction", r.fraction}});
  }
  for (const ShardBalance& b : s.shards) {
    shards.push_back({{"shards", b.shards},
                      {"rows_per_shard", b.rows_per_shard},
                      {"max_over_mean", b.max_over_mean},
                      {"iid_max_over_mean", b.iid_max_over_mean}});
  }
  return {{"source", s.source},
          {"kind", s.sparse ? "sparse" : "dense"},
          {"rows", s.rows},
          {"features", s.features},
          {"nnz",
           {{"values", s.nnz.values},
            {"rows", s.nnz.rows},
            {"mean", s.nnz.mean()},
            {"std", std::sqrt(s.nnz.variance())},
            {"max", s.nnz.max()}}},
          {"distinct_features", s.distinct_features},
          {"top1pct_share", s.top1pct_share},
          {"gini", s.gini},
          {"zipf_exponent", s.zipf_exponent},
          {"sampled", s.sampled},
          {"reuse", reuse},
          {"shards", shards}};
}

DataStats stats_from_json(const nlohmann::json& j) {
  DataStats s;
  s.source = j.at("source").get<std::string>();
  s.sparse = j.at("kind").get<std::string>() == "sparse";
  s.rows = j.at("rows").get<uint64_t>();
  s.features = j.at("features").get<uint64_t>();
  s.nnz.values = j.at("nnz").at("values").get<std::vector<uint64_t>>();
  s.nnz.rows = j.at("nnz").at("rows").get<std::vector<uint64_t>>();
  s.distinct_features = j.at("distinct_features").get<uint64_t>();
  s.top1pct_share = j.at("top1pct_share").get<double>();
  s.gini = j.at("gini").get<double>();
  s.zipf_exponent = j.at("zipf_exponent").get<double>();
  s.sampled = j.at("sampled").get<bool>();
  for (const auto& r : j.at("reuse")) {
    BatchReuse b;
    b.batch = r.at("batch").get<uint64_t>();
    b.batches = r.at("batches").get<uint64_t>();
    b.distinct_per_batch = r.at("distinct_per_batch").get<double>();
    b.fraction = r.at("fraction").get<std::array<double, kReuseBins>>();
    s.reuse.push_back(b);
  }
  for (const auto& r : j.at("shards")) {
    s.shards.push_back({r.at("shards").get<uint64_t>(), r.at("rows_per_shard").get<uint64_t>(),
                        r.at("max_over_mean").get<double>(),
                        r.at("iid_max_over_mean").get<double>()});
  }
  return s;
}

namespace {
constexpr const char* kStatsGroup = "/stats";
constexpr const char* kPartialGroup = "/stats.partial";

void write_vector(h5::File& f, const std::string& name, hid_t file_type, hid_t mem_type,
                  const void* data, std::vector<uint64_t> shape) {
  f.create_dataset(name, file_type, shape);
  f.write_rows(name, mem_type, 0, shape[0], data);
}
}  // namespace

void store_stats(const std::string& path, const DataStats& s) {
  h5::File f = h5::File::open_update(path, MPI_COMM_SELF);
  if (f.exists(kPartialGroup)) f.remove(kPartialGroup);
  f.create_group(kPartialGroup);
  const std::string g = kPartialGroup;
  const uint64_t k = s.nnz.values.size();
  write_vector(f, g + "/nnz_values", H5T_STD_U64LE, H5T_NATIVE_UINT64, s.nnz.values.data(), {k});
  write_vector(f, g + "/nnz_rows", H5T_STD_U64LE, H5T_NATIVE_UINT64, s.nnz.rows.data(), {k});
  if (!s.reuse.empty()) {
    std::vector<uint64_t> batch;
    std::vector<double> fraction;
    for (const BatchReuse& r : s.reuse) {
      batch.push_back(r.batch);
      fraction.insert(fraction.end(), r.fraction.begin(), r.fraction.end());
    }
    write_vector(f, g + "/reuse_batch", H5T_STD_U64LE, H5T_NATIVE_UINT64, batch.data(),
                 {batch.size()});
    write_vector(f, g + "/reuse_fraction", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, fraction.data(),
                 {batch.size(), static_cast<uint64_t>(kReuseBins)});
  }
  f.write_attribute("summary", to_json(s).dump(), g);
  if (f.exists(kStatsGroup)) f.remove(kStatsGroup);
  f.rename(kPartialGroup, kStatsGroup);
}

std::optional<DataStats> load_stats(const std::string& path) {
  const h5::File f = h5::File::open_read(path, MPI_COMM_SELF);
  if (!f.exists(kStatsGroup) || !f.has_attribute("summary", kStatsGroup)) return std::nullopt;
  DataStats s;
  try {
    s = stats_from_json(nlohmann::json::parse(f.read_string_attribute("summary", kStatsGroup)));
  } catch (const nlohmann::json::exception& e) {
    throw InputError("dataset '" + path + "': /stats is unreadable (" + e.what() +
                     "); recompute it with `pimscale data stats " + path + "`");
  }
  // The histogram datasets are the record; the summary's copy must agree with them.
  const uint64_t k = f.shape("/stats/nnz_values").at(0);
  NnzHistogram h{std::vector<uint64_t>(k), std::vector<uint64_t>(k)};
  f.read_rows("/stats/nnz_values", H5T_NATIVE_UINT64, 0, k, h.values.data());
  f.read_rows("/stats/nnz_rows", H5T_NATIVE_UINT64, 0, k, h.rows.data());
  if (h.values != s.nnz.values || h.rows != s.nnz.rows || h.total_rows() != s.rows || k == 0) {
    throw InputError("dataset '" + path +
                     "': /stats/nnz_values and nnz_rows disagree with the summary or the rows; "
                     "recompute them with `pimscale data stats " +
                     path + "`");
  }
  s.nnz = std::move(h);
  return s;
}

}  // namespace pimscale
