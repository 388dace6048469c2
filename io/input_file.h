// Reading the files users hand to `data convert`: plain or gzip-compressed (MNIST and LIBSVM data
// sets ship as .gz), detected from the bytes, not the name; a UTF-8 byte-order mark at the start
// is skipped. Not responsible for what the bytes mean (convert.cpp parses them).
#pragma once

#include <zlib.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "src/base/progress.h"

namespace pimscale {

class InputFile {
 public:
  // Throws InputError naming `path` and `flag` when it cannot be opened.
  InputFile(const std::string& path, const std::string& flag);

  const std::string& path() const { return path_; }
  // The next byte, or -1 at the end. Throws InputError when the compressed stream is corrupt.
  int get() {
    if (at_ == end_ && !refill()) return -1;
    return static_cast<unsigned char>(buffer_[at_++]);
  }
  // The next line without its "\n" (nor a "\r" before it); false at the end of the file.
  bool getline(std::string& line);
  // Exactly `n` bytes, or false when the file ends first.
  bool read(void* out, size_t n);
  // From now on, show how much of the file (in MiB as stored: compressed for a .gz) has been read
  // (a long conversion's progress; the caller is the one process that prints).
  void show_progress(const std::string& what);

 private:
  bool refill();
  std::string path_;
  std::optional<Progress> progress_;
  struct Close {
    void operator()(gzFile f) const { gzclose(f); }
  };
  std::unique_ptr<gzFile_s, Close> file_;  // closed however the constructor or a read ends
  std::vector<char> buffer_;
  size_t at_ = 0, end_ = 0;
};

}  // namespace pimscale
