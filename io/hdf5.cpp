#include "io/hdf5.h"

#include <filesystem>

#include "pim_emul/error.h"

namespace pimscale::h5 {

Handle& Handle::operator=(Handle&& o) noexcept {
  if (this != &o) {
    reset();
    id_ = o.id_;
    closer_ = o.closer_;
    o.id_ = H5I_INVALID_HID;
  }
  return *this;
}

void Handle::reset() {
  if (id_ >= 0 && closer_) closer_(id_);
  id_ = H5I_INVALID_HID;
}

void silence_hdf5_errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

namespace {

Handle check(hid_t id, Handle::Closer closer, const std::string& what) {
  if (id < 0) throw InputError(what);
  return Handle(id, closer);
}

Handle mpio_access(MPI_Comm comm) {
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_fapl_mpio(fapl.id(), comm, MPI_INFO_NULL);
  return fapl;
}

Handle collective_transfer() {
  Handle dxpl(H5Pcreate(H5P_DATASET_XFER), H5Pclose);
  H5Pset_dxpl_mpio(dxpl.id(), H5FD_MPIO_COLLECTIVE);
  return dxpl;
}

// File and memory dataspaces selecting rows [first, first+count) of a dataset of `dims`.
struct RowSelection {
  Handle file_space, mem_space;
};
RowSelection select_rows(hid_t dataset, uint64_t first, uint64_t count) {
  RowSelection s;
  s.file_space = Handle(H5Dget_space(dataset), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(s.file_space.id());
  hsize_t dims[2] = {0, 1};
  H5Sget_simple_extent_dims(s.file_space.id(), dims, nullptr);
  if (count == 0) {
    H5Sselect_none(s.file_space.id());
    const hsize_t one[2] = {1, dims[1]};
    s.mem_space = Handle(H5Screate_simple(rank, one, nullptr), H5Sclose);
    H5Sselect_none(s.mem_space.id());
    return s;
  }
  const hsize_t start[2] = {first, 0};
  const hsize_t n[2] = {count, rank == 2 ? dims[1] : 1};
  H5Sselect_hyperslab(s.file_space.id(), H5S_SELECT_SET, start, nullptr, n, nullptr);
  s.mem_space = Handle(H5Screate_simple(rank, n, nullptr), H5Sclose);
  return s;
}

}  // namespace

void File::fail(const std::string& what) const { throw InputError("HDF5 file '" + path_ + "': " + what); }

File File::open_read(const std::string& path, MPI_Comm comm) {
  if (!std::filesystem::exists(path)) {
    throw InputError("dataset '" + path + "' does not exist; create one with `pimscale data synth --out " + path +
                     "` or check the path");
  }
  Handle fapl = mpio_access(comm);
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.id());
  return File(path, check(id, H5Fclose,
                          "cannot open '" + path + "' as HDF5 (not an HDF5 file, or unreadable); "
                          "create a dataset with `pimscale data synth` or check the file"));
}

File File::create(const std::string& path, MPI_Comm comm) {
  Handle fapl = mpio_access(comm);
  hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.id());
  return File(path, check(id, H5Fclose, "cannot create HDF5 file '" + path + "'; check the folder exists and is writable"));
}

File File::open_update(const std::string& path, MPI_Comm comm) {
  if (!std::filesystem::exists(path)) {
    throw InputError("dataset '" + path + "' does not exist; check the path");
  }
  Handle fapl = mpio_access(comm);
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDWR, fapl.id());
  return File(path, check(id, H5Fclose, "cannot open '" + path + "' for writing (not an HDF5 file, or read-only); "
                                        "check the file and its permissions"));
}

void File::remove(const std::string& object) {
  if (H5Ldelete(id(), object.c_str(), H5P_DEFAULT) < 0) fail("cannot remove " + object);
}

void File::rename(const std::string& from, const std::string& to) {
  if (H5Lmove(id(), from.c_str(), id(), to.c_str(), H5P_DEFAULT, H5P_DEFAULT) < 0) {
    fail("cannot rename " + from + " to " + to);
  }
}

