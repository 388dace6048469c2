// libFuzzer target: the dataset validator. The bytes do not become an HDF5 file (HDF5's own
// parser is not ours to harden); they choose a dataset as other tools could write it: the kind, the
// features attribute, each dataset's stored type and shape, and values from a palette of valid and
// invalid ones (0.5 labels, -1 indices, NaN, offsets that decrease or point past the end). Open,
// read (whole splits and a part) and validate must end in rows or an Error, on one MPI rank.
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "io/dataset.h"
#include "io/hdf5.h"
#include "src/base/error.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/support/stored_file.h"

namespace {

using pimscale::test_support::StoredFile;

class Bytes {
 public:
  Bytes(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  unsigned take() { return at_ < size_ ? data_[at_++] : 0; }
  template <class T, size_t N>
  T pick(const T (&choices)[N]) {
    return choices[take() % N];
  }

 private:
  const uint8_t* data_;
  size_t size_, at_ = 0;
};

constexpr double kValues[] = {0, 1, 0, 1, 0.5, -1, 2, 1.0000001, NAN, INFINITY, 3, 7, 1e10, -0.0};
const hid_t* stored_types() {
  static const hid_t types[] = {H5T_STD_U8LE,   H5T_STD_I8LE,  H5T_STD_U16LE,  H5T_STD_I32LE,
                                H5T_STD_U32LE,  H5T_STD_I64LE, H5T_STD_U64LE,  H5T_IEEE_F32LE,
                                H5T_IEEE_F64LE, H5T_STD_U8LE,  H5T_IEEE_F32LE, H5T_STD_U32LE};
  return types;
}

hid_t type_of(Bytes& b) { return stored_types()[b.take() % 12]; }

std::vector<double> values(Bytes& b, size_t n) {
  std::vector<double> v(n);
  for (double& x : v) x = b.pick(kValues);
  return v;
}

// A split of `rows` rows; each dataset's length is off by one now and then.
void write_split(StoredFile& f, Bytes& b, const std::string& g, bool dense, hsize_t rows,
                 hsize_t features) {
  auto off = [&](hsize_t n) { return b.take() % 8 == 0 ? n + 1 : n; };
  f.put(g + "/y", type_of(b), {off(rows)}, values(b, rows + 1));
  if (dense) {
    const hsize_t width = off(features);
    f.put(g + "/X", type_of(b), {rows, width}, values(b, rows * width));
    return;
  }
  // Offsets: counts from the bytes (valid), or palette values.
  std::vector<double> indptr(rows + 1, 0);
  const bool palette = b.take() % 4 == 0;
  for (hsize_t i = 1; i <= rows; ++i) {
    indptr[i] = palette ? b.pick(kValues) * 3 : indptr[i - 1] + b.take() % 4;
  }
  // At most 64 entries: offsets beyond them are what the reader must refuse.
  const double last = std::isfinite(indptr[rows]) ? std::clamp(indptr[rows], 0.0, 64.0) : 0.0;
  const hsize_t nnz = off(static_cast<hsize_t>(last));
  f.put(g + "/indptr", type_of(b), {off(rows + 1)}, indptr);
  std::vector<double> indices(nnz);
  for (double& x : indices) x = b.take() % 3 == 0 ? b.pick(kValues) : b.take() % (features + 2);
  f.put(g + "/indices", type_of(b), {nnz}, indices);
  if (b.take() % 2) f.put(g + "/values", type_of(b), {off(nnz)}, values(b, nnz + 1));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

// The communicator the files are opened on: a copy of MPI_COMM_SELF made before HDF5 starts. Each
// time HDF5 starts (once per input, after the H5close below) it sets an attribute on MPI_COMM_SELF,
// and every file open duplicates its communicator with all attributes: opening on MPI_COMM_SELF
// itself made each input slower than the last (330 executions a second falling to 80).
MPI_Comm g_comm = MPI_COMM_NULL;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  MPI_Init(nullptr, nullptr);
  MPI_Comm_dup(MPI_COMM_SELF, &g_comm);
  pimscale::h5::silence_hdf5_errors();
  // MPI-IO loads its components at the first file it opens and reads, and keeps them: run a dense
  // and a sparse input here, so the leak check of each fuzzed input sees only what it allocated.
  const uint8_t dense[] = {0, 0, 0, 0, 5, 3, 0, 1}, sparse[] = {1, 1, 1, 4, 2, 5, 1, 2, 3, 1, 0};
  LLVMFuzzerTestOneInput(dense, sizeof dense);
  LLVMFuzzerTestOneInput(sparse, sizeof sparse);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes b(data, size);
  const bool dense = b.take() % 2 == 0;
  constexpr double kFeatures[] = {3, 4, 1, 0, 4.5, -1, NAN, 0x1p33, 5, 2};
  const double features = b.pick(kFeatures);
  const hsize_t width =
      std::isfinite(features) && features > 0 && features < 16 ? static_cast<hsize_t>(features) : 3;
  const std::string path = pimscale::fuzz::bytes_file(nullptr, 0, ".h5");
  {
    StoredFile f(path, dense ? "dense" : "sparse", features, true, b.take() % 2 == 0);
    write_split(f, b, "/train", dense, b.take() % 6, width);
    write_split(f, b, "/test", dense, b.take() % 4, width);
  }
  try {
    const pimscale::Dataset d = pimscale::Dataset::open(path, g_comm);
    for (const char* split : {"train", "test"}) {
      const uint64_t rows = d.rows(split);
      const uint64_t first = rows > 0 ? b.take() % rows : 0;
      for (const auto& [from, count] :
           {std::pair{uint64_t{0}, rows}, std::pair{first, rows - first}}) {
        if (d.kind() == pimscale::DataKind::kDense) {
          (void)pimscale::validate(d.read_dense(split, from, count), path, split);
        } else {
          (void)pimscale::validate(d.read_sparse(split, from, count), path, split);
          (void)d.read_row_offsets(split, from, count);
        }
      }
    }
  } catch (const pimscale::Error&) {
  }
  // pimscale leaves HDF5 objects open while an error unwinds (closing a file is collective, and
  // other ranks may be elsewhere); with one rank and many inputs, close the library (every file,
  // dataset, dataspace and property list) and let the next input start it again.
  H5close();
  pimscale::h5::silence_hdf5_errors();
  return 0;
}
