// Writes the malformed datasets of tests/e2e/bad_inputs.tsv into a folder: one file per way a
// dataset can be wrong (root attributes, layout, stored values), each otherwise valid, so the one
// named problem is the one a reader must report. Usage: make_bad_datasets FOLDER
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "tests/support/stored_file.h"

using pimscale::test_support::StoredFile;

namespace {

using Edit = std::function<void(StoredFile&)>;

// A valid dense file (8 train rows, 2 test rows, 4 features) with `edit` applied; the datasets the
// edit writes itself are left out of the defaults (by name).
void dense(const std::string& path, const std::vector<std::string>& own, const Edit& edit,
           double features = 4) {
  StoredFile f(path, "dense", features);
  auto has = [&](const std::string& n) {
    return std::find(own.begin(), own.end(), n) != own.end();
  };
  std::vector<double> x(8 * 4), y(8);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<double>(i % 5) / 4;
  for (size_t i = 0; i < y.size(); ++i) y[i] = static_cast<double>(i % 2);
  if (!has("/train/X")) f.put("/train/X", H5T_IEEE_F32LE, {8, 4}, x);
  if (!has("/train/y")) f.put("/train/y", H5T_STD_U8LE, {8}, y);
  if (!has("/test/X")) f.put("/test/X", H5T_IEEE_F32LE, {2, 4}, {0, 0.5, 1, 0.25, 1, 0, 0, 1});
  if (!has("/test/y")) f.put("/test/y", H5T_STD_U8LE, {2}, {0, 1});
  edit(f);
}

// A valid sparse file (8 train rows of 2 binary features each over 10, 2 test rows) with `edit`.
void sparse(const std::string& path, const std::vector<std::string>& own, const Edit& edit,
            double features = 10) {
  StoredFile f(path, "sparse", features);
  auto has = [&](const std::string& n) {
    return std::find(own.begin(), own.end(), n) != own.end();
  };
  std::vector<double> indptr(9), indices(16), y(8);
  for (size_t i = 0; i < 9; ++i) indptr[i] = static_cast<double>(2 * i);
  for (size_t i = 0; i < 8; ++i) {
    indices[2 * i] = static_cast<double>(i % 5);
    indices[2 * i + 1] = static_cast<double>(5 + i % 5);
    y[i] = static_cast<double>(i % 2);
  }
  if (!has("/train/indptr")) f.put("/train/indptr", H5T_STD_U64LE, {9}, indptr);
  if (!has("/train/indices")) f.put("/train/indices", H5T_STD_U32LE, {16}, indices);
  if (!has("/train/y")) f.put("/train/y", H5T_STD_U8LE, {8}, y);
  if (!has("/test/indptr")) f.put("/test/indptr", H5T_STD_U64LE, {3}, {0, 1, 2});
  if (!has("/test/indices")) f.put("/test/indices", H5T_STD_U32LE, {2}, {3, 7});
  if (!has("/test/y")) f.put("/test/y", H5T_STD_U8LE, {2}, {0, 1});
  edit(f);
}

// 8 train rows of dense X with one value replaced.
std::vector<double> x_with(size_t at, double v) {
  std::vector<double> x(8 * 4, 0.5);
  x[at] = v;
  return x;
}
std::vector<double> y_with(size_t at, double v) {
  std::vector<double> y{0, 1, 0, 1, 0, 1, 0, 1};
  y[at] = v;
  return y;
}
std::vector<double> indices_with(size_t at, double v) {
  std::vector<double> idx{0, 5, 1, 6, 2, 7, 3, 8, 4, 9, 0, 5, 1, 6, 2, 7};
  idx[at] = v;
  return idx;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_bad_datasets FOLDER\n");
    return 2;
  }
  const std::string d = std::string(argv[1]) + "/";
  const Edit none = [](StoredFile&) {};
  // Valid references (the table's positive controls).
  dense(d + "ok_dense.h5", {}, none);
  sparse(d + "ok_sparse.h5", {}, none);
  // Root attributes.
  dense(d + "no_format.h5", {}, [](StoredFile& f) { f.remove_attribute("format"); });
  dense(d + "other_format.h5", {}, [](StoredFile& f) { f.string_attribute("format", "numpy"); });
  dense(d + "version_2.h5", {},
        [](StoredFile& f) { f.number_attribute("format_version", H5T_STD_U8LE, 2); });
  dense(d + "kind_tree.h5", {}, [](StoredFile& f) { f.string_attribute("kind", "tree"); });
  dense(d + "kind_number.h5", {},
        [](StoredFile& f) { f.number_attribute("kind", H5T_STD_I32LE, 1); });
  dense(d + "features_zero.h5", {}, none, 0);
  dense(d + "features_fraction.h5", {}, none, 4.5);
  dense(d + "features_negative.h5", {},
        [](StoredFile& f) { f.number_attribute("features", H5T_STD_I64LE, -4); });
  dense(d + "features_text.h5", {}, [](StoredFile& f) { f.string_attribute("features", "4"); });
  dense(d + "features_nan.h5", {}, none, std::nan(""));
  sparse(d + "features_2p33.h5", {}, none, 0x1p33);
  // Layout.
  dense(d + "no_train_y.h5", {"/train/y"}, none);
  dense(d + "no_test_X.h5", {"/test/X"}, none);
  dense(d + "X_wrong_width.h5", {"/train/X"}, [](StoredFile& f) {
    f.put("/train/X", H5T_IEEE_F32LE, {8, 3}, std::vector<double>(24));
  });
  dense(d + "X_wrong_rows.h5", {"/train/X"}, [](StoredFile& f) {
    f.put("/train/X", H5T_IEEE_F32LE, {7, 4}, std::vector<double>(28));
  });
  dense(d + "y_2d.h5", {"/train/y"}, [](StoredFile& f) {
    f.put("/train/y", H5T_STD_U8LE, {4, 2}, std::vector<double>(8));
  });
  sparse(d + "no_indptr.h5", {"/train/indptr"}, none);
  sparse(d + "indptr_short.h5", {"/train/indptr"}, [](StoredFile& f) {
    f.put("/train/indptr", H5T_STD_U64LE, {8}, {0, 2, 4, 6, 8, 10, 12, 14});
  });
  sparse(d + "indptr_float.h5", {"/train/indptr"}, [](StoredFile& f) {
    f.put("/train/indptr", H5T_IEEE_F64LE, {9}, {0, 2, 4, 6, 8, 10, 12, 14, 16});
  });
  sparse(d + "values_short.h5", {}, [](StoredFile& f) {
    f.put("/train/values", H5T_IEEE_F32LE, {15}, std::vector<double>(15, 1));
  });
  // Values, in their stored types.
  dense(d + "feature_above_1.h5", {"/train/X"}, [](StoredFile& f) {
    f.put("/train/X", H5T_IEEE_F32LE, {8, 4}, x_with(13, 1.5));
  });
  dense(d + "feature_negative.h5", {"/train/X"}, [](StoredFile& f) {
    f.put("/train/X", H5T_IEEE_F32LE, {8, 4}, x_with(6, -0.25));
  });
  dense(d + "feature_nan.h5", {"/train/X"}, [](StoredFile& f) {
    f.put("/train/X", H5T_IEEE_F32LE, {8, 4}, x_with(0, std::nan("")));
  });
  dense(d + "feature_double_above_1.h5", {"/train/X"}, [](StoredFile& f) {
    f.put("/train/X", H5T_IEEE_F64LE, {8, 4}, x_with(31, 1.0000001));
  });
  dense(d + "feature_int_2.h5", {"/train/X"}, [](StoredFile& f) {
    f.put("/train/X", H5T_STD_I16LE, {8, 4}, x_with(5, 2));
  });
  dense(d + "label_2.h5", {"/train/y"},
        [](StoredFile& f) { f.put("/train/y", H5T_STD_U8LE, {8}, y_with(3, 2)); });
  dense(d + "label_half.h5", {"/train/y"},
        [](StoredFile& f) { f.put("/train/y", H5T_IEEE_F32LE, {8}, y_with(4, 0.5)); });
  dense(d + "label_minus_1.h5", {"/train/y"},
        [](StoredFile& f) { f.put("/train/y", H5T_STD_I8LE, {8}, y_with(7, -1)); });
  dense(d + "label_nan.h5", {"/train/y"},
        [](StoredFile& f) { f.put("/train/y", H5T_IEEE_F64LE, {8}, y_with(2, std::nan(""))); });
  dense(d + "test_label_3.h5", {"/test/y"}, [](StoredFile& f) {
    f.put("/test/y", H5T_STD_I32LE, {2}, {3, 0});
  });
  sparse(d + "index_too_large.h5", {"/train/indices"},
         [](StoredFile& f) { f.put("/train/indices", H5T_STD_U32LE, {16}, indices_with(9, 10)); });
  sparse(d + "index_minus_1.h5", {"/train/indices"},
         [](StoredFile& f) { f.put("/train/indices", H5T_STD_I64LE, {16}, indices_with(12, -1)); });
  sparse(d + "index_fraction.h5", {"/train/indices"}, [](StoredFile& f) {
    f.put("/train/indices", H5T_IEEE_F64LE, {16}, indices_with(4, 2.5));
  });
  sparse(d + "indptr_negative.h5", {"/train/indptr"}, [](StoredFile& f) {
    f.put("/train/indptr", H5T_STD_I64LE, {9}, {0, 2, -4, 6, 8, 10, 12, 14, 16});
  });
  sparse(d + "indptr_decreasing.h5", {"/train/indptr"}, [](StoredFile& f) {
    f.put("/train/indptr", H5T_STD_U64LE, {9}, {0, 2, 4, 3, 8, 10, 12, 14, 16});
  });
  sparse(d + "indptr_past_end.h5", {"/train/indptr"}, [](StoredFile& f) {
    f.put("/train/indptr", H5T_STD_U64LE, {9}, {0, 2, 4, 6, 8, 10, 12, 14, 99});
  });
  sparse(d + "values_not_binary.h5", {}, [](StoredFile& f) {
    std::vector<double> v(16, 1);
    v[5] = 0.5;
    f.put("/train/values", H5T_IEEE_F32LE, {16}, v);
  });
  sparse(d + "values_nan.h5", {}, [](StoredFile& f) {
    std::vector<double> v(16, 1);
    v[10] = std::nan("");
    f.put("/train/values", H5T_IEEE_F64LE, {16}, v);
  });
  sparse(d + "sparse_label_half.h5", {"/train/y"},
         [](StoredFile& f) { f.put("/train/y", H5T_IEEE_F32LE, {8}, y_with(6, 0.5)); });
  return 0;
}
