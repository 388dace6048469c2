// Small RAII wrappers over the HDF5 C API for parallel (MPI-IO) files: every failing call throws an
// InputError naming the file and object. Not responsible for the dataset format (dataset.h).
#pragma once

#include <hdf5.h>
#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace pimscale::h5 {

// Owns one hid_t and closes it with the matching H5*close.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Handle(Handle&& o) noexcept : id_(o.id_), closer_(o.closer_) { o.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& o) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  // While an exception unwinds, the handle is left open: closing a file is collective, and the
  // other ranks may be waiting in another collective (CollectiveFault); the process is ending.
  ~Handle();
  void reset();
  hid_t id() const { return id_; }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

// Turns off HDF5's own error printing; our exceptions carry the message instead. Call once.
void silence_hdf5_errors();

// How a dataset's elements are stored: what a reader must check before HDF5 converts them (a
// conversion clips -1 to 0 for unsigned targets and truncates 0.5 to 0 for integer ones).
struct StoredType {
  H5T_class_t kind = H5T_NO_CLASS;  // H5T_INTEGER, H5T_FLOAT, ...
  size_t bytes = 0;
  bool is_signed = false;  // integers only
  bool is(H5T_class_t k, size_t b) const { return kind == k && bytes == b; }
};

// An HDF5 file opened or created collectively by every rank of `comm`.
class File {
 public:
  File() = default;  // no file; assigning one closes the previous
  static File open_read(const std::string& path, MPI_Comm comm);
  static File create(const std::string& path, MPI_Comm comm);  // truncates
  static File open_update(const std::string& path,
                          MPI_Comm comm);  // read-write, keeps the contents
  const std::string& path() const { return path_; }
  hid_t id() const { return file_.id(); }

  bool exists(const std::string& object) const;
  void create_group(const std::string& name);
  void remove(const std::string& object);  // unlinks a group or dataset
  void rename(const std::string& from, const std::string& to);

  // Collective. A 1-D or 2-D dataset of `type` with the given shape (no timestamps, so files are
  // byte-identical for any rank count).
  void create_dataset(const std::string& name, hid_t type, const std::vector<uint64_t>& shape);
  std::vector<uint64_t> shape(const std::string& name) const;
  StoredType stored_type(const std::string& name) const;

  // Collective. Rows [first, first + count) of a 1-D or 2-D dataset; row width from the dataset.
  // `mem_type` is the in-memory type of `data`; HDF5 converts. count may be 0 on some ranks.
  void write_rows(const std::string& name, hid_t mem_type, uint64_t first, uint64_t count,
                  const void* data);
  void read_rows(const std::string& name, hid_t mem_type, uint64_t first, uint64_t count,
                 void* data) const;

  // Attributes of the root group, or of `object` (collective when writing).
  void write_attribute(const std::string& name, const std::string& value,
                       const std::string& object = "/");
  void write_attribute(const std::string& name, uint64_t value);
  // A fixed- or variable-length string (h5py writes variable-length ones by default).
  std::string read_string_attribute(const std::string& name, const std::string& object = "/") const;
  // A whole number >= 0 stored as any integer or float type; InputError naming the attribute and
  // its value for a negative, fractional or non-finite one.
  uint64_t read_uint_attribute(const std::string& name) const;
  bool has_attribute(const std::string& name, const std::string& object = "/") const;

 private:
  File(std::string path, Handle file) : path_(std::move(path)), file_(std::move(file)) {}
  [[noreturn]] void fail(const std::string& what) const;
  std::string path_;
  Handle file_;
};

}  // namespace pimscale::h5
