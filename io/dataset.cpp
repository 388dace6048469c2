#include "io/dataset.h"

#include <fmt/core.h>

#include <algorithm>
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
  if (const uint64_t v = f.read_uint_attribute("format_version"); v != kDatasetFormatVersion) {
    bad(path, "format_version " + std::to_string(v) + " is not supported (this pimscale reads " +
                  std::to_string(kDatasetFormatVersion) + ")");
  }
  const std::string kind = f.read_string_attribute("kind");
  if (kind != "dense" && kind != "sparse")
    bad(path, "attribute kind must be \"dense\" or \"sparse\", not \"" + kind + "\"");
  d.kind_ = kind == "dense" ? DataKind::kDense : DataKind::kSparse;
  d.features_ = f.read_uint_attribute("features");
  if (d.features_ == 0) bad(path, "attribute features must be positive");
  if (d.kind_ == DataKind::kSparse && d.features_ > (uint64_t{1} << 32)) {
    bad(path, "attribute features is " + std::to_string(d.features_) +
                  "; sparse feature indices are held as 32-bit, so at most 2^32 features");
  }
  d.check_layout("train", d.train_);
  d.check_layout("test", d.test_);
  return d;
}

void Dataset::check_layout(const std::string& split, Layout& l) {
  const std::string& path = file_.path();
  const std::string g = "/" + split;
  auto numeric = [&](const std::string& name, bool whole) {
    if (!file_.exists(name)) bad(path, "missing " + name);
    const h5::StoredType t = file_.stored_type(name);
    if (t.kind != H5T_INTEGER && (whole || t.kind != H5T_FLOAT))
      bad(path, name + (whole ? " must be of an integer type" : " must be numeric"));
    return t;
  };
  l.y = numeric(g + "/y", false);
  const auto ys = file_.shape(g + "/y");
  if (ys.size() != 1) bad(path, g + "/y must be 1-D");
  l.rows = ys[0];
  if (kind_ == DataKind::kDense) {
    l.x = numeric(g + "/X", false);
    const auto xs = file_.shape(g + "/X");
    if (xs.size() != 2 || xs[0] != l.rows || xs[1] != features_) {
      bad(path,
          g + "/X must be [" + std::to_string(l.rows) + " x " + std::to_string(features_) + "]");
    }
    return;
  }
  l.indptr = numeric(g + "/indptr", true);
  l.indices = numeric(g + "/indices", false);
  if (file_.shape(g + "/indptr") != std::vector<uint64_t>{l.rows + 1})
    bad(path, g + "/indptr must have rows + 1 entries");
  const auto nnz = file_.shape(g + "/indices");
  if (nnz.size() != 1) bad(path, g + "/indices must be 1-D");
  l.nnz = nnz[0];
  l.binary = !file_.exists(g + "/values");
  if (l.binary) return;
  l.values = numeric(g + "/values", false);
  if (file_.shape(g + "/values") != nnz) bad(path, g + "/values must match " + g + "/indices");
}

namespace {

// Reads `count` rows of `width` elements of `name` from row `first` into `out`: directly as
// `mem_type` when the stored type converts to T exactly (`exact`), else as doubles (exact for every
// stored integer a check can accept), each passed to `ok` before conversion. The first failing one
// is described by `describe(i, value)` (i counting elements) into `bad` (when empty) and stored as
// T{}.
template <class T, class Ok, class Describe>
void read_checked(const h5::File& file, const std::string& name, bool exact, hid_t mem_type,
                  uint64_t first, uint64_t count, uint64_t width, std::vector<T>& out, Ok&& ok,
                  Describe&& describe, std::string& bad) {
  out.resize(count * width);
  if (exact) {
    file.read_rows(name, mem_type, first, count, out.data());
    return;
  }
  std::vector<double> stored(count * width);
  file.read_rows(name, H5T_NATIVE_DOUBLE, first, count, stored.data());
  for (uint64_t i = 0; i < count * width; ++i) {
    if (ok(stored[i])) {
      out[i] = static_cast<T>(stored[i]);
    } else {
      if (bad.empty()) bad = describe(i, stored[i]);
      out[i] = T{};
    }
  }
}

}  // namespace

