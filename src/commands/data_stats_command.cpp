#include "src/commands/data_stats_command.h"

#include <fmt/core.h>

#include <bit>
#include <cmath>
#include <fstream>
#include <optional>
#include <vector>

#include "io/run_folder.h"
#include "io/trace.h"
#include "src/base/error.h"
#include "src/base/text.h"
#include "src/config/train_config.h"
#include "src/predict/data_stats.h"

namespace pimscale {

namespace {

std::vector<uint64_t> positive_list(const std::string& list, const std::string& flag) {
  std::vector<uint64_t> v;
  if (list.empty()) return v;
  for (const std::string& item : split_list(list)) {
    const std::optional<int64_t> n = whole_integer(item);
    if (!n || *n <= 0)
      throw InputError(flag + " '" + list + "' must be positive integers separated by commas");
    v.push_back(static_cast<uint64_t>(*n));
  }
  return v;
}

void print_stats(const DataStats& s) {
  fmt::print("{}: {} train rows x {} features ({})\n", s.source, s.rows, s.features,
             s.sparse ? "sparse" : "dense");
  fmt::print("non-zeros per row: mean {:.3f}, std {:.3f}, max {}; histogram (power-of-two bins):",
             s.nnz.mean(), std::sqrt(s.nnz.variance()), s.nnz.max());
  std::vector<uint64_t> bins(65, 0);
  for (size_t i = 0; i < s.nnz.values.size(); ++i) {
    const uint64_t v = s.nnz.values[i];
    bins[v == 0 ? 0 : static_cast<size_t>(std::bit_width(v))] += s.nnz.rows[i];
  }
  for (size_t b = 0; b < bins.size(); ++b) {
    if (bins[b] == 0) continue;
    if (b == 0)
      fmt::print(" 0: {}", bins[b]);
    else
      fmt::print(" [{},{}): {}", uint64_t{1} << (b - 1), uint64_t{1} << b, bins[b]);
  }
  fmt::print("\n");
  if (s.sparse) {
    fmt::print(
        "feature frequency{}: {} features occur; top 1% hold {:.1f}% of non-zeros; Gini {:.3f}; "
        "fitted Zipf "
        "exponent {:.3f}\n",
        s.sampled ? " (sampled rows)" : "", s.distinct_features, 100 * s.top1pct_share, s.gini,
        s.zipf_exponent);
  }
  for (const BatchReuse& r : s.reuse) {
    fmt::print(
        "batch {}: {} batches, {:.1f} distinct features per batch; hits per distinct feature:",
        r.batch, r.batches, r.distinct_per_batch);
    for (int b = 0; b < kReuseBins; ++b) {
      if (r.fraction[b] <= 0) continue;
      if (b == 0)
        fmt::print(" 1: {:.3f}", r.fraction[b]);
      else if (b == kReuseBins - 1)
        fmt::print(" >{}: {:.3f}", uint64_t{1} << (b - 1), r.fraction[b]);
      else
        fmt::print(" ({},{}]: {:.3f}", uint64_t{1} << (b - 1), uint64_t{1} << b, r.fraction[b]);
    }
    fmt::print("\n");
  }
  for (const ShardBalance& b : s.shards) {
    fmt::print(
        "{} shards of {} rows: fullest / mean non-zeros {:.4f} (independent rows would give "
        "{:.4f})\n",
        b.shards, b.rows_per_shard, b.max_over_mean, b.iid_max_over_mean);
  }
}

}  // namespace

void run_data_stats(const std::string& file, SyntheticShape synthetic, SynthSpec spec, double rows,
                    uint64_t sample_rows, const std::string& batches, const std::string& shards,
                    bool store, const std::string& json_out) {
  if (file.empty() == (synthetic == SyntheticShape::kNone)) {
    throw InputError(
        "data stats: give a dataset FILE or --synthetic criteo|yfcc with --rows R (one of them)");
  }
  const std::vector<uint64_t> batch_sizes = positive_list(batches, "--batches");
  const std::vector<uint64_t> shard_counts = positive_list(shards, "--shards");
  if (!json_out.empty()) check_writable(json_out);
  DataStats s;
  if (synthetic != SyntheticShape::kNone) {
    if (!(rows >= 1 && rows < 1.8e19 && rows == std::floor(rows))) {
      throw InputError(
          "data stats --synthetic: --rows must be a whole number of rows (e.g. 4.4e9)");
    }
    if (!shard_counts.empty())
      throw InputError("data stats: --shards needs a FILE (synthetic rows are independent)");
    if (synthetic == SyntheticShape::kYfcc) {
      spec.kind = DataKind::kDense;
      spec.features = 4096;
    }
    s = synthetic_stats(spec, static_cast<uint64_t>(rows), batch_sizes, sample_rows);
  } else {
    // Storing /stats writes into the dataset: no other pimscale writer of it meanwhile.
    std::optional<OutputLock> lock;
    if (store) lock.emplace(file, "the dataset");
    s = compute_stats(file, batch_sizes, shard_counts);
    if (store) store_stats(file, s);
  }
  print_stats(s);
  if (!file.empty() && store) fmt::print("stored in {} (/stats)\n", file);
  if (!json_out.empty()) {
    write_file_atomically(json_out, to_json(s).dump(2) + "\n");
    fmt::print("wrote {}\n", json_out);
  }
}

}  // namespace pimscale
