#include "io/hdf5.h"

#include <mpi.h>

#include <fmt/core.h>

#include <cmath>
#include <exception>
#include <filesystem>

#include "src/base/error.h"
#include "src/base/fault.h"

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

Handle::~Handle() {
  if (std::uncaught_exceptions() == 0) reset();
}

void Handle::reset() {
  if (id_ >= 0 && closer_) closer_(id_);
  id_ = H5I_INVALID_HID;
}

void silence_hdf5_errors() {
  // Failing to silence them only means HDF5 prints its own stack beside our message: not worth
  // stopping for.
  (void)H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

namespace {

// Every HDF5 call is checked. Calls that fail on a user's file (open, a missing object) throw
// InputError naming it; a failing call that a valid file cannot cause (property lists, dataspaces)
// throws IoError naming the call.
herr_t ok(herr_t rc, const char* call) {
  if (rc < 0) throw IoError(std::string("HDF5 call ") + call + " failed");
  return rc;
}
Handle owned(hid_t id, Handle::Closer closer, const char* call) {
  ok(static_cast<herr_t>(id < 0 ? -1 : 0), call);
  return Handle(id, closer);
}

Handle check(hid_t id, Handle::Closer closer, const std::string& what) {
  if (id < 0) throw InputError(what);
  return Handle(id, closer);
}

Handle mpio_access(MPI_Comm comm) {
  Handle fapl = owned(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "H5Pcreate(file access)");
  ok(H5Pset_fapl_mpio(fapl.id(), comm, MPI_INFO_NULL), "H5Pset_fapl_mpio");
  return fapl;
}

Handle collective_transfer() {
  Handle dxpl = owned(H5Pcreate(H5P_DATASET_XFER), H5Pclose, "H5Pcreate(dataset transfer)");
  ok(H5Pset_dxpl_mpio(dxpl.id(), H5FD_MPIO_COLLECTIVE), "H5Pset_dxpl_mpio");
  return dxpl;
}

// File and memory dataspaces selecting rows [first, first+count) of a dataset of `dims`.
struct RowSelection {
  Handle file_space, mem_space;
};
RowSelection select_rows(hid_t dataset, uint64_t first, uint64_t count) {
  RowSelection s;
  s.file_space = owned(H5Dget_space(dataset), H5Sclose, "H5Dget_space");
  const int rank = ok(H5Sget_simple_extent_ndims(s.file_space.id()), "H5Sget_simple_extent_ndims");
  hsize_t dims[2] = {0, 1};
  ok(H5Sget_simple_extent_dims(s.file_space.id(), dims, nullptr), "H5Sget_simple_extent_dims");
  if (count == 0) {
    ok(H5Sselect_none(s.file_space.id()), "H5Sselect_none");
    const hsize_t one[2] = {1, dims[1]};
    s.mem_space = owned(H5Screate_simple(rank, one, nullptr), H5Sclose, "H5Screate_simple");
    ok(H5Sselect_none(s.mem_space.id()), "H5Sselect_none");
    return s;
  }
  const hsize_t start[2] = {first, 0};
  const hsize_t n[2] = {count, rank == 2 ? dims[1] : 1};
  ok(H5Sselect_hyperslab(s.file_space.id(), H5S_SELECT_SET, start, nullptr, n, nullptr),
     "H5Sselect_hyperslab");
  s.mem_space = owned(H5Screate_simple(rank, n, nullptr), H5Sclose, "H5Screate_simple");
  return s;
}

}  // namespace

namespace {
int world_rank() {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}
}  // namespace

void File::fail(const std::string& what) const {
  throw InputError("HDF5 file '" + path_ + "': " + what);
}

File File::open_read(const std::string& path, MPI_Comm comm) {
  if (!std::filesystem::exists(path)) {
    throw InputError("dataset '" + path +
                     "' does not exist; create one with `pimscale data synth --out " + path +
                     "` or check the path");
  }
  Handle fapl = mpio_access(comm);
  inject_fault("open", world_rank());
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.id());
  return File(path, check(id, H5Fclose,
                          "cannot open '" + path +
                              "' as HDF5 (not an HDF5 file, or unreadable); "
                              "create a dataset with `pimscale data synth` or check the file"));
}

File File::create(const std::string& path, MPI_Comm comm) {
  Handle fapl = mpio_access(comm);
  inject_fault("open", world_rank());
  hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.id());
  return File(path, check(id, H5Fclose,
                          "cannot create HDF5 file '" + path +
                              "'; check the folder exists and is writable"));
}

