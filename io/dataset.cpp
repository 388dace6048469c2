#include "io/dataset.h"

#include <cmath>

#include "src/base/error.h"

namespace pimscale {

const char* data_kind_name(DataKind k) { return k == DataKind::kDense ? "dense" : "sparse"; }

namespace {
[[noreturn]] void bad(const std::string& path, const std::string& what) {
  throw InputError("dataset '" + path + "': " + what + " (see README, section \"Dataset format\")");
}
}  // namespace

Dataset Dataset::open(const std::string& path, MPI_Comm comm) {
  Dataset d(h5::File::open_read(path, comm));
  const h5::File& f = d.file_;
  if (!f.has_attribute("format") || f.read_string_attribute("format") != kDatasetFormat) {
    bad(path, "not a pimscale dataset (root attribute format != \"pimscale-dataset\")");
  }
  if (f.read_uint_attribute("format_version") != kDatasetFormatVersion)
    bad(path, "unsupported format_version");
  const std::string kind = f.read_string_attribute("kind");
  if (kind != "dense" && kind != "sparse")
    bad(path, "attribute kind must be \"dense\" or \"sparse\", not \"" + kind + "\"");
  d.kind_ = kind == "dense" ? DataKind::kDense : DataKind::kSparse;
  d.features_ = f.read_uint_attribute("features");
  if (d.features_ == 0) bad(path, "attribute features must be positive");
  d.check_layout("train", d.train_rows_);
  d.check_layout("test", d.test_rows_);
  return d;
}

void Dataset::check_layout(const std::string& split, uint64_t& rows) {
  const std::string& path = file_.path();
  const std::string g = "/" + split;
  if (!file_.exists(g + "/y")) bad(path, "missing " + g + "/y");
  const auto ys = file_.shape(g + "/y");
  if (ys.size() != 1) bad(path, g + "/y must be 1-D");
  rows = ys[0];
  if (kind_ == DataKind::kDense) {
    if (!file_.exists(g + "/X")) bad(path, "missing " + g + "/X");
    const auto xs = file_.shape(g + "/X");
    if (xs.size() != 2 || xs[0] != rows || xs[1] != features_) {
      bad(path,
          g + "/X must be [" + std::to_string(rows) + " x " + std::to_string(features_) + "]");
    }
    const H5T_class_t c = file_.type_class(g + "/X");
    if (c != H5T_FLOAT && c != H5T_INTEGER) bad(path, g + "/X must be numeric");
    return;
  }
  for (const char* name : {"/indptr", "/indices"}) {
    if (!file_.exists(g + name)) bad(path, "missing " + g + name);
  }
  if (file_.shape(g + "/indptr") != std::vector<uint64_t>{rows + 1})
    bad(path, g + "/indptr must have rows + 1 entries");
  const auto nnz = file_.shape(g + "/indices");
  binary_ = !file_.exists(g + "/values");
  if (!binary_ && file_.shape(g + "/values") != nnz)
    bad(path, g + "/values must match " + g + "/indices");
}

DenseRows Dataset::read_dense(const std::string& split, uint64_t first, uint64_t count) const {
  DenseRows r;
  read_dense_into(split, first, count, r);
  return r;
}

void Dataset::read_dense_into(const std::string& split, uint64_t first, uint64_t count,
                              DenseRows& r) const {
  r.first = first;
  r.rows = count;
  r.features = features_;
  r.x.resize(count * features_);
  r.y.resize(count);
  file_.read_rows("/" + split + "/X", H5T_NATIVE_FLOAT, first, count, r.x.data());
  file_.read_rows("/" + split + "/y", H5T_NATIVE_UINT8, first, count, r.y.data());
}

std::vector<uint64_t> Dataset::read_row_offsets(const std::string& split, uint64_t first,
                                                uint64_t count) const {
  std::vector<uint64_t> indptr = read_indptr(split, first, count);
  // No validate() follows a dry read: check here what validate() checks of the offsets.
  for (uint64_t i = 0; i < count; ++i) {
    if (indptr[i + 1] < indptr[i]) {
      throw InputError("dataset '" + path() + "': /" + split + "/indptr decreases at row " +
                       std::to_string(first + i) +
                       "; rewrite the file with `pimscale data convert` or `data synth`");
    }
  }
  const uint64_t lo = indptr.front();
  for (auto& p : indptr) p -= lo;
  return indptr;
}

std::vector<uint64_t> Dataset::read_indptr(const std::string& split, uint64_t first,
                                           uint64_t count) const {
  std::vector<uint64_t> indptr(count + 1);
  file_.read_rows("/" + split + "/indptr", H5T_NATIVE_UINT64, first, count + 1, indptr.data());
  return indptr;
}

SparseRows Dataset::read_sparse(const std::string& split, uint64_t first, uint64_t count) const {
  const std::string g = "/" + split;
  SparseRows r;
  r.first = first;
  r.rows = count;
  r.features = features_;
  r.indptr = read_indptr(split, first, count);
  const uint64_t lo = r.indptr.front(), hi = r.indptr.back();
  if (hi < lo)
    throw InputError("dataset '" + path() + "': " + g + "/indptr is not non-decreasing near row " +
                     std::to_string(first));
  for (auto& p : r.indptr) p -= lo;
  r.indices.resize(hi - lo);
  file_.read_rows(g + "/indices", H5T_NATIVE_UINT32, lo, hi - lo, r.indices.data());
  if (!binary_) {
    r.values.resize(hi - lo);
    file_.read_rows(g + "/values", H5T_NATIVE_FLOAT, lo, hi - lo, r.values.data());
  }
  r.y.resize(count);
  file_.read_rows(g + "/y", H5T_NATIVE_UINT8, first, count, r.y.data());
  return r;
}

namespace {
std::optional<std::string> check_labels(const std::vector<uint8_t>& y, uint64_t first,
                                        const std::string& where) {
  for (size_t i = 0; i < y.size(); ++i) {
    if (y[i] > 1) {
      return where + "/y row " + std::to_string(first + i) + " is " + std::to_string(y[i]) +
             "; labels must be 0 or 1 (convert the labels)";
    }
  }
  return std::nullopt;
}
}  // namespace

std::optional<std::string> validate(const DenseRows& r, const std::string& path,
                                    const std::string& split) {
  const std::string where = "dataset '" + path + "': /" + split;
  for (size_t i = 0; i < r.x.size(); ++i) {
    if (!(r.x[i] >= 0.0f && r.x[i] <= 1.0f)) {
      return where + "/X row " + std::to_string(r.first + i / r.features) + " feature " +
             std::to_string(i % r.features) + " is " + std::to_string(r.x[i]) +
             "; features must be in [0, 1] (min-max normalise them)";
    }
  }
  return check_labels(r.y, r.first, where);
}

std::optional<std::string> validate(const SparseRows& r, const std::string& path,
                                    const std::string& split) {
  const std::string where = "dataset '" + path + "': /" + split;
  for (uint64_t i = 0; i < r.rows; ++i) {
    if (r.indptr[i + 1] < r.indptr[i])
      return where + "/indptr decreases at row " + std::to_string(r.first + i);
    for (uint64_t k = r.indptr[i]; k < r.indptr[i + 1]; ++k) {
      if (r.indices[k] >= r.features) {
        return where + "/indices row " + std::to_string(r.first + i) + " has feature " +
               std::to_string(r.indices[k]) + " >= features (" + std::to_string(r.features) + ")";
      }
    }
  }
  return check_labels(r.y, r.first, where);
}

}  // namespace pimscale
