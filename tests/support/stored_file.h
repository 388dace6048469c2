// HDF5 files as other tools write them (h5py, hand-made scripts): any stored type for a dataset,
// fixed- or variable-length string attributes, attributes of any numeric type. Serial HDF5 API; a
// file made on one rank only passes `active = false` elsewhere (every call is then a no-op). Test
// support only: errors are not checked here, the readers under test check the result.
#pragma once

#include <hdf5.h>

#include <string>
#include <vector>

namespace pimscale::test_support {

class StoredFile {
 public:
  // A file with the dataset format's root attributes (format, format_version, kind, features as a
  // float64, so 2.0 and 32.7 can both be written) and the groups /train and /test.
  StoredFile(const std::string& path, const std::string& kind, double features, bool active = true,
             bool variable_strings = true) {
    if (!active) return;
    file_ = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    string_attribute("format", "pimscale-dataset", variable_strings);
    string_attribute("kind", kind, variable_strings);
    number_attribute("format_version", H5T_STD_I32LE, 1);
    number_attribute("features", H5T_IEEE_F64LE, features);
    for (const char* g : {"/train", "/test"}) H5Gclose(H5Gcreate2(file_, g, 0, 0, 0));
  }
  ~StoredFile() { close(); }
  StoredFile(const StoredFile&) = delete;
  StoredFile& operator=(const StoredFile&) = delete;

  // `values` stored as `type` with shape `dims`, converted from double by HDF5 (cut or padded with
  // zeros to the shape's size).
  void put(const std::string& name, hid_t type, std::vector<hsize_t> dims,
           std::vector<double> values) {
    if (file_ < 0) return;
    hsize_t n = 1;
    for (hsize_t d : dims) n *= d;
    values.resize(n);
    const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
    const hid_t d = H5Dcreate2(file_, name.c_str(), type, space, 0, 0, 0);
    H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
    H5Dclose(d);
    H5Sclose(space);
  }
  // Replaces (or adds) a root attribute.
  void string_attribute(const char* name, const std::string& value, bool variable = false) {
    if (file_ < 0) return;
    if (H5Aexists(file_, name) > 0) H5Adelete(file_, name);
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, variable ? H5T_VARIABLE : value.size() + 1);
    const hid_t space = H5Screate(H5S_SCALAR);
    const hid_t a = H5Acreate2(file_, name, type, space, 0, 0);
    const char* text = value.c_str();
    H5Awrite(a, type, variable ? static_cast<const void*>(&text) : text);
    H5Aclose(a);
    H5Sclose(space);
    H5Tclose(type);
  }
  void number_attribute(const char* name, hid_t type, double value) {
    if (file_ < 0) return;
    if (H5Aexists(file_, name) > 0) H5Adelete(file_, name);
    const hid_t space = H5Screate(H5S_SCALAR);
    const hid_t a = H5Acreate2(file_, name, type, space, 0, 0);
    H5Awrite(a, H5T_NATIVE_DOUBLE, &value);
    H5Aclose(a);
    H5Sclose(space);
  }
  void remove_attribute(const char* name) {
    if (file_ >= 0) H5Adelete(file_, name);
  }
  void close() {
    if (file_ >= 0) H5Fclose(file_);
    file_ = -1;
  }

 private:
  hid_t file_ = -1;
};

}  // namespace pimscale::test_support