File File::open_update(const std::string& path, MPI_Comm comm) {
  if (!std::filesystem::exists(path)) {
    throw InputError("dataset '" + path + "' does not exist; check the path");
  }
  Handle fapl = mpio_access(comm);
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDWR, fapl.id());
  return File(path, check(id, H5Fclose,
                          "cannot open '" + path +
                              "' for writing (not an HDF5 file, or read-only); "
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
    if (!prefix.empty() && prefix != "/" && H5Lexists(id(), prefix.c_str(), H5P_DEFAULT) <= 0)
      return false;
    pos = next;
  }
  return true;
}

void File::create_group(const std::string& name) {
  Handle gcpl = owned(H5Pcreate(H5P_GROUP_CREATE), H5Pclose, "H5Pcreate(group create)");
  ok(H5Pset_obj_track_times(gcpl.id(), 0), "H5Pset_obj_track_times");
  Handle g(H5Gcreate2(id(), name.c_str(), H5P_DEFAULT, gcpl.id(), H5P_DEFAULT), H5Gclose);
  if (g.id() < 0) fail("cannot create group " + name);
}

void File::create_dataset(const std::string& name, hid_t type, const std::vector<uint64_t>& shape) {
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  Handle space = owned(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                       H5Sclose, "H5Screate_simple");
  Handle dcpl = owned(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "H5Pcreate(dataset create)");
  ok(H5Pset_obj_track_times(dcpl.id(), 0), "H5Pset_obj_track_times");
  ok(H5Pset_fill_time(dcpl.id(), H5D_FILL_TIME_NEVER), "H5Pset_fill_time");
  ok(H5Pset_alloc_time(dcpl.id(), H5D_ALLOC_TIME_EARLY), "H5Pset_alloc_time");
  Handle d(H5Dcreate2(id(), name.c_str(), type, space.id(), H5P_DEFAULT, dcpl.id(), H5P_DEFAULT),
           H5Dclose);
  if (d.id() < 0) fail("cannot create dataset " + name);
}

std::vector<uint64_t> File::shape(const std::string& name) const {
  Handle d(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), H5Dclose);
  if (d.id() < 0) fail("missing dataset " + name);
  Handle space = owned(H5Dget_space(d.id()), H5Sclose, "H5Dget_space");
  const int rank = H5Sget_simple_extent_ndims(space.id());
  if (rank < 1 || rank > 2) fail(name + " must be 1-D or 2-D");
  hsize_t dims[2] = {0, 0};
  ok(H5Sget_simple_extent_dims(space.id(), dims, nullptr), "H5Sget_simple_extent_dims");
  return std::vector<uint64_t>(dims, dims + rank);
}

StoredType File::stored_type(const std::string& name) const {
  Handle d(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), H5Dclose);
  if (d.id() < 0) fail("missing dataset " + name);
  Handle t = owned(H5Dget_type(d.id()), H5Tclose, "H5Dget_type");
  StoredType s;
  s.kind = H5Tget_class(t.id());
  if (s.kind == H5T_NO_CLASS) fail("cannot read the type of " + name);
  s.bytes = H5Tget_size(t.id());
  s.is_signed = s.kind == H5T_INTEGER && H5Tget_sign(t.id()) == H5T_SGN_2;
  return s;
}

void File::write_rows(const std::string& name, hid_t mem_type, uint64_t first, uint64_t count,
                      const void* data) {
  Handle d(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), H5Dclose);
  if (d.id() < 0) fail("missing dataset " + name);
  RowSelection s = select_rows(d.id(), first, count);
  Handle dxpl = collective_transfer();
  inject_fault("write", world_rank());
  if (H5Dwrite(d.id(), mem_type, s.mem_space.id(), s.file_space.id(), dxpl.id(), data) < 0) {
    // Possibly this rank's rows alone: the others are inside the collective write.
    throw CollectiveFault("HDF5 file '" + path_ + "': cannot write rows " + std::to_string(first) +
                          ".." + std::to_string(first + count) + " of " + name);
  }
}

void File::read_rows(const std::string& name, hid_t mem_type, uint64_t first, uint64_t count,
                     void* data) const {
  Handle d(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), H5Dclose);
  if (d.id() < 0) fail("missing dataset " + name);
  RowSelection s = select_rows(d.id(), first, count);
  Handle dxpl = collective_transfer();
  inject_fault("read", world_rank());
  if (H5Dread(d.id(), mem_type, s.mem_space.id(), s.file_space.id(), dxpl.id(), data) < 0) {
    // Possibly this rank's rows alone (an index past the end): the others are inside the read.
    throw CollectiveFault("HDF5 file '" + path_ + "': cannot read rows " + std::to_string(first) +
                          ".." + std::to_string(first + count) + " of " + name +
                          " (wrong type, truncated file, or offsets past the end)");
  }
}

