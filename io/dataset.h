// pimscale's HDF5 dataset format (dense and CSR sparse; see README "Dataset format") and sharded
// collective reads of contiguous row ranges. Not responsible for converting features to DPU
// formats.
#pragma once

#include <mpi.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "io/hdf5.h"

namespace pimscale {

inline constexpr const char* kDatasetFormat = "pimscale-dataset";
inline constexpr uint64_t kDatasetFormatVersion = 1;

enum class DataKind { kDense, kSparse };

// Dense rows are read this many bytes of floats at a time (Dataset::read_dense_chunks): the only
// float copy of the rows a run holds. At least one row.
inline constexpr uint64_t kDenseChunkBytes = uint64_t{16} << 20;
inline uint64_t dense_chunk_rows(uint64_t features) {
  return std::max<uint64_t>(1, kDenseChunkBytes / (features * sizeof(float)));
}
const char* data_kind_name(DataKind k);

struct DenseRows {
  uint64_t first = 0;  // global index of the first row
  uint64_t rows = 0;
  uint64_t features = 0;
  std::vector<float> x;    // [rows x features], values in [0, 1]
  std::vector<uint8_t> y;  // [rows], labels in {0, 1}
  // The first stored value that failed its check before conversion (a label 0.5 or -1, a feature
  // 1.0000001 stored as double), as validate()'s message; empty if none.
  std::string bad_value;
};

struct SparseRows {
  uint64_t first = 0;
  uint64_t rows = 0;
  uint64_t features = 0;
  std::vector<uint64_t> indptr;   // [rows + 1], starting at 0
  std::vector<uint32_t> indices;  // [nnz], < features
  std::vector<float> values;      // [nnz]; empty for binary features (all 1)
  std::vector<uint8_t> y;
  // As DenseRows::bad_value; also offsets that are negative, decrease or point past /indices (then
  // no indices are read).
  std::string bad_value;
};

// Checks values a rank read (features in [0, 1], labels in {0, 1}, offsets and indices in range),
// after the checks of their stored values (bad_value). Returns the first problem as a one-line
// message naming the file, split, row and feature, or nothing. Local to the rank.
std::optional<std::string> validate(const DenseRows& rows, const std::string& path,
                                    const std::string& split);
std::optional<std::string> validate(const SparseRows& rows, const std::string& path,
                                    const std::string& split);

// An open dataset file. Opening is collective over `comm` and checks the layout; every rank sees
// the same file, so layout errors are thrown on every rank alike.
class Dataset {
 public:
  static Dataset open(const std::string& path, MPI_Comm comm);

  const std::string& path() const { return file_.path(); }
  DataKind kind() const { return kind_; }
  uint64_t features() const { return features_; }
  uint64_t rows(const std::string& split) const { return layout(split).rows; }

  // Collective. Rows [first, first + count) of split "train" or "test". Values are read in their
  // stored type and checked before conversion (bad_value); a read never throws for a value, so
  // every rank makes the same collective reads.
  DenseRows read_dense(const std::string& split, uint64_t first, uint64_t count) const;
  SparseRows read_sparse(const std::string& split, uint64_t first, uint64_t count) const;
  // Collective. The same rows of a dense split, `chunk_rows` at a time, each chunk validated and
  // then handed to `consume` (whose rows start at chunk.first), so no full-size float copy is ever
  // held. Every rank makes `chunks` reads (pass ceil(largest count over ranks / chunk_rows)); after
  // the first invalid chunk the reads go on unconsumed so no rank waits, and its message is
  // returned.
  template <class Consume>
  std::optional<std::string> read_dense_chunks(const std::string& split, uint64_t first,
                                               uint64_t count, uint64_t chunk_rows, uint64_t chunks,
                                               Consume&& consume) const {
    std::optional<std::string> error;
    DenseRows chunk;
    for (uint64_t c = 0, at = 0; c < chunks; ++c) {
      const uint64_t n = std::min(chunk_rows, count - at);
      read_dense_into(split, first + at, n, chunk);
      if (!error) error = validate(chunk, path(), split);
      if (!error && n > 0) consume(static_cast<const DenseRows&>(chunk));
      at += n;
    }
    return error;
  }
  // Sparse: only the CSR offsets of rows [first, first + count), rebased to 0 ([count + 1]
  // entries): the rows' non-zero counts, without their indices (dry accounting). Throws InputError
  // (after the collective read) for offsets that are negative or decrease.
  std::vector<uint64_t> read_row_offsets(const std::string& split, uint64_t first,
                                         uint64_t count) const;

 private:
  // What open() learnt of one split.
  struct Layout {
    uint64_t rows = 0, nnz = 0;
    bool binary = false;  // sparse without /values
    h5::StoredType x, y, indptr, indices, values;
  };
  explicit Dataset(h5::File file) : file_(std::move(file)) {}
  const Layout& layout(const std::string& split) const { return split == "train" ? train_ : test_; }
  // Collective. read_dense into `r`, reusing its buffers.
  void read_dense_into(const std::string& split, uint64_t first, uint64_t count,
                       DenseRows& r) const;
  void check_layout(const std::string& split, Layout& l);
  // Collective. Labels in their stored type; one not exactly 0 or 1 is noted in `bad`.
  void read_labels(const std::string& split, uint64_t first, uint64_t count,
                   std::vector<uint8_t>& y, std::string& bad) const;
  // Collective. Absolute offsets; a negative one is noted in `bad` and read as 0.
  std::vector<uint64_t> read_indptr(const std::string& split, uint64_t first, uint64_t count,
                                    std::string& bad) const;
  h5::File file_;
  DataKind kind_ = DataKind::kDense;
  uint64_t features_ = 0;
  Layout train_, test_;
};

}  // namespace pimscale