void Dataset::read_labels(const std::string& split, uint64_t first, uint64_t count,
                          std::vector<uint8_t>& y, std::string& bad) const {
  const h5::StoredType& t = layout(split).y;
  read_checked(
      file_, "/" + split + "/y", t.is(H5T_INTEGER, 1) && !t.is_signed, H5T_NATIVE_UINT8, first,
      count, 1, y, [](double v) { return v == 0 || v == 1; },
      [&](uint64_t i, double v) {
        return fmt::format(
            "dataset '{}': /{}/y row {} is {}; labels must be 0 or 1 (convert the "
            "labels)",
            path(), split, first + i, v);
      },
      bad);
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
  r.bad_value.clear();
  const uint64_t f = features_;
  read_checked(
      file_, "/" + split + "/X", layout(split).x.is(H5T_FLOAT, 4), H5T_NATIVE_FLOAT, first, count,
      f, r.x, [](double v) { return v >= 0 && v <= 1; },
      [&](uint64_t i, double v) {
        return fmt::format(
            "dataset '{}': /{}/X row {} feature {} is {}; features must be in "
            "[0, 1] (min-max normalise them)",
            path(), split, first + i / f, i % f, v);
      },
      r.bad_value);
  read_labels(split, first, count, r.y, r.bad_value);
}
std::vector<uint64_t> Dataset::read_row_offsets(const std::string& split, uint64_t first,
                                                uint64_t count) const {
  std::string bad_value;
  std::vector<uint64_t> indptr = read_indptr(split, first, count, bad_value);
  // No validate() follows a dry read: check here what validate() checks of the offsets.
  if (!bad_value.empty()) throw InputError(bad_value);
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

std::vector<uint64_t> Dataset::read_indptr(const std::string& split, uint64_t first, uint64_t count,
                                           std::string& bad) const {
  std::vector<uint64_t> indptr;
  const h5::StoredType& t = layout(split).indptr;
  read_checked(
      file_, "/" + split + "/indptr", !t.is_signed, H5T_NATIVE_UINT64, first, count + 1, 1, indptr,
      [](double v) { return v >= 0; },
      [&](uint64_t i, double v) {
        return fmt::format("dataset '{}': /{}/indptr entry {} is {}; offsets must be >= 0", path(),
                           split, first + i, v);
      },
      bad);
  return indptr;
}

SparseRows Dataset::read_sparse(const std::string& split, uint64_t first, uint64_t count) const {
  const std::string g = "/" + split;
  const Layout& l = layout(split);
  SparseRows r;
  r.first = first;
  r.rows = count;
  r.features = features_;
  r.indptr = read_indptr(split, first, count, r.bad_value);
  uint64_t lo = r.indptr.front(), hi = r.indptr.back();
  if (r.bad_value.empty() && (hi < lo || hi > l.nnz)) {
    r.bad_value = fmt::format(
        "dataset '{}': {}/indptr of rows {}..{} spans entries {}..{}, outside the {} of {}/indices",
        path(), g, first, first + count, lo, hi, l.nnz, g);
  }
  if (!r.bad_value.empty()) {  // read no entries, but still take part in every collective read
    lo = hi = 0;
    r.indptr.assign(count + 1, 0);
  }
  for (auto& p : r.indptr) p -= lo;
  // The row holding entry k of this rank's entries.
  auto row_of = [&](uint64_t k) {
    return first + static_cast<uint64_t>(std::upper_bound(r.indptr.begin(), r.indptr.end(), k) -
                                         r.indptr.begin() - 1);
  };
  const uint64_t f = features_;
  const bool narrow = l.indices.kind == H5T_INTEGER && !l.indices.is_signed && l.indices.bytes <= 4;
  read_checked(
      file_, g + "/indices", narrow, H5T_NATIVE_UINT32, lo, hi - lo, 1, r.indices,
      [f](double v) { return v >= 0 && v < static_cast<double>(f) && v == std::floor(v); },
      [&](uint64_t k, double v) {
        return fmt::format(
            "dataset '{}': {}/indices row {} has feature {}; indices must be whole "
            "numbers in [0, features = {})",
            path(), g, row_of(k), v, f);
      },
      r.bad_value);
  if (!l.binary) {
    read_checked(
        file_, g + "/values", l.values.is(H5T_FLOAT, 4), H5T_NATIVE_FLOAT, lo, hi - lo, 1, r.values,
        [](double v) { return std::isfinite(v); },
        [&](uint64_t k, double v) {
          return fmt::format("dataset '{}': {}/values row {} holds {}; values must be finite",
                             path(), g, row_of(k), v);
        },
        r.bad_value);
  }
  read_labels(split, first, count, r.y, r.bad_value);
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
  if (!r.bad_value.empty()) return r.bad_value;
  const std::string where = "dataset '" + path + "': /" + split;
  for (size_t i = 0; i < r.x.size(); ++i) {
    if (!(r.x[i] >= 0.0f && r.x[i] <= 1.0f)) {
      return where + "/X row " + std::to_string(r.first + i / r.features) + " feature " +
             std::to_string(i % r.features) + " is " + fmt::format("{}", r.x[i]) +
             "; features must be in [0, 1] (min-max normalise them)";
    }
  }
  return check_labels(r.y, r.first, where);
}

std::optional<std::string> validate(const SparseRows& r, const std::string& path,
                                    const std::string& split) {
  if (!r.bad_value.empty()) return r.bad_value;
  const std::string where = "dataset '" + path + "': /" + split;
  for (uint64_t i = 0; i < r.rows; ++i) {
    if (r.indptr[i + 1] < r.indptr[i])
      return where + "/indptr decreases at row " + std::to_string(r.first + i);
  }
  for (uint64_t i = 0; i < r.rows; ++i) {
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