void File::write_attribute(const std::string& name, const std::string& value,
                           const std::string& object) {
  Handle type = owned(H5Tcopy(H5T_C_S1), H5Tclose, "H5Tcopy");
  ok(H5Tset_size(type.id(), value.size() + 1), "H5Tset_size");
  Handle space = owned(H5Screate(H5S_SCALAR), H5Sclose, "H5Screate");
  Handle a(H5Acreate_by_name(id(), object.c_str(), name.c_str(), type.id(), space.id(), H5P_DEFAULT,
                             H5P_DEFAULT, H5P_DEFAULT),
           H5Aclose);
  if (a.id() < 0 || H5Awrite(a.id(), type.id(), value.c_str()) < 0)
    fail("cannot write attribute " + name);
}

void File::write_attribute(const std::string& name, uint64_t value) {
  Handle space = owned(H5Screate(H5S_SCALAR), H5Sclose, "H5Screate");
  Handle a(H5Acreate2(id(), name.c_str(), H5T_STD_U64LE, space.id(), H5P_DEFAULT, H5P_DEFAULT),
           H5Aclose);
  if (a.id() < 0 || H5Awrite(a.id(), H5T_NATIVE_UINT64, &value) < 0)
    fail("cannot write attribute " + name);
}

bool File::has_attribute(const std::string& name, const std::string& object) const {
  const htri_t exists = H5Aexists_by_name(id(), object.c_str(), name.c_str(), H5P_DEFAULT);
  if (exists < 0) fail("cannot look for attribute " + name + " of " + object);
  return exists > 0;
}

std::string File::read_string_attribute(const std::string& name, const std::string& object) const {
  if (!has_attribute(name, object)) fail("missing attribute " + name);
  Handle a(H5Aopen_by_name(id(), object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (a.id() < 0) fail("cannot open attribute " + name);
  Handle type = owned(H5Aget_type(a.id()), H5Tclose, "H5Aget_type");
  if (H5Tget_class(type.id()) != H5T_STRING) fail("attribute " + name + " must be a string");
  Handle space = owned(H5Aget_space(a.id()), H5Sclose, "H5Aget_space");
  if (H5Sget_simple_extent_npoints(space.id()) != 1) fail("attribute " + name + " must be scalar");
  if (H5Tis_variable_str(type.id()) > 0) {
    Handle mem = owned(H5Tcopy(H5T_C_S1), H5Tclose, "H5Tcopy");
    ok(H5Tset_size(mem.id(), H5T_VARIABLE), "H5Tset_size");
    ok(H5Tset_cset(mem.id(), H5Tget_cset(type.id())), "H5Tset_cset");
    char* text = nullptr;
    if (H5Aread(a.id(), mem.id(), static_cast<void*>(&text)) < 0 || text == nullptr)
      fail("cannot read attribute " + name);
    std::string value(text);
    H5free_memory(text);
    return value;
  }
  const size_t size = H5Tget_size(type.id());
  if (size == 0) fail("cannot read the size of attribute " + name);
  std::string value(size, '\0');
  if (H5Aread(a.id(), type.id(), value.data()) < 0) fail("cannot read attribute " + name);
  value.resize(value.find('\0') == std::string::npos ? value.size() : value.find('\0'));
  return value;
}

uint64_t File::read_uint_attribute(const std::string& name) const {
  if (!has_attribute(name, "/")) fail("missing attribute " + name);
  Handle a(H5Aopen(id(), name.c_str(), H5P_DEFAULT), H5Aclose);
  if (a.id() < 0) fail("cannot open attribute " + name);
  Handle type = owned(H5Aget_type(a.id()), H5Tclose, "H5Aget_type");
  Handle space = owned(H5Aget_space(a.id()), H5Sclose, "H5Aget_space");
  if (H5Sget_simple_extent_npoints(space.id()) != 1) fail("attribute " + name + " must be scalar");
  const H5T_class_t kind = H5Tget_class(type.id());
  const std::string must = "attribute " + name + " must be a whole number >= 0";
  if (kind == H5T_INTEGER && H5Tget_sign(type.id()) == H5T_SGN_NONE) {
    uint64_t v = 0;
    if (H5Aread(a.id(), H5T_NATIVE_UINT64, &v) < 0) fail("cannot read attribute " + name);
    return v;
  }
  if (kind == H5T_INTEGER) {
    int64_t v = 0;
    if (H5Aread(a.id(), H5T_NATIVE_INT64, &v) < 0) fail("cannot read attribute " + name);
    if (v < 0) fail(must + ", not " + std::to_string(v));
    return static_cast<uint64_t>(v);
  }
  if (kind == H5T_FLOAT) {
    double v = 0;
    if (H5Aread(a.id(), H5T_NATIVE_DOUBLE, &v) < 0) fail("cannot read attribute " + name);
    if (!(v >= 0 && v < 0x1p64) || v != std::floor(v)) fail(must + ", not " + fmt::format("{}", v));
    return static_cast<uint64_t>(v);
  }
  fail(must + " (it is not a number)");
}

}  // namespace pimscale::h5
