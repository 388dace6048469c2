// Writing pimscale datasets (README, "Dataset format") collectively: each rank passes its
// contiguous slice of rows. Files are written under a temporary name and renamed on commit(), so a
// failed write leaves nothing half-written. Not responsible for where rows come from (synth.h,
// convert.h).
#pragma once

#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "io/dataset.h"
#include "io/hdf5.h"

namespace pimscale {

class DatasetWriter {
 public:
  // Collective over comm. `provenance` is stored as the root attribute "generator".
  DatasetWriter(const std::string& out, MPI_Comm comm, DataKind kind, uint64_t features,
                const std::string& provenance);
  ~DatasetWriter();  // removes the temporary file unless committed (rank 0)

  // Collective. A split of `total_rows` rows; this rank writes rows [first, first + y.size()).
  // Dense: x is [y.size() x features]. Sparse: indptr [y.size() + 1] from 0; values empty for
  // binary.
  void write_dense(const std::string& split, uint64_t total_rows, uint64_t first,
                   const std::vector<float>& x, const std::vector<uint8_t>& y);
  void write_sparse(const std::string& split, uint64_t total_rows, uint64_t first,
                    const std::vector<uint64_t>& indptr, const std::vector<uint32_t>& indices,
                    const std::vector<float>& values, const std::vector<uint8_t>& y);

  // Collective. Closes the file and renames it to `out`.
  void commit();

 private:
  std::string out_, tmp_;
  MPI_Comm comm_;
  int rank_ = 0, size_ = 1;
  uint64_t features_;
  h5::File file_;
  bool committed_ = false;
};

}  // namespace pimscale