bool File::exists(const std::string& object) const {
  // Check each path component, since H5Lexists fails on a missing intermediate group.
  std::string prefix;
  size_t pos = 0;
  while (pos != std::string::npos) {
    const size_t next = object.find('/', pos + 1);
    prefix = object.substr(0, next);
    if (!prefix.empty() && prefix != "/" && H5Lexists(id(), prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    pos = next;
  }
  return true;
}

void File::create_group(const std::string& name) {
  Handle gcpl(H5Pcreate(H5P_GROUP_CREATE), H5Pclose);
  H5Pset_obj_track_times(gcpl.id(), 0);
  Handle g(H5Gcreate2(id(), name.c_str(), H5P_DEFAULT, gcpl.id(), H5P_DEFAULT), H5Gclose);
  if (g.id() < 0) fail("cannot create group " + name);
}

void File::create_dataset(const std::string& name, hid_t type, const std::vector<uint64_t>& shape) {
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_obj_track_times(dcpl.id(), 0);
  H5Pset_fill_time(dcpl.id(), H5D_FILL_TIME_NEVER);
  H5Pset_alloc_time(dcpl.id(), H5D_ALLOC_TIME_EARLY);
  Handle d(H5Dcreate2(id(), name.c_str(), type, space.id(), H5P_DEFAULT, dcpl.id(), H5P_DEFAULT), H5Dclose);
  if (d.id() < 0) fail("cannot create dataset " + name);
}

std::vector<uint64_t> File::shape(const std::string& name) const {
  Handle d(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), H5Dclose);
  if (d.id() < 0) fail("missing dataset " + name);
  Handle space(H5Dget_space(d.id()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.id());
  if (rank < 1 || rank > 2) fail(name + " must be 1-D or 2-D");
  hsize_t dims[2] = {0, 0};
  H5Sget_simple_extent_dims(space.id(), dims, nullptr);
  return std::vector<uint64_t>(dims, dims + rank);
}

H5T_class_t File::type_class(const std::string& name) const {
  Handle d(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), H5Dclose);
  if (d.id() < 0) fail("missing dataset " + name);
  Handle t(H5Dget_type(d.id()), H5Tclose);
  return H5Tget_class(t.id());
}

void File::write_rows(const std::string& name, hid_t mem_type, uint64_t first, uint64_t count, const void* data) {
  Handle d(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), H5Dclose);
  if (d.id() < 0) fail("missing dataset " + name);
  RowSelection s = select_rows(d.id(), first, count);
  Handle dxpl = collective_transfer();
  if (H5Dwrite(d.id(), mem_type, s.mem_space.id(), s.file_space.id(), dxpl.id(), data) < 0) {
    fail("cannot write rows of " + name);
  }
}

void File::read_rows(const std::string& name, hid_t mem_type, uint64_t first, uint64_t count, void* data) const {
  Handle d(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), H5Dclose);
  if (d.id() < 0) fail("missing dataset " + name);
  RowSelection s = select_rows(d.id(), first, count);
  Handle dxpl = collective_transfer();
  if (H5Dread(d.id(), mem_type, s.mem_space.id(), s.file_space.id(), dxpl.id(), data) < 0) {
    fail("cannot read rows of " + name + " (wrong type or truncated file)");
  }
}

void File::write_attribute(const std::string& name, const std::string& value, const std::string& object) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.id(), value.size() + 1);
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle a(H5Acreate_by_name(id(), object.c_str(), name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT,
                             H5P_DEFAULT),
           H5Aclose);
  if (a.id() < 0 || H5Awrite(a.id(), type.id(), value.c_str()) < 0) fail("cannot write attribute " + name);
}

void File::write_attribute(const std::string& name, uint64_t value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle a(H5Acreate2(id(), name.c_str(), H5T_STD_U64LE, space.id(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (a.id() < 0 || H5Awrite(a.id(), H5T_NATIVE_UINT64, &value) < 0) fail("cannot write attribute " + name);
}

bool File::has_attribute(const std::string& name, const std::string& object) const {
  return H5Aexists_by_name(id(), object.c_str(), name.c_str(), H5P_DEFAULT) > 0;
}

std::string File::read_string_attribute(const std::string& name, const std::string& object) const {
  if (!has_attribute(name, object)) fail("missing attribute " + name);
  Handle a(H5Aopen_by_name(id(), object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  Handle type(H5Aget_type(a.id()), H5Tclose);
  if (H5Tget_class(type.id()) != H5T_STRING || H5Tis_variable_str(type.id()) > 0) {
    fail("attribute " + name + " must be a fixed-length string");
  }
  std::string value(H5Tget_size(type.id()), '\0');
  if (H5Aread(a.id(), type.id(), value.data()) < 0) fail("cannot read attribute " + name);
  value.resize(value.find('\0') == std::string::npos ? value.size() : value.find('\0'));
  return value;
}

uint64_t File::read_uint_attribute(const std::string& name) const {
  if (!has_attribute(name, "/")) fail("missing attribute " + name);
  Handle a(H5Aopen(id(), name.c_str(), H5P_DEFAULT), H5Aclose);
  uint64_t v = 0;
  if (H5Aread(a.id(), H5T_NATIVE_UINT64, &v) < 0) fail("attribute " + name + " must be an unsigned integer");
  return v;
}

}  // namespace pimscale::h5
