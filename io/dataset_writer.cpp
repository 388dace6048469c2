#include "io/dataset_writer.h"

#include <filesystem>

#include "src/base/fault.h"

namespace pimscale {

namespace {
int rank_of(MPI_Comm c) {
  int r = 0;
  MPI_Comm_rank(c, &r);
  return r;
}
}  // namespace

DatasetWriter::DatasetWriter(const std::string& out, MPI_Comm comm, DataKind kind,
                             uint64_t features, const std::string& provenance)
    : out_(out),
      tmp_(out + ".tmp"),
      comm_(comm),
      rank_(rank_of(comm)),
      features_(features),
      file_(h5::File::create(out + ".tmp", comm)) {
  MPI_Comm_size(comm, &size_);
  file_.write_attribute("format", kDatasetFormat);
  file_.write_attribute("format_version", kDatasetFormatVersion);
  file_.write_attribute("kind", data_kind_name(kind));
  file_.write_attribute("features", features);
  file_.write_attribute("generator", provenance);
}

DatasetWriter::~DatasetWriter() {
  if (committed_ || rank_ != 0) return;
  std::error_code ec;
  std::filesystem::remove(tmp_, ec);
}

void DatasetWriter::write_dense(const std::string& split, uint64_t total_rows, uint64_t first,
                                const std::vector<float>& x, const std::vector<uint8_t>& y) {
  const std::string g = "/" + split;
  file_.create_group(g);
  file_.create_dataset(g + "/X", H5T_IEEE_F32LE, {total_rows, features_});
  file_.create_dataset(g + "/y", H5T_STD_U8LE, {total_rows});
  file_.write_rows(g + "/X", H5T_NATIVE_FLOAT, first, y.size(), x.data());
  file_.write_rows(g + "/y", H5T_NATIVE_UINT8, first, y.size(), y.data());
}

void DatasetWriter::write_sparse(const std::string& split, uint64_t total_rows, uint64_t first,
                                 const std::vector<uint64_t>& indptr,
                                 const std::vector<uint32_t>& indices,
                                 const std::vector<float>& values, const std::vector<uint8_t>& y) {
  const std::string g = "/" + split;
  file_.create_group(g);
  // Global offsets: this rank's non-zeros start after those of lower ranks.
  uint64_t local_nnz = indices.size(), offset = 0, total_nnz = 0;
  MPI_Exscan(&local_nnz, &offset, 1, MPI_UINT64_T, MPI_SUM, comm_);
  if (rank_ == 0) offset = 0;
  MPI_Allreduce(&local_nnz, &total_nnz, 1, MPI_UINT64_T, MPI_SUM, comm_);
  int local_values = values.empty() ? 0 : 1, any_values = 0;
  MPI_Allreduce(&local_values, &any_values, 1, MPI_INT, MPI_MAX, comm_);
  std::vector<uint64_t> global(indptr);
  for (auto& p : global) p += offset;
  file_.create_dataset(g + "/indptr", H5T_STD_U64LE, {total_rows + 1});
  file_.create_dataset(g + "/indices", H5T_STD_U32LE, {total_nnz});
  if (any_values) file_.create_dataset(g + "/values", H5T_IEEE_F32LE, {total_nnz});
  file_.create_dataset(g + "/y", H5T_STD_U8LE, {total_rows});
  // Each rank writes indptr[first, first + rows); the last also writes the closing entry.
  file_.write_rows(g + "/indptr", H5T_NATIVE_UINT64, first, y.size() + (rank_ == size_ - 1 ? 1 : 0),
                   global.data());
  file_.write_rows(g + "/indices", H5T_NATIVE_UINT32, offset, local_nnz, indices.data());
  if (any_values)
    file_.write_rows(g + "/values", H5T_NATIVE_FLOAT, offset, local_nnz, values.data());
  file_.write_rows(g + "/y", H5T_NATIVE_UINT8, first, y.size(), y.data());
}

void DatasetWriter::commit() {
  inject_fault("close", rank_);
  file_ = h5::File();  // close (collective)
  MPI_Barrier(comm_);
  if (rank_ == 0) std::filesystem::rename(tmp_, out_);
  MPI_Barrier(comm_);
  committed_ = true;
}

}  // namespace pimscale
